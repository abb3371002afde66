//! `ReplayBuffer`: upstream's `UniformReplayBuffer` (`rl/components/replay_buffer.py`) as a ring
//! buffer of fixed capacity with uniform sampling with replacement, observations stored compactly
//! (f32 state prefix, u8 image suffix), and a state dict so a checkpoint can hold it.
//!
//! ```text
//! obs = [ state (f32, state_dim) | image (values in [-1, 1], image_dim) ]
//! stored:   state as f32           image as u8 = round((x + 1) / 2 * 255)
//! ```
//! Upstream quantises the whole flat observation (state prefix included); here only the image part
//! is, so the state keeps full precision. Callers see flat f32 observations on both sides: `push`
//! takes slices and `sample` returns tensors, and the storage behind them is private, so a storage
//! that keeps each frame of a frame stack once can replace this one without changing callers.

use super::obs_store::ObsStore;
use rand::Rng;
use tensor::{Device, Tensor};

/// How a flat observation splits into an f32 state part and a quantised image part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObsLayout {
    /// Leading coordinates stored as f32.
    pub state_dim: usize,
    /// Trailing coordinates (flattened image frames in [-1, 1]) stored as u8.
    pub image_dim: usize,
}

impl ObsLayout {
    /// A state-only observation of `dim` f32 coordinates.
    pub fn state(dim: usize) -> ObsLayout {
        ObsLayout { state_dim: dim, image_dim: 0 }
    }

    /// Coordinates of the flat observation.
    pub fn dim(&self) -> usize {
        self.state_dim + self.image_dim
    }
}

/// One environment step, as the sampler hands it to the buffer.
#[derive(Clone, Copy, Debug)]
pub struct Transition<'a> {
    pub obs: &'a [f32],
    /// The action in the policy's space (flat SAC: `[-1, 1]^action_dim`).
    pub action: &'a [f32],
    pub reward: f32,
    pub next_obs: &'a [f32],
    /// Do not bootstrap from `next_obs` (Gymnasium's `terminated`; upstream also sets it on time-outs).
    pub done: bool,
}

/// A sampled batch: `obs, next_obs: [n, obs_dim]`, `action: [n, action_dim]`, `reward, done: [n, 1]`
/// (`done` is 0 or 1).
#[derive(Clone, Debug)]
pub struct ReplayBatch {
    pub obs: Tensor,
    pub action: Tensor,
    pub reward: Tensor,
    pub next_obs: Tensor,
    pub done: Tensor,
}

impl ReplayBatch {
    /// Number of transitions.
    pub fn len(&self) -> usize {
        self.obs.dim(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The same batch on `device`.
    pub fn to(&self, device: &Device) -> ReplayBatch {
        ReplayBatch {
            obs: self.obs.to(device),
            action: self.action.to(device),
            reward: self.reward.to(device),
            next_obs: self.next_obs.to(device),
            done: self.done.to(device),
        }
    }
}

/// Ring buffer of transitions: once full, each `push` overwrites the oldest one.
#[derive(Clone, Debug)]
pub struct ReplayBuffer {
    pub(super) capacity: usize,
    pub(super) action_dim: usize,
    pub(super) obs: ObsStore,
    pub(super) next_obs: ObsStore,
    pub(super) action: Vec<f32>,
    pub(super) reward: Vec<f32>,
    pub(super) done: Vec<f32>,
    /// Row the next `push` writes.
    pub(super) cursor: usize,
    /// Filled rows (`capacity` once the ring has wrapped).
    pub(super) len: usize,
}

impl ReplayBuffer {
    /// An empty buffer for `capacity` transitions. Memory for all of them is reserved up front
    /// (zeroed pages, committed as they are written).
    pub fn new(capacity: usize, layout: ObsLayout, action_dim: usize) -> ReplayBuffer {
        assert!(capacity > 0, "ReplayBuffer::new: capacity must be positive");
        ReplayBuffer {
            capacity,
            action_dim,
            obs: ObsStore::new(layout, capacity),
            next_obs: ObsStore::new(layout, capacity),
            action: vec![0.0; capacity * action_dim],
            reward: vec![0.0; capacity],
            done: vec![0.0; capacity],
            cursor: 0,
            len: 0,
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Transitions held (at most `capacity`).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn layout(&self) -> ObsLayout {
        self.obs.layout
    }

    pub fn action_dim(&self) -> usize {
        self.action_dim
    }

    /// Stores `t` in the next ring slot. Panics if a slice has the wrong length.
    pub fn push(&mut self, t: &Transition) {
        assert!(
            t.action.len() == self.action_dim,
            "ReplayBuffer::push: action has {} values, the buffer stores {}",
            t.action.len(),
            self.action_dim
        );
        let row = self.cursor;
        self.obs.write(row, t.obs, "obs");
        self.next_obs.write(row, t.next_obs, "next_obs");
        self.action[row * self.action_dim..(row + 1) * self.action_dim].copy_from_slice(t.action);
        self.reward[row] = t.reward;
        self.done[row] = if t.done { 1.0 } else { 0.0 };
        self.cursor = (row + 1) % self.capacity;
        self.len = (self.len + 1).min(self.capacity);
    }

    /// `n` row indices drawn uniformly from the filled rows, with replacement.
    pub fn sample_indices<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> Vec<usize> {
        assert!(!self.is_empty(), "ReplayBuffer::sample: the buffer is empty");
        (0..n).map(|_| rng.random_range(0..self.len)).collect()
    }

    /// `n` transitions drawn uniformly with replacement (upstream `UniformReplayBuffer.sample`).
    pub fn sample<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> ReplayBatch {
        self.gather(&self.sample_indices(n, rng))
    }

    /// The transitions at storage rows `rows` (each `< len()`), as a batch.
    pub fn gather(&self, rows: &[usize]) -> ReplayBatch {
        if let Some(bad) = rows.iter().find(|&&r| r >= self.len) {
            panic!("ReplayBuffer::gather: row {bad} is not filled (the buffer holds {})", self.len);
        }
        let n = rows.len();
        let (a, d) = (&self.action, self.action_dim);
        let action: Vec<f32> = rows.iter().flat_map(|&r| a[r * d..(r + 1) * d].iter().copied()).collect();
        let column = |v: &[f32]| Tensor::from_vec(rows.iter().map(|&r| v[r]).collect(), &[n, 1]);
        ReplayBatch {
            obs: self.obs.gather(rows),
            action: Tensor::from_vec(action, &[n, d]),
            reward: column(&self.reward),
            next_obs: self.next_obs.gather(rows),
            done: column(&self.done),
        }
    }
}
