//! Agents (upstream `rl/agents/`): flat SAC, the interface of the skill-space agents, and the two
//! skill-space SACs (SPiRL's prior-regularised one, EXTRACT's hybrid one).

mod hl_common;
mod hybrid_sac;
mod hybrid_sac_config;
mod prior_sac;
mod prior_sac_config;
mod sac;
mod sac_config;
mod sac_loop;
mod skill_agent;

pub use hybrid_sac::{HybridNoise, HybridSacAgent};
pub use hybrid_sac_config::{CriticSkillIndex, HybridSacConfig};
pub use prior_sac::{SpirlNoise, SpirlSacAgent};
pub use prior_sac_config::{PriorSacConfig, Regularizer};
pub use sac::SacAgent;
pub use sac_config::{SacConfig, SacMetrics};
pub use skill_agent::{ObsView, SkillAgent};
