//! Agents (upstream `rl/agents/`): flat SAC.

mod sac;
mod sac_config;

pub use sac::SacAgent;
pub use sac_config::{SacConfig, SacMetrics};
