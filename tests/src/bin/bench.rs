//! `bench`: the engine's speed benchmarks, one JSON object per line (median seconds after
//! warm-up, like the peer scripts in `shared/bench`).
//!
//! `cargo run --release -p tests --bin bench -- <matmul|elementwise|overhead|conv2d|mlp|skill_vae_step|sac_update|all> [--threads 1,2]`
//! Environment: `BENCH_REPS` (timed repetitions, default 7), `BENCH_QUIET_WAIT` (seconds to wait
//! for other processes to leave the CPUs before timing, default 5).

#[path = "../bench/conv.rs"]
mod conv;
#[path = "../bench/elementwise.rs"]
mod elementwise;
#[path = "../bench/matmul.rs"]
mod matmul;
#[path = "../bench/mlp.rs"]
mod mlp;
#[path = "../bench/sac.rs"]
mod sac;
#[path = "../bench/skill_vae.rs"]
mod skill_vae;
#[path = "../bench/timing.rs"]
mod timing;

/// glibc's malloc hands freed activation buffers back to the kernel and faults them in again on
/// the next step (measured: 2x the page faults of a pooled allocator on `conv2d`); mimalloc keeps
/// them, as PyTorch's own CPU allocator effectively does.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str =
    "usage: bench <matmul|elementwise|overhead|conv2d|mlp|skill_vae_step|sac_update|all> [--threads 1,2]";

/// The bench name and thread counts from the command line, or a message for the user.
fn parse_args(args: &[String]) -> Result<(String, Vec<usize>), String> {
    let name = args.first().ok_or(USAGE)?.clone();
    let mut threads = vec![1, 2];
    let mut rest = args[1..].iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "--threads" => {
                let list = rest.next().ok_or("--threads needs a list such as 1,2")?;
                threads = list
                    .split(',')
                    .map(|s| s.trim().parse::<usize>().ok().filter(|&t| t > 0))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("--threads: cannot read {list:?} as positive integers like 1,2"))?;
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok((name, threads))
}

fn run(name: &str, threads: &[usize]) -> Result<(), String> {
    match name {
        "matmul" => matmul::run(threads),
        "elementwise" => elementwise::run(threads),
        "overhead" => elementwise::run_overhead(threads),
        "conv2d" => conv::run(threads),
        "mlp" => mlp::run(threads),
        "skill_vae_step" => skill_vae::run(threads),
        "sac_update" => sac::run(threads),
        "all" => {
            for n in ["overhead", "elementwise", "matmul", "conv2d", "mlp", "skill_vae_step", "sac_update"] {
                run(n, threads)?;
            }
        }
        other => return Err(format!("unknown bench {other:?}\n{USAGE}")),
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(msg) = parse_args(&args).and_then(|(name, threads)| run(&name, &threads)) {
        eprintln!("bench: {msg}");
        std::process::exit(2);
    }
}
