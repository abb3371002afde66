//! unary / binary / where / copy_strided over strided views (`elementwise/*.wgsl`).

use super::check_rank;
use crate::gpu::submit::Bind;
use crate::gpu::{GpuBuffer, GpuDevice, GpuError, Params, coalesce};
use crate::layout::Layout;
use crate::op::{BinaryOp, UnaryOp};
use shaders::Kernel;

/// The shared `Params` of the elementwise kernels for up to three operand views of `shape`
/// (missing operands get zero strides).
fn params<const N: usize>(shape: &[usize], layouts: [&Layout; N], p: [f32; 2]) -> Result<(usize, Params), GpuError> {
    let numel: usize = shape.iter().product();
    let (dims, strides) = coalesce(shape, layouts);
    check_rank(dims.len(), "elementwise")?;
    let mut offsets = [0usize; 4];
    for (o, l) in offsets.iter_mut().zip(layouts) {
        *o = l.offset;
    }
    let mut w = Params::default().u(numel).u(dims.len()).f(p[0]).f(p[1]);
    w = offsets.iter().fold(w, |w, &o| w.u(o)).arr8(&dims);
    for k in 0..3 {
        w = w.arr8(strides.get(k).map(|s| s.as_slice()).unwrap_or(&[]));
    }
    Ok((numel, w))
}

impl GpuDevice {
    /// `op` applied to every element of the view `l` of `x`; dense output.
    pub(crate) fn unary(&self, op: UnaryOp, x: &GpuBuffer, l: &Layout) -> Result<GpuBuffer, GpuError> {
        let (n, p) = params(&l.shape, [l], op.params())?;
        let out = self.alloc(n)?;
        self.launch_1d(Kernel::Unary, Some(op.id()), &[Bind(0, x), Bind(1, &out)], &p.bytes(), 2, n)?;
        Ok(out)
    }

    /// `op(a, b)` over views already broadcast to `shape`; dense output.
    pub(crate) fn binary(
        &self,
        op: BinaryOp,
        shape: &[usize],
        a: (&GpuBuffer, &Layout),
        b: (&GpuBuffer, &Layout),
    ) -> Result<GpuBuffer, GpuError> {
        let (n, p) = params(shape, [a.1, b.1], [0.0; 2])?;
        let out = self.alloc(n)?;
        self.launch_1d(Kernel::Binary, Some(op.id()), &[Bind(0, a.0), Bind(1, b.0), Bind(2, &out)], &p.bytes(), 3, n)?;
        Ok(out)
    }

    /// `cond != 0 ? a : b` over views already broadcast to `shape`; dense output.
    pub(crate) fn where_cond(
        &self,
        shape: &[usize],
        c: (&GpuBuffer, &Layout),
        a: (&GpuBuffer, &Layout),
        b: (&GpuBuffer, &Layout),
    ) -> Result<GpuBuffer, GpuError> {
        let (n, p) = params(shape, [c.1, a.1, b.1], [0.0; 2])?;
        let out = self.alloc(n)?;
        let binds = [Bind(0, c.0), Bind(1, a.0), Bind(2, b.0), Bind(3, &out)];
        self.launch_1d(Kernel::Where, None, &binds, &p.bytes(), 4, n)?;
        Ok(out)
    }

    /// Copies the view `src_l` of `src` into the view `dst_l` of `dst` (same shape).
    pub(crate) fn copy_into(
        &self,
        src: &GpuBuffer,
        src_l: &Layout,
        dst: &GpuBuffer,
        dst_l: &Layout,
    ) -> Result<(), GpuError> {
        let (n, p) = params(&src_l.shape, [src_l, dst_l], [0.0; 2])?;
        self.launch_1d(Kernel::Copy, None, &[Bind(0, src), Bind(1, dst)], &p.bytes(), 2, n)
    }

    /// A dense copy of the view `l` of `src`.
    pub(crate) fn copy_strided(&self, src: &GpuBuffer, l: &Layout) -> Result<GpuBuffer, GpuError> {
        let out = self.alloc(l.numel())?;
        self.copy_into(src, l, &out, &Layout::contiguous(&l.shape))?;
        Ok(out)
    }
}
