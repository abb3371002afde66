//! `nn`: modules, losses and optimizers on top of `autograd`.
//!
//! So far this holds the first pieces the engine's end-to-end demo needs: the [`Module`] trait,
//! [`Linear`], a plain [`Mlp`], weight initialisers, MSE / cross-entropy and the Adam(W)
//! optimizer. Everything else EXTRACT needs (BatchNorm, conv encoders, LSTM, flows,
//! distributions, checkpoints, PyTorch fixtures) comes with the `nn` issue.

pub mod checkpoint;
mod conv;
pub mod dist;
pub mod init;
mod linear;
pub mod loss;
mod lstm;
mod mlp;
mod module;
pub mod norm;
pub mod optim;

pub use conv::{Conv2d, ConvBlock, ConvEncoder, ConvTranspose2d};
pub use dist::{Categorical, Gaussian, TanhGaussian};
pub use linear::Linear;
pub use lstm::{LstmCell, LstmState, ProcessingLstm, RecurrentPredictor};
pub use mlp::{LinearBlock, Mlp, MlpConfig};
pub use module::{Module, hard_update, polyak_update};
pub use norm::{BatchNorm, LayerNorm, Norm};
