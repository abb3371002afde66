//! Conversion to and from 16-bit floats (`half`): for storage and I/O, compute stays f32.

use crate::tensor::Tensor;
use half::{bf16, f16};

impl Tensor {
    /// Elements rounded to IEEE half precision, row-major.
    pub fn to_f16(&self) -> Vec<f16> {
        self.to_vec().into_iter().map(f16::from_f32).collect()
    }

    /// Elements rounded to bfloat16, row-major.
    pub fn to_bf16(&self) -> Vec<bf16> {
        self.to_vec().into_iter().map(bf16::from_f32).collect()
    }

    pub fn from_f16(data: &[f16], shape: &[usize]) -> Tensor {
        Tensor::from_vec(data.iter().map(|v| v.to_f32()).collect(), shape)
    }

    pub fn from_bf16(data: &[bf16], shape: &[usize]) -> Tensor {
        Tensor::from_vec(data.iter().map(|v| v.to_f32()).collect(), shape)
    }
}
