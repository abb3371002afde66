//! The pictures of a skill-model run: loss curves from `metrics.jsonl` and decoded-vs-true action
//! sequences of validation windows.

use crate::metrics::read_metrics;
use crate::plot::{PlotOptions, Series, line_plot_with};
use std::collections::BTreeMap;
use std::path::Path;
use tensor::Tensor;

/// `plots/train_losses.png` (every training loss, log scale) and `plots/val.png` (validation total
/// and top-of-N MSE) from the run's metrics file.
pub fn loss_curves(metrics: &Path, plots: &Path) -> Result<(), String> {
    let records = read_metrics(metrics).map_err(|e| e.to_string())?;
    let mut train: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut val: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for r in &records {
        let (Some(step), Some(kind)) = (r["step"].as_f64(), r["split"].as_str()) else { continue };
        let into = if kind == "train" { &mut train } else { &mut val };
        for (k, v) in r.as_object().into_iter().flatten() {
            if let (Some(key), Some(v)) = (k.strip_prefix("loss/"), v.as_f64()) {
                into.entry(key.to_string()).or_default().push((step, v));
            } else if k == "top_of_n_mse" || k == "reconstruction_mse" {
                into.entry(k.clone()).or_default().push((step, v.as_f64().unwrap_or(f64::NAN)));
            }
        }
    }
    let as_series = |m: BTreeMap<String, Vec<(f64, f64)>>| -> Vec<Series> {
        m.into_iter().map(|(k, p)| Series::new(k, p)).collect()
    };
    let log = PlotOptions { log_y: true, ..Default::default() };
    if !train.is_empty() {
        line_plot_with(&plots.join("train_losses.png"), "training losses", "step", "loss", &as_series(train), &log)
            .map_err(|e| e.to_string())?;
    }
    if !val.is_empty() {
        line_plot_with(&plots.join("val.png"), "validation", "step", "value", &as_series(val), &log)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// `path`: the first `dims` action dimensions of window `index` over time, true (solid names
/// `a{k} true`) against decoded (`a{k} decoded`), real steps only.
pub fn decoded_vs_true(
    path: &Path,
    title: &str,
    truth: &Tensor,
    decoded: &Tensor,
    mask: &Tensor,
    index: usize,
    dims: usize,
) -> Result<(), String> {
    let (t, a) = (truth.shape()[1], truth.shape()[2]);
    let (y, p, m) = (truth.to_vec(), decoded.to_vec(), mask.to_vec());
    let steps: Vec<usize> = (0..t).filter(|&s| m[index * t + s] > 0.0).collect();
    let mut series = Vec::new();
    for k in 0..dims.min(a) {
        let at = |v: &[f32], s: usize| v[(index * t + s) * a + k] as f64;
        series.push(Series::new(format!("a{k} true"), steps.iter().map(|&s| (s as f64, at(&y, s))).collect()));
        series.push(Series::new(format!("a{k} decoded"), steps.iter().map(|&s| (s as f64, at(&p, s))).collect()));
    }
    line_plot_with(path, title, "step", "action", &series, &PlotOptions::default()).map_err(|e| e.to_string())
}
