//! Variable-length action plans: EXTRACT's rule for where a decoded skill ends.

use tensor::Tensor;

/// Cuts each decoded skill at its predicted end: `decoded: [b, S, A + 1]` (actions, then progress)
/// -> one `[n_i, A]` plan per row, `n_i = 1 + ` the first step whose progress `>= threshold`, or `S`
/// when no step reaches it (upstream `ClusterSkillPriorMdl.run`).
pub fn cut_at_progress(decoded: &Tensor, threshold: f32) -> Vec<Tensor> {
    assert!(
        decoded.rank() == 3 && decoded.shape()[2] >= 2,
        "cut_at_progress: expected [b, steps, A + 1] with A >= 1, got {:?}",
        decoded.shape()
    );
    let (b, s, w) = (decoded.shape()[0], decoded.shape()[1], decoded.shape()[2]);
    let values = decoded.to_vec();
    (0..b)
        .map(|i| {
            let row = &values[i * s * w..(i + 1) * s * w];
            let n = row.chunks(w).position(|step| step[w - 1] >= threshold).map_or(s, |t| t + 1);
            let actions: Vec<f32> = row.chunks(w).take(n).flat_map(|step| step[..w - 1].iter().copied()).collect();
            Tensor::from_vec(actions, &[n, w - 1])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two rows of 3 steps, A = 1: `[action, progress]` per step.
    fn decoded(progress: [[f32; 3]; 2]) -> Tensor {
        let v: Vec<f32> =
            (0..2).flat_map(|i| (0..3).flat_map(move |t| [(10 * i + t) as f32, progress[i][t]])).collect();
        Tensor::from_vec(v, &[2, 3, 2])
    }

    #[test]
    fn plan_ends_at_the_first_step_reaching_the_threshold_inclusive() {
        let plans = cut_at_progress(&decoded([[0.2, 1.0, 1.5], [0.1, 0.5, 0.99]]), 1.0);
        assert_eq!(plans[0].shape(), [2, 1]);
        assert_eq!(plans[0].to_vec(), vec![0.0, 1.0]);
        // No step reaches 1.0: the whole decoded sequence is executed.
        assert_eq!(plans[1].to_vec(), vec![10.0, 11.0, 12.0]);
    }

    #[test]
    fn first_step_can_end_the_plan() {
        let plans = cut_at_progress(&decoded([[1.2, 0.0, 2.0], [0.0, 0.0, 0.0]]), 0.99);
        assert_eq!(plans[0].to_vec(), vec![0.0]);
        assert_eq!(plans[1].shape(), [3, 1]);
    }
}
