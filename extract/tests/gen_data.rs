//! The kitchen data generator: files readable by the D4RL reader, labels and frames present, the same
//! file for any number of workers, and logged actions that reproduce the logged states exactly.
use envs::Env;
use envs::dataset::{D4rlFile, keys, trajectory_ranges};
use envs::kitchen::{KitchenConfig, KitchenEnv, KitchenTask};
use extract::gen_data::{self, GenConfig, recording_config};
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("extract-gen-data-{}", std::process::id())).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn config(name: &str, episodes: usize, workers: usize) -> GenConfig {
    GenConfig { episodes, workers, frame_size: None, seed: 11, ..GenConfig::small(scratch(name)) }
}

fn episode_lines(cfg: &GenConfig) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(cfg.out.join("episodes.jsonl")).unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn generated_file_is_deterministic_labelled_and_replays_exactly() {
    let a = config("two_workers", 2, 2);
    let summary = gen_data::run(&a).unwrap();
    assert_eq!((summary.episodes, summary.abandoned_episodes), (2, 0));
    let f = D4rlFile::open(&a.data_path()).unwrap();
    assert_eq!(f.len(), summary.steps);
    let terminals = f.terminals().unwrap();
    let trajectories = trajectory_ranges(&terminals);
    assert_eq!(trajectories.len(), 2);
    let labels = f.subtasks().unwrap().expect("ground-truth labels");
    assert_eq!(labels.names.len(), 7);
    let lines = episode_lines(&a);

    // Each episode's labels follow its order, and the target sequence is never the order.
    for (line, range) in lines.iter().zip(&trajectories) {
        let order: Vec<String> = serde_json::from_value(line["order"].clone()).unwrap();
        assert_eq!(order.len(), 4);
        assert_ne!(order, KitchenTask::MIXED.map(|t| t.name().to_string()).to_vec());
        let mut seen: Vec<&str> = Vec::new();
        let steps = &labels.labels[range.clone()];
        assert_eq!(steps.last(), Some(&envs::dataset::NO_SUBTASK), "the final hold serves no subtask");
        for &l in steps.iter().filter(|&&l| l != envs::dataset::NO_SUBTASK) {
            let name = labels.names[l as usize].as_str();
            if seen.last() != Some(&name) {
                seen.push(name);
            }
        }
        assert_eq!(seen, order, "labels run through the order once");
    }

    // One worker writes the same data as two.
    let b = config("one_worker", 2, 1);
    gen_data::run(&b).unwrap();
    let g = D4rlFile::open(&b.data_path()).unwrap();
    assert_eq!(g.observations().unwrap(), f.observations().unwrap());
    assert_eq!(g.actions().unwrap(), f.actions().unwrap());

    // Replaying episode 1's actions after reset(seed) reproduces its observations and states bit for bit.
    let (obs, _) = f.observations().unwrap();
    let (act, _) = f.actions().unwrap();
    let (qpos, _) = f.matrix_f64(keys::QPOS).unwrap();
    let rewards = f.rewards().unwrap();
    let range = trajectories[1].clone();
    let seed = lines[1]["seed"].as_u64().unwrap();
    let mut env = KitchenEnv::new(recording_config(&KitchenConfig::default(), a.max_steps)).unwrap();
    let (mut o, _) = env.reset(Some(seed));
    for t in range {
        assert_eq!(o[..], obs[t * 60..(t + 1) * 60], "observation of step {t}");
        assert_eq!(env.sim().qpos()[..], qpos[t * 30..(t + 1) * 30], "state of step {t}");
        let r = env.step(&act[t * 9..(t + 1) * 9]);
        assert_eq!(r.reward, rewards[t], "reward of step {t}");
        o = r.obs;
    }
}

#[test]
fn frames_and_kept_failures_are_written() {
    // 15 steps cannot finish 4 subtasks: with keep_failed the truncated attempt is written anyway.
    let cfg =
        GenConfig { frame_size: Some(16), max_steps: 15, max_attempts: 1, keep_failed: true, ..config("frames", 1, 1) };
    let summary = gen_data::run(&cfg).unwrap();
    assert_eq!((summary.episodes, summary.steps, summary.failed_attempts), (1, 15, 1));
    let f = D4rlFile::open(&cfg.data_path()).unwrap();
    assert_eq!(f.frame_size().unwrap(), Some((16, 16)));
    let frames = f.frames(0..15).unwrap();
    assert_eq!(frames.len(), 15 * 16 * 16 * 3);
    assert!(frames.iter().any(|&p| p > 0), "frames are drawn");
    assert!(f.timeouts().unwrap().unwrap()[14], "the episode ended truncated");
    assert!(cfg.out.join("frames.png").is_file() && cfg.out.join("summary.json").is_file());

    // Without keep_failed nothing succeeds: a clear error and no data file.
    let cfg = GenConfig { keep_failed: false, ..GenConfig { out: scratch("nothing"), ..cfg } };
    let err = gen_data::run(&cfg).unwrap_err();
    assert!(err.contains("no episode succeeded"), "{err}");
    assert!(!cfg.data_path().exists());
}
