//! Backward of the fused conv2d (`groups == 1`), chunk by chunk as its forward (the layout, the
//! chunks and the columns matrix `cols: [k, n*L]` are described in `conv_fused`):
//! - input gradient: `cols = W^T @ G` for the chunk's gathered `G: [o, n*L]`, then each image's
//!   columns are added back into its `[c, h, w]` slice of `dx` (col2im);
//! - weight gradient: `dW_chunk = G @ cols(x)^T` with the columns of `x` rebuilt per chunk, one
//!   partial `[o, k]` per chunk, added in chunk order: the chunks depend on the shapes only and
//!   each product runs on one thread, so `dW` is bit-identical whatever the thread count.

use super::conv::col2im_plane;
use super::conv_fused::{FusedConv, Prep, Scratch, for_each_chunk, gather_images, product, product_strided, take};
use rayon::prelude::*;

/// Input gradient: dense `gy: [b, o, oh, ow]`, `weight: [o, k]` -> dense `dx: [b, c, h, w]`.
pub fn conv2d_input_grad(p: &FusedConv, gy: &[f32], weight: &[f32]) -> Vec<f32> {
    let pr = Prep::new(p);
    let (o, k, l, hw) = (p.o, pr.k, pr.l, p.h * p.w);
    let mut dx = vec![0.0f32; p.b * p.c * hw];
    if dx.is_empty() || o == 0 || l == 0 {
        return dx;
    }
    let run = |sc: &mut Scratch, gc: &[f32], dc: &mut [f32], split: bool| {
        let n = dc.len() / (p.c * hw);
        let g = if n == 1 {
            gc
        } else {
            let rows = take(&mut sc.rows, o * n * l);
            gather_images(gc, (n, o, l), rows);
            &sc.rows[..o * n * l]
        };
        let cols = take(&mut sc.cols, k * n * l);
        // W^T: [k, o] is W read with swapped strides.
        product(cols, (k, n * l, o), (weight, 1, k), (g, n * l, 1), split);
        let (taps, pitch) = (pr.spans.len(), n * l);
        for (i, img) in dc.chunks_exact_mut(p.c * hw).enumerate() {
            for (ci, plane) in img.chunks_exact_mut(hw).enumerate() {
                col2im_plane(&cols[ci * taps * pitch + i * l..], &pr.spans, p.w, pr.out, plane, pitch);
            }
        }
    };
    for_each_chunk(&pr, gy, o * l, &mut dx, p.c * hw, run);
    dx
}

/// Weight gradient: dense `x: [b, c, h, w]`, `gy: [b, o, oh, ow]` -> dense `dW: [o, k]`
/// (`k = c*kh*kw`), `Σ_i gy_i @ cols(x_i)^T`.
pub fn conv2d_weight_grad(p: &FusedConv, x: &[f32], gy: &[f32]) -> Vec<f32> {
    if super::conv_direct::applies(p) {
        return super::conv_direct::conv2d_weight_grad(p, x, gy);
    }
    let pr = Prep::new(p);
    let (o, k, l, chw) = (p.o, pr.k, pr.l, p.c * p.h * p.w);
    if o * k == 0 || p.b * l * chw == 0 {
        return vec![0.0; o * k];
    }
    let partial = |sc: &mut Scratch, (xc, gc): (&[f32], &[f32])| -> Vec<f32> {
        let n = xc.len() / chw;
        let rows = take(&mut sc.rows, o * n * l);
        gather_images(gc, (n, o, l), rows);
        let cols = take(&mut sc.cols, k * n * l);
        pr.columns(xc, n, cols);
        // `G @ cols^T` written column-major, i.e. as `dW^T: [k, o]` in memory: `gemm` runs this
        // orientation ~10x faster than a row-major `dW` for the first layer's `o = 8`, `L = 1024`
        // (measured; `matrixmultiply` does not care).
        let mut dwt = vec![0.0f32; k * o];
        let (g, cols) = ((&sc.rows[..o * n * l], n * l, 1), (&sc.cols[..k * n * l], 1, n * l));
        product_strided(&mut dwt, (1, o), (o, k, n * l), g, cols, false);
        dwt
    };
    let (xs, gs) = (pr.per_chunk * chw, pr.per_chunk * o * l);
    let partials: Vec<Vec<f32>> = x.par_chunks(xs).zip(gy.par_chunks(gs)).map_init(Scratch::default, partial).collect();
    let mut parts = partials.into_iter();
    let mut dwt = parts.next().unwrap_or_else(|| vec![0.0; o * k]);
    for part in parts {
        dwt.iter_mut().zip(&part).for_each(|(d, v)| *d += v);
    }
    (0..o * k).map(|i| dwt[(i % k) * o + i / k]).collect()
}
