//! `envs`: environments in the Gymnasium shape — Franka Kitchen on MuJoCo (with offscreen rendering),
//! Pendulum — and a vectorised wrapper. The only crate of the workspace that links MuJoCo (through
//! `mujoco`).
//!
//! Observations and actions are plain `f32` vectors; nothing here depends on `tensor` or `autograd`.
//! MuJoCo and the kitchen scene are unpacked into `.deps/` by `bash scripts/setup.sh`.
pub mod dataset;
mod env;
mod error;
pub mod kitchen;
pub mod mujoco;
mod pendulum;
pub mod snapshot;
mod vec_env;

pub use env::{BoxSpace, Env, StepResult};
pub use error::EnvError;
pub use pendulum::{Pendulum, angle_normalize};
pub use vec_env::VecEnv;
