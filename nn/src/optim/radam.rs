//! RAdam (rectified Adam), with PyTorch's update rule.

use super::state::{self, Buffers};
use super::{AdamConfig, Optimizer};
use autograd::{Grads, Param};
use tensor::Tensor;

/// RAdam: Adam whose adaptive step is switched on, and rectified, once the variance of the
/// adaptive learning rate is tractable (`rho_t > 5`); before that it takes plain momentum steps.
pub struct RAdam {
    pub config: AdamConfig,
    params: Vec<Param>,
    buffers: Buffers,
    step: u64,
}

const NAMES: [&str; 2] = ["exp_avg", "exp_avg_sq"];

impl RAdam {
    pub fn new(params: Vec<Param>, config: AdamConfig) -> RAdam {
        RAdam { config, params, buffers: Buffers::new(), step: 0 }
    }

    /// The rectification factor at step `t`, or `None` while `rho_t <= 5`.
    fn rect(&self, t: u64) -> Option<f32> {
        let b2 = self.config.beta2 as f64;
        let rho_inf = 2.0 / (1.0 - b2) - 1.0;
        let b2t = b2.powi(t as i32);
        let rho_t = rho_inf - 2.0 * t as f64 * b2t / (1.0 - b2t);
        (rho_t > 5.0).then(|| {
            (((rho_t - 4.0) * (rho_t - 2.0) * rho_inf) / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)).sqrt() as f32
        })
    }
}

impl Optimizer for RAdam {
    fn step(&mut self, grads: &Grads) {
        self.step += 1;
        let c = self.config;
        let bc1 = 1.0 - c.beta1.powi(self.step as i32);
        let bc2 = 1.0 - c.beta2.powi(self.step as i32);
        let rect = self.rect(self.step);
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
            let m_hat = st[0].mul_scalar(1.0 / bc1);
            let update = match rect {
                Some(r) => m_hat.div(&st[1].sqrt().add_scalar(c.eps)).mul_scalar(r * bc2.sqrt()),
                None => m_hat,
            };
            p.set(value.sub(&update.mul_scalar(c.lr)));
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
