//! im2col / col2im: the two adjoint primitives behind conv2d, conv_transpose2d and pooling.

use super::elementwise::PAR_MIN_ELEMS;
use crate::conv::Conv2dGeom;
use rayon::prelude::*;

/// Dense `[b, c, h, w]` -> dense `[b, c*kh*kw, oh*ow]`; out-of-image taps read `pad_value`.
pub fn im2col(x: &[f32], b: usize, c: usize, h: usize, w: usize, g: &Conv2dGeom, pad_value: f32) -> Vec<f32> {
    let (oh, ow) = g.out_size(h, w);
    let taps = g.kh * g.kw;
    let plane_out = taps * oh * ow;
    let mut out = vec![0.0f32; b * c * plane_out];
    let fill = |(p, dst): (usize, &mut [f32])| {
        let src = &x[p * h * w..(p + 1) * h * w];
        for ki in 0..g.kh {
            for kj in 0..g.kw {
                let row = &mut dst[(ki * g.kw + kj) * oh * ow..][..oh * ow];
                for oy in 0..oh {
                    let iy = (oy * g.stride.0 + ki * g.dilation.0) as isize - g.padding.0 as isize;
                    let dst_row = &mut row[oy * ow..(oy + 1) * ow];
                    if iy < 0 || iy >= h as isize {
                        dst_row.fill(pad_value);
                        continue;
                    }
                    let src_row = &src[iy as usize * w..(iy as usize + 1) * w];
                    for (ox, d) in dst_row.iter_mut().enumerate() {
                        let ix = (ox * g.stride.1 + kj * g.dilation.1) as isize - g.padding.1 as isize;
                        *d = if ix < 0 || ix >= w as isize { pad_value } else { src_row[ix as usize] };
                    }
                }
            }
        }
    };
    if out.len() >= PAR_MIN_ELEMS {
        out.par_chunks_mut(plane_out).enumerate().for_each(fill);
    } else {
        out.chunks_mut(plane_out).enumerate().for_each(fill);
    }
    out
}

/// Adjoint of `im2col`: dense `[b, c*kh*kw, oh*ow]` -> dense `[b, c, h, w]`, summing overlaps.
pub fn col2im(cols: &[f32], b: usize, c: usize, h: usize, w: usize, g: &Conv2dGeom) -> Vec<f32> {
    let (oh, ow) = g.out_size(h, w);
    let taps = g.kh * g.kw;
    let plane_in = taps * oh * ow;
    let mut out = vec![0.0f32; b * c * h * w];
    let fill = |(p, dst): (usize, &mut [f32])| {
        let src = &cols[p * plane_in..(p + 1) * plane_in];
        for ki in 0..g.kh {
            for kj in 0..g.kw {
                let row = &src[(ki * g.kw + kj) * oh * ow..][..oh * ow];
                for oy in 0..oh {
                    let iy = (oy * g.stride.0 + ki * g.dilation.0) as isize - g.padding.0 as isize;
                    if iy < 0 || iy >= h as isize {
                        continue;
                    }
                    let dst_row = &mut dst[iy as usize * w..(iy as usize + 1) * w];
                    for (ox, &v) in row[oy * ow..(oy + 1) * ow].iter().enumerate() {
                        let ix = (ox * g.stride.1 + kj * g.dilation.1) as isize - g.padding.1 as isize;
                        if ix >= 0 && ix < w as isize {
                            dst_row[ix as usize] += v;
                        }
                    }
                }
            }
        }
    };
    if cols.len() >= PAR_MIN_ELEMS {
        out.par_chunks_mut(h * w).enumerate().for_each(fill);
    } else {
        out.chunks_mut(h * w).enumerate().for_each(fill);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// <col2im(y), x> == <y, im2col(x)> for random x, y: the two are adjoint.
    #[test]
    fn adjoint_identity() {
        let g = Conv2dGeom { kh: 3, kw: 2, stride: (2, 1), padding: (1, 1), dilation: (1, 2) };
        let (b, c, h, w) = (2, 3, 5, 6);
        let x: Vec<f32> = (0..b * c * h * w).map(|i| (i as f32 * 0.7).sin()).collect();
        let cols = im2col(&x, b, c, h, w, &g, 0.0);
        let y: Vec<f32> = (0..cols.len()).map(|i| (i as f32 * 0.3).cos()).collect();
        let back = col2im(&y, b, c, h, w, &g);
        let lhs: f32 = back.iter().zip(&x).map(|(a, b)| a * b).sum();
        let rhs: f32 = y.iter().zip(&cols).map(|(a, b)| a * b).sum();
        assert!((lhs - rhs).abs() < 1e-3 * rhs.abs().max(1.0), "{lhs} vs {rhs}");
    }
}
