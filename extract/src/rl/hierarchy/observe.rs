//! What the agents observe: the env's own observation, optionally followed by a stack of the last F
//! rendered frames (upstream `MultiImageAugmentedHierarchicalSampler`).
//!
//! ```text
//! flat = [ env obs | frame_{t-F+1} ... frame_t ]   each frame CHW, bytes b -> b / 127.5 - 1 in [-1, 1]
//! ```
//! At reset the stack is filled with F copies of the first frame.

use envs::Env;
use envs::kitchen::{KitchenEnv, KitchenInfo};
use envs::mujoco::{FreeCamera, Renderer};
use std::collections::VecDeque;

/// Turns env observations into the flat observation the agents see.
pub trait Observer<E: Env> {
    /// Width of the flat observation.
    fn dim(&self, env: &E) -> usize;
    /// After `env.reset`: the flat observation for `env_obs`.
    fn reset(&mut self, env: &E, env_obs: &[f32]) -> Result<Vec<f32>, String>;
    /// After `env.step`: the flat observation for `env_obs`.
    fn step(&mut self, env: &E, env_obs: &[f32]) -> Result<Vec<f32>, String>;
}

/// The env's observation as it is (state-based variants).
#[derive(Clone, Copy, Debug, Default)]
pub struct StateObserver;

impl<E: Env> Observer<E> for StateObserver {
    fn dim(&self, env: &E) -> usize {
        env.observation_space().dim()
    }
    fn reset(&mut self, _: &E, env_obs: &[f32]) -> Result<Vec<f32>, String> {
        Ok(env_obs.to_vec())
    }
    fn step(&mut self, _: &E, env_obs: &[f32]) -> Result<Vec<f32>, String> {
        Ok(env_obs.to_vec())
    }
}

/// Renders one frame of an env: `res x res x 3` RGB bytes, rows top to bottom.
pub trait FrameSource<E> {
    fn render(&mut self, env: &E) -> Result<Vec<u8>, String>;
    fn res(&self) -> usize;
}

/// The env's observation followed by the last `frames` rendered frames.
pub struct FrameStackObserver<S> {
    source: S,
    frames: usize,
    stack: VecDeque<Vec<f32>>,
}

impl<S> FrameStackObserver<S> {
    pub fn new(source: S, frames: usize) -> Self {
        assert!(frames >= 1, "FrameStackObserver: at least one frame");
        FrameStackObserver { source, frames, stack: VecDeque::with_capacity(frames) }
    }

    fn flat(&self, env_obs: &[f32]) -> Vec<f32> {
        let mut out = env_obs.to_vec();
        self.stack.iter().for_each(|f| out.extend_from_slice(f));
        out
    }
}

/// `res x res x 3` bytes (HWC) -> CHW floats in [-1, 1].
pub fn frame_to_chw(hwc: &[u8], res: usize) -> Vec<f32> {
    assert_eq!(hwc.len(), res * res * 3, "frame_to_chw: expected {res}x{res}x3 bytes");
    let mut out = vec![0.0; hwc.len()];
    for (p, px) in hwc.chunks_exact(3).enumerate() {
        for c in 0..3 {
            out[c * res * res + p] = px[c] as f32 / 127.5 - 1.0;
        }
    }
    out
}

impl<E: Env, S: FrameSource<E>> Observer<E> for FrameStackObserver<S> {
    fn dim(&self, env: &E) -> usize {
        env.observation_space().dim() + self.frames * 3 * self.source.res() * self.source.res()
    }
    fn reset(&mut self, env: &E, env_obs: &[f32]) -> Result<Vec<f32>, String> {
        let frame = frame_to_chw(&self.source.render(env)?, self.source.res());
        self.stack.clear();
        self.stack.extend(std::iter::repeat_n(frame, self.frames));
        Ok(self.flat(env_obs))
    }
    fn step(&mut self, env: &E, env_obs: &[f32]) -> Result<Vec<f32>, String> {
        let frame = frame_to_chw(&self.source.render(env)?, self.source.res());
        self.stack.pop_front();
        self.stack.push_back(frame);
        Ok(self.flat(env_obs))
    }
}

/// Offscreen kitchen frames from D4RL's camera (the training images' camera), rendered directly at
/// `res` (upstream renders RL frames at 64 while the training frames were 128 resized to 64).
pub struct KitchenFrames {
    renderer: Renderer,
    res: usize,
}

impl KitchenFrames {
    pub fn new(env: &KitchenEnv, res: usize) -> Result<Self, String> {
        let renderer =
            Renderer::new(env.sim().model(), res, res, FreeCamera::D4RL_KITCHEN).map_err(|e| e.to_string())?;
        Ok(KitchenFrames { renderer, res })
    }
}

impl FrameSource<KitchenEnv> for KitchenFrames {
    fn render(&mut self, env: &KitchenEnv) -> Result<Vec<u8>, String> {
        self.renderer.render(env.sim()).map_err(|e| e.to_string())
    }
    fn res(&self) -> usize {
        self.res
    }
}

/// Subtasks an episode completed, from the env's step info (empty for envs without subtasks).
pub trait TaskInfo {
    fn completed_tasks(&self) -> Vec<&'static str> {
        Vec::new()
    }
}

impl TaskInfo for () {}

impl TaskInfo for KitchenInfo {
    fn completed_tasks(&self) -> Vec<&'static str> {
        self.completed.iter().map(|t| t.name()).collect()
    }
}
