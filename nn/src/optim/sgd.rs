//! SGD with momentum (PyTorch's rule: the buffer starts as the first gradient).

use super::{Optim, UpdateRule};
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

/// SGD over a fixed list of parameters.
pub type Sgd = Optim<SgdConfig>;

impl UpdateRule for SgdConfig {
    const BUFFERS: &'static [&'static str] = &["momentum_buffer"];
    type StepConsts = ();

    fn lr(&self) -> f32 {
        self.lr
    }

    fn set_lr(&mut self, lr: f32) {
        self.lr = lr;
    }

    fn step_consts(&self, _step: u64) {}

    /// `g += wd p`; `buf = momentum buf + (1 - dampening) g` (`buf = g` at first);
    /// `p -= lr * (nesterov ? g + momentum buf : buf)`.
    fn update(&self, _: &(), value: Tensor, grad: &Tensor, buffers: &mut Vec<Tensor>) -> Tensor {
        let c = self;
        let mut g = if c.weight_decay != 0.0 { grad.add(&value.mul_scalar(c.weight_decay)) } else { grad.clone() };
        if c.momentum != 0.0 {
            let buf = match buffers.first() {
                Some(b) => b.mul_scalar(c.momentum).add(&g.mul_scalar(1.0 - c.dampening)),
                None => g.clone(),
            };
            g = if c.nesterov { g.add(&buf.mul_scalar(c.momentum)) } else { buf.clone() };
            *buffers = vec![buf];
        }
        value.sub(&g.mul_scalar(c.lr))
    }
}
