//! Elementwise ops on `Var`: every unary and binary op-table entry with its derivative.

use crate::var::Var;
use std::sync::OnceLock;
use tensor::{BinaryOp, Tensor, UnaryOp};

/// A 0-d constant on the device of `like` (so backward formulas run where their data is).
fn s(like: &Tensor, v: f32) -> Tensor {
    like.scalar_like(v)
}

/// `dL/dx` of `y = op(x)` given `g = dL/dy`, in tensor ops.
pub fn unary_backward(op: UnaryOp, x: &Tensor, y: &Tensor, g: &Tensor) -> Tensor {
    use UnaryOp::*;
    match op {
        Neg => g.neg(),
        Exp => g.mul(y),
        Log => g.div(x),
        Sqrt => g.div(y).mul_scalar(0.5),
        Rsqrt => g.mul(&y.powf(3.0)).mul_scalar(-0.5),
        Tanh => g.mul(&y.square().neg().add_scalar(1.0)),
        Sigmoid => g.mul(&y.mul(&y.neg().add_scalar(1.0))),
        Relu => g.mul(&x.gt(&s(x, 0.0))),
        LeakyRelu(a) => g.mul(&Tensor::where_cond(&x.gt(&s(x, 0.0)), &s(x, 1.0), &s(x, a))),
        Elu(a) => g.mul(&Tensor::where_cond(&x.gt(&s(x, 0.0)), &s(x, 1.0), &y.add_scalar(a))),
        Softplus => g.mul(&x.sigmoid()),
        Abs => g.mul(&x.gt(&s(x, 0.0)).sub(&x.lt(&s(x, 0.0)))),
        Square => g.mul(x).mul_scalar(2.0),
        Recip => g.mul(&y.square()).neg(),
        Sin => g.mul(&x.cos()),
        Cos => g.mul(&x.sin()).neg(),
        // Gradient passes where lo <= x <= hi (PyTorch's convention at the bounds).
        Clamp(lo, hi) => g.mul(&x.ge(&s(x, lo))).mul(&x.le(&s(x, hi))),
        AddScalar(_) => g.clone(),
        MulScalar(c) => g.mul_scalar(c),
        PowScalar(p) => g.mul(&x.powf(p - 1.0)).mul_scalar(p),
    }
}

/// `(dL/da, dL/db)` of `y = op(a, b)` in the broadcast output shape (the tape sums them down).
pub fn binary_backward(op: BinaryOp, a: &Tensor, b: &Tensor, y: &Tensor, g: &Tensor) -> (Tensor, Tensor) {
    use BinaryOp::*;
    match op {
        Add => (g.clone(), g.clone()),
        Sub => (g.clone(), g.neg()),
        Mul => (g.mul(b), g.mul(a)),
        Div => (g.div(b), g.mul(y).div(b).neg()),
        Pow => (g.mul(b).mul(&a.pow(&b.add_scalar(-1.0))), g.mul(y).mul(&a.log())),
        // Ties split the gradient evenly, as PyTorch does.
        Maximum | Minimum => {
            let win = if op == Maximum { a.gt(b) } else { a.lt(b) };
            let tie = a.eq(b).mul_scalar(0.5);
            let wa = win.add(&tie);
            let wb = wa.neg().add_scalar(1.0);
            (g.mul(&wa), g.mul(&wb))
        }
        Eq | Ne | Lt | Le | Gt | Ge => (g.zeros_like(), g.zeros_like()),
    }
}

/// Which of (input, output) the backward of `op` reads. The tape keeps only those alive: an
/// output nobody needs is freed as soon as the forward drops it (as PyTorch's saved tensors).
fn unary_saves(op: UnaryOp) -> (bool, bool) {
    use UnaryOp::*;
    match op {
        Neg | AddScalar(_) | MulScalar(_) => (false, false),
        Exp | Sqrt | Rsqrt | Tanh | Sigmoid | Recip => (false, true),
        Elu(_) => (true, true),
        Log | Relu | LeakyRelu(_) | Softplus | Abs | Square | Sin | Cos | Clamp(..) | PowScalar(_) => (true, false),
    }
}

/// Which of (a, b, output) the backward of `op` reads.
fn binary_saves(op: BinaryOp) -> [bool; 3] {
    use BinaryOp::*;
    match op {
        Add | Sub => [false, false, false],
        Mul | Maximum | Minimum => [true, true, false],
        Div => [false, true, true],
        Pow => [true, true, true],
        Eq | Ne | Lt | Le | Gt | Ge => [false, false, false],
    }
}

/// `t` when the backward needs it, else an empty stand-in (shape `[0]`, so a backward that
/// read it by mistake could not broadcast it against real data silently).
fn saved(keep: bool, t: &Tensor) -> Tensor {
    static EMPTY: OnceLock<Tensor> = OnceLock::new();
    if keep { t.clone() } else { EMPTY.get_or_init(|| Tensor::zeros(&[0])).clone() }
}

impl Var {
    /// A unary op-table entry, differentiable.
    pub fn unary(&self, op: UnaryOp) -> Var {
        let y = self.value().unary(op);
        let (keep_x, keep_y) = unary_saves(op);
        let x = saved(keep_x, self.value());
        let yc = saved(keep_y, &y);
        Var::record(&[self], y, Box::new(move |g, _| vec![Some(unary_backward(op, &x, &yc, g))]))
    }

    /// A binary op-table entry, broadcasting; comparisons return constant masks.
    pub fn binary(&self, op: BinaryOp, rhs: &Var) -> Var {
        let y = self.value().binary(op, rhs.value());
        if op.is_comparison() {
            return Var::constant(y);
        }
        let [keep_a, keep_b, keep_y] = binary_saves(op);
        let (a, b, yc) = (saved(keep_a, self.value()), saved(keep_b, rhs.value()), saved(keep_y, &y));
        Var::record(
            &[self, rhs],
            y,
            Box::new(move |g, needs| {
                let (ga, gb) = binary_backward(op, &a, &b, &yc, g);
                vec![needs[0].then_some(ga), needs[1].then_some(gb)]
            }),
        )
    }

    /// `cond != 0 ? a : b` (no gradient into the condition).
    pub fn where_cond(cond: &Tensor, a: &Var, b: &Var) -> Var {
        let y = Tensor::where_cond(cond, a.value(), b.value());
        let c = cond.clone();
        Var::record(
            &[a, b],
            y,
            Box::new(move |g, needs| {
                let zero = g.scalar_like(0.0);
                vec![
                    needs[0].then(|| Tensor::where_cond(&c, g, &zero)),
                    needs[1].then(|| Tensor::where_cond(&c, &zero, g)),
                ]
            }),
        )
    }
}

/// Named `Var` methods for the unary table entries.
macro_rules! unary_methods {
    ($($name:ident => $op:expr),* $(,)?) => {
        impl Var {
            $(pub fn $name(&self) -> Var { self.unary($op) })*
        }
    };
}
unary_methods!(
    neg => UnaryOp::Neg, exp => UnaryOp::Exp, log => UnaryOp::Log, sqrt => UnaryOp::Sqrt,
    rsqrt => UnaryOp::Rsqrt, tanh => UnaryOp::Tanh, sigmoid => UnaryOp::Sigmoid, relu => UnaryOp::Relu,
    softplus => UnaryOp::Softplus, abs => UnaryOp::Abs, square => UnaryOp::Square,
    recip => UnaryOp::Recip, sin => UnaryOp::Sin, cos => UnaryOp::Cos,
);

/// Named `Var` methods for the binary table entries (comparisons give constant masks).
macro_rules! binary_methods {
    ($($name:ident => $op:expr),* $(,)?) => {
        impl Var {
            $(pub fn $name(&self, rhs: &Var) -> Var { self.binary($op, rhs) })*
        }
    };
}
binary_methods!(
    add => BinaryOp::Add, sub => BinaryOp::Sub, mul => BinaryOp::Mul, div => BinaryOp::Div,
    pow => BinaryOp::Pow, maximum => BinaryOp::Maximum, minimum => BinaryOp::Minimum,
    eq => BinaryOp::Eq, ne => BinaryOp::Ne, lt => BinaryOp::Lt, le => BinaryOp::Le,
    gt => BinaryOp::Gt, ge => BinaryOp::Ge,
);

impl Var {
    pub fn leaky_relu(&self, slope: f32) -> Var {
        self.unary(UnaryOp::LeakyRelu(slope))
    }
    pub fn elu(&self, alpha: f32) -> Var {
        self.unary(UnaryOp::Elu(alpha))
    }
    pub fn clamp(&self, lo: f32, hi: f32) -> Var {
        self.unary(UnaryOp::Clamp(lo, hi))
    }
    pub fn add_scalar(&self, c: f32) -> Var {
        self.unary(UnaryOp::AddScalar(c))
    }
    pub fn mul_scalar(&self, c: f32) -> Var {
        self.unary(UnaryOp::MulScalar(c))
    }
    pub fn powf(&self, p: f32) -> Var {
        self.unary(UnaryOp::PowScalar(p))
    }
    /// Binary op with a constant tensor operand (e.g. a target or a mask).
    pub fn binary_const(&self, op: BinaryOp, rhs: &Tensor) -> Var {
        self.binary(op, &Var::constant(rhs.clone()))
    }
}
