//! Shared by the end-to-end tests of `extract train` and `extract rl`: small synthetic data sets in
//! the D4RL schema with skill labels, and skill-model configs on them.
#![allow(dead_code)]

use envs::dataset::{D4rlWriter, Episode, WriterOptions, write_labels};
use std::path::{Path, PathBuf};

pub const FRAME: usize = 16;
pub const SKILLS: usize = 3;

/// Scratch folder of one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("extract-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `trajectories` episodes of `segments` skill segments of 14 steps each. Skill `k` moves the arm
/// with a smooth action pattern of its own; the frame's colour shows the skill and its brightness
/// the progress through the segment, the state integrates the actions. Returns (data, labels).
pub fn synthetic_data(dir: &Path, trajectories: usize, segments: usize) -> (PathBuf, PathBuf) {
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

/// A config file for `model` ("spirl_state", "extract", "extract_state", "spirl", "bc", "bc_state") on the synthetic data.
pub fn config(dir: &Path, model: &str, data: &Path, labels: &Path, epochs: usize, cycles: usize) -> PathBuf {
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
        "extract_state" => (
            "type = \"extract\"\ninput = \"state\"\nn_skills = 3\nnz_enc = 16\nnz_vae = 3\nnz_mid_lstm = 16\nnum_prior_net_layers = 1\nnz_mid_prior = 16",
            format!(
                "kind = \"segments\"\nlabels_file = {labels:?}\nuse_image = false\nmax_subseq_len = 12\nmin_subseq_len = 5"
            ),
        ),
        "bc" => (
            "type = \"bc\"\nnz_mid = 16\nn_processing_layers = 1",
            format!("kind = \"single_step\"\nuse_image = true\nresolution = {FRAME}\nn_input_frames = 2"),
        ),
        "bc_state" => (
            "type = \"bc\"\ninput = \"state\"\nnz_mid = 16\nn_processing_layers = 1",
            "kind = \"single_step\"\nuse_image = false".to_string(),
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
