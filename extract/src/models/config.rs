//! `ModelConfig`: the experiment file's `[model]` table (one struct per model kind, defaults = upstream's
//! kitchen configs) and `InputSpec`, the data-side sizes a model is built for.
//!
//! ```toml
//! [model]
//! type = "extract"        # or "spirl", "bc"
//! input = "image"         # or "state"
//! nz_vae = 5              # every other key falls back to the defaults below
//! ```

use nn::Norm;
use serde::{Deserialize, Serialize};

/// Which skill model to train, with its hyperparameters (`type` selects the variant).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ModelConfig {
    /// SPiRL: skill VAE over fixed-length action chunks + learned Gaussian prior p(z|s).
    Spirl(SpirlConfig),
    /// EXTRACT: skill-conditioned VAE over variable-length segments + priors p(d|s), p(z|s,d).
    Extract(ExtractConfig),
    /// Flat behaviour cloning: one Gaussian action per observation.
    Bc(BcConfig),
}

/// What the learned priors (and BC's policy) look at.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ObsInput {
    /// The low-dimensional state vector (original SPiRL kitchen).
    State,
    /// A stack of the last F RGB frames (every kitchen config of the EXTRACT repository).
    #[default]
    Image,
}

/// Normalisation of the hidden MLP blocks and conv pyramid blocks (upstream `normalization`).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Normalization {
    None,
    #[default]
    Batch,
    Layer,
}

impl Normalization {
    pub fn norm(self) -> Norm {
        match self {
            Normalization::None => Norm::None,
            Normalization::Batch => Norm::Batch,
            Normalization::Layer => Norm::Layer,
        }
    }
}

/// SPiRL (`ImageSkillPriorMdl` / `SkillPriorMdl`); defaults: `skill_prior_learning/kitchen/hierarchical`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SpirlConfig {
    /// Prior input: `image` (EXTRACT-repo kitchen config) or `state` (original SPiRL kitchen config).
    pub input: ObsInput,
    /// Output width of the encoder LSTM (before its Linear to 2 * nz_vae).
    pub nz_enc: usize,
    /// Skill latent dimension Z.
    pub nz_vae: usize,
    /// Width of the image feature the conv encoder hands the prior MLP.
    pub nz_mid: usize,
    /// Hidden size of the encoder and decoder LSTMs.
    pub nz_mid_lstm: usize,
    /// Stacked LSTM cells in the encoder and the decoder.
    pub n_lstm_layers: usize,
    /// Hidden blocks of the prior MLP (it has num_prior_net_layers + 2 Linear layers).
    pub num_prior_net_layers: usize,
    /// Width of the prior MLP's hidden blocks.
    pub nz_mid_prior: usize,
    /// Skill length H: actions decoded per skill (the batch must carry exactly H targets).
    pub n_rollout_steps: usize,
    /// beta: weight of KL(q(z|a) || N(0, I)).
    pub kl_div_weight: f32,
    /// Weight of the action reconstruction NLL.
    pub reconstruction_mse_weight: f32,
    /// Clamp of the posterior's and the prior's means; absent: 2.0 for images, none for states (as upstream).
    pub encoder_max_range: Option<f32>,
    /// Channels of the conv encoder's first block (doubling per pyramid block).
    pub encoder_ngf: usize,
    /// Normalisation of hidden MLP and conv blocks.
    pub normalization: Normalization,
}

impl Default for SpirlConfig {
    fn default() -> Self {
        SpirlConfig {
            input: ObsInput::Image,
            nz_enc: 128,
            nz_vae: 10,
            nz_mid: 128,
            nz_mid_lstm: 128,
            n_lstm_layers: 1,
            num_prior_net_layers: 6,
            nz_mid_prior: 128,
            n_rollout_steps: 10,
            kl_div_weight: 5e-4,
            reconstruction_mse_weight: 1.0,
            encoder_max_range: None,
            encoder_ngf: 8,
            normalization: Normalization::Batch,
        }
    }
}

impl SpirlConfig {
    /// The mean clamp in force: the configured one, else the input kind's upstream default.
    pub fn max_mu(&self) -> f32 {
        self.encoder_max_range.unwrap_or(match self.input {
            ObsInput::Image => 2.0,
            ObsInput::State => f32::INFINITY,
        })
    }
}

/// EXTRACT (`ImageClusterSkillPriorMdl`); defaults: `skill_prior_learning/kitchen/hierarchical_cluster`
/// plus the kitchen RL overrides of the skill-termination settings.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ExtractConfig {
    /// Prior input: `image` (kitchen config) or `state`.
    pub input: ObsInput,
    /// Number of discrete skills K (the clustering's K).
    pub n_skills: usize,
    /// Output width of the encoder LSTM (before its Linear to 2 * nz_vae).
    pub nz_enc: usize,
    /// Continuous skill-argument dimension Z.
    pub nz_vae: usize,
    /// Width of the image feature each prior's conv encoder produces.
    pub nz_mid: usize,
    /// Hidden size of the encoder and decoder LSTMs.
    pub nz_mid_lstm: usize,
    /// Stacked LSTM cells in the encoder and the decoder.
    pub n_lstm_layers: usize,
    /// Hidden blocks of both prior MLPs (kitchen 4, LIBERO 6).
    pub num_prior_net_layers: usize,
    /// Width of the prior MLPs' hidden blocks.
    pub nz_mid_prior: usize,
    /// beta: weight of KL(q(z|a,d) || N(0, I)).
    pub kl_div_weight: f32,
    /// Weight of the masked action reconstruction NLL.
    pub reconstruction_mse_weight: f32,
    /// Weight of the masked skill-progress MSE.
    pub skill_progress_mse_weight: f32,
    /// Clamp of the posterior's and the argument prior's means.
    pub encoder_max_range: f32,
    /// Channels of the conv encoders' first block (doubling per pyramid block).
    pub encoder_ngf: usize,
    /// Normalisation of hidden MLP and conv blocks.
    pub normalization: Normalization,
    /// Longest action plan a skill decodes to at RL time (kitchen 30, LIBERO 40).
    pub max_rollout_steps: usize,
    /// A plan ends at the first step whose predicted progress reaches this (kitchen 1.0, LIBERO 0.99).
    pub skill_progress_termination_threshold: f32,
}

impl Default for ExtractConfig {
    fn default() -> Self {
        ExtractConfig {
            input: ObsInput::Image,
            n_skills: 8,
            nz_enc: 128,
            nz_vae: 5,
            nz_mid: 128,
            nz_mid_lstm: 128,
            n_lstm_layers: 1,
            num_prior_net_layers: 4,
            nz_mid_prior: 128,
            kl_div_weight: 1e-3,
            reconstruction_mse_weight: 1.0,
            skill_progress_mse_weight: 1.0,
            encoder_max_range: 2.0,
            encoder_ngf: 8,
            normalization: Normalization::Batch,
            max_rollout_steps: 30,
            skill_progress_termination_threshold: 1.0,
        }
    }
}

/// Flat BC (`ImageBCMdl` / `BCMdl`); defaults: `skill_prior_learning/kitchen/flat`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BcConfig {
    /// Policy input: `image` (kitchen config) or `state`.
    pub input: ObsInput,
    /// Width of the image feature and of the MLP's hidden blocks.
    pub nz_mid: usize,
    /// Hidden blocks of the policy MLP.
    pub n_processing_layers: usize,
    /// Channels of the conv encoder's first block.
    pub encoder_ngf: usize,
    /// Normalisation of hidden MLP and conv blocks.
    pub normalization: Normalization,
}

impl Default for BcConfig {
    fn default() -> Self {
        BcConfig {
            input: ObsInput::Image,
            nz_mid: 128,
            n_processing_layers: 5,
            encoder_ngf: 8,
            normalization: Normalization::Batch,
        }
    }
}

/// Stacked-frame geometry of image inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageSpec {
    /// Frames F stacked on channels (3F channels).
    pub frames: usize,
    /// Square resolution in pixels.
    pub res: usize,
}

/// The data-side sizes a model is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputSpec {
    /// Action dimension A.
    pub action_dim: usize,
    /// State dimension (kitchen 60).
    pub state_dim: usize,
    /// Frame stack of image inputs; `None` for state-only data.
    pub image: Option<ImageSpec>,
}

impl InputSpec {
    /// The frame stack, or the error of an image model built for data without frames.
    pub fn require_image(&self) -> Result<ImageSpec, String> {
        self.image.ok_or_else(|| {
            "model.input = \"image\", but the data provide no image frames (use input = \"state\")".into()
        })
    }
}

/// `model.{key}: expected >= {min}, got {v}` when `v < min`.
pub(crate) fn at_least(key: &str, v: usize, min: usize) -> Result<(), String> {
    if v < min { Err(format!("model.{key}: expected >= {min}, got {v}")) } else { Ok(()) }
}

/// `model.{key}: expected a finite value >= 0, got {v}` for weights.
pub(crate) fn weight(key: &str, v: f32) -> Result<(), String> {
    if v.is_finite() && v >= 0.0 { Ok(()) } else { Err(format!("model.{key}: expected a finite value >= 0, got {v}")) }
}

impl SpirlConfig {
    /// Rejects sizes no network can be built with.
    pub fn validate(&self) -> Result<(), String> {
        for (k, v) in [("nz_enc", self.nz_enc), ("nz_vae", self.nz_vae), ("nz_mid", self.nz_mid)] {
            at_least(k, v, 1)?;
        }
        for (k, v) in [("nz_mid_lstm", self.nz_mid_lstm), ("n_lstm_layers", self.n_lstm_layers)] {
            at_least(k, v, 1)?;
        }
        at_least("nz_mid_prior", self.nz_mid_prior, 1)?;
        at_least("n_rollout_steps", self.n_rollout_steps, 1)?;
        at_least("encoder_ngf", self.encoder_ngf, 1)?;
        weight("kl_div_weight", self.kl_div_weight)?;
        weight("reconstruction_mse_weight", self.reconstruction_mse_weight)?;
        match self.encoder_max_range {
            Some(r) if r.is_nan() || r <= 0.0 => Err(format!("model.encoder_max_range: expected > 0, got {r}")),
            _ => Ok(()),
        }
    }
}

impl ExtractConfig {
    /// Rejects sizes no network can be built with.
    pub fn validate(&self) -> Result<(), String> {
        for (k, v) in [("n_skills", self.n_skills), ("nz_enc", self.nz_enc), ("nz_vae", self.nz_vae)] {
            at_least(k, v, 1)?;
        }
        for (k, v) in
            [("nz_mid", self.nz_mid), ("nz_mid_lstm", self.nz_mid_lstm), ("n_lstm_layers", self.n_lstm_layers)]
        {
            at_least(k, v, 1)?;
        }
        at_least("nz_mid_prior", self.nz_mid_prior, 1)?;
        at_least("encoder_ngf", self.encoder_ngf, 1)?;
        at_least("max_rollout_steps", self.max_rollout_steps, 1)?;
        weight("kl_div_weight", self.kl_div_weight)?;
        weight("reconstruction_mse_weight", self.reconstruction_mse_weight)?;
        weight("skill_progress_mse_weight", self.skill_progress_mse_weight)?;
        if self.encoder_max_range.is_nan() || self.encoder_max_range <= 0.0 {
            return Err(format!("model.encoder_max_range: expected > 0, got {}", self.encoder_max_range));
        }
        if !self.skill_progress_termination_threshold.is_finite() {
            let t = self.skill_progress_termination_threshold;
            return Err(format!("model.skill_progress_termination_threshold: expected a finite value, got {t}"));
        }
        Ok(())
    }
}

impl BcConfig {
    /// Rejects sizes no network can be built with.
    pub fn validate(&self) -> Result<(), String> {
        at_least("nz_mid", self.nz_mid, 1)?;
        at_least("encoder_ngf", self.encoder_ngf, 1)
    }
}
