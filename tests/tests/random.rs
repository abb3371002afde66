//! Seeded random tensors: reproducible from the seed, and with the right distribution (uniform
//! range and mean, normal mean/std/1-sigma mass, categorical frequencies) on 1e5 samples.

use tensor::Tensor;
use tests::rng;
use tests::tolerance::SAMPLE_SIGMAS;

const N: usize = 100_000;

/// Sample mean and (biased) standard deviation in f64.
fn moments(v: &[f32]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// Panics unless `got` is within `SAMPLE_SIGMAS` standard errors of `want`.
fn within_sigmas(what: &str, got: f64, want: f64, std_err: f64) {
    assert!((got - want).abs() <= SAMPLE_SIGMAS * std_err, "{what}: {got} vs {want} (std err {std_err})");
}

#[test]
fn same_seed_same_samples_different_seed_different() {
    let probs = Tensor::from_slice(&[1.0, 2.0, 3.0], &[1, 3]).broadcast_to(&[50, 3]);
    let draw = |seed| {
        let mut r = rng(seed);
        let u = Tensor::rand_uniform(&[100], -1.0, 1.0, &mut r).to_vec();
        let z = Tensor::randn(&[100], 0.0, 1.0, &mut r).to_vec();
        let c = Tensor::categorical(&probs, &mut r).to_vec();
        (u, z, c)
    };
    assert_eq!(draw(7), draw(7));
    let (a, b) = (draw(7), draw(8));
    assert_ne!(a.0, b.0);
    assert_ne!(a.1, b.1);
    assert_ne!(a.2, b.2);
}

#[test]
fn uniform_stays_in_range_with_the_right_mean() {
    let (lo, hi) = (-3.0f32, 5.0f32);
    let v = Tensor::rand_uniform(&[N], lo, hi, &mut rng(1)).to_vec();
    assert!(v.iter().all(|&x| (lo..hi).contains(&x)), "a sample left [lo, hi)");
    let (mean, std) = moments(&v);
    let width = (hi - lo) as f64;
    within_sigmas("uniform mean", mean, (lo + hi) as f64 / 2.0, width / (12.0 * N as f64).sqrt());
    assert!((std - width / 12f64.sqrt()).abs() < 0.01 * width, "uniform std {std}");
    // The whole range is used: extremes within 0.1% of the width of the bounds.
    let (min, max) = v.iter().fold((f32::MAX, f32::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    assert!(min - lo < 0.001 * (hi - lo) && hi - max < 0.001 * (hi - lo), "range [{min}, {max}]");
}

#[test]
fn normal_has_the_requested_mean_and_std() {
    let (mu, sigma) = (2.0f64, 3.0f64);
    let v = Tensor::randn(&[N], mu as f32, sigma as f32, &mut rng(2)).to_vec();
    let (mean, std) = moments(&v);
    let n = N as f64;
    within_sigmas("normal mean", mean, mu, sigma / n.sqrt());
    // Standard error of the sample std of a normal is sigma / sqrt(2n).
    within_sigmas("normal std", std, sigma, sigma / (2.0 * n).sqrt());
    // Shape, not just moments: P(|z| < 1) = 0.6827.
    let inside = v.iter().filter(|&&x| ((x as f64 - mu) / sigma).abs() < 1.0).count() as f64 / n;
    within_sigmas("1-sigma mass", inside, 0.682_689, (0.6827 * 0.3173 / n).sqrt());
}

#[test]
fn categorical_frequencies_follow_the_weights() {
    // Unnormalised weights; the zero-weight class must never be drawn.
    let w = [1.0f32, 2.0, 3.0, 4.0, 0.0];
    let probs = Tensor::from_slice(&w, &[1, 5]).broadcast_to(&[N, 5]);
    let draws = Tensor::categorical(&probs, &mut rng(3));
    assert_eq!(draws.shape(), &[N]);
    let mut counts = [0usize; 5];
    for d in draws.to_vec() {
        counts[d as usize] += 1;
    }
    assert_eq!(counts[4], 0, "zero-weight class drawn");
    let n = N as f64;
    for (k, &c) in counts.iter().enumerate().take(4) {
        let p = w[k] as f64 / 10.0;
        within_sigmas(&format!("class {k} frequency"), c as f64 / n, p, (p * (1.0 - p) / n).sqrt());
    }
}

#[test]
fn categorical_rows_are_independent_distributions() {
    // Row i puts all mass on class i: every draw is determined; leading dims are kept.
    let probs = Tensor::eye(4).reshape(&[2, 2, 4]);
    let draws = Tensor::categorical(&probs, &mut rng(4));
    assert_eq!(draws.shape(), &[2, 2]);
    assert_eq!(draws.to_vec(), vec![0.0, 1.0, 2.0, 3.0]);
    // A transposed (strided) probability view is read in its own row order.
    let p = Tensor::from_slice(&[1.0, 0.0, 0.0, 1.0, 0.0, 0.0], &[3, 2]).t(); // rows [1,0,0], [0,1,0]
    assert_eq!(Tensor::categorical(&p, &mut rng(5)).to_vec(), vec![0.0, 1.0]);
}
