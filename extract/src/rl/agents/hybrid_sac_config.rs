//! `HybridSacConfig`: hyperparameters of EXTRACT's hybrid (discrete skill + continuous argument)
//! skill-space SAC (upstream `HybridSkillSpaceActionPriorSACAgent` and the kitchen EXTRACT config).

use crate::rl::components::CriticSizes;
use serde::{Deserialize, Serialize};

/// Which skill's Q-value the critic loss regresses onto the target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CriticSkillIndex {
    /// The skill stored with the transition (column 0 of the replay action): the Bellman-correct choice.
    #[default]
    Stored,
    /// The skill the current policy samples afresh at s: upstream as released (spec §9, quirk 5).
    Sampled,
}

/// EXTRACT high-level SAC settings (the `[agent]` table). Defaults are upstream's kitchen values.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HybridSacConfig {
    /// Hidden width of the critic MLPs (image input: vector MLP and head; state input: the whole MLP).
    pub critic_mid_dim: usize,
    /// Hidden blocks of a state-input critic MLP on `[state, z]` (a variant: upstream critics read images).
    pub critic_num_layers: usize,
    /// Hidden blocks of an image-input critic's MLP on `z` (upstream `ConvCritic`: 5).
    pub critic_vector_num_layers: usize,
    /// Width of each of an image-input critic's two encodings, `z` and frames (upstream 64).
    pub critic_feature_dim: usize,
    /// Channels of the first block of an image-input critic's conv encoder (upstream 8).
    pub critic_ngf: usize,
    /// Adam learning rate of the policy (both heads).
    pub policy_lr: f32,
    /// Adam learning rate of each critic.
    pub critic_lr: f32,
    /// Adam learning rate of log alpha_z and log alpha_d (used with `auto_alpha` only).
    pub alpha_lr: f32,
    /// Adam beta1 of every optimizer (beta2 is 0.999).
    pub adam_beta1: f32,
    /// Discount gamma of the skill-level return.
    pub discount: f32,
    /// Polyak factor of the target critics, applied after every update.
    pub tau: f32,
    /// Skill-level transitions per update.
    pub batch_size: usize,
    /// Clamp Q targets to ±1/(1 - gamma) (= ±100 at gamma 0.99, upstream's clip).
    pub clip_q_target: bool,
    /// Elementwise clamp ±this of the per-class and per-dim KL terms before averaging (upstream 100).
    pub max_divergence_range: f32,
    /// Temperature alpha_z of the continuous KL (kitchen 0.01); the initial value with `auto_alpha`.
    pub alpha_z: f32,
    /// Temperature alpha_d of the discrete KL (kitchen 0.1); the initial value with `auto_alpha`.
    pub alpha_d: f32,
    /// Tune both temperatures by dual descent towards the targets below (shipped configs: off).
    pub auto_alpha: bool,
    /// Target of the per-dim continuous KL for `auto_alpha` (upstream 0.5).
    pub target_kl_z: f32,
    /// Target of the per-class discrete KL for `auto_alpha` (upstream 0.5).
    pub target_kl_d: f32,
    /// Which skill indexes the critic's K outputs in the critic loss.
    pub critic_skill_index: CriticSkillIndex,
}

impl Default for HybridSacConfig {
    fn default() -> Self {
        HybridSacConfig {
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
            max_divergence_range: 100.0,
            alpha_z: 0.01,
            alpha_d: 0.1,
            auto_alpha: false,
            target_kl_z: 0.5,
            target_kl_d: 0.5,
            critic_skill_index: CriticSkillIndex::Stored,
        }
    }
}

impl HybridSacConfig {
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
        ];
        let positive = [
            ("policy_lr", self.policy_lr),
            ("critic_lr", self.critic_lr),
            ("alpha_lr", self.alpha_lr),
            ("max_divergence_range", self.max_divergence_range),
            ("alpha_z", self.alpha_z),
            ("alpha_d", self.alpha_d),
        ];
        super::hl_common::check_common("EXTRACT agent", &sizes, &positive, (self.discount, self.tau, self.adam_beta1))?;
        for (k, v) in [("target_kl_z", self.target_kl_z), ("target_kl_d", self.target_kl_d)] {
            if !v.is_finite() {
                return Err(format!("EXTRACT agent config '{k}' is {v}, expected a finite value"));
            }
        }
        Ok(())
    }
}
