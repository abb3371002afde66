//! K-means on row-major `f32` features: k-means++ seeding, full (Lloyd) iterations, and the mini-batch
//! variant EXTRACT clusters with (scikit-learn's `MiniBatchKMeans` defaults: batch 1024, 100 epochs,
//! early stop after 10 mini-batches without improvement of the smoothed inertia). Seeded, deterministic.
use rand::{Rng, SeedableRng, rngs::StdRng};

/// Which K-means and its settings.
#[derive(Clone, Debug, PartialEq)]
pub struct KMeansConfig {
    pub k: usize,
    /// Mini-batch size; `None` runs full K-means (every point in every iteration).
    pub batch_size: Option<usize>,
    /// Full K-means: iterations; mini-batch: passes over the data.
    pub max_iter: usize,
    /// Mini-batch: stop after this many batches without a better smoothed inertia.
    pub max_no_improvement: usize,
    pub seed: u64,
}

impl KMeansConfig {
    /// scikit-learn's `MiniBatchKMeans(n_clusters=k)` defaults (≥ 1.4), as EXTRACT uses it.
    pub fn mini_batch(k: usize, seed: u64) -> Self {
        KMeansConfig { k, batch_size: Some(1024), max_iter: 100, max_no_improvement: 10, seed }
    }

    /// Full K-means (scikit-learn's `KMeans` limits: 300 iterations).
    pub fn full(k: usize, seed: u64) -> Self {
        KMeansConfig { k, batch_size: None, max_iter: 300, max_no_improvement: 0, seed }
    }
}

/// Fitted cluster centres (`k × dim`, row-major).
#[derive(Clone, Debug, PartialEq)]
pub struct KMeans {
    pub centers: Vec<f32>,
    pub k: usize,
    pub dim: usize,
    /// Sum of squared distances of the training points to their centres.
    pub inertia: f64,
    /// Iterations (full) or mini-batch steps run.
    pub steps: usize,
}

fn sq_dist(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

impl KMeans {
    /// Fits `cfg.k` centres to the `n × dim` points `x`. Errors (one line) when the shapes do not fit or
    /// there are fewer points than clusters.
    pub fn fit(x: &[f32], dim: usize, cfg: &KMeansConfig) -> Result<KMeans, String> {
        if dim == 0 || !x.len().is_multiple_of(dim) {
            return Err(format!("k-means: {} values are not rows of {dim} features", x.len()));
        }
        let n = x.len() / dim;
        if cfg.k == 0 || cfg.k > n {
            return Err(format!("k-means: k = {} clusters need at least k points, got {n}", cfg.k));
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err("k-means: the features contain NaN or infinite values".into());
        }
        let mut rng = StdRng::seed_from_u64(cfg.seed);
        let mut km = match cfg.batch_size {
            None => {
                let centers = kmeans_plus_plus(x, dim, n, cfg.k, &mut rng);
                let mut km = KMeans { centers, k: cfg.k, dim, inertia: 0.0, steps: 0 };
                km.lloyd(x, cfg.max_iter);
                km
            }
            Some(b) => {
                // Seeding on a random subset of 3 batches, as scikit-learn's `init_size` default.
                let init_n = (3 * b).max(3 * cfg.k).min(n);
                let subset: Vec<f32> = sample_rows(n, init_n, &mut rng).flat_map(|i| row(x, dim, i).to_vec()).collect();
                let centers = kmeans_plus_plus(&subset, dim, init_n, cfg.k, &mut rng);
                let mut km = KMeans { centers, k: cfg.k, dim, inertia: 0.0, steps: 0 };
                km.mini_batch(x, b.max(1), cfg, &mut rng);
                km
            }
        };
        km.inertia = km.predict_with_distance(x).1;
        Ok(km)
    }

    /// Nearest centre of every row of `x` (ties: the lowest index).
    pub fn predict(&self, x: &[f32]) -> Vec<u32> {
        self.predict_with_distance(x).0
    }

    fn nearest(&self, p: &[f32]) -> (u32, f32) {
        let mut best = (0, f32::INFINITY);
        for c in 0..self.k {
            let d = sq_dist(p, &self.centers[c * self.dim..(c + 1) * self.dim]);
            if d < best.1 {
                best = (c as u32, d);
            }
        }
        best
    }

    /// Labels and inertia (sum of squared distances) of `x`.
    pub fn predict_with_distance(&self, x: &[f32]) -> (Vec<u32>, f64) {
        let mut inertia = 0.0;
        let labels = x
            .chunks_exact(self.dim)
            .map(|p| {
                let (l, d) = self.nearest(p);
                inertia += d as f64;
                l
            })
            .collect();
        (labels, inertia)
    }

    /// Lloyd iterations until no label changes (an empty cluster keeps its centre).
    fn lloyd(&mut self, x: &[f32], max_iter: usize) {
        let mut labels: Vec<u32> = vec![u32::MAX; x.len() / self.dim];
        for it in 0..max_iter {
            let new = self.predict(x);
            self.steps = it + 1;
            if new == labels {
                break;
            }
            labels = new;
            let mut sums = vec![0f64; self.k * self.dim];
            let mut counts = vec![0usize; self.k];
            for (p, &l) in x.chunks_exact(self.dim).zip(&labels) {
                counts[l as usize] += 1;
                for (s, v) in sums[l as usize * self.dim..][..self.dim].iter_mut().zip(p) {
                    *s += *v as f64;
                }
            }
            for c in (0..self.k).filter(|&c| counts[c] > 0) {
                for j in 0..self.dim {
                    self.centers[c * self.dim + j] = (sums[c * self.dim + j] / counts[c] as f64) as f32;
                }
            }
        }
    }

    /// Mini-batch updates: each centre moves toward its batch points with step 1 / (points seen so far).
    fn mini_batch(&mut self, x: &[f32], b: usize, cfg: &KMeansConfig, rng: &mut StdRng) {
        let n = x.len() / self.dim;
        let b = b.min(n);
        let steps = (cfg.max_iter * n).div_ceil(b);
        let mut counts = vec![0f64; self.k];
        let (mut ewa, mut best, mut stale) = (None::<f64>, f64::INFINITY, 0);
        let alpha = (2.0 * b as f64 / (n as f64 + 1.0)).min(1.0);
        for step in 0..steps {
            self.steps = step + 1;
            let batch: Vec<usize> = (0..b).map(|_| rng.random_range(0..n)).collect();
            let mut inertia = 0.0;
            let assigned: Vec<u32> = batch
                .iter()
                .map(|&i| {
                    let (l, d) = self.nearest(row(x, self.dim, i));
                    inertia += d as f64;
                    l
                })
                .collect();
            let mut sums = vec![0f64; self.k * self.dim];
            let mut batch_counts = vec![0f64; self.k];
            for (&i, &l) in batch.iter().zip(&assigned) {
                batch_counts[l as usize] += 1.0;
                for (s, v) in sums[l as usize * self.dim..][..self.dim].iter_mut().zip(row(x, self.dim, i)) {
                    *s += *v as f64;
                }
            }
            for c in (0..self.k).filter(|&c| batch_counts[c] > 0.0) {
                let total = counts[c] + batch_counts[c];
                for j in 0..self.dim {
                    let old = self.centers[c * self.dim + j] as f64;
                    self.centers[c * self.dim + j] = ((old * counts[c] + sums[c * self.dim + j]) / total) as f32;
                }
                counts[c] = total;
            }
            // Early stop on the exponentially smoothed batch inertia, as scikit-learn does.
            let batch_inertia = inertia / b as f64;
            let smoothed = ewa.map_or(batch_inertia, |e| e * (1.0 - alpha) + batch_inertia * alpha);
            ewa = Some(smoothed);
            if smoothed < best {
                (best, stale) = (smoothed, 0);
            } else {
                stale += 1;
                if cfg.max_no_improvement > 0 && stale >= cfg.max_no_improvement {
                    break;
                }
            }
        }
    }
}

fn row(x: &[f32], dim: usize, i: usize) -> &[f32] {
    &x[i * dim..(i + 1) * dim]
}

/// `m` distinct row indices out of `n`, in random order.
fn sample_rows(n: usize, m: usize, rng: &mut StdRng) -> impl Iterator<Item = usize> {
    rand::seq::index::sample(rng, n, m).into_iter()
}

/// Greedy k-means++ (2 + ln k candidates per new centre, keeping the one that lowers the potential most).
fn kmeans_plus_plus(x: &[f32], dim: usize, n: usize, k: usize, rng: &mut StdRng) -> Vec<f32> {
    let trials = 2 + (k as f64).ln() as usize;
    let first = rng.random_range(0..n);
    let mut centers = row(x, dim, first).to_vec();
    let mut closest: Vec<f32> = (0..n).map(|i| sq_dist(row(x, dim, i), row(x, dim, first))).collect();
    while centers.len() < k * dim {
        let potential: f64 = closest.iter().map(|&d| d as f64).sum();
        let mut best: Option<(f64, usize, Vec<f32>)> = None;
        for _ in 0..trials {
            // Draw a point with probability proportional to its squared distance (uniform if all are 0).
            let cand = if potential > 0.0 {
                let mut r = rng.random::<f64>() * potential;
                closest
                    .iter()
                    .position(|&d| {
                        r -= d as f64;
                        r <= 0.0
                    })
                    .unwrap_or(n - 1)
            } else {
                rng.random_range(0..n)
            };
            let d: Vec<f32> = (0..n).map(|i| closest[i].min(sq_dist(row(x, dim, i), row(x, dim, cand)))).collect();
            let pot: f64 = d.iter().map(|&v| v as f64).sum();
            if best.as_ref().is_none_or(|b| pot < b.0) {
                best = Some((pot, cand, d));
            }
        }
        let (_, cand, d) = best.expect("at least two trials");
        centers.extend_from_slice(row(x, dim, cand));
        closest = d;
    }
    centers
}
