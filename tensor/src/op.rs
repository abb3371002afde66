//! The op table: every elementwise and reduction operator, once, with its CPU scalar rule.
//!
//! Backends read these enums (the CPU through `apply`, the GPU later through the same `id()`),
//! autograd writes one backward per variant, and tests iterate `ALL`, so adding a variant here
//! is what makes it exist everywhere.

use crate::cpu::math;

/// One-input elementwise operators. Parameterised variants carry their constants.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnaryOp {
    Neg,
    Exp,
    Log,
    Sqrt,
    Rsqrt,
    Tanh,
    Sigmoid,
    Relu,
    /// `x` if positive else `slope * x`.
    LeakyRelu(f32),
    /// `x` if positive else `alpha * (exp(x) - 1)`.
    Elu(f32),
    /// `log(1 + exp(x))`, computed without overflow.
    Softplus,
    Abs,
    Square,
    Recip,
    Sin,
    Cos,
    /// Clamp into `[lo, hi]`.
    Clamp(f32, f32),
    /// `x + c`.
    AddScalar(f32),
    /// `x * c`.
    MulScalar(f32),
    /// `x ^ p` for a constant exponent.
    PowScalar(f32),
}

impl UnaryOp {
    /// Every variant once, with representative constants (tests iterate this list).
    pub const ALL: [UnaryOp; 20] = [
        UnaryOp::Neg,
        UnaryOp::Exp,
        UnaryOp::Log,
        UnaryOp::Sqrt,
        UnaryOp::Rsqrt,
        UnaryOp::Tanh,
        UnaryOp::Sigmoid,
        UnaryOp::Relu,
        UnaryOp::LeakyRelu(0.2),
        UnaryOp::Elu(1.0),
        UnaryOp::Softplus,
        UnaryOp::Abs,
        UnaryOp::Square,
        UnaryOp::Recip,
        UnaryOp::Sin,
        UnaryOp::Cos,
        UnaryOp::Clamp(-0.5, 0.5),
        UnaryOp::AddScalar(1.5),
        UnaryOp::MulScalar(-2.0),
        UnaryOp::PowScalar(3.0),
    ];

    pub fn name(self) -> &'static str {
        use UnaryOp::*;
        match self {
            Neg => "neg",
            Exp => "exp",
            Log => "log",
            Sqrt => "sqrt",
            Rsqrt => "rsqrt",
            Tanh => "tanh",
            Sigmoid => "sigmoid",
            Relu => "relu",
            LeakyRelu(_) => "leaky_relu",
            Elu(_) => "elu",
            Softplus => "softplus",
            Abs => "abs",
            Square => "square",
            Recip => "recip",
            Sin => "sin",
            Cos => "cos",
            Clamp(..) => "clamp",
            AddScalar(_) => "add_scalar",
            MulScalar(_) => "mul_scalar",
            PowScalar(_) => "pow_scalar",
        }
    }

    /// Stable numeric id (the GPU kernels select the operator with it).
    pub fn id(self) -> u32 {
        Self::ALL.iter().position(|o| o.name() == self.name()).unwrap_or(0) as u32
    }

    /// The two constants a parameterised variant carries (zeros otherwise).
    pub fn params(self) -> [f32; 2] {
        use UnaryOp::*;
        match self {
            LeakyRelu(a) | Elu(a) | AddScalar(a) | MulScalar(a) | PowScalar(a) => [a, 0.0],
            Clamp(lo, hi) => [lo, hi],
            _ => [0.0, 0.0],
        }
    }

    /// The scalar rule, the definition every backend must match. `exp`, `tanh`, `sigmoid` and
    /// `softplus` use the branch-free versions in `cpu::math` (within a few ulp of libm), so
    /// the elementwise loops vectorise.
    #[inline(always)]
    pub fn apply(self, x: f32) -> f32 {
        use UnaryOp::*;
        match self {
            Neg => -x,
            Exp => math::exp(x),
            Log => x.ln(),
            Sqrt => x.sqrt(),
            Rsqrt => 1.0 / x.sqrt(),
            Tanh => math::tanh(x),
            Sigmoid => sigmoid(x),
            Relu => x.max(0.0),
            LeakyRelu(s) => {
                if x > 0.0 {
                    x
                } else {
                    s * x
                }
            }
            Elu(a) => {
                if x > 0.0 {
                    x
                } else {
                    a * x.exp_m1()
                }
            }
            Softplus => math::softplus(x),
            Abs => x.abs(),
            Square => x * x,
            Recip => 1.0 / x,
            Sin => x.sin(),
            Cos => x.cos(),
            Clamp(lo, hi) => x.max(lo).min(hi),
            AddScalar(c) => x + c,
            MulScalar(c) => x * c,
            PowScalar(p) => x.powf(p),
        }
    }
}

/// Numerically stable logistic function.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    math::sigmoid(x)
}

/// Two-input elementwise operators (inputs broadcast to a common shape).
/// Comparisons return masks: 1.0 where true, 0.0 where false.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Maximum,
    Minimum,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl BinaryOp {
    pub const ALL: [BinaryOp; 13] = [
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Pow,
        BinaryOp::Maximum,
        BinaryOp::Minimum,
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
    ];

    pub fn name(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "add",
            Sub => "sub",
            Mul => "mul",
            Div => "div",
            Pow => "pow",
            Maximum => "maximum",
            Minimum => "minimum",
            Eq => "eq",
            Ne => "ne",
            Lt => "lt",
            Le => "le",
            Gt => "gt",
            Ge => "ge",
        }
    }

    pub fn id(self) -> u32 {
        self as u32
    }

    /// Comparisons have no useful derivative (their outputs are piecewise constant).
    pub fn is_comparison(self) -> bool {
        (self as u32) >= (BinaryOp::Eq as u32)
    }

    #[inline(always)]
    pub fn apply(self, a: f32, b: f32) -> f32 {
        use BinaryOp::*;
        let mask = |c: bool| if c { 1.0 } else { 0.0 };
        match self {
            Add => a + b,
            Sub => a - b,
            Mul => a * b,
            Div => a / b,
            Pow => a.powf(b),
            Maximum => a.max(b),
            Minimum => a.min(b),
            Eq => mask(a == b),
            Ne => mask(a != b),
            Lt => mask(a < b),
            Le => mask(a <= b),
            Gt => mask(a > b),
            Ge => mask(a >= b),
        }
    }
}

/// Reductions over one or more dimensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceOp {
    Sum,
    Max,
    Min,
}

impl ReduceOp {
    pub const ALL: [ReduceOp; 3] = [ReduceOp::Sum, ReduceOp::Max, ReduceOp::Min];

    pub fn name(self) -> &'static str {
        match self {
            ReduceOp::Sum => "sum",
            ReduceOp::Max => "max",
            ReduceOp::Min => "min",
        }
    }

    pub fn id(self) -> u32 {
        self as u32
    }

    /// Identity element of the reduction.
    pub fn init(self) -> f32 {
        match self {
            ReduceOp::Sum => 0.0,
            ReduceOp::Max => f32::NEG_INFINITY,
            ReduceOp::Min => f32::INFINITY,
        }
    }

    #[inline(always)]
    pub fn combine(self, acc: f32, x: f32) -> f32 {
        match self {
            ReduceOp::Sum => acc + x,
            // NaN propagates, as in PyTorch.
            ReduceOp::Max => {
                if x > acc || x.is_nan() {
                    x
                } else {
                    acc
                }
            }
            ReduceOp::Min => {
                if x < acc || x.is_nan() {
                    x
                } else {
                    acc
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique() {
        let ids: std::collections::HashSet<u32> = UnaryOp::ALL.iter().map(|o| o.id()).collect();
        assert_eq!(ids.len(), UnaryOp::ALL.len());
        let ids: std::collections::HashSet<u32> = BinaryOp::ALL.iter().map(|o| o.id()).collect();
        assert_eq!(ids.len(), BinaryOp::ALL.len());
    }

    #[test]
    fn softplus_is_stable() {
        assert_eq!(UnaryOp::Softplus.apply(100.0), 100.0);
        assert!(UnaryOp::Softplus.apply(-100.0) >= 0.0);
        assert!((UnaryOp::Softplus.apply(0.0) - 2f32.ln()).abs() < 1e-6);
    }
}
