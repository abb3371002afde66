//! `Mlp`: SPiRL's Predictor / BaseProcessingNet — input block, `num_layers` normalised hidden
//! blocks, head — with Xavier-normal weights and zero biases.

use crate::init::xavier_normal;
use crate::linear::Linear;
use crate::module::Module;
use crate::norm::{Norm, NormLayer};
use autograd::{Param, Tape, Var};
use rand::Rng;
use tensor::Tensor;

/// Shape of an `Mlp`: `in_dim -> mid_dim (x num_layers + 1) -> out_dim`, i.e. `num_layers + 2`
/// Linear layers.
#[derive(Clone, Copy, Debug)]
pub struct MlpConfig {
    pub in_dim: usize,
    pub mid_dim: usize,
    pub out_dim: usize,
    /// Hidden blocks between the input block and the head.
    pub num_layers: usize,
    /// Normalisation of the hidden blocks (never of the input block or head).
    pub norm: Norm,
    /// LeakyReLU slope after the input and hidden blocks (0.2 upstream).
    pub slope: f32,
}

/// One `Linear -> [norm] -> [LeakyReLU]` block (the Linear has no bias when a norm follows).
pub struct LinearBlock {
    pub linear: Linear,
    pub norm: Option<NormLayer>,
    pub slope: Option<f32>,
}

impl LinearBlock {
    fn new<R: Rng + ?Sized>(name: &str, dims: (usize, usize), norm: Norm, slope: Option<f32>, rng: &mut R) -> Self {
        let norm = NormLayer::build(norm, &format!("{name}.norm"), dims.1, false);
        let weight = xavier_normal(&[dims.1, dims.0], dims.0, dims.1, 1.0, rng);
        let linear = Linear {
            weight: Param::new(format!("{name}.linear.weight"), weight),
            bias: norm.is_none().then(|| Param::new(format!("{name}.linear.bias"), Tensor::zeros(&[dims.1]))),
        };
        LinearBlock { linear, norm, slope }
    }

    pub fn forward(&self, tape: &Tape, x: &Var) -> Var {
        let mut h = self.linear.forward(tape, x);
        if let Some(n) = &self.norm {
            h = n.forward(tape, &h);
        }
        match self.slope {
            Some(s) => h.leaky_relu(s),
            None => h,
        }
    }
}

impl Module for LinearBlock {
    fn parameters(&self) -> Vec<Param> {
        let mut p = self.linear.parameters();
        p.extend(self.norm.iter().flat_map(|n| n.module().parameters()));
        p
    }
    fn buffers(&self) -> Vec<Param> {
        self.norm.iter().flat_map(|n| n.module().buffers()).collect()
    }
    fn set_training(&mut self, training: bool) {
        if let Some(n) = &mut self.norm {
            n.module_mut().set_training(training);
        }
    }
}

/// SPiRL's Predictor. Parameter names follow the upstream module tree:
/// `{name}.input.linear.*`, `{name}.pyramid-{i}.linear.*`, `{name}.pyramid-{i}.norm.*`, `{name}.head.linear.*`.
pub struct Mlp {
    pub blocks: Vec<LinearBlock>,
}

impl Mlp {
    pub fn new<R: Rng + ?Sized>(name: &str, c: MlpConfig, rng: &mut R) -> Mlp {
        let mut blocks =
            vec![LinearBlock::new(&format!("{name}.input"), (c.in_dim, c.mid_dim), Norm::None, Some(c.slope), rng)];
        for i in 0..c.num_layers {
            let n = format!("{name}.pyramid-{i}");
            blocks.push(LinearBlock::new(&n, (c.mid_dim, c.mid_dim), c.norm, Some(c.slope), rng));
        }
        blocks.push(LinearBlock::new(&format!("{name}.head"), (c.mid_dim, c.out_dim), Norm::None, None, rng));
        Mlp { blocks }
    }

    /// `x: [b, in_dim] -> [b, out_dim]`.
    pub fn forward(&self, tape: &Tape, x: &Var) -> Var {
        self.blocks.iter().fold(x.clone(), |h, b| b.forward(tape, &h))
    }

    /// Forward of several inputs concatenated on dim 1 (as upstream's multi-input nets).
    pub fn forward_cat(&self, tape: &Tape, inputs: &[Var]) -> Var {
        self.forward(tape, &Var::cat(inputs, 1))
    }
}

impl Module for Mlp {
    fn parameters(&self) -> Vec<Param> {
        self.blocks.iter().flat_map(|b| b.parameters()).collect()
    }
    fn buffers(&self) -> Vec<Param> {
        self.blocks.iter().flat_map(|b| b.buffers()).collect()
    }
    fn set_training(&mut self, training: bool) {
        self.blocks.iter_mut().for_each(|b| b.set_training(training));
    }
}
