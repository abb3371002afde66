//! Optimizers (SGD, Adam, AdamW, RAdam) with PyTorch's update rules, and the gradient-clipping
//! schedule SPiRL/EXTRACT use. They read `Grads` and write new values into `Param`s.
//!
//! Each algorithm is an [`UpdateRule`] (its hyperparameters and the per-parameter update); the
//! shared [`Optim`] driver owns the parameter list, the per-parameter buffers and the step count,
//! and implements [`Optimizer`] (stepping, learning rate, state dicts) once for all of them.

mod adam;
mod clip;
mod radam;
mod sgd;

pub use adam::{Adam, AdamConfig};
pub use clip::ClipSchedule;
pub use radam::{RAdam, RAdamRule};
pub use sgd::{Sgd, SgdConfig};

use autograd::{Grads, Param, ParamId};
use std::collections::HashMap;
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

/// One optimization algorithm: hyperparameters plus the update of a single parameter.
pub trait UpdateRule {
    /// Names of the per-parameter buffers, as PyTorch's optimizer state calls them.
    const BUFFERS: &'static [&'static str];

    fn lr(&self) -> f32;

    fn set_lr(&mut self, lr: f32);

    /// Per-step constants (bias corrections, ...) computed once before the parameters are visited.
    type StepConsts;
    fn step_consts(&self, step: u64) -> Self::StepConsts;

    /// New value of one parameter; `buffers` is empty on the parameter's first update and the
    /// rule fills it (one tensor per name in `BUFFERS`).
    fn update(&self, c: &Self::StepConsts, value: Tensor, grad: &Tensor, buffers: &mut Vec<Tensor>) -> Tensor;
}

/// The optimizer driver shared by every [`UpdateRule`].
pub struct Optim<R: UpdateRule> {
    pub config: R,
    params: Vec<Param>,
    buffers: HashMap<ParamId, Vec<Tensor>>,
    step: u64,
}

impl<R: UpdateRule> Optim<R> {
    pub fn new(params: Vec<Param>, config: R) -> Optim<R> {
        Optim { config, params, buffers: HashMap::new(), step: 0 }
    }
}

impl<R: UpdateRule> Optimizer for Optim<R> {
    fn step(&mut self, grads: &Grads) {
        self.step += 1;
        let consts = self.config.step_consts(self.step);
        for p in &self.params {
            let Some(g) = grads.get(p) else { continue };
            let bufs = self.buffers.entry(p.id()).or_default();
            p.set(self.config.update(&consts, p.value(), g, bufs));
        }
    }

    fn steps(&self) -> u64 {
        self.step
    }

    fn learning_rate(&self) -> f32 {
        self.config.lr()
    }

    fn set_learning_rate(&mut self, lr: f32) {
        self.config.set_lr(lr);
    }

    /// `step`, then `{param}.{buffer}` for every parameter that has state.
    fn state_dict(&self) -> Vec<(String, Tensor)> {
        let mut out = vec![("step".to_string(), Tensor::scalar(self.step as f32))];
        for p in &self.params {
            for (n, b) in R::BUFFERS.iter().zip(self.buffers.get(&p.id()).into_iter().flatten()) {
                out.push((format!("{}.{n}", p.name()), b.clone()));
            }
        }
        out
    }

    fn load_state_dict(&mut self, state: &[(String, Tensor)]) -> Result<(), String> {
        let find = |key: &str| state.iter().find(|(k, _)| k == key).map(|(_, t)| t);
        let step = find("step").ok_or("optimizer state has no 'step' entry")?.item() as u64;
        let mut buffers = HashMap::new();
        for p in &self.params {
            let found: Vec<Option<&Tensor>> = R::BUFFERS.iter().map(|n| find(&format!("{}.{n}", p.name()))).collect();
            if found.iter().all(Option::is_none) {
                continue;
            }
            let mut loaded = Vec::with_capacity(found.len());
            for (n, b) in R::BUFFERS.iter().zip(found) {
                let b = b.ok_or_else(|| format!("optimizer state lacks {}.{n}", p.name()))?;
                if b.shape() != p.value().shape() {
                    let (got, want) = (b.shape(), p.value().shape().to_vec());
                    return Err(format!("optimizer state {}.{n} has shape {got:?}, parameter has {want:?}", p.name()));
                }
                // State follows its parameter's device (files are read on the CPU).
                loaded.push(b.to(&p.value().device()));
            }
            buffers.insert(p.id(), loaded);
        }
        (self.step, self.buffers) = (step, buffers);
        Ok(())
    }
}
