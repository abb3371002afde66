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
use crate::rl::components::ObsLayout;
use crate::rl::hierarchy::{
    FrameStackObserver, HierarchicalSampler, HrlRun, HrlSummary, KitchenFrames, Lead, LowLevel, Observer,
    SamplerConfig, StateObserver, latest_checkpoint,
};
use crate::rl::parallel::{Comm, Solo, ThreadComm};
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

/// Trains the run `args` describes; returns its folder. Several env workers: `train.workers = N`
/// (threads of this process) or `mpirun -n N` (one worker per rank, detected from the launcher's
/// environment); rank 0 learns and writes the run folder.
pub fn run(args: &RlArgs) -> Result<PathBuf, String> {
    let cfg = resolve_config(args)?;
    #[cfg(feature = "mpi")]
    if crate::rl::parallel::launched_by_mpirun() {
        if cfg.train.workers != 1 {
            return Err(format!(
                "train.workers = {}: under mpirun each rank is one worker; leave it at 1",
                cfg.train.workers
            ));
        }
        let comm = crate::rl::parallel::MpiComm::init()?;
        return run_on(args, &cfg, &comm);
    }
    match cfg.train.workers {
        1 => run_on(args, &cfg, &Solo),
        n => std::thread::scope(|s| {
            let mut comms = ThreadComm::group(n).into_iter();
            let lead = comms.next().unwrap_or_else(|| unreachable!("a group of n >= 2 ranks"));
            let cfg = &cfg;
            let workers: Vec<_> = comms.map(|c| s.spawn(move || run_on(args, cfg, &c))).collect();
            let out = run_on(args, cfg, &lead);
            let failed = workers.into_iter().map(|w| w.join().map_err(|_| "an env worker thread panicked".to_string()));
            let first_err = failed.filter_map(|r| r.and_then(|r| r).err()).next();
            match (out, first_err) {
                (Err(e), _) | (Ok(_), Some(e)) => Err(e),
                (Ok(dir), None) => Ok(dir),
            }
        }),
    }
}

/// One worker's part of the run; on an error the other workers are told to stop.
fn run_on(args: &RlArgs, cfg: &RlConfig, comm: &dyn Comm) -> Result<PathBuf, String> {
    let out = worker(args, cfg, comm);
    if let Err(e) = &out {
        comm.abort(e);
    }
    out
}

fn worker(args: &RlArgs, cfg: &RlConfig, comm: &dyn Comm) -> Result<PathBuf, String> {
    let root = run_dir(args, cfg);
    let kitchen = cfg.env.kitchen()?;
    let device = Device::parse(&cfg.general.device)?;
    let seed = cfg.general.seed.wrapping_add(comm.rank() as u64);
    let hrl = match comm.rank() {
        0 => Some(open_run(args, cfg, &root)?),
        _ => None,
    };
    let summary = match &cfg.agent {
        AgentConfig::Sac(sac) => {
            // SAC from scratch on the state, one env action per decision: the hierarchical loop
            // with a direct low level (workers, checkpoints, resume, videos).
            let mut sac = sac.clone();
            sac.batch_size = cfg.train.batch_size;
            let env = kitchen_env(&kitchen)?;
            let (obs_dim, action_dim) = (env.observation_space().dim(), env.action_space().dim());
            let mut agent = SacAgent::new(obs_dim, action_dim, sac, seed);
            agent.to_device(&device);
            let (ll, view) = (LowLevel::Direct(action_dim), ObsView::state(obs_dim));
            train_hierarchical(&mut agent, &ll, cfg, &kitchen, view, lead_run(hrl, &root, view, args), comm)?
        }
        AgentConfig::Extract(c) => {
            let skill = open_skill(cfg)?;
            let view = skill.view();
            let mut agent = HybridSacAgent::new(skill.extract_model()?, skill.extract_model()?, view, c.clone(), seed)?;
            agent.to_device(&device);
            let ll = LowLevel::extract(skill.extract_model()?);
            train_hierarchical(&mut agent, &ll, cfg, &kitchen, view, lead_run(hrl, &root, view, args), comm)?
        }
        AgentConfig::Spirl(c) => {
            let skill = open_skill(cfg)?;
            let view = skill.view();
            let mut agent = SpirlSacAgent::new(skill.spirl_model()?, skill.spirl_model()?, view, c.clone(), seed)?;
            agent.to_device(&device);
            let ll = LowLevel::spirl(skill.spirl_model()?);
            train_hierarchical(&mut agent, &ll, cfg, &kitchen, view, lead_run(hrl, &root, view, args), comm)?
        }
        AgentConfig::BcFinetune(c) => {
            // One env action per "skill": the hierarchical loop with a direct low level.
            let skill = open_skill(cfg)?;
            let view = skill.view();
            let mut agent = SpirlSacAgent::from_bc(skill.bc_model()?, skill.bc_model()?, view, c.0.clone(), seed)?;
            agent.to_device(&device);
            let ll = LowLevel::Direct(agent.action_dim());
            train_hierarchical(&mut agent, &ll, cfg, &kitchen, view, lead_run(hrl, &root, view, args), comm)?
        }
    };
    if let Some(summary) = summary {
        let evals = summary.evals.iter().map(|e| (e.step as f64, e.return_mean)).collect();
        let train = summary.train_returns.iter().map(|&(s, r)| (s as f64, r)).collect();
        write_report(&root, &serde_json::to_value(&summary).unwrap_or_default(), evals, train)?;
    }
    Ok(root)
}

/// The learner's run folder: created (or checked for `--resume`), config recorded, metrics opened.
fn open_run(args: &RlArgs, cfg: &RlConfig, root: &Path) -> Result<(RunDir, Option<PathBuf>, MetricsWriter), String> {
    let run = RunDir::create(root.to_path_buf())?;
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
    run.record(&toml::to_string(cfg).map_err(|e| format!("cannot write the resolved config: {e}"))?)?;
    let metrics = match resume_from {
        Some(_) => MetricsWriter::append(run.metrics()),
        None => MetricsWriter::create(run.metrics()),
    }
    .map_err(|e| e.to_string())?;
    Ok((run, resume_from, metrics))
}

/// What the learner passes to the loop (`None` on the other workers).
fn lead_run<'a>(
    hrl: Option<(RunDir, Option<PathBuf>, MetricsWriter)>,
    root: &'a Path,
    view: ObsView,
    args: &RlArgs,
) -> LeadRun<'a> {
    hrl.map(|(_, resume, metrics)| (root, resume, metrics, view.layout(), !args.quiet))
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

/// What the learner hands the loop: run folder, checkpoint to resume, metrics, replay layout, progress.
type LeadRun<'a> = Option<(&'a Path, Option<PathBuf>, MetricsWriter, ObsLayout, bool)>;

/// This worker's kitchen sampler (and, on the learner, the evaluation sampler) observing what
/// `view` needs, then the loop.
fn train_hierarchical(
    agent: &mut dyn SkillAgent,
    ll: &LowLevel,
    cfg: &RlConfig,
    kitchen: &KitchenConfig,
    view: ObsView,
    lead: LeadRun,
    comm: &dyn Comm,
) -> Result<Option<HrlSummary>, String> {
    let scfg =
        SamplerConfig { timeout_is_done: cfg.train.timeout_is_done, obs_offset_quirk: cfg.train.obs_offset_quirk };
    let seed = cfg.general.seed.wrapping_add(comm.rank() as u64);
    match view.image {
        None => {
            let s = HierarchicalSampler::new(kitchen_env(kitchen)?, StateObserver::default(), scfg, seed)?;
            let e = match lead.is_some() {
                true => Some(recording(
                    HierarchicalSampler::new(kitchen_env(kitchen)?, StateObserver::default(), scfg, seed)?,
                    cfg,
                )?),
                false => None,
            };
            loop_with(agent, ll, (s, e), cfg, lead, comm)
        }
        Some(img) => {
            if img.res != cfg.env.render_res && comm.rank() == 0 {
                eprintln!(
                    "note: rendering at env.render_res = {} for a model trained on {} px",
                    cfg.env.render_res, img.res
                );
            }
            let observer = |env: &KitchenEnv| -> Result<_, String> {
                Ok(FrameStackObserver::new(KitchenFrames::new(env, cfg.env.render_res)?, img.frames))
            };
            let env = kitchen_env(kitchen)?;
            let o = observer(&env)?;
            let s = HierarchicalSampler::new(env, o, scfg, seed)?;
            let e = match lead.is_some() {
                true => {
                    let eval_env = kitchen_env(kitchen)?;
                    let eo = observer(&eval_env)?;
                    Some(recording(HierarchicalSampler::new(eval_env, eo, scfg, seed)?, cfg)?)
                }
                false => None,
            };
            loop_with(agent, ll, (s, e), cfg, lead, comm)
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

type Samplers<O> = (HierarchicalSampler<KitchenEnv, O>, Option<HierarchicalSampler<KitchenEnv, O>>);

fn loop_with<O: Observer<KitchenEnv>>(
    agent: &mut dyn SkillAgent,
    ll: &LowLevel,
    samplers: Samplers<O>,
    cfg: &RlConfig,
    lead: LeadRun,
    comm: &dyn Comm,
) -> Result<Option<HrlSummary>, String> {
    let (mut s, mut e) = samplers;
    let lead = match (lead, e.as_mut()) {
        (Some((dir, resume_from, metrics, layout, progress)), Some(eval_sampler)) => {
            Some(Lead { eval_sampler, run: HrlRun { dir, metrics, resume_from, progress, layout } })
        }
        _ => None,
    };
    crate::rl::hierarchy::train(agent, ll, &mut s, lead, &cfg.train, cfg.general.seed, comm)
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
