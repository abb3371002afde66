//! Launch helpers, one file per WGSL kernel family: each checks what the kernel cannot,
//! builds its `Params`, allocates the output and records the dispatch.

pub(crate) mod conv;
pub(crate) mod elementwise;
pub(crate) mod fused;
pub(crate) mod index;
pub(crate) mod matmul;
pub(crate) mod reduce;

use super::GpuError;
use super::params::MAX_RANK;

/// Most iterations one loop of one kernel invocation may run: lavapipe (llvmpipe) silently
/// stops every loop after 65535 iterations in total, so longer loops are refused up front.
pub(crate) const MAX_LOOP: usize = 65535;

/// Fails when a kernel's per-thread loop would run more than `MAX_LOOP` times.
pub(crate) fn check_loop(iterations: usize, what: &str) -> Result<(), GpuError> {
    if iterations > MAX_LOOP {
        return Err(GpuError(format!(
            "{what}: one GPU thread would loop {iterations} times (kernels keep loops within {MAX_LOOP}, a \
             software-driver limit); split the op"
        )));
    }
    Ok(())
}

/// Fails when a merged view still has more dims than the kernels index.
pub(crate) fn check_rank(rank: usize, what: &str) -> Result<(), GpuError> {
    if rank > MAX_RANK {
        return Err(GpuError(format!(
            "{what}: a view with {rank} non-mergeable dims (GPU kernels take at most {MAX_RANK})"
        )));
    }
    Ok(())
}
