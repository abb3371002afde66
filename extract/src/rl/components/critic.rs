//! `MlpCritic`: upstream's `MLPCritic` (`rl/components/critic.py`) — SPiRL's Predictor MLP on
//! `[obs, action]` giving one Q-value — plus target-network updates by parameter order.

use autograd::{Param, Tape, Var};
use nn::{Mlp, MlpConfig, Module, Norm};
use rand::Rng;

/// `Q(s, a)`: `[b, obs_dim] x [b, action_dim] -> [b, 1]`.
pub struct MlpCritic {
    pub net: Mlp,
}

impl MlpCritic {
    /// Parameters are named `{name}._net.{input,pyramid-i,head}.linear.*`, as in upstream's state
    /// dict (`critics.0._net.input.linear.weight`).
    pub fn new<R: Rng + ?Sized>(
        name: &str,
        dims: (usize, usize),
        hidden: (usize, usize),
        slope: f32,
        rng: &mut R,
    ) -> Self {
        let (obs_dim, action_dim) = dims;
        let (mid_dim, num_layers) = hidden;
        let cfg = MlpConfig { in_dim: obs_dim + action_dim, mid_dim, out_dim: 1, num_layers, norm: Norm::None, slope };
        MlpCritic { net: Mlp::new(&format!("{name}._net"), cfg, rng) }
    }

    /// `Q(obs, action)` with the parameters as leaves of `tape` (critic loss).
    pub fn forward(&self, tape: &Tape, obs: &Var, action: &Var) -> Var {
        self.net.forward_cat(tape, &[obs.clone(), action.clone()])
    }

    /// `Q(obs, action)` differentiable in its inputs only: the parameters enter as constants, so the
    /// policy loss's backward pass skips the critics' weight gradients (which no optimizer would use).
    pub fn forward_frozen(&self, obs: &Var, action: &Var) -> Var {
        let x = Var::cat(&[obs.clone(), action.clone()], 1);
        self.net.blocks.iter().fold(x, |h, block| {
            assert!(block.norm.is_none(), "MlpCritic::forward_frozen: normalised blocks are not supported");
            let w = Var::constant(block.linear.weight.value());
            let b = block.linear.bias.as_ref().map(|b| Var::constant(b.value()));
            let h = h.linear(&w, b.as_ref());
            match block.slope {
                Some(s) => h.leaky_relu(s),
                None => h,
            }
        })
    }
}

impl Module for MlpCritic {
    fn parameters(&self) -> Vec<Param> {
        self.net.parameters()
    }
}

/// Pairs two modules' parameters by position (target and online critics have different names).
fn pairs(dst: &dyn Module, src: &dyn Module) -> Vec<(Param, Param)> {
    let (d, s) = (dst.parameters(), src.parameters());
    assert_eq!(d.len(), s.len(), "target update: {} vs {} parameters", d.len(), s.len());
    d.into_iter().zip(s).collect()
}

/// `dst <- src`, parameter by parameter (upstream `_copy_to_target_network`).
pub fn copy_params(dst: &dyn Module, src: &dyn Module) {
    pairs(dst, src).into_iter().for_each(|(d, s)| d.set(s.value()));
}

/// Polyak averaging `dst <- tau * src + (1 - tau) * dst` (upstream `_soft_update_target_network`).
pub fn soft_update(dst: &dyn Module, src: &dyn Module, tau: f32) {
    for (d, s) in pairs(dst, src) {
        d.set(s.value().mul_scalar(tau).add(&d.value().mul_scalar(1.0 - tau)));
    }
}
