//! The scripted kitchen controllers: every subtask's script succeeds from reset on fixed seeds (with
//! D4RL's observation noise and the data set's randomisation), and a chained episode is a deterministic
//! function of its seed. Success rates over many attempts are measured by `examples/scripted_eval.rs`.
use envs::Env;
use envs::kitchen::{KitchenConfig, KitchenEnv, KitchenTask, ScriptRandomization, ScriptedAgent};
use envs::mujoco::Model;

/// Step budget for one subtask from reset (the scripts take ≈50–150).
const BUDGET: usize = 250;

fn env(model: &Model, tasks: &[KitchenTask]) -> KitchenEnv {
    let cfg = KitchenConfig { tasks: tasks.to_vec(), max_episode_steps: 1000, ..KitchenConfig::default() };
    KitchenEnv::with_model(model, cfg).unwrap()
}

/// Runs the script of `tasks` with `seed`; returns the actions, the final `qpos` and the completed tasks.
fn run(model: &Model, tasks: &[KitchenTask], seed: u64, steps: usize) -> (Vec<[f32; 9]>, Vec<f64>, Vec<KitchenTask>) {
    let mut env = env(model, tasks);
    let (mut obs, _) = env.reset(Some(seed));
    let mut agent = ScriptedAgent::new(&env, tasks, &ScriptRandomization::default(), seed).unwrap();
    let (mut actions, mut completed) = (Vec::new(), Vec::new());
    for _ in 0..steps {
        let action = agent.act(&env, &obs);
        let r = env.step(&action);
        actions.push(action);
        obs = r.obs;
        completed = r.info.completed;
        if r.terminated || r.truncated {
            break;
        }
    }
    (actions, env.sim().qpos().to_vec(), completed)
}

#[test]
fn each_subtask_succeeds_from_reset() {
    let model = KitchenEnv::load_model(&KitchenConfig::default()).unwrap();
    let model = &model;
    // Two threads: the 14 attempts take a few seconds each way.
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = [0..4, 4..7]
            .into_iter()
            .map(|range| {
                s.spawn(move || {
                    let mut failures = Vec::new();
                    for task in &KitchenTask::ALL[range] {
                        for seed in [1, 2] {
                            let (actions, qpos, completed) = run(model, &[*task], seed, BUDGET);
                            if completed != [*task] {
                                let dist = task.distance(&qpos);
                                failures
                                    .push(format!("{task} seed {seed}: {} steps, distance {dist:.2}", actions.len()));
                            }
                        }
                    }
                    failures
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert!(failures.is_empty(), "scripts failed: {failures:?}");
}

#[test]
fn chained_episode_is_deterministic_given_its_seed() {
    let model = KitchenEnv::load_model(&KitchenConfig::default()).unwrap();
    let tasks = [KitchenTask::LightSwitch, KitchenTask::BottomBurner];
    let (a1, q1, c1) = run(&model, &tasks, 7, 90);
    let (a2, q2, c2) = run(&model, &tasks, 7, 90);
    assert_eq!(a1, a2);
    assert_eq!(q1, q2);
    assert_eq!(c1, c2);
    let (a3, _, _) = run(&model, &tasks, 8, 90);
    assert_ne!(a1, a3, "another seed must give another trajectory");
    assert!(a1.iter().flatten().all(|a| a.is_finite() && a.abs() <= 1.0));
}

#[test]
fn labels_follow_the_chain() {
    let model = KitchenEnv::load_model(&KitchenConfig::default()).unwrap();
    let tasks = [KitchenTask::LightSwitch, KitchenTask::Microwave];
    let mut env = env(&model, &tasks);
    let (mut obs, _) = env.reset(Some(3));
    let mut agent = ScriptedAgent::new(&env, &tasks, &ScriptRandomization::none(), 3).unwrap();
    let mut labels = Vec::new();
    while !agent.finished() && labels.len() < 2 * BUDGET {
        let action = agent.act(&env, &obs);
        labels.push(agent.current_task());
        obs = env.step(&action).obs;
    }
    assert!(agent.finished(), "the chain did not finish in {} steps", labels.len());
    assert_eq!(agent.current_task(), None);
    // Labels run light switch, then microwave, each as one contiguous block; the action that ends the
    // chain (a hold) belongs to no subtask.
    let switch = labels.iter().position(|l| *l == Some(KitchenTask::Microwave)).unwrap();
    assert!(switch > 0 && labels[..switch].iter().all(|l| *l == Some(KitchenTask::LightSwitch)));
    let (last, body) = labels[switch..].split_last().unwrap();
    assert!(body.iter().all(|l| *l == Some(KitchenTask::Microwave)));
    assert_eq!(*last, None);
    assert_eq!(env.progress().completed(), &tasks);
}
