//! `tensor`: immutable strided f32 tensors, one op table, the CPU backend (rayon) and the GPU
//! backend (wgpu + the WGSL kernels of `shaders`).
//!
//! A [`Tensor`] is an `Arc`'d storage plus a [`Layout`]; views (reshape, permute, narrow,
//! broadcast, squeeze) are free, ops return new tensors. Ops are listed once in [`op`] and every
//! backend implements that table. Programmer misuse (shape mismatches) panics with the op name
//! and the shapes involved.

mod conv;
pub mod cpu;
mod display;
mod gpu;
pub mod layout;
pub mod op;
pub mod ops;
mod storage;
mod tensor;

pub use conv::{Conv2dGeom, ConvTransposePlan};
pub use gpu::{GpuBuffer, GpuDevice, GpuError, GpuInfo, MatmulKernel};
pub use layout::Layout;
pub use op::{BinaryOp, ReduceOp, UnaryOp};
pub use storage::{Device, Storage};
pub use tensor::Tensor;

pub use half;
/// Re-exported so callers seed tensors without naming `rand` versions themselves.
pub use rand;
