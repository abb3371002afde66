//! EXTRACT's per-step clustering feature: each frame's embedding minus its trajectory's first frame's
//! ("first_diff"), with step 0 given step 1's feature (the difference at step 0 is always zero).
use std::ops::RangeInclusive;

/// `emb` is `n × dim` row-major; returns the first-difference features in the same layout.
pub fn first_diff(emb: &[f32], dim: usize, trajectories: &[RangeInclusive<usize>]) -> Vec<f32> {
    let mut out = vec![0f32; emb.len()];
    for r in trajectories {
        let (s, e) = (*r.start(), *r.end());
        let first = &emb[s * dim..(s + 1) * dim];
        for t in s..=e {
            for j in 0..dim {
                out[t * dim + j] = emb[t * dim + j] - first[j];
            }
        }
        if e > s {
            out.copy_within((s + 1) * dim..(s + 2) * dim, s * dim);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn differences_from_the_first_frame_with_step_zero_copied() {
        let emb = [1.0, 10.0, 2.0, 12.0, 4.0, 11.0, /* next trajectory */ 5.0, 5.0, 6.0, 7.0];
        let out = super::first_diff(&emb, 2, &[0..=2, 3..=4]);
        assert_eq!(out, [1.0, 2.0, 1.0, 2.0, 3.0, 1.0, 1.0, 2.0, 1.0, 2.0]);
        assert_eq!(super::first_diff(&[3.0, 4.0], 2, &[0..=0]), [0.0, 0.0], "a one-step trajectory");
    }
}
