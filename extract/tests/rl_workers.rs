//! Two env workers for one EXTRACT run on rendered frames: as threads of one process
//! (`train.workers = 2`) and as MPI ranks (`mpirun -n 2 extract rl …`), the same seed giving
//! bit-identical agents, replay buffers and logs; both workers' experience reaching the learner;
//! and a run stopped at a checkpoint and resumed ending exactly as the run that never stopped.

mod skill_runs;

use extract::components::trainer::{TrainArgs, train};
use extract::rl::hierarchy::latest_checkpoint;
use extract::rl::runner::{RlArgs, run};
use serde_json::Value;
use skill_runs::{FRAME, config, scratch, synthetic_data};
use std::path::{Path, PathBuf};
use std::process::Command;

fn skill_run(dir: &Path) -> PathBuf {
    let (data, labels) = synthetic_data(dir, 6, 3);
    let cfg = config(dir, "extract", &data, &labels, 1, 2);
    train(&TrainArgs { config: cfg, quiet: true, ..Default::default() }).unwrap()
}

/// 40-step episodes, updates from the 4th transition, evaluations every 60 steps.
fn rl_config(dir: &Path, skill: &Path) -> PathBuf {
    let text = format!(
        "[general]\nexp_dir = {exp:?}\n\n[train]\nenv_steps = 150\nwarmup_transitions = 3\nbatch_size = 8\n\
         replay_capacity = 500\neval_every = 60\neval_episodes = 1\nlog_every = 30\nvideo_res = 0\n\n\
         [env]\nmax_episode_steps = 40\nrender_res = {FRAME}\n\n[skill]\nrun = {skill:?}\n\n\
         [agent]\ntype = \"extract\"\ncritic_mid_dim = 32\n",
        exp = dir.join("experiments"),
    );
    let path = dir.join("rl_workers.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn rl(config: &Path, sets: &[&str]) -> PathBuf {
    let sets = sets.iter().map(|s| s.to_string()).collect();
    run(&RlArgs { config: config.to_path_buf(), sets, quiet: true, ..Default::default() }).unwrap()
}

fn resume(config: &Path, sets: &[&str]) -> PathBuf {
    let sets = sets.iter().map(|s| s.to_string()).collect();
    run(&RlArgs { config: config.to_path_buf(), sets, resume: true, quiet: true, ..Default::default() }).unwrap()
}

fn replay(run: &Path) -> Vec<u8> {
    std::fs::read(run.join("weights/replay.safetensors")).unwrap()
}

/// The metrics lines without wall-clock fields.
fn records(run: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    text.lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            for k in ["wall_s", "env_steps_per_s"] {
                v.as_object_mut().unwrap().remove(k);
            }
            v
        })
        .collect()
}

fn final_agent(run: &Path) -> Vec<(String, Vec<f32>)> {
    let (_, path) = latest_checkpoint(run).expect("a checkpoint");
    nn::checkpoint::load(path).unwrap().tensors.into_iter().map(|(k, t)| (k, t.to_vec())).collect()
}

fn summary(run: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn threads_and_mpi_ranks_train_the_same_agent() {
    let dir = scratch("rl-workers");
    let skill = skill_run(&dir);
    let cfg = rl_config(&dir, &skill);
    let threads = rl(&cfg, &["train.workers=2", "general.prefix=threads"]);
    let solo = rl(&cfg, &["general.prefix=solo"]);
    let (s2, s1) = (summary(&threads), summary(&solo));
    assert_eq!(s2["workers"], 2);
    // Each iteration gathers one skill per worker: twice the transitions for the same env steps
    // (within the length of one skill), and updates only on the learner.
    let ratio = s2["transitions"].as_f64().unwrap() / s1["transitions"].as_f64().unwrap();
    assert!(s2["env_steps"].as_u64() >= Some(150) && (1.0..=1.6).contains(&ratio), "{s2} vs {s1}");
    assert!(s2["updates"].as_u64().unwrap() > 0);
    // The learner stored the frozen prior's outputs beside every observation.
    let saved = nn::checkpoint::load(threads.join("weights/replay.safetensors")).unwrap();
    for key in ["obs.features", "next_obs.features"] {
        let (_, f) =
            saved.tensors.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no {key} in the replay file"));
        assert!(f.dim(1) > 0 && f.to_vec().iter().any(|&x| x != 0.0), "{key}: {:?}", f.shape());
    }
    // Stopped at the first checkpoint and resumed: the run that was never stopped, bit for bit
    // (both workers' envs, frame stacks and running skills, every generator, the pending metrics).
    rl(&cfg, &["train.workers=2", "general.prefix=resumed", "train.env_steps=60"]);
    let resumed = resume(&cfg, &["train.workers=2", "general.prefix=resumed"]);
    assert_eq!(records(&resumed), records(&threads));
    assert_eq!(final_agent(&resumed), final_agent(&threads));
    assert!(replay(&resumed) == replay(&threads), "replay buffers differ after resuming");
    let Ok(mpirun) = which("mpirun") else {
        eprintln!("skipped: mpirun not found (scripts/setup.sh installs openmpi-bin)");
        return;
    };
    let out = Command::new(mpirun)
        .args(["-n", "2", "--oversubscribe", "--bind-to", "none"])
        .arg(env!("CARGO_BIN_EXE_extract"))
        .args(["rl", "--config"])
        .arg(&cfg)
        .args(["--set", "general.prefix=mpi", "--quiet"])
        // OpenMPI refuses root without these (CI containers run as root).
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .output()
        .unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "mpirun failed: {log}");
    let mpi = threads.with_file_name("mpi");
    assert_eq!(summary(&mpi)["workers"], 2, "{log}");
    assert_eq!(records(&mpi), records(&threads));
    assert_eq!(final_agent(&mpi), final_agent(&threads));
    assert!(replay(&mpi) == replay(&threads), "replay buffers differ");
    let _ = std::fs::remove_dir_all(dir);
}

/// The first `name` on PATH.
fn which(name: &str) -> Result<PathBuf, ()> {
    let path = std::env::var_os("PATH").ok_or(())?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file()).ok_or(())
}
