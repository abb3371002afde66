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
    /// First input index and number of taps of each output sample.
    span: Vec<(usize, usize)>,
    /// Weight slots per output sample (`weights` holds `stride` per sample; unused slots are 0).
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
        let mut span = Vec::with_capacity(n_out);
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
            span.push((lo, hi - lo));
        }
        AxisTaps { span, stride, weights }
    }

    /// First input index and weights of output sample i.
    #[inline]
    fn taps(&self, i: usize) -> (usize, &[f32]) {
        let (start, n) = self.span[i];
        (start, &self.weights[i * self.stride..i * self.stride + n])
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
        self.resize_with(src, channels)
    }

    /// src: `[in_h, in_w, c]` u8 -> `[out_h, out_w, c]` u8, written to `out`.
    pub fn resize_u8(&self, src: &[u8], channels: usize, out: &mut [u8]) {
        let v = self.resize_with(src, channels);
        assert_eq!(out.len(), v.len(), "resize_u8: output holds {} bytes, expected {}", out.len(), v.len());
        for (o, x) in out.iter_mut().zip(v) {
            *o = x.round_ties_even().clamp(0.0, 255.0) as u8;
        }
    }

    /// Both passes accumulate taps in ascending input order from 0, as PyTorch does (the fixture test
    /// checks the rounded u8 bytes exactly, so the order matters at .5 ties). Each pass combines whole
    /// contiguous lines (vectorisable); the width pass runs on the transposed image for that.
    fn resize_with<T: Copy + Into<f32>>(&self, src: &[T], c: usize) -> Vec<f32> {
        let ((ih, iw), ow) = (self.in_hw, self.out_hw.1);
        assert_eq!(src.len(), ih * iw * c, "resize: input has {} values, expected {ih}x{iw}x{c}", src.len());
        // [ih, iw, c] -> columns [iw, ih * c].
        let mut cols = vec![0.0f32; iw * ih * c];
        for (y, row) in src.chunks_exact(iw * c).enumerate() {
            for (x, px) in row.chunks_exact(c).enumerate() {
                for (ch, v) in px.iter().enumerate() {
                    cols[x * ih * c + y * c + ch] = (*v).into();
                }
            }
        }
        // Width pass on columns: [iw, ih * c] -> [ow, ih * c]; then back to rows [ih, ow * c].
        let narrow = combine_lines(&cols, ih * c, &self.cols);
        let mut wide = vec![0.0f32; ih * ow * c];
        for (x, col) in narrow.chunks_exact(ih * c).enumerate() {
            for (y, px) in col.chunks_exact(c).enumerate() {
                wide[(y * ow + x) * c..(y * ow + x + 1) * c].copy_from_slice(px);
            }
        }
        // Height pass on rows: [ih, ow * c] -> [oh, ow * c].
        combine_lines(&wide, ow * c, &self.rows)
    }
}

/// `out[i] = sum_j w_ij lines[start_i + j]` over whole lines of `line` values: `[n_in, line] -> [n_out, line]`.
fn combine_lines(lines: &[f32], line: usize, taps: &AxisTaps) -> Vec<f32> {
    let mut out = vec![0.0f32; taps.span.len() * line];
    for (i, out_line) in out.chunks_exact_mut(line).enumerate() {
        let (start, w) = taps.taps(i);
        for (j, w) in w.iter().enumerate() {
            let in_line = &lines[(start + j) * line..(start + j + 1) * line];
            out_line.iter_mut().zip(in_line).for_each(|(o, v)| *o += w * v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_uses_the_stretched_triangle() {
        // 128 -> 64: interior taps (1, 3, 3, 1) / 8; the first sample has 3 taps (3, 3, 1) / 7.
        let t = AxisTaps::new(128, 64);
        assert_eq!((t.span[0], t.span[5]), ((0, 3), (9, 4)));
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
