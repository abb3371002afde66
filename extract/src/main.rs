//! The `extract` command line: one subcommand per stage of the pipeline (`demo`, `gen-data`, `cluster`, `train`,
//! `rl`).

use clap::{Parser, Subcommand};
use extract::cluster::{self, ClusterConfig, EmbedderKind, Padding};
use extract::components::checkpointer::Resume;
use extract::components::trainer::{self, TrainArgs};
use extract::demo::{self, DemoConfig};
use extract::gen_data::{self, GenConfig};
use extract::rl::runner::RlArgs;
use std::path::PathBuf;
use std::process::ExitCode;
use tensor::Device;

/// mimalloc keeps freed tensor buffers for reuse instead of returning them to the kernel and
/// faulting them back in every step, as glibc's malloc does for large blocks (and, tuned by
/// `extract::alloc::keep_freed_memory`, without its own delayed purge either).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "extract", about = "EXTRACT skill learning on a pure-Rust tensor + autograd engine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train an MLP on a generated three-arm spiral; writes metrics, loss/accuracy curves, a region map.
    Demo {
        /// Output folder.
        #[arg(long, default_value = "results/demo")]
        out: PathBuf,
        /// Full-batch optimisation steps.
        #[arg(long, default_value_t = 1500)]
        steps: usize,
        /// Seed for data and initialisation.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Adam learning rate.
        #[arg(long, default_value_t = 1e-2)]
        lr: f32,
    },
    /// Skill extraction: embed frames/states, first-difference, K-means, median filter -> clusters.h5 + report.
    Cluster {
        /// Data set in D4RL's HDF5 schema (from `gen-data`, or D4RL's kitchen file with rendered frames).
        #[arg(long)]
        data: PathBuf,
        /// Per-step embedding to cluster.
        #[arg(long, value_enum, default_value_t = Embedder::StateDiff)]
        embedder: Embedder,
        /// Number of clusters (skills).
        #[arg(long, default_value_t = 8)]
        k: usize,
        /// Median-filter window (odd).
        #[arg(long, default_value_t = 7)]
        window: usize,
        /// Pad the filter with edge labels instead of zeros (scipy's medfilt, upstream).
        #[arg(long)]
        edge_padding: bool,
        /// Full K-means instead of mini-batch.
        #[arg(long)]
        full_kmeans: bool,
        /// Seed of K-means.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Root of the output tree.
        #[arg(long, default_value = "generated_dataset_clusters")]
        out: PathBuf,
        /// Weights of the image embedder (efficientnet: default .deps/weights/, from scripts/setup.sh;
        /// r3m: required, an R3M model.pt or a torchvision resnet50 state dict).
        #[arg(long)]
        weights: Option<PathBuf>,
        /// Where the image embedder runs: cpu or gpu (the first wgpu adapter).
        #[arg(long, default_value = "cpu")]
        device: String,
        /// Frames per forward of the image embedder.
        #[arg(long, default_value_t = extract::cluster::embed::DEFAULT_BATCH)]
        batch: usize,
    },
    /// Generate a demonstration data set (D4RL HDF5 schema, rendered frames).
    #[command(name = "gen-data", subcommand)]
    GenData(GenData),
    /// Train a skill model (EXTRACT, SPiRL, BC) from a config under extract/configs/skill_prior_learning/.
    Train {
        /// Config file (TOML with [general], [model] and [data] tables).
        #[arg(long)]
        config: PathBuf,
        /// Override one config value, e.g. `--set general.lr=1e-4` (repeatable, applied in order).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Seed of initialisation, batches and latent noise (overrides general.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Continue the run from its `latest` checkpoint or from an epoch number.
        #[arg(long)]
        resume: Option<Resume>,
        /// Compute device: cpu, gpu or auto (overrides general.device).
        #[arg(long)]
        device: Option<String>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Online RL in Franka Kitchen (EXTRACT, SPiRL, flat SAC) from a config under extract/configs/{hrl,rl}/.
    Rl {
        /// Config file (TOML with [general], [train], [env], [skill] and [agent] tables).
        #[arg(long)]
        config: PathBuf,
        /// Override one config value, e.g. `--set agent.alpha_z=0.1` (repeatable, applied in order).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Seed of networks, env and noise (overrides general.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// `latest`: continue the run from its newest checkpoint (agent + replay).
        #[arg(long, value_parser = ["latest"])]
        resume: Option<String>,
        /// Device of the agent's networks: cpu, gpu or auto (overrides general.device).
        #[arg(long)]
        device: Option<String>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Embedder {
    /// Observation minus the trajectory's first observation.
    StateDiff,
    /// EfficientNet-Lite0 ImageNet features of the rendered frames.
    Efficientnet,
    /// ResNet-50 features with R3M's preprocessing (needs --weights).
    R3m,
}

#[derive(Subcommand)]
enum GenData {
    /// Scripted Franka Kitchen demonstrations chaining 4 of the 7 subtasks, like D4RL kitchen-mixed.
    Kitchen {
        /// Output folder (kitchen_mixed_data.h5, episodes.jsonl, summary.json, frames.png).
        #[arg(long, default_value = "data/kitchen_mixed")]
        out: PathBuf,
        /// The small preset (24 episodes) for tests and the demo, instead of the 600-episode default.
        #[arg(long)]
        small: bool,
        /// Number of episodes (overrides the preset).
        #[arg(long)]
        episodes: Option<usize>,
        /// Seed of orders, script randomisation and observation noise.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Worker threads (default: all cores).
        #[arg(long)]
        workers: Option<usize>,
        /// Side of the rendered frames; 0 writes states only.
        #[arg(long, default_value_t = 128)]
        frame_size: usize,
        /// Step cap per episode.
        #[arg(long, default_value_t = 600)]
        max_steps: usize,
        /// Also write episodes whose demonstrator failed a subtask (after the last attempt).
        #[arg(long)]
        keep_failed: bool,
    },
}

/// `cpu` or `gpu` (the first wgpu adapter); anything else, or no adapter, is an error for the user.
fn parse_device(name: &str) -> Result<Device, String> {
    match name {
        "cpu" => Ok(Device::Cpu),
        "gpu" => Device::gpu().map_err(|e| format!("--device gpu: {e}")),
        other => Err(format!("--device: unknown device {other:?} (cpu or gpu)")),
    }
}

fn main() -> ExitCode {
    extract::alloc::keep_freed_memory();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo { out, steps, seed, lr } => {
            let cfg = DemoConfig { out, steps, seed, lr, ..Default::default() };
            demo::run(&cfg).map(|s| {
                println!("{}", serde_json::to_string(&s).unwrap_or_default());
                println!(
                    "wrote {}/{{metrics.jsonl,loss.png,accuracy.png,regions.png,summary.json}}",
                    cfg.out.display()
                );
            })
        }
        Command::Cluster {
            data,
            embedder,
            k,
            window,
            edge_padding,
            full_kmeans,
            seed,
            out,
            weights,
            device,
            batch,
        } => {
            let mut cfg = ClusterConfig::new(data);
            cfg.device = match parse_device(&device) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            (cfg.weights, cfg.batch) = (weights, batch.max(1));
            cfg.embedder = match embedder {
                Embedder::StateDiff => EmbedderKind::StateDiff,
                Embedder::Efficientnet => EmbedderKind::EfficientNet,
                Embedder::R3m => EmbedderKind::R3m,
            };
            (cfg.k, cfg.window, cfg.full_kmeans, cfg.seed, cfg.out_root) = (k, window, full_kmeans, seed, out);
            cfg.padding = if edge_padding { Padding::Edge } else { Padding::Zeros };
            cluster::run::run(&cfg).map(|s| {
                println!("{}", serde_json::to_string(&s).unwrap_or_default());
                println!("wrote {} and its report in {}", s.labels_file.display(), cfg.out_dir().display());
            })
        }
        Command::GenData(GenData::Kitchen {
            out,
            small,
            episodes,
            seed,
            workers,
            frame_size,
            max_steps,
            keep_failed,
        }) => {
            let mut cfg = if small { GenConfig::small(out) } else { GenConfig::full(out) };
            cfg.episodes = episodes.unwrap_or(cfg.episodes);
            cfg.workers = workers.unwrap_or(cfg.workers);
            cfg.seed = seed;
            cfg.frame_size = (frame_size > 0).then_some(frame_size);
            cfg.max_steps = max_steps;
            cfg.keep_failed = keep_failed;
            gen_data::run(&cfg).map(|s| {
                println!("{}", serde_json::to_string(&s).unwrap_or_default());
                println!("wrote {} and its report in {}", s.path.display(), cfg.out.display());
            })
        }
        Command::Train { config, sets, seed, resume, device, quiet } => {
            let args = TrainArgs { config, sets, seed, resume, device, quiet };
            trainer::train(&args).map(|run| println!("wrote {}", run.display()))
        }
        Command::Rl { config, sets, seed, resume, device, quiet } => {
            let args = RlArgs { config, sets, seed, resume: resume.is_some(), device, quiet };
            extract::rl::runner::run(&args).map(|run| println!("wrote {}", run.display()))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
