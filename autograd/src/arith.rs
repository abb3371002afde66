//! `std::ops` operators for `&Var` (and var-scalar), delegating to the differentiable ops.

use crate::var::Var;
use std::ops::{Add, Div, Mul, Neg, Sub};

macro_rules! binary_operator {
    ($trait:ident, $method:ident, $scalar:expr) => {
        impl $trait<&Var> for &Var {
            type Output = Var;
            fn $method(self, rhs: &Var) -> Var {
                Var::$method(self, rhs)
            }
        }
        impl $trait<f32> for &Var {
            type Output = Var;
            fn $method(self, rhs: f32) -> Var {
                let f: fn(&Var, f32) -> Var = $scalar;
                f(self, rhs)
            }
        }
    };
}

binary_operator!(Add, add, |v, c| v.add_scalar(c));
binary_operator!(Sub, sub, |v, c| v.add_scalar(-c));
binary_operator!(Mul, mul, |v, c| v.mul_scalar(c));
binary_operator!(Div, div, |v, c| v.mul_scalar(1.0 / c));

impl Neg for &Var {
    type Output = Var;
    fn neg(self) -> Var {
        Var::neg(self)
    }
}
