//! Franka Kitchen with D4RL's semantics (`kitchen-mixed-v0` as SPiRL/EXTRACT use it): configuration,
//! subtasks, and the environment.
//!
//! The scene is gymnasium-robotics' `kitchen_franka` MJCF (D4RL's own XML does not load in MuJoCo 3),
//! unpacked by `scripts/setup.sh` into `.deps/kitchen_franka`.
mod env;
mod franka_config;
pub mod scripted;
mod tasks;

use std::path::PathBuf;

pub use env::{INIT_QPOS, KitchenEnv, KitchenInfo};
pub use franka_config::FrankaConfig;
pub use scripted::{ScriptRandomization, ScriptedAgent};
pub use tasks::{BONUS_THRESH, KitchenTask, TaskProgress, goal_vector};

/// Environment variable that overrides where the kitchen scene is read from.
pub const ASSETS_DIR_VAR: &str = "EXTRACT_KITCHEN_DIR";

/// Where `scripts/setup.sh` puts the scene: `$EXTRACT_KITCHEN_DIR` if set, else the workspace's
/// `.deps/kitchen_franka`.
pub fn default_assets_dir() -> PathBuf {
    match std::env::var_os(ASSETS_DIR_VAR) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.deps/kitchen_franka")),
    }
}

/// Settings of a `KitchenEnv`; `Default` is SPiRL/EXTRACT's downstream kitchen task.
#[derive(Clone, Debug, PartialEq)]
pub struct KitchenConfig {
    /// Folder holding `kitchen_assets/kitchen_env_model.xml` and `franka_assets/franka_config.xml`.
    pub assets_dir: PathBuf,
    /// Subtasks of an episode, in order (default microwave → kettle → bottom burner → light switch).
    pub tasks: Vec<KitchenTask>,
    /// Credit a subtask only after all earlier ones (SPiRL/EXTRACT: true; original D4RL: false).
    pub enforce_order: bool,
    /// End the episode (`terminated`) once every subtask is done (D4RL's `TERMINATE_ON_TASK_COMPLETE`).
    pub terminate_on_tasks_completed: bool,
    /// Observation noise: `qpos[i] += noise_ratio * pos_noise_amp[i] * U(-1, 1)` (D4RL: 0.1).
    pub noise_ratio: f64,
    /// Physics steps (`mj_step`) per environment step (D4RL: 40, so one step is 0.08 s).
    pub frame_skip: usize,
    /// `truncated` after this many steps (SPiRL/EXTRACT's sampler: 280).
    pub max_episode_steps: usize,
    /// Reward of the step on which MuJoCo went unstable; the env then resets (SPiRL's `punish_reward`).
    pub punish_reward: f32,
}

impl Default for KitchenConfig {
    fn default() -> Self {
        KitchenConfig {
            assets_dir: default_assets_dir(),
            tasks: KitchenTask::MIXED.to_vec(),
            enforce_order: true,
            terminate_on_tasks_completed: true,
            noise_ratio: 0.1,
            frame_skip: 40,
            max_episode_steps: 280,
            punish_reward: -100.0,
        }
    }
}

impl KitchenConfig {
    /// The top-level MJCF file of the scene.
    pub fn model_path(&self) -> PathBuf {
        self.assets_dir.join("kitchen_assets/kitchen_env_model.xml")
    }

    /// The robot's bounds-and-noise file.
    pub fn franka_config_path(&self) -> PathBuf {
        self.assets_dir.join("franka_assets/franka_config.xml")
    }
}
