//! gather / scatter_add along one dim (`index/gather.wgsl`).

use super::{check_loop, check_rank};
use crate::gpu::submit::Bind;
use crate::gpu::submit::fold_groups;
use crate::gpu::{GpuBuffer, GpuDevice, GpuError, Params};
use crate::layout::Layout;
use shaders::Kernel;

/// Index lines at least this long get a workgroup per output element.
const TREE_MIN: usize = 256;

fn params(
    numel: usize,
    dim: usize,
    src_dim: usize,
    out_shape: &[usize],
    ls: &Layout,
    li: &Layout,
) -> Result<Params, GpuError> {
    check_rank(out_shape.len(), "gather")?;
    Ok(Params::default()
        .u(numel)
        .u(out_shape.len())
        .u(dim)
        .u(src_dim)
        .u(ls.offset)
        .u(li.offset)
        .row()
        .arr8(out_shape)
        .arr8(&li.shape)
        .arr8(&ls.strides)
        .arr8(&li.strides))
}

impl GpuDevice {
    /// `out[i] = src[i with coord dim = index[i]]`, out dense with the index's shape.
    pub(crate) fn gather(
        &self,
        src: (&GpuBuffer, &Layout),
        index: (&GpuBuffer, &Layout),
        dim: usize,
    ) -> Result<GpuBuffer, GpuError> {
        let (ls, li) = (src.1, index.1);
        let n = li.numel();
        let out = self.alloc(n)?;
        let p = params(n, dim, ls.shape[dim], &li.shape, ls, li)?;
        // The kernel binds `base` only for scatter_add; gather's layout omits binding 2.
        self.launch_1d(Kernel::Gather, None, &[Bind(0, src.0), Bind(1, index.0), Bind(3, &out)], &p.bytes(), 4, n)?;
        Ok(out)
    }

    /// `base` (dense, `shape`) plus `src` scattered along `dim` at `index` (same shape as src).
    pub(crate) fn scatter_add(
        &self,
        base: &GpuBuffer,
        shape: &[usize],
        index: (&GpuBuffer, &Layout),
        src: (&GpuBuffer, &Layout),
        dim: usize,
    ) -> Result<GpuBuffer, GpuError> {
        let n: usize = shape.iter().product();
        let out = self.alloc(n)?;
        let p = params(n, dim, shape[dim], shape, src.1, index.1)?;
        let binds = [Bind(0, src.0), Bind(1, index.0), Bind(2, base), Bind(3, &out)];
        let line = index.1.shape[dim];
        if line >= TREE_MIN {
            // Long index lines: a workgroup per output, threads striding over the line.
            check_loop(line.div_ceil(256), "scatter_add")?;
            let (gx, gy) = fold_groups(n)?;
            self.launch(Kernel::ScatterAddTree, None, &binds, &p.bytes(), 4, (gx, gy, 1))?;
        } else {
            self.launch_1d(Kernel::ScatterAdd, None, &binds, &p.bytes(), 4, n)?;
        }
        Ok(out)
    }
}
