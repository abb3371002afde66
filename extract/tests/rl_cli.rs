//! `extract rl` end to end in Franka Kitchen on tiny budgets: skill models trained for an epoch on
//! synthetic data, then EXTRACT (image: rendered frame stacks), SPiRL (state), BC-finetune (state) and flat SAC runs that
//! write their metrics, checkpoints, evaluation video and report; resume; one-line config errors.

mod skill_runs;

use extract::components::trainer::{TrainArgs, train};
use extract::rl::runner::{RlArgs, run};
use serde_json::Value;
use skill_runs::{FRAME, config, scratch, synthetic_data};
use std::path::{Path, PathBuf};

/// A trained (1 short epoch) skill model run of `model` in `dir`.
fn skill_run(dir: &Path, model: &str) -> PathBuf {
    let (data, labels) = synthetic_data(dir, 6, 3);
    let cfg = config(dir, model, &data, &labels, 1, 2);
    train(&TrainArgs { config: cfg, quiet: true, ..Default::default() }).unwrap_or_else(|e| panic!("{model}: {e}"))
}

/// An RL config with a tiny budget: 40-step episodes, 1 evaluation episode, evaluations every 60 steps.
fn rl_config(dir: &Path, name: &str, agent: &str, skill: Option<&Path>) -> PathBuf {
    let skill = skill.map(|p| format!("[skill]\nrun = {p:?}\n")).unwrap_or_default();
    let text = format!(
        "[general]\nexp_dir = {exp:?}\n\n[train]\nenv_steps = 120\nwarmup_transitions = 3\nbatch_size = 8\n\
         replay_capacity = 500\neval_every = 60\neval_episodes = 1\nlog_every = 30\nvideo_res = 16\n\n\
         [env]\nmax_episode_steps = 40\nrender_res = {FRAME}\n\n{skill}\n[agent]\n{agent}\n",
        exp = dir.join("experiments"),
    );
    // Its own experiment name: a skill run of the same name would share the run folder.
    let path = dir.join(format!("rl_{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn rl(config: &Path, sets: &[&str], resume: bool) -> Result<PathBuf, String> {
    let sets = sets.iter().map(|s| s.to_string()).collect();
    run(&RlArgs { config: config.to_path_buf(), sets, resume, quiet: true, ..Default::default() })
}

fn records(run: &Path, kind: &str) -> Vec<Value> {
    std::fs::read_to_string(run.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["kind"] == kind)
        .collect()
}

#[test]
fn extract_on_rendered_frames_trains_films_and_resumes() {
    let dir = scratch("rl-extract");
    let skill = skill_run(&dir, "extract");
    let cfg = rl_config(&dir, "extract", "type = \"extract\"\ncritic_mid_dim = 32", Some(&skill));
    let out = rl(&cfg, &[], false).unwrap();
    let evals: Vec<u64> = records(&out, "eval").iter().map(|r| r["step"].as_u64().unwrap()).collect();
    assert_eq!(evals.first(), Some(&0));
    assert!(*evals.last().unwrap() >= 120, "evaluations at {evals:?}");
    let updates = records(&out, "update");
    assert!(updates.iter().any(|r| r["critic_loss_1"].is_number()), "no update metrics: {updates:?}");
    for file in
        ["summary.json", "config.toml", "plots/returns.png", "videos/eval_step0.png", "weights/replay.safetensors"]
    {
        assert!(out.join(file).is_file(), "{file} missing in {}", out.display());
    }
    // Resuming continues from the newest checkpoint up to the new budget.
    let again = rl(&cfg, &["train.env_steps=180"], true).unwrap();
    assert_eq!(again, out);
    let evals: Vec<u64> = records(&out, "eval").iter().map(|r| r["step"].as_u64().unwrap()).collect();
    assert!(*evals.last().unwrap() >= 180 && evals.windows(2).all(|w| w[0] < w[1]), "evaluations at {evals:?}");
    // A finished run is not overwritten by accident.
    assert!(rl(&cfg, &[], false).unwrap_err().contains("--resume"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn spirl_on_states_and_flat_sac_run() {
    let dir = scratch("rl-spirl");
    let skill = skill_run(&dir, "spirl_state");
    let cfg = rl_config(&dir, "spirl", "type = \"spirl\"\ncritic_mid_dim = 32", Some(&skill));
    let out = rl(&cfg, &["train.video_res=0"], false).unwrap();
    let updates = records(&out, "update");
    assert!(updates.iter().any(|r| r["alpha"].is_number()), "no update metrics: {updates:?}");
    assert!(!out.join("videos").exists());

    // Flat SAC runs on the same loop (one env action per decision): two workers, checkpoints, resume.
    let cfg = rl_config(&dir, "sac", "type = \"sac\"\npolicy_mid_dim = 32\ncritic_mid_dim = 32", None);
    let sets = ["train.warmup_transitions=50", "train.workers=2", "train.video_res=0"];
    let out = rl(&cfg, &sets, false).unwrap();
    assert!(records(&out, "eval").len() >= 2);
    let updates = records(&out, "update");
    assert!(updates.iter().any(|r| r["critic_loss_1"].is_number() && r["alpha"].is_number()), "{updates:?}");
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    // One transition per env step, less each worker's open one.
    let (steps, transitions) = (summary["env_steps"].as_u64().unwrap(), summary["transitions"].as_u64().unwrap());
    assert!(summary["workers"] == 2 && (steps - 2..=steps).contains(&transitions), "{summary}");
    rl(&cfg, &[&sets[..], &["train.env_steps=180"]].concat(), true).unwrap();
    let evals: Vec<u64> = records(&out, "eval").iter().map(|r| r["step"].as_u64().unwrap()).collect();
    assert!(*evals.last().unwrap() >= 180, "evaluations at {evals:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bc_finetune_acts_one_env_action_per_decision_with_an_entropy_bonus() {
    let dir = scratch("rl-bc");
    let skill = skill_run(&dir, "bc_state");
    // Only the type is given: the entropy regulariser is bc_finetune's default.
    let cfg = rl_config(&dir, "bc", "type = \"bc_finetune\"\ncritic_mid_dim = 32", Some(&skill));
    let out = rl(&cfg, &["train.video_res=0"], false).unwrap();
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["transitions"], summary["env_steps"], "one transition per env step: {summary}");
    let updates = records(&out, "update");
    assert!(updates.iter().any(|r| r["log_pi"].is_number() && r["alpha"].is_number()), "{updates:?}");
    let episodes = records(&out, "episode");
    assert!(episodes.iter().all(|e| e["skills"] == e["length"]), "{episodes:?}");
    // A SPiRL skill model is not a BC policy.
    let spirl = skill_run(&dir, "spirl_state");
    let e = rl(&cfg, &[&format!("skill.run={spirl:?}"), "general.prefix=other"], false).unwrap_err();
    assert!(e.contains("not a BC"), "{e}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_rl_configs_fail_with_one_line_errors() {
    let dir = scratch("rl-bad");
    let skill = skill_run(&dir, "spirl_state");
    let cfg = rl_config(&dir, "spirl", "type = \"spirl\"", Some(&skill));
    let one_line = |e: String| {
        assert!(!e.contains('\n'), "{e}");
        e
    };
    let e = one_line(rl(&cfg, &["agent.target_divergense=3"], false).unwrap_err());
    assert!(e.contains("target_divergense") && e.contains("target_divergence"), "{e}");
    let e = one_line(rl(&cfg, &["env.tasks=[\"microwave\", \"toaster\"]"], false).unwrap_err());
    assert!(e.contains("env.tasks") && e.contains("toaster"), "{e}");
    let e = one_line(rl(&cfg, &["agent.type=\"extract\""], false).unwrap_err());
    assert!(e.contains("not an EXTRACT skill model"), "{e}");
    let e = one_line(rl(&cfg, &["skill.run=\"/nonexistent/run\""], false).unwrap_err());
    assert!(e.contains("skill.run") && e.contains("/nonexistent/run"), "{e}");
    let _ = std::fs::remove_dir_all(dir);
}
