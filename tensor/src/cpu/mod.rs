//! The CPU backend: dense `Vec<f32>` storage and the primitive kernels, parallel with rayon.

pub mod conv;
pub mod conv_direct;
pub mod conv_fused;
pub mod conv_fused_grad;
pub mod depthwise;
pub mod elementwise;
pub mod index;
pub mod lstm;
pub mod math;
pub mod matmul;
pub mod norm;
pub mod reduce;
pub mod sgemm;
pub mod simd;
