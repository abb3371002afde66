//! Fused conv2d (`groups == 1`) on the CPU: the im2col columns of a few images at a time, built in
//! a task-local buffer and multiplied while they are still in cache, instead of the whole batch's
//! columns materialised in memory (`[b, c*kh*kw, oh*ow]`: hundreds of MB for an image encoder).
//!
//! # Layout
//! Everything is dense row-major. `x: [b, c, h, w]`; `weight: [o, c, kh, kw]`, read as the matrix
//! `W: [o, k]` with `k = c*kh*kw`; `y` and its gradient `gy: [b, o, oh, ow]`, read as `[b, o, L]`
//! with `L = oh*ow`.
//!
//! The batch is cut into **chunks** of `n` consecutive images; `n` depends on the shapes alone
//! (never on the thread count, see [`FusedConv::images_per_chunk`]): one image when images are
//! large, up to 32 side by side when they are tiny (late encoder layers, `L = 16` or `1`), so every
//! product stays wide. A chunk's columns are one matrix `cols: [k, n*L]`, the chunk's per-image
//! im2col matrices side by side: row `ci*kh*kw + tap`, column `i*L + l` holds the pixel of channel
//! `ci` that tap `tap` reads for output position `l` of the chunk's image `i` (0 outside the image).
//! Likewise `G: [o, n*L]` is the chunk's `gy`, gathered image by image.
//!
//! # The three products (per chunk)
//! - forward (this file): `Y = W @ cols`, scattered to each image's `[o, L]` output with the bias
//!   added (a one-image chunk is written straight into the output);
//! - input gradient (`conv_fused_grad`): `cols = W^T @ G`, then col2im of each image into `dx`;
//! - weight gradient (`conv_fused_grad`): `dW_chunk = G @ cols(x)^T`; the per-chunk partial sums
//!   are added in chunk order, so `dW` is bit-identical for any number of threads.
//!
//! Chunks run as rayon tasks, each with its own scratch buffers (reused over its chunks) and a
//! single-threaded GEMM ([`gemm_into`] with `split = false`). With fewer chunks than threads (small
//! batches) the chunks run in turn and the forward and input-gradient GEMMs are split across the
//! pool instead; the weight gradient never splits, to stay bit-identical.

use super::conv::{Span, im2col_plane, tap_spans};
use super::sgemm::{Mat, gemm_into};
use crate::conv::Conv2dGeom;
use rayon::prelude::*;

/// Target width `n*L` of a chunk's columns.
const CHUNK_COLS: usize = 1024;
/// Most floats in a chunk's columns `[k, n*L]` (512 KiB: well inside a core's L2).
const CHUNK_FLOATS: usize = 1 << 17;
/// Most images in one chunk, so a batch of 256 still makes 8 parallel tasks.
const MAX_CHUNK_IMAGES: usize = 32;

/// The sizes of one `groups == 1` convolution: input `[b, c, h, w]`, `o` output channels, window `g`.
#[derive(Clone, Copy, Debug)]
pub struct FusedConv {
    /// Images in the batch.
    pub b: usize,
    /// Input channels.
    pub c: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Output channels.
    pub o: usize,
    /// Window: kernel, stride, padding, dilation.
    pub g: Conv2dGeom,
}

impl FusedConv {
    /// Rows of the columns matrix: `c*kh*kw`.
    pub fn k(&self) -> usize {
        self.c * self.g.kh * self.g.kw
    }

    /// Output positions per image: `oh*ow`.
    pub fn l(&self) -> usize {
        let (oh, ow) = self.g.out_size(self.h, self.w);
        oh * ow
    }

    /// Images per chunk: about `CHUNK_COLS / L`, fewer when the columns would pass `CHUNK_FLOATS`,
    /// between 1 and `MAX_CHUNK_IMAGES`. A function of the shapes only.
    pub fn images_per_chunk(&self) -> usize {
        let (k, l) = (self.k().max(1), self.l().max(1));
        (CHUNK_COLS / l).min(CHUNK_FLOATS / (k * l)).clamp(1, MAX_CHUNK_IMAGES)
    }
}

/// What every chunk needs: the sizes, the per-tap spans, and the chunk size.
pub(super) struct Prep {
    pub(super) p: FusedConv,
    pub(super) spans: Vec<(Span, Span)>,
    pub(super) out: (usize, usize),
    pub(super) k: usize,
    pub(super) l: usize,
    pub(super) per_chunk: usize,
}

impl Prep {
    pub(super) fn new(p: &FusedConv) -> Prep {
        let out = p.g.out_size(p.h, p.w);
        let spans = tap_spans(&p.g, (p.h, p.w), out);
        Prep { p: *p, spans, out, k: p.k(), l: p.l(), per_chunk: p.images_per_chunk() }
    }

    /// Number of chunks of the batch.
    pub(super) fn chunks(&self) -> usize {
        self.p.b.div_ceil(self.per_chunk)
    }

    /// Writes the columns of the `n` images `x: [n, c, h, w]` into `cols: [k, n*L]`.
    pub(super) fn columns(&self, x: &[f32], n: usize, cols: &mut [f32]) {
        let (hw, taps, pitch) = (self.p.h * self.p.w, self.spans.len(), n * self.l);
        for i in 0..n {
            for ci in 0..self.p.c {
                let src = &x[(i * self.p.c + ci) * hw..][..hw];
                let dst = &mut cols[ci * taps * pitch + i * self.l..];
                im2col_plane(src, &self.spans, self.p.w, self.out, 0.0, dst, pitch);
            }
        }
    }
}

/// Per-task buffers, grown on demand and reused over the task's chunks (their old contents are
/// always overwritten before being read).
#[derive(Default)]
pub(super) struct Scratch {
    pub(super) cols: Vec<f32>,
    pub(super) rows: Vec<f32>,
}

/// The first `len` elements of `v`, grown if needed.
pub(super) fn take(v: &mut Vec<f32>, len: usize) -> &mut [f32] {
    if v.len() < len {
        v.resize(len, 0.0);
    }
    &mut v[..len]
}

/// A matrix operand over a slice: `(data, row stride, column stride)`.
pub(super) type View<'a> = (&'a [f32], usize, usize);

/// `dst = a @ b` into dense row-major `dst: [m, n]`, for `a: [m, k]` and `b: [k, n]` views;
/// single-threaded unless `split`.
pub(super) fn product(dst: &mut [f32], mnk: (usize, usize, usize), a: View, b: View, split: bool) {
    product_strided(dst, (mnk.1, 1), mnk, a, b, split);
}

/// `product` into `dst` element `(i, j)` at `i * drs + j * dcs` (every element written).
pub(super) fn product_strided(
    dst: &mut [f32],
    (drs, dcs): (usize, usize),
    (m, n, k): (usize, usize, usize),
    a: View,
    b: View,
    split: bool,
) {
    let last = |(d, rs, cs): View, r: usize, c: usize| (r - 1) * rs + (c - 1) * cs < d.len();
    let fits = m * n * k > 0 && last((dst, drs, dcs), m, n) && last(a, m, k) && last(b, k, n);
    assert!(fits, "conv2d: product out of bounds");
    let mat = |(d, rs, cs): View| Mat { ptr: d.as_ptr(), rs: rs as isize, cs: cs as isize };
    // SAFETY: the assert above keeps every addressed element of `a`, `b` and `dst` in bounds, and
    // `dst` is a distinct `&mut` slice, so it cannot overlap the operands.
    unsafe { gemm_into(dst.as_mut_ptr(), drs as isize, dcs as isize, m, n, k, mat(a), mat(b), split) }
}

/// `src: [n, rows, l]` -> `dst: [rows, n*l]` (image `i` in columns `i*l..`).
pub(super) fn gather_images(src: &[f32], (n, rows, l): (usize, usize, usize), dst: &mut [f32]) {
    for (i, img) in src.chunks_exact(rows * l).take(n).enumerate() {
        for (r, row) in img.chunks_exact(l).enumerate() {
            dst[r * n * l + i * l..][..l].copy_from_slice(row);
        }
    }
}

/// `src: [rows, n*l]` -> `dst: [n, rows, l]`, adding `bias[r]` to row `r`.
fn scatter_images(src: &[f32], (n, rows, l): (usize, usize, usize), bias: Option<&[f32]>, dst: &mut [f32]) {
    for (i, img) in dst.chunks_exact_mut(rows * l).take(n).enumerate() {
        for (r, row) in img.chunks_exact_mut(l).enumerate() {
            let b = bias.map_or(0.0, |bs| bs[r]);
            row.iter_mut().zip(&src[r * n * l + i * l..][..l]).for_each(|(d, &s)| *d = s + b);
        }
    }
}

/// Adds `bias[r]` to row `r` of every `[rows, l]` image of `y` (`per_image = rows * l`).
fn add_bias(y: &mut [f32], per_image: usize, l: usize, bias: Option<&[f32]>) {
    let Some(bias) = bias else { return };
    for img in y.chunks_exact_mut(per_image.max(1)) {
        img.chunks_exact_mut(l.max(1)).zip(bias).for_each(|(row, &b)| row.iter_mut().for_each(|v| *v += b));
    }
}

/// Runs `f(scratch, src_chunk, dst_chunk, split)` over matching chunks of `src` and `dst`
/// (`src_per` and `dst_per` elements per image): in parallel, one task per chunk, when there are
/// at least as many chunks as threads; else in turn with `split = true`.
pub(super) fn for_each_chunk<F>(pr: &Prep, src: &[f32], src_per: usize, dst: &mut [f32], dst_per: usize, f: F)
where
    F: Fn(&mut Scratch, &[f32], &mut [f32], bool) + Sync,
{
    let (s, d) = (src_per * pr.per_chunk, dst_per * pr.per_chunk);
    if pr.chunks() < rayon::current_num_threads() {
        let mut scratch = Scratch::default();
        src.chunks(s).zip(dst.chunks_mut(d)).for_each(|(x, y)| f(&mut scratch, x, y, true));
    } else {
        src.par_chunks(s).zip(dst.par_chunks_mut(d)).for_each_init(Scratch::default, |sc, (x, y)| f(sc, x, y, false));
    }
}

/// Forward: dense `x: [b, c, h, w]`, `weight: [o, k]`, `bias: [o]` (or none) -> dense `[b, o, oh, ow]`.
pub fn conv2d_forward(p: &FusedConv, x: &[f32], weight: &[f32], bias: Option<&[f32]>) -> Vec<f32> {
    if super::conv_direct::applies(p) {
        return super::conv_direct::conv2d_forward(p, x, weight, bias);
    }
    let pr = Prep::new(p);
    let (o, k, l) = (p.o, pr.k, pr.l);
    let mut out = vec![0.0f32; p.b * o * l];
    // No output, or no input pixel under any window (zero channels or an empty image): bias only.
    if out.is_empty() || k == 0 || p.h * p.w == 0 {
        add_bias(&mut out, o * l, l, bias);
        return out;
    }
    let run = |sc: &mut Scratch, xc: &[f32], yc: &mut [f32], split: bool| {
        let n = yc.len() / (o * l);
        let cols = take(&mut sc.cols, k * n * l);
        pr.columns(xc, n, cols);
        let (a, b) = ((weight, k, 1), (&cols[..], n * l, 1));
        if n == 1 {
            product(yc, (o, l, k), a, b, split);
            add_bias(yc, o * l, l, bias);
        } else {
            let rows = take(&mut sc.rows, o * n * l);
            product(rows, (o, n * l, k), a, b, split);
            scatter_images(rows, (n, o, l), bias, yc);
        }
    };
    for_each_chunk(&pr, x, p.c * p.h * p.w, &mut out, o * l, run);
    out
}
