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

    /// Panics unless a weight of shape `ws` fits a grouped convolution of an input of shape `x`:
    /// PyTorch's layout `[out, in/groups, kh, kw]`, with `groups` dividing both channel counts.
    pub fn check_grouped_weight(&self, ws: &[usize], x: &[usize], groups: usize) {
        let c = x.get(1).copied().unwrap_or(0);
        let fits = groups > 0
            && c.is_multiple_of(groups)
            && ws.len() == 4
            && ws[0].is_multiple_of(groups)
            && ws[1] * groups == c
            && ws[2..] == [self.kh, self.kw];
        assert!(
            fits,
            "conv2d: weight shape {ws:?} does not fit input shape {x:?} with groups {groups} (expected \
             [out, {}, {}, {}] with out divisible by {groups})",
            c / groups.max(1),
            self.kh,
            self.kw
        );
    }
}

/// Everything a transposed convolution needs besides its operands: the conv2d window geometry it
/// is the adjoint of, its output size, and `extra`, the zero rows/columns to append to the input
/// when `output_padding >= stride` (allowed when `dilation > stride`) lets the output hold more
/// windows than the input has. Shared by `Tensor::conv_transpose2d` and its autograd twin.
#[derive(Clone, Copy, Debug)]
pub struct ConvTransposePlan {
    pub geom: Conv2dGeom,
    pub out: (usize, usize),
    pub extra: usize,
}

impl ConvTransposePlan {
    /// Validates the settings (panicking with the op name, as any shape misuse) and plans an input
    /// of `hw` with a square kernel `k`.
    pub fn new(
        hw: (usize, usize),
        k: usize,
        stride: usize,
        padding: usize,
        output_padding: usize,
        dilation: usize,
    ) -> Self {
        assert!(
            output_padding < stride.max(dilation),
            "conv_transpose2d: output_padding {output_padding} must be smaller than stride or dilation"
        );
        let geom = Conv2dGeom::square(k, stride, padding, dilation);
        geom.validate("conv_transpose2d");
        let out = |n: usize| ((n - 1) * stride + dilation * (k - 1) + output_padding + 1).saturating_sub(2 * padding);
        ConvTransposePlan { geom, out: (out(hw.0), out(hw.1)), extra: output_padding / stride }
    }
}
