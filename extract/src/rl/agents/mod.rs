//! Agents (upstream `rl/agents/`): flat SAC, and the interface of the skill-space agents.

mod sac;
mod sac_config;
mod skill_agent;

pub use sac::SacAgent;
pub use sac_config::{SacConfig, SacMetrics};
pub use skill_agent::{ObsView, SkillAgent};
