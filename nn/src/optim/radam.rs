//! RAdam (rectified Adam), with PyTorch's update rule.

use super::{AdamConfig, Optim, UpdateRule};
use tensor::Tensor;

/// RAdam's rule: Adam whose adaptive step is switched on, and rectified, once the variance of
/// the adaptive learning rate is tractable (`rho_t > 5`); before that it takes plain momentum
/// steps. Uses Adam's hyperparameters.
#[derive(Clone, Copy, Debug, Default)]
pub struct RAdamRule(pub AdamConfig);

/// RAdam over a fixed list of parameters: `RAdam::new(params, RAdamRule(AdamConfig { .. }))`.
pub type RAdam = Optim<RAdamRule>;

/// Per-step constants: `1 - b1^t`, `1 - b2^t` and the rectification factor (if active).
pub struct RAdamStep {
    bc1: f32,
    bc2: f32,
    rect: Option<f32>,
}

impl UpdateRule for RAdamRule {
    const BUFFERS: &'static [&'static str] = &["exp_avg", "exp_avg_sq"];
    type StepConsts = RAdamStep;

    fn lr(&self) -> f32 {
        self.0.lr
    }

    fn set_lr(&mut self, lr: f32) {
        self.0.lr = lr;
    }

    fn step_consts(&self, t: u64) -> RAdamStep {
        let b2 = self.0.beta2 as f64;
        let rho_inf = 2.0 / (1.0 - b2) - 1.0;
        let b2t = b2.powi(t as i32);
        let rho_t = rho_inf - 2.0 * t as f64 * b2t / (1.0 - b2t);
        let rect = (rho_t > 5.0).then(|| {
            (((rho_t - 4.0) * (rho_t - 2.0) * rho_inf) / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)).sqrt() as f32
        });
        RAdamStep { bc1: 1.0 - self.0.beta1.powi(t as i32), bc2: 1.0 - self.0.beta2.powi(t as i32), rect }
    }

    fn update(&self, s: &RAdamStep, value: Tensor, grad: &Tensor, buffers: &mut Vec<Tensor>) -> Tensor {
        let value = self.0.decay_and_moments(value, grad, buffers);
        let m_hat = buffers[0].mul_scalar(1.0 / s.bc1);
        let update = match s.rect {
            Some(r) => m_hat.div(&buffers[1].sqrt().add_scalar(self.0.eps)).mul_scalar(r * s.bc2.sqrt()),
            None => m_hat,
        };
        value.sub(&update.mul_scalar(self.0.lr))
    }
}
