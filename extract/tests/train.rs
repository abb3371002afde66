//! `extract train` end to end on small synthetic data sets: a run killed with SIGKILL and resumed
//! with `--resume latest` ends with exactly the parameters of an uninterrupted run; short EXTRACT,
//! SPiRL and BC runs lower their validation error; bad configs fail with one-line errors.

use extract::components::trainer::{TrainArgs, train};
use nn::checkpoint;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod skill_runs;

use skill_runs::{config, scratch, synthetic_data};

fn extract_train(config: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_extract"));
    cmd.args(["train", "--quiet", "--config"]).arg(config).args(extra);
    cmd
}

/// Model and optimizer tensors of a checkpoint, by name.
fn tensors(path: &Path) -> Vec<(String, Vec<f32>)> {
    checkpoint::load(path).unwrap().tensors.into_iter().map(|(n, t)| (n, t.to_vec())).collect()
}

#[test]
fn killed_and_resumed_run_ends_with_the_uninterrupted_parameters() {
    let dir = scratch("resume");
    let (data, labels) = synthetic_data(&dir, 12, 4);
    let cfg = config(&dir, "spirl_state", &data, &labels, 6, 40);
    let status = extract_train(&cfg, &["--set", "general.prefix=straight"]).status().unwrap();
    assert!(status.success());

    // Kill the second run (SIGKILL) as soon as its epoch-2 checkpoint exists, then resume it.
    let mut child = extract_train(&cfg, &["--set", "general.prefix=killed"]).spawn().unwrap();
    let killed = dir.join("experiments/spirl_state/killed");
    let deadline = Instant::now() + Duration::from_secs(300);
    while !killed.join("weights/weights_ep2.safetensors").exists() {
        assert!(Instant::now() < deadline, "the run never wrote its epoch-2 checkpoint");
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be killed");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let saved = extract::components::checkpointer::saved_epochs(&killed);
    assert!(*saved.last().unwrap() < 6, "the run finished before the kill ({saved:?}); make its epochs longer");
    let status = extract_train(&cfg, &["--set", "general.prefix=killed", "--resume", "latest"]).status().unwrap();
    assert!(status.success());

    let a = tensors(&dir.join("experiments/spirl_state/straight/weights/weights_ep6.safetensors"));
    let b = tensors(&killed.join("weights/weights_ep6.safetensors"));
    assert_eq!(a.len(), b.len());
    for ((na, va), (nb, vb)) in a.iter().zip(&b) {
        assert_eq!(na, nb);
        assert!(va == vb, "{na} differs between the uninterrupted and the resumed run");
    }
    // The resumed run's metrics hold each training step once.
    let metrics = std::fs::read_to_string(killed.join("metrics.jsonl")).unwrap();
    let steps: Vec<u64> = metrics
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r["split"] == "train")
        .filter_map(|r| r["step"].as_u64())
        .collect();
    assert!(steps.windows(2).all(|w| w[0] < w[1]), "duplicate or unordered steps: {steps:?}");
    let _ = std::fs::remove_dir_all(dir);
}

/// First and last validation value of `key` in a finished run's metrics.
fn val_metric(run: &Path, key: &str) -> (f64, f64) {
    let metrics = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    let vals: Vec<f64> = metrics
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r["split"] == "val")
        .filter_map(|r| r[key].as_f64())
        .collect();
    assert!(vals.len() >= 2, "expected validation records with {key}, got {vals:?}");
    (vals[0], *vals.last().unwrap())
}

#[test]
fn short_runs_lower_validation_error_and_write_their_report() {
    let dir = scratch("short");
    let (data, labels) = synthetic_data(&dir, 16, 4);
    // Validation action MSE of the posterior-mean reconstruction (BC: of the mean action) must fall
    // by 3x in 4 short epochs: untrained decoders start near 0.2 (|a| ~ 0.4).
    for model in ["extract", "spirl", "bc"] {
        let cfg = config(&dir, model, &data, &labels, 4, 20);
        let args = TrainArgs { config: cfg, quiet: true, ..Default::default() };
        let run = train(&args).unwrap_or_else(|e| panic!("{model}: {e}"));
        let (first, last) = val_metric(&run, "reconstruction_mse");
        eprintln!("{model}: validation reconstruction mse {first} -> {last}");
        assert!(last * 3.0 < first, "{model}: validation reconstruction mse {first} -> {last}, expected a 3x drop");
        for file in ["config.toml", "git.txt", "summary.json", "plots/train_losses.png", "plots/decoded_vs_true.png"] {
            assert!(run.join(file).is_file(), "{model}: {file} missing in {}", run.display());
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_configs_fail_with_one_line_errors() {
    let dir = scratch("bad");
    let (data, labels) = synthetic_data(&dir, 4, 2);
    let cfg = config(&dir, "extract", &data, &labels, 1, 1);
    let run = |sets: &[&str]| {
        let args = TrainArgs {
            config: cfg.clone(),
            sets: sets.iter().map(|s| s.to_string()).collect(),
            quiet: true,
            ..Default::default()
        };
        train(&args).unwrap_err()
    };
    let e = run(&["model.nz_vea=3"]);
    assert!(e.contains("model") && e.contains("nz_vea") && e.contains("nz_vae") && !e.contains('\n'), "{e}");
    let e = run(&["general.lr=fast"]);
    assert!(e.contains("general.lr") && !e.contains('\n'), "{e}");
    let e = run(&["data.data_file=/nonexistent/file.h5"]);
    assert!(e.contains("/nonexistent/file.h5") && !e.contains('\n'), "{e}");
    let missing = TrainArgs { config: dir.join("nope.toml"), ..Default::default() };
    assert!(train(&missing).unwrap_err().contains("nope.toml"));
    let _ = std::fs::remove_dir_all(dir);
}
