//! `[general]`: the optimisation, logging and checkpointing settings of a skill-model run
//! (upstream's `configuration` dict), with upstream's defaults.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Which optimizer updates the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// Adam with decoupled weight decay (EXTRACT's skill models).
    AdamW,
    /// Rectified Adam (SPiRL's skill models).
    RAdam,
    /// Plain Adam.
    Adam,
}

/// `[general]` table of a skill-learning config.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct GeneralConfig {
    /// Optimizer: "adamw" (EXTRACT), "radam" (SPiRL), "adam".
    pub optimizer: OptimizerKind,
    /// Learning rate.
    pub lr: f32,
    /// Adam's first-moment decay.
    pub adam_beta1: f32,
    /// Adam's second-moment decay.
    pub adam_beta2: f32,
    /// Weight decay (AdamW: decoupled; PyTorch's AdamW default 0.01; Adam/RAdam: none by default).
    pub weight_decay: Option<f32>,
    /// Training epochs (one epoch = `data.epoch_cycles_train` passes over the training windows).
    pub epochs: usize,
    /// Clip the global gradient norm to this for the first `init_grad_clip_step` steps (upstream 0.001).
    pub init_grad_clip: f32,
    /// Steps during which `init_grad_clip` applies (upstream 100).
    pub init_grad_clip_step: u64,
    /// Save a checkpoint every this many epochs (and after the last one).
    pub checkpoint_interval: usize,
    /// Validate every this many epochs (and after the last one).
    pub val_interval: usize,
    /// Write training losses to metrics.jsonl every this many steps.
    pub log_interval: usize,
    /// Decodes per validation window of the top-of-N evaluator (upstream 100).
    pub top_of_n: usize,
    /// Validation windows evaluated per validation pass (upstream `--val_data_size 160`).
    pub val_data_size: usize,
    /// Seed of initialisation, data sampling and latent noise (the CLI's `--seed` overrides it).
    pub seed: u64,
    /// Compute device: "cpu", "gpu" or "auto" (the CLI's `--device` overrides it).
    pub device: String,
    /// Root folder of experiments; a run lives in `<exp_dir>/<config path after configs/>/<prefix>`.
    pub exp_dir: PathBuf,
    /// Name of this run inside the experiment folder.
    pub prefix: String,
}

impl Default for GeneralConfig {
    fn default() -> Self {
        GeneralConfig {
            optimizer: OptimizerKind::AdamW,
            lr: 1e-3,
            adam_beta1: 0.9,
            adam_beta2: 0.999,
            weight_decay: None,
            epochs: 200,
            init_grad_clip: 0.001,
            init_grad_clip_step: 100,
            checkpoint_interval: 5,
            val_interval: 5,
            log_interval: 100,
            top_of_n: 100,
            val_data_size: 160,
            seed: 0,
            device: "cpu".into(),
            exp_dir: PathBuf::from("experiments"),
            prefix: "run".into(),
        }
    }
}

impl GeneralConfig {
    /// The optimizer settings as `nn` takes them (AdamW's decay defaults to PyTorch's 0.01).
    pub fn adam_config(&self) -> nn::optim::AdamConfig {
        let decoupled = self.optimizer == OptimizerKind::AdamW;
        let default_decay = if decoupled { 0.01 } else { 0.0 };
        nn::optim::AdamConfig {
            lr: self.lr,
            beta1: self.adam_beta1,
            beta2: self.adam_beta2,
            eps: 1e-8,
            weight_decay: self.weight_decay.unwrap_or(default_decay),
            decoupled,
        }
    }

    /// The gradient-clipping schedule (`init_grad_clip` for the first steps, none afterwards).
    pub fn clip_schedule(&self) -> nn::optim::ClipSchedule {
        nn::optim::ClipSchedule { init_norm: self.init_grad_clip, init_steps: self.init_grad_clip_step, norm: None }
    }
}
