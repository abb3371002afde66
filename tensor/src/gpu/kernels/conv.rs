//! im2col / col2im (`conv/im2col.wgsl`) and depthwise convolution (`conv/depthwise.wgsl`) over
//! dense NCHW data.

use crate::conv::Conv2dGeom;
use crate::gpu::submit::Bind;
use crate::gpu::{GpuBuffer, GpuDevice, GpuError, Params};
use shaders::Kernel;

/// `numel, b, c, <slot>` then the window geometry: the `Params` layout both conv files share; the
/// fourth word is `slot` (im2col's pad value, depthwise's has-bias flag).
fn params(numel: usize, bchw: [usize; 4], g: &Conv2dGeom, slot: impl FnOnce(Params) -> Params) -> Params {
    let (oh, ow) = g.out_size(bchw[2], bchw[3]);
    slot(Params::default().u(numel).u(bchw[0]).u(bchw[1]))
        .u(bchw[2])
        .u(bchw[3])
        .u(oh)
        .u(ow)
        .u(g.kh)
        .u(g.kw)
        .u(g.stride.0)
        .u(g.stride.1)
        .u(g.padding.0)
        .u(g.padding.1)
        .u(g.dilation.0)
        .u(g.dilation.1)
}

impl GpuDevice {
    /// Dense `x: [b, c, h, w]` (from element 0) -> `[b, c*kh*kw, oh*ow]`, padding reads `pad`.
    pub(crate) fn im2col(
        &self,
        x: &GpuBuffer,
        bchw: [usize; 4],
        g: &Conv2dGeom,
        pad: f32,
    ) -> Result<GpuBuffer, GpuError> {
        let (oh, ow) = g.out_size(bchw[2], bchw[3]);
        let n = bchw[0] * bchw[1] * g.kh * g.kw * oh * ow;
        let out = self.alloc(n)?;
        let p = params(n, bchw, g, |p| p.f(pad));
        self.launch_1d(Kernel::Im2col, None, &[Bind(0, x), Bind(1, &out)], &p.bytes(), 2, n)?;
        Ok(out)
    }

    /// Dense `cols: [b, c*kh*kw, oh*ow]` -> `[b, c, h, w]`, overlapping taps summed.
    pub(crate) fn col2im(&self, cols: &GpuBuffer, bchw: [usize; 4], g: &Conv2dGeom) -> Result<GpuBuffer, GpuError> {
        let n: usize = bchw.iter().product();
        let out = self.alloc(n)?;
        let p = params(n, bchw, g, |p| p.f(0.0));
        self.launch_1d(Kernel::Col2im, None, &[Bind(0, cols), Bind(1, &out)], &p.bytes(), 2, n)?;
        Ok(out)
    }

    /// Dense `x: [b, c, h, w]`, `weight: [c, kh*kw]`, optional `bias: [c]` -> `[b, c, oh, ow]`, each
    /// channel convolved with its own filter.
    pub(crate) fn depthwise_conv2d(
        &self,
        x: &GpuBuffer,
        weight: &GpuBuffer,
        bias: Option<&GpuBuffer>,
        bchw: [usize; 4],
        g: &Conv2dGeom,
    ) -> Result<GpuBuffer, GpuError> {
        super::check_loop(g.kh * g.kw, "depthwise_conv2d")?;
        let (oh, ow) = g.out_size(bchw[2], bchw[3]);
        let n = bchw[0] * bchw[1] * oh * ow;
        let out = self.alloc(n)?;
        let p = params(n, bchw, g, |p| p.u(usize::from(bias.is_some())));
        // Without a bias the weight buffer fills binding 2 (the kernel never reads it then).
        let binds = [Bind(0, x), Bind(1, weight), Bind(2, bias.unwrap_or(weight)), Bind(3, &out)];
        self.launch_1d(Kernel::Depthwise, None, &binds, &p.bytes(), 4, n)?;
        Ok(out)
    }
}
