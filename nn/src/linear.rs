//! `Linear`: `y = x W^T + b` with PyTorch's parameter layout and default initialisation.

use crate::init::torch_default_uniform;
use crate::module::Module;
use autograd::{Param, Tape, Var};
use rand::Rng;

/// Affine layer: `x: [.., in] -> [.., out]`; `weight: [out, in]`, `bias: [out]`.
pub struct Linear {
    pub weight: Param,
    pub bias: Option<Param>,
}

impl Linear {
    /// A layer named `name` (parameters `name.weight`, `name.bias`), PyTorch-initialised.
    pub fn new<R: Rng + ?Sized>(name: &str, in_dim: usize, out_dim: usize, bias: bool, rng: &mut R) -> Linear {
        let weight = Param::new(format!("{name}.weight"), torch_default_uniform(&[out_dim, in_dim], in_dim, rng));
        let bias = bias.then(|| Param::new(format!("{name}.bias"), torch_default_uniform(&[out_dim], in_dim, rng)));
        Linear { weight, bias }
    }

    pub fn forward(&self, tape: &Tape, x: &Var) -> Var {
        let b = self.bias.as_ref().map(|b| tape.param(b));
        x.linear(&tape.param(&self.weight), b.as_ref())
    }
}

impl Module for Linear {
    fn parameters(&self) -> Vec<Param> {
        std::iter::once(self.weight.clone()).chain(self.bias.clone()).collect()
    }
}
