//! `ConvCritic`: upstream's `ConvCritic` (`rl/components/critic.py`) on a frame stack and a vector
//! (the continuous part of the HL action): `HybridConvMlpEncoder(vector, frames) -> n_out` Q-values.
//!
//! ```text
//! vector [b, V] --Mlp(V -> feature, mid, vector_num_layers)------\
//!                                                                  cat [b, 2 feature] --Mlp(-> n_out, mid, 2)--> Q [b, n_out]
//! frames [b, 3F, res, res] --ConvEncoder(3F -> feature, ngf)-----/
//! ```
//! No normalisation (upstream builds the critics with `normalization = none`).

use super::skill_critic::CriticSizes;
use crate::models::ImageSpec;
use autograd::{Param, Tape, Var};
use nn::{HybridConfig, HybridConvMlpEncoder, Module, Norm};
use rand::Rng;
use tensor::Tensor;

/// `Q(frames, vector)`: `[b, 3F, res, res] x [b, V] -> [b, n_out]`.
pub struct ConvCritic {
    pub net: HybridConvMlpEncoder,
}

impl ConvCritic {
    /// Parameters are named `{name}.{vector_encoder, image_encoder, head}.*`.
    pub fn new<R: Rng + ?Sized>(
        name: &str,
        image: ImageSpec,
        dims: (usize, usize),
        sizes: &CriticSizes,
        rng: &mut R,
    ) -> ConvCritic {
        let (vector_dim, n_out) = dims;
        let cfg = HybridConfig {
            vector_dim,
            img_size: image.res,
            img_channels: 3 * image.frames,
            ngf: sizes.ngf,
            nz_enc: sizes.feature_dim,
            nz_mid: sizes.mid_dim,
            n_layers: sizes.vector_num_layers,
            out_dim: n_out,
            norm: Norm::None,
        };
        ConvCritic { net: HybridConvMlpEncoder::new(name, cfg, rng) }
    }

    /// `frames: [b, 3F, res, res]` (the networks' input of `ObsView::model_input`), `vector: [b, V]`.
    pub fn forward(&self, tape: &Tape, frames: &Tensor, vector: &Var) -> Var {
        self.forward_encoded(tape, &self.encode(tape, frames), vector)
    }

    /// The conv encoding `[b, feature]` of `frames`, for [`ConvCritic::forward_encoded`].
    pub fn encode(&self, tape: &Tape, frames: &Tensor) -> Var {
        self.net.encode_image(tape, &Var::constant(frames.to(&self.device())))
    }

    /// [`ConvCritic::forward`] on frames already encoded.
    pub fn forward_encoded(&self, tape: &Tape, features: &Var, vector: &Var) -> Var {
        self.net.forward_encoded(tape, vector, features)
    }
}

impl Module for ConvCritic {
    fn parameters(&self) -> Vec<Param> {
        self.net.parameters()
    }
    fn buffers(&self) -> Vec<Param> {
        self.net.buffers()
    }
}
