//! The hierarchical training loop of upstream `rl/train.py`, run by every env worker (SPMD, see
//! `rl::parallel`): per iteration each worker collects one HL transition (the first
//! `warmup_transitions` with `SkillAgent::act_warmup`: the prior-initialised policy itself for the
//! skill agents, uniform random actions for flat SAC); the reports are gathered; the learner (rank 0, the only
//! one holding a [`Lead`]) stores every transition and runs `updates_per_transition` updates per
//! transition gathered on uniform replay batches, then its policy is broadcast to the workers.
//! The learner evaluates (return, per-subtask completion) before training and every `eval_every`
//! env steps, each evaluation followed by a checkpoint. With one worker ([`Solo`](crate::rl::parallel::Solo)) nothing is exchanged.
//!
//! Metrics lines, told apart by `kind`: `eval` {step, return_mean, return_std, returns,
//! completion: {subtask: rate}, wall_s}, `episode` {step, return, length, skills, completed},
//! `update` {step, updates, transitions, env_steps_per_s, and the mean agent metrics since the
//! last line}.
//!
//! Checkpoints (see `checkpoint.rs`), written by the learner when an evaluation is due, hold the
//! agent (networks, temperatures, optimizer states), the replay buffer and the loop's state: every
//! worker's env, frame stack, running skill and episode, every generator, the learner's pending
//! metrics. `--resume` restores all of it, so a resumed run continues bit for bit (same agent,
//! replay and metrics as a run that was never stopped, for the same number of workers). Without
//! saved worker states (an env that cannot save its state, another worker count) the workers start
//! fresh episodes with generators re-seeded from (seed, rank, step): the same run statistically.

use super::checkpoint::{LearnerState, LoopState, load_worker_state, loop_checkpoint, save_checkpoint, worker_state};
use super::config::HrlConfig;
use super::eval::{HrlEval, evaluate, video, write_eval};
use super::low_level::ActionPlanner;
use super::observe::{Observer, TaskInfo};
use super::sampler::{HierarchicalSampler, HlTransition};
use crate::metrics::MetricsWriter;
use crate::rl::agents::SkillAgent;
use crate::rl::components::{ObsLayout, ReplayBuffer, Transition};
use crate::rl::parallel::{Comm, Report, decode_params, encode_params};
use envs::Env;
use envs::snapshot::{StateReader, StateRng, StateWriter};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tensor::Tensor;
use tensor::rand::SeedableRng;

/// What a run did and how fast.
#[derive(Clone, Debug, Serialize)]
pub struct HrlSummary {
    pub evals: Vec<HrlEval>,
    pub train_returns: Vec<(usize, f64)>,
    pub env_steps: usize,
    pub transitions: usize,
    pub updates: u64,
    pub wall_s: f64,
    pub update_s: f64,
    pub env_steps_per_s: f64,
    /// Env workers that collected experience.
    pub workers: usize,
}

/// Where a run writes: metrics, checkpoints; `resume_from` = a checkpoint to continue.
pub struct HrlRun<'a> {
    pub dir: &'a Path,
    pub metrics: MetricsWriter,
    pub resume_from: Option<PathBuf>,
    pub progress: bool,
    /// How the replay buffer stores observations (frames as bytes): `ObsView::layout`.
    pub layout: ObsLayout,
}

/// What only the learner (rank 0) has: the evaluation sampler and the run folder.
pub struct Lead<'a, E: Env, O: Observer<E>> {
    pub eval_sampler: &'a mut HierarchicalSampler<E, O>,
    pub run: HrlRun<'a>,
}

/// Stores `transitions` and, when the agent keeps per-observation features, computes them in one
/// batch from the stored (quantised) observations, so they match what updates would compute.
fn push(replay: &mut ReplayBuffer, agent: &dyn SkillAgent, transitions: &[&HlTransition]) -> Result<(), String> {
    let rows: Vec<usize> = transitions
        .iter()
        .map(|t| {
            replay.push(&Transition {
                obs: &t.obs,
                action: &t.action,
                reward: t.reward,
                next_obs: &t.next_obs,
                done: t.done,
            })
        })
        .collect();
    if replay.feature_dim() == 0 || rows.is_empty() {
        return Ok(());
    }
    let stored = replay.gather(&rows);
    let features = |obs: &Tensor| agent.obs_features(obs).ok_or("the agent gave no observation features");
    replay.set_features(&rows, &features(&stored.obs)?, &features(&stored.next_obs)?);
    Ok(())
}

/// The learner's side of the loop: replay, update statistics, logging, evaluation.
struct Learner<'a, E: Env, O: Observer<E>> {
    lead: Lead<'a, E, O>,
    replay: ReplayBuffer,
    /// Replay sampling, metric sums, the next `update` line.
    state: LearnerState,
    summary: HrlSummary,
    bar: ProgressBar,
}

/// Trains `agent` as the module doc says; worker `comm.rank()` collects with `sampler`, and the
/// learner (the caller passing `lead`, rank 0) returns the summary. `seed` is the run's seed
/// (workers were built with `seed + rank`). On an error the other workers are told to stop.
pub fn train<E: Env, O: Observer<E>>(
    agent: &mut dyn SkillAgent,
    ll: &dyn ActionPlanner,
    sampler: &mut HierarchicalSampler<E, O>,
    lead: Option<Lead<E, O>>,
    cfg: &HrlConfig,
    seed: u64,
    comm: &dyn Comm,
) -> Result<Option<HrlSummary>, String>
where
    E::Info: TaskInfo,
{
    let out = run_loop(agent, ll, sampler, lead, cfg, seed, comm);
    if let Err(e) = &out {
        comm.abort(e);
    }
    out
}

fn run_loop<E: Env, O: Observer<E>>(
    agent: &mut dyn SkillAgent,
    ll: &dyn ActionPlanner,
    sampler: &mut HierarchicalSampler<E, O>,
    lead: Option<Lead<E, O>>,
    cfg: &HrlConfig,
    seed: u64,
    comm: &dyn Comm,
) -> Result<Option<HrlSummary>, String>
where
    E::Info: TaskInfo,
{
    cfg.validate()?;
    if lead.is_some() != (comm.rank() == 0) {
        return Err(format!("worker {}: only rank 0 evaluates and writes the run", comm.rank()));
    }
    let t0 = Instant::now();
    let (mut learner, saved_workers) = match lead {
        Some(lead) => {
            let (l, workers) = Learner::new(lead, agent, sampler.obs_dim(), cfg, seed)?;
            (Some(l), workers)
        }
        None => (None, None),
    };
    let (start, mut transitions, saved_workers) = start_message(learner.as_ref(), saved_workers, comm)?;
    if comm.size() > 1 {
        sync_policy(agent, comm)?;
    }
    if start > 0 {
        resume_worker(sampler, agent, saved_workers, (seed, start), comm)?;
    }
    if let Some(l) = learner.as_mut().filter(|_| start == 0) {
        l.evaluate(agent, ll, cfg, 0, &t0)?;
    }
    let (mut global, mut next_checkpoint) = (start, next_multiple(start, cfg.eval_every));
    while global < cfg.env_steps {
        let before = sampler.env_steps;
        sampler.warmup = transitions < cfg.warmup_transitions;
        let local = sampler.collect(agent, ll, 1)?;
        let report =
            Report { env_steps: sampler.env_steps - before, transitions: local, episodes: sampler.take_episodes() };
        let (steps, gathered, reports) = exchange(report, comm, learner.is_some())?;
        global += steps;
        transitions += gathered;
        let updating = transitions > cfg.warmup_transitions;
        // Every rank knows the step count, so all take part in a checkpoint at the same iteration.
        let due = global >= next_checkpoint || global >= cfg.env_steps;
        if let Some(l) = learner.as_mut() {
            l.absorb(agent, reports, updating.then_some(cfg.updates_per_transition * gathered), cfg)?;
            l.after_iteration(agent, ll, cfg, (global, start, transitions), due, &t0)?;
        }
        if due {
            let workers = comm.all_gather(&worker_state(sampler, agent))?;
            if let Some(l) = learner.as_mut() {
                l.checkpoint(agent, global, transitions, workers)?;
            }
            next_checkpoint = next_multiple(global, cfg.eval_every);
        }
        if updating && comm.size() > 1 {
            sync_policy(agent, comm)?;
        }
    }
    Ok(learner.map(|l| l.finish(global, start, transitions, comm.size(), &t0)))
}

/// Each worker's state from the checkpoint a run resumes (rank order), when it has them.
type SavedWorkers = Option<Vec<Vec<u8>>>;

/// The learner's counters (and, resuming, the saved worker states) on every rank:
/// `(start step, transitions, saved worker states)`.
fn start_message<E: Env, O: Observer<E>>(
    learner: Option<&Learner<E, O>>,
    workers: SavedWorkers,
    comm: &dyn Comm,
) -> Result<(usize, usize, SavedWorkers), String>
where
    E::Info: TaskInfo,
{
    let counts = learner.map_or((0, 0), |l| (l.summary.env_steps, l.summary.transitions));
    if comm.size() == 1 {
        return Ok((counts.0, counts.1, workers));
    }
    let mut w = StateWriter::default();
    w.usize(counts.0);
    w.usize(counts.1);
    w.usize(workers.as_ref().map_or(0, Vec::len));
    workers.iter().flatten().for_each(|b| w.bytes(b));
    let got = comm.broadcast(&w.0)?;
    let mut r = StateReader::new(&got, "the learner's start message");
    let (start, transitions, n) = (r.usize()?, r.usize()?, r.usize()?);
    let workers = (0..n).map(|_| r.bytes().map(<[u8]>::to_vec)).collect::<Result<Vec<_>, _>>()?;
    r.finish()?;
    Ok((start, transitions, (n > 0).then_some(workers)))
}

/// Puts this worker where the checkpoint left it, or (no saved state for it) starts a fresh
/// episode with generators re-seeded from (seed, rank, step).
fn resume_worker<E: Env, O: Observer<E>>(
    sampler: &mut HierarchicalSampler<E, O>,
    agent: &mut dyn SkillAgent,
    saved: SavedWorkers,
    (seed, start): (u64, usize),
    comm: &dyn Comm,
) -> Result<(), String>
where
    E::Info: TaskInfo,
{
    let restored = match saved {
        Some(workers) if workers.len() == comm.size() => load_worker_state(&workers[comm.rank()], sampler, agent)?,
        Some(workers) => {
            if comm.rank() == 0 {
                eprintln!(
                    "note: the checkpoint holds {} workers' states, this run has {}: workers start fresh episodes",
                    workers.len(),
                    comm.size()
                );
            }
            false
        }
        None => false,
    };
    if !restored {
        let rank_seed = seed.wrapping_add(comm.rank() as u64);
        sampler.restart(Some(rank_seed ^ (start as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)))?;
    }
    Ok(())
}

/// Rank 0's policy on every rank.
fn sync_policy(agent: &mut dyn SkillAgent, comm: &dyn Comm) -> Result<(), String> {
    let bytes = if comm.rank() == 0 { encode_params(&agent.acting_state()) } else { Vec::new() };
    let got = comm.broadcast(&bytes)?;
    if comm.rank() != 0 {
        agent.load_acting_state(&decode_params(&agent.acting_state(), &got)?)?;
    }
    Ok(())
}

/// Gathers every worker's report: `(env steps, transitions, the reports (learner only))`.
fn exchange(report: Report, comm: &dyn Comm, learner: bool) -> Result<(usize, usize, Vec<Report>), String> {
    if comm.size() == 1 {
        return Ok((report.env_steps, report.transitions.len(), vec![report]));
    }
    let all = comm.all_gather(&report.encode())?;
    let (mut steps, mut n) = (0, 0);
    for bytes in &all {
        let (s, t) = Report::counts(bytes)?;
        (steps, n) = (steps + s, n + t);
    }
    let reports = match learner {
        true => all.iter().map(|b| Report::decode(b)).collect::<Result<_, _>>()?,
        false => Vec::new(),
    };
    Ok((steps, n, reports))
}

impl<'a, E: Env, O: Observer<E>> Learner<'a, E, O>
where
    E::Info: TaskInfo,
{
    /// The replay buffer, counters and loop state, restored from `lead.run.resume_from` when
    /// given; also returns the saved worker states when the checkpoint has them.
    fn new(
        lead: Lead<'a, E, O>,
        agent: &mut dyn SkillAgent,
        obs_dim: usize,
        cfg: &HrlConfig,
        seed: u64,
    ) -> Result<(Self, SavedWorkers), String> {
        let run = &lead.run;
        if run.layout.dim() != obs_dim {
            return Err(format!("observation layout {:?} vs {obs_dim} flat coordinates", run.layout));
        }
        let mut replay =
            ReplayBuffer::with_features(cfg.replay_capacity, run.layout, agent.action_dim(), agent.obs_features_dim());
        let mut state = LearnerState {
            rng: StateRng::seed_from_u64(seed),
            next_log: next_multiple(0, cfg.log_every),
            updates_since_log: 0,
            pending: BTreeMap::new(),
        };
        let (mut start, mut transitions, mut workers) = (0usize, 0usize, None);
        if let Some(path) = &run.resume_from {
            let ck = nn::checkpoint::load(path).map_err(|e| e.to_string())?;
            agent.load_state_dict(&ck.tensors).map_err(|e| format!("{}: {e}", path.display()))?;
            let meta = |k: &str| -> Result<usize, String> {
                ck.meta(k)
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| format!("{}: metadata {k:?} missing", path.display()))
            };
            (start, transitions) = (meta("env_steps")?, meta("transitions")?);
            replay.load(run.dir.join("weights").join("replay.safetensors"))?;
            if replay.features_missing() {
                eprintln!("note: the saved replay buffer has no stored prior outputs; computing them");
                let zeros = |obs: &Tensor| Tensor::zeros(&[obs.dim(0), agent.obs_features_dim()]);
                replay.recompute_features(256, |obs| agent.obs_features(obs).unwrap_or_else(|| zeros(obs)));
            }
            let loop_path = loop_checkpoint(run.dir, start);
            match std::fs::read(&loop_path) {
                Ok(bytes) => {
                    let what = loop_path.display().to_string();
                    let saved = LoopState::decode(&bytes, &what)?;
                    if (saved.env_steps, saved.transitions) != (start, transitions) {
                        return Err(format!(
                            "{what}: saved after {} env steps / {} transitions, the agent after {start} / {transitions}",
                            saved.env_steps, saved.transitions
                        ));
                    }
                    (state, workers) = (saved.learner, Some(saved.workers));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    eprintln!("note: {} is missing: the replay batches and episodes start afresh", loop_path.display());
                    state.rng = StateRng::seed_from_u64(seed.wrapping_add(start as u64));
                    state.next_log = next_multiple(start, cfg.log_every);
                }
                Err(e) => return Err(format!("{}: {e}", loop_path.display())),
            }
        }
        let summary = HrlSummary {
            evals: vec![],
            train_returns: vec![],
            env_steps: start,
            transitions,
            updates: 0,
            wall_s: 0.0,
            update_s: 0.0,
            env_steps_per_s: 0.0,
            workers: 1,
        };
        let bar = progress_bar(run.progress, cfg.env_steps as u64, start as u64);
        Ok((Learner { bar, lead, replay, state, summary }, workers))
    }

    fn evaluate(
        &mut self,
        agent: &mut dyn SkillAgent,
        ll: &dyn ActionPlanner,
        cfg: &HrlConfig,
        step: usize,
        t0: &Instant,
    ) -> Result<(), String> {
        let v = video(&self.lead.run, cfg, step);
        let sampler = &mut *self.lead.eval_sampler;
        let e = evaluate(agent, ll, sampler, cfg.eval_episodes, step, v.as_ref().map(|(p, r)| (p.as_path(), *r)))?;
        write_eval(&mut self.lead.run, &e, t0)?;
        if step > 0 {
            self.bar.println(format!("step {step}: eval return {:.2} ± {:.2}", e.return_mean, e.return_std));
        }
        self.summary.evals.push(e);
        Ok(())
    }

    /// Stores the gathered transitions (in rank order), runs `updates` updates, notes episodes.
    fn absorb(
        &mut self,
        agent: &mut dyn SkillAgent,
        reports: Vec<Report>,
        updates: Option<usize>,
        cfg: &HrlConfig,
    ) -> Result<(), String> {
        push(&mut self.replay, agent, &reports.iter().flat_map(|r| &r.transitions).collect::<Vec<_>>())?;
        if let Some(n) = updates {
            let tu = Instant::now();
            for _ in 0..n {
                let batch = self.replay.sample(cfg.batch_size, &mut self.state.rng);
                for (k, v) in agent.update(&batch) {
                    let e = self.state.pending.entry(k.to_string()).or_insert((0.0, 0));
                    (e.0, e.1) = (e.0 + v as f64, e.1 + 1);
                }
            }
            self.summary.updates += n as u64;
            self.state.updates_since_log += n as u64;
            self.summary.update_s += tu.elapsed().as_secs_f64();
        }
        let step = self.summary.env_steps + reports.iter().map(|r| r.env_steps).sum::<usize>();
        for ep in reports.into_iter().flat_map(|r| r.episodes) {
            self.summary.train_returns.push((step, ep.ret));
            let line = json!({"kind": "episode", "step": step, "return": ep.ret, "length": ep.length,
                "skills": ep.skills, "completed": ep.completed});
            self.lead.run.metrics.write(&line).map_err(|e| e.to_string())?;
            self.bar.set_message(format!("last return {:.1}", ep.ret));
        }
        Ok(())
    }

    /// Progress, the update-metrics line, and the evaluation when `due`.
    fn after_iteration(
        &mut self,
        agent: &mut dyn SkillAgent,
        ll: &dyn ActionPlanner,
        cfg: &HrlConfig,
        (step, start, transitions): (usize, usize, usize),
        due: bool,
        t0: &Instant,
    ) -> Result<(), String> {
        (self.summary.env_steps, self.summary.transitions) = (step, transitions);
        self.bar.set_position(step.min(cfg.env_steps) as u64);
        if step >= self.state.next_log {
            let mut line = Map::new();
            line.insert("kind".into(), json!("update"));
            line.insert("step".into(), json!(step));
            line.insert("updates".into(), json!(self.state.updates_since_log));
            line.insert("transitions".into(), json!(transitions));
            line.insert("env_steps_per_s".into(), json!((step - start) as f64 / t0.elapsed().as_secs_f64()));
            for (k, (sum, n)) in std::mem::take(&mut self.state.pending) {
                line.insert(k, json!(sum / n.max(1) as f64));
            }
            self.lead.run.metrics.write(&Value::Object(line)).map_err(|e| e.to_string())?;
            self.state.updates_since_log = 0;
            self.state.next_log = next_multiple(step, cfg.log_every);
        }
        if due {
            self.evaluate(agent, ll, cfg, step, t0)?;
        }
        Ok(())
    }

    /// Writes the checkpoint after `step` env steps, with every worker's state (rank order).
    fn checkpoint(
        &mut self,
        agent: &dyn SkillAgent,
        step: usize,
        transitions: usize,
        workers: Vec<Vec<u8>>,
    ) -> Result<(), String> {
        let bytes = LoopState::encode(step, transitions, &self.state, &workers);
        save_checkpoint(self.lead.run.dir, agent, &self.replay, (step, transitions), &bytes)
    }

    fn finish(mut self, step: usize, start: usize, transitions: usize, workers: usize, t0: &Instant) -> HrlSummary {
        self.bar.finish_and_clear();
        let s = &mut self.summary;
        (s.env_steps, s.transitions, s.workers) = (step, transitions, workers);
        s.wall_s = t0.elapsed().as_secs_f64();
        s.env_steps_per_s = (step - start) as f64 / s.wall_s.max(1e-9);
        self.summary
    }
}

/// The smallest multiple of `every` above `x`.
fn next_multiple(x: usize, every: usize) -> usize {
    (x / every + 1) * every
}

fn progress_bar(show: bool, total: u64, at: u64) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total).with_position(at);
    let style = ProgressStyle::with_template("{bar:30} {pos}/{len} env steps ({per_sec}, eta {eta}) {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}
