//! Optimizers: they read `Grads` and write new values into `Param`s.

mod adam;

pub use adam::{Adam, AdamConfig};
