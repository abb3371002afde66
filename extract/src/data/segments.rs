//! EXTRACT's segment windows (`SkillClusterD4RLSequenceSplitDataset`, spec §2.4): cluster-label segments
//! pre-padded with F-1 copies of their first frame, cut into windows of at most `max_subseq_len` steps,
//! with the segment's skill id and a 0 -> 1 progress ramp.
//!
//! Indices: a segment of `L` real steps starting at data step `s` has `P = pad + L` padded steps; padded
//! step `p` shows frame `s + max(p - pad, 0)` and, for `p >= pad`, action `s + p - pad` with progress
//! `(p - pad) / (L - 1)`. Pad steps have no action (zeros) and progress 0, as upstream.

use super::config::DataConfig;
use super::window::Window;
use crate::cluster::{Segment, SegmentRules, segments, skill_progress};
use rand::Rng;
use rand::rngs::StdRng;
use std::ops::{Range, RangeInclusive};

/// Windows over cluster-label segments.
#[derive(Clone, Debug)]
pub struct SegmentWindows {
    /// The segments, in file order.
    pub segments: Vec<Segment>,
    pad: usize,
    history: usize,
    max_len: usize,
    quirk_skill_zero: bool,
    quirk_targets: bool,
}

impl SegmentWindows {
    /// Cuts `labels` into segments (`cluster::segments` with `min_subseq_len` and the merge quirk).
    pub fn new(labels: &[u8], trajectories: &[RangeInclusive<usize>], cfg: &DataConfig) -> SegmentWindows {
        let labels: Vec<u32> = labels.iter().map(|&l| l as u32).collect();
        let rules = SegmentRules {
            min_len: cfg.min_subseq_len,
            merge_across_trajectories: cfg.quirk_merge_across_trajectories,
        };
        SegmentWindows {
            segments: segments(&labels, trajectories, rules),
            pad: cfg.pad_n_steps(),
            history: cfg.history(),
            max_len: cfg.max_subseq_len,
            quirk_skill_zero: cfg.quirk_pad_skill_zero,
            quirk_targets: cfg.quirk_pad_actions_in_targets,
        }
    }

    /// Padded length `P = pad + L` of segment `seg`.
    pub fn padded_len(&self, seg: usize) -> usize {
        self.pad + self.segments[seg].len()
    }

    /// Number of window starts of segment `seg`: 1 when `P <= max_subseq_len`, else `P - max + 1`.
    pub fn starts(&self, seg: usize) -> usize {
        self.padded_len(seg).saturating_sub(self.max_len) + 1
    }

    /// The window of segment `seg` starting at padded step `w0`, `T = min(P - w0, max_subseq_len)` steps:
    /// observation = padded steps w0..w0+F; targets = padded steps from the current frame w0+F-1 (from
    /// w0 under `quirk_pad_actions_in_targets`) to w0+T-1, with their progress; skill = the segment's
    /// label (0 when the window starts in the pad under `quirk_pad_skill_zero`).
    pub fn window(&self, seg: usize, w0: usize) -> Window {
        assert!(w0 < self.starts(seg), "SegmentWindows::window: start {w0} of segment {seg}");
        let Segment { start: s, label, .. } = self.segments[seg];
        let l = self.segments[seg].len();
        let t = (self.padded_len(seg) - w0).min(self.max_len);
        let frame = |p: usize| s + p.saturating_sub(self.pad);
        let first = if self.quirk_targets { w0 } else { w0 + self.history };
        let ramp = skill_progress(l);
        let targets: Vec<Option<usize>> = (first..w0 + t).map(|p| (p >= self.pad).then(|| s + p - self.pad)).collect();
        let progress = (first..w0 + t).map(|p| if p < self.pad { 0.0 } else { ramp[p - self.pad] }).collect();
        let skill = if self.quirk_skill_zero && w0 < self.pad { 0 } else { label };
        Window {
            obs_steps: (w0..=w0 + self.history).map(frame).collect(),
            targets,
            progress,
            skill,
            steps: frame(w0)..s + (w0 + t - self.pad),
        }
    }

    /// A window of a uniformly drawn segment among `units`, at a uniform start when it is too long.
    pub fn sample(&self, units: Range<usize>, rng: &mut StdRng) -> Window {
        let seg = rng.random_range(units);
        let w0 = rng.random_range(0..self.starts(seg));
        self.window(seg, w0)
    }
}
