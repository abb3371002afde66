//! im2col / col2im over dense NCHW data (`conv/im2col.wgsl`).

use crate::conv::Conv2dGeom;
use crate::gpu::submit::Bind;
use crate::gpu::{GpuBuffer, GpuDevice, GpuError, Params};
use shaders::Kernel;

fn params(numel: usize, bchw: [usize; 4], g: &Conv2dGeom, pad_value: f32) -> Params {
    let (oh, ow) = g.out_size(bchw[2], bchw[3]);
    Params::default()
        .u(numel)
        .u(bchw[0])
        .u(bchw[1])
        .f(pad_value)
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
        let p = params(n, bchw, g, pad);
        self.launch_1d(Kernel::Im2col, None, &[Bind(0, x), Bind(1, &out)], &p.bytes(), 2, n)?;
        Ok(out)
    }

    /// Dense `cols: [b, c*kh*kw, oh*ow]` -> `[b, c, h, w]`, overlapping taps summed.
    pub(crate) fn col2im(&self, cols: &GpuBuffer, bchw: [usize; 4], g: &Conv2dGeom) -> Result<GpuBuffer, GpuError> {
        let n: usize = bchw.iter().product();
        let out = self.alloc(n)?;
        let p = params(n, bchw, g, 0.0);
        self.launch_1d(Kernel::Col2im, None, &[Bind(0, cols), Bind(1, &out)], &p.bytes(), 2, n)?;
        Ok(out)
    }
}
