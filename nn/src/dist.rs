//! Distributions with differentiable parameters: diagonal Gaussian, Categorical and the
//! tanh-squashed Gaussian of flat SAC.

use autograd::Var;
use rand::Rng;
use tensor::{Device, Tensor};

const HALF_LOG_2PI: f32 = 0.918_938_5;

/// Diagonal Gaussian `N(mu, exp(log_sigma)^2)` over the last dim.
#[derive(Clone)]
pub struct Gaussian {
    pub mu: Var,
    pub log_sigma: Var,
}

impl Gaussian {
    /// From a `[.., 2n]` tensor split in halves (mean, log sigma), as upstream: the mean is clamped
    /// to `[-max_mu, max_mu]` (pass `f32::INFINITY` for none), log sigma to `[-10, 2]`.
    pub fn from_params(params: &Var, max_mu: f32) -> Gaussian {
        let n = params.dim(-1);
        assert!(n.is_multiple_of(2), "Gaussian::from_params: last dim {n} of shape {:?} is odd", params.shape());
        let mu = params.narrow(-1, 0, n / 2);
        let mu = if max_mu.is_finite() { mu.clamp(-max_mu, max_mu) } else { mu };
        Gaussian { mu, log_sigma: params.narrow(-1, n / 2, n / 2).clamp(-10.0, 2.0) }
    }

    /// The unit Gaussian with the shape of `like`.
    pub fn standard(shape: &[usize]) -> Gaussian {
        Gaussian::standard_on(shape, &Device::Cpu)
    }

    /// The unit Gaussian of `shape` on `device`.
    pub fn standard_on(shape: &[usize], device: &Device) -> Gaussian {
        let z = || Var::constant(Tensor::zeros_on(shape, device));
        Gaussian { mu: z(), log_sigma: z() }
    }

    pub fn sigma(&self) -> Var {
        self.log_sigma.exp()
    }

    /// Reparameterised sample `mu + sigma * eps`, `eps ~ N(0, I)` from `rng`.
    pub fn rsample<R: Rng + ?Sized>(&self, rng: &mut R) -> Var {
        let eps = Tensor::randn_on(self.mu.shape(), 0.0, 1.0, rng, &self.mu.value().device());
        self.mu.add(&self.sigma().mul(&Var::constant(eps)))
    }

    /// Log density per dim: `-(x - mu)^2 / (2 sigma^2) - log sigma - log(2 pi) / 2`.
    pub fn log_prob(&self, x: &Var) -> Var {
        let z = x.sub(&self.mu).mul(&self.log_sigma.neg().exp());
        z.square().mul_scalar(-0.5).sub(&self.log_sigma).add_scalar(-HALF_LOG_2PI)
    }

    /// Log density summed over the last dim.
    pub fn log_prob_sum(&self, x: &Var) -> Var {
        self.log_prob(x).sum(&[-1], false)
    }

    /// Entropy per dim: `log sigma + (1 + log 2 pi) / 2`.
    pub fn entropy(&self) -> Var {
        self.log_sigma.add_scalar(0.5 + HALF_LOG_2PI)
    }

    /// `KL(self || other)` per dim:
    /// `log sigma_p - log sigma_q + (sigma_q^2 + (mu_q - mu_p)^2) / (2 sigma_p^2) - 1/2`.
    pub fn kl(&self, other: &Gaussian) -> Var {
        let var_ratio = self.log_sigma.sub(&other.log_sigma).mul_scalar(2.0).exp();
        let mean_term = self.mu.sub(&other.mu).square().mul(&other.log_sigma.mul_scalar(-2.0).exp());
        other.log_sigma.sub(&self.log_sigma).add(&var_ratio.add(&mean_term).mul_scalar(0.5)).add_scalar(-0.5)
    }

    /// The same distribution cut off from the tape.
    pub fn detach(&self) -> Gaussian {
        Gaussian { mu: self.mu.detach(), log_sigma: self.log_sigma.detach() }
    }
}

/// Categorical distribution over the last dim of `logits`.
#[derive(Clone)]
pub struct Categorical {
    pub logits: Var,
}

impl Categorical {
    pub fn new(logits: Var) -> Categorical {
        Categorical { logits }
    }

    /// Normalised log probabilities `[.., k]`.
    pub fn log_probs(&self) -> Var {
        self.logits.log_softmax(-1)
    }

    pub fn probs(&self) -> Var {
        self.logits.softmax(-1)
    }

    /// Log probability of integer `labels: [..]`.
    pub fn log_prob(&self, labels: &Tensor) -> Var {
        let lp = self.log_probs();
        let mut shape = labels.shape().to_vec();
        shape.push(1);
        lp.gather(-1, &labels.reshape(&shape)).squeeze(-1)
    }

    /// Entropy `-sum p log p` over the last dim.
    pub fn entropy(&self) -> Var {
        let lp = self.log_probs();
        lp.exp().mul(&lp).sum(&[-1], false).neg()
    }

    /// `KL(self || other) = sum p (log p - log q)` over the last dim.
    pub fn kl(&self, other: &Categorical) -> Var {
        let lp = self.log_probs();
        lp.exp().mul(&lp.sub(&other.log_probs())).sum(&[-1], false)
    }

    /// One class index per row (not differentiable).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Tensor {
        Tensor::categorical(&self.probs().value().clone(), rng)
    }

    /// Most likely class per row.
    pub fn mode(&self) -> Tensor {
        self.logits.value().argmax(-1, false)
    }
}

/// `tanh(u)`, `u ~ N(mu, sigma)`: flat SAC's bounded action distribution.
#[derive(Clone)]
pub struct TanhGaussian {
    pub base: Gaussian,
}

impl TanhGaussian {
    /// Reparameterised `(action, log_prob summed over dims)`. The log-det of tanh uses the stable
    /// form `log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u))`.
    pub fn rsample_with_log_prob<R: Rng + ?Sized>(&self, rng: &mut R) -> (Var, Var) {
        let u = self.base.rsample(rng);
        (u.tanh(), self.log_prob_of_pre_tanh(&u))
    }

    /// Log density of `tanh(u)` given the pre-squash sample `u`, summed over the last dim.
    pub fn log_prob_of_pre_tanh(&self, u: &Var) -> Var {
        let log_det = u.neg().add_scalar(std::f32::consts::LN_2).sub(&u.mul_scalar(-2.0).softplus()).mul_scalar(2.0);
        self.base.log_prob(u).sub(&log_det).sum(&[-1], false)
    }

    /// Deterministic action `tanh(mu)`.
    pub fn mode(&self) -> Var {
        self.base.mu.tanh()
    }
}
