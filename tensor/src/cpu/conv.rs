//! im2col / col2im: the two adjoint primitives behind conv2d, conv_transpose2d and pooling.

use super::elementwise::PAR_MIN_ELEMS;
use crate::conv::Conv2dGeom;
use rayon::prelude::*;
use std::ops::Range;

/// The output positions along one axis whose input index `o * stride + offset` falls inside
/// the image (`range`), and the input index of the first of them.
#[derive(Clone)]
pub(crate) struct Span {
    pub(crate) range: Range<usize>,
    pub(crate) first: usize,
    pub(crate) stride: usize,
}

impl Span {
    /// Tap `tap` of an axis with `n_in` inputs and `n_out` outputs.
    fn new(n_out: usize, n_in: usize, tap: usize, stride: usize, dilation: usize, padding: usize) -> Span {
        let (s, offset) = (stride as isize, (tap * dilation) as isize - padding as isize);
        let lo = if offset >= 0 { 0 } else { (-offset + s - 1) / s };
        let hi = (n_in as isize - offset + s - 1).div_euclid(s).max(0);
        let (lo, hi) = (lo.min(n_out as isize) as usize, hi.min(n_out as isize) as usize);
        let range = lo..hi.max(lo);
        // With no position inside, `first` is never read; 0 keeps the empty slices in bounds.
        let first = if range.is_empty() { 0 } else { (range.start as isize * s + offset) as usize };
        Span { range, first, stride }
    }

    /// Input index of output position `o` (which must lie in `range`).
    pub(crate) fn input(&self, o: usize) -> usize {
        self.first + (o - self.range.start) * self.stride
    }
}

/// One output row of im2col: `dst[o] = src_row[o * stride + offset]`, `pad` outside the image.
#[inline]
fn gather_row(dst: &mut [f32], src_row: &[f32], sx: &Span, pad: f32) {
    let r = sx.range.clone();
    dst[..r.start].fill(pad);
    dst[r.end..].fill(pad);
    let src = &src_row[sx.first..];
    match sx.stride {
        1 => dst[r.clone()].copy_from_slice(&src[..r.len()]),
        2 => gather_every::<2>(&mut dst[r], src),
        s => dst[r].iter_mut().zip(src.iter().step_by(s)).for_each(|(d, &v)| *d = v),
    }
}

/// `dst[j] = src[j * S]`; a compile-time step lets the compiler use vector shuffles.
#[inline]
fn gather_every<const S: usize>(dst: &mut [f32], src: &[f32]) {
    // Whole groups of S when the source has them (short rows then stay in the vector loop).
    let whole = dst.len().min(src.len() / S);
    for (d, c) in dst[..whole].iter_mut().zip(src.chunks_exact(S)) {
        *d = c[0];
    }
    for (j, d) in dst.iter_mut().enumerate().skip(whole) {
        *d = src[j * S];
    }
}

/// One input row of col2im: `dst_row[o * stride + offset] += src[o]` inside the image.
#[inline]
fn scatter_add_row(dst_row: &mut [f32], src: &[f32], sx: &Span) {
    let (dst, src) = (&mut dst_row[sx.first..], &src[sx.range.clone()]);
    match sx.stride {
        1 => dst.iter_mut().zip(src).for_each(|(d, &v)| *d += v),
        2 => scatter_add_every::<2>(dst, src),
        s => dst.iter_mut().step_by(s).zip(src).for_each(|(d, &v)| *d += v),
    }
}

/// `dst[j * S] += src[j]`; the adjoint of `gather_every`, with the same compile-time step.
#[inline]
fn scatter_add_every<const S: usize>(dst: &mut [f32], src: &[f32]) {
    let Some(last) = src.len().checked_sub(1) else { return };
    for (c, &v) in dst.chunks_exact_mut(S).zip(&src[..last]) {
        c[0] += v;
    }
    dst[last * S] += src[last];
}

/// The (y, x) spans of every kernel tap, in `ki * kw + kj` order.
pub(crate) fn tap_spans(g: &Conv2dGeom, (h, w): (usize, usize), (oh, ow): (usize, usize)) -> Vec<(Span, Span)> {
    let ys = (0..g.kh).map(|ki| Span::new(oh, h, ki, g.stride.0, g.dilation.0, g.padding.0));
    ys.flat_map(|sy| (0..g.kw).map(move |kj| (sy.clone(), Span::new(ow, w, kj, g.stride.1, g.dilation.1, g.padding.1))))
        .collect()
}

/// Runs `fill(plane, dst_plane)` over `dst` cut into planes of `plane` elements, in parallel
/// batches of planes when there is enough work.
pub(crate) fn for_each_plane(dst: &mut [f32], plane: usize, work: usize, fill: impl Fn(usize, &mut [f32]) + Sync) {
    if plane == 0 {
        return;
    }
    if work < PAR_MIN_ELEMS || rayon::current_num_threads() == 1 {
        dst.chunks_mut(plane).enumerate().for_each(|(p, d)| fill(p, d));
        return;
    }
    // Enough planes per task that a task is worth a hand-off.
    let per_task = (PAR_MIN_ELEMS / 4).div_ceil((work / (dst.len() / plane).max(1)).max(1));
    dst.par_chunks_mut(plane * per_task).enumerate().for_each(|(t, d)| {
        d.chunks_mut(plane).enumerate().for_each(|(p, dp)| fill(t * per_task + p, dp));
    });
}

/// im2col of one `h x w` plane `src` (width `w`) into `spans.len()` rows of `oh*ow` columns,
/// row `t` (tap `t`) starting at `dst[t * pitch]`; out-of-image taps read `pad`. A `pitch` above
/// `oh*ow` lays several planes' columns side by side (the fused conv's chunks).
pub(crate) fn im2col_plane(
    src: &[f32],
    spans: &[(Span, Span)],
    w: usize,
    (oh, ow): (usize, usize),
    pad: f32,
    dst: &mut [f32],
    pitch: usize,
) {
    for (t, (sy, sx)) in spans.iter().enumerate() {
        let tap = &mut dst[t * pitch..t * pitch + oh * ow];
        tap[..sy.range.start * ow].fill(pad);
        tap[sy.range.end * ow..].fill(pad);
        for oy in sy.range.clone() {
            let iy = sy.input(oy);
            gather_row(&mut tap[oy * ow..(oy + 1) * ow], &src[iy * w..(iy + 1) * w], sx, pad);
        }
    }
}

/// Adjoint of `im2col_plane`: adds the `spans.len()` rows of `oh*ow` columns of `src` (row `t` at
/// `src[t * pitch]`) into the `h x w` plane `dst` (width `w`), summing overlapping taps.
pub(crate) fn col2im_plane(
    src: &[f32],
    spans: &[(Span, Span)],
    w: usize,
    (oh, ow): (usize, usize),
    dst: &mut [f32],
    pitch: usize,
) {
    for (t, (sy, sx)) in spans.iter().enumerate() {
        let tap = &src[t * pitch..t * pitch + oh * ow];
        for oy in sy.range.clone() {
            let iy = sy.input(oy);
            scatter_add_row(&mut dst[iy * w..(iy + 1) * w], &tap[oy * ow..(oy + 1) * ow], sx);
        }
    }
}

/// Dense `[b, c, h, w]` -> dense `[b, c*kh*kw, oh*ow]`; out-of-image taps read `pad_value`.
pub fn im2col(x: &[f32], b: usize, c: usize, h: usize, w: usize, g: &Conv2dGeom, pad_value: f32) -> Vec<f32> {
    let (oh, ow) = g.out_size(h, w);
    let spans = tap_spans(g, (h, w), (oh, ow));
    let plane_out = spans.len() * oh * ow;
    let mut out = vec![0.0f32; b * c * plane_out];
    let fill = |p: usize, dst: &mut [f32]| {
        im2col_plane(&x[p * h * w..(p + 1) * h * w], &spans, w, (oh, ow), pad_value, dst, oh * ow);
    };
    let n = out.len();
    for_each_plane(&mut out, plane_out, n, fill);
    out
}

/// Adjoint of `im2col`: dense `[b, c*kh*kw, oh*ow]` -> dense `[b, c, h, w]`, summing overlaps.
pub fn col2im(cols: &[f32], b: usize, c: usize, h: usize, w: usize, g: &Conv2dGeom) -> Vec<f32> {
    let (oh, ow) = g.out_size(h, w);
    let spans = tap_spans(g, (h, w), (oh, ow));
    let plane_in = spans.len() * oh * ow;
    let mut out = vec![0.0f32; b * c * h * w];
    if oh * ow == 0 {
        return out;
    }
    let fill = |p: usize, dst: &mut [f32]| {
        col2im_plane(&cols[p * plane_in..(p + 1) * plane_in], &spans, w, (oh, ow), dst, oh * ow);
    };
    for_each_plane(&mut out, h * w, cols.len(), fill);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// im2col against a direct index-by-index definition, over strides, paddings and
    /// dilations that put windows partly, fully and never outside the image.
    #[test]
    fn im2col_matches_definition() {
        let (b, c, h, w) = (1, 2, 5, 7);
        let x: Vec<f32> = (0..b * c * h * w).map(|i| i as f32 + 1.0).collect();
        for (k, s, p, d) in [(3, 1, 1, 1), (4, 2, 1, 1), (3, 3, 2, 2), (2, 1, 0, 3), (5, 2, 4, 1), (3, 1, 8, 8)] {
            let g = Conv2dGeom::square(k, s, p, d);
            let (oh, ow) = g.out_size(h, w);
            let got = im2col(&x, b, c, h, w, &g, -1.0);
            for (ci, ki, kj, oy, ox) in (0..c).flat_map(|ci| {
                (0..k).flat_map(move |ki| {
                    (0..k).flat_map(move |kj| (0..oh).flat_map(move |oy| (0..ow).map(move |ox| (ci, ki, kj, oy, ox))))
                })
            }) {
                let iy = (oy * s + ki * d) as isize - p as isize;
                let ix = (ox * s + kj * d) as isize - p as isize;
                let inside = (0..h as isize).contains(&iy) && (0..w as isize).contains(&ix);
                let want = if inside { x[ci * h * w + iy as usize * w + ix as usize] } else { -1.0 };
                assert_eq!(got[((ci * k + ki) * k + kj) * oh * ow + oy * ow + ox], want, "k{k} s{s} p{p} d{d}");
            }
        }
    }

    /// <col2im(y), x> == <y, im2col(x)> for random x, y: the two are adjoint.
    #[test]
    fn adjoint_identity() {
        let rect = Conv2dGeom { kh: 3, kw: 2, stride: (2, 1), padding: (1, 1), dilation: (1, 2) };
        let geoms = [
            rect,
            Conv2dGeom::square(4, 2, 1, 1),
            Conv2dGeom::square(3, 3, 2, 2),
            Conv2dGeom::square(5, 2, 4, 1),
            Conv2dGeom::square(3, 1, 8, 8),
        ];
        for g in geoms {
            let (b, c, h, w) = (2, 3, 5, 6);
            let x: Vec<f32> = (0..b * c * h * w).map(|i| (i as f32 * 0.7).sin()).collect();
            let cols = im2col(&x, b, c, h, w, &g, 0.0);
            let y: Vec<f32> = (0..cols.len()).map(|i| (i as f32 * 0.3).cos()).collect();
            let back = col2im(&y, b, c, h, w, &g);
            let lhs: f32 = back.iter().zip(&x).map(|(a, b)| a * b).sum();
            let rhs: f32 = y.iter().zip(&cols).map(|(a, b)| a * b).sum();
            assert!((lhs - rhs).abs() < 1e-3 * rhs.abs().max(1.0), "{g:?}: {lhs} vs {rhs}");
        }
    }
}
