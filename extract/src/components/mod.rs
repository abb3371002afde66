//! Training infrastructure shared by the skill-learning stage (and later RL): configs with
//! overrides, run folders, checkpoints, the training loop, validation and plots.

pub mod checkpointer;
pub mod config;
pub mod evaluator;
pub mod experiment;
pub mod general;
pub mod plots;
pub mod train_config;
pub mod trainer;
