//! Evaluation returns of several `extract rl` runs in one plot, plus a JSON table:
//!
//! ```text
//! cargo run --release -p extract --example compare_runs -- --out results/rl/kitchen_state \
//!     EXTRACT=experiments/hrl/kitchen/cluster/extract_state/seed0 SPiRL=experiments/hrl/kitchen/spirl_state/seed0
//! ```
//! Writes `OUT/returns.png` (mean evaluation return against env steps, one curve per run) and
//! `OUT/comparison.json` (per run: every evaluation, the final and the best mean return, wall-clock
//! seconds and env steps per second from the run's `summary.json`).

use clap::Parser;
use extract::metrics::read_metrics;
use extract::plot::{Series, line_plot};
use serde_json::{Value, json};
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Compare the evaluation returns of extract rl runs")]
struct Args {
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
    /// Runs as NAME=RUN_FOLDER.
    #[arg(required = true)]
    runs: Vec<String>,
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let (mut series, mut table) = (Vec::new(), Vec::new());
    for spec in &args.runs {
        let (name, dir) = spec.split_once('=').ok_or_else(|| format!("{spec:?}: expected NAME=RUN_FOLDER"))?;
        let dir = PathBuf::from(dir);
        let evals: Vec<Value> = read_metrics(dir.join("metrics.jsonl"))
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter(|r| r["kind"] == "eval")
            .collect();
        let points: Vec<(f64, f64)> =
            evals.iter().filter_map(|r| Some((r["step"].as_f64()?, r["return_mean"].as_f64()?))).collect();
        let summary: Value = std::fs::read_to_string(dir.join("summary.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        let best = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        table.push(json!({
            "name": name, "run": dir, "final_return": points.last().map(|p| p.1), "best_return": best,
            "wall_s": summary["wall_s"], "env_steps_per_s": summary["env_steps_per_s"],
            "evals": evals.iter().map(|r| json!({"step": r["step"], "return_mean": r["return_mean"],
                "completion": r["completion"]})).collect::<Vec<_>>(),
        }));
        series.push(Series::new(name, points));
    }
    let png = args.out.join("returns.png");
    line_plot(&png, "Franka Kitchen: evaluation return", "env steps", "mean return (max 4)", &series)
        .map_err(|e| e.to_string())?;
    let text = serde_json::to_string_pretty(&table).map_err(|e| e.to_string())?;
    std::fs::write(args.out.join("comparison.json"), text).map_err(|e| e.to_string())?;
    println!("wrote {} and comparison.json", png.display());
    Ok(())
}
