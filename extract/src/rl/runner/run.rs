//! `extract rl`: builds the env, the skill model's frozen decoder and the agent a config names, then
//! trains in a run folder (`config.toml`, `cmd.txt`, `git.txt`, `metrics.jsonl`, `weights/`,
//! `summary.json`, `plots/returns.png`).

use super::config::{AgentConfig, RlConfig};
use super::skill::SkillRun;
use crate::components::config::{RawConfig, experiment_name};
use crate::components::experiment::{RunDir, write_atomic};
use crate::metrics::MetricsWriter;
use crate::plot::{Series, line_plot};
use crate::rl::agents::{HybridSacAgent, ObsView, SacAgent, SkillAgent, SpirlSacAgent};
use crate::rl::hierarchy::{
    FrameStackObserver, HierarchicalSampler, HrlRun, HrlSummary, KitchenFrames, LowLevel, Observer, SamplerConfig,
    StateObserver, latest_checkpoint,
};
use crate::rl::train::{TrainConfig as FlatConfig, train as train_flat};
use envs::Env;
use envs::kitchen::{KitchenConfig, KitchenEnv};
use serde_json::json;
use std::path::{Path, PathBuf};
use tensor::Device;

/// What the command line passes.
#[derive(Clone, Debug, Default)]
pub struct RlArgs {
    pub config: PathBuf,
    pub sets: Vec<String>,
    pub seed: Option<u64>,
    /// Continue from the run folder's latest checkpoint.
    pub resume: bool,
    pub device: Option<String>,
    pub quiet: bool,
}

/// The config with `--set`, `--seed` and `--device` applied.
pub fn resolve_config(args: &RlArgs) -> Result<RlConfig, String> {
    let raw = RawConfig::load_with_cli(&args.config, &args.sets, args.seed, args.device.as_deref())
        .map_err(|e| e.to_string())?;
    let cfg: RlConfig = raw.typed().map_err(|e| e.to_string())?;
    cfg.train.validate()?;
    Ok(cfg)
}

/// The run folder of `args`.
pub fn run_dir(args: &RlArgs, cfg: &RlConfig) -> PathBuf {
    cfg.general.exp_dir.join(experiment_name(&args.config)).join(&cfg.general.prefix)
}

/// Trains the run `args` describes; returns its folder.
pub fn run(args: &RlArgs) -> Result<PathBuf, String> {
    let cfg = resolve_config(args)?;
    let run = RunDir::create(run_dir(args, &cfg))?;
    let resume_from = match (args.resume, latest_checkpoint(&run.root)) {
        (true, Some((_, path))) => Some(path),
        (true, None) => return Err(format!("--resume: {} holds no agent checkpoint", run.root.display())),
        (false, Some(_)) => {
            return Err(format!(
                "{} already holds checkpoints: pass --resume latest, or choose another --set general.prefix=NAME",
                run.root.display()
            ));
        }
        (false, None) => None,
    };
    run.record(&toml::to_string(&cfg).map_err(|e| format!("cannot write the resolved config: {e}"))?)?;
    let kitchen = cfg.env.kitchen()?;
    let device = Device::parse(&cfg.general.device)?;
    let metrics = match resume_from {
        Some(_) => MetricsWriter::append(run.metrics()),
        None => MetricsWriter::create(run.metrics()),
    }
    .map_err(|e| e.to_string())?;
    let seed = cfg.general.seed;
    let summary = match &cfg.agent {
        AgentConfig::Sac(sac) => {
            if resume_from.is_some() {
                return Err("--resume: the flat SAC baseline keeps no checkpoints yet".into());
            }
            let mut sac = sac.clone();
            sac.batch_size = cfg.train.batch_size;
            let (env, eval_env) = (kitchen_env(&kitchen)?, kitchen_env(&kitchen)?);
            let mut agent = SacAgent::new(env.observation_space().dim(), env.action_space().dim(), sac, seed);
            agent.to_device(&device);
            let t = &cfg.train;
            let flat = FlatConfig {
                steps: t.env_steps,
                warmup_steps: t.warmup_transitions,
                updates_per_step: t.updates_per_transition,
                replay_capacity: t.replay_capacity,
                eval_every: t.eval_every,
                eval_episodes: t.eval_episodes,
                eval_deterministic: false,
                timeout_is_done: t.timeout_is_done,
                log_every: t.log_every,
            };
            let mut metrics = metrics;
            let (mut env, mut eval_env) = (env, eval_env);
            let s = train_flat(&mut agent, (&mut env, &mut eval_env), &flat, seed, Some(&mut metrics), !args.quiet)
                .map_err(|e| e.to_string())?;
            let evals = s.evals.iter().map(|e| (e.step as f64, e.return_mean)).collect();
            let train = s.train_returns.iter().map(|&(s, r)| (s as f64, r)).collect();
            write_report(&run.root, &serde_json::to_value(&s).unwrap_or_default(), evals, train)?;
            return Ok(run.root);
        }
        AgentConfig::Extract(c) => {
            let skill = open_skill(&cfg)?;
            let view = skill.view();
            let mut agent = HybridSacAgent::new(skill.extract_model()?, skill.extract_model()?, view, c.clone(), seed)?;
            agent.to_device(&device);
            let ll = LowLevel::extract(skill.extract_model()?);
            let hrl = HrlRun { dir: &run.root, metrics, resume_from, progress: !args.quiet, layout: view.layout() };
            train_hierarchical(&mut agent, &ll, &cfg, &kitchen, view, hrl)?
        }
        AgentConfig::Spirl(c) => {
            let skill = open_skill(&cfg)?;
            let view = skill.view();
            let mut agent = SpirlSacAgent::new(skill.spirl_model()?, skill.spirl_model()?, view, c.clone(), seed)?;
            agent.to_device(&device);
            let ll = LowLevel::spirl(skill.spirl_model()?);
            let hrl = HrlRun { dir: &run.root, metrics, resume_from, progress: !args.quiet, layout: view.layout() };
            train_hierarchical(&mut agent, &ll, &cfg, &kitchen, view, hrl)?
        }
    };
    let evals = summary.evals.iter().map(|e| (e.step as f64, e.return_mean)).collect();
    let train = summary.train_returns.iter().map(|&(s, r)| (s as f64, r)).collect();
    write_report(&run.root, &serde_json::to_value(&summary).unwrap_or_default(), evals, train)?;
    Ok(run.root)
}

fn open_skill(cfg: &RlConfig) -> Result<SkillRun, String> {
    let source =
        cfg.skill.as_ref().ok_or("[skill] is required for hierarchical agents (run = skill-model run folder)")?;
    // Kitchen: 60-d observation, 9-d action.
    SkillRun::open(source, 60, 9)
}

fn kitchen_env(cfg: &KitchenConfig) -> Result<KitchenEnv, String> {
    KitchenEnv::new(cfg.clone()).map_err(|e| e.to_string())
}

/// Kitchen samplers (training and evaluation) observing what `view` needs, then the loop.
fn train_hierarchical(
    agent: &mut dyn SkillAgent,
    ll: &LowLevel,
    cfg: &RlConfig,
    kitchen: &KitchenConfig,
    view: ObsView,
    run: HrlRun,
) -> Result<HrlSummary, String> {
    let scfg =
        SamplerConfig { timeout_is_done: cfg.train.timeout_is_done, obs_offset_quirk: cfg.train.obs_offset_quirk };
    let seed = cfg.general.seed;
    match view.image {
        None => {
            let s = HierarchicalSampler::new(kitchen_env(kitchen)?, StateObserver::default(), scfg, seed)?;
            let e =
                recording(HierarchicalSampler::new(kitchen_env(kitchen)?, StateObserver::default(), scfg, seed)?, cfg)?;
            loop_with(agent, ll, (s, e), cfg, run)
        }
        Some(img) => {
            if img.res != cfg.env.render_res {
                eprintln!(
                    "note: rendering at env.render_res = {} for a model trained on {} px",
                    cfg.env.render_res, img.res
                );
            }
            let observer = |env: &KitchenEnv| -> Result<_, String> {
                Ok(FrameStackObserver::new(KitchenFrames::new(env, cfg.env.render_res)?, img.frames))
            };
            let (env, eval_env) = (kitchen_env(kitchen)?, kitchen_env(kitchen)?);
            let (o, eo) = (observer(&env)?, observer(&eval_env)?);
            let s = HierarchicalSampler::new(env, o, scfg, seed)?;
            let e = recording(HierarchicalSampler::new(eval_env, eo, scfg, seed)?, cfg)?;
            loop_with(agent, ll, (s, e), cfg, run)
        }
    }
}

/// The evaluation sampler with a video recorder when `train.video_res > 0`.
fn recording<O: Observer<KitchenEnv>>(
    sampler: HierarchicalSampler<KitchenEnv, O>,
    cfg: &RlConfig,
) -> Result<HierarchicalSampler<KitchenEnv, O>, String> {
    match cfg.train.video_res {
        0 => Ok(sampler),
        res => {
            let frames = KitchenFrames::new(&sampler.env, res)?;
            Ok(sampler.with_recorder(Box::new(frames)))
        }
    }
}

fn loop_with<O: Observer<KitchenEnv>>(
    agent: &mut dyn SkillAgent,
    ll: &LowLevel,
    samplers: (HierarchicalSampler<KitchenEnv, O>, HierarchicalSampler<KitchenEnv, O>),
    cfg: &RlConfig,
    run: HrlRun,
) -> Result<HrlSummary, String> {
    let (mut s, mut e) = samplers;
    crate::rl::hierarchy::train(agent, ll, (&mut s, &mut e), &cfg.train, cfg.general.seed, run)
}

/// `summary.json` and `plots/returns.png` (evaluation mean and training episodes).
fn write_report(
    dir: &Path,
    summary: &serde_json::Value,
    evals: Vec<(f64, f64)>,
    train: Vec<(f64, f64)>,
) -> Result<(), String> {
    let text = serde_json::to_string_pretty(&json!(summary)).map_err(|e| e.to_string())?;
    write_atomic(&dir.join("summary.json"), text.as_bytes())?;
    std::fs::create_dir_all(dir.join("plots")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let smooth: Vec<(f64, f64)> = train
        .iter()
        .enumerate()
        .map(|(i, &(s, _))| {
            let w = &train[i.saturating_sub(9)..=i];
            (s, w.iter().map(|p| p.1).sum::<f64>() / w.len() as f64)
        })
        .collect();
    let series = [Series::new("evaluation (mean)", evals), Series::new("training episodes (mean of 10)", smooth)];
    line_plot(&dir.join("plots").join("returns.png"), "episode return", "env steps", "return", &series)
        .map_err(|e| e.to_string())
}
