//! The training loop of upstream `rl/train.py` for a flat agent on one Gymnasium-style env: warm-up
//! with uniform random actions, then per env step one transition into the replay buffer and
//! `updates_per_step` SAC updates, evaluation episodes every `eval_every` steps (and before
//! training), metrics as JSON lines and a progress bar.
//!
//! The policy acts in `[-1, 1]^action_dim`; [`to_env_action`] maps that box affinely onto the env's
//! action box (upstream scales by `max_action_range` instead, which is the same for symmetric boxes).
//!
//! Metrics lines, told apart by `kind`: `eval` {step, return_mean, return_std, returns, wall_s},
//! `episode` {step, return, length}, `update` {step, updates, updates_per_s, and the mean
//! [`SacMetrics`] of the last `log_every` steps}.

use crate::metrics::{MetricsError, MetricsWriter};
use crate::rl::agents::{SacAgent, SacMetrics};
use crate::rl::components::{ObsLayout, ReplayBuffer, Transition};
use envs::{BoxSpace, Env};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Instant;
use tensor::rand::{Rng, SeedableRng, rngs::StdRng};

/// Evaluation episode `i` of every run starts from `reset(Some(EVAL_SEED + i))`, so all evaluations
/// (of one run and across seeds) see the same initial states.
pub const EVAL_SEED: u64 = 1_000_000;

/// Loop settings (the agent's own are in `SacConfig`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Environment steps in total, warm-up included.
    pub steps: usize,
    /// Steps with uniform random actions before the first update (upstream `n_warmup_steps`).
    pub warmup_steps: usize,
    /// Gradient updates per environment step after warm-up (upstream `update_iterations`).
    pub updates_per_step: usize,
    /// Replay capacity in transitions (upstream `replay_params.capacity`).
    pub replay_capacity: usize,
    /// Evaluate after every this many environment steps (and once before the first).
    pub eval_every: usize,
    /// Episodes per evaluation, from the fixed initial states of [`EVAL_SEED`].
    pub eval_episodes: usize,
    /// Act with `tanh(mean)` in evaluation (upstream samples, `false`).
    pub eval_deterministic: bool,
    /// Store time-outs as done like upstream's sampler (`false`: only `terminated` stops bootstrapping).
    pub timeout_is_done: bool,
    /// Environment steps per `update` metrics line (the metrics are averaged over them).
    pub log_every: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            steps: 20_000,
            warmup_steps: 5_000,
            updates_per_step: 1,
            replay_capacity: 100_000,
            eval_every: 5_000,
            eval_episodes: 5,
            eval_deterministic: false,
            timeout_is_done: false,
            log_every: 1_000,
        }
    }
}

/// One evaluation: episode returns after `step` environment steps.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvalPoint {
    pub step: usize,
    pub return_mean: f64,
    pub return_std: f64,
    pub returns: Vec<f64>,
}

/// What a run did and how fast.
#[derive(Clone, Debug, Serialize)]
pub struct TrainSummary {
    pub evals: Vec<EvalPoint>,
    /// `(step at episode end, return)` of every training episode.
    pub train_returns: Vec<(usize, f64)>,
    pub env_steps: usize,
    pub updates: u64,
    pub wall_s: f64,
    /// Seconds spent sampling batches and updating.
    pub update_s: f64,
    /// `updates / update_s`.
    pub updates_per_s: f64,
}

/// Maps `a` in `[-1, 1]^n` affinely onto `space` (`-1 -> low`, `1 -> high`). Panics on an unbounded box.
pub fn to_env_action(a: &[f32], space: &BoxSpace) -> Vec<f32> {
    assert!(a.len() == space.dim(), "to_env_action: {} values for a {}-d action space", a.len(), space.dim());
    a.iter()
        .zip(space.low.iter().zip(&space.high))
        .map(|(&x, (&lo, &hi))| {
            assert!(lo.is_finite() && hi.is_finite(), "to_env_action: the action space must be bounded");
            lo + (x.clamp(-1.0, 1.0) + 1.0) * 0.5 * (hi - lo)
        })
        .collect()
}

/// Returns of `episodes` episodes from the fixed initial states of [`EVAL_SEED`].
pub fn evaluate<E: Env>(agent: &mut SacAgent, env: &mut E, episodes: usize, deterministic: bool) -> Vec<f64> {
    let space = env.action_space().clone();
    (0..episodes as u64)
        .map(|i| {
            let (mut obs, _) = env.reset(Some(EVAL_SEED + i));
            let mut total = 0.0;
            loop {
                let r = env.step(&to_env_action(&agent.act(&obs, deterministic), &space));
                total += r.reward as f64;
                if r.done() {
                    return total;
                }
                obs = r.obs;
            }
        })
        .collect()
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    (mean, (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt())
}

/// Trains `agent` on `env` for `cfg.steps` steps, evaluating on `eval_env`. `seed` drives the env
/// resets, warm-up actions and replay sampling (the agent has its own seed). Every metrics line
/// goes to `metrics` when given; `progress` shows a bar on the terminal.
pub fn train<E: Env>(
    agent: &mut SacAgent,
    envs: (&mut E, &mut E),
    cfg: &TrainConfig,
    seed: u64,
    metrics: Option<&mut MetricsWriter>,
    progress: bool,
) -> Result<TrainSummary, MetricsError> {
    let (env, eval_env) = envs;
    let mut run = Run::new(agent, env, cfg, seed, metrics, progress);
    run.evaluate(agent, eval_env, 0)?;
    for step in 1..=cfg.steps {
        run.env_step(agent, env, step)?;
        if step > cfg.warmup_steps {
            run.update(agent);
        }
        if step % cfg.log_every == 0 && !run.pending.is_empty() {
            run.log_updates(step)?;
        }
        if step % cfg.eval_every == 0 || step == cfg.steps {
            run.evaluate(agent, eval_env, step)?;
        }
        run.bar.inc(1);
    }
    run.bar.finish();
    let s = &mut run.summary;
    (s.env_steps, s.wall_s) = (cfg.steps, run.start.elapsed().as_secs_f64());
    s.updates_per_s = s.updates as f64 / s.update_s.max(1e-9);
    Ok(run.summary)
}

/// The loop's state between steps.
struct Run<'a> {
    cfg: &'a TrainConfig,
    metrics: Option<&'a mut MetricsWriter>,
    replay: ReplayBuffer,
    rng: StdRng,
    space: BoxSpace,
    obs: Vec<f32>,
    /// Return and length of the running episode.
    episode: (f64, usize),
    /// Update metrics since the last `update` line.
    pending: Vec<SacMetrics>,
    /// Seconds spent in updates since the last `update` line.
    pending_s: f64,
    summary: TrainSummary,
    start: Instant,
    bar: ProgressBar,
}

impl<'a> Run<'a> {
    fn new<E: Env>(
        agent: &SacAgent,
        env: &mut E,
        cfg: &'a TrainConfig,
        seed: u64,
        metrics: Option<&'a mut MetricsWriter>,
        progress: bool,
    ) -> Run<'a> {
        assert_eq!(agent.action_dim(), env.action_space().dim(), "train: agent and env action sizes differ");
        let layout = ObsLayout::state(env.observation_space().dim());
        let bar = if progress { ProgressBar::new(cfg.steps as u64) } else { ProgressBar::hidden() };
        let style = ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} [{elapsed_precise}<{eta_precise}]");
        bar.set_style(style.expect("valid progress template"));
        Run {
            cfg,
            metrics,
            replay: ReplayBuffer::new(cfg.replay_capacity, layout, agent.action_dim()),
            rng: StdRng::seed_from_u64(seed),
            space: env.action_space().clone(),
            obs: env.reset(Some(seed)).0,
            episode: (0.0, 0),
            pending: Vec::new(),
            pending_s: 0.0,
            summary: TrainSummary {
                evals: Vec::new(),
                train_returns: Vec::new(),
                env_steps: 0,
                updates: 0,
                wall_s: 0.0,
                update_s: 0.0,
                updates_per_s: 0.0,
            },
            start: Instant::now(),
            bar,
        }
    }

    fn write(&mut self, record: Value) -> Result<(), MetricsError> {
        match self.metrics.as_mut() {
            Some(m) => m.write(&record),
            None => Ok(()),
        }
    }

    /// One environment step (random action during warm-up) into the replay buffer.
    fn env_step<E: Env>(&mut self, agent: &mut SacAgent, env: &mut E, step: usize) -> Result<(), MetricsError> {
        let action: Vec<f32> = match step <= self.cfg.warmup_steps {
            true => (0..agent.action_dim()).map(|_| self.rng.random_range(-1.0..=1.0)).collect(),
            false => agent.act(&self.obs, false),
        };
        let r = env.step(&to_env_action(&action, &self.space));
        let done = r.terminated || (self.cfg.timeout_is_done && r.truncated);
        self.replay.push(&Transition { obs: &self.obs, action: &action, reward: r.reward, next_obs: &r.obs, done });
        self.episode = (self.episode.0 + r.reward as f64, self.episode.1 + 1);
        if !r.done() {
            self.obs = r.obs;
            return Ok(());
        }
        let (ret, len) = std::mem::take(&mut self.episode);
        self.summary.train_returns.push((step, ret));
        self.obs = env.reset(None).0;
        self.write(json!({"kind": "episode", "step": step, "return": ret, "length": len}))
    }

    /// `updates_per_step` updates on uniformly sampled batches (once the buffer holds a batch).
    fn update(&mut self, agent: &mut SacAgent) {
        if self.replay.len() < agent.config.batch_size {
            return;
        }
        let t = Instant::now();
        for _ in 0..self.cfg.updates_per_step {
            let batch = self.replay.sample(agent.config.batch_size, &mut self.rng);
            self.pending.push(agent.update(&batch));
        }
        self.summary.updates += self.cfg.updates_per_step as u64;
        let dt = t.elapsed().as_secs_f64();
        self.pending_s += dt;
        self.summary.update_s += dt;
    }

    /// The mean of the pending update metrics as one `update` line.
    fn log_updates(&mut self, step: usize) -> Result<(), MetricsError> {
        let pending = std::mem::take(&mut self.pending);
        let rate = pending.len() as f64 / self.pending_s.max(1e-9);
        let mut rec = json!({"kind": "update", "step": step, "updates": self.summary.updates, "updates_per_s": rate});
        if let (Value::Object(r), Ok(Value::Object(m))) = (&mut rec, serde_json::to_value(SacMetrics::mean(&pending))) {
            r.extend(m);
        }
        self.pending_s = 0.0;
        self.write(rec)
    }

    /// Evaluation episodes; one `eval` line and a progress message.
    fn evaluate<E: Env>(&mut self, agent: &mut SacAgent, env: &mut E, step: usize) -> Result<(), MetricsError> {
        let returns = evaluate(agent, env, self.cfg.eval_episodes, self.cfg.eval_deterministic);
        let (mean, std) = mean_std(&returns);
        self.bar.set_message(format!("eval return {mean:.1}"));
        let wall_s = self.start.elapsed().as_secs_f64();
        let rec = json!({"kind": "eval", "step": step, "return_mean": mean, "return_std": std,
                         "returns": returns, "wall_s": wall_s});
        self.summary.evals.push(EvalPoint { step, return_mean: mean, return_std: std, returns });
        self.write(rec)
    }
}
