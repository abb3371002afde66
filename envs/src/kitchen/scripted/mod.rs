//! Scripted demonstrations for the seven kitchen subtasks: a damped-least-squares IK controller on the
//! end-effector site that tracks waypoints relative to the task sites, with randomised waypoints, speeds
//! and action noise, chained over any list of subtasks.
//!
//! ```text
//! ScriptedAgent ── per subtask: home move (joint space), then its Skill (burners, light, slide, door, kettle)
//!       │                                        └─ yields Phases (waypoint / door arc / stay, + gripper)
//!       └─ Tracker (moving reference) ── Arm (DLS IK, joint limits, gravity feed-forward) ── action
//! ```
//! The agent reads the true simulation state for kinematics (as the scripts of D4RL-style data sets
//! do) and the noisy observation only where the env integrates from it.
mod burners;
mod door;
mod ik;
mod kettle;
mod light;
mod math;
mod phase;
mod skill;
mod slide;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};

use self::ik::Arm;
use self::phase::{Phase, Tracker, World};
use self::skill::{Sites, Skill, Style};
use super::{KitchenEnv, KitchenTask};
use crate::EnvError;

/// How much each scripted attempt varies. `Default` is the randomisation of the generated data set.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptRandomization {
    /// Per subtask, a constant offset U(−j, j) per axis added to the task site for every waypoint (m;
    /// scripts damp it along their sensitive axes).
    pub waypoint_jitter_m: f64,
    /// Per subtask, all reference speeds are scaled by U(lo, hi).
    pub speed_scale: (f64, f64),
    /// Per subtask, Gaussian noise of std U(lo, hi) is added to all 9 action dims.
    pub action_noise_std: (f64, f64),
    /// Offset U(−j, j) per joint of the home posture the arm returns to between subtasks (rad).
    pub home_jitter_rad: f64,
}

impl Default for ScriptRandomization {
    fn default() -> Self {
        ScriptRandomization {
            waypoint_jitter_m: 0.012,
            speed_scale: (0.85, 1.15),
            action_noise_std: (0.03, 0.08),
            home_jitter_rad: 0.1,
        }
    }
}

impl ScriptRandomization {
    /// No randomisation at all (for debugging a script).
    pub fn none() -> Self {
        ScriptRandomization {
            waypoint_jitter_m: 0.0,
            speed_scale: (1.0, 1.0),
            action_noise_std: (0.0, 0.0),
            home_jitter_rad: 0.0,
        }
    }
}

/// Drives the kitchen robot through a chain of subtasks. Deterministic given its seed.
pub struct ScriptedAgent {
    arm: Arm,
    sites: Sites,
    rand: ScriptRandomization,
    rng: StdRng,
    tasks: Vec<KitchenTask>,
    /// Index into `tasks` of the subtask being worked on (== len when finished).
    index: usize,
    skill: Option<Box<dyn Skill>>,
    tracker: Option<Tracker>,
    /// The home move (joint space, back to the reset posture) is pending before the current subtask.
    home_pending: bool,
    noise: Option<Normal<f64>>,
}

impl ScriptedAgent {
    /// Plans `tasks` in order on the scene behind `env`; between subtasks the arm moves in joint space
    /// back toward the reset posture (jittered), so every script starts on the arm branch it was tuned
    /// on, whatever the previous one left. Build a new agent for each episode.
    pub fn new(
        env: &KitchenEnv,
        tasks: &[KitchenTask],
        rand: &ScriptRandomization,
        seed: u64,
    ) -> Result<Self, EnvError> {
        Ok(ScriptedAgent {
            arm: Arm::new(env)?,
            sites: Sites::new(env.sim().model())?,
            rand: rand.clone(),
            rng: StdRng::seed_from_u64(seed),
            tasks: tasks.to_vec(),
            index: 0,
            skill: None,
            tracker: None,
            home_pending: false,
            noise: None,
        })
    }

    /// The subtask the script is working on, including its approach and the home move before it: read
    /// it right after `act` to label the action just returned. `None` once the chain is finished.
    pub fn current_task(&self) -> Option<KitchenTask> {
        self.tasks.get(self.index).copied()
    }

    /// True once every subtask's script has run to its end.
    pub fn finished(&self) -> bool {
        self.index >= self.tasks.len()
    }

    /// The next action for the env's current state; `obs` is the env's last observation (its noisy
    /// robot joints are what the env integrates the action from).
    pub fn act(&mut self, env: &KitchenEnv, obs: &[f32]) -> [f32; 9] {
        assert!(obs.len() >= 9, "ScriptedAgent::act: observation of length {} (need the 9 robot joints)", obs.len());
        let sim = env.sim();
        let st = self.arm.read(sim);
        let world = World { sim, arm: &st };
        while self.tracker.as_ref().is_none_or(|t| t.done(&st, sim.qpos())) {
            let Some(phase) = self.next_phase(&world) else { break };
            let (pos, rot) = match &self.tracker {
                Some(t) if !t.in_joint_space() => (t.pos, t.rot),
                _ => (st.pos, st.rot),
            };
            self.tracker = Some(Tracker::new(phase, pos, rot));
        }
        let Some(tracker) = self.tracker.as_mut() else {
            return [0.0; 9];
        };
        tracker.advance();
        let action = tracker.action(&self.arm, &st, &obs[..9]);
        std::array::from_fn(|i| {
            let noise = self.noise.map_or(0.0, |n| n.sample(&mut self.rng));
            (action[i] + noise).clamp(-1.0, 1.0) as f32
        })
    }

    /// The next phase of the chain: the current skill's, else the next subtask's (home first).
    fn next_phase(&mut self, w: &World) -> Option<Phase> {
        loop {
            if self.finished() {
                // Hold the last pose: a `Stay` that never ends.
                return (self.tracker.is_some()).then(|| Phase::stay(phase::Grip::Open, usize::MAX));
            }
            if self.skill.is_none() {
                self.start_task();
            }
            if self.home_pending {
                self.home_pending = false;
                let j = self.rand.home_jitter_rad;
                let home: [f64; ik::N_ARM] =
                    std::array::from_fn(|i| phase::REST_INIT[i] + Style::pick(&mut self.rng, -j, j));
                return Some(Phase::joints(home, 0.14, 0.45));
            }
            if let Some(phase) = self.skill.as_mut().and_then(|s| s.next(w)) {
                return Some(phase);
            }
            self.skill = None;
            self.index += 1;
        }
    }

    /// Samples the style of the current subtask and builds its script.
    fn start_task(&mut self) {
        let Some(task) = self.current_task() else { return };
        let r = &self.rand;
        let (j, (slo, shi), (nlo, nhi)) = (r.waypoint_jitter_m, r.speed_scale, r.action_noise_std);
        let rng = &mut self.rng;
        let offset = std::array::from_fn(|_| Style::pick(rng, -j, j));
        let style = Style { offset, speed: Style::pick(rng, slo, shi) };
        let std = Style::pick(rng, nlo, nhi);
        self.noise = (std > 0.0).then(|| Normal::new(0.0, std)).and_then(Result::ok);
        let s = self.sites;
        self.skill = Some(match task {
            KitchenTask::BottomBurner => Box::new(burners::Burner::new(s.knob2, 11, style, rng)),
            KitchenTask::TopBurner => Box::new(burners::Burner::new(s.knob4, 15, style, rng)),
            KitchenTask::LightSwitch => Box::new(light::Light::new(s.light, style, rng)),
            KitchenTask::SlideCabinet => Box::new(slide::Slide::new(s.slide, style, rng)),
            KitchenTask::HingeCabinet => Box::new(door::Door::hinge(s.hinge, s.hinge_door, style, rng)),
            KitchenTask::Microwave => Box::new(door::Door::microwave(s.micro, s.micro_door, style, rng)),
            KitchenTask::Kettle => Box::new(kettle::Kettle::new(s.kettle, style, rng)),
        });
        // Every subtask after the first starts from wherever the last one left the arm.
        self.home_pending = self.index > 0;
    }
}
