//! Flat SAC learns Pendulum-v1 on a reduced budget: networks 64 wide, batch 64, 6000 steps (about
//! 10 s of one core in the optimised test profile on a quiet machine).
//!
//! Threshold: the mean return of 10 deterministic evaluation episodes from fixed initial states must
//! reach -400. On the same 10 states the untrained agent, zero torque and uniformly random torques
//! all score below -1000 (asserted here too): a pendulum that is not swung up and balanced costs
//! about 6 per step (-1200 per episode), so a mean of -400 needs swing-ups from nearly every state,
//! which no policy does by chance. The run is seeded and deterministic; seeds 0-5 reached -160 to
//! -240 when the test was written, so the threshold has room for a changed summation order.

use envs::{Env, Pendulum};
use extract::rl::agents::{SacAgent, SacConfig};
use extract::rl::train::{EVAL_SEED, TrainConfig, evaluate, to_env_action, train};
use tensor::rand::{Rng, SeedableRng, rngs::StdRng};

const EPISODES: usize = 10;
const THRESHOLD: f64 = -400.0;

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Mean return of a fixed open-loop torque rule on the evaluation states.
fn baseline(mut torque: impl FnMut() -> f32) -> f64 {
    let mut env = Pendulum::default();
    let returns: Vec<f64> = (0..EPISODES as u64)
        .map(|i| {
            env.reset(Some(EVAL_SEED + i));
            let mut total = 0.0;
            loop {
                let r = env.step(&to_env_action(&[torque()], env.action_space()));
                total += r.reward as f64;
                if r.done() {
                    return total;
                }
            }
        })
        .collect();
    mean(&returns)
}

#[test]
fn sac_learns_pendulum_on_a_small_budget() {
    let agent_cfg = SacConfig {
        policy_mid_dim: 64,
        policy_num_layers: 1,
        critic_mid_dim: 64,
        critic_num_layers: 1,
        batch_size: 64,
        policy_lr: 1e-3,
        critic_lr: 1e-3,
        alpha_lr: 1e-3,
        tau: 0.01,
        clip_q_target: false,
        ..SacConfig::default()
    };
    let cfg = TrainConfig {
        steps: 6_000,
        warmup_steps: 500,
        replay_capacity: 6_000,
        eval_every: 6_000,
        eval_episodes: EPISODES,
        eval_deterministic: true,
        ..TrainConfig::default()
    };
    let (mut env, mut eval_env) = (Pendulum::default(), Pendulum::default());
    let mut agent = SacAgent::new(3, 1, agent_cfg, 0);
    let untrained = mean(&evaluate(&mut agent, &mut eval_env, EPISODES, true));
    let mut rng = StdRng::seed_from_u64(1);
    let (zero, random) = (baseline(|| 0.0), baseline(|| rng.random_range(-1.0..=1.0)));
    println!("untrained {untrained:.1}, zero torque {zero:.1}, random {random:.1}");
    assert!(untrained < -1000.0 && zero < -1000.0 && random < -1000.0, "baselines must be clearly below the threshold");

    let summary = train(&mut agent, (&mut env, &mut eval_env), &cfg, 0, None, false).unwrap();
    let last = summary.evals.last().unwrap();
    println!("trained {:.1} after {} steps ({:.0} updates/s)", last.return_mean, last.step, summary.updates_per_s);
    assert_eq!((last.step, summary.updates), (6_000, 5_500));
    assert!(last.return_mean >= THRESHOLD, "SAC reached only {:.1} (threshold {THRESHOLD})", last.return_mean);
}
