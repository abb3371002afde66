//! Flat SAC on Gymnasium's Pendulum-v1 (pure-Rust `envs::Pendulum`), one seed after another:
//!
//! ```text
//! cargo run --release -p extract --example sac_pendulum -- --seed 0 1 2 --steps 20000 --out results/rl/sac_pendulum
//! ```
//! Each seed writes `OUT/seed_S/` (config.json, metrics.jsonl, learning_curve.png, summary.json);
//! then `OUT/learning_curves.png` and `OUT/summary.json` are rebuilt from every `OUT/seed_*/summary.json`.
//!
//! Settings: upstream's SAC constants (lr 3e-4, gamma 0.99, tau 5e-3, batch 256, target entropy
//! -1) with the classic SAC networks (two hidden layers of 256) and the Q-target clip off: the clip
//! bounds returns of rewards in [-1, 1], and Pendulum's rewards reach -16.3 (`--clip-q-target`
//! turns it on). 1000 warm-up steps, one update per step, 10 deterministic evaluation episodes every
//! 1000 steps. `--config FILE` takes a JSON `{"agent": SacConfig, "train": TrainConfig}`.

use clap::Parser;
use envs::{Env, Pendulum};
use extract::metrics::MetricsWriter;
use extract::plot::{Series, line_plot};
use extract::rl::agents::{SacAgent, SacConfig};
use extract::rl::train::{TrainConfig, TrainSummary, train};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The return the task asks for within 20k steps.
const TARGET_RETURN: f64 = -200.0;

#[derive(Parser)]
#[command(about = "Flat SAC on Pendulum-v1")]
struct Args {
    /// Seeds, trained one after another into OUT/seed_S.
    #[arg(long, num_args = 1.., default_value = "0")]
    seed: Vec<u64>,
    /// Environment steps per seed (overrides the config's train.steps).
    #[arg(long)]
    steps: Option<usize>,
    /// Output folder.
    #[arg(long, default_value = "results/rl/sac_pendulum")]
    out: PathBuf,
    /// JSON file with `agent` and/or `train` sections overriding the Pendulum settings.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Clamp Q targets to ±1/(1 - gamma) (EXTRACT's setting; meant for rewards in [-1, 1]).
    #[arg(long)]
    clip_q_target: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

/// Everything a run is configured by.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
struct PendulumConfig {
    /// Agent hyperparameters.
    agent: SacConfig,
    /// Loop settings.
    train: TrainConfig,
}

impl Default for PendulumConfig {
    fn default() -> Self {
        PendulumConfig {
            agent: SacConfig {
                policy_num_layers: 1,
                critic_num_layers: 1,
                clip_q_target: false,
                ..SacConfig::default()
            },
            train: TrainConfig {
                steps: 20_000,
                warmup_steps: 1_000,
                replay_capacity: 1_000_000,
                eval_every: 1_000,
                eval_episodes: 10,
                eval_deterministic: true,
                ..TrainConfig::default()
            },
        }
    }
}

fn load_config(args: &Args) -> Result<PendulumConfig, String> {
    let mut cfg = match &args.config {
        None => PendulumConfig::default(),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("config {}: cannot read: {e}", p.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("config {}: {e}", p.display()))?
        }
    };
    cfg.train.steps = args.steps.unwrap_or(cfg.train.steps);
    cfg.agent.clip_q_target |= args.clip_q_target;
    cfg.agent.validate()?;
    Ok(cfg)
}

fn write_json(path: &Path, value: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).expect("JSON value serialises") + "\n";
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Trains one seed into `dir`; returns its summary record.
fn run_seed(cfg: &PendulumConfig, seed: u64, dir: &Path, progress: bool) -> Result<Value, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    write_json(&dir.join("config.json"), &json!(cfg))?;
    let (mut env, mut eval_env) = (Pendulum::default(), Pendulum::default());
    let obs_dim = env.observation_space().dim();
    let mut agent = SacAgent::new(obs_dim, env.action_space().dim(), cfg.agent.clone(), seed);
    let mut metrics = MetricsWriter::in_dir(dir).map_err(|e| e.to_string())?;
    let s = train(&mut agent, (&mut env, &mut eval_env), &cfg.train, seed, Some(&mut metrics), progress)
        .map_err(|e| e.to_string())?;
    plot_run(&dir.join("learning_curve.png"), seed, cfg.train.eval_episodes, &s)?;
    let last = s.evals.last().expect("train evaluates at least once");
    let best = s.evals.iter().map(|e| e.return_mean).fold(f64::NEG_INFINITY, f64::max);
    let first_hit = s.evals.iter().find(|e| e.return_mean >= TARGET_RETURN).map(|e| e.step);
    let summary = json!({
        "seed": seed, "env_steps": s.env_steps, "updates": s.updates,
        "final_eval_return": last.return_mean, "final_eval_std": last.return_std, "best_eval_return": best,
        "first_step_at_target": first_hit, "wall_s": s.wall_s, "update_s": s.update_s,
        "updates_per_s": s.updates_per_s, "env_steps_per_s": s.env_steps as f64 / s.wall_s,
        "eval_curve": s.evals.iter().map(|e| [e.step as f64, e.return_mean]).collect::<Vec<_>>(),
    });
    write_json(&dir.join("summary.json"), &summary)?;
    Ok(summary)
}

fn plot_run(path: &Path, seed: u64, eval_episodes: usize, s: &TrainSummary) -> Result<(), String> {
    let eval = s.evals.iter().map(|e| (e.step as f64, e.return_mean)).collect();
    let episodes = s.train_returns.iter().map(|&(step, r)| (step as f64, r)).collect();
    let series = [
        Series::new(format!("evaluation (mean of {eval_episodes})"), eval),
        Series::new("training episodes", episodes),
    ];
    line_plot(path, &format!("SAC on Pendulum-v1, seed {seed}"), "environment steps", "return", &series)
        .map_err(|e| e.to_string())
}

/// Rebuilds `out/learning_curves.png` and `out/summary.json` from every `out/seed_*/summary.json`.
fn summarise(out: &Path) -> Result<Value, String> {
    let mut runs = Vec::new();
    for entry in std::fs::read_dir(out).map_err(|e| format!("cannot list {}: {e}", out.display()))?.flatten() {
        let path = entry.path().join("summary.json");
        if entry.file_name().to_string_lossy().starts_with("seed_") && path.exists() {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            runs.push(serde_json::from_str::<Value>(&text).map_err(|e| format!("{}: {e}", path.display()))?);
        }
    }
    runs.sort_by_key(|r| r["seed"].as_u64());
    let curve = |r: &Value| -> Vec<(f64, f64)> {
        r["eval_curve"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?)))
            .collect()
    };
    let mut series: Vec<Series> = runs.iter().map(|r| Series::new(format!("seed {}", r["seed"]), curve(r))).collect();
    let x_max = runs.iter().flat_map(curve).map(|p| p.0).fold(0.0, f64::max);
    series.push(Series::new("target -200", vec![(0.0, TARGET_RETURN), (x_max, TARGET_RETURN)]));
    let title = "SAC on Pendulum-v1: mean evaluation return per seed";
    line_plot(&out.join("learning_curves.png"), title, "environment steps", "return", &series)
        .map_err(|e| e.to_string())?;
    let finals: Vec<f64> = runs.iter().filter_map(|r| r["final_eval_return"].as_f64()).collect();
    let keep = ["seed", "final_eval_return", "best_eval_return", "first_step_at_target", "wall_s", "updates_per_s"];
    let summary = json!({
        "target_return": TARGET_RETURN,
        "seeds_at_target": finals.iter().filter(|&&f| f >= TARGET_RETURN).count(),
        "seeds": runs.len(),
        "final_eval_return_mean": finals.iter().sum::<f64>() / finals.len().max(1) as f64,
        "runs": runs.iter().map(|r| keep.iter().map(|k| (k.to_string(), r[*k].clone())).collect()).collect::<Vec<serde_json::Map<String, Value>>>(),
    });
    write_json(&out.join("summary.json"), &summary)?;
    Ok(summary)
}

fn main() {
    let args = Args::parse();
    let result = load_config(&args).and_then(|cfg| {
        for &seed in &args.seed {
            let s = run_seed(&cfg, seed, &args.out.join(format!("seed_{seed}")), !args.quiet)?;
            println!(
                "seed {seed}: final eval return {:.1}, {:.0} updates/s, {:.0} s",
                s["final_eval_return"].as_f64().unwrap_or(f64::NAN),
                s["updates_per_s"].as_f64().unwrap_or(0.0),
                s["wall_s"].as_f64().unwrap_or(0.0)
            );
        }
        summarise(&args.out)
    });
    match result {
        Ok(summary) => println!("{}", serde_json::to_string_pretty(&summary).expect("serialises")),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
