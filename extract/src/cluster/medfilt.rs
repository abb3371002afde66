//! Median filter of label sequences, per trajectory (EXTRACT: `scipy.signal.medfilt(labels, 7)`).
use std::ops::RangeInclusive;

/// What the window sees past the ends of a sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Padding {
    /// Zeros, like `scipy.signal.medfilt` (upstream): the first and last `window / 2` labels are
    /// biased toward label 0.
    #[default]
    Zeros,
    /// Copies of the first / last label.
    Edge,
}

/// The median of each length-`window` neighbourhood of `labels` (odd `window`; 1 returns the input).
pub fn median_filter(labels: &[u32], window: usize, padding: Padding) -> Result<Vec<u32>, String> {
    if window.is_multiple_of(2) {
        return Err(format!("median filter: the window must be odd, got {window}"));
    }
    let (half, n) = (window / 2, labels.len() as isize);
    let mut buf = Vec::with_capacity(window);
    Ok((0..n)
        .map(|i| {
            buf.clear();
            buf.extend((i - half as isize..=i + half as isize).map(|j| match (j, padding) {
                (j, _) if (0..n).contains(&j) => labels[j as usize],
                (_, Padding::Zeros) => 0,
                (j, Padding::Edge) => labels[j.clamp(0, n - 1) as usize],
            }));
            buf.sort_unstable();
            buf[half]
        })
        .collect())
}

/// Filters each trajectory of `labels` on its own (no window crosses a trajectory boundary).
pub fn filter_trajectories(
    labels: &[u32],
    trajectories: &[RangeInclusive<usize>],
    window: usize,
    padding: Padding,
) -> Result<Vec<u32>, String> {
    let mut out = Vec::with_capacity(labels.len());
    for r in trajectories {
        out.extend(median_filter(&labels[r.clone()], window, padding)?);
    }
    if out.len() != labels.len() {
        return Err(format!("median filter: trajectories cover {} of {} labels", out.len(), labels.len()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_with_zeros_or_edges() {
        // Windows over [4, 4, 4] with 7: two of the three true values, four or five zeros.
        assert_eq!(median_filter(&[4, 4, 4], 7, Padding::Zeros).unwrap(), [0, 0, 0]);
        assert_eq!(median_filter(&[4, 4, 4], 7, Padding::Edge).unwrap(), [4, 4, 4]);
        assert_eq!(median_filter(&[5, 1, 5, 5, 2, 5], 3, Padding::Edge).unwrap(), [5, 5, 5, 5, 5, 5]);
        assert_eq!(median_filter(&[5, 1, 5], 1, Padding::Zeros).unwrap(), [5, 1, 5]);
        assert!(median_filter(&[1], 4, Padding::Zeros).is_err());
        // Unsplit, the last window would be [2, 1, 0] -> 1; alone, the one-step trajectory sees [0, 1, 0].
        let out = filter_trajectories(&[2, 2, 2, 1], &[0..=2, 3..=3], 3, Padding::Zeros).unwrap();
        assert_eq!(out, [2, 2, 2, 0], "no window crosses a trajectory boundary");
    }
}
