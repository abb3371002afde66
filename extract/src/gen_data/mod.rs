//! `extract gen-data kitchen`: scripted demonstrations in Franka Kitchen, written as a D4RL-schema HDF5
//! file with rendered frames — our stand-in for D4RL's kitchen-mixed data, which cannot be downloaded
//! here (see shared/docs/assets.md).
//!
//! Episodes are independent jobs handed to worker threads (each with its own env and renderer on one
//! shared model); the main thread writes them in episode order, so the file depends only on the seed,
//! never on the number of workers. An attempt whose demonstrator fails a subtask is retried with a new
//! seed (up to `max_attempts`), as one filters failed human demonstrations; the failures are counted.
mod episode;
mod montage;
mod orders;

pub use episode::{Attempt, Worker, recording_config, task_index};
pub use orders::{TASKS_PER_EPISODE, episode_order, episode_seed};

use crate::metrics::MetricsWriter;
use envs::dataset::{D4rlWriter, WriterOptions};
use envs::kitchen::scripted::ScriptRandomization;
use envs::kitchen::{KitchenConfig, KitchenEnv, KitchenTask};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// File name of the data set inside the output folder (upstream's name).
pub const DATA_FILE: &str = "kitchen_mixed_data.h5";

/// Settings of one generation run.
#[derive(Clone, Debug)]
pub struct GenConfig {
    /// Output folder: the data set, `episodes.jsonl`, `summary.json`, `frames.png`.
    pub out: PathBuf,
    /// Episodes to write.
    pub episodes: usize,
    /// Seed of everything (orders, script randomisation, observation noise).
    pub seed: u64,
    /// Worker threads (each steps and renders its own episodes).
    pub workers: usize,
    /// Side of the rendered frames (`None`: states only).
    pub frame_size: Option<usize>,
    /// Step cap per episode; an episode still running then ends truncated.
    pub max_steps: usize,
    /// Attempts per episode before it is given up (and counted as failed).
    pub max_attempts: usize,
    /// Write failed attempts too (by default only episodes that achieve all 4 subtasks).
    pub keep_failed: bool,
    /// Kitchen scene location and physics settings (tasks and step limit are set by the generator).
    pub kitchen: KitchenConfig,
    /// Randomisation of the scripted demonstrator.
    pub randomization: ScriptRandomization,
}

impl GenConfig {
    /// The default data set: 600 episodes (≈ D4RL kitchen-mixed's 621), frames at 128×128.
    pub fn full(out: PathBuf) -> Self {
        GenConfig {
            out,
            episodes: 600,
            seed: 0,
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            frame_size: Some(128),
            max_steps: 600,
            max_attempts: 4,
            keep_failed: false,
            kitchen: KitchenConfig::default(),
            randomization: ScriptRandomization::default(),
        }
    }

    /// A small data set for tests and the demo pipeline (24 episodes).
    pub fn small(out: PathBuf) -> Self {
        GenConfig { episodes: 24, ..GenConfig::full(out) }
    }

    pub fn data_path(&self) -> PathBuf {
        self.out.join(DATA_FILE)
    }
}

/// Per-subtask statistics over all attempts.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TaskStats {
    pub attempts: usize,
    pub successes: usize,
    pub steps: usize,
}

/// What a run produced, also written to `summary.json`.
#[derive(Clone, Debug, Serialize)]
pub struct GenSummary {
    pub path: PathBuf,
    pub episodes: usize,
    pub steps: usize,
    pub failed_attempts: usize,
    pub abandoned_episodes: usize,
    pub mean_episode_steps: f64,
    pub max_episode_steps: usize,
    pub per_task: BTreeMap<String, TaskStats>,
    pub frame_size: Option<usize>,
    pub seconds: f64,
    pub steps_per_second: f64,
}

/// The result of one episode job: its accepted attempt (if any) and every attempt's statistics.
struct JobResult {
    index: usize,
    order: [KitchenTask; TASKS_PER_EPISODE],
    accepted: Option<Attempt>,
    /// Seed of the accepted attempt (replaying its actions after `reset(seed)` reproduces it exactly).
    seed: u64,
    /// Per attempt: subtasks achieved, steps per subtask of the order, and whether it succeeded.
    attempts: Vec<(Vec<KitchenTask>, Vec<usize>, bool)>,
}

/// Generates the data set of `cfg`; returns the summary (also written beside the file).
pub fn run(cfg: &GenConfig) -> Result<GenSummary, String> {
    if cfg.episodes == 0 || cfg.workers == 0 || cfg.max_steps == 0 || cfg.max_attempts == 0 {
        return Err("episodes, workers, max_steps and max_attempts must all be > 0".into());
    }
    let start = std::time::Instant::now();
    let model = KitchenEnv::load_model(&cfg.kitchen).map_err(|e| e.to_string())?;
    let names = KitchenTask::ALL.iter().map(|t| t.name().to_string()).collect();
    let mut opts = WriterOptions::kitchen(cfg.frame_size, names);
    opts.attributes.push(("generator".into(), provenance(cfg).to_string()));
    let mut writer = D4rlWriter::create(&cfg.data_path(), opts).map_err(|e| e.to_string())?;
    let mut log = MetricsWriter::create(cfg.out.join("episodes.jsonl")).map_err(|e| e.to_string())?;

    let bar = ProgressBar::new(cfg.episodes as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} episodes {msg} [{elapsed_precise} < {eta}]")
            .expect("valid template"),
    );
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<Result<JobResult, String>>();
    let mut per_task: BTreeMap<String, TaskStats> = BTreeMap::new();
    let (mut failed_attempts, mut abandoned, mut lengths) = (0, 0, Vec::new());
    let mut montage_frames: Option<Vec<u8>> = None;
    std::thread::scope(|scope| -> Result<(), String> {
        for _ in 0..cfg.workers.min(cfg.episodes) {
            let (tx, next, model) = (tx.clone(), &next, &model);
            scope.spawn(move || worker_loop(cfg, model, next, tx));
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut expected = 0;
        for msg in rx {
            let job = msg?;
            pending.insert(job.index, job);
            while let Some(job) = pending.remove(&expected) {
                expected += 1;
                for (completed, steps, _) in &job.attempts {
                    for (k, task) in job.order.iter().enumerate() {
                        let s = per_task.entry(task.name().to_string()).or_default();
                        s.attempts += 1;
                        s.successes += completed.contains(task) as usize;
                        s.steps += steps[k];
                    }
                }
                failed_attempts += job.attempts.iter().filter(|a| !a.2).count();
                let order: Vec<&str> = job.order.iter().map(|t| t.name()).collect();
                let mut line = json!({"episode": job.index, "order": order, "attempts": job.attempts.len()});
                match job.accepted {
                    Some(a) => {
                        line["steps"] = json!(a.episode.len());
                        line["steps_per_task"] = json!(a.steps_per_task);
                        line["first_step"] = json!(writer.steps());
                        line["seed"] = json!(job.seed);
                        line["truncated"] = json!(a.episode.truncated);
                        lengths.push(a.episode.len());
                        if montage_frames.is_none() && !a.episode.frames.is_empty() {
                            montage_frames = Some(a.episode.frames.clone());
                        }
                        writer.append(&a.episode).map_err(|e| e.to_string())?;
                    }
                    None => abandoned += 1,
                }
                log.write(&line).map_err(|e| e.to_string())?;
                bar.inc(1);
                bar.set_message(format!("{} steps", writer.steps()));
            }
        }
        Ok(())
    })?;
    bar.finish();
    if writer.episodes() == 0 {
        return Err("no episode succeeded; nothing written (see episodes.jsonl)".into());
    }
    let steps = writer.steps();
    let path = writer.finish().map_err(|e| e.to_string())?;
    if let (Some(frames), Some(size)) = (montage_frames, cfg.frame_size) {
        montage::write(&cfg.out.join("frames.png"), &frames, size, 8).map_err(|e| e.to_string())?;
    }
    let seconds = start.elapsed().as_secs_f64();
    let summary = GenSummary {
        path,
        episodes: lengths.len(),
        steps,
        failed_attempts,
        abandoned_episodes: abandoned,
        mean_episode_steps: steps as f64 / lengths.len() as f64,
        max_episode_steps: lengths.iter().copied().max().unwrap_or(0),
        per_task,
        frame_size: cfg.frame_size,
        seconds,
        steps_per_second: steps as f64 / seconds,
    };
    crate::demo::write_json_atomic(&cfg.out.join("summary.json"), &summary)?;
    Ok(summary)
}

/// Takes episode jobs until none is left; sends each result (or the first error) to the writer.
fn worker_loop(
    cfg: &GenConfig,
    model: &envs::mujoco::Model,
    next: &AtomicUsize,
    tx: mpsc::Sender<Result<JobResult, String>>,
) {
    let mut worker = match Worker::new(model, &cfg.kitchen, cfg.frame_size, cfg.randomization.clone(), cfg.max_steps) {
        Ok(w) => w,
        Err(e) => {
            let _ = tx.send(Err(e.to_string()));
            return;
        }
    };
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        if index >= cfg.episodes {
            return;
        }
        let order = episode_order(cfg.seed, index as u64, &KitchenTask::MIXED);
        let mut job = JobResult { index, order, accepted: None, seed: 0, attempts: Vec::new() };
        for attempt in 0..cfg.max_attempts {
            let seed = episode_seed(cfg.seed, index as u64, attempt as u64);
            let a = match worker.run(&order, seed) {
                Ok(a) => a,
                Err(e) => {
                    let _ = tx.send(Err(format!("episode {index}: {e}")));
                    return;
                }
            };
            let succeeded = a.succeeded(&order);
            job.attempts.push((a.completed.clone(), a.steps_per_task.clone(), succeeded));
            let last = attempt + 1 == cfg.max_attempts;
            if succeeded || (last && cfg.keep_failed) {
                job.accepted = Some(a);
                job.seed = seed;
                break;
            }
        }
        if tx.send(Ok(job)).is_err() {
            return;
        }
    }
}

/// The settings that determine the file, stored as its `generator` attribute.
fn provenance(cfg: &GenConfig) -> serde_json::Value {
    json!({
        "command": "extract gen-data kitchen",
        "version": env!("CARGO_PKG_VERSION"),
        "episodes": cfg.episodes,
        "seed": cfg.seed,
        "frame_size": cfg.frame_size,
        "max_steps": cfg.max_steps,
        "max_attempts": cfg.max_attempts,
        "keep_failed": cfg.keep_failed,
        "noise_ratio": cfg.kitchen.noise_ratio,
        "randomization": format!("{:?}", cfg.randomization),
    })
}
