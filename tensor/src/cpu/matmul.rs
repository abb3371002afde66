//! Batched matrix multiply on strided views, over the packed kernels of `sgemm`.
//!
//! The kernels pack their operands themselves and accept any row/column strides, so transposed
//! views multiply without a copy. A batch that shares one operand becomes a single taller (or
//! wider) product when the other operand's batch dims line up with its rows (or, for `n = 1`,
//! its columns), or when copying narrow batches side by side beats re-packing a large shared
//! operand; other small batched products run one matrix per rayon task; one big product is
//! split across threads by the kernel.

use super::sgemm::{Mat, PAR_MIN_FLOPS, gemm_into};
use crate::layout::Layout;
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// The one stride of `dims` (size-1 dims ignored) when they step through memory as a single
/// dim, i.e. each outer stride is the inner stride times the inner size; `Some(0)` when every
/// dim has size 1.
fn single_stride(shape: &[usize], strides: &[usize]) -> Option<usize> {
    let dims: Vec<(usize, usize)> =
        shape.iter().zip(strides).filter(|(n, _)| **n != 1).map(|(&n, &s)| (n, s)).collect();
    let ok = dims.windows(2).all(|w| w[0].1 == w[1].1 * w[1].0);
    ok.then(|| dims.last().map_or(0, |d| d.1))
}

/// `a: [..batch, m, k]`, `b: [..batch, k, n]` (batch dims already broadcast to `batch`)
/// -> dense `[..batch, m, n]`.
pub fn matmul(a: &[f32], la: &Layout, b: &[f32], lb: &Layout, batch: &[usize]) -> Vec<f32> {
    let (ra, rb) = (la.rank(), lb.rank());
    let (m, k, n) = (la.shape[ra - 2], la.shape[ra - 1], lb.shape[rb - 1]);
    let nb: usize = batch.iter().product();
    let len = nb * m * n;
    if len == 0 || k == 0 {
        return vec![0.0; len];
    }
    let mut out: Vec<f32> = Vec::with_capacity(len);
    let dst = &mut out.spare_capacity_mut()[..len];
    // SAFETY: the bases and strides come from layouts validated against their storage (every
    // element of both views is in bounds) and `dst` holds exactly `len` elements.
    unsafe { batched(dst, a, la, b, lb, batch, (m, k, n)) };
    // SAFETY: `batched` wrote all `len` elements.
    unsafe { out.set_len(len) };
    out
}

/// The matrix of view `l` whose first element sits at `data[base]`.
fn mat(data: &[f32], l: &Layout, base: usize) -> Mat {
    let r = l.rank();
    Mat { ptr: data[base..].as_ptr(), rs: l.strides[r - 2] as isize, cs: l.strides[r - 1] as isize }
}

/// Strides of the batch dims (all but the last two).
fn batch_strides(l: &Layout) -> &[usize] {
    &l.strides[..l.rank() - 2]
}

/// True when every batch dim has stride 0: one matrix shared by the whole batch.
fn is_shared(l: &Layout) -> bool {
    batch_strides(l).iter().all(|&s| s == 0)
}

/// Writes every element of `dst` (dense `[nb, m, n]`).
///
/// # Safety
/// As `gemm_into`, for the views `la` over `a` and `lb` over `b`.
unsafe fn batched(
    dst: &mut [MaybeUninit<f32>],
    a: &[f32],
    la: &Layout,
    b: &[f32],
    lb: &Layout,
    batch: &[usize],
    (m, k, n): (usize, usize, usize),
) {
    let nb: usize = batch.iter().product();
    // SAFETY: forwarded from the caller.
    if nb > 1 && unsafe { single_product(dst, mat(a, la, la.offset), la, mat(b, lb, lb.offset), lb, batch, (m, k, n)) }
    {
        return;
    }
    let bases = |l: &Layout| -> Vec<usize> {
        Layout { shape: batch.to_vec(), strides: batch_strides(l).to_vec(), offset: l.offset }.offsets().collect()
    };
    let (a_bases, b_bases) = (bases(la), bases(lb));
    // A large shared `a` against narrow batches (a conv weight against the columns of a late,
    // small feature map): re-packing `a` for every batch would cost more than copying the
    // batches side by side and running one wide product.
    if nb > 1 && is_shared(la) && 2 * n * (k + m) < m * k {
        // SAFETY: as for `batched`; `b_bases` are the batch bases of the `lb` view.
        return unsafe { shared_lhs_wide(dst, mat(a, la, la.offset), mat(b, lb, 0), &b_bases, (m, k, n)) };
    }
    let work = m * n * k;
    // Many mid-sized products: one per rayon task, each on one thread.
    let per_task = nb > 1 && work * nb >= PAR_MIN_FLOPS && work < PAR_MIN_FLOPS * 4;
    let one = |i: usize, d: &mut [MaybeUninit<f32>]| {
        let (ai, bi) = (mat(a, la, a_bases[i]), mat(b, lb, b_bases[i]));
        // SAFETY: batch `i` of each view starts at its base; `d` holds this batch's m * n.
        unsafe { gemm_into(d.as_mut_ptr() as *mut f32, n as isize, 1, m, n, k, ai, bi, !per_task) }
    };
    if per_task {
        dst.par_chunks_mut(m * n).enumerate().for_each(|(i, d)| one(i, d));
    } else {
        dst.chunks_mut(m * n).enumerate().for_each(|(i, d)| one(i, d));
    }
}

/// The whole batch as one product when one operand is shared and the other's batch dims line
/// up with its rows (or, for `n = 1`, its columns). Returns false, writing nothing, otherwise.
///
/// # Safety
/// As `batched`; `a0` and `b0` are the first matrices of the views `la` and `lb`.
#[allow(clippy::too_many_arguments)]
unsafe fn single_product(
    dst: &mut [MaybeUninit<f32>],
    a0: Mat,
    la: &Layout,
    b0: Mat,
    lb: &Layout,
    batch: &[usize],
    (m, k, n): (usize, usize, usize),
) -> bool {
    let (nb, out) = (batch.iter().product::<usize>(), dst.as_mut_ptr() as *mut f32);
    if is_shared(lb) {
        // [nb * m, k] @ [k, n] when the rows (batch, i) of `a` are evenly spaced.
        let shape: Vec<usize> = batch.iter().copied().chain([m]).collect();
        let strides: Vec<usize> = batch_strides(la).iter().copied().chain([a0.rs as usize]).collect();
        if let Some(rs) = single_stride(&shape, &strides) {
            // SAFETY: rows (batch, i) of `a` are exactly `rs` apart (checked above).
            unsafe { gemm_into(out, n as isize, 1, nb * m, n, k, Mat { rs: rs as isize, ..a0 }, b0, true) };
            return true;
        }
    }
    if n == 1 && is_shared(la) {
        // [m, k] @ [k, nb]: column `j` is batch `j`'s single column; out (j, i) at j * m + i.
        if let Some(cs) = single_stride(batch, batch_strides(lb)) {
            // SAFETY: the batch columns of `b` are exactly `cs` apart (checked above).
            unsafe { gemm_into(out, 1, m as isize, m, nb, k, a0, Mat { cs: cs as isize, ..b0 }, true) };
            return true;
        }
    }
    false
}

/// `dst[i] = a @ b_i` for every batch `i` (dense `[nb, m, n]`) as one `[m, k] @ [k, nb * n]`
/// product over a dense copy of the batches laid side by side; `b.ptr` is the storage start and
/// `b_bases[i]` the offset of batch `i`.
///
/// # Safety
/// As `gemm_into`, for `a` and every batch of `b`.
unsafe fn shared_lhs_wide(
    dst: &mut [MaybeUninit<f32>],
    a: Mat,
    b: Mat,
    b_bases: &[usize],
    (m, k, n): (usize, usize, usize),
) {
    let (nb, wide) = (b_bases.len(), b_bases.len() * n);
    let mut cols = vec![0.0f32; k * wide];
    for (i, &base) in b_bases.iter().enumerate() {
        for (r, row) in cols.chunks_mut(wide).enumerate() {
            for (c, v) in row[i * n..(i + 1) * n].iter_mut().enumerate() {
                // SAFETY: (r, c) of batch `i` lies inside the `b` view.
                *v = unsafe { *b.ptr.offset(base as isize + r as isize * b.rs + c as isize * b.cs) };
            }
        }
    }
    let mut prod: Vec<f32> = Vec::with_capacity(m * wide);
    let wide_b = Mat { ptr: cols.as_ptr(), rs: wide as isize, cs: 1 };
    // SAFETY: `prod` has room for m * wide elements and gemm writes them all.
    unsafe {
        gemm_into(prod.as_mut_ptr(), wide as isize, 1, m, wide, k, a, wide_b, true);
        prod.set_len(m * wide);
    }
    for (i, out) in dst.chunks_mut(m * n).enumerate().take(nb) {
        for (r, o) in out.chunks_mut(n).enumerate() {
            for (d, &v) in o.iter_mut().zip(&prod[r * wide + i * n..][..n]) {
                d.write(v);
            }
        }
    }
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

    fn data(n: usize, seed: f32) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * 0.37 + seed).sin()).collect()
    }

    fn assert_near(got: &[f32], want: &[f32]) {
        assert_eq!(got.len(), want.len());
        for (i, (x, y)) in got.iter().zip(want).enumerate() {
            assert!((x - y).abs() < 1e-5, "element {i}: {x} vs {y}");
        }
    }

    /// A large shared `a` against narrow batches (the side-by-side path) against naive products.
    #[test]
    fn shared_wide_lhs_matches_naive() {
        let (nb, m, k, n) = (3, 40, 50, 6);
        assert!(2 * n * (k + m) < m * k, "the sizes must select the side-by-side path");
        let (a, b) = (data(m * k, 0.2), data(nb * k * n, 0.9));
        let la = Layout::contiguous(&[m, k]).broadcast_to(&[nb, m, k]).unwrap();
        let out = matmul(&a, &la, &b, &Layout::contiguous(&[nb, k, n]), &[nb]);
        let want: Vec<f32> = (0..nb).flat_map(|i| naive(&a, &b[i * k * n..][..k * n], m, k, n)).collect();
        assert_near(&out, &want);
    }

    #[test]
    fn transposed_view_matches_naive() {
        let (m, k, n) = (5, 7, 3);
        let a = data(m * k, 0.0);
        let bt = data(n * k, 1.0);
        // b = bt^T as a view: shape [k, n], strides [1, k].
        let lb = Layout::contiguous(&[n, k]).permute(&[1, 0]);
        let out = matmul(&a, &Layout::contiguous(&[m, k]), &bt, &lb, &[]);
        let b: Vec<f32> = super::super::elementwise::copy_strided(&bt, &lb);
        assert_near(&out, &naive(&a, &b, m, k, n));
    }

    /// Each batching strategy (stacked rows, stacked columns, one product per batch) against
    /// per-batch naive products.
    #[test]
    fn batched_paths_match_naive() {
        let (nb, m, k) = (3, 4, 5);
        for n in [1, 6] {
            let (a, b) = (data(nb * m * k, 0.2), data(nb * k * n, 0.9));
            let shared_a = Layout::contiguous(&[m, k]).broadcast_to(&[nb, m, k]).unwrap();
            let shared_b = Layout::contiguous(&[k, n]).broadcast_to(&[nb, k, n]).unwrap();
            let (da, db) = (Layout::contiguous(&[nb, m, k]), Layout::contiguous(&[nb, k, n]));
            let cases = [(&da, &shared_b, true, false), (&shared_a, &db, false, true), (&da, &db, true, true)];
            for (la, lb, a_batched, b_batched) in cases {
                let out = matmul(&a, la, &b, lb, &[nb]);
                let want: Vec<f32> = (0..nb)
                    .flat_map(|i| {
                        let ai = if a_batched { &a[i * m * k..][..m * k] } else { &a[..m * k] };
                        let bi = if b_batched { &b[i * k * n..][..k * n] } else { &b[..k * n] };
                        naive(ai, bi, m, k, n)
                    })
                    .collect();
                assert_near(&out, &want);
            }
        }
    }
}
