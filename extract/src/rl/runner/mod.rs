//! `extract rl`: the RL stage from a config file (upstream `rl/train.py` with its `conf.py` files).
//!
//! ```text
//! config.rs  RlConfig: [general] [train] [env] [skill] [agent]
//! skill.rs   SkillRun: a trained skill model's run folder -> fresh model copies with its weights
//! run.rs     builds env, frozen decoder and agent; trains in the run folder; report
//! ```

mod config;
mod run;
mod skill;

pub use config::{AgentConfig, KitchenTaskConfig, RlConfig, RlGeneral, SkillSource};
pub use run::{RlArgs, resolve_config, run, run_dir};
pub use skill::SkillRun;
