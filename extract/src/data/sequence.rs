//! SPiRL's sequence windows (`D4RLSequenceSplitDataset`, spec §2.4) and BC's single steps: a uniformly
//! random trajectory, a uniformly random start, a fixed window length.

use super::window::Window;
use rand::Rng;
use rand::rngs::StdRng;
use std::ops::{Range, RangeInclusive};

/// Fixed-length windows over whole trajectories.
#[derive(Clone, Debug)]
pub struct SequenceWindows {
    /// `(first step, length)` of every trajectory long enough for one window, in file order.
    pub trajectories: Vec<(usize, usize)>,
    /// Steps per window: `subseq_len` (SPiRL), F + 1 (BC with images), 2 (BC with states).
    len: usize,
    /// Steps before the current frame in an observation (F - 1 with images, 0 with states).
    history: usize,
}

impl SequenceWindows {
    /// Keeps the trajectories with at least `len + 2` steps: upstream draws the start from
    /// `[0, L - len - 1)`, which is empty below that (upstream keeps `L >= len` and would fail).
    pub fn new(trajectories: &[RangeInclusive<usize>], len: usize, history: usize) -> SequenceWindows {
        assert!(len > history + 1, "SequenceWindows: {len} steps leave no target after {history} history steps");
        let trajectories =
            trajectories.iter().map(|r| (*r.start(), r.end() + 1 - r.start())).filter(|&(_, n)| n >= len + 2).collect();
        SequenceWindows { trajectories, len, history }
    }

    /// Number of start offsets of trajectory `traj` (`L - len - 1`).
    pub fn starts(&self, traj: usize) -> usize {
        self.trajectories[traj].1 - self.len - 1
    }

    /// The window `offset` steps into trajectory `traj`: observation = steps s..=s+history, targets =
    /// the actions of steps s+history .. s+len-1 (upstream's `actions[:len-1]` minus the history, i.e.
    /// from the current frame on: 10 targets for both SPiRL variants, 1 for BC).
    pub fn window(&self, traj: usize, offset: usize) -> Window {
        assert!(offset < self.starts(traj), "SequenceWindows::window: offset {offset} of trajectory {traj}");
        let s = self.trajectories[traj].0 + offset;
        let targets: Vec<Option<usize>> = (s + self.history..s + self.len - 1).map(Some).collect();
        Window {
            obs_steps: (s..=s + self.history).collect(),
            progress: vec![0.0; targets.len()],
            targets,
            skill: 0,
            steps: s..s + self.len,
        }
    }

    /// A random window of a uniformly drawn trajectory among `units`.
    pub fn sample(&self, units: Range<usize>, rng: &mut StdRng) -> Window {
        let traj = rng.random_range(units);
        let offset = rng.random_range(0..self.starts(traj));
        self.window(traj, offset)
    }
}
