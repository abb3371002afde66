//! `std::ops` operators for `&Tensor` (and tensor-scalar), delegating to the op table.

use crate::tensor::Tensor;
use std::ops::{Add, Div, Mul, Neg, Sub};

macro_rules! binary_operator {
    ($trait:ident, $method:ident, $tensor_fn:ident, $scalar:expr) => {
        impl $trait<&Tensor> for &Tensor {
            type Output = Tensor;
            fn $method(self, rhs: &Tensor) -> Tensor {
                self.$tensor_fn(rhs)
            }
        }
        impl $trait<f32> for &Tensor {
            type Output = Tensor;
            fn $method(self, rhs: f32) -> Tensor {
                let f: fn(&Tensor, f32) -> Tensor = $scalar;
                f(self, rhs)
            }
        }
    };
}

binary_operator!(Add, add, add, |t, c| t.add_scalar(c));
binary_operator!(Sub, sub, sub, |t, c| t.add_scalar(-c));
binary_operator!(Mul, mul, mul, |t, c| t.mul_scalar(c));
binary_operator!(Div, div, div, |t, c| t.mul_scalar(1.0 / c));

impl Neg for &Tensor {
    type Output = Tensor;
    fn neg(self) -> Tensor {
        Tensor::neg(self)
    }
}
