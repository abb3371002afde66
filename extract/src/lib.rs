//! EXTRACT port: library side of the `extract` crate (metrics logging and plotting so far).

pub mod cluster;
pub mod demo;
pub mod gen_data;
pub mod metrics;
pub mod plot;
