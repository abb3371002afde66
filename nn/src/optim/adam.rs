//! Adam and AdamW, with PyTorch's update rule and defaults.

use super::Optimizer;
use super::state::{self, Buffers};
use autograd::{Grads, Param};
use tensor::Tensor;

/// Hyperparameters; `Default` is PyTorch's Adam (`lr 1e-3, betas (0.9, 0.999), eps 1e-8`, no
/// decay), `AdamConfig::adamw(lr)` PyTorch's AdamW (decoupled decay 0.01).
#[derive(Clone, Copy, Debug)]
pub struct AdamConfig {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub weight_decay: f32,
    /// AdamW: `p *= 1 - lr * weight_decay` before the step; otherwise L2 (`g += wd * p`).
    pub decoupled: bool,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0, decoupled: false }
    }
}

impl AdamConfig {
    pub fn adamw(lr: f32) -> AdamConfig {
        AdamConfig { lr, weight_decay: 0.01, decoupled: true, ..Default::default() }
    }
}

/// Adam over a fixed list of parameters; parameters without a gradient are left alone.
pub struct Adam {
    pub config: AdamConfig,
    params: Vec<Param>,
    buffers: Buffers,
    step: u64,
}

const NAMES: [&str; 2] = ["exp_avg", "exp_avg_sq"];

impl Adam {
    pub fn new(params: Vec<Param>, config: AdamConfig) -> Adam {
        Adam { config, params, buffers: Buffers::new(), step: 0 }
    }
}

impl Optimizer for Adam {
    /// `m = b1 m + (1-b1) g`, `v = b2 v + (1-b2) g^2`,
    /// `p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`.
    fn step(&mut self, grads: &Grads) {
        self.step += 1;
        let c = self.config;
        let bc1 = 1.0 - c.beta1.powi(self.step as i32);
        let bc2 = 1.0 - c.beta2.powi(self.step as i32);
        for p in &self.params {
            let Some(g) = grads.get(p) else { continue };
            let mut value = p.value();
            let g = if c.weight_decay != 0.0 && !c.decoupled {
                g.add(&value.mul_scalar(c.weight_decay))
            } else {
                g.clone()
            };
            if c.weight_decay != 0.0 && c.decoupled {
                value = value.mul_scalar(1.0 - c.lr * c.weight_decay);
            }
            let st = self.buffers.entry(p.id()).or_insert_with(|| vec![g.zeros_like(), g.zeros_like()]);
            st[0] = st[0].mul_scalar(c.beta1).add(&g.mul_scalar(1.0 - c.beta1));
            st[1] = st[1].mul_scalar(c.beta2).add(&g.square().mul_scalar(1.0 - c.beta2));
            let denom = st[1].sqrt().mul_scalar(1.0 / bc2.sqrt()).add_scalar(c.eps);
            p.set(value.sub(&st[0].div(&denom).mul_scalar(c.lr / bc1)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use autograd::Tape;

    /// The first Adam step moves every coordinate by `lr` against the sign of its gradient.
    #[test]
    fn first_step_is_lr_times_sign() {
        let p = Param::new("p", Tensor::from_vec(vec![1.0, -2.0, 3.0], &[3]));
        let mut opt = Adam::new(vec![p.clone()], AdamConfig { lr: 0.1, ..Default::default() });
        let tape = Tape::new();
        opt.step(&tape.param(&p).square().sum_all().backward());
        let got = p.value().to_vec();
        for (g, w) in got.iter().zip([0.9, -1.9, 2.9]) {
            assert!((g - w).abs() < 1e-6, "{got:?}");
        }
    }

    #[test]
    fn state_round_trip() {
        let p = Param::new("p", Tensor::from_vec(vec![1.0, -2.0], &[2]));
        let mut opt = Adam::new(vec![p.clone()], AdamConfig::default());
        opt.step(&Tape::new().param(&p).square().sum_all().backward());
        let sd = opt.state_dict();
        let mut other = Adam::new(vec![p.clone()], AdamConfig::default());
        other.load_state_dict(&sd).unwrap();
        assert_eq!(other.steps(), 1);
        assert_eq!(other.state_dict()[1].1.to_vec(), sd[1].1.to_vec());
    }
}
