//! `HybridConvMlpEncoder`: the critics' encoder of a vector and an image input.

use crate::conv::ConvEncoder;
use crate::mlp::{Mlp, MlpConfig};
use crate::module::Module;
use crate::norm::Norm;
use autograd::{Param, Tape, Var};
use rand::Rng;

/// Sizes of a `HybridConvMlpEncoder`.
#[derive(Clone, Copy, Debug)]
pub struct HybridConfig {
    pub vector_dim: usize,
    pub img_size: usize,
    pub img_channels: usize,
    pub ngf: usize,
    pub nz_enc: usize,
    pub nz_mid: usize,
    /// Hidden blocks of the vector MLP.
    pub n_layers: usize,
    pub out_dim: usize,
    pub norm: Norm,
}

/// `vector -> Mlp -> nz_enc` and `image -> ConvEncoder -> nz_enc`, concatenated, then a head
/// `Mlp(2 nz_enc -> out, 2 hidden blocks)`. Names `{name}.vector_encoder`, `.image_encoder`, `.head`.
pub struct HybridConvMlpEncoder {
    pub vector_encoder: Mlp,
    pub image_encoder: ConvEncoder,
    pub head: Mlp,
}

impl HybridConvMlpEncoder {
    pub fn new<R: Rng + ?Sized>(name: &str, c: HybridConfig, rng: &mut R) -> Self {
        let mlp = |i, o, layers| MlpConfig {
            in_dim: i,
            mid_dim: c.nz_mid,
            out_dim: o,
            num_layers: layers,
            norm: c.norm,
            slope: 0.2,
        };
        HybridConvMlpEncoder {
            vector_encoder: Mlp::new(&format!("{name}.vector_encoder"), mlp(c.vector_dim, c.nz_enc, c.n_layers), rng),
            image_encoder: ConvEncoder::new(
                &format!("{name}.image_encoder"),
                c.img_size,
                c.img_channels,
                c.ngf,
                c.nz_enc,
                c.norm,
                rng,
            ),
            head: Mlp::new(&format!("{name}.head"), mlp(2 * c.nz_enc, c.out_dim, 2), rng),
        }
    }

    /// `vector: [b, vector_dim]`, `image: [b, c, s, s]` -> `[b, out_dim]`.
    pub fn forward(&self, tape: &Tape, vector: &Var, image: &Var) -> Var {
        self.forward_encoded(tape, vector, &self.encode_image(tape, image))
    }

    /// The image branch alone: `image: [b, c, s, s]` -> `[b, nz_enc]` features, to be reused by
    /// several [`HybridConvMlpEncoder::forward_encoded`] calls on the same images.
    pub fn encode_image(&self, tape: &Tape, image: &Var) -> Var {
        self.image_encoder.forward(tape, image)
    }

    /// [`HybridConvMlpEncoder::forward`] with the image branch already computed (`features: [b, nz_enc]`).
    pub fn forward_encoded(&self, tape: &Tape, vector: &Var, features: &Var) -> Var {
        let v = self.vector_encoder.forward(tape, vector);
        self.head.forward(tape, &Var::cat(&[v, features.clone()], 1))
    }
}

impl Module for HybridConvMlpEncoder {
    fn parameters(&self) -> Vec<Param> {
        let mut p = self.vector_encoder.parameters();
        p.extend(self.image_encoder.parameters());
        p.extend(self.head.parameters());
        p
    }
    fn buffers(&self) -> Vec<Param> {
        let mut b = self.vector_encoder.buffers();
        b.extend(self.image_encoder.buffers());
        b.extend(self.head.buffers());
        b
    }
    fn set_training(&mut self, training: bool) {
        self.vector_encoder.set_training(training);
        self.image_encoder.set_training(training);
        self.head.set_training(training);
    }
}
