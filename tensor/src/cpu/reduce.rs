//! Reductions (sum / max / min) over any set of dims, and argmax / argmin along one dim.
//!
//! The view is permuted so kept dims come first and reduced dims last; each output element then
//! folds over the same list of relative offsets. Dense cases get faster paths: reducing trailing
//! dims of a dense tensor folds slices, reducing leading dims accumulates whole rows.

use super::elementwise::PAR_MIN_ELEMS;
use crate::layout::Layout;
use crate::op::ReduceOp;
use rayon::prelude::*;

/// Reduces `dims` (sorted, unique) of the view; returns values in row-major order of the kept dims.
pub fn reduce(op: ReduceOp, src: &[f32], layout: &Layout, dims: &[usize]) -> Vec<f32> {
    let rank = layout.rank();
    let kept: Vec<usize> = (0..rank).filter(|d| !dims.contains(d)).collect();
    let n_out: usize = kept.iter().map(|&d| layout.shape[d]).product();
    let n_red: usize = dims.iter().map(|&d| layout.shape[d]).product();
    if n_red == 0 {
        return vec![op.init(); n_out];
    }
    if layout.is_contiguous() {
        let data = &src[layout.offset..layout.offset + layout.numel()];
        let trailing = dims.iter().enumerate().all(|(i, &d)| d == rank - dims.len() + i);
        let leading = dims.iter().enumerate().all(|(i, &d)| d == i);
        if trailing {
            return reduce_rows(op, data, n_red);
        }
        if leading {
            return reduce_leading(op, data, n_red, n_out);
        }
    }
    reduce_strided(op, src, layout, &kept, dims, n_out * n_red)
}

/// Any view and any dims: the view is permuted to kept dims first, reduced dims last, and every
/// output folds the same list of relative offsets. `work` (elements read) decides parallelism.
fn reduce_strided(op: ReduceOp, src: &[f32], layout: &Layout, kept: &[usize], dims: &[usize], work: usize) -> Vec<f32> {
    let perm: Vec<usize> = kept.iter().chain(dims).copied().collect();
    let pl = layout.permute(&perm);
    let (red_shape, red_strides) = merge_dense_dims(&pl.shape[kept.len()..], &pl.strides[kept.len()..]);
    // A dense innermost run (e.g. the h*w plane of a BatchNorm reduction over [0, 2, 3]) is
    // folded as a slice; the remaining reduced dims give the offsets of the runs.
    let run = match (red_shape.last(), red_strides.last()) {
        (Some(&n), Some(&1)) => n,
        _ => 1,
    };
    let outer = red_shape.len() - usize::from(run > 1);
    let rel: Vec<usize> =
        Layout { shape: red_shape[..outer].to_vec(), strides: red_strides[..outer].to_vec(), offset: 0 }
            .offsets()
            .collect();
    let kept_layout = Layout {
        shape: pl.shape[..kept.len()].to_vec(),
        strides: pl.strides[..kept.len()].to_vec(),
        offset: layout.offset,
    };
    let bases: Vec<usize> = kept_layout.offsets().collect();
    let fold = |b: &usize| rel.iter().fold(op.init(), |acc, r| op.combine(acc, fold_slice(op, &src[b + r..][..run])));
    if work >= PAR_MIN_ELEMS && bases.len() > 1 {
        bases.par_iter().map(fold).collect()
    } else {
        bases.iter().map(fold).collect()
    }
}

/// Merges adjacent dims where the outer one steps exactly over the inner one (size-1 dims
/// dropped), so a dense block of several dims becomes one run.
fn merge_dense_dims(shape: &[usize], strides: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let (mut sh, mut st): (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
    for (&n, &s) in shape.iter().zip(strides) {
        if n == 1 {
            continue;
        }
        match (sh.last_mut(), st.last_mut()) {
            (Some(ln), Some(ls)) if *ls == s * n => {
                *ln *= n;
                *ls = s;
            }
            _ => {
                sh.push(n);
                st.push(s);
            }
        }
    }
    (sh, st)
}

/// Dense `[n_out, n_red]` reduced along its rows.
fn reduce_rows(op: ReduceOp, data: &[f32], n_red: usize) -> Vec<f32> {
    let n_out = data.len() / n_red;
    if n_out == 1 && data.len() >= PAR_MIN_ELEMS {
        let parts: Vec<f32> = data.par_chunks(PAR_MIN_ELEMS).map(|c| fold_slice(op, c)).collect();
        return vec![fold_slice(op, &parts)];
    }
    if data.len() >= PAR_MIN_ELEMS {
        data.par_chunks(n_red).map(|c| fold_slice(op, c)).collect()
    } else {
        data.chunks(n_red).map(|c| fold_slice(op, c)).collect()
    }
}

/// Dense `[n_red, n_out]` reduced along its leading dim (e.g. a bias gradient over the batch).
fn reduce_leading(op: ReduceOp, data: &[f32], n_red: usize, n_out: usize) -> Vec<f32> {
    let acc_rows = |rows: &[f32]| {
        let mut acc = vec![op.init(); n_out];
        for row in rows.chunks(n_out) {
            for (a, &x) in acc.iter_mut().zip(row) {
                *a = op.combine(*a, x);
            }
        }
        acc
    };
    if data.len() < PAR_MIN_ELEMS || n_red < 4 {
        return acc_rows(data);
    }
    let rows_per = (PAR_MIN_ELEMS / n_out).max(1);
    let parts: Vec<Vec<f32>> = data.par_chunks(rows_per * n_out).map(acc_rows).collect();
    let mut out = vec![op.init(); n_out];
    for p in parts {
        for (a, x) in out.iter_mut().zip(p) {
            *a = op.combine(*a, x);
        }
    }
    out
}

/// Folds a dense slice; sums use eight independent lanes so the loop vectorises.
fn fold_slice(op: ReduceOp, x: &[f32]) -> f32 {
    if op != ReduceOp::Sum {
        return x.iter().fold(op.init(), |a, &v| op.combine(a, v));
    }
    let mut lanes = [0.0f32; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for i in 0..8 {
            lanes[i] += c[i];
        }
    }
    let mut s = (lanes[0] + lanes[4]) + (lanes[1] + lanes[5]) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
    for &v in rest {
        s += v;
    }
    s
}

/// Index of the largest (`max = true`) or smallest value along `dim`, first one on ties,
/// as f32 values in row-major order of the remaining dims. NaN counts as the extreme.
pub fn arg_extreme(src: &[f32], layout: &Layout, dim: usize, max: bool) -> Vec<f32> {
    let rank = layout.rank();
    let perm: Vec<usize> = (0..rank).filter(|&d| d != dim).chain([dim]).collect();
    let pl = layout.permute(&perm);
    let n = layout.shape[dim];
    let stride = layout.strides[dim];
    let kept = Layout {
        shape: pl.shape[..rank - 1].to_vec(),
        strides: pl.strides[..rank - 1].to_vec(),
        offset: layout.offset,
    };
    kept.offsets()
        .map(|b| {
            let mut best = 0usize;
            let mut bv = src[b];
            for i in 1..n {
                let v = src[b + i * stride];
                let better = if max { v > bv } else { v < bv };
                if !bv.is_nan() && (better || v.is_nan()) {
                    best = i;
                    bv = v;
                }
            }
            best as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn middle_dim_sum() {
        let l = Layout::contiguous(&[2, 3, 2]);
        let x: Vec<f32> = (0..12).map(|i| i as f32).collect();
        assert_eq!(reduce(ReduceOp::Sum, &x, &l, &[1]), vec![6., 9., 24., 27.]);
        assert_eq!(reduce(ReduceOp::Sum, &x, &l, &[0]), vec![6., 8., 10., 12., 14., 16.]);
        assert_eq!(reduce(ReduceOp::Max, &x, &l, &[0, 2]), vec![7., 9., 11.]);
    }

    /// BatchNorm's reduction over [0, 2, 3] (dense h*w runs) and a strided view, against a
    /// straightforward sum.
    #[test]
    fn runs_of_dense_inner_dims() {
        let (b, c, h, w) = (3, 4, 5, 6);
        let l = Layout::contiguous(&[b, c, h, w]);
        let x: Vec<f32> = (0..b * c * h * w).map(|i| (i % 17) as f32 - 8.0).collect();
        let want: Vec<f32> = (0..c)
            .map(|ci| {
                (0..b).flat_map(|bi| (0..h * w).map(move |p| (bi, p))).map(|(bi, p)| x[(bi * c + ci) * h * w + p]).sum()
            })
            .collect();
        assert_eq!(reduce(ReduceOp::Sum, &x, &l, &[0, 2, 3]), want);
        let t = l.permute(&[0, 1, 3, 2]);
        assert_eq!(reduce(ReduceOp::Sum, &x, &t, &[0, 2, 3]), want);
        let maxes = reduce(ReduceOp::Max, &x, &l, &[0, 2, 3]);
        assert_eq!(maxes, vec![8.0; c]);
    }

    #[test]
    fn argmax_first_on_ties() {
        let l = Layout::contiguous(&[2, 3]);
        assert_eq!(arg_extreme(&[1., 3., 3., 0., -1., 0.], &l, 1, true), vec![1., 0.]);
        assert_eq!(arg_extreme(&[1., 3., 3., 0., -1., 0.], &l, 0, false), vec![1., 1., 1.]);
    }
}
