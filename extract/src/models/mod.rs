//! Skill models (EXTRACT's second stage and its baselines): SPiRL's skill VAE with a learned prior
//! (state- and image-based), EXTRACT's cluster-conditioned skill model, and flat behaviour cloning.
//!
//! Every model implements [`SkillModel`]: the trainer (`components::trainer`) only sees losses, the
//! top-of-N evaluator only sees decoded action sequences, and RL (later) samples skills from the
//! learned priors and decodes them into action plans.
//!
//! ```text
//! config.rs   ModelConfig (the [model] table), InputSpec
//! parts.rs    PriorNet (obs -> MLP), SkillEncoder (q), SkillDecoder (open-loop LSTM)
//! spirl.rs    SpirlModel           upstream skill_prior_mdl.py
//! cluster.rs  ClusterSkillModel    upstream cluster_skill_prior_mdl.py
//! bc.rs       BcModel              upstream bc_mdl.py
//! plan.rs     cut_at_progress: where a decoded EXTRACT skill ends
//! ```

mod bc;
mod cluster;
mod config;
mod parts;
mod plan;
mod spirl;

pub use bc::BcModel;
pub use cluster::{ClusterSkillModel, SkillSample};
pub use config::{BcConfig, ExtractConfig, ImageSpec, InputSpec, ModelConfig, Normalization, ObsInput, SpirlConfig};
pub use parts::{PriorNet, SkillDecoder, SkillEncoder, nll, sample_with};
pub use plan::cut_at_progress;
pub use spirl::SpirlModel;

use crate::data::Batch;
use autograd::{Tape, Var};
use nn::Module;
use rand::Rng;
use rand::rngs::StdRng;
use tensor::Tensor;

/// One named loss: `value` is the unweighted scalar, the total adds `weight * value`.
pub struct LossTerm {
    pub name: &'static str,
    pub value: Var,
    pub weight: f32,
}

/// All losses of one forward pass.
pub struct Losses {
    pub terms: Vec<LossTerm>,
}

impl Losses {
    /// `sum weight * value` over the terms with a positive weight (upstream's rule).
    pub fn total(&self) -> Var {
        let mut weighted = self.terms.iter().filter(|t| t.weight > 0.0).map(|t| t.value.mul_scalar(t.weight));
        let first = weighted.next().expect("Losses::total: no loss term has a positive weight");
        weighted.fold(first, |acc, v| acc.add(&v))
    }

    /// `(name, unweighted value)` pairs for logging.
    pub fn values(&self) -> Vec<(&'static str, f32)> {
        self.terms.iter().map(|t| (t.name, t.value.item())).collect()
    }
}

/// What the trainer and the evaluator need from a skill model.
pub trait SkillModel: Module {
    /// Short name used in logs (`"extract"`, `"spirl"`, `"bc"`; state-input variants end in `"_state"`).
    fn kind(&self) -> &'static str;

    /// Training forward pass on `batch`: every loss of the model, unweighted, with its weight. The
    /// reparameterisation noise is drawn from `rng` (on the CPU, so runs on any device draw alike).
    fn losses(&self, tape: &Tape, batch: &Batch, rng: &mut StdRng) -> Losses {
        let eps = Tensor::randn(&self.noise_shape(batch), 0.0, 1.0, rng);
        self.losses_with_noise(tape, batch, &eps)
    }

    /// Shape of the standard-normal noise one training forward on `batch` consumes (`[B, Z]`; BC `[B, A]`).
    fn noise_shape(&self, batch: &Batch) -> [usize; 2];

    /// `losses` with the given noise `eps` (shape `noise_shape`) in place of a draw: the sample the
    /// losses use is `mu + sigma * eps` (PyTorch fixtures, reproducible evaluation).
    fn losses_with_noise(&self, tape: &Tape, batch: &Batch, eps: &Tensor) -> Losses;

    /// Action sequences `[B, T, A]` decoded with latents drawn from the fixed N(0, I) prior (EXTRACT:
    /// conditioned on the window's true skill id) — one draw of the top-of-N evaluator.
    fn decode_prior_sample(&self, tape: &Tape, batch: &Batch, rng: &mut StdRng) -> Tensor;

    /// Action sequences `[B, T, A]` decoded from the posterior mean (for the decoded-vs-true plot).
    fn reconstruct(&self, tape: &Tape, batch: &Batch) -> Tensor;
}

/// Builds the model `cfg` names for data of sizes `spec`, initialised from `rng` (on the CPU; move it
/// with `Module::to_device`). Errors name the config key that cannot be honoured.
pub fn build_model<R: Rng + ?Sized>(
    cfg: &ModelConfig,
    spec: &InputSpec,
    rng: &mut R,
) -> Result<Box<dyn SkillModel>, String> {
    Ok(match cfg {
        ModelConfig::Spirl(c) => Box::new(SpirlModel::new(c, spec, rng)?),
        ModelConfig::Extract(c) => Box::new(ClusterSkillModel::new(c, spec, rng)?),
        ModelConfig::Bc(c) => Box::new(BcModel::new(c, spec, rng)?),
    })
}
