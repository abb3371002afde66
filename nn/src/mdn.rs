//! Mixture density head and Gaussian mixture (SPiRL's `mdn.py`).

use crate::linear::Linear;
use crate::module::Module;
use autograd::{Param, Tape, Var};
use rand::Rng;
use tensor::Tensor;

const HALF_LOG_2PI: f32 = 0.918_938_5;

/// Mixture of `k` diagonal Gaussians over `d` dims, for a batch: `log_pi: [b, k]`,
/// `mu, log_sigma: [b, k, d]`.
pub struct Gmm {
    pub log_pi: Var,
    pub mu: Var,
    pub log_sigma: Var,
}

impl Gmm {
    /// `log p(x) = logsumexp_k(log pi_k + sum_d log N(x_d; mu_kd, sigma_kd))`, `x: [b, d]` -> `[b]`.
    pub fn log_prob(&self, x: &Var) -> Var {
        let z = x.unsqueeze(1).sub(&self.mu).mul(&self.log_sigma.neg().exp());
        let per_comp = z.square().mul_scalar(-0.5).sub(&self.log_sigma).add_scalar(-HALF_LOG_2PI).sum(&[2], false);
        per_comp.add(&self.log_pi).logsumexp(&[1], false)
    }

    /// One sample per row: a component drawn from `pi`, then a Gaussian sample of it.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Tensor {
        let (b, d) = (self.mu.dim(0), self.mu.dim(2));
        let comp = Tensor::categorical(&self.log_pi.value().exp(), rng);
        let idx = comp.reshape(&[b, 1, 1]).broadcast_to(&[b, 1, d]);
        let mu = self.mu.value().gather(1, &idx).reshape(&[b, d]);
        let sigma = self.log_sigma.value().gather(1, &idx).reshape(&[b, d]).exp();
        mu.add(&sigma.mul(&Tensor::randn_on(&[b, d], 0.0, 1.0, rng, &self.mu.value().device())))
    }
}

/// Head mapping a feature to a `Gmm`: `pi = softmax(Linear)` clamped to >= 1e-6,
/// `mu = Linear`, `log_sigma = Linear` clamped to `[-10, 2]` (`{name}.pi`, `.mu`, `.sigma`).
pub struct Mdn {
    pub pi: Linear,
    pub mu: Linear,
    pub sigma: Linear,
    pub k: usize,
    pub out: usize,
}

impl Mdn {
    pub fn new<R: Rng + ?Sized>(name: &str, input: usize, out: usize, k: usize, rng: &mut R) -> Mdn {
        Mdn {
            pi: Linear::new(&format!("{name}.pi"), input, k, true, rng),
            mu: Linear::new(&format!("{name}.mu"), input, k * out, true, rng),
            sigma: Linear::new(&format!("{name}.sigma"), input, k * out, true, rng),
            k,
            out,
        }
    }

    /// `feature: [b, input]` -> mixture over `out` dims.
    pub fn forward(&self, tape: &Tape, feature: &Var) -> Gmm {
        let b = feature.dim(0);
        let pi = self.pi.forward(tape, feature).softmax(-1).clamp(1e-6, f32::INFINITY);
        let mu = self.mu.forward(tape, feature).reshape(&[b, self.k, self.out]);
        let log_sigma = self.sigma.forward(tape, feature).reshape(&[b, self.k, self.out]).clamp(-10.0, 2.0);
        Gmm { log_pi: pi.log(), mu, log_sigma }
    }
}

impl Module for Mdn {
    fn parameters(&self) -> Vec<Param> {
        [&self.pi, &self.mu, &self.sigma].iter().flat_map(|l| l.parameters()).collect()
    }
}
