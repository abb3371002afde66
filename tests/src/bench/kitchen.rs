//! `bench kitchen_step` and `bench render`: the Franka Kitchen env against raw MuJoCo physics in the
//! same run (our overhead), the vectorised env on 2 threads, and offscreen frames at 64 and 128 pixels.
//! The Python peers are in `bench_peers/kitchen.py` (gymnasium-robotics' FrankaKitchen-v1).
use super::timing::{bench, bench_pair, emit};
use envs::kitchen::{INIT_QPOS, KitchenConfig, KitchenEnv};
use envs::mujoco::{FreeCamera, Model, Renderer, Sim};
use envs::{Env, VecEnv};
use serde_json::json;

/// The benchmark's actions: a slow sweep that keeps the arm moving inside its workspace.
fn action(t: usize) -> [f32; 9] {
    std::array::from_fn(|j| ((t as f32) * 0.05 + j as f32).sin() * 0.5)
}

fn load() -> Result<(Model, KitchenConfig), String> {
    // Noise off: the env then follows exactly the trajectory the raw row replays, so both rows do the
    // same physics (contacts make mj_step's cost depend on the trajectory).
    let cfg = KitchenConfig { noise_ratio: 0.0, ..KitchenConfig::default() };
    let model = KitchenEnv::load_model(&cfg).map_err(|e| e.to_string())?;
    Ok((model, cfg))
}

/// Env steps/s (1 thread) next to raw `frame_skip × mj_step` on the same controls, and `VecEnv` with
/// one env per thread for each thread count.
pub fn kitchen_step(threads: &[usize]) -> Result<(), String> {
    let (model, cfg) = load()?;
    let mut env = KitchenEnv::with_model(&model, cfg.clone()).map_err(|e| e.to_string())?;
    env.reset(Some(0));
    let ctrls: Vec<[f64; 9]> =
        (0..cfg.max_episode_steps).map(|t| (env.control(&action(t)), env.step(&action(t))).0).collect();
    let mut sim = Sim::new(&model);
    let mut t_raw = 0;
    let raw = || {
        if t_raw % ctrls.len() == 0 {
            sim.set_state(&INIT_QPOS, &[0.0; 29]);
        }
        sim.set_ctrl(&ctrls[t_raw % ctrls.len()]);
        sim.step(cfg.frame_skip);
        t_raw += 1;
    };
    env.reset(Some(0));
    let mut t = 0;
    let step = || {
        if env.step(&action(t)).done() {
            env.reset(None);
            t = 0;
        } else {
            t += 1;
        }
    };
    // Interleaved: this VM's speed drifts by tens of percent between seconds, more than the overhead.
    let (raw, one, ratio) = bench_pair(raw, step, 20, 15);
    let fields = json!({"bench": "kitchen_step", "envs": 1, "steps_per_s": 1.0 / one.sec,
        "raw_steps_per_s": 1.0 / raw.sec, "overhead": ratio - 1.0});
    emit(fields, one, 1);
    for &n in threads.iter().filter(|&&n| n > 1) {
        let envs = (0..n).map(|_| KitchenEnv::with_model(&model, cfg.clone())).collect::<Result<Vec<_>, _>>();
        let mut vec = VecEnv::with_threads(envs.map_err(|e| e.to_string())?, n);
        vec.reset(Some(0));
        let mut single = KitchenEnv::with_model(&model, cfg.clone()).map_err(|e| e.to_string())?;
        single.reset(Some(0));
        let (mut t1, mut tn) = (0, 0);
        let one_step = || {
            if single.step(&action(t1)).done() {
                single.reset(None);
                t1 = 0;
            } else {
                t1 += 1;
            }
        };
        let vec_step = || {
            let actions: Vec<f32> = (0..n).flat_map(|_| action(tn)).collect();
            tn += 1;
            if vec.step(&actions).iter().any(|r| r.done()) {
                vec.reset(None);
                tn = 0;
            }
        };
        // Interleaved with one env on this thread, so the speed-up is measured in one machine state.
        let (one, timing, ratio) = bench_pair(one_step, vec_step, 20, 15);
        let fields = json!({"bench": "kitchen_step", "envs": n, "steps_per_s": n as f64 / timing.sec,
            "one_env_steps_per_s": 1.0 / one.sec, "speedup_vs_1": n as f64 / ratio});
        emit(fields, timing, n);
    }
    Ok(())
}

/// Frames/s of the offscreen renderer at 64 and 128 pixels (D4RL's camera), one thread.
pub fn render() -> Result<(), String> {
    let (model, _) = load()?;
    for size in [64, 128] {
        let mut r = Renderer::new(&model, size, size, FreeCamera::D4RL_KITCHEN).map_err(|e| e.to_string())?;
        let mut i = 0;
        let mut failed = None;
        let timing = bench(
            || {
                let mut q = INIT_QPOS;
                q[22] = -((i % 30) as f64) / 30.0; // swing the microwave door so frames differ
                i += 1;
                if let Err(e) = r.render_qpos(&q) {
                    failed = Some(e.to_string());
                }
            },
            5,
        );
        if let Some(e) = failed {
            return Err(e);
        }
        emit(json!({"bench": "render", "size": size, "frames_per_s": 1.0 / timing.sec}), timing, 1);
    }
    Ok(())
}
