//! Skill segments from per-step labels: maximal runs of one label inside a trajectory, with a 0 → 1
//! progress ramp, and EXTRACT's minimum segment length.
//!
//! Upstream (the `merge_across_trajectories` switch) skips a too-short run *without advancing its
//! start*, so it is merged into whatever follows — across a trajectory end too — and the merged
//! segment is labelled by its first step. By default we merge short runs only within a trajectory
//! (into the following run, or the preceding one at the trajectory's end), label a merged segment by
//! the label covering most of its steps, and drop trajectories shorter than the minimum.
use std::ops::RangeInclusive;

/// One skill segment: steps `start..=end` of the flat data set, executing skill `label`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub start: usize,
    pub end: usize,
    pub label: u32,
}

impl Segment {
    pub fn len(&self) -> usize {
        self.end + 1 - self.start
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// `linspace(0, 1, len)`: progress of each step through the skill (a 1-step segment is `[1.0]`).
    pub fn progress(&self) -> Vec<f32> {
        skill_progress(self.len())
    }
}

/// `linspace(0, 1, len)`, and `[1.0]` for a single step.
pub fn skill_progress(len: usize) -> Vec<f32> {
    match len {
        0 => vec![],
        1 => vec![1.0],
        _ => (0..len).map(|i| i as f32 / (len - 1) as f32).collect(),
    }
}

/// How segments are cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentRules {
    /// Runs shorter than this are merged (kitchen 9 = 5 + 4 input frames; LIBERO 7).
    pub min_len: usize,
    /// Upstream's quirk: merge short runs forward even across trajectory ends, label = first step.
    pub merge_across_trajectories: bool,
}

impl Default for SegmentRules {
    fn default() -> Self {
        SegmentRules { min_len: 9, merge_across_trajectories: false }
    }
}

/// Maximal runs of equal labels within each trajectory, as (start, end) inclusive.
fn runs(labels: &[u32], trajectories: &[RangeInclusive<usize>]) -> Vec<(usize, usize, bool)> {
    let mut out = Vec::new();
    for r in trajectories {
        let mut start = *r.start();
        for i in r.clone() {
            let traj_end = i == *r.end();
            if traj_end || labels[i + 1] != labels[i] {
                out.push((start, i, traj_end));
                start = i + 1;
            }
        }
    }
    out
}

/// The label covering most steps of `start..=end` (ties: the earliest such run's label).
fn majority(labels: &[u32], start: usize, end: usize) -> u32 {
    let mut counts: Vec<(u32, usize)> = Vec::new();
    for &l in &labels[start..=end] {
        match counts.iter_mut().find(|(k, _)| *k == l) {
            Some((_, c)) => *c += 1,
            None => counts.push((l, 1)),
        }
    }
    let best = counts.iter().map(|c| c.1).max().unwrap_or(0);
    counts.iter().find(|c| c.1 == best).map_or(0, |c| c.0)
}

/// Cuts `labels` (one per step) into segments under `rules`; `trajectories` must cover the labels.
pub fn segments(labels: &[u32], trajectories: &[RangeInclusive<usize>], rules: SegmentRules) -> Vec<Segment> {
    let runs = runs(labels, trajectories);
    let mut out = Vec::new();
    if rules.merge_across_trajectories {
        // Upstream: walk the boundaries; a short candidate keeps its start and grows into the next.
        let mut start = 0;
        for &(_, end, _) in &runs {
            if end + 1 - start < rules.min_len {
                continue;
            }
            out.push(Segment { start, end, label: labels[start] });
            start = end + 1;
        }
        return out;
    }
    let mut pending: Option<usize> = None; // start of a short run waiting to be merged forward
    let mut traj_first = out.len();
    for &(s, e, traj_end) in &runs {
        let start = pending.take().unwrap_or(s);
        if e + 1 - start >= rules.min_len {
            out.push(Segment { start, end: e, label: majority(labels, start, e) });
        } else if traj_end {
            // A short tail joins the trajectory's last segment; a trajectory with none is dropped.
            if out.len() > traj_first {
                let last = out.last_mut().expect("checked non-empty");
                last.end = e;
                last.label = majority(labels, last.start, e);
            }
        } else {
            pending = Some(start);
        }
        if traj_end {
            traj_first = out.len();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: usize, end: usize, label: u32) -> Segment {
        Segment { start, end, label }
    }

    #[test]
    fn progress_ramps_from_zero_to_one() {
        assert_eq!(skill_progress(1), [1.0]);
        assert_eq!(skill_progress(3), [0.0, 0.5, 1.0]);
        assert_eq!(seg(4, 8, 0).progress(), [0.0, 0.25, 0.5, 0.75, 1.0]);
    }

    #[test]
    fn runs_split_at_label_changes_and_trajectory_ends() {
        let labels = [1, 1, 1, 2, 2, 2, 2, 2, 2];
        let rules = SegmentRules { min_len: 1, merge_across_trajectories: false };
        assert_eq!(segments(&labels, &[0..=4, 5..=8], rules), [seg(0, 2, 1), seg(3, 4, 2), seg(5, 8, 2)]);
    }

    #[test]
    fn short_runs_merge_forward_within_a_trajectory() {
        // trajectory A: 2×7 (short), 5×3 ; trajectory B: 9×2 (short, alone) ; trajectory C: 4×4, 6×1 (short tail)
        let labels = [7, 7, 5, 5, 5, 9, 9, 4, 4, 4, 4, 6];
        let trajectories = [0..=4, 5..=6, 7..=11];
        let rules = SegmentRules { min_len: 3, merge_across_trajectories: false };
        assert_eq!(
            segments(&labels, &trajectories, rules),
            [seg(0, 4, 5), seg(7, 11, 4)],
            "A: the 7-run joins the 5-run (majority 5); B is dropped; C's short tail joins its last segment"
        );
    }

    #[test]
    fn upstream_quirk_merges_across_trajectories_and_labels_by_first_step() {
        let labels = [7, 7, 5, 5, 5, 9, 9, 4, 4, 4, 4, 6];
        let trajectories = [0..=4, 5..=6, 7..=11];
        let rules = SegmentRules { min_len: 3, merge_across_trajectories: true };
        // Candidates: [0,1] short -> grows to [0,4] (label 7 from its first step); [5,6] short -> grows
        // into [5,10] across the trajectory end (label 9); [11] short at the very end is lost.
        assert_eq!(segments(&labels, &trajectories, rules), [seg(0, 4, 7), seg(5, 10, 9)]);
    }
}
