//! Training checkpoints: `weights/weights_ep{E}.safetensors` in the run folder holds the model's
//! parameters and BatchNorm buffers, the optimizer state (`optim.*`) and the counters (metadata),
//! written atomically (temp file + rename), so a run killed at any moment resumes from the last
//! complete file. RL (later) loads the model part of the latest file.

use nn::Module;
use nn::checkpoint::{self, LoadOptions, StoreDtype, module_slots};
use nn::optim::Optimizer;
use std::path::{Path, PathBuf};

/// Counters saved with the weights: the epochs completed and the optimizer steps taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub epoch: usize,
    pub global_step: u64,
}

/// Which checkpoint `--resume` continues from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    Latest,
    Epoch(usize),
}

impl std::str::FromStr for Resume {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "latest" => Ok(Resume::Latest),
            _ => s
                .parse()
                .map(Resume::Epoch)
                .map_err(|_| format!("--resume {s:?}: expected `latest` or an epoch number")),
        }
    }
}

/// The file of epoch `epoch` in run folder `run`.
pub fn checkpoint_path(run: &Path, epoch: usize) -> PathBuf {
    run.join("weights").join(format!("weights_ep{epoch}.safetensors"))
}

/// Epochs that have a checkpoint in `run`, ascending (temp files of interrupted writes are ignored).
pub fn saved_epochs(run: &Path) -> Vec<usize> {
    let Ok(entries) = std::fs::read_dir(run.join("weights")) else { return Vec::new() };
    let mut epochs: Vec<usize> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_prefix("weights_ep")?.strip_suffix(".safetensors")?.parse().ok())
        .collect();
    epochs.sort_unstable();
    epochs
}

/// Resolves `which` to an existing checkpoint file of `run`.
pub fn find(run: &Path, which: Resume) -> Result<PathBuf, String> {
    let epochs = saved_epochs(run);
    let epoch = match which {
        Resume::Latest => *epochs.last().ok_or_else(|| format!("{}: no checkpoint to resume from", run.display()))?,
        Resume::Epoch(e) if epochs.contains(&e) => e,
        Resume::Epoch(e) => return Err(format!("{}: no checkpoint of epoch {e} (have {epochs:?})", run.display())),
    };
    Ok(checkpoint_path(run, epoch))
}

/// Writes the model, the optimizer and `progress` to the checkpoint of `progress.epoch`.
pub fn save(run: &Path, model: &dyn Module, optim: &dyn Optimizer, progress: Progress) -> Result<PathBuf, String> {
    let path = checkpoint_path(run, progress.epoch);
    let mut entries = model.state_dict();
    entries.extend(optim.state_dict().into_iter().map(|(k, v)| (format!("optim.{k}"), v)));
    let meta =
        [("epoch".to_string(), progress.epoch.to_string()), ("global_step".into(), progress.global_step.to_string())];
    checkpoint::save(&path, &entries, &meta, StoreDtype::F32).map_err(|e| e.to_string())?;
    Ok(path)
}

/// Restores the model and the optimizer from `path`; returns the saved counters.
pub fn load(path: &Path, model: &dyn Module, optim: &mut dyn Optimizer) -> Result<Progress, String> {
    let ck = checkpoint::load(path).map_err(|e| e.to_string())?;
    ck.load_into(&module_slots(model), &LoadOptions::default().skip_prefix("optim.")).map_err(|e| e.to_string())?;
    optim.load_state_dict(&ck.with_prefix("optim.")).map_err(|e| format!("{}: {e}", path.display()))?;
    let counter = |key: &str| -> Result<u64, String> {
        ck.meta(key)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{}: metadata key {key:?} missing or not a number", path.display()))
    };
    Ok(Progress { epoch: counter("epoch")? as usize, global_step: counter("global_step")? })
}

/// Loads only the model part of `path` (for evaluation and RL).
pub fn load_model(path: &Path, model: &dyn Module) -> Result<Progress, String> {
    let ck = checkpoint::load(path).map_err(|e| e.to_string())?;
    ck.load_into(&module_slots(model), &LoadOptions::default().skip_prefix("optim.")).map_err(|e| e.to_string())?;
    let epoch = ck.meta("epoch").and_then(|v| v.parse().ok()).unwrap_or(0);
    let global_step = ck.meta("global_step").and_then(|v| v.parse().ok()).unwrap_or(0);
    Ok(Progress { epoch, global_step })
}
