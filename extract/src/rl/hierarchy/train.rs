//! The hierarchical training loop of upstream `rl/train.py` for one env worker: warm-up skills
//! acted by the (prior-initialised) policy itself, then per HL transition `updates_per_transition`
//! agent updates on uniform replay batches; evaluation episodes (return and per-subtask
//! completion) before training and every `eval_every` env steps, each followed by a checkpoint.
//!
//! Metrics lines, told apart by `kind`: `eval` {step, return_mean, return_std, returns,
//! completion: {subtask: rate}, wall_s}, `episode` {step, return, length, skills}, `update` {step,
//! updates, transitions, env_steps_per_s, and the mean agent metrics since the last line}.
//!
//! Checkpoints (`weights/agent_step{N}.safetensors` + `weights/replay.safetensors`) hold the agent
//! (networks, temperatures, optimizer states) and the replay buffer; `--resume` restores both and
//! continues from a fresh episode with generators re-seeded from (seed, step) — the same run
//! statistically, not bit for bit.

use super::checkpoint::save_checkpoint;
use super::config::HrlConfig;
use super::low_level::ActionPlanner;
use super::observe::{Observer, TaskInfo};
use super::sampler::{EpisodeEnd, HierarchicalSampler, HlTransition};
use super::video::write_apng;
use crate::metrics::MetricsWriter;
use crate::rl::agents::SkillAgent;
use crate::rl::components::{ObsLayout, ReplayBuffer, Transition};
use crate::rl::train::EVAL_SEED;
use envs::Env;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tensor::rand::{SeedableRng, rngs::StdRng};

/// One evaluation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HrlEval {
    pub step: usize,
    pub return_mean: f64,
    pub return_std: f64,
    pub returns: Vec<f64>,
    /// Fraction of the evaluation episodes that completed each subtask.
    pub completion: BTreeMap<String, f64>,
}

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

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    (mean, (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt())
}

/// Frames per second of evaluation videos (one env step is 0.08 s in the kitchen).
pub const VIDEO_FPS: u16 = 12;

/// `eval_episodes` episodes from the fixed initial states, summarised; the first is filmed to
/// `video = (path, res)` when given and the sampler has a recorder.
pub fn evaluate<E: Env, O: Observer<E>>(
    agent: &mut dyn SkillAgent,
    ll: &dyn ActionPlanner,
    sampler: &mut HierarchicalSampler<E, O>,
    episodes: usize,
    step: usize,
    video: Option<(&Path, usize)>,
) -> Result<HrlEval, String>
where
    E::Info: TaskInfo,
{
    let mut ends: Vec<EpisodeEnd> = Vec::with_capacity(episodes);
    for i in 0..episodes as u64 {
        if i == 0 && video.is_some() && sampler.can_record() {
            let (end, frames) = sampler.recorded_episode(agent, ll, EVAL_SEED)?;
            if let Some((path, res)) = video {
                write_apng(path, &frames, res, VIDEO_FPS)?;
            }
            ends.push(end);
        } else {
            ends.push(sampler.episode(agent, ll, EVAL_SEED + i)?);
        }
    }
    let returns: Vec<f64> = ends.iter().map(|e| e.ret).collect();
    let (return_mean, return_std) = mean_std(&returns);
    let mut completion = BTreeMap::new();
    for task in ends.iter().flat_map(|e| e.completed.iter()) {
        *completion.entry(task.to_string()).or_insert(0.0) += 1.0 / episodes.max(1) as f64;
    }
    Ok(HrlEval { step, return_mean, return_std, returns, completion })
}

fn push(replay: &mut ReplayBuffer, t: &HlTransition) {
    replay.push(&Transition { obs: &t.obs, action: &t.action, reward: t.reward, next_obs: &t.next_obs, done: t.done });
}

/// Trains `agent` with `sampler` (evaluating with `eval_sampler`) as the module doc says.
pub fn train<E: Env, O: Observer<E>>(
    agent: &mut dyn SkillAgent,
    ll: &dyn ActionPlanner,
    samplers: (&mut HierarchicalSampler<E, O>, &mut HierarchicalSampler<E, O>),
    cfg: &HrlConfig,
    seed: u64,
    mut run: HrlRun,
) -> Result<HrlSummary, String>
where
    E::Info: TaskInfo,
{
    cfg.validate()?;
    let (sampler, eval_sampler) = samplers;
    if run.layout.dim() != sampler.obs_dim() {
        return Err(format!("observation layout {:?} vs {} flat coordinates", run.layout, sampler.obs_dim()));
    }
    let mut replay = ReplayBuffer::new(cfg.replay_capacity, run.layout, agent.action_dim());
    let mut start = 0usize;
    let mut transitions = 0usize;
    if let Some(path) = &run.resume_from {
        let ck = nn::checkpoint::load(path).map_err(|e| e.to_string())?;
        agent.load_state_dict(&ck.tensors).map_err(|e| format!("{}: {e}", path.display()))?;
        let meta = |k: &str| -> Result<usize, String> {
            ck.meta(k).and_then(|v| v.parse().ok()).ok_or_else(|| format!("{}: metadata {k:?} missing", path.display()))
        };
        (start, transitions) = (meta("env_steps")?, meta("transitions")?);
        replay.load(run.dir.join("weights").join("replay.safetensors"))?;
        sampler.restart(Some(seed ^ (start as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)))?;
    }
    sampler.env_steps = start;
    let mut rng = StdRng::seed_from_u64(seed.wrapping_add(start as u64));
    let t0 = Instant::now();
    let mut summary = HrlSummary {
        evals: vec![],
        train_returns: vec![],
        env_steps: start,
        transitions,
        updates: 0,
        wall_s: 0.0,
        update_s: 0.0,
        env_steps_per_s: 0.0,
    };
    let bar = progress_bar(run.progress, cfg.env_steps as u64, start as u64);
    if start == 0 {
        let e = evaluate(
            agent,
            ll,
            eval_sampler,
            cfg.eval_episodes,
            0,
            video(&run, cfg, 0).as_ref().map(|(p, r)| (p.as_path(), *r)),
        )?;
        write_eval(&mut run, &e, &t0)?;
        summary.evals.push(e);
    }
    let mut pending: BTreeMap<&'static str, (f64, usize)> = BTreeMap::new();
    let (mut next_eval, mut next_log) = (next_multiple(start, cfg.eval_every), next_multiple(start, cfg.log_every));
    let mut updates_since_log = 0u64;
    while sampler.env_steps < cfg.env_steps {
        for t in sampler.collect(agent, ll, 1)? {
            push(&mut replay, &t);
            transitions += 1;
        }
        if transitions > cfg.warmup_transitions {
            let tu = Instant::now();
            for _ in 0..cfg.updates_per_transition {
                let batch = replay.sample(cfg.batch_size, &mut rng);
                for (k, v) in agent.update(&batch) {
                    let e = pending.entry(k).or_insert((0.0, 0));
                    (e.0, e.1) = (e.0 + v as f64, e.1 + 1);
                }
                summary.updates += 1;
                updates_since_log += 1;
            }
            summary.update_s += tu.elapsed().as_secs_f64();
        }
        let step = sampler.env_steps;
        for ep in sampler.take_episodes() {
            summary.train_returns.push((step, ep.ret));
            let line = json!({"kind": "episode", "step": step, "return": ep.ret, "length": ep.length,
                "skills": ep.skills, "completed": ep.completed});
            run.metrics.write(&line).map_err(|e| e.to_string())?;
            bar.set_message(format!("last return {:.1}", ep.ret));
        }
        bar.set_position(step.min(cfg.env_steps) as u64);
        if step >= next_log {
            let mut line = Map::new();
            line.insert("kind".into(), json!("update"));
            line.insert("step".into(), json!(step));
            line.insert("updates".into(), json!(updates_since_log));
            line.insert("transitions".into(), json!(transitions));
            line.insert("env_steps_per_s".into(), json!((step - start) as f64 / t0.elapsed().as_secs_f64()));
            for (k, (sum, n)) in std::mem::take(&mut pending) {
                line.insert(k.into(), json!(sum / n.max(1) as f64));
            }
            run.metrics.write(&Value::Object(line)).map_err(|e| e.to_string())?;
            updates_since_log = 0;
            next_log = next_multiple(step, cfg.log_every);
        }
        if step >= next_eval || step >= cfg.env_steps {
            let v = video(&run, cfg, step);
            let e =
                evaluate(agent, ll, eval_sampler, cfg.eval_episodes, step, v.as_ref().map(|(p, r)| (p.as_path(), *r)))?;
            write_eval(&mut run, &e, &t0)?;
            bar.println(format!("step {step}: eval return {:.2} ± {:.2}", e.return_mean, e.return_std));
            summary.evals.push(e);
            save_checkpoint(run.dir, agent, &replay, step, transitions)?;
            next_eval = next_multiple(step, cfg.eval_every);
        }
    }
    bar.finish_and_clear();
    summary.env_steps = sampler.env_steps;
    summary.transitions = transitions;
    summary.wall_s = t0.elapsed().as_secs_f64();
    summary.env_steps_per_s = (summary.env_steps - start) as f64 / summary.wall_s.max(1e-9);
    Ok(summary)
}

/// Where the video of the evaluation at `step` goes (`videos/eval_step{N}.png`), if the run films.
fn video(run: &HrlRun, cfg: &HrlConfig, step: usize) -> Option<(PathBuf, usize)> {
    let res = (cfg.video_res > 0).then_some(cfg.video_res)?;
    let dir = run.dir.join("videos");
    std::fs::create_dir_all(&dir).ok()?;
    Some((dir.join(format!("eval_step{step}.png")), res))
}

/// The smallest multiple of `every` above `x`.
fn next_multiple(x: usize, every: usize) -> usize {
    (x / every + 1) * every
}

fn write_eval(run: &mut HrlRun, e: &HrlEval, t0: &Instant) -> Result<(), String> {
    let line = json!({"kind": "eval", "step": e.step, "return_mean": e.return_mean, "return_std": e.return_std,
        "returns": e.returns, "completion": e.completion, "wall_s": t0.elapsed().as_secs_f64()});
    run.metrics.write(&line).map_err(|e| e.to_string())
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
