//! Renders the kitchen's initial state from D4RL's camera to a PNG and prints the frame rate.
//!
//! `cargo run --release -p envs --example render_frame [size, default 128] [output, default kitchen_<size>.png]`
use std::time::Instant;

use envs::kitchen::{INIT_QPOS, KitchenConfig, KitchenEnv};
use envs::mujoco::{FreeCamera, Renderer};

fn main() {
    let size: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(128);
    let out = std::env::args().nth(2).unwrap_or_else(|| format!("kitchen_{size}.png"));
    if let Err(e) = run(size, &out) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(size: usize, out: &str) -> Result<(), envs::EnvError> {
    let model = KitchenEnv::load_model(&KitchenConfig::default())?;
    let start = Instant::now();
    let mut renderer = Renderer::new(&model, size, size, FreeCamera::D4RL_KITCHEN)?;
    println!("renderer created in {:.2} s", start.elapsed().as_secs_f64());
    renderer.render_qpos(&INIT_QPOS)?;
    renderer.save_png(std::path::Path::new(out))?;
    let frames = 30;
    let start = Instant::now();
    for i in 0..frames {
        let mut q = INIT_QPOS;
        q[22] = -(i as f64) / frames as f64; // swing the microwave door so each frame differs
        renderer.render_qpos(&q)?;
    }
    let fps = frames as f64 / start.elapsed().as_secs_f64();
    println!("{size}x{size}: {fps:.1} frames/s on one thread; wrote {out}");
    Ok(())
}
