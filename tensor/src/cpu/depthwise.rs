//! Direct depthwise convolution (one filter per channel): the forward of `groups == channels`
//! convolutions without im2col's `kh*kw`-fold copy of the input.

use super::conv::{Span, for_each_plane, tap_spans};
use crate::conv::Conv2dGeom;

/// `dst[o] += wt * src[o * stride]` over `dst`; strides 1 and 2 get loops the compiler vectorises.
#[inline]
fn axpy_strided(dst: &mut [f32], src: &[f32], wt: f32, stride: usize) {
    match stride {
        1 => dst.iter_mut().zip(src).for_each(|(d, &v)| *d += wt * v),
        2 => {
            // The last output reads `src[2 * (n - 1)]`, which may be the final element.
            let Some(last) = dst.len().checked_sub(1) else { return };
            for (d, c) in dst[..last].iter_mut().zip(src.chunks_exact(2)) {
                *d += wt * c[0];
            }
            dst[last] += wt * src[last * 2];
        }
        s => dst.iter_mut().zip(src.iter().step_by(s)).for_each(|(d, &v)| *d += wt * v),
    }
}

/// One output plane: `dst[oy, ox] = bias + Σ_taps wt[tap] * src[oy*sh + ky*dh - ph, ox*sw + kx*dw - pw]`
/// (taps outside the image contribute nothing).
fn plane(dst: &mut [f32], src: &[f32], wt: &[f32], bias: f32, spans: &[(Span, Span)], w: usize, ow: usize) {
    dst.fill(bias);
    for ((sy, sx), &k) in spans.iter().zip(wt) {
        let cols = sx.range.clone();
        for oy in sy.range.clone() {
            let row = &src[sy.input(oy) * w + sx.first..];
            axpy_strided(&mut dst[oy * ow + cols.start..oy * ow + cols.end], row, k, sx.stride);
        }
    }
}

/// Dense `x: [b, c, h, w]`, `weight: [c, kh*kw]`, `bias: [c]` (or none) -> dense `[b, c, oh, ow]`,
/// every channel convolved with its own filter (zero padding).
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv2d(
    x: &[f32],
    weight: &[f32],
    bias: Option<&[f32]>,
    b: usize,
    c: usize,
    h: usize,
    w: usize,
    g: &Conv2dGeom,
) -> Vec<f32> {
    let (oh, ow) = g.out_size(h, w);
    let spans = tap_spans(g, (h, w), (oh, ow));
    let taps = spans.len();
    let mut out = vec![0.0f32; b * c * oh * ow];
    let fill = |p: usize, dst: &mut [f32]| {
        let ch = p % c;
        let bias = bias.map_or(0.0, |bs| bs[ch]);
        plane(dst, &x[p * h * w..(p + 1) * h * w], &weight[ch * taps..(ch + 1) * taps], bias, &spans, w, ow);
    };
    // Each output element costs `taps` multiply-adds: weigh the work accordingly.
    let work = out.len() * taps;
    for_each_plane(&mut out, oh * ow, work, fill);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::conv::im2col;

    /// Against the im2col definition: each channel's column block times its filter.
    #[test]
    fn matches_im2col_per_channel() {
        let (b, c, h, w) = (2, 3, 7, 6);
        let x: Vec<f32> = (0..b * c * h * w).map(|i| (i as f32 * 0.37).sin()).collect();
        let rect = Conv2dGeom { kh: 3, kw: 2, stride: (2, 1), padding: (1, 0), dilation: (1, 2) };
        for g in [rect, Conv2dGeom::square(3, 1, 1, 1), Conv2dGeom::square(5, 2, 2, 1), Conv2dGeom::square(3, 3, 4, 2)]
        {
            let taps = g.kh * g.kw;
            let wt: Vec<f32> = (0..c * taps).map(|i| (i as f32 * 0.71).cos()).collect();
            let bias = [0.5, -0.25, 0.125];
            let (oh, ow) = g.out_size(h, w);
            let got = depthwise_conv2d(&x, &wt, Some(&bias), b, c, h, w, &g);
            let cols = im2col(&x, b, c, h, w, &g, 0.0);
            for p in 0..b * c {
                let ch = p % c;
                for o in 0..oh * ow {
                    let want: f32 = bias[ch]
                        + (0..taps).map(|t| wt[ch * taps + t] * cols[(p * taps + t) * oh * ow + o]).sum::<f32>();
                    let v = got[p * oh * ow + o];
                    assert!((v - want).abs() < 1e-5, "{g:?} plane {p} output {o}: {v} vs {want}");
                }
            }
        }
    }
}
