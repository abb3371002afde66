//! EXTRACT's high-level RL at kitchen sizes, with the default kitchen cluster skill model (8 skills,
//! z 5, conv encoders on 4 stacked 64x64 frames) at random weights:
//!
//! - `sac_update` rows `extract_image` and `extract_state`: one `HybridSacAgent` update on a
//!   batch of 256 skill-level transitions (policy, both priors and the twin K-head critics at s
//!   and s', targets, three Adam steps, Polyak). Reports updates/s, with the frozen prior's
//!   outputs read from the batch as the training loop stores them (`"prior": "stored"`) and
//!   computed by its networks (`"prior": "net"`).
//! - `rl_step`: env steps/s of the whole hierarchical training loop in Franka Kitchen — physics,
//!   frames rendered on demand (llvmpipe), skill decoding, replay and one update per skill — with
//!   1 and 2 env workers (threads). With random weights a skill's predicted progress rarely reaches
//!   1, so skills tend to run to the 30-step cap (a trained model's average 20-26); the row reports
//!   the skill length and the share of time spent in updates. With `--device gpu` the agent (its
//!   decisions and updates) runs on the GPU; physics, rendering and skill decoding stay where they
//!   are.

use super::skill_vae::peak_rss_mib;
use super::timing::{Timing, bench, device_fields, emit, pool, sync};
use envs::kitchen::{KitchenConfig, KitchenEnv};
use extract::metrics::MetricsWriter;
use extract::models::{ClusterSkillModel, ImageSpec, InputSpec, ModelConfig, ObsInput};
use extract::rl::agents::{HybridSacAgent, HybridSacConfig, ObsView, SkillAgent};
use extract::rl::components::{ObsFeatures, ReplayBatch};
use extract::rl::hierarchy::{
    FrameStackObserver, HierarchicalSampler, HrlConfig, HrlRun, HrlSummary, KitchenFrames, Lead, LowLevel,
    SamplerConfig, train,
};
use extract::rl::parallel::{Comm, ThreadComm};
use serde_json::json;
use tensor::rand::{Rng, SeedableRng, rngs::StdRng};
use tensor::{Device, Tensor};

const B: usize = 256;
const STATE: usize = 60;
const FRAMES: ImageSpec = ImageSpec { frames: 4, res: 64 };

/// Two copies (policy, prior) of a random-weight kitchen EXTRACT model reading `input`.
fn models(input: ObsInput) -> (ClusterSkillModel, ClusterSkillModel, ObsView) {
    let spec = InputSpec { action_dim: 9, state_dim: STATE, image: Some(FRAMES) };
    let kind = if input == ObsInput::Image { "image" } else { "state" };
    let ModelConfig::Extract(cfg) = serde_json::from_value(json!({"type": "extract", "input": kind})).expect("config")
    else {
        unreachable!("an extract config")
    };
    let build = || ClusterSkillModel::new(&cfg, &spec, &mut StdRng::seed_from_u64(0)).expect("bench model");
    let view = ObsView { state_dim: STATE, image: (input == ObsInput::Image).then_some(FRAMES), input };
    (build(), build(), view)
}

/// A batch of flat observations `[state | frames]` with HL actions `[d, z]`.
fn batch(view: &ObsView, rng: &mut StdRng, dev: &Device) -> ReplayBatch {
    let dim = view.state_dim + view.image_dim();
    let d: Vec<f32> = (0..B).map(|_| rng.random_range(0..8) as f32).collect();
    let action = Tensor::cat(&[Tensor::from_vec(d, &[B, 1]), Tensor::randn(&[B, 5], 0.0, 1.0, rng)], 1);
    ReplayBatch {
        obs: Tensor::rand_uniform(&[B, dim], -1.0, 1.0, rng).to(dev),
        action: action.to(dev),
        reward: Tensor::rand_uniform(&[B, 1], 0.0, 1.0, rng).to(dev),
        next_obs: Tensor::rand_uniform(&[B, dim], -1.0, 1.0, rng).to(dev),
        done: Tensor::zeros_on(&[B, 1], dev),
        features: None,
    }
}

/// The `sac_update` rows of EXTRACT's agent.
pub fn run_update(threads: &[usize], dev: &Device) {
    let runs = [("extract_image", ObsInput::Image), ("extract_state", ObsInput::State)];
    for ((name, input), stored) in runs.into_iter().flat_map(|r| [(r, true), (r, false)]) {
        for &t in threads {
            let timing = pool(t).install(|| {
                let (policy, prior, view) = models(input);
                let mut agent = HybridSacAgent::new(policy, prior, view, HybridSacConfig::default(), 0).expect("agent");
                agent.to_device(dev);
                let mut batch = batch(&view, &mut StdRng::seed_from_u64(1), dev);
                if stored {
                    let f = |obs: &Tensor| agent.obs_features(obs).expect("EXTRACT stores prior outputs");
                    batch.features = Some(ObsFeatures { obs: f(&batch.obs), next_obs: f(&batch.next_obs) });
                }
                bench(
                    || {
                        agent.update(&batch);
                        sync(dev);
                    },
                    2,
                )
            });
            let prior = if stored { "stored" } else { "net" };
            let mut fields = json!({"bench": "sac_update", "config": name, "prior": prior, "batch": B, "updates_per_s": 1.0 / timing.sec,
                "peak_rss_mib": peak_rss_mib()});
            fields.as_object_mut().expect("object").extend(device_fields(dev).as_object().expect("object").clone());
            emit(fields, timing, t);
        }
    }
}

/// The loop's settings: `steps` env steps, updates from the 11th skill, no evaluation episodes.
fn loop_config(steps: usize) -> HrlConfig {
    HrlConfig {
        env_steps: steps,
        warmup_transitions: 10,
        replay_capacity: 5_000,
        eval_every: usize::MAX / 2,
        eval_episodes: 0,
        log_every: usize::MAX / 2,
        video_res: 0,
        ..HrlConfig::default()
    }
}

/// One worker of an `rl_step` run; rank 0 returns the summary.
fn worker(comm: &dyn Comm, steps: usize, dir: &std::path::Path, dev: &Device) -> Result<Option<HrlSummary>, String> {
    let (policy, prior, view) = models(ObsInput::Image);
    let seed = comm.rank() as u64;
    let mut agent = HybridSacAgent::new(policy, prior, view, HybridSacConfig::default(), seed)?;
    agent.to_device(dev);
    let (_, decoder, _) = models(ObsInput::Image);
    let ll = LowLevel::extract(decoder);
    let sampler = |seed| -> Result<_, String> {
        let env = KitchenEnv::new(KitchenConfig::default()).map_err(|e| e.to_string())?;
        let frames = FrameStackObserver::new(KitchenFrames::new(&env, FRAMES.res)?, FRAMES.frames);
        HierarchicalSampler::new(env, frames, SamplerConfig::default(), seed)
    };
    let mut s = sampler(seed)?;
    let mut eval = match comm.rank() {
        0 => Some(sampler(seed)?),
        _ => None,
    };
    let lead = eval.as_mut().map(|eval_sampler| Lead {
        eval_sampler,
        run: HrlRun {
            dir,
            metrics: MetricsWriter::create(dir.join("metrics.jsonl")).expect("metrics file"),
            resume_from: None,
            progress: false,
            layout: view.layout(),
        },
    });
    train(&mut agent, &ll, &mut s, lead, &loop_config(steps), 0, comm)
}

/// The `rl_step` rows: 1 and 2 env workers, or `BENCH_RL_WORKERS` (the thread pool has `threads`
/// threads).
pub fn run_loop(threads: &[usize], dev: &Device) -> Result<(), String> {
    let steps: usize = std::env::var("BENCH_RL_STEPS").ok().and_then(|s| s.parse().ok()).unwrap_or(900);
    // Env worker counts (`BENCH_RL_WORKERS`, comma-separated, default 1,2).
    let worker_counts: Vec<usize> = std::env::var("BENCH_RL_WORKERS")
        .ok()
        .map(|v| v.split(',').filter_map(|w| w.trim().parse().ok()).filter(|&w| w > 0).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![1, 2]);
    for &t in threads {
        for &workers in &worker_counts {
            let dir = std::env::temp_dir().join(format!("bench-rl-step-{}-{workers}", std::process::id()));
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let start = std::time::Instant::now();
            let summary = pool(t).install(|| {
                std::thread::scope(|s| {
                    let mut comms = ThreadComm::group(workers).into_iter();
                    let lead = comms.next().expect("rank 0");
                    let dir = &dir;
                    let others: Vec<_> = comms.map(|c| s.spawn(move || worker(&c, steps, dir, dev))).collect();
                    let out = worker(&lead, steps, dir, dev);
                    others.into_iter().for_each(|h| drop(h.join()));
                    out
                })
            })?;
            let sec = start.elapsed().as_secs_f64();
            let _ = std::fs::remove_dir_all(&dir);
            let s = summary.ok_or("rank 0 returns the summary")?;
            let mut fields = json!({"bench": "rl_step", "agent": "extract_image", "workers": workers, "env_steps": s.env_steps,
                "env_steps_per_s": s.env_steps_per_s, "skills": s.transitions,
                "steps_per_skill": s.env_steps as f64 / s.transitions.max(1) as f64, "updates": s.updates,
                "batch": B, "update_share": s.update_s / s.wall_s.max(1e-9)});
            fields.as_object_mut().expect("object").extend(device_fields(dev).as_object().expect("object").clone());
            emit(fields, Timing { sec, best: sec, foreign_cpu: 0.0 }, t);
        }
    }
    Ok(())
}
