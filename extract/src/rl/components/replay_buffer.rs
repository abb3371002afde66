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
//!
//! A buffer made with [`ReplayBuffer::with_features`] also keeps `feature_dim` f32 values beside
//! each observation and next observation: fixed functions of the stored observation that an agent
//! would otherwise recompute for every batch (EXTRACT's frozen prior outputs), set once per
//! transition by [`ReplayBuffer::set_features`] and returned in [`ReplayBatch::features`].

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
    /// The stored features of `obs` and `next_obs` (buffers made with `with_features`).
    pub features: Option<ObsFeatures>,
}

/// Features stored beside a batch's observations: `obs, next_obs: [n, feature_dim]`.
#[derive(Clone, Debug)]
pub struct ObsFeatures {
    pub obs: Tensor,
    pub next_obs: Tensor,
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
            features: self
                .features
                .as_ref()
                .map(|f| ObsFeatures { obs: f.obs.to(device), next_obs: f.next_obs.to(device) }),
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
    /// Restored from a state without features: every filled row's features need setting.
    pub(super) features_missing: bool,
}

impl ReplayBuffer {
    /// An empty buffer for `capacity` transitions. Memory for all of them is reserved up front
    /// (zeroed pages, committed as they are written).
    pub fn new(capacity: usize, layout: ObsLayout, action_dim: usize) -> ReplayBuffer {
        ReplayBuffer::with_features(capacity, layout, action_dim, 0)
    }

    /// An empty buffer that also keeps `feature_dim` features per observation (module doc).
    pub fn with_features(capacity: usize, layout: ObsLayout, action_dim: usize, feature_dim: usize) -> ReplayBuffer {
        assert!(capacity > 0, "ReplayBuffer::new: capacity must be positive");
        ReplayBuffer {
            capacity,
            action_dim,
            obs: ObsStore::new(layout, feature_dim, capacity),
            next_obs: ObsStore::new(layout, feature_dim, capacity),
            action: vec![0.0; capacity * action_dim],
            reward: vec![0.0; capacity],
            done: vec![0.0; capacity],
            cursor: 0,
            len: 0,
            features_missing: false,
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

    /// Features kept per observation (0: none).
    pub fn feature_dim(&self) -> usize {
        self.obs.feature_dim
    }

    /// Whether the buffer was restored from a state without its features (they read as zeros
    /// until [`ReplayBuffer::set_features`] covers every filled row).
    pub fn features_missing(&self) -> bool {
        self.features_missing
    }

    /// Stores `t` in the next ring slot and returns its row (features, if kept, stay zero until
    /// [`ReplayBuffer::set_features`]). Panics if a slice has the wrong length.
    pub fn push(&mut self, t: &Transition) -> usize {
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
        row
    }

    /// Sets the features of the filled `rows` from `obs, next_obs: [rows.len(), feature_dim]`.
    /// Panics on a shape that does not match (a programmer error).
    pub fn set_features(&mut self, rows: &[usize], obs: &Tensor, next_obs: &Tensor) {
        let want = [rows.len(), self.feature_dim()];
        for (t, what) in [(obs, "obs"), (next_obs, "next_obs")] {
            assert!(
                t.shape() == want,
                "ReplayBuffer::set_features: {what} features {:?}, expected {want:?}",
                t.shape()
            );
        }
        let (f, (o, n)) = (want[1], (obs.to_vec(), next_obs.to_vec()));
        for (i, &r) in rows.iter().enumerate() {
            assert!(r < self.len, "ReplayBuffer::set_features: row {r} is not filled (the buffer holds {})", self.len);
            self.obs.write_features(r, &o[i * f..(i + 1) * f]);
            self.next_obs.write_features(r, &n[i * f..(i + 1) * f]);
        }
    }

    /// Sets every filled row's features to `f(observations)` (`[n, obs_dim] -> [n, feature_dim]`,
    /// `chunk` rows at a time), clearing [`ReplayBuffer::features_missing`].
    pub fn recompute_features(&mut self, chunk: usize, f: impl Fn(&Tensor) -> Tensor) {
        let rows: Vec<usize> = (0..self.len).collect();
        for part in rows.chunks(chunk.max(1)) {
            let (obs, next) = (f(&self.obs.gather(part)), f(&self.next_obs.gather(part)));
            self.set_features(part, &obs, &next);
        }
        self.features_missing = false;
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
            features: self
                .obs
                .gather_features(rows)
                .zip(self.next_obs.gather_features(rows))
                .map(|(obs, next_obs)| ObsFeatures { obs, next_obs }),
        }
    }
}
