//! Geometry of 2-D convolution / pooling windows (kernel, stride, padding, dilation).

/// Window geometry shared by conv2d, conv_transpose2d and the pooling ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dGeom {
    pub kh: usize,
    pub kw: usize,
    pub stride: (usize, usize),
    pub padding: (usize, usize),
    pub dilation: (usize, usize),
}

impl Conv2dGeom {
    /// Square kernel `k` with equal stride/padding/dilation on both axes.
    pub fn square(k: usize, stride: usize, padding: usize, dilation: usize) -> Self {
        Conv2dGeom {
            kh: k,
            kw: k,
            stride: (stride, stride),
            padding: (padding, padding),
            dilation: (dilation, dilation),
        }
    }

    /// Output (height, width) for an input of `h x w` (0 when the window does not fit).
    pub fn out_size(&self, h: usize, w: usize) -> (usize, usize) {
        let span = |n: usize, k: usize, s: usize, p: usize, d: usize| {
            let eff = d * (k - 1) + 1;
            if n + 2 * p < eff { 0 } else { (n + 2 * p - eff) / s + 1 }
        };
        (
            span(h, self.kh, self.stride.0, self.padding.0, self.dilation.0),
            span(w, self.kw, self.stride.1, self.padding.1, self.dilation.1),
        )
    }

    /// Panics naming `op` when the geometry has zero sizes.
    pub fn validate(&self, op: &str) {
        assert!(
            self.kh > 0
                && self.kw > 0
                && self.stride.0 > 0
                && self.stride.1 > 0
                && self.dilation.0 > 0
                && self.dilation.1 > 0,
            "{op}: kernel, stride and dilation must be positive, got {self:?}"
        );
    }
}
