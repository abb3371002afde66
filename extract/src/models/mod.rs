//! Skill models (EXTRACT's second stage and its baselines): SPiRL's skill VAE with a learned prior
//! (state- and image-based), EXTRACT's cluster-conditioned skill model, and flat behaviour cloning.
//!
//! Every model implements [`SkillModel`]: the trainer (`components::trainer`) only sees losses, the
//! top-of-N evaluator only sees decoded action sequences, and RL (later) samples skills from the
//! learned priors and decodes them into action plans.

use crate::data::Batch;
use autograd::{Tape, Var};
use nn::Module;
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
    /// Short name used in logs (`"extract"`, `"spirl"`, `"spirl_state"`, `"bc"`).
    fn kind(&self) -> &'static str;

    /// Training forward pass on `batch`: every loss of the model, unweighted, with its weight.
    fn losses(&self, tape: &Tape, batch: &Batch, rng: &mut StdRng) -> Losses;

    /// Action sequences `[B, T, A]` decoded with latents drawn from the fixed N(0, I) prior (EXTRACT:
    /// conditioned on the window's true skill id) — one draw of the top-of-N evaluator.
    fn decode_prior_sample(&self, tape: &Tape, batch: &Batch, rng: &mut StdRng) -> Tensor;

    /// Action sequences `[B, T, A]` decoded from the posterior mean (for the decoded-vs-true plot).
    fn reconstruct(&self, tape: &Tape, batch: &Batch) -> Tensor;
}
