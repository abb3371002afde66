//! Elementwise tensor ops: the op-table entry points (`unary`, `binary`, `where_cond`) and
//! their named wrappers (`exp`, `add`, `lt`, ...), with NumPy broadcasting.

use super::device::{On, gpu_ok, placement};
use crate::cpu::elementwise::map_n;
use crate::layout::{Layout, broadcast_shape};
use crate::op::{BinaryOp, UnaryOp};
use crate::storage::Storage;
use crate::tensor::Tensor;

/// Calls `$run` with a closure specialised to one variant, so the per-element `match` is
/// resolved at compile time and the loop body inlines (and vectorises where it can).
macro_rules! specialise_unary {
    ($op:expr, $run:ident($($arg:expr),*)) => {{
        use UnaryOp::*;
        match $op {
            Neg => $run($($arg,)* |x| Neg.apply(x)),
            Exp => $run($($arg,)* |x| Exp.apply(x)),
            Log => $run($($arg,)* |x| Log.apply(x)),
            Sqrt => $run($($arg,)* |x| Sqrt.apply(x)),
            Rsqrt => $run($($arg,)* |x| Rsqrt.apply(x)),
            Tanh => $run($($arg,)* |x| Tanh.apply(x)),
            Sigmoid => $run($($arg,)* |x| Sigmoid.apply(x)),
            Relu => $run($($arg,)* |x| Relu.apply(x)),
            LeakyRelu(a) => $run($($arg,)* move |x| LeakyRelu(a).apply(x)),
            Elu(a) => $run($($arg,)* move |x| Elu(a).apply(x)),
            Softplus => $run($($arg,)* |x| Softplus.apply(x)),
            Abs => $run($($arg,)* |x| Abs.apply(x)),
            Square => $run($($arg,)* |x| Square.apply(x)),
            Recip => $run($($arg,)* |x| Recip.apply(x)),
            Sin => $run($($arg,)* |x| Sin.apply(x)),
            Cos => $run($($arg,)* |x| Cos.apply(x)),
            Clamp(lo, hi) => $run($($arg,)* move |x| Clamp(lo, hi).apply(x)),
            AddScalar(c) => $run($($arg,)* move |x| AddScalar(c).apply(x)),
            MulScalar(c) => $run($($arg,)* move |x| MulScalar(c).apply(x)),
            PowScalar(p) => $run($($arg,)* move |x| PowScalar(p).apply(x)),
        }
    }};
}

macro_rules! specialise_binary {
    ($op:expr, $run:ident($($arg:expr),*)) => {{
        use BinaryOp::*;
        match $op {
            Add => $run($($arg,)* |a, b| Add.apply(a, b)),
            Sub => $run($($arg,)* |a, b| Sub.apply(a, b)),
            Mul => $run($($arg,)* |a, b| Mul.apply(a, b)),
            Div => $run($($arg,)* |a, b| Div.apply(a, b)),
            Pow => $run($($arg,)* |a, b| Pow.apply(a, b)),
            Maximum => $run($($arg,)* |a, b| Maximum.apply(a, b)),
            Minimum => $run($($arg,)* |a, b| Minimum.apply(a, b)),
            Eq => $run($($arg,)* |a, b| Eq.apply(a, b)),
            Ne => $run($($arg,)* |a, b| Ne.apply(a, b)),
            Lt => $run($($arg,)* |a, b| Lt.apply(a, b)),
            Le => $run($($arg,)* |a, b| Le.apply(a, b)),
            Gt => $run($($arg,)* |a, b| Gt.apply(a, b)),
            Ge => $run($($arg,)* |a, b| Ge.apply(a, b)),
        }
    }};
}

fn map_unary<F: Fn(f32) -> f32 + Sync + Send>(l: &Layout, src: &[f32], f: F) -> Vec<f32> {
    map_n(&l.shape, [l], [src], move |[x]| f(x))
}

fn map_binary<F>(shape: &[usize], la: &Layout, lb: &Layout, a: &[f32], b: &[f32], f: F) -> Vec<f32>
where
    F: Fn(f32, f32) -> f32 + Sync + Send,
{
    map_n(shape, [la, lb], [a, b], move |[x, y]| f(x, y))
}

/// Output shape of a broadcasting op, or a panic naming the op and both shapes.
pub(crate) fn broadcast_or_panic(op: &str, a: &[usize], b: &[usize]) -> Vec<usize> {
    broadcast_shape(a, b).unwrap_or_else(|| panic!("{op}: shapes {a:?} and {b:?} cannot be broadcast together"))
}

impl Tensor {
    /// Applies a unary op-table entry elementwise.
    pub fn unary(&self, op: UnaryOp) -> Tensor {
        if let On::Gpu(g) = placement(op.name(), &[self]) {
            return Tensor::from_gpu(gpu_ok(op.name(), g.unary(op, self.gpu_buf(), &self.layout)), self.shape());
        }
        let out = specialise_unary!(op, map_unary(&self.layout, self.storage.as_cpu()));
        Tensor::from_vec(out, self.shape())
    }

    /// Applies a binary op-table entry elementwise, broadcasting both operands.
    pub fn binary(&self, op: BinaryOp, rhs: &Tensor) -> Tensor {
        let shape = broadcast_or_panic(op.name(), self.shape(), rhs.shape());
        let la = self.layout.broadcast_to(&shape).expect("broadcast checked");
        let lb = rhs.layout.broadcast_to(&shape).expect("broadcast checked");
        if let On::Gpu(g) = placement(op.name(), &[self, rhs]) {
            let out = g.binary(op, &shape, (self.gpu_buf(), &la), (rhs.gpu_buf(), &lb));
            return Tensor::from_gpu(gpu_ok(op.name(), out), &shape);
        }
        let (a, b) = (self.storage.as_cpu(), rhs.storage.as_cpu());
        let out = specialise_binary!(op, map_binary(&shape, &la, &lb, a, b));
        Tensor::from_storage(Storage::Cpu(out), Layout::contiguous(&shape))
    }

    /// `cond != 0 ? a : b`, all three broadcast together.
    pub fn where_cond(cond: &Tensor, a: &Tensor, b: &Tensor) -> Tensor {
        let s = broadcast_or_panic("where", cond.shape(), a.shape());
        let shape = broadcast_or_panic("where", &s, b.shape());
        let ls = [&cond.layout, &a.layout, &b.layout].map(|l| l.broadcast_to(&shape).expect("broadcast checked"));
        if let On::Gpu(g) = placement("where", &[cond, a, b]) {
            let out = g.where_cond(&shape, (cond.gpu_buf(), &ls[0]), (a.gpu_buf(), &ls[1]), (b.gpu_buf(), &ls[2]));
            return Tensor::from_gpu(gpu_ok("where", out), &shape);
        }
        let srcs = [cond.storage.as_cpu(), a.storage.as_cpu(), b.storage.as_cpu()];
        let out = map_n(&shape, [&ls[0], &ls[1], &ls[2]], srcs, |[c, x, y]| if c != 0.0 { x } else { y });
        Tensor::from_vec(out, &shape)
    }

    /// `self` where `mask != 0`, else `other`.
    pub fn where_mask(&self, mask: &Tensor, other: &Tensor) -> Tensor {
        Tensor::where_cond(mask, self, other)
    }
}

/// Named methods for the unary table entries.
macro_rules! unary_methods {
    ($($name:ident => $op:expr),* $(,)?) => {
        impl Tensor {
            $(pub fn $name(&self) -> Tensor { self.unary($op) })*
        }
    };
}
unary_methods!(
    neg => UnaryOp::Neg, exp => UnaryOp::Exp, log => UnaryOp::Log, sqrt => UnaryOp::Sqrt,
    rsqrt => UnaryOp::Rsqrt, tanh => UnaryOp::Tanh, sigmoid => UnaryOp::Sigmoid, relu => UnaryOp::Relu,
    softplus => UnaryOp::Softplus, abs => UnaryOp::Abs, square => UnaryOp::Square,
    recip => UnaryOp::Recip, sin => UnaryOp::Sin, cos => UnaryOp::Cos,
);

/// Named methods for the binary table entries.
macro_rules! binary_methods {
    ($($name:ident => $op:expr),* $(,)?) => {
        impl Tensor {
            $(pub fn $name(&self, rhs: &Tensor) -> Tensor { self.binary($op, rhs) })*
        }
    };
}
binary_methods!(
    add => BinaryOp::Add, sub => BinaryOp::Sub, mul => BinaryOp::Mul, div => BinaryOp::Div,
    pow => BinaryOp::Pow, maximum => BinaryOp::Maximum, minimum => BinaryOp::Minimum,
    eq => BinaryOp::Eq, ne => BinaryOp::Ne, lt => BinaryOp::Lt, le => BinaryOp::Le,
    gt => BinaryOp::Gt, ge => BinaryOp::Ge,
);

impl Tensor {
    pub fn leaky_relu(&self, slope: f32) -> Tensor {
        self.unary(UnaryOp::LeakyRelu(slope))
    }
    pub fn elu(&self, alpha: f32) -> Tensor {
        self.unary(UnaryOp::Elu(alpha))
    }
    pub fn clamp(&self, lo: f32, hi: f32) -> Tensor {
        self.unary(UnaryOp::Clamp(lo, hi))
    }
    pub fn add_scalar(&self, c: f32) -> Tensor {
        self.unary(UnaryOp::AddScalar(c))
    }
    pub fn mul_scalar(&self, c: f32) -> Tensor {
        self.unary(UnaryOp::MulScalar(c))
    }
    pub fn powf(&self, p: f32) -> Tensor {
        self.unary(UnaryOp::PowScalar(p))
    }
}
