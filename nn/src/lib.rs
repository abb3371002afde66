//! `nn`: modules, distributions, losses, optimizers and checkpoints on top of `autograd`.
//!
//! Every module owns named [`autograd::Param`]s whose dotted names follow the upstream PyTorch
//! module tree, so a `state_dict` maps onto ours one to one (see [`checkpoint`]). Forward passes
//! take the step's [`autograd::Tape`] and return [`autograd::Var`]s. Values and gradients are
//! checked against PyTorch fixtures in `nn/tests` (script committed beside the JSON).

pub mod checkpoint;
mod conv;
mod conv_decoder;
pub mod dist;
mod flow;
mod hybrid;
pub mod init;
mod linear;
pub mod loss;
mod lstm;
mod mdn;
mod mlp;
mod module;
pub mod norm;
pub mod optim;
pub mod vision;

pub use conv::{Conv2d, ConvBlock, ConvEncoder, ConvTranspose2d};
pub use conv_decoder::{ConvDecoder, UpBlock, pad2d, upsample_matrix, upsample2x};
pub use dist::{Categorical, Gaussian, TanhGaussian};
pub use flow::{RealNvp, RealNvpBlock, TanhNet};
pub use hybrid::{HybridConfig, HybridConvMlpEncoder};
pub use linear::Linear;
pub use lstm::{LstmCell, LstmState, ProcessingLstm, RecurrentPredictor};
pub use mdn::{Gmm, Mdn};
pub use mlp::{LinearBlock, Mlp, MlpConfig};
pub use module::{Module, hard_update, polyak_update};
pub use norm::{BatchNorm, LayerNorm, Norm};
