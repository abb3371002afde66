//! The low level of the hierarchy: a frozen skill decoder that turns one HL action into a plan of
//! environment actions (upstream `ACSkillSpaceAgent` / `VariableLengthACSkillSpaceAgent`).
//!
//! ```text
//! SPiRL    z       -> decoder(z), exactly n_rollout_steps actions (a new skill every H steps)
//! EXTRACT  [d, z]  -> decoder(z, onehot d), cut after the first step whose predicted progress
//!                     >= threshold (that step included), at most max_rollout_steps actions
//! direct   a       -> [a]: no skills, the HL action is the env action (the BC-finetune baseline)
//! ```
//! Decoded actions are executed as they come; the environment clips them to its action box.

use crate::models::{ClusterSkillModel, SpirlModel};
use autograd::{Tape, Var};
use nn::Module;
use tensor::Tensor;

/// A frozen decoder (BatchNorm in eval mode, no gradients).
pub enum LowLevel {
    /// SPiRL: fixed-length skills.
    Fixed(SpirlModel),
    /// EXTRACT: variable-length skills ended by predicted progress.
    Variable(ClusterSkillModel),
    /// No decoder: one env action of this width per HL action.
    Direct(usize),
}

impl LowLevel {
    /// A frozen SPiRL decoder.
    pub fn spirl(mut model: SpirlModel) -> LowLevel {
        model.set_training(false);
        LowLevel::Fixed(model)
    }

    /// A frozen EXTRACT decoder.
    pub fn extract(mut model: ClusterSkillModel) -> LowLevel {
        model.set_training(false);
        LowLevel::Variable(model)
    }

    /// Width of the HL action this decoder reads (SPiRL `Z`, EXTRACT `1 + Z`).
    pub fn hl_action_dim(&self) -> usize {
        match self {
            LowLevel::Fixed(m) => m.cfg.nz_vae,
            LowLevel::Variable(m) => 1 + m.cfg.nz_vae,
            LowLevel::Direct(a) => *a,
        }
    }

    /// Longest plan one skill can produce.
    pub fn max_plan_len(&self) -> usize {
        match self {
            LowLevel::Fixed(m) => m.cfg.n_rollout_steps,
            LowLevel::Variable(m) => m.cfg.max_rollout_steps,
            LowLevel::Direct(_) => 1,
        }
    }

    /// The action plans of a batch of HL actions `hl: [b, hl_action_dim]`: one list of `A`-vectors per row.
    /// Panics on a wrong width or an out-of-range skill id (the HL agent's output, not user data).
    pub fn plans(&self, hl: &Tensor) -> Vec<Vec<Vec<f32>>> {
        assert!(
            hl.rank() == 2 && hl.shape()[1] == self.hl_action_dim(),
            "LowLevel: expected HL actions [b, {}], got {:?}",
            self.hl_action_dim(),
            hl.shape()
        );
        let tape = Tape::no_grad();
        let rows = |t: &Tensor| -> Vec<Vec<f32>> {
            let a = t.shape()[1];
            t.to_vec().chunks(a).map(<[f32]>::to_vec).collect()
        };
        match self {
            LowLevel::Fixed(m) => {
                let z = Var::constant(hl.to(&m.device()));
                let plan = m.action_plan(&tape, &z).into_value();
                let (b, h, a) = (plan.shape()[0], plan.shape()[1], plan.shape()[2]);
                rows(&plan.reshape(&[b * h, a])).chunks(h).map(<[Vec<f32>]>::to_vec).collect()
            }
            LowLevel::Variable(m) => {
                let b = hl.shape()[0];
                let skills = hl.narrow(1, 0, 1).contiguous().reshape(&[b]);
                let k = m.cfg.n_skills as f32;
                assert!(
                    skills.to_vec().iter().all(|&d| d >= 0.0 && d < k && d.fract() == 0.0),
                    "LowLevel: skill ids must be integers in [0, {k})"
                );
                let z = Var::constant(hl.narrow(1, 1, m.cfg.nz_vae).contiguous().to(&m.device()));
                m.action_plans(&tape, &z, &skills).iter().map(rows).collect()
            }
            LowLevel::Direct(_) => rows(hl).into_iter().map(|a| vec![a]).collect(),
        }
    }
}

/// Turns one HL action into the env actions to execute (the low level, as the sampler sees it).
pub trait ActionPlanner {
    /// The plan of one HL action: at least one action.
    fn plan(&self, hl: &[f32]) -> Vec<Vec<f32>>;
}

impl ActionPlanner for LowLevel {
    fn plan(&self, hl: &[f32]) -> Vec<Vec<f32>> {
        self.plans(&Tensor::from_slice(hl, &[1, hl.len()])).pop().expect("one row in, one plan out")
    }
}
