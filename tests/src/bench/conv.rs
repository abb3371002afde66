//! SPiRL conv encoder forward + backward: 4 x [Conv2d(k4, s2, p1, no bias) + BatchNorm2d
//! (training-mode batch statistics, affine) + LeakyReLU(0.2)] on 64 x 64 images (64 -> 4 px), then
//! Conv2d(last, 128, k4) -> a 128-d code; loss = mean(code^2). Two workloads:
//! - `conv2d` (`conv_encoder_fwd_bwd`): exactly the peers' `conv.py`, channels 3-32-64-128-256, batch 32;
//! - `conv_encoder_rl`: the image RL update's encoder, 12 stacked channels 12-8-16-32-64, batch 256.

use super::timing::{bench, device_fields, emit, pool, sync};
use autograd::{Param, Tape, Var};
use serde_json::json;
use tensor::rand::SeedableRng;
use tensor::rand::rngs::StdRng;
use tensor::{Device, Tensor};

/// One encoder workload: its JSON name, batch size and channel sequence (input first).
struct Workload {
    name: &'static str,
    batch: usize,
    channels: [usize; 5],
}

/// The peers' `conv.py` encoder.
const PEER: Workload = Workload { name: "conv_encoder_fwd_bwd", batch: 32, channels: [3, 32, 64, 128, 256] };
/// The image RL update's encoder (4 stacked RGB frames).
const RL: Workload = Workload { name: "conv_encoder_rl", batch: 256, channels: [12, 8, 16, 32, 64] };
/// Channels of the code the head conv produces.
const CODE: usize = 128;

/// One conv block's parameters: weight `[o, c, 4, 4]`, BatchNorm gamma and beta `[o]`.
struct Block {
    weight: Param,
    gamma: Param,
    beta: Param,
}

struct Encoder {
    blocks: Vec<Block>,
    head: Param,
}

/// Kaiming-uniform-like weights (the values do not matter for timing, only their scale).
fn conv_weight(o: usize, c: usize, rng: &mut StdRng) -> Param {
    let bound = 1.0 / ((c * 16) as f32).sqrt();
    Param::new("conv.weight", Tensor::rand_uniform(&[o, c, 4, 4], -bound, bound, rng))
}

fn encoder(channels: &[usize; 5], rng: &mut StdRng) -> Encoder {
    let blocks = channels
        .windows(2)
        .map(|w| Block {
            weight: conv_weight(w[1], w[0], rng),
            gamma: Param::new("bn.weight", Tensor::ones(&[w[1]])),
            beta: Param::new("bn.bias", Tensor::zeros(&[w[1]])),
        })
        .collect();
    Encoder { blocks, head: conv_weight(CODE, channels[4], rng) }
}

/// BatchNorm2d in training mode: normalise with the batch mean and biased variance over
/// `[batch, h, w]`, then scale by gamma and shift by beta (eps 1e-5, as PyTorch).
fn batch_norm(x: &Var, gamma: &Var, beta: &Var) -> Var {
    x.batch_norm(gamma, beta, 1e-5).0
}

/// The code `[batch, 128, 1, 1]` of images `x: [batch, channels[0], 64, 64]`.
fn forward(net: &Encoder, tape: &Tape, x: &Var) -> Var {
    let mut h = x.clone();
    for b in &net.blocks {
        let y = h.conv2d(&tape.param(&b.weight), None, 2, 1, 1);
        h = batch_norm(&y, &tape.param(&b.gamma), &tape.param(&b.beta)).leaky_relu(0.2);
    }
    h.conv2d(&tape.param(&net.head), None, 1, 0, 1)
}

/// Multiply-add FLOPs of one forward pass's convolutions (2 per multiply-add).
fn forward_gflop(wl: &Workload) -> f64 {
    let mut px = 64usize;
    let mut flop = 0.0;
    for w in wl.channels.windows(2) {
        px /= 2;
        flop += 2.0 * (wl.batch * w[1] * px * px * w[0] * 16) as f64;
    }
    flop += 2.0 * (wl.batch * CODE * wl.channels[4] * 16) as f64;
    flop / 1e9
}

/// The peers' encoder (`bench conv2d`): one JSON line per thread count.
pub fn run(threads: &[usize], dev: &Device) {
    run_workload(&PEER, threads, dev);
}

/// The RL encoder (`bench conv_encoder_rl`): one JSON line per thread count.
pub fn run_rl(threads: &[usize], dev: &Device) {
    run_workload(&RL, threads, dev);
}

/// Forward + backward (and forward-only) per second, one JSON line per thread count.
fn run_workload(wl: &Workload, threads: &[usize], dev: &Device) {
    let batch = wl.batch;
    for &t in threads {
        let pool = pool(t);
        let mut rng = StdRng::seed_from_u64(0);
        let net = encoder(&wl.channels, &mut rng);
        let params = net.blocks.iter().flat_map(|b| [&b.weight, &b.gamma, &b.beta]).chain([&net.head]);
        params.for_each(|p| p.set(p.value().to(dev)));
        // Tensors, not `Var`s, cross into the pool: a `Var` belongs to one thread's tape.
        let x = Tensor::randn(&[batch, wl.channels[0], 64, 64], 0.0, 1.0, &mut rng).to(dev);
        let fwd_bwd = || {
            let tape = Tape::new();
            let loss = forward(&net, &tape, &Var::constant(x.clone())).square().mean_all();
            std::hint::black_box(loss.backward());
            sync(dev);
        };
        let fwd = || {
            drop(std::hint::black_box(forward(&net, &Tape::no_grad(), &Var::constant(x.clone()))));
            sync(dev);
        };
        let timing = pool.install(|| bench(fwd_bwd, 5));
        let fwd_timing = pool.install(|| bench(fwd, 5));
        let mut row = json!({
            "bench": wl.name, "batch": batch, "per_s": 1.0 / timing.sec,
            "images_per_s": batch as f64 / timing.sec, "fwd_only_sec": fwd_timing.sec,
            "fwd_gflop_per_iter": forward_gflop(wl),
        });
        row.as_object_mut().expect("object").extend(device_fields(dev).as_object().expect("object").clone());
        emit(row, timing, t);
    }
}
