//! Per-cluster Gaussian log-likelihoods (spec §1.4's auxiliary `logprobs` of `clusters.h5`): a
//! diagonal Gaussian per cluster fitted to the features assigned to it, and each feature's log
//! density under every cluster's Gaussian, averaged over the dimensions. Upstream saves these and
//! never trains on them; we write them for parity.

/// `features`: `n × dim` row-major, `labels`: the cluster of each row (`< k`). Returns `k × n`
/// row-major: entry `(j, i)` is `mean_d log N(x_id; mu_jd, sigma_jd)` with the cluster's mean and
/// population standard deviation (clamped to at least 1e-10, as upstream). A cluster without members
/// gets a row of `-inf`.
pub fn cluster_logprobs(features: &[f32], dim: usize, labels: &[u32], k: usize) -> Vec<f32> {
    let n = labels.len();
    assert_eq!(features.len(), n * dim, "cluster_logprobs: {} values are not {n} rows of {dim}", features.len());
    // Per-cluster sums and sums of squares in f64 (thousands of rows per cluster).
    let (mut count, mut sum, mut sq) = (vec![0usize; k], vec![0f64; k * dim], vec![0f64; k * dim]);
    for (row, &l) in features.chunks_exact(dim).zip(labels) {
        let l = l as usize;
        count[l] += 1;
        for (d, &v) in row.iter().enumerate() {
            sum[l * dim + d] += v as f64;
            sq[l * dim + d] += v as f64 * v as f64;
        }
    }
    let half_log_2pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
    let mut out = vec![f32::NEG_INFINITY; k * n];
    for j in (0..k).filter(|&j| count[j] > 0) {
        let c = count[j] as f64;
        let mean: Vec<f64> = (0..dim).map(|d| sum[j * dim + d] / c).collect();
        let std: Vec<f64> =
            (0..dim).map(|d| (sq[j * dim + d] / c - mean[d] * mean[d]).max(0.0).sqrt().max(1e-10)).collect();
        let log_norm: f64 = std.iter().map(|s| s.ln() + half_log_2pi).sum::<f64>();
        for (i, row) in features.chunks_exact(dim).enumerate() {
            let quad: f64 =
                row.iter().zip(mean.iter().zip(&std)).map(|(&x, (m, s))| ((x as f64 - m) / s).powi(2)).sum();
            out[j * n + i] = (-(0.5 * quad + log_norm) / dim as f64) as f32;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cluster_logprobs;

    /// Against the closed form: cluster 0 = {0, 2} (mean 1, std 1), cluster 1 = {10} (std clamped).
    #[test]
    fn matches_the_gaussian_log_density() {
        let lp = cluster_logprobs(&[0.0, 10.0, 2.0], 1, &[0, 1, 0], 3);
        let log_n =
            |x: f64, m: f64, s: f64| -0.5 * ((x - m) / s).powi(2) - s.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln();
        for (i, x) in [0.0, 10.0, 2.0].into_iter().enumerate() {
            assert!((lp[i] as f64 - log_n(x, 1.0, 1.0)).abs() < 1e-5, "cluster 0, row {i}");
        }
        assert!((lp[3 + 1] as f64 - log_n(10.0, 10.0, 1e-10)).abs() < 1e-3, "a one-member cluster");
        assert!(lp[3] < -1e20, "far from a zero-width cluster");
        assert!(lp[6..].iter().all(|v| *v == f32::NEG_INFINITY), "an empty cluster");
    }
}
