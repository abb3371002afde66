//! One training step (forward + backward + AdamW) of the port's skill models at kitchen sizes, the
//! workload of `tests/bench_peers/skill_train.py`: EXTRACT's image cluster model (batch 128, T = 31
//! padded steps, 4 stacked 64x64 frames) and the state-based SPiRL model (batch 128, H = 10).
//! Reports samples/s.

use super::timing::{bench, device_fields, emit, pool, sync};
use autograd::Tape;
use extract::data::Batch;
use extract::models::{ImageSpec, InputSpec, ModelConfig, SkillModel, build_model};
use nn::optim::{Adam, AdamConfig, Optimizer};
use serde_json::json;
use tensor::rand::rngs::StdRng;
use tensor::rand::{Rng, SeedableRng};
use tensor::{Device, Tensor};

const B: usize = 128;
const A: usize = 9;
const K: usize = 8;

/// EXTRACT's kitchen windows: `t` padded steps, row lengths uniform in [9, t] (segments of at least
/// the minimum length), images in [-1, 1]; the last row is full length so the batch really spans `t`.
fn extract_batch(t: usize, rng: &mut StdRng) -> Batch {
    let lens: Vec<usize> = (0..B).map(|i| if i == B - 1 { t } else { rng.random_range(9..=t) }).collect();
    let step = |j: usize| (j / t, j % t);
    let mask: Vec<f32> = (0..B * t).map(|j| if step(j).1 < lens[step(j).0] { 1.0 } else { 0.0 }).collect();
    let progress: Vec<f32> = (0..B * t)
        .map(|j| {
            let (i, s) = step(j);
            if s < lens[i] { s as f32 / (lens[i] - 1) as f32 } else { 0.0 }
        })
        .collect();
    let mask = Tensor::from_vec(mask, &[B, t]);
    Batch {
        obs: Tensor::rand_uniform(&[B, 12, 64, 64], -1.0, 1.0, rng),
        actions: Tensor::randn(&[B, t, A], 0.0, 0.5, rng).tanh().mul(&mask.unsqueeze(-1)),
        action_mask: mask,
        progress: Tensor::from_vec(progress, &[B, t]),
        skills: Tensor::from_vec((0..B).map(|_| rng.random_range(0..K) as f32).collect(), &[B]),
        last_action_index: Tensor::from_vec(lens.iter().map(|&l| (l - 1) as f32).collect(), &[B]),
        skill_logprobs: None,
    }
}

/// SPiRL's state windows: the first of 11 states and the 10 actions after it.
fn spirl_batch(rng: &mut StdRng) -> Batch {
    Batch {
        obs: Tensor::randn(&[B, 60], 0.0, 1.0, rng),
        actions: Tensor::randn(&[B, 10, A], 0.0, 0.5, rng).tanh(),
        action_mask: Tensor::ones(&[B, 10]),
        progress: Tensor::zeros(&[B, 10]),
        skills: Tensor::zeros(&[B]),
        last_action_index: Tensor::full(&[B], 9.0),
        skill_logprobs: None,
    }
}

/// `(row name, model config, input sizes, batch)` of each measured model.
fn workloads(rng: &mut StdRng) -> Vec<(&'static str, ModelConfig, InputSpec, Batch)> {
    let image = InputSpec { action_dim: A, state_dim: 60, image: Some(ImageSpec { frames: 4, res: 64 }) };
    let state = InputSpec { image: None, ..image };
    let cfg = |v| serde_json::from_value::<ModelConfig>(v).expect("bench model config");
    vec![
        ("extract_image", cfg(json!({"type": "extract"})), image, extract_batch(31, rng)),
        ("spirl_state", cfg(json!({"type": "spirl", "input": "state"})), state, spirl_batch(rng)),
    ]
}

/// Samples per second of one training step, one JSON line per model and thread count.
pub fn run(threads: &[usize], dev: &Device) {
    for (name, cfg, spec, batch) in workloads(&mut StdRng::seed_from_u64(0)) {
        for &t in threads {
            // Built inside the pool: a `dyn SkillModel` is not `Sync`, so it cannot cross into `install`.
            let (timing, params) = pool(t).install(|| {
                let mut rng = StdRng::seed_from_u64(1);
                let model: Box<dyn SkillModel> = build_model(&cfg, &spec, &mut rng).expect("bench model builds");
                model.to_device(dev);
                let mut opt = Adam::new(model.parameters(), AdamConfig::adamw(1e-3));
                let step = || {
                    let tape = Tape::new();
                    let grads = model.losses(&tape, &batch, &mut rng).total().backward();
                    opt.step(&grads);
                    sync(dev);
                };
                (bench(step, 3), model.num_parameters())
            });
            let mut fields = json!({"bench": "skill_train", "model": name, "batch": B, "steps": batch.steps(),
                "samples_per_s": B as f64 / timing.sec, "params": params});
            fields.as_object_mut().expect("object").extend(device_fields(dev).as_object().expect("object").clone());
            emit(fields, timing, t);
        }
    }
}
