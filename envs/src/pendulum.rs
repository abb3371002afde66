//! `Pendulum`: Gymnasium's `Pendulum-v1` (classic control, pure Rust) for fast RL tests.
//!
//! State (θ, θ̇), θ = 0 upright. Step with torque u ∈ [−2, 2]:
//! cost = norm(θ)² + 0.1 θ̇² + 0.001 u², θ̇' = clip(θ̇ + (3g/(2l) sin θ + 3/(m l²) u) dt, ±8), θ' = θ + θ̇' dt,
//! with g = 10, m = l = 1, dt = 0.05; reward = −cost (of the state *before* the step). Observation
//! (cos θ, sin θ, θ̇). Reset draws θ ~ U(−π, π), θ̇ ~ U(−1, 1). Truncated after 200 steps (`TimeLimit`).
use std::f64::consts::PI;

use rand::{Rng, SeedableRng};

use crate::env::check_action_len;
use crate::snapshot::{StateReader, StateRng, StateWriter};
use crate::{BoxSpace, Env, EnvError, StepResult};

const MAX_SPEED: f64 = 8.0;
const MAX_TORQUE: f64 = 2.0;
const DT: f64 = 0.05;
const M: f64 = 1.0;
const L: f64 = 1.0;

/// Gymnasium's `Pendulum-v1` with its `TimeLimit` of 200 steps.
pub struct Pendulum {
    /// Gravity (Gymnasium's `g`, default 10).
    g: f64,
    theta: f64,
    theta_dot: f64,
    steps: usize,
    max_episode_steps: usize,
    rng: StateRng,
    obs_space: BoxSpace,
    act_space: BoxSpace,
}

impl Default for Pendulum {
    fn default() -> Self {
        Pendulum::new(10.0)
    }
}

impl Pendulum {
    /// A pendulum under gravity `g`, seeded from the OS until `reset(Some(seed))`.
    pub fn new(g: f64) -> Self {
        Pendulum {
            g,
            theta: 0.0,
            theta_dot: 0.0,
            steps: 0,
            max_episode_steps: 200,
            rng: StateRng::from_os_rng(),
            obs_space: BoxSpace { low: vec![-1.0, -1.0, -MAX_SPEED as f32], high: vec![1.0, 1.0, MAX_SPEED as f32] },
            act_space: BoxSpace::uniform(1, -MAX_TORQUE as f32, MAX_TORQUE as f32),
        }
    }

    /// Changes the time limit (Gymnasium's `max_episode_steps`).
    pub fn with_max_episode_steps(mut self, steps: usize) -> Self {
        self.max_episode_steps = steps;
        self
    }

    /// The state (θ, θ̇).
    pub fn state(&self) -> (f64, f64) {
        (self.theta, self.theta_dot)
    }

    /// Sets the state (θ, θ̇) (as `env.unwrapped.state = ...` in Gymnasium) and returns its observation.
    pub fn set_state(&mut self, theta: f64, theta_dot: f64) -> Vec<f32> {
        self.theta = theta;
        self.theta_dot = theta_dot;
        self.obs()
    }

    fn obs(&self) -> Vec<f32> {
        vec![self.theta.cos() as f32, self.theta.sin() as f32, self.theta_dot as f32]
    }
}

/// θ wrapped into [−π, π) (Gymnasium's `angle_normalize`, Python's `%` is a floored modulo).
pub fn angle_normalize(x: f64) -> f64 {
    (x + PI).rem_euclid(2.0 * PI) - PI
}

impl Env for Pendulum {
    type Info = ();

    fn observation_space(&self) -> &BoxSpace {
        &self.obs_space
    }

    fn action_space(&self) -> &BoxSpace {
        &self.act_space
    }

    fn reset(&mut self, seed: Option<u64>) -> (Vec<f32>, ()) {
        if let Some(seed) = seed {
            self.rng = StateRng::seed_from_u64(seed);
        }
        self.theta = self.rng.random_range(-PI..PI);
        self.theta_dot = self.rng.random_range(-1.0..1.0);
        self.steps = 0;
        (self.obs(), ())
    }

    fn step(&mut self, action: &[f32]) -> StepResult<()> {
        check_action_len("Pendulum", action, 1);
        let u = (action[0] as f64).clamp(-MAX_TORQUE, MAX_TORQUE);
        let (th, thdot) = (self.theta, self.theta_dot);
        let cost = angle_normalize(th).powi(2) + 0.1 * thdot * thdot + 0.001 * u * u;
        let acc = 3.0 * self.g / (2.0 * L) * th.sin() + 3.0 / (M * L * L) * u;
        self.theta_dot = (thdot + acc * DT).clamp(-MAX_SPEED, MAX_SPEED);
        self.theta = th + self.theta_dot * DT;
        self.steps += 1;
        let truncated = self.steps >= self.max_episode_steps;
        StepResult { obs: self.obs(), reward: -cost as f32, terminated: false, truncated, info: () }
    }

    /// `θ f64 | θ̇ f64 | steps u64 | rng`.
    fn save_state(&self) -> Option<Vec<u8>> {
        let mut w = StateWriter::default();
        w.f64(self.theta);
        w.f64(self.theta_dot);
        w.usize(self.steps);
        w.rng(&self.rng);
        Some(w.0)
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<(), EnvError> {
        let mut r = StateReader::new(bytes, "the pendulum state");
        let mut read = || -> Result<_, String> { Ok((r.f64()?, r.f64()?, r.usize()?, r.rng()?)) };
        let state = read().map_err(EnvError::State)?;
        r.finish().map_err(EnvError::State)?;
        (self.theta, self.theta_dot, self.steps, self.rng) = state;
        Ok(())
    }
}
