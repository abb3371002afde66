//! `Mlp`: Linear layers with LeakyReLU between them (no normalisation yet).

use crate::linear::Linear;
use crate::module::Module;
use autograd::{Param, Tape, Var};
use rand::Rng;

/// `in -> hidden[0] -> ... -> out`, LeakyReLU(`slope`) after every layer but the last.
pub struct Mlp {
    pub layers: Vec<Linear>,
    pub slope: f32,
}

impl Mlp {
    pub fn new<R: Rng + ?Sized>(name: &str, sizes: &[usize], slope: f32, rng: &mut R) -> Mlp {
        assert!(sizes.len() >= 2, "Mlp::new: needs at least input and output sizes, got {sizes:?}");
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, w)| Linear::new(&format!("{name}.{i}"), w[0], w[1], true, rng))
            .collect();
        Mlp { layers, slope }
    }

    pub fn forward(&self, tape: &Tape, x: &Var) -> Var {
        let last = self.layers.len() - 1;
        self.layers.iter().enumerate().fold(x.clone(), |h, (i, layer)| {
            let y = layer.forward(tape, &h);
            if i < last { y.leaky_relu(self.slope) } else { y }
        })
    }
}

impl Module for Mlp {
    fn parameters(&self) -> Vec<Param> {
        self.layers.iter().flat_map(|l| l.parameters()).collect()
    }
}
