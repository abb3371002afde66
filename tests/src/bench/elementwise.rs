//! Elementwise throughput (`add`, `exp` at 1e3 / 1e5 / 1e7 elements) and per-op overhead
//! (one small `add` end to end: allocation, broadcasting checks, the loop, the `Arc`).

use super::timing::{bench, device_fields, emit, pool, sync};
use autograd::{Param, Tape};
use serde_json::json;
use tensor::rand::SeedableRng;
use tensor::rand::rngs::StdRng;
use tensor::{Device, Tensor};

pub const SIZES: [usize; 3] = [1_000, 100_000, 10_000_000];

fn inputs(n: usize) -> (Tensor, Tensor) {
    let mut rng = StdRng::seed_from_u64(0);
    (Tensor::randn(&[n], 0.0, 1.0, &mut rng), Tensor::randn(&[n], 0.0, 1.0, &mut rng))
}

/// `add` and `exp` on dense 1-D tensors; `per_s` is elements per second.
pub fn run(threads: &[usize]) {
    for &t in threads {
        let pool = pool(t);
        for n in SIZES {
            let (a, b) = inputs(n);
            let timing = pool.install(|| bench(|| drop(std::hint::black_box(a.add(&b))), 3));
            emit(json!({"bench": "elementwise", "op": "add", "n": n, "per_s": n as f64 / timing.sec}), timing, t);
            let timing = pool.install(|| bench(|| drop(std::hint::black_box(a.exp())), 3));
            emit(json!({"bench": "elementwise", "op": "exp", "n": n, "per_s": n as f64 / timing.sec}), timing, t);
            let timing = pool.install(|| bench(|| drop(std::hint::black_box(a.tanh())), 3));
            emit(json!({"bench": "elementwise", "op": "tanh", "n": n, "per_s": n as f64 / timing.sec}), timing, t);
        }
    }
}

/// Small ops queued on a GPU per timed call (one sync per call).
const GPU_QUEUED: usize = 64;

/// A GPU op's fixed cost: `GPU_QUEUED` small `add`s recorded then one sync (`ns_per_op`: the
/// dispatch cost, which bounds how fast a step of many small kernels can be), and one `add` plus
/// sync (`ns_round_trip`: submit and wait); `ns_record_per_op` is the host's share of a queued op
/// (recording it: buffers, bind group, pass).
pub fn run_overhead_gpu(dev: &Device) {
    for shape in [[128usize, 128], [1, 1]] {
        let mut rng = StdRng::seed_from_u64(0);
        let a = Tensor::randn(&shape, 0.0, 1.0, &mut rng).to(dev);
        let b = Tensor::randn(&shape, 0.0, 1.0, &mut rng).to(dev);
        // Host time spent recording (the queued adds without their sync), summed over the calls.
        let recording = std::cell::Cell::new((0.0f64, 0usize));
        let queued = bench(
            || {
                let t = std::time::Instant::now();
                for _ in 0..GPU_QUEUED {
                    drop(std::hint::black_box(a.add(&b)));
                }
                let (s, c) = recording.get();
                recording.set((s + t.elapsed().as_secs_f64(), c + GPU_QUEUED));
                sync(dev);
            },
            3,
        );
        let (rec_s, rec_n) = recording.get();
        let per = queued.per_call(GPU_QUEUED);
        let mut row = json!({"bench": "overhead", "op": "gpu_add_queued", "shape": shape, "queued": GPU_QUEUED,
            "ns_per_op": per.sec * 1e9, "ns_record_per_op": rec_s / rec_n as f64 * 1e9});
        row.as_object_mut().expect("object").extend(device_fields(dev).as_object().expect("object").clone());
        emit(row, per, 1);
        let once = bench(
            || {
                drop(std::hint::black_box(a.add(&b)));
                sync(dev);
            },
            3,
        );
        let mut row =
            json!({"bench": "overhead", "op": "gpu_add_sync", "shape": shape, "ns_round_trip": once.sec * 1e9});
        row.as_object_mut().expect("object").extend(device_fields(dev).as_object().expect("object").clone());
        emit(row, once, 1);
    }
}

/// Time per call of one small op: tensor `add` at 128x128 and 1x1, and a recorded `Var` add
/// (tape push included) at 128x128. Reports `ns_per_op`.
pub fn run_overhead(threads: &[usize]) {
    for &t in threads {
        let pool = pool(t);
        for shape in [[128usize, 128], [1, 1]] {
            let mut rng = StdRng::seed_from_u64(0);
            let a = Tensor::randn(&shape, 0.0, 1.0, &mut rng);
            let b = Tensor::randn(&shape, 0.0, 1.0, &mut rng);
            let timing = pool.install(|| bench(|| drop(std::hint::black_box(a.add(&b))), 100));
            let row = json!({"bench": "overhead", "op": "tensor_add", "shape": shape, "ns_per_op": timing.sec * 1e9});
            emit(row, timing, t);
        }
        let mut rng = StdRng::seed_from_u64(0);
        let pa = Param::new("a", Tensor::randn(&[128, 128], 0.0, 1.0, &mut rng));
        let pb = Param::new("b", Tensor::randn(&[128, 128], 0.0, 1.0, &mut rng));
        // 64 recorded adds per tape, so the tape's own setup is amortised as in a real step.
        let step = || {
            let tape = Tape::new();
            let (a, b) = (tape.param(&pa), tape.param(&pb));
            for _ in 0..64 {
                drop(std::hint::black_box(a.add(&b)));
            }
        };
        let timing = pool.install(|| bench(step, 10)).per_call(64);
        let row = json!({"bench": "overhead", "op": "var_add", "shape": [128, 128], "ns_per_op": timing.sec * 1e9});
        emit(row, timing, t);
    }
}
