//! `extract demo`: the end-to-end example of the engine so far — an MLP learns to classify a
//! generated three-arm spiral with softmax cross-entropy and Adam, logging metrics and plots.

use crate::metrics::MetricsWriter;
use crate::plot::{ClassMap, PlotOptions, Series, class_map, line_plot_with};
use autograd::{Tape, Var};
use indicatif::{ProgressBar, ProgressStyle};
use nn::optim::{Adam, AdamConfig, Optimizer};
use nn::{Mlp, MlpConfig, Module, Norm, loss};
use serde_json::json;
use std::path::{Path, PathBuf};
use tensor::Tensor;
use tensor::rand::{Rng, SeedableRng, rngs::StdRng};

/// Settings of the demo run (the CLI fills these).
#[derive(Clone, Debug)]
pub struct DemoConfig {
    /// Output folder for metrics.jsonl, loss.png, accuracy.png and summary.json.
    pub out: PathBuf,
    /// Optimisation steps (full batch).
    pub steps: usize,
    /// Points per class in each of the train and validation sets.
    pub points_per_class: usize,
    /// Hidden width of the MLP.
    pub hidden: usize,
    /// Hidden blocks between the MLP's input block and head.
    pub layers: usize,
    /// Adam learning rate.
    pub lr: f32,
    /// Seed for data and initialisation.
    pub seed: u64,
    /// Log metrics every this many steps.
    pub log_every: usize,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            out: PathBuf::from("results/demo"),
            steps: 1500,
            points_per_class: 200,
            hidden: 64,
            layers: 1,
            lr: 1e-2,
            seed: 0,
            log_every: 10,
        }
    }
}

/// Three interleaved spiral arms with Gaussian jitter: `(points [n, 2], labels [n])`.
pub fn spiral(points_per_class: usize, noise: f32, rng: &mut impl Rng) -> (Tensor, Tensor) {
    let mut xs = Vec::with_capacity(points_per_class * 6);
    let mut ys = Vec::with_capacity(points_per_class * 3);
    for class in 0..3 {
        for i in 0..points_per_class {
            let r = i as f32 / points_per_class as f32;
            let theta = class as f32 * 2.0 * std::f32::consts::PI / 3.0 + 9.0 * r + noise * rng.random_range(-1.0..1.0);
            xs.extend([r * theta.sin(), r * theta.cos()]);
            ys.push(class as f32);
        }
    }
    (Tensor::from_vec(xs, &[points_per_class * 3, 2]), Tensor::from_vec(ys, &[points_per_class * 3]))
}

fn accuracy(logits: &Tensor, labels: &Tensor) -> f32 {
    logits.argmax(-1, false).eq(labels).mean_all().item()
}

/// What one run reached, also written to `summary.json`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoSummary {
    pub steps: usize,
    pub parameters: usize,
    pub first_loss: f32,
    pub final_loss: f32,
    pub train_accuracy: f32,
    pub val_accuracy: f32,
    pub seconds: f64,
}

/// Trains the spiral classifier and writes metrics, plots and a summary into `cfg.out`.
pub fn run(cfg: &DemoConfig) -> Result<DemoSummary, String> {
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let (x_train, y_train) = spiral(cfg.points_per_class, 0.2, &mut rng);
    let (x_val, y_val) = spiral(cfg.points_per_class, 0.2, &mut rng);
    let mlp =
        MlpConfig { in_dim: 2, mid_dim: cfg.hidden, out_dim: 3, num_layers: cfg.layers, norm: Norm::None, slope: 0.2 };
    let model = Mlp::new("mlp", mlp, &mut rng);
    let mut opt = Adam::new(model.parameters(), AdamConfig { lr: cfg.lr, ..Default::default() });
    let mut metrics = MetricsWriter::in_dir(&cfg.out).map_err(|e| e.to_string())?;
    let bar = ProgressBar::new(cfg.steps as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} [{elapsed_precise}]").expect("valid template"),
    );
    let (mut losses, mut train_acc, mut val_acc) = (Vec::new(), Vec::new(), Vec::new());
    let start = std::time::Instant::now();
    let mut first_loss = f32::NAN;
    for step in 1..=cfg.steps {
        let tape = Tape::new();
        let logits = model.forward(&tape, &Var::constant(x_train.clone()));
        let loss = loss::cross_entropy(&logits, &y_train);
        let (loss_v, acc) = (loss.item(), accuracy(logits.value(), &y_train));
        opt.step(&loss.backward());
        if step == 1 {
            first_loss = loss_v;
        }
        if step % cfg.log_every == 0 || step == 1 || step == cfg.steps {
            let val = accuracy(model.forward(&Tape::no_grad(), &Var::constant(x_val.clone())).value(), &y_val);
            let rec = json!({"step": step, "loss": loss_v, "train_accuracy": acc, "val_accuracy": val,
                             "elapsed_s": start.elapsed().as_secs_f64()});
            metrics.write(&rec).map_err(|e| e.to_string())?;
            losses.push((step as f64, loss_v as f64));
            train_acc.push((step as f64, acc as f64));
            val_acc.push((step as f64, val as f64));
            bar.set_message(format!("loss {loss_v:.4} val acc {val:.3}"));
        }
        bar.inc(1);
    }
    bar.finish();
    write_plots(&cfg.out, losses.clone(), train_acc.clone(), val_acc.clone())?;
    write_class_map(&cfg.out.join("regions.png"), &model, &x_val, &y_val)?;
    let summary = DemoSummary {
        steps: cfg.steps,
        parameters: model.num_parameters(),
        first_loss,
        final_loss: losses.last().map(|p| p.1 as f32).unwrap_or(f32::NAN),
        train_accuracy: train_acc.last().map(|p| p.1 as f32).unwrap_or(0.0),
        val_accuracy: val_acc.last().map(|p| p.1 as f32).unwrap_or(0.0),
        seconds: start.elapsed().as_secs_f64(),
    };
    write_json_atomic(&cfg.out.join("summary.json"), &summary)?;
    Ok(summary)
}

fn write_plots(
    out: &Path,
    losses: Vec<(f64, f64)>,
    train: Vec<(f64, f64)>,
    val: Vec<(f64, f64)>,
) -> Result<(), String> {
    let log = PlotOptions { log_y: true, ..Default::default() };
    line_plot_with(
        &out.join("loss.png"),
        "Spiral MLP: training loss",
        "step",
        "cross-entropy",
        &[Series::new("train", losses)],
        &log,
    )
    .map_err(|e| e.to_string())?;
    let series = [Series::new("train", train), Series::new("validation", val)];
    line_plot_with(
        &out.join("accuracy.png"),
        "Spiral MLP: accuracy",
        "step",
        "accuracy",
        &series,
        &PlotOptions::default(),
    )
    .map_err(|e| e.to_string())
}

/// Predicted class over a 200 x 200 grid of `[-1.1, 1.1]^2`, validation points on top.
fn write_class_map(path: &Path, model: &Mlp, x: &Tensor, y: &Tensor) -> Result<(), String> {
    let (side, lo, hi) = (200usize, -1.1f32, 1.1f32);
    let coord = |i: usize| lo + (hi - lo) * (i as f32 + 0.5) / side as f32;
    let cells: Vec<f32> = (0..side * side).flat_map(|k| [coord(k % side), coord(side - 1 - k / side)]).collect();
    let logits = model.forward(&Tape::no_grad(), &Var::constant(Tensor::from_vec(cells, &[side * side, 2])));
    let grid: Vec<usize> = logits.value().argmax(-1, false).to_vec().iter().map(|&c| c as usize).collect();
    let (xv, yv) = (x.to_vec(), y.to_vec());
    let points: Vec<(f64, f64, usize)> =
        yv.iter().enumerate().map(|(i, &c)| (xv[2 * i] as f64, xv[2 * i + 1] as f64, c as usize)).collect();
    let map = ClassMap {
        title: "Predicted regions + validation set",
        lo: lo as f64,
        hi: hi as f64,
        side,
        grid: &grid,
        points: &points,
    };
    class_map(path, &map).map_err(|e| e.to_string())
}

/// Writes pretty JSON to `path` through a temporary file and a rename (never half-written).
pub fn write_json_atomic<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), String> {
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(value).map_err(|e| format!("{}: {e}", path.display()))?;
    std::fs::write(&tmp, text + "\n").map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot move {} to {}: {e}", tmp.display(), path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A short run learns: the loss falls well below chance level (ln 3) and accuracy beats 70%.
    #[test]
    fn short_run_learns_the_spiral() {
        let out = std::env::temp_dir().join(format!("extract-demo-test-{}", std::process::id()));
        let cfg = DemoConfig { out: out.clone(), steps: 300, points_per_class: 60, ..Default::default() };
        let s = run(&cfg).expect("demo runs");
        assert!(s.final_loss < 0.5 * 3f32.ln(), "{s:?}");
        assert!(s.train_accuracy > 0.7, "{s:?}");
        for f in ["metrics.jsonl", "loss.png", "accuracy.png", "regions.png", "summary.json"] {
            assert!(out.join(f).exists(), "{f} missing");
        }
        let _ = std::fs::remove_dir_all(out);
    }
}
