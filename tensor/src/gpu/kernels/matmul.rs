//! Batched matrix multiply over strided views (`matrix/matmul.wgsl`).

use super::MAX_LOOP;
use crate::gpu::submit::Bind;
use crate::gpu::{GpuBuffer, GpuDevice, GpuError, Params, coalesce};
use crate::layout::Layout;
use shaders::Kernel;

/// Most batch dims (after merging) the kernel indexes.
const MAX_BATCH_RANK: usize = 4;

/// Most workgroups per launch along y and z (WebGPU's per-dimension limit).
const MAX_GROUPS: usize = 65535;

/// Rows and columns of C per workgroup.
const TILE: usize = 64;

impl GpuDevice {
    /// `a: [..batch, m, k] @ b: [..batch, k, n]`, both views already broadcast to `batch`;
    /// dense output `[..batch, m, n]`.
    pub(crate) fn matmul(
        &self,
        a: (&GpuBuffer, &Layout),
        b: (&GpuBuffer, &Layout),
        batch: &[usize],
    ) -> Result<GpuBuffer, GpuError> {
        let (la, lb) = (a.1, b.1);
        let r = la.rank();
        let (m, k, n) = (la.shape[r - 2], la.shape[r - 1], lb.shape[r - 1]);
        let nb: usize = batch.iter().product();
        let out = self.alloc(nb * m * n)?;
        if nb * m * n == 0 {
            return Ok(out);
        }
        if k == 0 {
            return self.zeros(nb * m * n);
        }
        if k.div_ceil(16) * 4 > MAX_LOOP {
            // The kernel's inner loops would exceed 65535 iterations (a hard stop on lavapipe).
            return Err(GpuError(format!("matmul: inner dim k = {k} exceeds {}", 16 * (MAX_LOOP / 4))));
        }
        let ba = Layout { shape: batch.to_vec(), strides: la.strides[..r - 2].to_vec(), offset: 0 };
        let bb = Layout { shape: batch.to_vec(), strides: lb.strides[..r - 2].to_vec(), offset: 0 };
        let (bs, [sa, sb]) = coalesce(batch, [&ba, &bb]);
        if bs.len() > MAX_BATCH_RANK {
            return Err(GpuError(format!("matmul: {} non-mergeable batch dims (at most {MAX_BATCH_RANK})", bs.len())));
        }
        let four = |v: &[usize]| -> [usize; 4] { std::array::from_fn(|i| v.get(i).copied().unwrap_or(0)) };
        let row_tiles = m.div_ceil(TILE);
        for batch_base in (0..nb).step_by(MAX_GROUPS) {
            for tile_base in (0..row_tiles).step_by(MAX_GROUPS) {
                let mut p = Params::default().u(m).u(n).u(k).u(bs.len());
                p = p.u(la.strides[r - 2]).u(la.strides[r - 1]).u(lb.strides[r - 2]).u(lb.strides[r - 1]);
                p = p.u(la.offset).u(lb.offset).u(batch_base).u(tile_base);
                for v in [four(&bs), four(&sa), four(&sb)] {
                    p = v.iter().fold(p, |p, &x| p.u(x));
                }
                let groups = (
                    n.div_ceil(TILE) as u32,
                    (row_tiles - tile_base).min(MAX_GROUPS) as u32,
                    (nb - batch_base).min(MAX_GROUPS) as u32,
                );
                if groups.0 as usize > MAX_GROUPS {
                    return Err(GpuError(format!(
                        "matmul: n = {n} needs more than {MAX_GROUPS} column tiles of {TILE}"
                    )));
                }
                let binds = [Bind(0, a.0), Bind(1, b.0), Bind(2, &out)];
                self.launch(Kernel::Matmul, None, &binds, &p.bytes(), 3, groups)?;
            }
        }
        Ok(out)
    }
}
