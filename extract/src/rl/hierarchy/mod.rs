//! The hierarchy of skill-based RL (upstream `rl/components/agent.py`, `sampler.py`, `train.py`):
//! a high-level `SkillAgent` picks skills, a frozen low-level decoder turns each into actions.
//!
//! ```text
//! observe.rs    flat observations: env state [+ stacked rendered frames]; kitchen frames
//! low_level.rs  LowLevel: frozen SPiRL (fixed H) / EXTRACT (progress-terminated) decoders
//! sampler.rs    HierarchicalSampler: skill-level transitions from env steps
//! sampler_state.rs  a sampler's state as bytes (checkpoints that continue bit for bit)
//! config.rs     HrlConfig, the [train] table
//! train.rs      the loop every worker runs: collect, gather, learner updates, policy broadcast
//! eval.rs       evaluation episodes (+ APNG videos)
//! checkpoint.rs agent + replay checkpoints in the run folder
//! video.rs      write_apng
//! ```

mod checkpoint;
mod config;
mod eval;
mod low_level;
mod observe;
mod sampler;
mod sampler_state;
mod train;
mod video;

pub use checkpoint::{agent_checkpoint, latest_checkpoint};
pub use config::HrlConfig;
pub use eval::{HrlEval, VIDEO_FPS, evaluate};
pub use low_level::{ActionPlanner, LowLevel};
pub use observe::{FrameSource, FrameStackObserver, KitchenFrames, Observer, StateObserver, TaskInfo, frame_to_chw};
pub use sampler::{EpisodeEnd, HierarchicalSampler, HlTransition, SamplerConfig};
pub use sampler_state::{read_episode, write_episode};
pub use train::{HrlRun, HrlSummary, Lead, train};
pub use video::write_apng;
