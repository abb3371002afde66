//! RL checkpoints in a run folder, written when an evaluation is due, each file atomically:
//!
//! ```text
//! weights/replay.safetensors        the replay buffer (overwritten each time)
//! weights/loop_step{N}.bin          the loop's state after N env steps (below)
//! weights/agent_step{N}.safetensors the agent's state dict; env-step and transition counters in
//!                                   the metadata — written last, so it marks a complete checkpoint
//! ```
//! The loop state is what a resumed run needs to continue bit for bit (codec: `envs::snapshot`):
//! ```text
//! loop   = tag utf8 | env_steps u64 | transitions u64 | learner | workers (bytes)[]
//! learner = replay-sampling rng | next_log u64 | updates_since_log u64 | pending (name utf8, sum f64, n u64)[]
//! worker = has_sampler u8 | sampler bytes (if any) | agent rng      (one per env worker, in rank order)
//! ```

use super::observe::{Observer, TaskInfo};
use super::sampler::HierarchicalSampler;
use crate::components::experiment::write_atomic;
use crate::rl::agents::SkillAgent;
use crate::rl::components::ReplayBuffer;
use envs::Env;
use envs::snapshot::{StateReader, StateRng, StateWriter};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const TAG: &str = "extract rl loop state v1";

/// Path of the agent checkpoint after `step` env steps.
pub fn agent_checkpoint(dir: &Path, step: usize) -> PathBuf {
    dir.join("weights").join(format!("agent_step{step}.safetensors"))
}

/// Path of the loop state that goes with [`agent_checkpoint`].
pub fn loop_checkpoint(dir: &Path, step: usize) -> PathBuf {
    dir.join("weights").join(format!("loop_step{step}.bin"))
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

/// The learner's bookkeeping between checkpoints.
pub(super) struct LearnerState {
    /// Draws the replay batches.
    pub rng: StateRng,
    pub next_log: usize,
    pub updates_since_log: u64,
    /// Sums and counts of the agent metrics since the last `update` line.
    pub pending: BTreeMap<String, (f64, usize)>,
}

/// Everything of a checkpoint but the agent and the replay buffer.
pub(super) struct LoopState {
    pub env_steps: usize,
    pub transitions: usize,
    pub learner: LearnerState,
    /// Each worker's [`worker_state`], in rank order.
    pub workers: Vec<Vec<u8>>,
}

impl LoopState {
    /// The bytes of a loop state (what [`LoopState::decode`] reads).
    pub fn encode(env_steps: usize, transitions: usize, l: &LearnerState, workers: &[Vec<u8>]) -> Vec<u8> {
        let mut w = StateWriter::default();
        w.str(TAG);
        w.usize(env_steps);
        w.usize(transitions);
        w.rng(&l.rng);
        w.usize(l.next_log);
        w.u64(l.updates_since_log);
        w.usize(l.pending.len());
        for (name, (sum, n)) in &l.pending {
            w.str(name);
            w.f64(*sum);
            w.usize(*n);
        }
        w.usize(workers.len());
        workers.iter().for_each(|b| w.bytes(b));
        w.0
    }

    /// Reads [`LoopState::encode`]'s bytes; `what` names them in errors.
    pub fn decode(bytes: &[u8], what: &str) -> Result<LoopState, String> {
        let mut r = StateReader::new(bytes, what);
        let tag = r.str()?;
        if tag != TAG {
            return Err(format!("{what}: not a loop state of this version ({tag:?}, expected {TAG:?})"));
        }
        let (env_steps, transitions, rng, next_log, updates_since_log) =
            (r.usize()?, r.usize()?, r.rng()?, r.usize()?, r.u64()?);
        let n = r.usize()?;
        let pending = (0..n).map(|_| Ok((r.str()?, (r.f64()?, r.usize()?)))).collect::<Result<_, String>>()?;
        let n = r.usize()?;
        let workers = (0..n).map(|_| r.bytes().map(<[u8]>::to_vec)).collect::<Result<_, _>>()?;
        r.finish()?;
        let learner = LearnerState { rng, next_log, updates_since_log, pending };
        Ok(LoopState { env_steps, transitions, learner, workers })
    }
}

/// One worker's part of a checkpoint: its sampler (when the env can save its state) and its agent's generator.
pub(super) fn worker_state<E: Env, O: Observer<E>>(
    sampler: &HierarchicalSampler<E, O>,
    agent: &mut dyn SkillAgent,
) -> Vec<u8>
where
    E::Info: TaskInfo,
{
    let mut w = StateWriter::default();
    match sampler.save_state() {
        Some(bytes) => {
            w.bool(true);
            w.bytes(&bytes);
        }
        None => w.bool(false),
    }
    w.rng(agent.rng_mut());
    w.0
}

/// Restores [`worker_state`]; `false` when it holds no sampler state (the sampler is left as it is).
pub(super) fn load_worker_state<E: Env, O: Observer<E>>(
    bytes: &[u8],
    sampler: &mut HierarchicalSampler<E, O>,
    agent: &mut dyn SkillAgent,
) -> Result<bool, String>
where
    E::Info: TaskInfo,
{
    let mut r = StateReader::new(bytes, "a worker's saved state");
    let has_sampler = r.bool()?;
    let sampler_bytes = if has_sampler { Some(r.bytes()?) } else { None };
    let rng = r.rng()?;
    r.finish()?;
    if let Some(b) = sampler_bytes {
        sampler.load_state(b)?;
    }
    *agent.rng_mut() = rng;
    Ok(has_sampler)
}

/// Replay buffer, loop state (`loop_state`: [`LoopState::encode`]'s bytes), then the agent state
/// (+ counters in the metadata), each atomically.
pub(super) fn save_checkpoint(
    dir: &Path,
    agent: &dyn SkillAgent,
    replay: &ReplayBuffer,
    (step, transitions): (usize, usize),
    loop_state: &[u8],
) -> Result<(), String> {
    std::fs::create_dir_all(dir.join("weights")).map_err(|e| format!("{}: {e}", dir.display()))?;
    replay.save(dir.join("weights").join("replay.safetensors"))?;
    write_atomic(&loop_checkpoint(dir, step), loop_state)?;
    let meta = [("env_steps".to_string(), step.to_string()), ("transitions".into(), transitions.to_string())];
    let path = agent_checkpoint(dir, step);
    nn::checkpoint::save(&path, &agent.state_dict(), &meta, nn::checkpoint::StoreDtype::F32).map_err(|e| e.to_string())
}
