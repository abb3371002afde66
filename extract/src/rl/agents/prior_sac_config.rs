//! `PriorSacConfig`: hyperparameters of SPiRL's prior-regularised skill-space SAC (upstream
//! `ActionPriorSACAgent` / `SACAgent` defaults and the kitchen SPiRL HRL config).

use crate::rl::components::CriticSizes;
use serde::{Deserialize, Serialize};

/// What the temperature weighs in the policy loss and the target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Regularizer {
    /// SPiRL: the Monte-Carlo divergence `KL(pi || prior)` to the frozen prior.
    #[default]
    PriorKl,
    /// Plain SAC: `log pi` of the sampled action (the BC-finetune baseline; `target_divergence` is
    /// then minus the target entropy, upstream `-action_dim` -> `action_dim`).
    Entropy,
}

/// SPiRL high-level SAC settings (the `[agent]` table). Defaults are upstream's kitchen values.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PriorSacConfig {
    /// Hidden width of the critic MLPs (state input: the whole MLP; image input: vector MLP and head).
    pub critic_mid_dim: usize,
    /// Hidden blocks of a state-input critic MLP on `[state, z]` (upstream `critic_params.n_layers`).
    pub critic_num_layers: usize,
    /// Hidden blocks of an image-input critic's MLP on `z` (upstream `ConvCritic`: 5).
    pub critic_vector_num_layers: usize,
    /// Width of each of an image-input critic's two encodings, `z` and frames (upstream 64).
    pub critic_feature_dim: usize,
    /// Channels of the first block of an image-input critic's conv encoder (upstream 8).
    pub critic_ngf: usize,
    /// Adam learning rate of the policy (upstream `policy_lr`).
    pub policy_lr: f32,
    /// Adam learning rate of each critic (upstream `critic_lr`).
    pub critic_lr: f32,
    /// Adam learning rate of log alpha (upstream `alpha_lr`).
    pub alpha_lr: f32,
    /// Adam beta1 of every optimizer (upstream `adam_beta`; beta2 is 0.999).
    pub adam_beta1: f32,
    /// Discount gamma of the skill-level return (upstream `discount_factor`).
    pub discount: f32,
    /// Polyak factor of the target critics, applied after every update.
    pub tau: f32,
    /// Skill-level transitions per update (upstream `batch_size`).
    pub batch_size: usize,
    /// Clamp Q targets to ±1/(1 - gamma) (upstream `clip_q_target`, on in every EXTRACT config).
    pub clip_q_target: bool,
    /// Samples of the Monte-Carlo estimate of KL(pi || prior) (upstream 10).
    pub n_divergence_samples: usize,
    /// Clamp of the divergence estimate to ±this (upstream `max_divergence_range`).
    pub max_divergence_range: f32,
    /// Target divergence delta of the temperature update (kitchen `td_schedule_params.p = 5`).
    pub target_divergence: f32,
    /// Initial temperature alpha (upstream starts log alpha at 0).
    pub init_alpha: f32,
    /// Floor of alpha (upstream `alpha_min`; 0 in EXTRACT's port of the agent).
    pub alpha_min: f32,
    /// A constant temperature instead of the dual update (LIBERO SPiRL: 0.01); `None` auto-tunes.
    pub fixed_alpha: Option<f32>,
    /// `prior_kl` (SPiRL) or `entropy` (SAC on a prior-initialised policy: BC-finetune).
    pub regularizer: Regularizer,
}

impl Default for PriorSacConfig {
    fn default() -> Self {
        PriorSacConfig {
            critic_mid_dim: 256,
            critic_num_layers: 2,
            critic_vector_num_layers: 5,
            critic_feature_dim: 64,
            critic_ngf: 8,
            policy_lr: 3e-4,
            critic_lr: 3e-4,
            alpha_lr: 3e-4,
            adam_beta1: 0.9,
            discount: 0.99,
            tau: 5e-3,
            batch_size: 256,
            clip_q_target: true,
            n_divergence_samples: 10,
            max_divergence_range: 100.0,
            target_divergence: 5.0,
            init_alpha: 1.0,
            alpha_min: 0.0,
            fixed_alpha: None,
            regularizer: Regularizer::PriorKl,
        }
    }
}

impl PriorSacConfig {
    /// The BC-finetune baseline's settings: entropy-regularised SAC (target entropy `-action_dim`,
    /// upstream `SACAgent`'s default) on the BC policy; the rest as SPiRL's.
    pub fn bc_finetune(action_dim: usize) -> PriorSacConfig {
        PriorSacConfig {
            regularizer: Regularizer::Entropy,
            target_divergence: action_dim as f32,
            ..PriorSacConfig::default()
        }
    }

    /// The critic sizes these settings give.
    pub fn critic_sizes(&self) -> CriticSizes {
        CriticSizes {
            mid_dim: self.critic_mid_dim,
            num_layers: self.critic_num_layers,
            vector_num_layers: self.critic_vector_num_layers,
            feature_dim: self.critic_feature_dim,
            ngf: self.critic_ngf,
        }
    }

    /// Checks values a typo could make meaningless; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        let sizes = [
            ("critic_mid_dim", self.critic_mid_dim),
            ("critic_feature_dim", self.critic_feature_dim),
            ("critic_ngf", self.critic_ngf),
            ("batch_size", self.batch_size),
            ("n_divergence_samples", self.n_divergence_samples),
        ];
        let positive = [
            ("policy_lr", self.policy_lr),
            ("critic_lr", self.critic_lr),
            ("alpha_lr", self.alpha_lr),
            ("init_alpha", self.init_alpha),
            ("max_divergence_range", self.max_divergence_range),
        ];
        super::hl_common::check_common("SPiRL agent", &sizes, &positive, (self.discount, self.tau, self.adam_beta1))?;
        if !self.target_divergence.is_finite() {
            return Err(format!(
                "SPiRL agent config 'target_divergence' is {}, expected a finite value",
                self.target_divergence
            ));
        }
        if self.alpha_min.is_nan() || self.alpha_min < 0.0 {
            return Err(format!("SPiRL agent config 'alpha_min' is {}, expected a value >= 0", self.alpha_min));
        }
        match self.fixed_alpha {
            Some(a) if !a.is_finite() || a <= 0.0 => {
                Err(format!("SPiRL agent config 'fixed_alpha' is {a}, expected a positive value"))
            }
            _ => Ok(()),
        }
    }
}
