//! `extract train` end to end on small synthetic data sets: a run killed with SIGKILL and resumed
//! with `--resume latest` ends with exactly the parameters of an uninterrupted run; short EXTRACT,
//! SPiRL and BC runs lower their validation error; bad configs fail with one-line errors.

use envs::dataset::{D4rlWriter, Episode, WriterOptions, write_labels};
use extract::components::trainer::{TrainArgs, train};
use nn::checkpoint;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const FRAME: usize = 16;
const SKILLS: usize = 3;

/// Scratch folder of one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("extract-train-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `trajectories` episodes of `segments` skill segments of 14 steps each. Skill `k` moves the arm
/// with a smooth action pattern of its own; the frame's colour shows the skill and its brightness
/// the progress through the segment, the state integrates the actions. Returns (data, labels).
fn synthetic_data(dir: &Path, trajectories: usize, segments: usize) -> (PathBuf, PathBuf) {
    let seg_len = 14;
    let path = dir.join("synthetic.h5");
    let opts = WriterOptions { frame_compression: 1, ..WriterOptions::kitchen(Some(FRAME), vec!["skill".into()]) };
    let mut writer = D4rlWriter::create(&path, opts).unwrap();
    let mut labels = Vec::new();
    for traj in 0..trajectories {
        let mut ep = Episode::default();
        let mut state = [0f32; 60];
        for seg in 0..segments {
            let k = (traj * 7 + seg * 5) % SKILLS;
            for t in 0..seg_len {
                let phase = t as f32 / (seg_len - 1) as f32;
                let action: Vec<f32> =
                    (0..9).map(|j| 0.6 * ((k as f32 + 1.0) * phase * 3.0 + j as f32 * 0.7).sin()).collect();
                state.iter_mut().zip(action.iter().cycle()).for_each(|(s, a)| *s += 0.05 * a);
                ep.observations.extend_from_slice(&state);
                ep.actions.extend_from_slice(&action);
                ep.rewards.push(0.0);
                ep.qpos.extend(std::iter::repeat_n(0.0, 30));
                ep.qvel.extend(std::iter::repeat_n(0.0, 29));
                ep.subtask.push(k as u8);
                let colour = [(k == 0) as u8, (k == 1) as u8, (k == 2) as u8].map(|c| c * 100 + (phase * 155.0) as u8);
                for _ in 0..FRAME * FRAME {
                    ep.frames.extend_from_slice(&colour);
                }
                labels.push(k as u8);
            }
        }
        writer.append(&ep).unwrap();
    }
    writer.finish().unwrap();
    let labels_path = dir.join("clusters.h5");
    write_labels(&labels_path, &labels, None, &[]).unwrap();
    (path, labels_path)
}

/// A config file for `model` ("spirl_state", "extract", "spirl", "bc") on the synthetic data.
fn config(dir: &Path, model: &str, data: &Path, labels: &Path, epochs: usize, cycles: usize) -> PathBuf {
    let (model_table, data_table) = match model {
        "spirl_state" => (
            "type = \"spirl\"\ninput = \"state\"\nnz_enc = 16\nnz_vae = 4\nnz_mid_lstm = 16\nnum_prior_net_layers = 1\nnz_mid_prior = 16",
            "kind = \"sequence\"\nuse_image = false\nsubseq_len = 11".to_string(),
        ),
        "spirl" => (
            "type = \"spirl\"\ninput = \"image\"\nnz_enc = 16\nnz_vae = 4\nnz_mid = 16\nnz_mid_lstm = 16\nnum_prior_net_layers = 1\nnz_mid_prior = 16",
            format!("kind = \"sequence\"\nuse_image = true\nresolution = {FRAME}\nn_input_frames = 2\nsubseq_len = 12"),
        ),
        "extract" => (
            "type = \"extract\"\nn_skills = 3\nnz_enc = 16\nnz_vae = 3\nnz_mid = 16\nnz_mid_lstm = 16\nnum_prior_net_layers = 1\nnz_mid_prior = 16",
            format!(
                "kind = \"segments\"\nlabels_file = {labels:?}\nuse_image = true\nresolution = {FRAME}\nn_input_frames = 2\nmax_subseq_len = 12\nmin_subseq_len = 5"
            ),
        ),
        "bc" => (
            "type = \"bc\"\nnz_mid = 16\nn_processing_layers = 1",
            format!("kind = \"single_step\"\nuse_image = true\nresolution = {FRAME}\nn_input_frames = 2"),
        ),
        other => panic!("no test config for {other}"),
    };
    let text = format!(
        "[general]\nlr = 3e-3\nepochs = {epochs}\ncheckpoint_interval = 1\nval_interval = 1\nlog_interval = 5\n\
         top_of_n = 4\nval_data_size = 32\nexp_dir = {exp:?}\ninit_grad_clip_step = 0\n\n\
         [model]\n{model_table}\n\n[data]\ndata_file = {data:?}\nval_fraction = 0.2\nbatch_size = 16\n\
         epoch_cycles_train = {cycles}\n{data_table}\n",
        exp = dir.join("experiments"),
    );
    let path = dir.join(format!("{model}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

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
