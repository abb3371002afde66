//! `MlpPolicy`: upstream's `MLPPolicy` (`rl/policies/mlp_policies.py`) with `squash_output_dist`
//! on, as in the flat SAC baseline: a Predictor MLP gives the mean and log sigma of a diagonal
//! Gaussian, a reparameterised sample is squashed by `tanh`, and the log-probability is corrected:
//!
//! `u = mu + sigma * eps`, `a = tanh(u)`,
//! `log pi(a|s) = sum_i [ log N(u_i; mu_i, sigma_i) - 2 (log 2 - u_i - softplus(-2 u_i)) ]`.
//!
//! Actions live in `[-1, 1]^action_dim` (upstream's `max_action_range = 1`); the training loop maps
//! them to the environment's box.

use autograd::{Param, Tape, Var};
use nn::{Gaussian, Mlp, MlpConfig, Module, Norm, TanhGaussian};
use rand::Rng;
use tensor::Tensor;

/// One pass of the policy over a batch.
pub struct PolicyOutput {
    /// `[b, action_dim]`, in `(-1, 1)`.
    pub action: Var,
    /// `log pi(action | obs)`, summed over action dims: `[b, 1]`.
    pub log_prob: Var,
    /// The distribution the action was drawn from (before the squash).
    pub dist: TanhGaussian,
}

/// `pi(a | s)`: `[b, obs_dim] -> tanh(N(mu, sigma))` over `[b, action_dim]`.
pub struct MlpPolicy {
    pub net: Mlp,
    action_dim: usize,
}

impl MlpPolicy {
    /// Parameters are named `{name}.net.*` (upstream: `policy.net.input.linear.weight`).
    pub fn new<R: Rng + ?Sized>(
        name: &str,
        dims: (usize, usize),
        hidden: (usize, usize),
        slope: f32,
        rng: &mut R,
    ) -> Self {
        let (obs_dim, action_dim) = dims;
        let (mid_dim, num_layers) = hidden;
        let cfg = MlpConfig { in_dim: obs_dim, mid_dim, out_dim: 2 * action_dim, num_layers, norm: Norm::None, slope };
        MlpPolicy { net: Mlp::new(&format!("{name}.net"), cfg, rng), action_dim }
    }

    pub fn action_dim(&self) -> usize {
        self.action_dim
    }

    /// The action distribution (mean unclamped, log sigma clamped to [-10, 2] as upstream).
    pub fn dist(&self, tape: &Tape, obs: &Var) -> TanhGaussian {
        TanhGaussian { base: Gaussian::from_params(&self.net.forward(tape, obs), f32::INFINITY) }
    }

    /// Reparameterised sample with the given standard-normal noise `eps: [b, action_dim]`.
    pub fn forward_with_noise(&self, tape: &Tape, obs: &Var, eps: &Tensor) -> PolicyOutput {
        let dist = self.dist(tape, obs);
        assert_eq!(eps.shape(), dist.base.mu.shape(), "MlpPolicy: noise shape vs action shape");
        let u = dist.base.mu.add(&dist.base.sigma().mul(&Var::constant(eps.clone())));
        let b = u.dim(0);
        PolicyOutput { action: u.tanh(), log_prob: dist.log_prob_of_pre_tanh(&u).reshape(&[b, 1]), dist }
    }

    /// Reparameterised sample with noise drawn from `rng`.
    pub fn forward<R: Rng + ?Sized>(&self, tape: &Tape, obs: &Var, rng: &mut R) -> PolicyOutput {
        let eps = Tensor::randn_on(&[obs.dim(0), self.action_dim], 0.0, 1.0, rng, &obs.value().device());
        self.forward_with_noise(tape, obs, &eps)
    }
}

impl Module for MlpPolicy {
    fn parameters(&self) -> Vec<Param> {
        self.net.parameters()
    }
}
