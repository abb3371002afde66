//! How well labels agree with a ground truth (adjusted Rand index, normalised mutual information) and
//! how well features separate into their clusters (silhouette), with scikit-learn's definitions.
use std::collections::HashMap;

/// Counts per label.
type Counts = HashMap<u32, f64>;

/// Contingency counts of two labelings: (joint counts, row sums, column sums).
fn contingency(a: &[u32], b: &[u32]) -> (HashMap<(u32, u32), f64>, Counts, Counts) {
    let (mut joint, mut rows, mut cols) = (HashMap::new(), HashMap::new(), HashMap::new());
    for (&x, &y) in a.iter().zip(b) {
        *joint.entry((x, y)).or_insert(0.0) += 1.0;
        *rows.entry(x).or_insert(0.0) += 1.0;
        *cols.entry(y).or_insert(0.0) += 1.0;
    }
    (joint, rows, cols)
}

fn check(a: &[u32], b: &[u32]) -> Result<(), String> {
    if a.len() != b.len() {
        return Err(format!("agreement: {} labels against {} ground-truth labels", b.len(), a.len()));
    }
    Ok(())
}

/// Adjusted Rand index (1 = identical partitions, ≈ 0 = chance).
pub fn adjusted_rand_index(truth: &[u32], pred: &[u32]) -> Result<f64, String> {
    check(truth, pred)?;
    let n = truth.len() as f64;
    let (joint, rows, cols) = contingency(truth, pred);
    // scikit-learn's special cases: one cluster each, or every point its own cluster.
    if (rows.len() == cols.len()) && (rows.len() <= 1 || rows.len() as f64 == n) {
        return Ok(1.0);
    }
    let c2 = |x: f64| x * (x - 1.0) / 2.0;
    let index: f64 = joint.values().map(|&v| c2(v)).sum();
    let (sa, sb): (f64, f64) = (rows.values().map(|&v| c2(v)).sum(), cols.values().map(|&v| c2(v)).sum());
    let expected = sa * sb / c2(n);
    let max = (sa + sb) / 2.0;
    Ok(if max == expected { 0.0 } else { (index - expected) / (max - expected) })
}

fn entropy(counts: &Counts, n: f64) -> f64 {
    counts.values().map(|&c| -(c / n) * (c / n).ln()).sum()
}

/// Normalised mutual information with the arithmetic mean of the two entropies (scikit-learn's default).
pub fn normalized_mutual_info(truth: &[u32], pred: &[u32]) -> Result<f64, String> {
    check(truth, pred)?;
    let n = truth.len() as f64;
    let (joint, rows, cols) = contingency(truth, pred);
    if rows.len() == cols.len() && rows.len() <= 1 {
        return Ok(1.0);
    }
    let mi: f64 = joint.iter().map(|(&(x, y), &v)| (v / n) * ((v * n) / (rows[&x] * cols[&y])).ln()).sum();
    if mi <= 0.0 {
        return Ok(0.0);
    }
    let norm = (entropy(&rows, n) + entropy(&cols, n)) / 2.0;
    Ok(mi / norm)
}

/// Mean silhouette coefficient of `labels` over the `n × dim` features `x`, Euclidean distance
/// (points alone in their cluster score 0). O(n² dim): subsample large sets before calling.
pub fn silhouette(x: &[f32], dim: usize, labels: &[u32]) -> Result<f64, String> {
    let n = labels.len();
    if dim == 0 || x.len() != n * dim {
        return Err(format!("silhouette: {} values for {n} labels of {dim} features", x.len()));
    }
    let k = labels.iter().copied().max().map_or(0, |m| m as usize + 1);
    let mut sizes = vec![0usize; k];
    labels.iter().for_each(|&l| sizes[l as usize] += 1);
    if sizes.iter().filter(|&&s| s > 0).count() < 2 {
        return Err("silhouette: needs at least 2 non-empty clusters".into());
    }
    let row = |i: usize| &x[i * dim..(i + 1) * dim];
    let mut total = 0.0;
    let mut sums = vec![0f64; k];
    for i in 0..n {
        sums.iter_mut().for_each(|s| *s = 0.0);
        for j in 0..n {
            let d: f32 = row(i).iter().zip(row(j)).map(|(a, b)| (a - b) * (a - b)).sum();
            sums[labels[j] as usize] += (d as f64).sqrt();
        }
        let own = labels[i] as usize;
        if sizes[own] <= 1 {
            continue;
        }
        let a = sums[own] / (sizes[own] - 1) as f64;
        let b =
            (0..k).filter(|&c| c != own && sizes[c] > 0).map(|c| sums[c] / sizes[c] as f64).fold(f64::MAX, f64::min);
        total += (b - a) / a.max(b);
    }
    Ok(total / n as f64)
}
