//! The `extract` command line: one subcommand per stage of the pipeline (so far: `demo`).

use clap::{Parser, Subcommand};
use extract::demo::{self, DemoConfig};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc keeps freed tensor buffers for reuse instead of returning them to the kernel and
/// faulting them back in every step, as glibc's malloc does for large blocks.
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
}

fn main() -> ExitCode {
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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
