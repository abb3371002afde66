//! Adam and AdamW, with PyTorch's update rule and defaults.

use super::{Optim, UpdateRule};
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

    /// Weight decay (L2 into the gradient, or decoupled into the value) and the moment updates
    /// shared by Adam and RAdam; returns the decayed value and the new `(m, v)` in `buffers`.
    pub(crate) fn decay_and_moments(&self, value: Tensor, grad: &Tensor, buffers: &mut Vec<Tensor>) -> Tensor {
        let c = self;
        let decay = c.weight_decay != 0.0;
        let g = if decay && !c.decoupled { grad.add(&value.mul_scalar(c.weight_decay)) } else { grad.clone() };
        let value = if decay && c.decoupled { value.mul_scalar(1.0 - c.lr * c.weight_decay) } else { value };
        if buffers.is_empty() {
            *buffers = vec![g.zeros_like(), g.zeros_like()];
        }
        buffers[0] = buffers[0].mul_scalar(c.beta1).add(&g.mul_scalar(1.0 - c.beta1));
        buffers[1] = buffers[1].mul_scalar(c.beta2).add(&g.square().mul_scalar(1.0 - c.beta2));
        value
    }
}

/// Adam (or AdamW) over a fixed list of parameters.
pub type Adam = Optim<AdamConfig>;

/// Bias corrections `(1 - b1^t, 1 - b2^t)`.
pub struct BiasCorrection(f32, f32);

impl UpdateRule for AdamConfig {
    const BUFFERS: &'static [&'static str] = &["exp_avg", "exp_avg_sq"];
    type StepConsts = BiasCorrection;

    fn lr(&self) -> f32 {
        self.lr
    }

    fn set_lr(&mut self, lr: f32) {
        self.lr = lr;
    }

    fn step_consts(&self, step: u64) -> BiasCorrection {
        BiasCorrection(1.0 - self.beta1.powi(step as i32), 1.0 - self.beta2.powi(step as i32))
    }

    /// `m = b1 m + (1-b1) g`, `v = b2 v + (1-b2) g^2`,
    /// `p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`.
    fn update(&self, bc: &BiasCorrection, value: Tensor, grad: &Tensor, buffers: &mut Vec<Tensor>) -> Tensor {
        let value = self.decay_and_moments(value, grad, buffers);
        let denom = buffers[1].sqrt().mul_scalar(1.0 / bc.1.sqrt()).add_scalar(self.eps);
        value.sub(&buffers[0].div(&denom).mul_scalar(self.lr / bc.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::Optimizer;
    use autograd::{Param, Tape};

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
        assert_eq!(sd.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["step", "p.exp_avg", "p.exp_avg_sq"]);
        let mut other = Adam::new(vec![p.clone()], AdamConfig::default());
        other.load_state_dict(&sd).unwrap();
        assert_eq!(other.steps(), 1);
        assert_eq!(other.state_dict()[1].1.to_vec(), sd[1].1.to_vec());
        let bad = vec![("step".to_string(), Tensor::scalar(1.0)), ("p.exp_avg".to_string(), Tensor::zeros(&[2]))];
        assert!(other.load_state_dict(&bad).unwrap_err().contains("p.exp_avg_sq"));
    }
}
