//! Reductions and argmax/argmin (`reduce/*.wgsl`).

use super::{check_loop, check_rank};
use crate::gpu::submit::{Bind, fold_groups};
use crate::gpu::{GpuBuffer, GpuDevice, GpuError, Params};
use crate::layout::Layout;
use crate::op::ReduceOp;
use shaders::Kernel;

/// Reductions at least this long get a workgroup each (tree reduction); shorter ones a thread.
const TREE_MIN: usize = 256;

/// `(shape, strides)` of `dims` of `l` with size-1 dims dropped and dense neighbours merged.
fn merged(l: &Layout, dims: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let sub = Layout {
        shape: dims.iter().map(|&d| l.shape[d]).collect(),
        strides: dims.iter().map(|&d| l.strides[d]).collect(),
        offset: 0,
    };
    let (s, [st]) = crate::gpu::coalesce(&sub.shape, [&sub]);
    (s, st)
}

impl GpuDevice {
    /// `op` over `dims` (sorted, unique) of the view `l`; dense output in row-major order of
    /// the kept dims.
    pub(crate) fn reduce(
        &self,
        op: ReduceOp,
        x: &GpuBuffer,
        l: &Layout,
        dims: &[usize],
    ) -> Result<GpuBuffer, GpuError> {
        let kept: Vec<usize> = (0..l.rank()).filter(|d| !dims.contains(d)).collect();
        let n_out: usize = kept.iter().map(|&d| l.shape[d]).product();
        let n_red: usize = dims.iter().map(|&d| l.shape[d]).product();
        let out = self.alloc(n_out)?;
        if n_out == 0 {
            return Ok(out);
        }
        let (ks, kst) = merged(l, &kept);
        let (rs, rst) = merged(l, dims);
        check_rank(ks.len() + rs.len(), "reduce")?;
        let shape: Vec<usize> = ks.iter().chain(&rs).copied().collect();
        let strides: Vec<usize> = kst.iter().chain(&rst).copied().collect();
        let p =
            Params::default().u(n_out).u(n_red).u(ks.len()).u(rs.len()).u(l.offset).row().arr8(&shape).arr8(&strides);
        let binds = [Bind(0, x), Bind(1, &out)];
        if n_red >= TREE_MIN {
            check_loop(n_red.div_ceil(256), "reduce")?;
            let (gx, gy) = fold_groups(n_out)?;
            self.launch(Kernel::ReduceTree, Some(op.id()), &binds, &p.bytes(), 2, (gx, gy, 1))?;
        } else {
            self.launch_1d(Kernel::ReduceThread, Some(op.id()), &binds, &p.bytes(), 2, n_out)?;
        }
        Ok(out)
    }

    /// Index of the max (`max`) or min along `dim` of the view `l` (dim removed), as f32.
    pub(crate) fn arg_extreme(&self, x: &GpuBuffer, l: &Layout, dim: usize, max: bool) -> Result<GpuBuffer, GpuError> {
        let kept: Vec<usize> = (0..l.rank()).filter(|&d| d != dim).collect();
        let n_out: usize = kept.iter().map(|&d| l.shape[d]).product();
        let out = self.alloc(n_out)?;
        let (ks, kst) = merged(l, &kept);
        check_rank(ks.len(), "argmax")?;
        check_loop(l.shape[dim], "argmax")?;
        let p = Params::default()
            .u(n_out)
            .u(l.shape[dim])
            .u(ks.len())
            .u(l.strides[dim])
            .u(l.offset)
            .row()
            .arr8(&ks)
            .arr8(&kst);
        self.launch_1d(
            Kernel::ArgExtreme,
            Some(if max { 0 } else { 1 }),
            &[Bind(0, x), Bind(1, &out)],
            &p.bytes(),
            2,
            n_out,
        )?;
        Ok(out)
    }
}
