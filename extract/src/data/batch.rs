//! `Batch`: what one training step of a skill model (SPiRL, EXTRACT, BC) consumes.
//!
//! The data side (`data::sequence`, `data::segments`) fills it on a background thread; the model side
//! (`models::*`) reads it. All tensors live on the host; a model moves what it needs to its device.
//! Class ids are stored as integer-valued f32 (the engine's compute dtype), as `Categorical::log_prob`
//! expects.

use tensor::Tensor;

/// One batch of `B` windows of at most `T` regression steps.
#[derive(Clone, Debug)]
pub struct Batch {
    /// Prior input. Image models: the window's first `F` frames stacked on channels,
    /// `[B, 3F, res, res]` in [-1, 1] (frames t-F+1..t, the last one the "current" frame).
    /// State models: the window's first state, `[B, state_dim]`.
    pub obs: Tensor,
    /// Regression targets `[B, T, A]`, starting at the current frame; zeros in right padding.
    pub actions: Tensor,
    /// `[B, T]`: 1 where `actions` holds a real action, 0 in right padding.
    pub action_mask: Tensor,
    /// `[B, T]`: skill-progress targets (a 0 -> 1 ramp over the segment; EXTRACT only, else zeros).
    pub progress: Tensor,
    /// `[B]`: the window's skill id (EXTRACT only, else zeros).
    pub skills: Tensor,
    /// `[B]`: index of the last real step in `actions` (integer-valued).
    pub last_action_index: Tensor,
    /// `[B, K]`: mean per-cluster log-probabilities over the window, when the labels file has them.
    pub skill_logprobs: Option<Tensor>,
}

impl Batch {
    /// Number of windows.
    pub fn len(&self) -> usize {
        self.actions.shape()[0]
    }

    /// True for a batch without windows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Padded number of regression steps `T`.
    pub fn steps(&self) -> usize {
        self.actions.shape()[1]
    }
}
