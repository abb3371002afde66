//! Batched matrix multiply on strided views, through the `gemm` crate's packed micro-kernels.
//!
//! `gemm` packs its operands itself and accepts any row/column strides, so transposed views
//! multiply without a copy. It picks AVX-512, AVX2/FMA or scalar kernels at run time, so one
//! binary runs on any x86-64. Small batched products run one matrix per rayon task; one big
//! product lets `gemm` split its own loops across threads.

use crate::layout::Layout;
use gemm::Parallelism;
use rayon::prelude::*;

/// Below this many multiply-adds a single product runs on one thread.
const PAR_MIN_FLOPS: usize = 1 << 18;

/// `a: [..batch, m, k]`, `b: [..batch, k, n]` (batch dims already broadcast to `batch`)
/// -> dense `[..batch, m, n]`.
pub fn matmul(a: &[f32], la: &Layout, b: &[f32], lb: &Layout, batch: &[usize]) -> Vec<f32> {
    let ra = la.rank();
    let rb = lb.rank();
    let (m, k, n) = (la.shape[ra - 2], la.shape[ra - 1], lb.shape[rb - 1]);
    let nb: usize = batch.iter().product();
    let mut out = vec![0.0f32; nb * m * n];
    if out.is_empty() {
        return out;
    }
    if k == 0 {
        return out;
    }
    let batch_layout =
        |l: &Layout| Layout { shape: batch.to_vec(), strides: l.strides[..l.rank() - 2].to_vec(), offset: l.offset };
    let a_bases: Vec<usize> = batch_layout(la).offsets().collect();
    let b_bases: Vec<usize> = batch_layout(lb).offsets().collect();
    let (ars, acs) = (la.strides[ra - 2] as isize, la.strides[ra - 1] as isize);
    let (brs, bcs) = (lb.strides[rb - 2] as isize, lb.strides[rb - 1] as isize);
    let threads = rayon::current_num_threads();
    let one = |i: usize, dst: &mut [f32], par: Parallelism| {
        // SAFETY: the bases and strides come from layouts validated against their storage
        // (every element of both views is in bounds), and `dst` holds exactly m*n elements.
        unsafe {
            gemm::gemm(
                m,
                n,
                k,
                dst.as_mut_ptr(),
                1,
                n as isize,
                false,
                a.as_ptr().add(a_bases[i]),
                acs,
                ars,
                b.as_ptr().add(b_bases[i]),
                bcs,
                brs,
                0.0,
                1.0,
                false,
                false,
                false,
                par,
            )
        }
    };
    let work = m * n * k;
    if nb > 1 && work * nb >= PAR_MIN_FLOPS && work < PAR_MIN_FLOPS * 4 {
        out.par_chunks_mut(m * n).enumerate().for_each(|(i, dst)| one(i, dst, Parallelism::None));
    } else {
        let par = if work >= PAR_MIN_FLOPS && threads > 1 { Parallelism::Rayon(threads) } else { Parallelism::None };
        for (i, dst) in out.chunks_mut(m * n).enumerate() {
            one(i, dst, par);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut o = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                o[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
            }
        }
        o
    }

    #[test]
    fn transposed_view_matches_naive() {
        let (m, k, n) = (5, 7, 3);
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let bt: Vec<f32> = (0..n * k).map(|i| (i as f32 * 0.11).cos()).collect();
        // b = bt^T as a view: shape [k, n], strides [1, k].
        let lb = Layout::contiguous(&[n, k]).permute(&[1, 0]);
        let out = matmul(&a, &Layout::contiguous(&[m, k]), &bt, &lb, &[]);
        let b: Vec<f32> = super::super::elementwise::copy_strided(&bt, &lb);
        let want = naive(&a, &b, m, k, n);
        for (x, y) in out.iter().zip(&want) {
            assert!((x - y).abs() < 1e-5);
        }
    }
}
