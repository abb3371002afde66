//! The hierarchy of skill-based RL (upstream `rl/components/agent.py`, `sampler.py`, `train.py`):
//! a high-level `SkillAgent` picks skills, a frozen low-level decoder turns each into actions.
//!
//! ```text
//! observe.rs    flat observations: env state [+ stacked rendered frames]; kitchen frames
//! low_level.rs  LowLevel: frozen SPiRL (fixed H) / EXTRACT (progress-terminated) decoders
//! sampler.rs    HierarchicalSampler: skill-level transitions from env steps
//! train.rs      warm-up, updates, evaluation (+ APNG videos), checkpoints, metrics
//! video.rs      write_apng
//! ```

mod low_level;
mod observe;
mod sampler;
mod train;
mod video;

pub use low_level::{ActionPlanner, LowLevel};
pub use observe::{FrameSource, FrameStackObserver, KitchenFrames, Observer, StateObserver, TaskInfo, frame_to_chw};
pub use sampler::{EpisodeEnd, HierarchicalSampler, HlTransition, SamplerConfig};
pub use train::{
    HrlConfig, HrlEval, HrlRun, HrlSummary, VIDEO_FPS, agent_checkpoint, evaluate, latest_checkpoint, train,
};
pub use video::write_apng;
