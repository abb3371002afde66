//! `nn`: modules, losses and optimizers on top of `autograd`.
//!
//! So far this holds the first pieces the engine's end-to-end demo needs: the [`Module`] trait,
//! [`Linear`], a plain [`Mlp`], weight initialisers, MSE / cross-entropy and the Adam(W)
//! optimizer. Everything else EXTRACT needs (BatchNorm, conv encoders, LSTM, flows,
//! distributions, checkpoints, PyTorch fixtures) comes with the `nn` issue.

pub mod init;
mod linear;
pub mod loss;
mod mlp;
mod module;
pub mod optim;

pub use linear::Linear;
pub use mlp::Mlp;
pub use module::Module;
