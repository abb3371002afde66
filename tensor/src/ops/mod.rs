//! Tensor methods, one file per family; all forward to the op table and the backend.

mod arith;
pub mod conv;
mod conv_fused;
pub(crate) mod device;
pub mod elementwise;
mod fused;
mod half_io;
mod index;
mod matmul;
mod random;
pub mod reduce;
mod shape;
