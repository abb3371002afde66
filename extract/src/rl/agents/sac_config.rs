//! `SacConfig`: hyperparameters of flat SAC (upstream `SACAgent` / `ACAgent` / `BaseAgent` defaults
//! and the kitchen flat-SAC config), and `SacMetrics`, what one update reports.

use serde::{Deserialize, Serialize};

/// Flat SAC settings. Defaults are upstream's: networks of the kitchen flat-SAC config, optimizer
/// and update constants of `SACAgent`, and the Q-target clip that every EXTRACT config turns on.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SacConfig {
    /// Hidden width of the policy MLP (upstream `policy_params.nz_mid`).
    pub policy_mid_dim: usize,
    /// Hidden blocks between the policy's input block and head (upstream `policy_params.n_layers`).
    pub policy_num_layers: usize,
    /// Hidden width of each critic MLP (upstream `critic_params.nz_mid`).
    pub critic_mid_dim: usize,
    /// Hidden blocks between each critic's input block and head (upstream `critic_params.n_layers`).
    pub critic_num_layers: usize,
    /// LeakyReLU slope of the hidden blocks (SPiRL's Predictor uses 0.2).
    pub leaky_relu_slope: f32,
    /// Adam learning rate of the policy (upstream `policy_lr`).
    pub policy_lr: f32,
    /// Adam learning rate of each critic (upstream `critic_lr`).
    pub critic_lr: f32,
    /// Adam learning rate of log alpha (upstream reuses `policy_lr`).
    pub alpha_lr: f32,
    /// Adam beta1 (upstream `adam_beta`; beta2 is 0.999).
    pub adam_beta1: f32,
    /// Discount gamma (upstream `discount_factor`).
    pub discount: f32,
    /// Polyak factor of the target critics, applied after every update (upstream `target_network_update_factor`).
    pub tau: f32,
    /// Transitions per update (upstream `batch_size`).
    pub batch_size: usize,
    /// Clamp Q targets to ±1/(1 - gamma), the bound on returns of rewards in [-1, 1] (upstream `clip_q_target`).
    pub clip_q_target: bool,
    /// Entropy target of the temperature update; `None` means -action_dim (upstream `target_entropy`).
    pub target_entropy: Option<f32>,
    /// Initial temperature alpha (upstream starts log alpha at 0, i.e. alpha = 1).
    pub init_alpha: f32,
    /// Factor on rewards in the Q target (upstream `reward_scale`).
    pub reward_scale: f32,
}

impl Default for SacConfig {
    fn default() -> Self {
        SacConfig {
            policy_mid_dim: 256,
            policy_num_layers: 5,
            critic_mid_dim: 256,
            critic_num_layers: 2,
            leaky_relu_slope: 0.2,
            policy_lr: 3e-4,
            critic_lr: 3e-4,
            alpha_lr: 3e-4,
            adam_beta1: 0.9,
            discount: 0.99,
            tau: 5e-3,
            batch_size: 256,
            clip_q_target: true,
            target_entropy: None,
            init_alpha: 1.0,
            reward_scale: 1.0,
        }
    }
}

impl SacConfig {
    /// Checks values a typo could make meaningless; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("policy_mid_dim", self.policy_mid_dim as f32),
            ("critic_mid_dim", self.critic_mid_dim as f32),
            ("batch_size", self.batch_size as f32),
            ("policy_lr", self.policy_lr),
            ("critic_lr", self.critic_lr),
            ("alpha_lr", self.alpha_lr),
            ("init_alpha", self.init_alpha),
        ];
        if let Some((k, v)) = positive.iter().find(|(_, v)| v.is_nan() || *v <= 0.0) {
            return Err(format!("SAC config '{k}' is {v}, expected a positive value"));
        }
        let ranges = [
            ("discount", self.discount, (0.0..1.0).contains(&self.discount), "[0, 1)"),
            ("tau", self.tau, self.tau > 0.0 && self.tau <= 1.0, "(0, 1]"),
            ("adam_beta1", self.adam_beta1, (0.0..1.0).contains(&self.adam_beta1), "[0, 1)"),
        ];
        if let Some((k, v, _, want)) = ranges.iter().find(|r| !r.2) {
            return Err(format!("SAC config '{k}' is {v}, expected a value in {want}"));
        }
        Ok(())
    }
}

/// Scalars of one update, named as upstream logs them (losses before the steps they drive).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct SacMetrics {
    pub policy_loss: f32,
    pub alpha_loss: f32,
    pub critic_loss_1: f32,
    pub critic_loss_2: f32,
    /// Temperature after this update's alpha step (the value the policy loss and target used).
    pub alpha: f32,
    /// Mean `log pi(a|s)` of the batch.
    pub pi_log_prob: f32,
    /// Mean entropy of the pre-squash Gaussian.
    pub policy_entropy: f32,
    /// Mean Q target (after the clip).
    pub q_target: f32,
    pub q_1: f32,
    pub q_2: f32,
}

impl SacMetrics {
    /// Field-wise mean of `items` (zeros when empty).
    pub fn mean(items: &[SacMetrics]) -> SacMetrics {
        let n = items.len().max(1) as f32;
        let sum = |f: fn(&SacMetrics) -> f32| items.iter().map(f).sum::<f32>() / n;
        SacMetrics {
            policy_loss: sum(|m| m.policy_loss),
            alpha_loss: sum(|m| m.alpha_loss),
            critic_loss_1: sum(|m| m.critic_loss_1),
            critic_loss_2: sum(|m| m.critic_loss_2),
            alpha: sum(|m| m.alpha),
            pi_log_prob: sum(|m| m.pi_log_prob),
            policy_entropy: sum(|m| m.policy_entropy),
            q_target: sum(|m| m.q_target),
            q_1: sum(|m| m.q_1),
            q_2: sum(|m| m.q_2),
        }
    }
}
