//! Offline data sets in D4RL's HDF5 schema: the streaming writer our generator uses, and one reader for
//! our files and for real D4RL kitchen files.
//!
//! Layout of a file (N = total steps over all episodes, in episode order):
//!
//! | key | shape, type | meaning |
//! |---|---|---|
//! | `observations` | (N, 60) f32 | what the policy saw (noisy `qpos` ++ goal) |
//! | `actions` | (N, 9) f32 | the action taken after that observation |
//! | `rewards` | (N,) f32 | subtasks credited by that step |
//! | `terminals` | (N,) bool | true on the last step of each episode (D4RL kitchen's convention, which SPiRL/EXTRACT split trajectories on) |
//! | `timeouts` | (N,) bool | true on a last step that came from truncation rather than completion |
//! | `infos/qpos`, `infos/qvel` | (N, 30) / (N, 29) f64 | true simulator state before the action |
//! | `infos/subtask` | (N,) u8 | ground-truth subtask the demonstrator worked on (index into the `subtask_names` attribute, 255 = none); for evaluating clustering only, never read by learners |
//! | `rendered_frames` | (N, S, S, 3) u8 | the state rendered from D4RL's camera; chunked, gzip |
//!
//! The optional keys (`timeouts`, `infos/*`, `rendered_frames`) may be missing from other files; the
//! reader reports a missing required key, a wrong shape or an unreadable file in one line naming both
//! the file and the key.
mod labels;
mod reader;
mod writer;

pub use labels::{read_labels, write_labels};
pub use reader::{D4rlFile, SubtaskLabels};
pub use writer::{D4rlWriter, WriterOptions};

/// `infos/subtask` value of a step on which no subtask was being worked on.
pub const NO_SUBTASK: u8 = 255;

/// The dataset names of the schema.
pub mod keys {
    pub const OBSERVATIONS: &str = "observations";
    pub const ACTIONS: &str = "actions";
    pub const REWARDS: &str = "rewards";
    pub const TERMINALS: &str = "terminals";
    pub const TIMEOUTS: &str = "timeouts";
    pub const QPOS: &str = "infos/qpos";
    pub const QVEL: &str = "infos/qvel";
    pub const SUBTASK: &str = "infos/subtask";
    pub const FRAMES: &str = "rendered_frames";
    /// File attribute: comma-separated subtask names that `infos/subtask` indexes.
    pub const SUBTASK_NAMES: &str = "subtask_names";
}

/// One episode, step-major (`observations[t * obs_dim ..]` is step t), ready to append to a file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Episode {
    pub observations: Vec<f32>,
    pub actions: Vec<f32>,
    pub rewards: Vec<f32>,
    /// The episode ended by truncation (its last step gets `timeouts = true`).
    pub truncated: bool,
    pub qpos: Vec<f64>,
    pub qvel: Vec<f64>,
    /// Ground-truth subtask index per step (`NO_SUBTASK` for none).
    pub subtask: Vec<u8>,
    /// `len · S · S · 3` bytes when the writer renders frames; empty otherwise.
    pub frames: Vec<u8>,
}

impl Episode {
    /// Number of steps.
    pub fn len(&self) -> usize {
        self.rewards.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rewards.is_empty()
    }
}

/// Trajectories of a flat data set as inclusive index ranges, the way SPiRL/EXTRACT split them: the
/// ends are the indices `i ≥ 1` with `terminals[i]` (index 0 is ignored on purpose, as upstream does),
/// plus the last index when it is not already an end.
pub fn trajectory_ranges(terminals: &[bool]) -> Vec<std::ops::RangeInclusive<usize>> {
    let n = terminals.len();
    if n == 0 {
        return Vec::new();
    }
    let mut ends: Vec<usize> = (1..n).filter(|&i| terminals[i]).collect();
    if ends.last() != Some(&(n - 1)) {
        ends.push(n - 1);
    }
    let mut start = 0;
    ends.into_iter()
        .map(|end| {
            let r = start..=end;
            start = end + 1;
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::trajectory_ranges;

    #[test]
    fn trajectories_split_after_terminals_and_ignore_index_zero() {
        let t = |v: &[u8]| v.iter().map(|&b| b == 1).collect::<Vec<_>>();
        assert_eq!(trajectory_ranges(&t(&[0, 0, 1, 0, 1])), vec![0..=2, 3..=4]);
        assert_eq!(trajectory_ranges(&t(&[1, 0, 1, 0, 0])), vec![0..=2, 3..=4]);
        assert_eq!(trajectory_ranges(&t(&[0, 0, 0])), vec![0..=2]);
        assert!(trajectory_ranges(&[]).is_empty());
    }
}
