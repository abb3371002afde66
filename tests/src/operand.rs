//! `Operand`: the op names `Tensor` and `Var` share, so a case is written once and run on both
//! (the tensor forward and the differentiable forward are separate code paths in the engine).

use autograd::Var;
use tensor::Tensor;

/// Ops available on both `Tensor` and `Var`, with the engine's signatures.
pub trait Operand: Clone {
    /// The value as a plain tensor.
    fn tensor(&self) -> Tensor;
    fn matmul(&self, rhs: &Self) -> Self;
    fn t(&self) -> Self;
    fn conv2d(&self, w: &Self, b: Option<&Self>, stride: usize, padding: usize, dilation: usize) -> Self;
    fn conv_transpose2d(&self, w: &Self, b: Option<&Self>, s: usize, p: usize, op: usize, d: usize) -> Self;
    fn max_pool2d(&self, k: usize, stride: usize, padding: usize) -> Self;
    fn avg_pool2d(&self, k: usize, stride: usize, padding: usize) -> Self;
    fn adaptive_avg_pool2d(&self, oh: usize, ow: usize) -> Self;
    fn softmax(&self, dim: isize) -> Self;
    fn log_softmax(&self, dim: isize) -> Self;
    fn logsumexp(&self, dims: &[isize], keepdim: bool) -> Self;
    fn sum(&self, dims: &[isize], keepdim: bool) -> Self;
    fn mean(&self, dims: &[isize], keepdim: bool) -> Self;
    fn max(&self, dims: &[isize], keepdim: bool) -> Self;
    fn min(&self, dims: &[isize], keepdim: bool) -> Self;
    fn var(&self, dims: &[isize], keepdim: bool, unbiased: bool) -> Self;
}

/// Both impls forward every method to the type's inherent method of the same name.
macro_rules! impl_operand {
    ($ty:ty, $tensor:expr) => {
        impl Operand for $ty {
            fn tensor(&self) -> Tensor {
                let f: fn(&$ty) -> Tensor = $tensor;
                f(self)
            }
            fn matmul(&self, rhs: &Self) -> Self {
                <$ty>::matmul(self, rhs)
            }
            fn t(&self) -> Self {
                <$ty>::t(self)
            }
            fn conv2d(&self, w: &Self, b: Option<&Self>, stride: usize, padding: usize, dilation: usize) -> Self {
                <$ty>::conv2d(self, w, b, stride, padding, dilation)
            }
            fn conv_transpose2d(&self, w: &Self, b: Option<&Self>, s: usize, p: usize, op: usize, d: usize) -> Self {
                <$ty>::conv_transpose2d(self, w, b, s, p, op, d)
            }
            fn max_pool2d(&self, k: usize, stride: usize, padding: usize) -> Self {
                <$ty>::max_pool2d(self, k, stride, padding)
            }
            fn avg_pool2d(&self, k: usize, stride: usize, padding: usize) -> Self {
                <$ty>::avg_pool2d(self, k, stride, padding)
            }
            fn adaptive_avg_pool2d(&self, oh: usize, ow: usize) -> Self {
                <$ty>::adaptive_avg_pool2d(self, oh, ow)
            }
            fn softmax(&self, dim: isize) -> Self {
                <$ty>::softmax(self, dim)
            }
            fn log_softmax(&self, dim: isize) -> Self {
                <$ty>::log_softmax(self, dim)
            }
            fn logsumexp(&self, dims: &[isize], keepdim: bool) -> Self {
                <$ty>::logsumexp(self, dims, keepdim)
            }
            fn sum(&self, dims: &[isize], keepdim: bool) -> Self {
                <$ty>::sum(self, dims, keepdim)
            }
            fn mean(&self, dims: &[isize], keepdim: bool) -> Self {
                <$ty>::mean(self, dims, keepdim)
            }
            fn max(&self, dims: &[isize], keepdim: bool) -> Self {
                <$ty>::max(self, dims, keepdim)
            }
            fn min(&self, dims: &[isize], keepdim: bool) -> Self {
                <$ty>::min(self, dims, keepdim)
            }
            fn var(&self, dims: &[isize], keepdim: bool, unbiased: bool) -> Self {
                <$ty>::var(self, dims, keepdim, unbiased)
            }
        }
    };
}

impl_operand!(Tensor, |t| t.clone());
impl_operand!(Var, |v| v.value().clone());
