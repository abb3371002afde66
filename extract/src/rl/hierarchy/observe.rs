//! What the agents observe: the env's own observation, optionally followed by a stack of the last F
//! rendered frames (upstream `MultiImageAugmentedHierarchicalSampler`).
//!
//! ```text
//! flat = [ env obs | frame_{t-F+1} ... frame_t ]   each frame CHW, bytes b -> b / 127.5 - 1 in [-1, 1]
//! ```
//! At reset the stack is filled with F copies of the first frame.
//!
//! Frames are rendered lazily: each env step only captures what a picture needs (the kitchen's
//! `qpos`, a few hundred bytes), and a frame is drawn when an observation that holds it is asked
//! for. The sampler asks at skill decisions and episode ends, so a skill of L steps costs at most F
//! renders instead of L, with pictures identical to rendering every step.

use envs::Env;
use envs::kitchen::{KitchenEnv, KitchenInfo};
use envs::mujoco::{FreeCamera, Renderer};
use envs::snapshot::{StateReader, StateWriter};
use std::collections::VecDeque;

/// Turns env observations into the flat observation the agents see.
pub trait Observer<E: Env> {
    /// Width of the flat observation.
    fn dim(&self, env: &E) -> usize;
    /// After `env.reset`: records what the observation of this step needs.
    fn reset(&mut self, env: &E, env_obs: &[f32]) -> Result<(), String>;
    /// After `env.step`: records what the observation of this step needs.
    fn step(&mut self, env: &E, env_obs: &[f32]) -> Result<(), String>;
    /// The flat observation of the latest step (a frame stack renders the frames it still lacks).
    fn current(&mut self) -> Result<Vec<f32>, String>;
    /// What [`Observer::current`] would be built from, for a checkpoint.
    fn save(&self, w: &mut StateWriter);
    /// Restores [`Observer::save`]'s record.
    fn load(&mut self, r: &mut StateReader) -> Result<(), String>;
}

/// The env's observation as it is (state-based variants).
#[derive(Clone, Debug, Default)]
pub struct StateObserver {
    last: Vec<f32>,
}

impl<E: Env> Observer<E> for StateObserver {
    fn dim(&self, env: &E) -> usize {
        env.observation_space().dim()
    }
    fn reset(&mut self, _: &E, env_obs: &[f32]) -> Result<(), String> {
        self.last = env_obs.to_vec();
        Ok(())
    }
    fn step(&mut self, _: &E, env_obs: &[f32]) -> Result<(), String> {
        self.last = env_obs.to_vec();
        Ok(())
    }
    fn current(&mut self) -> Result<Vec<f32>, String> {
        Ok(self.last.clone())
    }
    fn save(&self, w: &mut StateWriter) {
        w.f32s(&self.last);
    }
    fn load(&mut self, r: &mut StateReader) -> Result<(), String> {
        self.last = r.f32s()?;
        Ok(())
    }
}

/// Renders frames of an env: `res x res x 3` RGB bytes, rows top to bottom, from a captured state.
pub trait FrameSource<E> {
    /// What a picture of the env's current state needs (the kitchen: `qpos`); cheap, called every step.
    fn capture(&self, env: &E) -> Vec<f64>;
    /// Draws a state returned by [`FrameSource::capture`].
    fn render_state(&mut self, state: &[f64]) -> Result<Vec<u8>, String>;
    /// Side of the square frames.
    fn res(&self) -> usize;
    /// Draws the env's current state.
    fn render(&mut self, env: &E) -> Result<Vec<u8>, String> {
        let state = self.capture(env);
        self.render_state(&state)
    }
}

/// One frame of a stack: the captured state, and its picture once drawn.
struct Slot {
    state: Vec<f64>,
    frame: Option<Vec<f32>>,
}

/// The env's observation followed by the last `frames` rendered frames, rendered on demand.
pub struct FrameStackObserver<S> {
    source: S,
    frames: usize,
    stack: VecDeque<Slot>,
    last: Vec<f32>,
    /// Frames drawn so far (to measure what lazy rendering saves).
    pub rendered: usize,
}

impl<S> FrameStackObserver<S> {
    pub fn new(source: S, frames: usize) -> Self {
        assert!(frames >= 1, "FrameStackObserver: at least one frame");
        FrameStackObserver { source, frames, stack: VecDeque::with_capacity(frames), last: vec![], rendered: 0 }
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
    fn reset(&mut self, env: &E, env_obs: &[f32]) -> Result<(), String> {
        // The first frame fills the whole stack and every episode's first decision reads it.
        let state = self.source.capture(env);
        let frame = frame_to_chw(&self.source.render_state(&state)?, self.source.res());
        self.rendered += 1;
        self.stack.clear();
        let slot = || Slot { state: state.clone(), frame: Some(frame.clone()) };
        self.stack.extend(std::iter::repeat_with(slot).take(self.frames));
        self.last = env_obs.to_vec();
        Ok(())
    }
    fn step(&mut self, env: &E, env_obs: &[f32]) -> Result<(), String> {
        self.stack.pop_front();
        self.stack.push_back(Slot { state: self.source.capture(env), frame: None });
        self.last = env_obs.to_vec();
        Ok(())
    }
    fn current(&mut self) -> Result<Vec<f32>, String> {
        let res = self.source.res();
        let mut out = self.last.clone();
        out.reserve(self.frames * 3 * res * res);
        for slot in self.stack.iter_mut() {
            let frame = match &mut slot.frame {
                Some(frame) => frame,
                empty => {
                    self.rendered += 1;
                    empty.insert(frame_to_chw(&self.source.render_state(&slot.state)?, res))
                }
            };
            out.extend_from_slice(frame);
        }
        Ok(out)
    }
    /// The captured states only: pictures are drawn again when needed (the same pixels).
    fn save(&self, w: &mut StateWriter) {
        w.f32s(&self.last);
        w.usize(self.stack.len());
        self.stack.iter().for_each(|s| w.f64s(&s.state));
    }
    fn load(&mut self, r: &mut StateReader) -> Result<(), String> {
        let last = r.f32s()?;
        let n = r.usize()?;
        if n != self.frames {
            return Err(format!("a stack of {n} frames saved, this observer stacks {}", self.frames));
        }
        let stack = (0..n).map(|_| Ok(Slot { state: r.f64s()?, frame: None })).collect::<Result<_, String>>()?;
        (self.last, self.stack) = (last, stack);
        Ok(())
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
    fn capture(&self, env: &KitchenEnv) -> Vec<f64> {
        env.sim().qpos().to_vec()
    }
    fn render_state(&mut self, qpos: &[f64]) -> Result<Vec<u8>, String> {
        self.renderer.render_qpos(qpos).map_err(|e| e.to_string())
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
