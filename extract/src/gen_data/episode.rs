//! One generated episode: the scripted demonstrator chains its subtasks in a kitchen env with D4RL's
//! semantics; every step's observation, action, reward, simulator state and ground-truth subtask is
//! kept, and the logged states are rendered afterwards (as EXTRACT renders D4RL's states).
use envs::dataset::{Episode, NO_SUBTASK};
use envs::kitchen::scripted::{ScriptRandomization, ScriptedAgent};
use envs::kitchen::{KitchenConfig, KitchenEnv, KitchenTask, TaskProgress};
use envs::mujoco::{Model, Renderer};
use envs::{Env, EnvError};

/// What a worker needs to run episodes (one per thread).
pub struct Worker {
    env: KitchenEnv,
    renderer: Option<Renderer>,
    randomization: ScriptRandomization,
    max_steps: usize,
}

/// One finished attempt.
pub struct Attempt {
    pub episode: Episode,
    /// Subtasks of the order achieved (distance < 0.3 on the observation at some step), in order.
    pub completed: Vec<KitchenTask>,
    /// Steps the demonstrator spent on each subtask of its order (approach and home phase included).
    pub steps_per_task: Vec<usize>,
    /// MuJoCo went unstable (the attempt is unusable).
    pub unstable: bool,
}

impl Attempt {
    pub fn succeeded(&self, order: &[KitchenTask]) -> bool {
        !self.unstable && self.completed.len() == order.len()
    }
}

impl Worker {
    /// An env on the shared `model` (see `recording_config`), and a renderer of `frame_size` pixels
    /// when frames are wanted.
    pub fn new(
        model: &Model,
        base: &KitchenConfig,
        frame_size: Option<usize>,
        randomization: ScriptRandomization,
        max_steps: usize,
    ) -> Result<Self, EnvError> {
        let env = KitchenEnv::with_model(model, recording_config(base, max_steps))?;
        let renderer = match frame_size {
            Some(s) => Some(Renderer::new(model, s, s, envs::mujoco::FreeCamera::D4RL_KITCHEN)?),
            None => None,
        };
        Ok(Worker { env, renderer, randomization, max_steps })
    }

    /// Runs the demonstrator on `order` with `seed` (observation noise and script randomisation).
    pub fn run(&mut self, order: &[KitchenTask], seed: u64) -> Result<Attempt, EnvError> {
        let (mut obs, _) = self.env.reset(Some(seed));
        let mut agent = ScriptedAgent::new(&self.env, order, &self.randomization, seed)?;
        let mut own = TaskProgress::new(order, false);
        let mut ep = Episode::default();
        let mut steps_per_task = vec![0; order.len()];
        let mut unstable = false;
        for _ in 0..self.max_steps {
            ep.observations.extend_from_slice(&obs);
            ep.qpos.extend_from_slice(self.env.sim().qpos());
            ep.qvel.extend_from_slice(self.env.sim().qvel());
            let action = agent.act(&self.env, &obs);
            // Read after `act`: the subtask this action serves (`None` for the final hold).
            let label = agent.current_task();
            ep.subtask.push(label.map_or(NO_SUBTASK, task_index));
            if let Some(k) = label.and_then(|t| order.iter().position(|o| *o == t)) {
                steps_per_task[k] += 1;
            }
            let step = self.env.step(&action);
            ep.actions.extend_from_slice(&action);
            ep.rewards.push(step.reward);
            if step.info.unstable {
                unstable = true;
                break;
            }
            let qpos: Vec<f64> = step.obs[..30].iter().map(|v| *v as f64).collect();
            own.update(&qpos);
            obs = step.obs;
            if agent.finished() {
                break;
            }
        }
        ep.truncated = !agent.finished();
        if let Some(r) = self.renderer.as_mut() {
            let nq = 30;
            ep.frames.reserve(ep.len() * r.width() * r.height() * 3);
            for q in ep.qpos.chunks_exact(nq) {
                ep.frames.extend_from_slice(&r.render_qpos(q)?);
            }
        }
        Ok(Attempt { episode: ep, completed: own.completed().to_vec(), steps_per_task, unstable })
    }
}

/// The env settings episodes are recorded with: `base`'s scene, noise and physics, scoring D4RL
/// kitchen-mixed's target subtasks in any order (as D4RL's data is rewarded), never terminating early.
pub fn recording_config(base: &KitchenConfig, max_steps: usize) -> KitchenConfig {
    KitchenConfig {
        tasks: KitchenTask::MIXED.to_vec(),
        enforce_order: false,
        terminate_on_tasks_completed: false,
        max_episode_steps: max_steps,
        ..base.clone()
    }
}

/// Index of `task` in `KitchenTask::ALL` (the `infos/subtask` label).
pub fn task_index(task: KitchenTask) -> u8 {
    KitchenTask::ALL.iter().position(|t| *t == task).expect("ALL lists every task") as u8
}
