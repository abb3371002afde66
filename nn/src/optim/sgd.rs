//! SGD with momentum (PyTorch's rule: the buffer starts as the first gradient).

use super::Optimizer;
use super::state::{self, Buffers};
use autograd::{Grads, Param};
use tensor::Tensor;

#[derive(Clone, Copy, Debug)]
pub struct SgdConfig {
    pub lr: f32,
    pub momentum: f32,
    pub dampening: f32,
    pub weight_decay: f32,
    pub nesterov: bool,
}

impl Default for SgdConfig {
    fn default() -> Self {
        SgdConfig { lr: 1e-2, momentum: 0.0, dampening: 0.0, weight_decay: 0.0, nesterov: false }
    }
}

pub struct Sgd {
    pub config: SgdConfig,
    params: Vec<Param>,
    buffers: Buffers,
    step: u64,
}

const NAMES: [&str; 1] = ["momentum_buffer"];

impl Sgd {
    pub fn new(params: Vec<Param>, config: SgdConfig) -> Sgd {
        Sgd { config, params, buffers: Buffers::new(), step: 0 }
    }
}

impl Optimizer for Sgd {
    /// `g += wd p`; `buf = momentum buf + (1 - dampening) g` (`buf = g` at first);
    /// `p -= lr * (nesterov ? g + momentum buf : buf)`.
    fn step(&mut self, grads: &Grads) {
        self.step += 1;
        let c = self.config;
        for p in &self.params {
            let Some(g) = grads.get(p) else { continue };
            let value = p.value();
            let mut g = if c.weight_decay != 0.0 { g.add(&value.mul_scalar(c.weight_decay)) } else { g.clone() };
            if c.momentum != 0.0 {
                let buf = match self.buffers.get(&p.id()) {
                    Some(b) => b[0].mul_scalar(c.momentum).add(&g.mul_scalar(1.0 - c.dampening)),
                    None => g.clone(),
                };
                g = if c.nesterov { g.add(&buf.mul_scalar(c.momentum)) } else { buf.clone() };
                self.buffers.insert(p.id(), vec![buf]);
            }
            p.set(value.sub(&g.mul_scalar(c.lr)));
        }
    }

    fn steps(&self) -> u64 {
        self.step
    }

    fn learning_rate(&self) -> f32 {
        self.config.lr
    }

    fn set_learning_rate(&mut self, lr: f32) {
        self.config.lr = lr;
    }

    fn state_dict(&self) -> Vec<(String, Tensor)> {
        state::export(&self.params, &self.buffers, &NAMES, self.step)
    }

    fn load_state_dict(&mut self, s: &[(String, Tensor)]) -> Result<(), String> {
        self.step = state::import(&self.params, &mut self.buffers, &NAMES, s)?;
        Ok(())
    }
}
