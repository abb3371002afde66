//! Success rates and pace of the scripted kitchen controllers, with D4RL's observation noise.
//!
//! Per subtask: N randomised attempts, each started from a state where it occurs in the data — from
//! reset, or after 1–3 other subtasks scripted before it (a quarter each). Then random 4-subtask chains
//! with the env's own semantics (enforced order, terminated when all 4 are done). Both cores are used
//! (one env per thread, sharing the compiled model).
//!
//! `cargo run --release -p envs --example scripted_eval -- [--trials 100] [--chains 10] [--orders 8]
//!  [--tasks kettle,microwave] [--noise 0.1] [--no-write]`
//!
//! Writes `results/kitchen/scripted_eval.{json,md}` unless `--no-write`.
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

use envs::kitchen::{KitchenConfig, KitchenEnv, KitchenTask, ScriptRandomization, ScriptedAgent};
use envs::mujoco::Model;
use envs::{Env, EnvError};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// Step budget of one subtask attempt (after its predecessors), and of a whole chain.
const TASK_BUDGET: usize = 400;
const CHAIN_BUDGET: usize = 1200;

struct Args {
    trials: usize,
    chains: usize,
    orders: usize,
    tasks: Vec<KitchenTask>,
    noise: f64,
    write: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args =
        Args { trials: 100, chains: 10, orders: 8, tasks: KitchenTask::ALL.to_vec(), noise: 0.1, write: true };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let num = |v: String| v.parse::<f64>().map_err(|_| format!("{flag}: {v:?} is not a number"));
        match flag.as_str() {
            "--trials" => args.trials = num(value()?)? as usize,
            "--chains" => args.chains = num(value()?)? as usize,
            "--orders" => args.orders = num(value()?)? as usize,
            "--noise" => args.noise = num(value()?)?,
            "--tasks" => {
                args.tasks = value()?
                    .split(',')
                    .map(|t| t.parse().map_err(|e: EnvError| e.to_string()))
                    .collect::<Result<_, _>>()?
            }
            "--no-write" => args.write = false,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

/// The outcome of one subtask attempt.
#[derive(Clone, Debug)]
struct Attempt {
    task: KitchenTask,
    prefix: Vec<KitchenTask>,
    /// Steps from the start of the subtask (its home/approach included) until it was credited.
    success_step: Option<usize>,
    /// Steps until its script ended.
    script_steps: usize,
    /// Smallest distance to the goal seen, and the distance at the end.
    min_dist: f64,
    final_dist: f64,
}

fn config(tasks: &[KitchenTask], noise: f64, ordered: bool, max_steps: usize) -> KitchenConfig {
    KitchenConfig {
        tasks: tasks.to_vec(),
        enforce_order: ordered,
        terminate_on_tasks_completed: ordered,
        noise_ratio: noise,
        max_episode_steps: max_steps,
        ..KitchenConfig::default()
    }
}

/// Scripts `prefix` then `task` and measures `task`.
fn attempt(model: &Model, task: KitchenTask, prefix: &[KitchenTask], seed: u64, noise: f64) -> Attempt {
    let chain: Vec<KitchenTask> = prefix.iter().copied().chain([task]).collect();
    let mut env = KitchenEnv::with_model(model, config(&chain, noise, false, 100_000)).expect("kitchen env");
    let (mut obs, _) = env.reset(Some(seed));
    let mut agent = ScriptedAgent::new(&env, &chain, &ScriptRandomization::default(), seed).expect("agent");
    let mut out = Attempt {
        task,
        prefix: prefix.to_vec(),
        success_step: None,
        script_steps: 0,
        min_dist: f64::INFINITY,
        final_dist: f64::INFINITY,
    };
    let (mut total, mut steps) = (0, 0);
    while !agent.finished() && steps < TASK_BUDGET && total < CHAIN_BUDGET + TASK_BUDGET {
        let on_task = agent.current_task() == Some(task);
        let action = agent.act(&env, &obs);
        let r = env.step(&action);
        obs = r.obs;
        total += 1;
        if !on_task {
            continue;
        }
        steps += 1;
        let qpos: Vec<f64> = obs[..30].iter().map(|v| *v as f64).collect();
        out.final_dist = task.distance(&qpos);
        out.min_dist = out.min_dist.min(out.final_dist);
        if out.success_step.is_none() && r.info.completed.contains(&task) {
            out.success_step = Some(steps);
        }
    }
    out.script_steps = steps;
    out
}

/// The outcome of one chain: steps at which each subtask was credited; `None` where it was not.
fn chain(model: &Model, order: &[KitchenTask], seed: u64, noise: f64) -> Vec<Option<usize>> {
    let mut env = KitchenEnv::with_model(model, config(order, noise, true, CHAIN_BUDGET)).expect("kitchen env");
    let (mut obs, _) = env.reset(Some(seed));
    let mut agent = ScriptedAgent::new(&env, order, &ScriptRandomization::default(), seed).expect("agent");
    let mut done = vec![None; order.len()];
    for step in 1..=CHAIN_BUDGET {
        let r = env.step(&agent.act(&env, &obs));
        obs = r.obs;
        for t in &r.info.newly_completed {
            if let Some(i) = order.iter().position(|o| o == t) {
                done[i] = Some(step);
            }
        }
        if r.terminated || r.truncated || agent.finished() {
            break;
        }
    }
    done
}

/// Runs `jobs` on two threads (each job builds its own env on the shared model).
fn parallel<J: Sync, R: Send>(jobs: &[J], f: impl Fn(&J) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 2);
    let mut out: Vec<Option<R>> = (0..jobs.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let f = &f;
                s.spawn(move || {
                    jobs.iter().enumerate().skip(t).step_by(threads).map(|(i, j)| (i, f(j))).collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (i, r) in h.join().expect("worker thread") {
                out[i] = Some(r);
            }
        }
    });
    out.into_iter().map(|r| r.expect("every job ran")).collect()
}

fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() { f64::NAN } else { xs.iter().sum::<f64>() / xs.len() as f64 }
}

/// The commonest way the failed attempts ended, in words.
fn main_failure(fails: &[&Attempt]) -> String {
    if fails.is_empty() {
        return "none".into();
    }
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for a in fails {
        let kind = if a.script_steps >= TASK_BUDGET { "out of steps" } else { "script ended short" };
        *kinds.entry(kind.to_string()).or_default() += 1;
    }
    let (kind, n) = kinds.iter().max_by_key(|(_, n)| **n).map(|(k, n)| (k.clone(), *n)).unwrap_or_default();
    let min = mean(&fails.iter().map(|a| a.min_dist).collect::<Vec<_>>());
    let prefixes: Vec<String> = fails.iter().filter(|a| !a.prefix.is_empty()).map(|a| prefix_name(&a.prefix)).collect();
    format!("{kind} ({n}/{}), mean closest dist {min:.2}; after: [{}]", fails.len(), prefixes.join("; "))
}

fn prefix_name(p: &[KitchenTask]) -> String {
    p.iter().map(|t| t.name()).collect::<Vec<_>>().join("→")
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("scripted_eval: {e}");
            std::process::exit(2);
        }
    };
    let model = KitchenEnv::load_model(&KitchenConfig::default()).unwrap_or_else(|e| {
        eprintln!("scripted_eval: {e}");
        std::process::exit(1);
    });
    let start = Instant::now();
    // Attempts: a quarter each from reset and after 1, 2, 3 other subtasks.
    let mut rng = StdRng::seed_from_u64(2024);
    let mut jobs = Vec::new();
    for (ti, &task) in args.tasks.iter().enumerate() {
        for k in 0..args.trials {
            let mut others: Vec<KitchenTask> = KitchenTask::ALL.into_iter().filter(|t| *t != task).collect();
            others.shuffle(&mut rng);
            others.truncate(k % 4);
            jobs.push((task, others, 1000 * ti as u64 + k as u64));
        }
    }
    let attempts = parallel(&jobs, |(task, prefix, seed)| attempt(&model, *task, prefix, *seed, args.noise));
    let mut md = String::new();
    let mut json_tasks = Vec::new();
    let _ = writeln!(md, "### Per subtask ({} attempts each, observation noise {})\n", args.trials, args.noise);
    let _ = writeln!(md, "| subtask | success | mean steps to success | max | mean script steps | main failure |");
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    let mut all_steps = Vec::new();
    for &task in &args.tasks {
        let mine: Vec<&Attempt> = attempts.iter().filter(|a| a.task == task).collect();
        let ok: Vec<f64> = mine.iter().filter_map(|a| a.success_step.map(|s| s as f64)).collect();
        let script = mean(&mine.iter().map(|a| a.script_steps as f64).collect::<Vec<_>>());
        let fails: Vec<&Attempt> = mine.iter().copied().filter(|a| a.success_step.is_none()).collect();
        let max = ok.iter().copied().fold(0.0, f64::max);
        all_steps.push(mean(&ok));
        let failure = main_failure(&fails);
        let _ = writeln!(
            md,
            "| {} | {}/{} | {:.0} | {:.0} | {:.0} | {} |",
            task.name(),
            ok.len(),
            mine.len(),
            mean(&ok),
            max,
            script,
            failure
        );
        json_tasks.push(serde_json::json!({
            "task": task.name(), "success": ok.len(), "attempts": mine.len(),
            "mean_steps_to_success": mean(&ok), "max_steps_to_success": max, "mean_script_steps": script,
            "main_failure": failure,
        }));
    }
    let _ = writeln!(md, "\nMean over subtasks of the mean steps to success: {:.0}\n", mean(&all_steps));
    // Chains: random orders of 4 distinct subtasks.
    let mut json_chains = Vec::new();
    if args.chains > 0 && args.orders > 0 {
        let orders: Vec<Vec<KitchenTask>> = (0..args.orders)
            .map(|_| {
                let mut all = KitchenTask::ALL.to_vec();
                all.shuffle(&mut rng);
                all.truncate(4);
                all
            })
            .collect();
        let jobs: Vec<(usize, u64)> = (0..args.orders)
            .flat_map(|o| (0..args.chains).map(move |c| (o, 500_000 + 1000 * o as u64 + c as u64)))
            .collect();
        let results = parallel(&jobs, |(o, seed)| chain(&model, &orders[*o], *seed, args.noise));
        let _ = writeln!(md, "### Chains of 4 ({} episodes per order, enforced order)\n", args.chains);
        let _ = writeln!(md, "| order | all 4 | per subtask | mean steps (all 4 done) | max |");
        let _ = writeln!(md, "|---|---|---|---|---|");
        for (o, order) in orders.iter().enumerate() {
            let mine: Vec<&Vec<Option<usize>>> =
                jobs.iter().zip(&results).filter(|((oo, _), _)| *oo == o).map(|(_, r)| r).collect();
            let full: Vec<f64> = mine.iter().filter_map(|r| r[3].map(|s| s as f64)).collect();
            let per: Vec<String> = (0..4).map(|i| mine.iter().filter(|r| r[i].is_some()).count().to_string()).collect();
            let max = full.iter().copied().fold(0.0, f64::max);
            let _ = writeln!(
                md,
                "| {} | {}/{} | {} | {:.0} | {:.0} |",
                prefix_name(order),
                full.len(),
                mine.len(),
                per.join("/"),
                mean(&full),
                max
            );
            json_chains.push(serde_json::json!({
                "order": order.iter().map(|t| t.name()).collect::<Vec<_>>(), "all_done": full.len(),
                "episodes": mine.len(), "per_task_done": per, "mean_steps_all_done": mean(&full), "max_steps": max,
            }));
        }
    }
    let _ = writeln!(md, "\n({:.0} s on {} threads)", start.elapsed().as_secs_f64(), 2);
    print!("{md}");
    if args.write {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../results/kitchen"));
        let json = serde_json::json!({ "noise_ratio": args.noise, "trials": args.trials, "subtasks": json_tasks, "chains": json_chains });
        let written = std::fs::create_dir_all(dir)
            .and_then(|_| std::fs::write(dir.join("scripted_eval.json"), format!("{json:#}\n")))
            .and_then(|_| std::fs::write(dir.join("scripted_eval.md"), &md));
        if let Err(e) = written {
            eprintln!("scripted_eval: cannot write {}: {e}", dir.display());
            std::process::exit(1);
        }
    }
}
