//! Optimizers (SGD, Adam, AdamW, RAdam) with PyTorch's update rules, and the gradient-clipping
//! schedule SPiRL/EXTRACT use. They read `Grads` and write new values into `Param`s.

mod adam;
mod clip;
mod radam;
mod sgd;

pub use adam::{Adam, AdamConfig};
pub use clip::ClipSchedule;
pub use radam::RAdam;
pub use sgd::{Sgd, SgdConfig};

use autograd::Grads;
use tensor::Tensor;

/// What every optimizer offers a training loop and a checkpoint.
pub trait Optimizer {
    /// One update of every parameter that has a gradient in `grads`.
    fn step(&mut self, grads: &Grads);

    /// Steps taken so far.
    fn steps(&self) -> u64;

    fn learning_rate(&self) -> f32;

    fn set_learning_rate(&mut self, lr: f32);

    /// Internal state by name (`{param}.exp_avg`, ..., and `step`) for checkpoints.
    fn state_dict(&self) -> Vec<(String, Tensor)>;

    /// Restores `state_dict` output; errors name the missing or misshapen entry.
    fn load_state_dict(&mut self, state: &[(String, Tensor)]) -> Result<(), String>;
}

/// Shared helpers for the per-parameter moment buffers of the optimizers.
pub(crate) mod state {
    use autograd::{Param, ParamId};
    use std::collections::HashMap;
    use tensor::Tensor;

    /// Per-parameter buffers (e.g. `exp_avg`, `exp_avg_sq`) keyed by parameter id.
    pub type Buffers = HashMap<ParamId, Vec<Tensor>>;

    /// Names `{param}.{buffer}` for every buffer of every parameter that has state, plus `step`.
    pub fn export(params: &[Param], buffers: &Buffers, names: &[&str], step: u64) -> Vec<(String, Tensor)> {
        let mut out = vec![("step".to_string(), Tensor::scalar(step as f32))];
        for p in params {
            if let Some(bufs) = buffers.get(&p.id()) {
                for (n, b) in names.iter().zip(bufs) {
                    out.push((format!("{}.{n}", p.name()), b.clone()));
                }
            }
        }
        out
    }

    /// Inverse of `export`: returns the step and fills `buffers` for every parameter named in `state`.
    pub fn import(
        params: &[Param],
        buffers: &mut Buffers,
        names: &[&str],
        state: &[(String, Tensor)],
    ) -> Result<u64, String> {
        let find = |key: &str| state.iter().find(|(k, _)| k == key).map(|(_, t)| t);
        let step = find("step").ok_or("optimizer state has no 'step' entry")?.item() as u64;
        buffers.clear();
        for p in params {
            let bufs: Vec<Option<&Tensor>> = names.iter().map(|n| find(&format!("{}.{n}", p.name()))).collect();
            if bufs.iter().all(Option::is_none) {
                continue;
            }
            let mut loaded = Vec::with_capacity(names.len());
            for (n, b) in names.iter().zip(bufs) {
                let b = b.ok_or_else(|| format!("optimizer state lacks {}.{n}", p.name()))?;
                if b.shape() != p.value().shape() {
                    return Err(format!(
                        "optimizer state {}.{n} has shape {:?}, parameter has {:?}",
                        p.name(),
                        b.shape(),
                        p.value().shape()
                    ));
                }
                loaded.push(b.clone());
            }
            buffers.insert(p.id(), loaded);
        }
        Ok(step)
    }
}
