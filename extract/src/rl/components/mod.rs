//! RL building blocks (upstream `rl/components/`): replay buffer and critics.

mod conv_critic;
mod critic;
mod obs_store;
mod replay_buffer;
mod replay_state;
mod skill_critic;

pub use conv_critic::ConvCritic;
pub use critic::{MlpCritic, copy_params, soft_update};
pub use obs_store::{decode_pixel, encode_pixel};
pub use replay_buffer::{ObsFeatures, ObsLayout, ReplayBatch, ReplayBuffer, Transition};
pub use skill_critic::{CriticSizes, SkillCritic};
