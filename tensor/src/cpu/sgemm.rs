//! One strided f32 product `dst = a @ b` on the fastest kernel this CPU has, chosen at run time.
//!
//! With AVX-512 the `gemm` crate (built with its `x86-v4` kernels) matches OpenBLAS; without it
//! (AVX2 machines, and VMs that hide AVX-512) `matrixmultiply`'s AVX2/FMA kernel is faster than
//! `gemm`'s (measured by `bench matmul`; see results/bench/SUMMARY.md), so it is used there and
//! parallelised here by splitting the output into row (or column) blocks across rayon workers.
//! `TENSOR_SGEMM=gemm` or `=matrixmultiply` overrides the choice (for benchmarks and tests).

use gemm::Parallelism;
use std::sync::OnceLock;

/// Below this many multiply-adds a product runs on one thread.
pub const PAR_MIN_FLOPS: usize = 1 << 18;

/// A strided matrix operand: element `(i, j)` at `ptr + i * rs + j * cs`.
#[derive(Clone, Copy)]
pub struct Mat {
    pub ptr: *const f32,
    pub rs: isize,
    pub cs: isize,
}

/// The kernel library behind every matmul.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    Gemm,
    MatrixMultiply,
}

impl Kernel {
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Gemm => "gemm",
            Kernel::MatrixMultiply => "matrixmultiply",
        }
    }
}

/// The kernel in use: `TENSOR_SGEMM` if set, else `gemm` on AVX-512 CPUs and `matrixmultiply`
/// elsewhere (decided once per process).
pub fn kernel() -> Kernel {
    static CHOICE: OnceLock<Kernel> = OnceLock::new();
    *CHOICE.get_or_init(|| match std::env::var("TENSOR_SGEMM").as_deref() {
        Ok("gemm") => Kernel::Gemm,
        Ok("matrixmultiply") => Kernel::MatrixMultiply,
        _ if has_avx512f() => Kernel::Gemm,
        _ => Kernel::MatrixMultiply,
    })
}

fn has_avx512f() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::arch::is_x86_feature_detected!("avx512f");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// `dst = a @ b` for an `m x k` times `k x n` product; `dst` element `(i, j)` at
/// `dst + i * drs + j * dcs`. `split` lets a large product use the rayon pool.
///
/// # Safety
/// Every element of `a`, `b` and `dst` addressed by the sizes and strides must be in bounds,
/// and `dst` must not overlap the operands. `dst` may be uninitialised (it is never read).
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm_into(
    dst: *mut f32,
    drs: isize,
    dcs: isize,
    m: usize,
    n: usize,
    k: usize,
    a: Mat,
    b: Mat,
    split: bool,
) {
    let threads = if split && m * n * k >= PAR_MIN_FLOPS { rayon::current_num_threads() } else { 1 };
    // SAFETY: forwarded from the caller.
    unsafe {
        match kernel() {
            Kernel::Gemm => with_gemm(dst, drs, dcs, (m, n, k), a, b, threads),
            Kernel::MatrixMultiply => with_matrixmultiply(dst, drs, dcs, (m, n, k), a, b, threads),
        }
    }
}

/// # Safety
/// As `gemm_into`.
unsafe fn with_gemm(
    dst: *mut f32,
    drs: isize,
    dcs: isize,
    (m, n, k): (usize, usize, usize),
    a: Mat,
    b: Mat,
    threads: usize,
) {
    let par = if threads > 1 { Parallelism::Rayon(threads) } else { Parallelism::None };
    // SAFETY: as the caller's; `read_dst = false` never reads `dst`.
    unsafe {
        gemm::gemm(
            m, n, k, dst, dcs, drs, false, a.ptr, a.cs, a.rs, b.ptr, b.cs, b.rs, 0.0, 1.0, false, false, false, par,
        )
    }
}

/// Raw pointers handed to rayon workers; each worker writes a disjoint block of `dst`.
#[derive(Clone, Copy)]
struct Shared(Mat, Mat, *mut f32);
// SAFETY: the operands are only read, and the blocks of `dst` the workers write are disjoint.
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

impl Shared {
    /// Unpacks by value (a method call makes closures capture the whole `Shared`, not its
    /// non-`Send` fields).
    fn parts(self) -> (Mat, Mat, *mut f32) {
        (self.0, self.1, self.2)
    }
}

/// # Safety
/// As `gemm_into`.
unsafe fn with_matrixmultiply(
    dst: *mut f32,
    drs: isize,
    dcs: isize,
    (m, n, k): (usize, usize, usize),
    a: Mat,
    b: Mat,
    threads: usize,
) {
    // SAFETY: as the caller's; with beta = 0 `dst` is never read.
    let block = |a: Mat, b: Mat, dst: *mut f32, m: usize, n: usize| unsafe {
        matrixmultiply::sgemm(m, k, n, 1.0, a.ptr, a.rs, a.cs, b.ptr, b.rs, b.cs, 0.0, dst, drs, dcs)
    };
    if threads <= 1 {
        return block(a, b, dst, m, n);
    }
    // Blocks of whole 16-row (or 16-column) panels, so every block keeps full micro-kernel tiles.
    let rows = m >= n;
    let len = if rows { m } else { n };
    let step = len.div_ceil(threads).next_multiple_of(16);
    let s = Shared(a, b, dst);
    rayon::scope(|scope| {
        for start in (0..len).step_by(step) {
            let size = step.min(len - start);
            scope.spawn(move |_| {
                let (a, b, dst) = s.parts();
                let o = start as isize;
                // SAFETY: rows (or columns) `start..start + size` of `a` (or `b`) and `dst` are in
                // bounds, and no other block writes them.
                unsafe {
                    if rows {
                        block(Mat { ptr: a.ptr.offset(o * a.rs), ..a }, b, dst.offset(o * drs), size, n)
                    } else {
                        block(a, Mat { ptr: b.ptr.offset(o * b.cs), ..b }, dst.offset(o * dcs), m, size)
                    }
                }
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x_of(s: Shared) -> Mat {
        s.parts().0
    }

    fn y_of(s: Shared) -> Mat {
        s.parts().1
    }

    /// Both kernels, one thread and split across a pool, on a transposed operand, against a
    /// naive product.
    #[test]
    fn kernels_agree_with_naive() {
        let (m, k, n) = (67, 45, 90);
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let bt: Vec<f32> = (0..n * k).map(|i| (i as f32 * 0.11).cos()).collect();
        let am = Mat { ptr: a.as_ptr(), rs: k as isize, cs: 1 };
        let bm = Mat { ptr: bt.as_ptr(), rs: 1, cs: k as isize }; // b = bt^T
        let want: Vec<f32> =
            (0..m * n).map(|ij| (0..k).map(|p| a[(ij / n) * k + p] * bt[(ij % n) * k + p]).sum()).collect();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
        for threads in [1, 3] {
            for wide in [false, true] {
                // `wide` runs the transposed problem so the split goes over columns.
                let (mm, nn) = if wide { (n, m) } else { (m, n) };
                let (x, y) = if wide {
                    (Mat { rs: bm.cs, cs: bm.rs, ..bm }, Mat { rs: am.cs, cs: am.rs, ..am })
                } else {
                    (am, bm)
                };
                let mut out = vec![f32::NAN; m * n];
                let s = Shared(x, y, out.as_mut_ptr());
                let dims = (mm, nn, k);
                // SAFETY: all views are in bounds and `out` holds mm * nn elements.
                pool.install(|| unsafe { with_gemm(s.parts().2, nn as isize, 1, dims, x_of(s), y_of(s), threads) });
                let g = out.clone();
                pool.install(|| unsafe {
                    with_matrixmultiply(s.parts().2, nn as isize, 1, dims, x_of(s), y_of(s), threads)
                });
                for (i, (u, v)) in out.iter().zip(&g).enumerate() {
                    let w = if wide { want[(i % nn) * n + i / nn] } else { want[i] };
                    assert!((u - w).abs() < 1e-4 && (v - w).abs() < 1e-4, "element {i}: {u} / {v} vs {w}");
                }
            }
        }
    }
}
