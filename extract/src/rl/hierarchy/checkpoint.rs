//! RL checkpoints in a run folder: `weights/agent_step{N}.safetensors` (the agent's state dict, the
//! env-step and transition counters in the metadata) and `weights/replay.safetensors` (the replay
//! buffer, overwritten each time), both written atomically.

use crate::rl::agents::SkillAgent;
use crate::rl::components::ReplayBuffer;
use std::path::{Path, PathBuf};

/// Path of the agent checkpoint after `step` env steps.
pub fn agent_checkpoint(dir: &Path, step: usize) -> PathBuf {
    dir.join("weights").join(format!("agent_step{step}.safetensors"))
}

/// The newest agent checkpoint in `dir/weights`, with its step.
pub fn latest_checkpoint(dir: &Path) -> Option<(usize, PathBuf)> {
    let entries = std::fs::read_dir(dir.join("weights")).ok()?;
    entries
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let step = name.strip_prefix("agent_step")?.strip_suffix(".safetensors")?.parse().ok()?;
            Some((step, agent_checkpoint(dir, step)))
        })
        .max_by_key(|(s, _)| *s)
}

/// Agent state (+ counters in the metadata) and the replay buffer, each written atomically.
pub(super) fn save_checkpoint(
    dir: &Path,
    agent: &dyn SkillAgent,
    replay: &ReplayBuffer,
    step: usize,
    transitions: usize,
) -> Result<(), String> {
    std::fs::create_dir_all(dir.join("weights")).map_err(|e| format!("{}: {e}", dir.display()))?;
    replay.save(dir.join("weights").join("replay.safetensors"))?;
    let meta = [("env_steps".to_string(), step.to_string()), ("transitions".into(), transitions.to_string())];
    let path = agent_checkpoint(dir, step);
    nn::checkpoint::save(&path, &agent.state_dict(), &meta, nn::checkpoint::StoreDtype::F32).map_err(|e| e.to_string())
}
