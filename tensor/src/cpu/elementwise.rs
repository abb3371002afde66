//! Strided elementwise maps over 1, 2 or 3 inputs (unary, binary with broadcasting, where).
//!
//! Inputs arrive as layouts already broadcast to the output shape. Adjacent dimensions that are
//! dense in every operand are merged first, so the inner loop runs over the longest possible
//! stretch; rows are split across rayon workers only above `PAR_MIN_ELEMS`.

use crate::layout::Layout;
use rayon::prelude::*;

/// Below this many output elements an op stays on the calling thread: for the 128-wide
/// networks this project trains, a rayon hand-off costs more than the arithmetic.
pub const PAR_MIN_ELEMS: usize = 1 << 15;

/// Output shape and per-operand strides after merging dims that are dense in every operand.
fn coalesce<const N: usize>(shape: &[usize], layouts: [&Layout; N]) -> (Vec<usize>, [Vec<usize>; N]) {
    let mut out_shape: Vec<usize> = Vec::new();
    let mut strides: [Vec<usize>; N] = std::array::from_fn(|_| Vec::new());
    for (d, &size) in shape.iter().enumerate() {
        if size == 1 {
            continue;
        }
        let mergeable = !out_shape.is_empty()
            && (0..N).all(|i| {
                let last = *strides[i].last().unwrap_or(&0);
                last == layouts[i].strides[d] * size
            });
        if mergeable {
            *out_shape.last_mut().unwrap_or(&mut 0) *= size;
            for i in 0..N {
                let s = layouts[i].strides[d];
                *strides[i].last_mut().unwrap_or(&mut 0) = s;
            }
        } else {
            out_shape.push(size);
            for i in 0..N {
                strides[i].push(layouts[i].strides[d]);
            }
        }
    }
    if out_shape.is_empty() {
        out_shape.push(1);
        for s in strides.iter_mut() {
            s.push(0);
        }
    }
    (out_shape, strides)
}

/// Applies `f` elementwise over `N` strided inputs that all have `shape`.
pub fn map_n<const N: usize, F>(shape: &[usize], layouts: [&Layout; N], srcs: [&[f32]; N], f: F) -> Vec<f32>
where
    F: Fn([f32; N]) -> f32 + Sync + Send,
{
    let numel: usize = shape.iter().product();
    let mut out = vec![0.0f32; numel];
    if numel == 0 {
        return out;
    }
    let (cshape, cstrides) = coalesce(shape, layouts);
    let inner = *cshape.last().unwrap_or(&1);
    let offsets: [usize; N] = std::array::from_fn(|i| layouts[i].offset);
    let fill_rows = |row0: usize, chunk: &mut [f32]| {
        for (r, dst) in chunk.chunks_mut(inner).enumerate() {
            let base = row_base(&cshape, &cstrides, &offsets, row0 + r);
            let inner_st: [usize; N] = std::array::from_fn(|i| *cstrides[i].last().unwrap_or(&0));
            fill_row(dst, base, inner_st, srcs, &f);
        }
    };
    if numel >= PAR_MIN_ELEMS {
        let rows_per_chunk = (PAR_MIN_ELEMS / 2).div_ceil(inner).max(1);
        out.par_chunks_mut(rows_per_chunk * inner)
            .enumerate()
            .for_each(|(c, chunk)| fill_rows(c * rows_per_chunk, chunk));
    } else {
        fill_rows(0, &mut out);
    }
    out
}

/// Storage offset of the first element of `row` (rows run over all dims but the last).
fn row_base<const N: usize>(
    shape: &[usize],
    strides: &[Vec<usize>; N],
    offsets: &[usize; N],
    row: usize,
) -> [usize; N] {
    let mut base = *offsets;
    let mut rem = row;
    for d in (0..shape.len() - 1).rev() {
        let idx = rem % shape[d];
        rem /= shape[d];
        for i in 0..N {
            base[i] += idx * strides[i][d];
        }
    }
    base
}

#[inline(always)]
fn fill_row<const N: usize, F: Fn([f32; N]) -> f32>(
    dst: &mut [f32],
    base: [usize; N],
    st: [usize; N],
    srcs: [&[f32]; N],
    f: &F,
) {
    let n = dst.len();
    if st.iter().all(|&s| s == 1) {
        // Dense rows: plain slices, which the compiler vectorises.
        let rows: [&[f32]; N] = std::array::from_fn(|i| &srcs[i][base[i]..base[i] + n]);
        for (j, d) in dst.iter_mut().enumerate() {
            *d = f(std::array::from_fn(|i| rows[i][j]));
        }
    } else {
        for (j, d) in dst.iter_mut().enumerate() {
            *d = f(std::array::from_fn(|i| srcs[i][base[i] + j * st[i]]));
        }
    }
}

/// Copies a strided view into a new dense buffer.
pub fn copy_strided(src: &[f32], layout: &Layout) -> Vec<f32> {
    if layout.is_contiguous() {
        return src[layout.offset..layout.offset + layout.numel()].to_vec();
    }
    map_n(&layout.shape, [layout], [src], |[x]| x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_add_rows() {
        let a = Layout::contiguous(&[2, 3]);
        let b = Layout::contiguous(&[3]).broadcast_to(&[2, 3]).unwrap();
        let out = map_n(&[2, 3], [&a, &b], [&[0., 1., 2., 3., 4., 5.], &[10., 20., 30.]], |[x, y]| x + y);
        assert_eq!(out, vec![10., 21., 32., 13., 24., 35.]);
    }

    #[test]
    fn transposed_copy() {
        let l = Layout::contiguous(&[2, 3]).permute(&[1, 0]);
        assert_eq!(copy_strided(&[0., 1., 2., 3., 4., 5.], &l), vec![0., 3., 1., 4., 2., 5.]);
    }

    #[test]
    fn large_parallel_matches_serial() {
        let n = PAR_MIN_ELEMS * 3 + 7;
        let src: Vec<f32> = (0..n).map(|i| i as f32).collect();
        let l = Layout::contiguous(&[n]);
        let out = map_n(&[n], [&l], [&src], |[x]| x * 2.0);
        assert!(out.iter().enumerate().all(|(i, &v)| v == 2.0 * i as f32));
    }
}
