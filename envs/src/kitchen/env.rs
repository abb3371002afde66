//! `KitchenEnv`: D4RL's `KitchenMicrowaveKettleBottomBurnerLightV0` step, observation and reward on the
//! gymnasium-robotics scene, with EXTRACT's enforced task order and SPiRL's instability handling.
//!
//! One step: clip the action to [−1, 1]^9, scale by 2 (joint velocities, rad/s), clip to the velocity
//! bounds, integrate over dt = frame_skip · timestep from the last *observed* (noisy) robot qpos, clip to
//! the position bounds of `franka_config.xml`, send as position targets, run `frame_skip` physics steps.
use rand::{Rng, SeedableRng};

use super::{FrankaConfig, KitchenConfig, KitchenTask, TaskProgress, goal_vector};
use crate::env::check_action_len;
use crate::mujoco::{Model, Sim};
use crate::snapshot::{StateReader, StateRng, StateWriter};
use crate::{BoxSpace, Env, EnvError, StepResult};

/// Robot joints (7 arm + 2 fingers), object elements, and the whole `qpos`.
const N_ROBOT: usize = 9;
const NQ: usize = 30;
const NV: usize = 29;
/// D4RL's `act_amp`: an action of 1 asks for 2 rad/s.
const ACT_AMP: f64 = 2.0;
/// D4RL's observation bounds (`KitchenV0.observation_space`).
const OBS_BOUND: f32 = 8.0;

/// D4RL's hard-coded reset `qpos` (`KitchenV0.init_qpos`, also gymnasium-robotics' FrankaKitchen-v1).
pub const INIT_QPOS: [f64; NQ] = [
    1.48388023e-01,
    -1.76848573e+00,
    1.84390296e+00,
    -2.47685760e+00,
    2.60252026e-01,
    7.12533105e-01,
    1.59515394e+00,
    4.79267505e-02,
    3.71350919e-02,
    -2.66279850e-04,
    -5.18043486e-05,
    3.12877220e-05,
    -4.51199853e-05,
    -3.90842156e-06,
    -4.22629655e-05,
    6.28065475e-05,
    4.04984708e-05,
    4.62730939e-04,
    -2.26906415e-04,
    -4.65501369e-04,
    -6.44129196e-03,
    -1.77048263e-03,
    1.08009684e-03,
    -2.69397440e-01,
    3.50383255e-01,
    1.61944683e+00,
    1.00618764e+00,
    4.06395120e-03,
    -6.62095997e-03,
    -2.68278933e-04,
];

/// Per-step information (Gymnasium's `info`).
#[derive(Clone, Debug, PartialEq)]
pub struct KitchenInfo {
    /// Subtasks done so far this episode, in the order they were credited (EXTRACT's `completed_tasks`).
    pub completed: Vec<KitchenTask>,
    /// Subtasks credited by this step (the reward is their count).
    pub newly_completed: Vec<KitchenTask>,
    /// Subtasks still to do, in order.
    pub remaining: Vec<KitchenTask>,
    /// MuJoCo went unstable during this step; the env was reset and `obs` is the new episode's first.
    pub unstable: bool,
    /// Steps taken in the current episode.
    pub step: usize,
}

/// Franka Kitchen (60-d observation = 30 noisy `qpos` ++ 30-d goal vector; 9-d action).
pub struct KitchenEnv {
    sim: Sim,
    cfg: KitchenConfig,
    franka: FrankaConfig,
    goal: [f64; NQ],
    progress: TaskProgress,
    /// The robot part of the last observation: the base that actions integrate from (as in D4RL).
    last_robot_qpos: [f64; N_ROBOT],
    rng: StateRng,
    steps: usize,
    obs_space: BoxSpace,
    act_space: BoxSpace,
}

impl KitchenEnv {
    /// Loads the scene of `cfg.assets_dir` and builds the env (the model is not shared).
    pub fn new(cfg: KitchenConfig) -> Result<Self, EnvError> {
        let model = Self::load_model(&cfg)?;
        Self::with_model(&model, cfg)
    }

    /// Compiles the kitchen scene named by `cfg`, for sharing between several envs.
    pub fn load_model(cfg: &KitchenConfig) -> Result<Model, EnvError> {
        Model::from_xml(&cfg.model_path())
    }

    /// An env on an already compiled kitchen `model` (checked: nq 30, nv 29, actuator i drives qpos i).
    pub fn with_model(model: &Model, cfg: KitchenConfig) -> Result<Self, EnvError> {
        check_model(model)?;
        check_config(&cfg)?;
        let franka = FrankaConfig::load(&cfg.franka_config_path(), NQ)?;
        let mut env = KitchenEnv {
            sim: Sim::new(model),
            goal: goal_vector(&cfg.tasks),
            progress: TaskProgress::new(&cfg.tasks, cfg.enforce_order),
            franka,
            last_robot_qpos: [0.0; N_ROBOT],
            rng: StateRng::from_os_rng(),
            steps: 0,
            obs_space: BoxSpace::uniform(2 * NQ, -OBS_BOUND, OBS_BOUND),
            act_space: BoxSpace::uniform(N_ROBOT, -1.0, 1.0),
            cfg,
        };
        env.reset_state();
        Ok(env)
    }

    pub fn config(&self) -> &KitchenConfig {
        &self.cfg
    }

    /// The simulation (read-only: positions, sites, time).
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// The robot's position/velocity bounds and observation noise (`franka_config.xml`).
    pub fn franka(&self) -> &FrankaConfig {
        &self.franka
    }

    /// The task bookkeeping of the current episode.
    pub fn progress(&self) -> &TaskProgress {
        &self.progress
    }

    /// Seconds of simulated time per env step (`frame_skip · timestep`, 0.08 s by default).
    pub fn dt(&self) -> f64 {
        self.cfg.frame_skip as f64 * self.sim.model().timestep()
    }

    /// Puts the simulation in state (`qpos` 30, `qvel` 29) without touching the task progress, and
    /// returns a fresh observation, which also becomes the base for the next action (for replaying
    /// logged states and for tests).
    pub fn set_state(&mut self, qpos: &[f64], qvel: &[f64]) -> Vec<f32> {
        self.sim.set_state(qpos, qvel);
        let noisy = self.observe_qpos();
        self.obs_vector(&noisy)
    }

    /// The position targets for `action`: D4RL's `ctrl_velocity_limits` then `ctrl_position_limits`.
    pub fn control(&self, action: &[f32]) -> [f64; N_ROBOT] {
        let dt = self.dt();
        std::array::from_fn(|i| {
            let [vlo, vhi] = self.franka.vel_bound[i];
            let [plo, phi] = self.franka.pos_bound[i];
            let velocity = (ACT_AMP * (action[i] as f64).clamp(-1.0, 1.0)).clamp(vlo, vhi);
            (self.last_robot_qpos[i] + velocity * dt).clamp(plo, phi)
        })
    }

    /// Back to D4RL's initial state (zero velocity), a fresh task list, and the first observation.
    fn reset_state(&mut self) -> Vec<f32> {
        self.sim.reset();
        self.sim.set_state(&INIT_QPOS, &[0.0; NV]);
        self.progress = TaskProgress::new(&self.cfg.tasks, self.cfg.enforce_order);
        self.steps = 0;
        let noisy = self.observe_qpos();
        self.obs_vector(&noisy)
    }

    /// `qpos` plus observation noise; its robot part becomes the base of the next action.
    fn observe_qpos(&mut self) -> [f64; NQ] {
        let qpos = self.sim.qpos();
        let ratio = self.cfg.noise_ratio;
        let noisy: [f64; NQ] = std::array::from_fn(|i| {
            let noise = if ratio == 0.0 { 0.0 } else { self.rng.random_range(-1.0..1.0) };
            qpos[i] + ratio * self.franka.pos_noise_amp[i] * noise
        });
        self.last_robot_qpos.copy_from_slice(&noisy[..N_ROBOT]);
        noisy
    }

    fn obs_vector(&self, noisy_qpos: &[f64; NQ]) -> Vec<f32> {
        noisy_qpos.iter().chain(&self.goal).map(|v| *v as f32).collect()
    }

    fn info(&self, newly_completed: Vec<KitchenTask>, unstable: bool) -> KitchenInfo {
        KitchenInfo {
            completed: self.progress.completed().to_vec(),
            newly_completed,
            remaining: self.progress.remaining().to_vec(),
            unstable,
            step: self.steps,
        }
    }

    /// SPiRL's `GymEnv.step` on a MuJoCo exception: reset, punish, end the episode.
    fn unstable_step(&mut self) -> StepResult<KitchenInfo> {
        let obs = self.reset_state();
        StepResult {
            obs,
            reward: self.cfg.punish_reward,
            terminated: true,
            truncated: false,
            info: self.info(vec![], true),
        }
    }
}

/// Rejects settings that would break the episode logic, naming the offending value.
fn check_config(cfg: &KitchenConfig) -> Result<(), EnvError> {
    let bad = |msg: String| Err(EnvError::Config(msg));
    if cfg.tasks.is_empty() {
        return bad("the task list is empty".into());
    }
    if let Some(t) = cfg.tasks.iter().enumerate().find_map(|(i, t)| cfg.tasks[..i].contains(t).then_some(t)) {
        return bad(format!("task {t:?} is listed twice"));
    }
    if cfg.frame_skip == 0 || cfg.max_episode_steps == 0 {
        return bad(format!(
            "frame_skip {} and max_episode_steps {} must be > 0",
            cfg.frame_skip, cfg.max_episode_steps
        ));
    }
    if !(cfg.noise_ratio >= 0.0 && cfg.noise_ratio.is_finite()) {
        return bad(format!("noise_ratio {} must be finite and >= 0", cfg.noise_ratio));
    }
    Ok(())
}

/// Checks that `model` has the kitchen's layout, so that indices into `qpos` mean what the tasks expect.
fn check_model(model: &Model) -> Result<(), EnvError> {
    let (nq, nv, nu) = (model.nq(), model.nv(), model.nu());
    if (nq, nv, nu) != (NQ, NV, N_ROBOT) {
        let msg = format!("not the kitchen scene: nq {nq}, nv {nv}, nu {nu} (expected 30, 29, 9)");
        return Err(EnvError::invalid(model.path(), msg));
    }
    let drives: Vec<Option<usize>> = model.actuator_qpos_addresses();
    if drives.iter().enumerate().any(|(i, q)| *q != Some(i)) {
        let msg = format!("actuator i must drive qpos i for the 9 robot joints; found {drives:?}");
        return Err(EnvError::invalid(model.path(), msg));
    }
    Ok(())
}

impl Env for KitchenEnv {
    type Info = KitchenInfo;

    fn observation_space(&self) -> &BoxSpace {
        &self.obs_space
    }

    fn action_space(&self) -> &BoxSpace {
        &self.act_space
    }

    fn reset(&mut self, seed: Option<u64>) -> (Vec<f32>, KitchenInfo) {
        if let Some(seed) = seed {
            self.rng = StateRng::seed_from_u64(seed);
        }
        let obs = self.reset_state();
        (obs, self.info(vec![], false))
    }

    fn step(&mut self, action: &[f32]) -> StepResult<KitchenInfo> {
        check_action_len("KitchenEnv", action, N_ROBOT);
        // mujoco-py raised on NaN controls too; SPiRL treats every MuJoCo exception alike.
        if action.iter().any(|a| !a.is_finite()) {
            return self.unstable_step();
        }
        let ctrl = self.control(action);
        self.sim.set_ctrl(&ctrl);
        if !self.sim.step(self.cfg.frame_skip) {
            return self.unstable_step();
        }
        self.steps += 1;
        let noisy = self.observe_qpos();
        // D4RL judges the subtasks on the noisy observation, not on the true state.
        let newly = self.progress.update(&noisy);
        let reward = newly.len() as f32;
        let terminated = self.cfg.terminate_on_tasks_completed && self.progress.all_done();
        let truncated = self.steps >= self.cfg.max_episode_steps;
        StepResult { obs: self.obs_vector(&noisy), reward, terminated, truncated, info: self.info(newly, false) }
    }

    /// `integration state f64[] | last robot qpos f64[9] | steps u64 | completed task ids u64[] | rng`.
    fn save_state(&self) -> Option<Vec<u8>> {
        let mut w = StateWriter::default();
        w.f64s(&self.sim.integration_state());
        w.f64s(&self.last_robot_qpos);
        w.usize(self.steps);
        let id = |t: &KitchenTask| KitchenTask::ALL.iter().position(|a| a == t).unwrap_or(usize::MAX);
        let ids: Vec<usize> = self.progress.completed().iter().map(id).collect();
        w.usize(ids.len());
        ids.iter().for_each(|&i| w.usize(i));
        w.rng(&self.rng);
        Some(w.0)
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<(), EnvError> {
        let mut r = StateReader::new(bytes, "the kitchen state");
        let read = |r: &mut StateReader| -> Result<_, String> {
            let sim = r.f64s()?;
            let robot: [f64; N_ROBOT] =
                r.f64s()?.try_into().map_err(|_| format!("the robot's qpos is not {N_ROBOT} numbers"))?;
            let steps = r.usize()?;
            let n = r.usize()?;
            let completed = (0..n)
                .map(|_| {
                    let id = r.usize()?;
                    KitchenTask::ALL.get(id).copied().ok_or_else(|| format!("task id {id} (7 tasks)"))
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok((sim, robot, steps, completed, r.rng()?))
        };
        let (sim, robot, steps, completed, rng) = read(&mut r).map_err(EnvError::State)?;
        r.finish().map_err(EnvError::State)?;
        let progress = TaskProgress::resume(&self.cfg.tasks, self.cfg.enforce_order, &completed)?;
        self.sim.set_integration_state(&sim)?;
        (self.last_robot_qpos, self.steps, self.progress, self.rng) = (robot, steps, progress, rng);
        Ok(())
    }
}
