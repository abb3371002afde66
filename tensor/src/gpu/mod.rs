//! The GPU backend (wgpu): a device with a buffer pool, a pipeline cache and batched command
//! submission, plus one launch helper per WGSL kernel family (`kernels/`).
//!
//! Ops in `crate::ops` call into here when their operands live on a GPU; nothing above `tensor`
//! names this module. Random numbers are drawn on the CPU by the caller's explicit generator
//! and uploaded, so CPU and GPU runs of one seed see the same stream.

mod buffer;
mod device;
pub(crate) mod kernels;
mod params;
mod pipeline;
mod pool;
mod submit;

pub use buffer::GpuBuffer;
pub use device::{GpuDevice, GpuError, GpuInfo};
pub use kernels::matmul::MatmulKernel;
pub(crate) use params::{Params, coalesce};
