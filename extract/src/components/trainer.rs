//! `extract train`: the skill-model training loop — config, run folder, model and optimizer,
//! background batches, gradient clipping, metrics, validation, plots and atomic checkpoints.
//!
//! Reproducibility: batch `i` of the training split and the latent noise of optimizer step `i` are
//! pure functions of (seed, i), and a checkpoint holds parameters, BatchNorm statistics, optimizer
//! moments and counters. A run killed at any point and resumed with `--resume latest` therefore
//! continues exactly as the uninterrupted run would have from that checkpoint.

use super::checkpointer::{self, Progress, Resume};
use super::config::{RawConfig, experiment_name};
use super::evaluator::{ValResult, validate};
use super::experiment::{RunDir, write_atomic};
use super::plots::{decoded_vs_true, loss_curves};
use super::train_config::TrainConfig;
use crate::data::{Batch, Loader, Observations, SkillDataset, Split};
use crate::metrics::MetricsWriter;
use crate::models::{ImageSpec, InputSpec, SkillModel, build_model};
use autograd::Tape;
use indicatif::{ProgressBar, ProgressStyle};
use nn::optim::{Adam, Optimizer, RAdam, RAdamRule};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Map, Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use tensor::Device;

/// What the command line passes to a training run.
#[derive(Clone, Debug, Default)]
pub struct TrainArgs {
    pub config: PathBuf,
    /// `a.b=value` overrides, applied in order after the file.
    pub sets: Vec<String>,
    pub seed: Option<u64>,
    pub resume: Option<Resume>,
    pub device: Option<String>,
    /// Hide the progress bar (tests, logs).
    pub quiet: bool,
}

/// Reads the config with the overrides applied (`--seed`/`--device` become `general.*` overrides).
pub fn resolve_config(args: &TrainArgs) -> Result<TrainConfig, String> {
    let raw = RawConfig::load_with_cli(&args.config, &args.sets, args.seed, args.device.as_deref())
        .map_err(|e| e.to_string())?;
    raw.typed().map_err(|e| e.to_string())
}

/// The run folder a config trains into.
pub fn run_dir(args: &TrainArgs, cfg: &TrainConfig) -> PathBuf {
    cfg.general.exp_dir.join(experiment_name(&args.config)).join(&cfg.general.prefix)
}

/// Trains (or resumes) the run described by `args`; returns its folder.
pub fn train(args: &TrainArgs) -> Result<PathBuf, String> {
    let cfg = resolve_config(args)?;
    let run = RunDir::create(run_dir(args, &cfg))?;
    if args.resume.is_none() && !checkpointer::saved_epochs(&run.root).is_empty() {
        return Err(format!(
            "{} already holds checkpoints: pass --resume latest, or choose another --set general.prefix=NAME",
            run.root.display()
        ));
    }
    run.record(&toml::to_string(&cfg).map_err(|e| format!("cannot write the resolved config: {e}"))?)?;
    let device = Device::parse(&cfg.general.device)?;
    let data = Arc::new(SkillDataset::load(&cfg.data)?);
    let g = &cfg.general;
    let mut model = build_model(&cfg.model, &input_spec(&data), &mut StdRng::seed_from_u64(g.seed))?;
    model.to_device(&device);
    model.train();
    let mut optim = make_optimizer(&*model, &cfg);
    let mut progress = Progress { epoch: 0, global_step: 0 };
    if let Some(which) = args.resume {
        let path = checkpointer::find(&run.root, which)?;
        progress = checkpointer::load(&path, &*model, &mut *optim)?;
        run.truncate_metrics(progress.global_step)?;
    }
    let val = data.val_batches(g.val_data_size, g.seed);
    let mut state = Loop { cfg: &cfg, run: &run, model, optim, progress, quiet: args.quiet };
    state.epochs(&data, &val)?;
    Ok(run.root)
}

/// The sizes a model is built for, read from the loaded data.
fn input_spec(data: &SkillDataset) -> InputSpec {
    let cfg = data.config();
    let image = cfg.use_image.then_some(ImageSpec { frames: cfg.n_input_frames, res: cfg.resolution });
    // Image data sets keep no states; the state size then only matters to state-input models,
    // which the data's `use_image = true` already rules out.
    let state_dim = match &data.steps().obs {
        Observations::States { dim, .. } => *dim,
        _ => 0,
    };
    InputSpec { action_dim: data.steps().action_dim, state_dim, image }
}

fn make_optimizer(model: &dyn SkillModel, cfg: &TrainConfig) -> Box<dyn Optimizer> {
    let adam = cfg.general.adam_config();
    match cfg.general.optimizer {
        super::general::OptimizerKind::RAdam => Box::new(RAdam::new(model.parameters(), RAdamRule(adam))),
        _ => Box::new(Adam::new(model.parameters(), adam)),
    }
}

/// Mixes the run seed with a counter into the seed of one step's generator.
fn step_seed(seed: u64, salt: u64, i: u64) -> u64 {
    let mut x = seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

struct Loop<'a> {
    cfg: &'a TrainConfig,
    run: &'a RunDir,
    model: Box<dyn SkillModel>,
    optim: Box<dyn Optimizer>,
    progress: Progress,
    quiet: bool,
}

impl Loop<'_> {
    fn epochs(&mut self, data: &Arc<SkillDataset>, val: &[Batch]) -> Result<(), String> {
        let g = &self.cfg.general;
        let per_epoch = data.batches_per_epoch(Split::Train).max(1) as u64;
        let mut loader = Loader::new(Arc::clone(data), Split::Train, g.seed, self.progress.global_step);
        let mut metrics = MetricsWriter::append(self.run.metrics()).map_err(|e| e.to_string())?;
        let bar = self.progress_bar(g.epochs as u64 * per_epoch);
        let started = Instant::now();
        let first_step = self.progress.global_step;
        if first_step == 0 {
            // Upstream's "validate first": the untrained model's numbers anchor the curves.
            let result = self.validate(val, 0)?;
            metrics.write(&val_record(&result, self.progress)).map_err(|e| e.to_string())?;
        }
        for epoch in self.progress.epoch + 1..=g.epochs {
            for _ in 0..per_epoch {
                let batch = loader.next().ok_or("the training data loader stopped")?;
                let record = self.step(&batch);
                let step = self.progress.global_step;
                bar.set_position(step);
                bar.set_message(format!("epoch {epoch} loss {:.4}", record["loss/total"].as_f64().unwrap_or(f64::NAN)));
                if step.is_multiple_of(g.log_interval.max(1) as u64) {
                    let rate = (step - first_step) as f64 * batch.len() as f64 / started.elapsed().as_secs_f64();
                    let mut record = record;
                    record.insert("epoch".into(), json!(epoch));
                    record.insert("samples_per_s".into(), json!(rate));
                    metrics.write(&record).map_err(|e| e.to_string())?;
                }
            }
            self.progress.epoch = epoch;
            let last = epoch == g.epochs;
            if last || epoch % g.val_interval.max(1) == 0 {
                let result = self.validate(val, epoch)?;
                metrics.write(&val_record(&result, self.progress)).map_err(|e| e.to_string())?;
                bar.println(format!("epoch {epoch}: val top-of-{} mse {:.5}", g.top_of_n, result.top_of_n_mse));
            }
            if last || epoch % g.checkpoint_interval.max(1) == 0 {
                checkpointer::save(&self.run.root, &*self.model, &*self.optim, self.progress)?;
            }
            loss_curves(&self.run.metrics(), &self.run.plots())?;
        }
        bar.finish_and_clear();
        self.summary(started.elapsed().as_secs_f64(), first_step)
    }

    /// One optimizer step; returns the step's training record (losses, gradient norm).
    fn step(&mut self, batch: &Batch) -> Map<String, Value> {
        let g = &self.cfg.general;
        let mut rng = StdRng::seed_from_u64(step_seed(g.seed, 1, self.progress.global_step));
        let tape = Tape::new();
        let losses = self.model.losses(&tape, batch, &mut rng);
        let total = losses.total();
        let mut grads = total.backward();
        let grad_norm = g.clip_schedule().apply(&mut grads, self.progress.global_step);
        self.optim.step(&grads);
        self.progress.global_step += 1;
        let mut record = Map::new();
        record.insert("step".into(), json!(self.progress.global_step));
        record.insert("split".into(), json!("train"));
        for (name, v) in losses.values() {
            record.insert(format!("loss/{name}"), json!(v));
        }
        record.insert("loss/total".into(), json!(total.item()));
        record.insert("grad_norm".into(), json!(grad_norm));
        record
    }

    fn validate(&mut self, val: &[Batch], epoch: usize) -> Result<ValResult, String> {
        let g = &self.cfg.general;
        let mut rng = StdRng::seed_from_u64(step_seed(g.seed, 2, epoch as u64));
        let result = validate(&mut *self.model, val, g.top_of_n, &mut rng);
        if let Some(batch) = val.first() {
            self.model.eval();
            let decoded = self.model.reconstruct(&Tape::no_grad(), batch);
            self.model.train();
            let title = format!("validation window 0, epoch {epoch}: true vs decoded (posterior mean)");
            let path = self.run.plots().join("decoded_vs_true.png");
            decoded_vs_true(&path, &title, &batch.actions, &decoded, &batch.action_mask, 0, 3)?;
        }
        Ok(result)
    }

    fn progress_bar(&self, total: u64) -> ProgressBar {
        if self.quiet {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(total).with_position(self.progress.global_step);
        let style =
            ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} steps ({per_sec}, eta {eta}) {msg}")
                .expect("the progress template is valid")
                .progress_chars("=> ");
        bar.set_style(style);
        bar
    }

    fn summary(&self, seconds: f64, first_step: u64) -> Result<(), String> {
        let records = crate::metrics::read_metrics(self.run.metrics()).map_err(|e| e.to_string())?;
        let last_val = records.iter().rev().find(|r| r["split"] == "val").cloned().unwrap_or(Value::Null);
        let summary = json!({
            "model": self.model.kind(),
            "parameters": self.model.num_parameters(),
            "epochs": self.progress.epoch,
            "steps": self.progress.global_step,
            "seconds_this_session": seconds,
            "steps_per_s_this_session": (self.progress.global_step - first_step) as f64 / seconds.max(1e-9),
            "last_validation": last_val,
        });
        let text = serde_json::to_string_pretty(&summary).expect("summary serialises");
        write_atomic(&self.run.root.join("summary.json"), text.as_bytes())
    }
}

fn val_record(r: &ValResult, p: Progress) -> Map<String, Value> {
    let mut record = Map::new();
    record.insert("step".into(), json!(p.global_step));
    record.insert("epoch".into(), json!(p.epoch));
    record.insert("split".into(), json!("val"));
    for (name, v) in &r.losses {
        record.insert(format!("loss/{name}"), json!(v));
    }
    record.insert("top_of_n_mse".into(), json!(r.top_of_n_mse));
    record.insert("reconstruction_mse".into(), json!(r.reconstruction_mse));
    record
}
