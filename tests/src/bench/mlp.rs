//! A SAC-critic-sized MLP forward + backward: `[256, 70] -> 256 -> 256 -> 1` with ReLU, loss
//! `mean((q - target)^2)`. Small matrices, many ops: per-op overhead shows here, not FLOPs.
//! The PyTorch twin is `tests/bench_peers/overhead.py` (its `mlp` rows).

use super::timing::{bench, emit, pool};
use autograd::{Param, Tape, Var};
use serde_json::json;
use tensor::Tensor;
use tensor::rand::SeedableRng;
use tensor::rand::rngs::StdRng;

const BATCH: usize = 256;
const SIZES: [usize; 4] = [70, 256, 256, 1];

fn layers(rng: &mut StdRng) -> Vec<(Param, Param)> {
    SIZES
        .windows(2)
        .map(|w| {
            let bound = 1.0 / (w[0] as f32).sqrt();
            let weight = Param::new("weight", Tensor::rand_uniform(&[w[1], w[0]], -bound, bound, rng));
            let bias = Param::new("bias", Tensor::rand_uniform(&[w[1]], -bound, bound, rng));
            (weight, bias)
        })
        .collect()
}

/// Forward + backward per second, one JSON line per thread count.
pub fn run(threads: &[usize]) {
    for &t in threads {
        let pool = pool(t);
        let mut rng = StdRng::seed_from_u64(0);
        let net = layers(&mut rng);
        let x = Tensor::randn(&[BATCH, SIZES[0]], 0.0, 1.0, &mut rng);
        let target = Tensor::randn(&[BATCH, 1], 0.0, 1.0, &mut rng);
        let step = || {
            let tape = Tape::new();
            let mut h = Var::constant(x.clone());
            for (i, (w, b)) in net.iter().enumerate() {
                h = h.linear(&tape.param(w), Some(&tape.param(b)));
                if i + 1 < net.len() {
                    h = h.relu();
                }
            }
            let loss = h.binary_const(tensor::BinaryOp::Sub, &target).square().mean_all();
            std::hint::black_box(loss.backward());
        };
        let timing = pool.install(|| bench(step, 20));
        emit(json!({"bench": "mlp_fwd_bwd", "batch": BATCH, "sizes": SIZES, "per_s": 1.0 / timing.sec}), timing, t);
    }
}
