//! EXTRACT port: library side of the `extract` crate (data generation, clustering, skill data and models, metrics, plots, online RL).

pub mod alloc;
pub mod cluster;
pub mod components;
pub mod data;
pub mod demo;
pub mod gen_data;
pub mod metrics;
pub mod models;
pub mod plot;
pub mod rl;
