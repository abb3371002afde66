//! `HrlConfig`: the `[train]` table of an RL config — the hierarchical loop's settings.

use serde::{Deserialize, Serialize};

/// Loop settings (`[train]` of an RL config); defaults = upstream kitchen.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HrlConfig {
    /// Environment steps in total, warm-up included (upstream: 60 epochs x 50k = 3M; the budget 300k).
    pub env_steps: usize,
    /// HL transitions collected before the first update (upstream `n_warmup_steps`: EXTRACT 1000, SPiRL 2000).
    pub warmup_transitions: usize,
    /// Agent updates per HL transition gathered from the workers (upstream `update_iterations`: with
    /// N workers each iteration gathers N transitions and runs `update_iterations x N` updates).
    pub updates_per_transition: usize,
    /// Transitions per update batch.
    pub batch_size: usize,
    /// HL replay capacity (upstream kitchen 50k).
    pub replay_capacity: usize,
    /// Evaluate (and checkpoint) after every this many env steps, and once before training.
    pub eval_every: usize,
    /// Evaluation episodes, from the fixed initial states `EVAL_SEED + i`.
    pub eval_episodes: usize,
    /// Env steps per `update` metrics line.
    pub log_every: usize,
    /// Store time-outs as done, as upstream's sampler does.
    pub timeout_is_done: bool,
    /// Upstream's one-step HL observation offset (spec §9 quirk).
    pub obs_offset_quirk: bool,
    /// Side of the evaluation videos (the first episode of each evaluation, APNG); 0 = none.
    pub video_res: usize,
    /// Env workers as threads of this process; under `mpirun -n N` each rank is one worker and
    /// this stays 1 (upstream: MPI workers only).
    pub workers: usize,
}

impl Default for HrlConfig {
    fn default() -> Self {
        HrlConfig {
            env_steps: 300_000,
            warmup_transitions: 1_000,
            updates_per_transition: 1,
            batch_size: 256,
            replay_capacity: 50_000,
            eval_every: 10_000,
            eval_episodes: 5,
            log_every: 2_000,
            timeout_is_done: true,
            obs_offset_quirk: false,
            video_res: 96,
            workers: 1,
        }
    }
}

impl HrlConfig {
    pub fn validate(&self) -> Result<(), String> {
        for (k, v) in [
            ("env_steps", self.env_steps),
            ("updates_per_transition", self.updates_per_transition),
            ("batch_size", self.batch_size),
            ("replay_capacity", self.replay_capacity),
            ("eval_every", self.eval_every),
            ("log_every", self.log_every),
            ("workers", self.workers),
        ] {
            if v == 0 {
                return Err(format!("train.{k}: expected >= 1, got 0"));
            }
        }
        Ok(())
    }
}
