//! `bench`: the engine's speed benchmarks, one JSON object per line (median seconds after
//! warm-up, like the peer scripts in `shared/bench`).
//!
//! `cargo run --release -p tests --bin bench -- <matmul|elementwise|overhead|conv2d|conv_encoder_rl|mlp|skill_vae_step|skill_train|sac_update|rl_step|embed|kitchen_step|render|all> [--threads 1,2] [--device cpu|gpu]`
//! `--device gpu` runs `matmul`, `overhead`, `conv2d`, `conv_encoder_rl`, `skill_vae_step`, `skill_train`, `sac_update`, `rl_step` and `embed` on the wgpu device
//! (one thread count, 1, unless `--threads` is given); a software adapter's numbers (lavapipe)
//! prove nothing about GPU speed.
//! Environment: `BENCH_REPS` (timed repetitions, default 7), `BENCH_QUIET_WAIT` (seconds to wait
//! for other processes to leave the CPUs before timing, default 5).

#[path = "../bench/conv.rs"]
mod conv;
#[path = "../bench/elementwise.rs"]
mod elementwise;
#[path = "../bench/embed.rs"]
mod embed;
#[path = "../bench/kitchen.rs"]
mod kitchen;
#[path = "../bench/matmul.rs"]
mod matmul;
#[path = "../bench/mlp.rs"]
mod mlp;
#[path = "../bench/rl.rs"]
mod rl;
#[path = "../bench/sac.rs"]
mod sac;
#[path = "../bench/skill_train.rs"]
mod skill_train;
#[path = "../bench/skill_vae.rs"]
mod skill_vae;
#[path = "../bench/timing.rs"]
mod timing;

/// glibc's malloc hands freed activation buffers back to the kernel and faults them in again on
/// the next step (measured: 2x the page faults of a pooled allocator on `conv2d`); mimalloc keeps
/// them, as PyTorch's own CPU allocator effectively does (with its delayed purge off:
/// `extract::alloc::keep_freed_memory`).
use tensor::Device;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: bench <matmul|elementwise|overhead|conv2d|conv_encoder_rl|mlp|skill_vae_step|skill_train|sac_update|rl_step|embed|kitchen_step|render|all> \
     [--threads 1,2] [--device cpu|gpu]";

/// Benchmarks that run on a GPU (`--device gpu`).
const GPU_BENCHES: [&str; 9] = [
    "matmul",
    "overhead",
    "conv2d",
    "conv_encoder_rl",
    "skill_vae_step",
    "skill_train",
    "sac_update",
    "rl_step",
    "embed",
];

/// The bench name, thread counts and device from the command line, or a message for the user.
fn parse_args(args: &[String]) -> Result<(String, Vec<usize>, Device), String> {
    let name = args.first().ok_or(USAGE)?.clone();
    let mut threads = None;
    let mut device = Device::Cpu;
    let mut rest = args[1..].iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "--threads" => {
                let list = rest.next().ok_or("--threads needs a list such as 1,2")?;
                threads = Some(
                    list.split(',')
                        .map(|s| s.trim().parse::<usize>().ok().filter(|&t| t > 0))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| format!("--threads: cannot read {list:?} as positive integers like 1,2"))?,
                );
            }
            "--device" => {
                let name = rest.next().ok_or("--device needs cpu or gpu")?;
                device = match name.as_str() {
                    "cpu" => Device::Cpu,
                    "gpu" => Device::gpu().map_err(|e| format!("--device gpu: {e}"))?,
                    other => return Err(format!("--device: unknown device {other:?} (cpu or gpu)")),
                };
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let default_threads = if device.is_gpu() { vec![1] } else { vec![1, 2] };
    Ok((name, threads.unwrap_or(default_threads), device))
}

fn run(name: &str, threads: &[usize], dev: &Device) -> Result<(), String> {
    if dev.is_gpu() && name != "all" && !GPU_BENCHES.contains(&name) {
        return Err(format!("bench {name:?} runs on the CPU only; on a GPU: {}", GPU_BENCHES.join(", ")));
    }
    match name {
        "matmul" => matmul::run(threads, dev),
        "elementwise" => elementwise::run(threads),
        "overhead" if dev.is_gpu() => elementwise::run_overhead_gpu(dev),
        "overhead" => elementwise::run_overhead(threads),
        "conv2d" => conv::run(threads, dev),
        "conv_encoder_rl" => conv::run_rl(threads, dev),
        "mlp" => mlp::run(threads),
        "skill_vae_step" => skill_vae::run(threads, dev),
        "skill_train" => skill_train::run(threads, dev),
        "sac_update" => {
            sac::run(threads, dev);
            rl::run_update(threads, dev);
        }
        "rl_step" => rl::run_loop(threads, dev)?,
        "embed" => embed::run(threads, dev),
        "kitchen_step" => kitchen::kitchen_step(threads)?,
        "render" => kitchen::render()?,
        "all" => {
            let all = ["overhead", "elementwise", "matmul", "conv2d", "mlp", "skill_vae_step", "sac_update", "embed"];
            for n in all.into_iter().filter(|n| !dev.is_gpu() || GPU_BENCHES.contains(n)) {
                run(n, threads, dev)?;
            }
        }
        other => return Err(format!("unknown bench {other:?}\n{USAGE}")),
    }
    Ok(())
}

fn main() {
    extract::alloc::keep_freed_memory();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(msg) = parse_args(&args).and_then(|(name, threads, dev)| run(&name, &threads, &dev)) {
        eprintln!("bench: {msg}");
        std::process::exit(2);
    }
}
