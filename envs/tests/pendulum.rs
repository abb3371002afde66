//! Pendulum against Gymnasium's `Pendulum-v1`: trajectories from fixed states and actions, written by
//! `fixtures/pendulum_reference.py` (Gymnasium 1.2.2), and the reset distribution and time limit.
use envs::{Env, Pendulum, VecEnv, angle_normalize};
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/pendulum_reference.json");

fn f(v: &Value) -> f64 {
    v.as_f64().expect("number")
}

#[test]
fn matches_gymnasium_trajectories() {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let mut env = Pendulum::default();
    let mut checked = 0;
    for case in fixture["cases"].as_array().unwrap() {
        env.set_state(f(&case["theta"]), f(&case["theta_dot"]));
        for step in case["steps"].as_array().unwrap() {
            let out = env.step(&[f(&step["action"]) as f32]);
            let (th, thdot) = env.state();
            let state = step["state"].as_array().unwrap();
            // Gymnasium multiplies the f32 torque by Python floats in f32 (NumPy 2 promotion): ~1e-8 apart.
            assert!(
                (th - f(&state[0])).abs() < 1e-6 && (thdot - f(&state[1])).abs() < 1e-6,
                "state {th} {thdot} vs {state:?}"
            );
            for (o, e) in out.obs.iter().zip(step["obs"].as_array().unwrap()) {
                assert!((*o as f64 - f(e)).abs() < 1e-6, "obs {o} vs {e}");
            }
            let expected = f(&step["reward"]);
            assert!((out.reward as f64 - expected).abs() < 1e-5 * expected.abs().max(1.0), "reward {}", out.reward);
            assert!(!out.terminated && !out.truncated);
            checked += 1;
        }
    }
    assert_eq!(checked, 22);
}

#[test]
fn equations_by_hand() {
    // From theta = pi/2 at rest with u = 1: thdot' = (15 sin(pi/2) + 3) * 0.05 = 0.9, theta' = pi/2 + 0.045,
    // cost = (pi/2)^2 + 0 + 0.001.
    let mut env = Pendulum::default();
    env.set_state(std::f64::consts::FRAC_PI_2, 0.0);
    let out = env.step(&[1.0]);
    let (th, thdot) = env.state();
    assert!((thdot - 0.9).abs() < 1e-12 && (th - (std::f64::consts::FRAC_PI_2 + 0.045)).abs() < 1e-12);
    let cost = std::f64::consts::FRAC_PI_2.powi(2) + 0.001;
    assert!((out.reward as f64 + cost).abs() < 1e-6);
    assert!((angle_normalize(7.0) - (7.0 - 2.0 * std::f64::consts::PI)).abs() < 1e-12);
    assert!((angle_normalize(-4.0) - (-4.0 + 2.0 * std::f64::consts::PI)).abs() < 1e-12);
}

#[test]
fn reset_is_seeded_uniform_and_time_limit_truncates() {
    let mut env = Pendulum::default().with_max_episode_steps(5);
    let (a, _) = env.reset(Some(3));
    let (b, _) = env.reset(Some(3));
    assert_eq!(a, b);
    for seed in 0..200 {
        env.reset(Some(seed));
        let (th, thdot) = env.state();
        assert!((-std::f64::consts::PI..std::f64::consts::PI).contains(&th) && (-1.0..1.0).contains(&thdot));
    }
    env.reset(Some(0));
    let truncs: Vec<bool> = (0..5).map(|_| env.step(&[0.0]).truncated).collect();
    assert_eq!(truncs, [false, false, false, false, true]);
}

#[test]
fn vec_env_equals_serial_stepping() {
    let make = || (0..5).map(|_| Pendulum::default()).collect::<Vec<_>>();
    let mut serial = make();
    let mut vec = VecEnv::with_threads(make(), 2);
    let obs_v = vec.reset(Some(10));
    for (i, env) in serial.iter_mut().enumerate() {
        assert_eq!(env.reset(Some(10 + i as u64)).0, obs_v[i].0);
    }
    for t in 0..30 {
        let actions: Vec<f32> = (0..5).map(|i| ((t * 7 + i * 3) % 9) as f32 / 2.0 - 2.0).collect();
        let out = vec.step(&actions);
        for (i, env) in serial.iter_mut().enumerate() {
            assert_eq!(env.step(&actions[i..i + 1]), out[i]);
        }
    }
}

#[test]
fn a_saved_state_continues_bit_for_bit_across_resets() {
    let mut env = Pendulum::default().with_max_episode_steps(5);
    env.reset(Some(11));
    env.step(&[0.3]);
    let saved = env.save_state().unwrap();
    // Steps past the time limit and into the next episode's random reset.
    let run = |env: &mut Pendulum| -> Vec<Vec<f32>> {
        (0..12)
            .map(|i| {
                let out = env.step(&[(i as f32 * 0.37).sin() * 2.0]);
                if out.truncated { env.reset(None).0 } else { out.obs }
            })
            .collect()
    };
    let straight = run(&mut env);
    let mut other = Pendulum::default().with_max_episode_steps(5);
    other.load_state(&saved).unwrap();
    assert_eq!(straight, run(&mut other));
    assert!(other.load_state(&saved[1..]).is_err());
}
