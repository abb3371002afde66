//! Prints kitchen env steps per second next to raw physics (frame_skip × `mj_step`) measured in the same
//! run, then the vectorised env on 1 and 2 threads. Speed is reported here, never asserted in tests.
//!
//! `cargo run --release -p envs --example step_rate [seconds per measurement, default 2]`
use std::time::Instant;

use envs::kitchen::{INIT_QPOS, KitchenConfig, KitchenEnv};
use envs::mujoco::{Model, Sim};
use envs::{Env, VecEnv};

/// Nanoseconds this thread has spent on a CPU (Linux `schedstat`), or `None` elsewhere.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Steps per second by the wall clock, and by this thread's CPU time (robust to other processes on a
/// busy machine; meaningful for single-threaded rows only).
struct Rate {
    wall: f64,
    cpu: Option<f64>,
}

/// Runs `f` (which does `per_call` env steps) until `secs` have passed.
fn rate(secs: f64, per_call: usize, mut f: impl FnMut()) -> Rate {
    let (start, cpu0) = (Instant::now(), thread_cpu_ns());
    let mut steps = 0;
    while start.elapsed().as_secs_f64() < secs {
        f();
        steps += per_call;
    }
    let wall = steps as f64 / start.elapsed().as_secs_f64();
    let cpu = cpu0.zip(thread_cpu_ns()).map(|(a, b)| steps as f64 / ((b - a) as f64 * 1e-9));
    Rate { wall, cpu }
}

/// The benchmark's actions: a slow sweep that keeps the arm moving inside its workspace.
fn action(t: usize) -> [f32; 9] {
    std::array::from_fn(|j| ((t as f32) * 0.05 + j as f32).sin() * 0.5)
}

/// One noiseless episode of `action`s; returns the position targets the env sent, step by step.
fn recorded_controls(model: &Model, cfg: &KitchenConfig) -> Vec<[f64; 9]> {
    let mut env = KitchenEnv::with_model(model, KitchenConfig { noise_ratio: 0.0, ..cfg.clone() }).unwrap();
    env.reset(Some(0));
    (0..cfg.max_episode_steps).map(|t| (env.control(&action(t)), env.step(&action(t))).0).collect()
}

/// Raw physics: the same episode's controls, frame_skip `mj_step`s each, nothing else.
fn raw_rate(model: &Model, ctrls: &[[f64; 9]], frame_skip: usize, secs: f64) -> Rate {
    let mut sim = Sim::new(model);
    let mut t = 0;
    rate(secs, 1, || {
        if t % ctrls.len() == 0 {
            sim.set_state(&INIT_QPOS, &[0.0; 29]);
        }
        sim.set_ctrl(&ctrls[t % ctrls.len()]);
        assert!(sim.step(frame_skip));
        t += 1;
    })
}

/// Raw physics with the arm holding its initial pose (the cheapest case: few contacts).
fn rest_rate(model: &Model, frame_skip: usize, secs: f64) -> Rate {
    let mut sim = Sim::new(model);
    sim.set_state(&INIT_QPOS, &[0.0; 29]);
    sim.set_ctrl(&INIT_QPOS[..9]);
    rate(secs, 1, || assert!(sim.step(frame_skip)))
}

fn env_rate(model: &Model, cfg: &KitchenConfig, secs: f64) -> Rate {
    let mut env = KitchenEnv::with_model(model, cfg.clone()).unwrap();
    env.reset(Some(0));
    let mut t = 0;
    rate(secs, 1, || {
        if env.step(&action(t)).done() {
            env.reset(None);
            t = 0;
        } else {
            t += 1;
        }
    })
}

fn vec_rate(model: &Model, cfg: &KitchenConfig, n: usize, threads: usize, secs: f64) -> Rate {
    let envs = (0..n).map(|_| KitchenEnv::with_model(model, cfg.clone()).unwrap()).collect();
    let mut vec = VecEnv::with_threads(envs, threads);
    vec.reset(Some(0));
    let mut t = 0;
    rate(secs, n, || {
        let actions: Vec<f32> = (0..n).flat_map(|_| action(t)).collect();
        t += 1;
        if vec.step(&actions).iter().any(|r| r.done()) {
            vec.reset(None);
            t = 0;
        }
    })
}

fn main() {
    let secs: f64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let cfg = KitchenConfig::default();
    let model = match KitchenEnv::load_model(&cfg) {
        Ok(model) => model,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    // Noise off: the env then follows exactly the trajectory that the raw row replays, so the two rows
    // do the same physics (contacts make mj_step's cost depend on the trajectory).
    let cfg = KitchenConfig { noise_ratio: 0.0, ..cfg };
    // Alternate the rows and keep each one's best of 3, so a busy machine disturbs the ratio less.
    let ctrls = recorded_controls(&model, &cfg);
    let (mut raw, mut env) = ([0.0f64; 2], [0.0f64; 2]);
    for _ in 0..3 {
        let (r, e) = (raw_rate(&model, &ctrls, cfg.frame_skip, secs), env_rate(&model, &cfg, secs));
        raw = [raw[0].max(r.wall), raw[1].max(r.cpu.unwrap_or(0.0))];
        env = [env[0].max(e.wall), env[1].max(e.cpu.unwrap_or(0.0))];
    }
    for (k, clock) in ["wall", "thread CPU"].iter().enumerate() {
        let (r, e) = (raw[k], env[k]);
        println!("[{clock}] raw {}x mj_step: {r:7.1} steps/s ({:.3} ms/step)", cfg.frame_skip, 1e3 / r);
        println!("[{clock}] KitchenEnv::step: {e:7.1} steps/s (overhead {:+.1}% vs raw)", (r / e - 1.0) * 100.0);
    }
    let rest = rest_rate(&model, cfg.frame_skip, secs);
    let rest_cpu = rest.cpu.unwrap_or(0.0);
    println!("[thread CPU] raw, arm at rest: {rest_cpu:7.1} steps/s ({:.1} us/mj_step)", 1e6 / rest_cpu / 40.0);
    for (n, threads) in [(2, 1), (2, 2)] {
        let v = vec_rate(&model, &cfg, n, threads, secs).wall;
        println!("[wall] VecEnv {n} envs, {threads} thread(s): {v:7.1} steps/s ({:.2}x one env)", v / env[0]);
    }
}
