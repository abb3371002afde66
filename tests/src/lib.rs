//! Shared helpers of the engine's correctness suite: tolerances (all of them, in one place),
//! closeness checks, seeded input generators, panic capture and PyTorch fixture loading.

pub mod fixture;
pub mod gpu;
pub mod operand;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tensor::Tensor;

/// Every tolerance the suite uses. A loose one says why it has to be loose.
pub mod tolerance {
    use autograd::GradcheckOptions;

    /// An element passes when `|actual - expected| <= atol + rtol * |expected|`.
    #[derive(Clone, Copy, Debug)]
    pub struct Tol {
        pub atol: f32,
        pub rtol: f32,
    }

    /// Finite differences in f32 with a step of 1e-3 on O(1) inputs: truncation error is
    /// ~eps^2 * f''' ~ 1e-6 and rounding error ~ulp(y) / eps ~ 1e-4 for outputs of size ~1.
    /// Observed worst mismatch over the table: ~2e-4 absolute (tighter than autograd's default).
    pub const GRADCHECK: GradcheckOptions = GradcheckOptions { eps: 1e-3, atol: 5e-4, rtol: 5e-3 };

    /// Convolutions: each output sums dozens of products, so its f32 rounding (and hence the
    /// central difference) is noisier; observed ~2e-4 absolute on weight gradients of ~0.02.
    pub const GRADCHECK_ACCUMULATING: GradcheckOptions = GradcheckOptions { eps: 1e-3, atol: 1e-3, rtol: 1e-2 };

    /// Forward values against PyTorch, both in f32: only summation order differs. Observed: a
    /// few ulps (<= ~3e-7 relative); the margin leaves room for other kernel orders.
    pub const FIXTURE_FORWARD: Tol = Tol { atol: 1e-6, rtol: 1e-5 };

    /// Gradients against PyTorch autograd: observed within a few ulps as well, one more layer
    /// of sums than the forward.
    pub const FIXTURE_GRAD: Tol = Tol { atol: 2e-6, rtol: 2e-5 };

    /// Same math on a strided view vs a dense copy: only the summation order may differ
    /// (gemm packs strided operands differently).
    pub const STRIDED: Tol = Tol { atol: 1e-5, rtol: 1e-5 };

    /// A parallel f32 sum vs an f64 reference, relative to `sum |x|` (the condition number of a
    /// sum). Laned/chunked f32 accumulation measured ~1e-9 on 2^20 values in [-1, 1] and up to
    /// ~6e-7 on positive ones; missing or doubled chunks are caught exactly by sums of ones.
    pub const PARALLEL_SUM_REL: f64 = 1e-6;

    /// Sample statistics: how many standard errors a mean or frequency may stray (seeded, so a
    /// pass is reproducible; at 5 sigma a correct sampler fails ~1 in 10^6 checks with a new seed).
    pub const SAMPLE_SIGMAS: f64 = 5.0;

    /// Relative rounding error of one conversion: half an ulp of the 11-bit (f16) and 8-bit
    /// (bf16) significands.
    pub const F16_REL: f32 = 1.0 / 2048.0;
    pub const BF16_REL: f32 = 1.0 / 256.0;

    /// GPU vs CPU, elementwise ops: WGSL's exp/log/tanh/pow/sin are the driver's (WGSL allows
    /// a few ulp, more for pow = exp2(y log2 x)), the CPU's are our polynomials or libm.
    /// Observed on lavapipe: <= ~4e-7 relative except pow (~1e-6).
    pub const GPU_ELEMENTWISE: Tol = Tol { atol: 1e-6, rtol: 1e-5 };

    /// GPU vs CPU, sums (reductions, matmul, conv, col2im, batch-norm statistics): the GPU adds
    /// in tree / tile order, the CPU in lanes and blocks; error grows with the summed length.
    /// Sizes up to 65537 terms of O(1) values.
    pub const GPU_SUM: Tol = Tol { atol: 1e-4, rtol: 1e-4 };

    /// GPU vs CPU through a whole training step or backward pass (many kernels, each within
    /// `GPU_SUM`): analytic gradients of the gradcheck table and nn losses.
    pub const GPU_CHAIN: Tol = Tol { atol: 2e-4, rtol: 1e-3 };

    /// GPU f16 compute (`GpuDevice::set_f16_compute`) vs the CPU's f32 matmul: each output within
    /// this fraction of sum_k |a_ik| |b_kj| (inputs rounded to f16, 2^-11 each, and 16-term f16
    /// partial sums; the bound holds for any k because the f32 accumulator adds the partials).
    pub const GPU_F16_MATMUL: f32 = 4e-3;
}

use tolerance::Tol;

/// `Ok` when `actual` and `expected` have the same length and agree within `tol`; otherwise a
/// message naming the worst element.
pub fn check_close(actual: &[f32], expected: &[f32], tol: Tol) -> Result<(), String> {
    if actual.len() != expected.len() {
        return Err(format!("length {} vs expected {}", actual.len(), expected.len()));
    }
    let mut worst: Option<(usize, f32)> = None;
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        let excess = (a - e).abs() - (tol.atol + tol.rtol * e.abs());
        let infinite_mismatch = (a.is_infinite() || e.is_infinite()) && a != e;
        let bad = excess > 0.0 || a.is_nan() != e.is_nan() || infinite_mismatch;
        if bad && worst.is_none_or(|(_, w)| excess > w || excess.is_nan()) {
            worst = Some((i, excess));
        }
    }
    match worst {
        None => Ok(()),
        Some((i, _)) => Err(format!("element {i}: got {} expected {} (tol {tol:?})", actual[i], expected[i])),
    }
}

/// Panics unless `actual` has `expected`'s shape and values within `tol`.
pub fn assert_close(actual: &Tensor, expected: &Tensor, tol: Tol, what: &str) {
    assert_eq!(actual.shape(), expected.shape(), "{what}: shape");
    if let Err(e) = check_close(&actual.to_vec(), &expected.to_vec(), tol) {
        panic!("{what}: {e}");
    }
}

/// A generator seeded from `seed` (every random input in the suite comes from one).
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Uniform values in `[lo, hi)` of `shape`.
pub fn uniform(shape: &[usize], lo: f32, hi: f32, seed: u64) -> Tensor {
    Tensor::rand_uniform(shape, lo, hi, &mut rng(seed))
}

/// Uniform values in `[lo, hi)` at least `margin` away from every point of `kinks` (where an
/// op is not differentiable: 0 for relu/abs, the bounds for clamp).
pub fn uniform_avoiding(shape: &[usize], lo: f32, hi: f32, kinks: &[f32], margin: f32, seed: u64) -> Tensor {
    let mut r = rng(seed);
    let n = shape.iter().product();
    let v = (0..n)
        .map(|_| {
            loop {
                let x = r.random_range(lo..hi);
                if kinks.iter().all(|k| (x - k).abs() >= margin) {
                    break x;
                }
            }
        })
        .collect();
    Tensor::from_vec(v, shape)
}

/// Values `step * i + offset` for random integers `i` in `-7..=7`: two grids with offsets
/// 0 and `step / 2` never tie, so maximum/minimum stay differentiable at every pair.
pub fn grid(shape: &[usize], step: f32, offset: f32, seed: u64) -> Tensor {
    let mut r = rng(seed);
    let n = shape.iter().product();
    Tensor::from_vec((0..n).map(|_| step * r.random_range(-7i32..=7) as f32 + offset).collect(), shape)
}

/// Distinct values (a shuffled grid `0.1 * k`, centred): no ties for max/min/argmax, and
/// neighbours differ by far more than a finite-difference step.
pub fn distinct(shape: &[usize], seed: u64) -> Tensor {
    let n: usize = shape.iter().product();
    let mut v: Vec<f32> = (0..n).map(|k| 0.1 * (k as f32 - n as f32 / 2.0)).collect();
    let mut r = rng(seed);
    for i in (1..n).rev() {
        v.swap(i, r.random_range(0..=i));
    }
    Tensor::from_vec(v, shape)
}

/// Runs `f`, returning its panic message (`None` if it did not panic).
pub fn panic_message<R>(f: impl FnOnce() -> R) -> Option<String> {
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).err()?;
    Some(match err.downcast::<String>() {
        Ok(s) => *s,
        Err(e) => e.downcast::<&str>().map(|s| s.to_string()).unwrap_or_else(|_| "<non-string panic>".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_close_rejects_what_it_should() {
        let tol = Tol { atol: 1e-3, rtol: 0.0 };
        assert!(check_close(&[1.0, 2.0], &[1.0005, 2.0], tol).is_ok());
        assert!(check_close(&[1.0, 2.0], &[1.0, 2.01], tol).unwrap_err().contains("element 1"));
        assert!(check_close(&[f32::NAN], &[0.0], tol).is_err());
        assert!(check_close(&[f32::INFINITY], &[f32::NEG_INFINITY], tol).is_err());
        assert!(check_close(&[1.0], &[f32::INFINITY], tol).is_err());
        assert!(check_close(&[1.0], &[1.0, 2.0], tol).is_err());
    }

    #[test]
    fn uniform_avoiding_keeps_its_margin() {
        let v = uniform_avoiding(&[1000], -1.0, 1.0, &[-0.5, 0.5], 0.1, 1).to_vec();
        assert!(v.iter().all(|x| (x.abs() - 0.5).abs() >= 0.1 && x.abs() <= 1.0));
    }

    #[test]
    fn distinct_values_have_no_ties() {
        let mut v = distinct(&[4, 5], 3).to_vec();
        v.sort_by(f32::total_cmp);
        assert!(v.windows(2).all(|w| w[1] - w[0] > 0.09));
    }

    #[test]
    fn panic_message_captures_formatted_text() {
        assert_eq!(panic_message(|| panic!("x {}", 1)).as_deref(), Some("x 1"));
        assert_eq!(panic_message(|| 3), None);
    }
}
