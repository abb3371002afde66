//! `KitchenEnv` against the Python reference: gymnasium-robotics' FrankaKitchen-v1 on the same scene and
//! MuJoCo 3.17.0, noise off, 80 fixed actions (`fixtures/kitchen_reference.py` wrote the trajectory).
//! Same control law and physics, so the states must agree to rounding.
use envs::Env;
use envs::kitchen::{KitchenConfig, KitchenEnv};
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/kitchen_reference.json");

fn rows(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()).collect()
}

#[test]
fn replays_the_python_trajectory() {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let actions = rows(&fixture["actions"]);
    let qpos = rows(&fixture["qpos"]);
    assert_eq!((actions.len(), qpos.len()), (80, 81));
    let mut env = KitchenEnv::new(KitchenConfig { noise_ratio: 0.0, ..KitchenConfig::default() }).unwrap();
    env.reset(Some(0));
    let max_diff = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
    assert_eq!(max_diff(env.sim().qpos(), &qpos[0]), 0.0, "initial state");
    let mut worst = 0.0f64;
    for (t, a) in actions.iter().enumerate() {
        let action: Vec<f32> = a.iter().map(|v| *v as f32).collect();
        let out = env.step(&action);
        assert!(!out.info.unstable);
        worst = worst.max(max_diff(env.sim().qpos(), &qpos[t + 1]));
        assert!(worst < 1e-9, "step {}: qpos differs from gymnasium-robotics by {worst}", t + 1);
    }
    // the reference trajectory really moves the arm (not a trivially constant state).
    assert!(max_diff(&qpos[0], &qpos[80]) > 0.3);
}
