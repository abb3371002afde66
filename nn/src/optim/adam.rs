//! Adam and AdamW (decoupled weight decay), with PyTorch's update rule and defaults.

use autograd::{Grads, Param, ParamId};
use std::collections::HashMap;
use tensor::Tensor;

/// Hyperparameters; `Default` is PyTorch's (`lr 1e-3, betas (0.9, 0.999), eps 1e-8`, no decay).
#[derive(Clone, Copy, Debug)]
pub struct AdamConfig {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    /// Decoupled decay (AdamW): `p -= lr * weight_decay * p` before the Adam step.
    pub weight_decay: f32,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0 }
    }
}

/// First and second moment estimates of one parameter.
struct Moments {
    m: Tensor,
    v: Tensor,
}

/// Adam over a fixed list of parameters; parameters without a gradient are left alone.
pub struct Adam {
    pub config: AdamConfig,
    params: Vec<Param>,
    state: HashMap<ParamId, Moments>,
    step: u32,
}

impl Adam {
    pub fn new(params: Vec<Param>, config: AdamConfig) -> Adam {
        Adam { config, params, state: HashMap::new(), step: 0 }
    }

    /// Number of steps taken so far.
    pub fn steps(&self) -> u32 {
        self.step
    }

    /// One update: `m = b1 m + (1-b1) g`, `v = b2 v + (1-b2) g^2`,
    /// `p -= lr * m_hat / (sqrt(v_hat) + eps)` with bias-corrected `m_hat`, `v_hat`.
    pub fn step(&mut self, grads: &Grads) {
        self.step += 1;
        let c = self.config;
        let bc1 = 1.0 - c.beta1.powi(self.step as i32);
        let bc2 = 1.0 - c.beta2.powi(self.step as i32);
        for p in &self.params {
            let Some(g) = grads.get(p) else { continue };
            let st = self.state.entry(p.id()).or_insert_with(|| Moments { m: g.zeros_like(), v: g.zeros_like() });
            st.m = st.m.mul_scalar(c.beta1).add(&g.mul_scalar(1.0 - c.beta1));
            st.v = st.v.mul_scalar(c.beta2).add(&g.square().mul_scalar(1.0 - c.beta2));
            let denom = st.v.mul_scalar(1.0 / bc2).sqrt().add_scalar(c.eps);
            let mut value = p.value();
            if c.weight_decay != 0.0 {
                value = value.mul_scalar(1.0 - c.lr * c.weight_decay);
            }
            p.set(value.sub(&st.m.div(&denom).mul_scalar(c.lr / bc1)));
        }
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
        let grads = tape.param(&p).square().sum_all().backward();
        opt.step(&grads);
        let got = p.value().to_vec();
        for (g, w) in got.iter().zip([0.9, -1.9, 2.9]) {
            assert!((g - w).abs() < 1e-6, "{got:?}");
        }
    }

    #[test]
    fn minimises_a_quadratic() {
        let p = Param::new("p", Tensor::from_vec(vec![5.0, -3.0], &[2]));
        let mut opt = Adam::new(vec![p.clone()], AdamConfig { lr: 0.1, ..Default::default() });
        for _ in 0..500 {
            let tape = Tape::new();
            let loss = tape.param(&p).add_scalar(-1.0).square().sum_all();
            opt.step(&loss.backward());
        }
        assert!(p.value().to_vec().iter().all(|v| (v - 1.0).abs() < 1e-2), "{:?}", p.value());
    }
}
