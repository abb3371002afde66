//! gather / scatter_add along one dim with f32-coded indices (exact below 2^24).

use crate::layout::Layout;

/// Reads the index at `off` and checks it against `size`; panics naming the op on bad data.
#[inline]
fn to_index(v: f32, size: usize, op: &str) -> usize {
    assert!(v >= 0.0 && (v as usize) < size && v.fract() == 0.0, "{op}: index {v} out of range for dim of size {size}");
    v as usize
}

/// `out[.., i, ..] = src[.., index[.., i, ..], ..]` along `dim`; out has the index's shape.
pub fn gather(src: &[f32], ls: &Layout, index: &[f32], li: &Layout, dim: usize) -> Vec<f32> {
    let size = ls.shape[dim];
    // Walk the index view; the matching source element differs only in coordinate `dim`.
    let src_view = Layout { shape: li.shape.clone(), strides: ls.strides.clone(), offset: ls.offset };
    src_view
        .offsets()
        .zip(li.offsets())
        .zip(coord_iter(&li.shape, dim))
        .map(|((so, io), c)| {
            let k = to_index(index[io], size, "gather");
            src[so - c * ls.strides[dim] + k * ls.strides[dim]]
        })
        .collect()
}

/// `out = base; out[.., index[.., i, ..], ..] += src[.., i, ..]` along `dim` (dense result of
/// `out_shape`). Deterministic: contributions are added in row-major order of `src`.
pub fn scatter_add(
    out_shape: &[usize],
    base: Vec<f32>,
    index: &[f32],
    li: &Layout,
    src: &[f32],
    ls: &Layout,
    dim: usize,
) -> Vec<f32> {
    let mut out = base;
    let dense = Layout::contiguous(out_shape);
    let size = out_shape[dim];
    let view = Layout { shape: li.shape.clone(), strides: dense.strides.clone(), offset: 0 };
    for (((oo, io), so), c) in view.offsets().zip(li.offsets()).zip(ls.offsets()).zip(coord_iter(&li.shape, dim)) {
        let k = to_index(index[io], size, "scatter_add");
        out[oo - c * dense.strides[dim] + k * dense.strides[dim]] += src[so];
    }
    out
}

/// Coordinate along `dim` of each element of a row-major walk over `shape`.
fn coord_iter(shape: &[usize], dim: usize) -> impl Iterator<Item = usize> + '_ {
    let inner: usize = shape[dim + 1..].iter().product();
    let n: usize = shape.iter().product();
    (0..n).map(move |i| (i / inner.max(1)) % shape[dim].max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_then_scatter() {
        let ls = Layout::contiguous(&[2, 3]);
        let src = [0., 1., 2., 3., 4., 5.];
        let li = Layout::contiguous(&[2, 2]);
        let idx = [2., 0., 1., 1.];
        assert_eq!(gather(&src, &ls, &idx, &li, 1), vec![2., 0., 4., 4.]);
        let out = scatter_add(&[2, 3], vec![0.0; 6], &idx, &li, &[1., 2., 3., 4.], &li, 1);
        assert_eq!(out, vec![2., 0., 1., 0., 7., 0.]);
    }
}
