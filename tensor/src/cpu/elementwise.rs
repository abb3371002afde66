//! Strided elementwise maps over 1, 2 or 3 inputs (unary, binary with broadcasting, where).
//!
//! Inputs arrive as layouts already broadcast to the output shape. Adjacent dimensions that are
//! dense in every operand are merged first, so the inner loop runs over the longest possible
//! stretch. Each stretch is computed in chunks of plain slices (strided or broadcast operands
//! are gathered or splatted into a small buffer first), so the loop body always vectorises; on
//! CPUs with AVX2 the loop is compiled a second time for 256-bit vectors and picked at run time.
//! The output is split across rayon workers only above `PAR_MIN_ELEMS`.

use super::simd;
use crate::layout::Layout;
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// Below this many output elements an op stays on the calling thread: for the 128-wide
/// networks this project trains, a rayon hand-off costs more than the arithmetic.
pub const PAR_MIN_ELEMS: usize = 1 << 15;

/// Elements per gathered chunk of a strided or broadcast operand (fits on the stack).
const CHUNK: usize = 256;

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

/// Output elements per parallel task: a few tasks per thread, none tiny.
fn piece_len(numel: usize, threads: usize) -> usize {
    (PAR_MIN_ELEMS / 2).max(numel.div_ceil(threads * 4))
}

/// Applies `f` elementwise over `N` strided inputs that all have `shape`.
pub fn map_n<const N: usize, F>(shape: &[usize], layouts: [&Layout; N], srcs: [&[f32]; N], f: F) -> Vec<f32>
where
    F: Fn([f32; N]) -> f32 + Sync + Send,
{
    let numel: usize = shape.iter().product();
    let mut out: Vec<f32> = Vec::with_capacity(numel);
    let dst = &mut out.spare_capacity_mut()[..numel];
    if layouts.iter().all(|l| l.is_contiguous()) {
        // Dense operands (the common case): plain slices, nothing to set up.
        let rows: [&[f32]; N] = std::array::from_fn(|i| &srcs[i][layouts[i].offset..][..numel]);
        if numel < PAR_MIN_ELEMS || rayon::current_num_threads() == 1 {
            simd::dense_map(dst, rows, &f);
        } else {
            let piece = piece_len(numel, rayon::current_num_threads());
            dst.par_chunks_mut(piece).enumerate().for_each(|(c, part)| {
                simd::dense_map(part, rows.map(|r| &r[c * piece..]), &f);
            });
        }
    } else {
        let (shape, strides) = coalesce(shape, layouts);
        Plan { shape, strides, offsets: layouts.map(|l| l.offset) }.run(dst, srcs, &f);
    }
    // SAFETY: `run` wrote every one of the first `numel` elements.
    unsafe { out.set_len(numel) };
    out
}

/// A coalesced iteration space: rows over all dims but the last, stretches along the last.
struct Plan<const N: usize> {
    shape: Vec<usize>,
    strides: [Vec<usize>; N],
    offsets: [usize; N],
}

impl<const N: usize> Plan<N> {
    /// Fills `dst` (the whole output), in parallel pieces when it is large.
    fn run<F: Fn([f32; N]) -> f32 + Sync>(&self, dst: &mut [MaybeUninit<f32>], srcs: [&[f32]; N], f: &F) {
        let threads = rayon::current_num_threads();
        if dst.len() < PAR_MIN_ELEMS || threads == 1 {
            self.fill_range(0, dst, srcs, f);
            return;
        }
        let piece = piece_len(dst.len(), threads);
        dst.par_chunks_mut(piece).enumerate().for_each(|(c, part)| self.fill_range(c * piece, part, srcs, f));
    }

    /// Fills output elements `start..start + dst.len()` (row-major order of the output).
    fn fill_range<F: Fn([f32; N]) -> f32>(&self, start: usize, dst: &mut [MaybeUninit<f32>], srcs: [&[f32]; N], f: &F) {
        let inner = *self.shape.last().unwrap_or(&1);
        let inner_st: [usize; N] = std::array::from_fn(|i| *self.strides[i].last().unwrap_or(&0));
        let mut done = 0;
        while done < dst.len() {
            let (row, col) = ((start + done) / inner, (start + done) % inner);
            let len = (inner - col).min(dst.len() - done);
            let mut base = self.row_base(row);
            for (b, s) in base.iter_mut().zip(inner_st) {
                *b += col * s;
            }
            fill_stretch(&mut dst[done..done + len], base, inner_st, srcs, f);
            done += len;
        }
    }

    /// Storage offset of the first element of `row` (rows run over all dims but the last).
    fn row_base(&self, row: usize) -> [usize; N] {
        let mut base = self.offsets;
        let mut rem = row;
        for d in (0..self.shape.len() - 1).rev() {
            let idx = rem % self.shape[d];
            rem /= self.shape[d];
            for (i, b) in base.iter_mut().enumerate() {
                *b += idx * self.strides[i][d];
            }
        }
        base
    }
}

/// One stretch along the last dim: operand `i` starts at `base[i]` and steps by `st[i]`.
/// Dense operands are read in place; broadcast (stride 0) ones are splatted once and strided
/// ones gathered, chunk by chunk, into stack buffers, so the compute loop is always dense.
fn fill_stretch<const N: usize, F: Fn([f32; N]) -> f32>(
    dst: &mut [MaybeUninit<f32>],
    base: [usize; N],
    st: [usize; N],
    srcs: [&[f32]; N],
    f: &F,
) {
    let n = dst.len();
    if st.iter().all(|&s| s == 1) {
        let rows: [&[f32]; N] = std::array::from_fn(|i| &srcs[i][base[i]..base[i] + n]);
        simd::dense_map(dst, rows, f);
        return;
    }
    let mut bufs = [[0.0f32; CHUNK]; N];
    for i in 0..N {
        if st[i] == 0 {
            bufs[i] = [srcs[i][base[i]]; CHUNK];
        }
    }
    for c0 in (0..n).step_by(CHUNK) {
        let len = CHUNK.min(n - c0);
        for i in 0..N {
            if st[i] > 1 {
                let src = &srcs[i][base[i] + c0 * st[i]..];
                for (j, b) in bufs[i][..len].iter_mut().enumerate() {
                    *b = src[j * st[i]];
                }
            }
        }
        let rows: [&[f32]; N] =
            std::array::from_fn(
                |i| if st[i] == 1 { &srcs[i][base[i] + c0..base[i] + c0 + len] } else { &bufs[i][..len] },
            );
        simd::dense_map(&mut dst[c0..c0 + len], rows, f);
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
        let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
        let out = pool.install(|| map_n(&[n], [&l], [&src], |[x]| x * 2.0));
        assert!(out.iter().enumerate().all(|(i, &v)| v == 2.0 * i as f32));
    }

    /// Long strided / broadcast rows (many chunks, a ragged tail) split across threads mid-row,
    /// against an index-by-index reference and the single-threaded result.
    #[test]
    fn strided_and_broadcast_rows_across_chunks() {
        let (r, c) = (3, CHUNK * 50 + 5);
        let x: Vec<f32> = (0..r * c).map(|i| i as f32 * 0.5).collect();
        let t = Layout::contiguous(&[c, r]).permute(&[1, 0]); // [r, c] view with strides [1, r]
        let col = Layout::contiguous(&[r, 1]).broadcast_to(&[r, c]).unwrap();
        let colv: Vec<f32> = (0..r).map(|i| 100.0 * i as f32).collect();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let out = pool.install(|| map_n(&[r, c], [&t, &col], [&x, &colv], |[a, b]| a + b));
        let serial = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let small = serial.install(|| map_n(&[r, c], [&t, &col], [&x, &colv], |[a, b]| a + b));
        for i in 0..r {
            for j in 0..c {
                assert_eq!(out[i * c + j], x[j * r + i] + colv[i], "({i}, {j})");
            }
        }
        assert_eq!(out, small);
    }
}
