//! The `Env` trait in Gymnasium's shape (`reset(seed) -> (obs, info)`, `step(action) -> StepResult`), and
//! `BoxSpace`, the bounded box that describes observations and actions.
//!
//! Observations and actions are plain `f32` slices so that this crate needs nothing from `tensor`.

use crate::EnvError;

/// A box in R^n: `low[i] <= x[i] <= high[i]` (bounds may be infinite). Gymnasium's `spaces.Box`.
#[derive(Clone, Debug, PartialEq)]
pub struct BoxSpace {
    pub low: Vec<f32>,
    pub high: Vec<f32>,
}

impl BoxSpace {
    /// The same bounds `[low, high]` on each of `dim` coordinates.
    pub fn uniform(dim: usize, low: f32, high: f32) -> Self {
        BoxSpace { low: vec![low; dim], high: vec![high; dim] }
    }

    /// The number of coordinates.
    pub fn dim(&self) -> usize {
        self.low.len()
    }

    /// True when `x` has the right length and lies inside the bounds.
    pub fn contains(&self, x: &[f32]) -> bool {
        x.len() == self.dim() && x.iter().zip(self.low.iter().zip(&self.high)).all(|(v, (lo, hi))| lo <= v && v <= hi)
    }

    /// `x` clipped coordinate-wise into the box (NaN stays NaN, as with `np.clip`).
    pub fn clip(&self, x: &[f32]) -> Vec<f32> {
        x.iter().zip(self.low.iter().zip(&self.high)).map(|(v, (lo, hi))| v.clamp(*lo, *hi)).collect()
    }
}

/// What one `step` returns (Gymnasium's 5-tuple).
#[derive(Clone, Debug, PartialEq)]
pub struct StepResult<I> {
    /// The observation after the step.
    pub obs: Vec<f32>,
    pub reward: f32,
    /// The episode ended inside the MDP (goal reached, failure): do not bootstrap from `obs`.
    pub terminated: bool,
    /// The episode was cut short from outside the MDP (time limit): bootstrapping is still valid.
    pub truncated: bool,
    pub info: I,
}

impl<I> StepResult<I> {
    /// The episode is over either way; call `reset` before stepping again.
    pub fn done(&self) -> bool {
        self.terminated || self.truncated
    }
}

/// An environment with Gymnasium's interface. After `terminated` or `truncated`, call `reset`.
///
/// Programmer errors (an action of the wrong length) panic; failures of the outside world are
/// reported when the environment is built, so `reset` and `step` are infallible.
pub trait Env {
    /// Per-step extra information (Gymnasium's `info` dict, typed).
    type Info: Clone + std::fmt::Debug + Send;

    fn observation_space(&self) -> &BoxSpace;
    fn action_space(&self) -> &BoxSpace;

    /// Starts a new episode. `Some(seed)` reseeds the environment's random generator first (Gymnasium:
    /// `reset(seed=...)`); `None` continues the current random stream.
    fn reset(&mut self, seed: Option<u64>) -> (Vec<f32>, Self::Info);

    /// Applies `action` (length `action_space().dim()`) for one environment step.
    fn step(&mut self, action: &[f32]) -> StepResult<Self::Info>;

    /// Everything the next steps depend on (simulation, episode bookkeeping, random generator) as
    /// bytes, so that [`Env::load_state`] continues the episode exactly; `None` for envs that
    /// cannot (then a checkpoint restarts their episodes).
    fn save_state(&self) -> Option<Vec<u8>> {
        None
    }

    /// Restores [`Env::save_state`]'s bytes (from an env built with the same configuration).
    fn load_state(&mut self, bytes: &[u8]) -> Result<(), EnvError> {
        let _ = bytes;
        Err(EnvError::State("this env does not save its state".into()))
    }
}

/// Panics with the environment's name when `action` has the wrong length (a programmer error).
pub(crate) fn check_action_len(env: &str, action: &[f32], dim: usize) {
    assert!(action.len() == dim, "{env}::step: action has {} values, the action space has {dim}", action.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_space_clips_and_contains() {
        let space = BoxSpace::uniform(3, -1.0, 1.0);
        assert_eq!(space.clip(&[-2.0, 0.5, 3.0]), vec![-1.0, 0.5, 1.0]);
        assert!(space.contains(&[-1.0, 0.0, 1.0]));
        assert!(!space.contains(&[0.0, 0.0]));
        assert!(!space.contains(&[0.0, 1.5, 0.0]));
        assert!(space.clip(&[f32::NAN, 0.0, 0.0])[0].is_nan());
    }
}
