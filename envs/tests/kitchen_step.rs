//! Kitchen stepping against D4RL's semantics on the real scene: action clipping and position bounds,
//! rewards and the completed list on hand-made states, termination, truncation, instability, replay
//! determinism, and the vectorised env equal to serial stepping.
use envs::kitchen::{INIT_QPOS, KitchenConfig, KitchenEnv, KitchenTask};
use envs::{Env, VecEnv};

fn config(tasks: &[KitchenTask], noise_ratio: f64) -> KitchenConfig {
    KitchenConfig { tasks: tasks.to_vec(), noise_ratio, ..KitchenConfig::default() }
}

fn noiseless() -> KitchenEnv {
    KitchenEnv::new(config(&KitchenTask::MIXED, 0.0)).unwrap()
}

/// `INIT_QPOS` with the given subtasks moved onto their goals.
fn state_with(tasks: &[KitchenTask]) -> Vec<f64> {
    let mut q = INIT_QPOS.to_vec();
    for t in tasks {
        q[t.indices()].copy_from_slice(t.goal());
    }
    q
}

/// A deterministic pseudo-random action sequence in [-1, 1]^9.
fn actions(steps: usize) -> Vec<[f32; 9]> {
    let mut x = 0x9e37_79b9_u32;
    (0..steps)
        .map(|_| {
            std::array::from_fn(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x % 2001) as f32 / 1000.0 - 1.0
            })
        })
        .collect()
}

#[test]
fn action_is_clipped_scaled_and_bounded() {
    let mut env = noiseless();
    env.reset(Some(0));
    assert_eq!(env.control(&[5.0; 9]), env.control(&[1.0; 9]));
    assert_eq!(env.control(&[-7.0; 9]), env.control(&[-1.0; 9]));
    let up = env.control(&[1.0; 9]);
    // joint 0: init + 2 rad/s * 0.08 s; fingers: 0.048 + 0.16 clipped to franka_config's 0.04.
    assert!((up[0] - (INIT_QPOS[0] + 0.16)).abs() < 1e-12);
    assert_eq!((up[7], up[8]), (0.04, 0.04));
    // joint 5 near its lower bound 0: a full negative action stops at the bound.
    let mut q = INIT_QPOS.to_vec();
    q[5] = 0.05;
    env.set_state(&q, &[0.0; 29]);
    let down = env.control(&[-1.0; 9]);
    assert_eq!(down[5], 0.0);
    assert!((down[0] - (INIT_QPOS[0] - 0.16)).abs() < 1e-12);
    assert_eq!(down[1], -1.8); // -1.768 - 0.16 passes joint 1's lower bound
    // clipped and unclipped actions step identically.
    let (mut a, mut b) = (noiseless(), noiseless());
    let ra = a.step(&[3.0, -3.0, 1.0, -1.0, 9.0, 0.5, -0.5, 2.0, -2.0]);
    let rb = b.step(&[1.0, -1.0, 1.0, -1.0, 1.0, 0.5, -0.5, 1.0, -1.0]);
    assert_eq!(ra, rb);
}

#[test]
fn completing_a_task_rewards_once_and_lists_it() {
    let mut env = noiseless();
    env.reset(Some(0));
    env.set_state(&state_with(&[KitchenTask::Microwave]), &[0.0; 29]);
    let out = env.step(&[0.0; 9]);
    assert_eq!(out.reward, 1.0);
    assert_eq!(out.info.newly_completed, vec![KitchenTask::Microwave]);
    assert_eq!(out.info.completed, vec![KitchenTask::Microwave]);
    assert!(!out.terminated && !out.truncated);
    let again = env.step(&[0.0; 9]);
    assert_eq!((again.reward, again.info.completed.len()), (0.0, 1));
}

#[test]
fn order_is_enforced_on_the_scene() {
    let mut env = noiseless();
    env.reset(Some(0));
    env.set_state(&state_with(&[KitchenTask::BottomBurner]), &[0.0; 29]);
    assert_eq!(env.step(&[0.0; 9]).reward, 0.0);
    let mut free = KitchenEnv::new(KitchenConfig { enforce_order: false, ..config(&KitchenTask::MIXED, 0.0) }).unwrap();
    free.set_state(&state_with(&[KitchenTask::BottomBurner]), &[0.0; 29]);
    let out = free.step(&[0.0; 9]);
    assert_eq!((out.reward, out.info.completed.clone()), (1.0, vec![KitchenTask::BottomBurner]));
}

#[test]
fn all_four_done_terminates_with_reward_four() {
    let mut env = noiseless();
    env.reset(Some(0));
    env.set_state(&state_with(&KitchenTask::MIXED), &[0.0; 29]);
    let out = env.step(&[0.0; 9]);
    assert_eq!(out.reward, 4.0);
    assert!(out.terminated && !out.truncated);
    assert_eq!(out.info.completed, KitchenTask::MIXED.to_vec());
    assert!(out.info.remaining.is_empty());
}

#[test]
fn time_limit_truncates() {
    let mut env = KitchenEnv::new(KitchenConfig { max_episode_steps: 3, ..config(&KitchenTask::MIXED, 0.0) }).unwrap();
    env.reset(Some(0));
    let flags: Vec<(bool, bool)> = (0..3).map(|_| env.step(&[0.0; 9])).map(|r| (r.terminated, r.truncated)).collect();
    assert_eq!(flags, [(false, false), (false, false), (false, true)]);
    assert_eq!(KitchenConfig::default().max_episode_steps, 280);
}

#[test]
fn instability_punishes_and_resets() {
    let mut env = noiseless();
    let (first, _) = env.reset(Some(0));
    env.step(&[0.3; 9]);
    let out = env.step(&[f32::NAN; 9]);
    assert_eq!((out.reward, out.terminated, out.info.unstable, out.info.step), (-100.0, true, true, 0));
    assert_eq!(out.obs, first);
    // A real blow-up: an absurd joint velocity makes MuJoCo flag the state and reset it.
    let mut q = vec![0.0; 29];
    q[0] = 1e30;
    env.set_state(&INIT_QPOS, &q);
    let out = env.step(&[0.0; 9]);
    assert!(out.info.unstable && out.terminated && out.reward == -100.0, "{out:?}");
    assert_eq!(out.obs, first);
}

#[test]
fn replaying_actions_reproduces_states() {
    let acts = actions(60);
    let run = |env: &mut KitchenEnv| -> Vec<Vec<f64>> {
        env.reset(Some(7));
        acts.iter().map(|a| (env.step(a), env.sim().qpos().to_vec()).1).collect()
    };
    let mut env = noiseless();
    let first = run(&mut env);
    assert_eq!(first, run(&mut env), "same env, noise off");
    assert_eq!(first, run(&mut noiseless()), "fresh env, noise off");
    // the arm really moved
    assert!((first[59][0] - INIT_QPOS[0]).abs() > 0.05, "{}", first[59][0]);
    let mut noisy = KitchenEnv::new(KitchenConfig::default()).unwrap();
    let a = run(&mut noisy);
    assert_eq!(a, run(&mut noisy), "noise on, same seed");
}

#[test]
fn vec_env_equals_serial_stepping() {
    let cfg = KitchenConfig::default();
    let model = KitchenEnv::load_model(&cfg).unwrap();
    let make = || (0..3).map(|_| KitchenEnv::with_model(&model, cfg.clone()).unwrap()).collect::<Vec<_>>();
    let mut serial = make();
    let mut vec = VecEnv::with_threads(make(), 2);
    let obs = vec.reset(Some(100));
    for (i, env) in serial.iter_mut().enumerate() {
        assert_eq!(env.reset(Some(100 + i as u64)).0, obs[i].0);
    }
    for a in actions(15) {
        let flat: Vec<f32> = (0..3).flat_map(|i| a.map(|v| v * (1.0 - 0.3 * i as f32))).collect();
        let out = vec.step(&flat);
        for (i, env) in serial.iter_mut().enumerate() {
            assert_eq!(env.step(&flat[9 * i..9 * i + 9]), out[i]);
        }
    }
}

#[test]
fn a_saved_state_continues_the_episode_bit_for_bit() {
    let acts = actions(80);
    let mut env = KitchenEnv::new(KitchenConfig::default()).unwrap();
    env.reset(Some(3));
    // Into the episode (noise on, a warm solver), then save and keep going.
    acts[..40].iter().for_each(|a| drop(env.step(a)));
    let saved = env.save_state().expect("the kitchen saves its state");
    let straight: Vec<_> = acts[40..].iter().map(|a| env.step(a)).collect();
    // A fresh env, somewhere else in its own episode, restored from the bytes.
    let mut other = KitchenEnv::new(KitchenConfig::default()).unwrap();
    other.reset(Some(99));
    other.step(&acts[0]);
    other.load_state(&saved).unwrap();
    let resumed: Vec<_> = acts[40..].iter().map(|a| other.step(a)).collect();
    assert_eq!(straight, resumed);
    assert_eq!(env.sim().qvel(), other.sim().qvel());
    // The task bookkeeping travels too: a state with the microwave done restores it as done.
    let mut done = noiseless();
    done.reset(Some(0));
    done.set_state(&state_with(&[KitchenTask::Microwave]), &[0.0; 29]);
    assert_eq!(done.step(&[0.0; 9]).reward, 1.0);
    let mut copy = noiseless();
    copy.load_state(&done.save_state().unwrap()).unwrap();
    assert_eq!(copy.progress().completed(), &[KitchenTask::Microwave]);
    // Bytes that are not a kitchen state are refused, and the env is left as it was.
    let before = copy.save_state().unwrap();
    let err = copy.load_state(&saved[..saved.len() - 3]).unwrap_err().to_string();
    assert!(err.contains("the kitchen state") && err.contains("ends early"), "{err}");
    assert_eq!(copy.save_state().unwrap(), before);
}
