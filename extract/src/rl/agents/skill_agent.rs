//! What the hierarchical training loop needs from a high-level agent that acts in skill space
//! (SPiRL's prior-regularised SAC, EXTRACT's hybrid SAC; flat SAC and BC-finetune act in env
//! actions through a pass-through low level), and `ObsView`, which turns the flat
//! observations the sampler and the replay buffer carry into what the skill model's networks read.
//!
//! ```text
//! flat observation = [ state (state_dim f32) | frames (F x 3 x res x res, values in [-1, 1]) ]
//!                                              oldest frame first, channel-major, as in `data::Batch::obs`
//! ```
//! State-input networks read the state part; image-input networks read the frame stack as
//! `[b, 3F, res, res]`.

use crate::models::{ImageSpec, ObsInput};
use crate::rl::components::{ObsLayout, ReplayBatch};
use envs::snapshot::StateRng;
use tensor::{Device, Tensor};

/// Where the networks of a skill-space agent look in a flat observation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObsView {
    /// Leading f32 coordinates (kitchen: the 60-d observation).
    pub state_dim: usize,
    /// The frame stack after the state, `None` for state-only observations.
    pub image: Option<ImageSpec>,
    /// Which part the networks read.
    pub input: ObsInput,
}

impl ObsView {
    /// A state-only view (`input = State`).
    pub fn state(state_dim: usize) -> ObsView {
        ObsView { state_dim, image: None, input: ObsInput::State }
    }

    /// Coordinates of the frame stack (0 without frames).
    pub fn image_dim(&self) -> usize {
        self.image.map_or(0, |i| 3 * i.frames * i.res * i.res)
    }

    /// How the replay buffer stores these observations (state f32, frames u8).
    pub fn layout(&self) -> ObsLayout {
        ObsLayout { state_dim: self.state_dim, image_dim: self.image_dim() }
    }

    /// `flat: [b, state_dim + image_dim]` -> the networks' input: `[b, state_dim]` for state input,
    /// `[b, 3F, res, res]` for image input. Panics on a width that does not match (a programmer error).
    pub fn model_input(&self, flat: &Tensor) -> Tensor {
        let dim = self.state_dim + self.image_dim();
        assert!(
            flat.rank() == 2 && flat.shape()[1] == dim,
            "ObsView: expected [b, {dim}] flat observations, got {:?}",
            flat.shape()
        );
        let b = flat.shape()[0];
        match (self.input, self.image) {
            (ObsInput::State, _) => flat.narrow(1, 0, self.state_dim).contiguous(),
            (ObsInput::Image, Some(i)) => {
                flat.narrow(1, self.state_dim, self.image_dim()).contiguous().reshape(&[b, 3 * i.frames, i.res, i.res])
            }
            (ObsInput::Image, None) => panic!("ObsView: image input without a frame stack"),
        }
    }
}

/// A high-level agent: observation -> skill (the HL action), trained on skill-level transitions.
///
/// HL actions are flat f32 rows: SPiRL `z` (`[Z]`); EXTRACT `[d, z]` with the skill id `d` as an
/// integer-valued f32 in column 0 (`[1 + Z]`), as upstream stores them.
pub trait SkillAgent: Send {
    /// Short name for logs (`"spirl"`, `"extract"`).
    fn name(&self) -> &'static str;

    /// Width of one HL action row.
    fn action_dim(&self) -> usize;

    /// HL actions for `obs: [b, flat_dim]` -> `[b, action_dim]`, sampled from the policy (upstream
    /// samples in evaluation too), with noise from the agent's own generator.
    fn act(&mut self, obs: &Tensor) -> Tensor;

    /// HL actions during warm-up (before the first update): the policy's own by default (the
    /// prior-initialised skill agents); flat SAC acts uniformly at random, as upstream.
    fn act_warmup(&mut self, obs: &Tensor) -> Tensor {
        self.act(obs)
    }

    /// One gradient update on a batch of skill-level transitions; named scalar metrics for logging.
    fn update(&mut self, batch: &ReplayBatch) -> Vec<(&'static str, f32)>;

    /// Width of [`SkillAgent::obs_features`] rows; 0 (the default) when the agent has none.
    fn obs_features_dim(&self) -> usize {
        0
    }

    /// Fixed features `[b, obs_features_dim]` of stored observations `obs: [b, flat_dim]` — outputs
    /// of frozen networks that `update` would otherwise recompute on every batch. The loop computes
    /// them once per transition, keeps them in the replay buffer and hands them back in
    /// `ReplayBatch::features`; `update` gives the same result with or without them.
    fn obs_features(&self, _obs: &Tensor) -> Option<Tensor> {
        None
    }

    /// Every network, temperature, counter and optimizer state, as named tensors for a checkpoint.
    fn state_dict(&self) -> Vec<(String, Tensor)>;

    /// Restores [`SkillAgent::state_dict`]; checks everything before setting anything.
    fn load_state_dict(&mut self, state: &[(String, Tensor)]) -> Result<(), String>;

    /// The generator of all the agent's noise (acting and updates), saved with checkpoints so
    /// that a resumed run draws the same numbers.
    fn rng_mut(&mut self) -> &mut StateRng;

    /// Moves every network (and optimizer state) to `device`.
    fn to_device(&self, device: &Device);

    /// What acting needs (the policy's parameters and buffers): what the learner sends to env
    /// workers that only collect experience. Defaults to the whole state dict.
    fn acting_state(&self) -> Vec<(String, Tensor)> {
        self.state_dict()
    }

    /// Restores [`SkillAgent::acting_state`]; checks everything before setting anything.
    fn load_acting_state(&mut self, state: &[(String, Tensor)]) -> Result<(), String> {
        self.load_state_dict(state)
    }
}
