//! Batched matrix multiply over strided views: `matrix/matmul.wgsl` (64 x 64 output tiles) for
//! small products, `matrix/matmul_wide.wgsl` (128 x 128 tiles, 8 x 8 per thread) for large ones.

use super::MAX_LOOP;
use crate::gpu::submit::Bind;
use crate::gpu::{GpuBuffer, GpuDevice, GpuError, Params, coalesce};
use crate::layout::Layout;
use crate::op::{BinaryOp, ReduceOp};
use shaders::Kernel;

/// Most batch dims (after merging) the kernels index.
const MAX_BATCH_RANK: usize = 4;

/// Most workgroups per launch along y and z (WebGPU's per-dimension limit).
const MAX_GROUPS: usize = 65535;

/// Fewest 128 x 128 output tiles (over the whole batch) for which `Auto` picks the wide kernel.
/// Measured on an NVIDIA H200 (8 products queued per sync): the wide kernel leads from 512^2
/// (16 tiles: 13.8 vs 7.6 TFLOP/s; 1024^2: 26.9 vs 13.6) and trails slightly at 256^2 (4 tiles:
/// 1.8 vs 2.0), where the 64 x 64 kernel's four times as many workgroups keep more SMs busy.
const WIDE_MIN_TILES: usize = 16;

/// Which matmul kernel a GPU device runs. `Auto` (the default) picks by the product's size;
/// benchmarks and tests force one with [`GpuDevice::set_matmul_kernel`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MatmulKernel {
    #[default]
    Auto,
    /// 64 x 64 output tiles, 4 x 4 per thread, k steps of 16 (`matrix/matmul.wgsl`).
    Tiled64,
    /// 128 x 128 output tiles, 8 x 8 per thread, k steps of 8, pipelined (`matrix/matmul_wide.wgsl`).
    Wide128,
}

impl MatmulKernel {
    /// The name benchmarks print.
    pub fn name(self) -> &'static str {
        match self {
            MatmulKernel::Auto => "auto",
            MatmulKernel::Tiled64 => "wgsl_tiled64x64",
            MatmulKernel::Wide128 => "wgsl_wide128x128",
        }
    }

    /// The kernel `Auto` resolves to for `batch` products of `m x n` outputs.
    pub fn resolve(self, m: usize, n: usize, batch: usize) -> MatmulKernel {
        match self {
            MatmulKernel::Auto if m.div_ceil(128) * n.div_ceil(128) * batch >= WIDE_MIN_TILES => MatmulKernel::Wide128,
            MatmulKernel::Auto => MatmulKernel::Tiled64,
            other => other,
        }
    }

    /// (kernel, output tile edge, k per step, inner-loop iterations per k step) of a resolved
    /// kernel; `f16` picks the f16 variant of the wide one.
    fn shape(self, f16: bool) -> (Kernel, usize, usize, usize) {
        match self {
            MatmulKernel::Wide128 if f16 => (Kernel::MatmulWideF16, 128, 16, 1),
            MatmulKernel::Wide128 => (Kernel::MatmulWide, 128, 8, 1),
            _ => (Kernel::Matmul, 64, 16, 4),
        }
    }
}

/// Split k into this many chunks (summed afterwards) when the output has so few tiles that the
/// GPU would sit mostly idle while a handful of workgroups walk a long k, aiming at about
/// `SPLIT_TARGET_TILES` workgroups with at least `SPLIT_MIN_K` of k each; and always when k is
/// longer than one launch may loop (`k_max`).
const SPLIT_TARGET_TILES: usize = 128;
const SPLIT_MIN_K: usize = 1024;

fn split_k(tiles: usize, k: usize, k_max: usize) -> usize {
    let need = k.div_ceil(k_max);
    let want = if tiles < SPLIT_TARGET_TILES / 2 { (SPLIT_TARGET_TILES / tiles).min(k / SPLIT_MIN_K) } else { 1 };
    need.max(want).max(1)
}

/// One matmul launch's operands: strides, offsets and the (merged) batch dims with their strides.
struct Operands {
    m: usize,
    n: usize,
    k: usize,
    a: [usize; 3],
    b: [usize; 3],
    batch: Vec<usize>,
    a_batch: Vec<usize>,
    b_batch: Vec<usize>,
}

impl GpuDevice {
    /// `a: [..batch, m, k] @ b: [..batch, k, n]`, both views already broadcast to `batch`;
    /// dense output `[..batch, m, n]`. Long k on few output tiles is split into chunks that run
    /// as one launch (the chunk is an extra batch dim) and are summed by the reduce kernel.
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
        if nb * m * n == 0 {
            return self.alloc(nb * m * n);
        }
        if k == 0 {
            return self.zeros(nb * m * n);
        }
        let (choice, f16) = (self.matmul_kernel(), self.f16_compute());
        let (kernel, tile, k_step, inner) = choice.resolve(m, n, nb).shape(f16);
        let k_max = k_step * (MAX_LOOP / inner);
        let ba = Layout { shape: batch.to_vec(), strides: la.strides[..r - 2].to_vec(), offset: 0 };
        let bb = Layout { shape: batch.to_vec(), strides: lb.strides[..r - 2].to_vec(), offset: 0 };
        let (bs, [sa, sb]) = coalesce(batch, [&ba, &bb]);
        let ops = Operands {
            m,
            n,
            k,
            a: [la.strides[r - 2], la.strides[r - 1], la.offset],
            b: [lb.strides[r - 2], lb.strides[r - 1], lb.offset],
            batch: if nb == 1 { Vec::new() } else { bs },
            a_batch: if nb == 1 { Vec::new() } else { sa },
            b_batch: if nb == 1 { Vec::new() } else { sb },
        };
        let tiles = m.div_ceil(tile) * n.div_ceil(tile) * nb;
        let mut split = split_k(tiles, k, k_max);
        if split > 1 && ops.batch.len() == MAX_BATCH_RANK {
            // No batch dim left for the chunks: split only when k demands it (then refuse).
            split = k.div_ceil(k_max);
        }
        if split == 1 {
            if k > k_max {
                // The kernel's loops would exceed 65535 iterations (a hard stop on lavapipe).
                return Err(GpuError(format!("matmul: inner dim k = {k} exceeds {k_max}")));
            }
            return self.matmul_launch((kernel, tile), (a.0, b.0), &ops);
        }
        if ops.batch.len() == MAX_BATCH_RANK {
            return Err(GpuError(format!(
                "matmul: inner dim k = {k} exceeds {k_max} and {MAX_BATCH_RANK} batch dims leave none to split it"
            )));
        }
        // Chunks of kc along k as the outermost batch dim: partial products [split, nb, m, n].
        let kc = k / split;
        let mut chunks =
            Operands { k: kc, batch: vec![split], a_batch: vec![kc * ops.a[1]], b_batch: vec![kc * ops.b[0]], ..ops };
        chunks.batch.extend(&ops.batch);
        chunks.a_batch.extend(&ops.a_batch);
        chunks.b_batch.extend(&ops.b_batch);
        let parts = self.matmul_launch((kernel, tile), (a.0, b.0), &chunks)?;
        let out_n = nb * m * n;
        let sum = self.reduce(ReduceOp::Sum, &parts, &Layout::contiguous(&[split, out_n]), &[0])?;
        let rest = k - split * kc;
        if rest == 0 {
            return Ok(sum);
        }
        // The last k % split columns of A / rows of B, then one add.
        let mut tail = Operands { k: rest, ..chunks };
        tail.a[2] = ops.a[2] + split * kc * ops.a[1];
        tail.b[2] = ops.b[2] + split * kc * ops.b[0];
        tail.batch = ops.batch;
        tail.a_batch = ops.a_batch;
        tail.b_batch = ops.b_batch;
        let tail = self.matmul_launch((kernel, tile), (a.0, b.0), &tail)?;
        let dense = Layout::contiguous(&[out_n]);
        self.binary(BinaryOp::Add, &[out_n], (&sum, &dense), (&tail, &dense))
    }

    /// One product (split along rows and batches into launches within the workgroup limits) into
    /// a new dense buffer `[..batch, m, n]`.
    fn matmul_launch(
        &self,
        (kernel, tile): (Kernel, usize),
        (a, b): (&GpuBuffer, &GpuBuffer),
        o: &Operands,
    ) -> Result<GpuBuffer, GpuError> {
        if o.batch.len() > MAX_BATCH_RANK {
            let dims = o.batch.len();
            return Err(GpuError(format!("matmul: {dims} non-mergeable batch dims (at most {MAX_BATCH_RANK})")));
        }
        let nb: usize = o.batch.iter().product();
        let out = self.alloc(nb * o.m * o.n)?;
        let four = |v: &[usize]| -> [usize; 4] { std::array::from_fn(|i| v.get(i).copied().unwrap_or(0)) };
        let row_tiles = o.m.div_ceil(tile);
        if o.n.div_ceil(tile) > MAX_GROUPS {
            let n = o.n;
            return Err(GpuError(format!("matmul: n = {n} needs more than {MAX_GROUPS} column tiles of {tile}")));
        }
        for batch_base in (0..nb).step_by(MAX_GROUPS) {
            for tile_base in (0..row_tiles).step_by(MAX_GROUPS) {
                let mut p = Params::default().u(o.m).u(o.n).u(o.k).u(o.batch.len());
                p = p.u(o.a[0]).u(o.a[1]).u(o.b[0]).u(o.b[1]).u(o.a[2]).u(o.b[2]).u(batch_base).u(tile_base);
                for v in [four(&o.batch), four(&o.a_batch), four(&o.b_batch)] {
                    p = v.iter().fold(p, |p, &x| p.u(x));
                }
                let groups = (
                    o.n.div_ceil(tile) as u32,
                    (row_tiles - tile_base).min(MAX_GROUPS) as u32,
                    (nb - batch_base).min(MAX_GROUPS) as u32,
                );
                let binds = [Bind(0, a), Bind(1, b), Bind(2, &out)];
                self.launch(kernel, None, &binds, &p.bytes(), 3, groups)?;
            }
        }
        Ok(out)
    }
}
