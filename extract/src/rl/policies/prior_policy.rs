//! `PriorPolicy`: SPiRL's prior-initialised skill policy (upstream `PriorInitializedPolicy` +
//! `LearnedPriorAugmentedPolicy`, `rl/policies/prior_policies.py`): the skill model's learned prior
//! network p(z | s) used as the policy pi(z | s) — a diagonal Gaussian, *not* tanh-squashed — and the
//! Monte-Carlo divergence to a frozen copy of the prior:
//!
//! `D(s) = clamp( 1/N sum_j [ log pi(z_j | s) - log p(z_j | s) ], ±max )`, `z_j = mu + sigma eps_j`,
//! log-densities summed over the Z dims (upstream `mc_kl_divergence` with N = 10 samples).

use crate::models::{BcModel, PriorNet, SpirlModel, sample_with};
use autograd::{Param, Tape, Var};
use nn::Module;
use nn::dist::Gaussian;
use tensor::Tensor;

/// A Gaussian skill distribution over `[b, Z]` from a learned-prior network; BatchNorm kept in eval
/// mode (running statistics frozen, affine weights trainable), as upstream.
pub struct PriorPolicy {
    pub net: PriorNet,
    /// Mean clamp of the skill model (`SpirlConfig::max_mu`).
    pub max_mu: f32,
    z_dim: usize,
}

impl PriorPolicy {
    /// The learned prior of `model` (its encoder and decoder are dropped).
    pub fn from_model(model: SpirlModel) -> PriorPolicy {
        let (max_mu, z_dim) = (model.cfg.max_mu(), model.cfg.nz_vae);
        let mut net = model.prior;
        net.set_training(false);
        PriorPolicy { net, max_mu, z_dim }
    }

    /// The BC model's policy network as a Gaussian over one env action (no mean clamp, as BC).
    pub fn from_bc(model: BcModel) -> PriorPolicy {
        let z_dim = model.action_dim;
        let mut net = model.net;
        net.set_training(false);
        PriorPolicy { net, max_mu: f32::INFINITY, z_dim }
    }

    /// Skill dimension Z (the action dimension for a BC policy).
    pub fn z_dim(&self) -> usize {
        self.z_dim
    }

    /// pi(z | s) for `obs` as `ObsView::model_input` gives it -> Gaussian over `[b, Z]`.
    pub fn dist(&self, tape: &Tape, obs: &Tensor) -> Gaussian {
        Gaussian::from_params(&self.net.forward(tape, obs, None), self.max_mu)
    }
}

impl Module for PriorPolicy {
    fn parameters(&self) -> Vec<Param> {
        self.net.parameters()
    }
    fn buffers(&self) -> Vec<Param> {
        self.net.buffers()
    }
}

/// Monte-Carlo KL estimate `[b, 1]` (module doc) with the samples `z_j = mu + sigma * eps[j]` of
/// `pi` for `eps: [N, b, Z]` standard-normal noise, clamped to `±max_range`. Differentiable in `pi`
/// (reparameterised samples); `prior` enters as given (pass it detached / from a no-grad tape).
pub fn mc_divergence(pi: &Gaussian, prior: &Gaussian, eps: &Tensor, max_range: f32) -> Var {
    let n = eps.shape()[0];
    assert!(n > 0 && eps.rank() == 3, "mc_divergence: noise of shape {:?}, expected [N >= 1, b, Z]", eps.shape());
    let terms: Vec<Var> = (0..n)
        .map(|j| {
            let z = sample_with(pi, &eps.select(0, j).contiguous());
            pi.log_prob_sum(&z).sub(&prior.log_prob_sum(&z))
        })
        .collect();
    let b = terms[0].dim(0);
    Var::stack(&terms, 1).mean(&[1], false).clamp(-max_range, max_range).reshape(&[b, 1])
}
