//! Antialiased bilinear image resizing with the numbers of PyTorch's
//! `F.interpolate(mode="bilinear", antialias=True, align_corners=False)` (what upstream's
//! `torchvision.transforms.functional.resize(..., antialias=True)` calls), for HWC images.
//!
//! The filter is a triangle stretched by the downscale factor (PIL's "bilinear" reduction), applied
//! separably: along the width first, then along the height. A u8 result is the f32 result rounded half
//! to even and clamped, as torchvision does for uint8 tensors.

/// The input taps of every output sample along one axis.
#[derive(Clone, Debug)]
struct AxisTaps {
    /// First input index of each output sample.
    start: Vec<usize>,
    /// Taps per output sample (`weights` holds `stride` slots per sample; unused slots are 0).
    stride: usize,
    /// Normalised weights, `out * stride`.
    weights: Vec<f32>,
}

impl AxisTaps {
    /// For output sample i: scale = n_in / n_out, center = scale (i + 0.5), support = max(scale, 1);
    /// taps j in [trunc(center - support + 0.5), trunc(center + support + 0.5)) clipped to the input,
    /// weight ∝ max(0, 1 - |(j - center + 0.5) / max(scale, 1)|), normalised to sum 1.
    fn new(n_in: usize, n_out: usize) -> AxisTaps {
        assert!(n_in > 0 && n_out > 0, "resize: empty axis ({n_in} -> {n_out})");
        // f32 throughout, like PyTorch's kernel for float tensors.
        let scale = n_in as f32 / n_out as f32;
        let (support, inv_scale) = if scale >= 1.0 { (scale, 1.0 / scale) } else { (1.0, 1.0) };
        let stride = (support.ceil() as usize) * 2 + 1;
        let mut start = Vec::with_capacity(n_out);
        let mut weights = vec![0.0f32; n_out * stride];
        for i in 0..n_out {
            let center = scale * (i as f32 + 0.5);
            // `as i64` truncates toward zero, as the C++ cast does (so -0.5 becomes 0).
            let lo = ((center - support + 0.5) as i64).max(0) as usize;
            let hi = ((center + support + 0.5) as i64).min(n_in as i64) as usize;
            let w = &mut weights[i * stride..(i + 1) * stride];
            for j in lo..hi {
                w[j - lo] = (1.0 - ((j as f32 - center + 0.5) * inv_scale).abs()).max(0.0);
            }
            let total: f32 = w.iter().sum();
            if total != 0.0 {
                w.iter_mut().for_each(|v| *v /= total);
            }
            start.push(lo);
        }
        AxisTaps { start, stride, weights }
    }

    /// `sum_j w_ij line(start_i + j)` for output sample i.
    #[inline]
    fn apply(&self, i: usize, line: impl Fn(usize) -> f32) -> f32 {
        let w = &self.weights[i * self.stride..(i + 1) * self.stride];
        let s = self.start[i];
        w.iter().enumerate().filter(|(_, w)| **w != 0.0).map(|(j, w)| w * line(s + j)).sum()
    }
}

/// A resize of `[in_h, in_w, c]` images to `[out_h, out_w, c]` with precomputed taps.
#[derive(Clone, Debug)]
pub struct Resizer {
    in_hw: (usize, usize),
    out_hw: (usize, usize),
    rows: AxisTaps,
    cols: AxisTaps,
}

impl Resizer {
    /// A resizer from `in_hw` = (height, width) to `out_hw`.
    pub fn new(in_hw: (usize, usize), out_hw: (usize, usize)) -> Resizer {
        Resizer { in_hw, out_hw, rows: AxisTaps::new(in_hw.0, out_hw.0), cols: AxisTaps::new(in_hw.1, out_hw.1) }
    }

    /// src: `[in_h, in_w, c]` f32 -> `[out_h, out_w, c]` f32.
    pub fn resize_f32(&self, src: &[f32], channels: usize) -> Vec<f32> {
        self.resize_with(src.len(), |i| src[i], channels)
    }

    /// src: `[in_h, in_w, c]` u8 -> `[out_h, out_w, c]` u8, written to `out`.
    pub fn resize_u8(&self, src: &[u8], channels: usize, out: &mut [u8]) {
        let v = self.resize_with(src.len(), |i| src[i] as f32, channels);
        assert_eq!(out.len(), v.len(), "resize_u8: output holds {} bytes, expected {}", out.len(), v.len());
        for (o, x) in out.iter_mut().zip(v) {
            *o = x.round_ties_even().clamp(0.0, 255.0) as u8;
        }
    }

    fn resize_with(&self, len: usize, at: impl Fn(usize) -> f32, c: usize) -> Vec<f32> {
        let ((ih, iw), (oh, ow)) = (self.in_hw, self.out_hw);
        assert_eq!(len, ih * iw * c, "resize: input has {len} values, expected {ih}x{iw}x{c}");
        // Width pass: [ih, iw, c] -> [ih, ow, c].
        let mut wide = vec![0.0f32; ih * ow * c];
        for y in 0..ih {
            for x in 0..ow {
                for ch in 0..c {
                    wide[(y * ow + x) * c + ch] = self.cols.apply(x, |j| at((y * iw + j) * c + ch));
                }
            }
        }
        // Height pass: [ih, ow, c] -> [oh, ow, c].
        let mut out = vec![0.0f32; oh * ow * c];
        for y in 0..oh {
            for x in 0..ow {
                for ch in 0..c {
                    out[(y * ow + x) * c + ch] = self.rows.apply(y, |j| wide[(j * ow + x) * c + ch]);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_uses_the_stretched_triangle() {
        // 128 -> 64: interior taps (1, 3, 3, 1) / 8; the first sample has 3 taps (3, 3, 1) / 7.
        let t = AxisTaps::new(128, 64);
        assert_eq!((t.start[0], t.start[5]), (0, 9));
        assert_eq!(&t.weights[5 * t.stride..5 * t.stride + 4], &[0.125, 0.375, 0.375, 0.125]);
        let w0: Vec<f32> = t.weights[..3].to_vec();
        assert!((w0[0] - 3.0 / 7.0).abs() < 1e-6 && (w0[2] - 1.0 / 7.0).abs() < 1e-6, "{w0:?}");
    }

    #[test]
    fn same_size_is_the_identity() {
        let src: Vec<f32> = (0..5 * 7 * 3).map(|i| (i * 37 % 101) as f32).collect();
        assert_eq!(Resizer::new((5, 7), (5, 7)).resize_f32(&src, 3), src);
    }
}
