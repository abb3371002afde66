//! Phases of a script and the moving reference that the IK tracks.
//!
//! A phase is one motion primitive (go to a pose, swing along a door arc, stay), a gripper command,
//! gains, a rest posture and an end condition. The reference pose moves toward the phase's goal at a
//! bounded speed, so the site follows smooth paths; the phase ends when the reference has arrived and the
//! site is within tolerance, when an object joint crosses a threshold, or after its step budget.
use super::ik::{Arm, ArmState, FAST, Gains, N_ARM, twist};
use super::math::{self, M3, V3};
use crate::kitchen::INIT_QPOS;
use crate::mujoco::Sim;

/// The nominal gripper orientation, the site's at reset: approach axis (site z) ≈ world +y, fingers
/// closing along site y ≈ world x, site x ≈ up.
pub const R0: M3 = [
    [-0.035689496385661046, 0.9966567039665, 0.07349608347639613],
    [-0.04915938870684289, -0.0752047430827856, 0.9959556220634636],
    [0.9981531016581106, 0.031932132037866046, 0.051679053724007634],
];
/// Rest posture of the reset (D4RL's `init_qpos`).
pub const REST_INIT: [f64; N_ARM] =
    [INIT_QPOS[0], INIT_QPOS[1], INIT_QPOS[2], INIT_QPOS[3], INIT_QPOS[4], INIT_QPOS[5], INIT_QPOS[6]];
/// Rest posture for the high cabinets (IK solution at the hinge handle with orientation `R0`).
pub const REST_HIGH: [f64; N_ARM] = [-1.68, -0.92, 1.53, -0.78, 0.03, 0.84, 0.87];
/// Rest posture for the microwave (IK solution at its handle with the door at −0.7).
pub const REST_MICRO: [f64; N_ARM] = [-1.03, -1.74, 2.04, -1.43, -0.79, 0.92, 2.53];
/// Reference turning speed (rad per step) unless a phase says otherwise.
const WSP: f64 = 0.1;

/// What the fingers do during a phase.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Grip {
    Open,
    Close,
}

/// How the reference moves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Motion {
    /// Straight toward `pos` at `speed` m/step while turning toward `rot` at `wsp` rad/step.
    To { pos: V3, rot: M3, speed: f64, wsp: f64 },
    /// Swing about the vertical axis through `pivot` by `angle` (signed, rad) at `rate` rad/step; the
    /// reference orientation turns by `yaw · φ` about z with it.
    Arc { pivot: V3, angle: f64, rate: f64, yaw: f64 },
    /// The reference stays put.
    Stay,
    /// Joint space: every arm joint toward `q` by at most `step` rad per step (resets the arm's posture
    /// between subtasks; the Cartesian reference restarts from the site afterwards).
    Joints { q: [f64; N_ARM], step: f64 },
}

/// An end condition on one `qpos` element (true state).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Until {
    Below(usize, f64),
    Above(usize, f64),
}

impl Until {
    fn met(self, qpos: &[f64]) -> bool {
        match self {
            Until::Below(i, v) => qpos[i] < v,
            Until::Above(i, v) => qpos[i] > v,
        }
    }
}

/// One phase of a script.
#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    pub motion: Motion,
    pub grip: Grip,
    pub gains: Gains,
    pub rest: [f64; N_ARM],
    /// Arrival tolerance of the site (m) for `Motion::To`.
    pub tol: f64,
    /// The phase lasts at least `min` and at most `max` steps.
    pub min: usize,
    pub max: usize,
    pub until: Option<Until>,
}

impl Phase {
    /// Go to `pos` with orientation `rot` at `speed` m/step, arriving within `tol`; open gripper, fast
    /// gains, the reset rest posture, at most 60 steps.
    pub fn to(pos: V3, rot: M3, speed: f64, tol: f64) -> Phase {
        let motion = Motion::To { pos, rot, speed, wsp: WSP };
        Phase { motion, grip: Grip::Open, gains: FAST, rest: REST_INIT, tol, min: 0, max: 60, until: None }
    }

    /// Move the joints toward posture `q`, done when every joint is within `tol` rad of it.
    pub fn joints(q: [f64; N_ARM], step: f64, tol: f64) -> Phase {
        let motion = Motion::Joints { q, step };
        Phase { motion, grip: Grip::Open, gains: FAST, rest: q, tol, min: 0, max: 40, until: None }
    }

    /// Stay where the reference is for `steps` steps with the gripper doing `grip`.
    pub fn stay(grip: Grip, steps: usize) -> Phase {
        Phase {
            motion: Motion::Stay,
            grip,
            gains: FAST,
            rest: REST_INIT,
            tol: 0.0,
            min: steps,
            max: steps,
            until: None,
        }
    }

    /// Swing the reference about the vertical axis through `pivot`.
    pub fn arc(pivot: V3, angle: f64, rate: f64, yaw: f64) -> Phase {
        let max = (angle.abs() / rate).ceil() as usize + 2;
        let motion = Motion::Arc { pivot, angle, rate, yaw };
        Phase { motion, grip: Grip::Close, gains: FAST, rest: REST_INIT, tol: 0.0, min: 0, max, until: None }
    }

    pub fn grip(self, grip: Grip) -> Phase {
        Phase { grip, ..self }
    }

    pub fn gains(self, gains: Gains) -> Phase {
        Phase { gains, ..self }
    }

    pub fn rest(self, rest: [f64; N_ARM]) -> Phase {
        Phase { rest, ..self }
    }

    pub fn max(self, max: usize) -> Phase {
        Phase { max, ..self }
    }

    pub fn until(self, until: Until) -> Phase {
        Phase { until: Some(until), ..self }
    }

    /// Sets the turning speed of a `To` motion.
    pub fn wsp(mut self, w: f64) -> Phase {
        if let Motion::To { wsp, .. } = &mut self.motion {
            *wsp = w;
        }
        self
    }
}

/// The reference pose and the phase being run.
#[derive(Clone, Debug)]
pub struct Tracker {
    pub phase: Phase,
    pub steps: usize,
    pub pos: V3,
    pub rot: M3,
    /// Swept angle of an `Arc` so far, and the pose it started from.
    phi: f64,
    arc_start: (V3, M3),
}

impl Tracker {
    /// Whether the phase moves in joint space (the next one restarts its reference from the site).
    pub fn in_joint_space(&self) -> bool {
        matches!(self.phase.motion, Motion::Joints { .. })
    }

    /// Starts `phase` with the reference at `pos`, `rot`.
    pub fn new(phase: Phase, pos: V3, rot: M3) -> Tracker {
        Tracker { phase, steps: 0, pos, rot, phi: 0.0, arc_start: (pos, rot) }
    }

    /// Moves the reference one step along the phase's motion.
    pub fn advance(&mut self) {
        self.steps += 1;
        match self.phase.motion {
            Motion::To { pos, rot, speed, wsp } => {
                self.pos = math::add(self.pos, math::clip_norm(math::sub(pos, self.pos), speed));
                self.rot = math::rotate_towards(&self.rot, &rot, wsp);
            }
            Motion::Arc { pivot, angle, rate, yaw } => {
                self.phi = (self.phi + rate * angle.signum()).clamp(angle.min(0.0), angle.max(0.0));
                let (start, start_rot) = self.arc_start;
                let turn = math::rot_z(self.phi);
                let mut rel = math::sub(start, pivot);
                rel[2] = 0.0;
                let swung = math::add(pivot, math::mul_v(&turn, rel));
                self.pos = [swung[0], swung[1], start[2]];
                self.rot = math::mul(&math::rot_z(yaw * self.phi), &start_rot);
            }
            Motion::Stay | Motion::Joints { .. } => {}
        }
    }

    /// Whether the phase is over, given the arm and the true `qpos`.
    pub fn done(&self, arm: &ArmState, qpos: &[f64]) -> bool {
        let p = &self.phase;
        if self.steps >= p.max {
            return true;
        }
        if self.steps < p.min {
            return false;
        }
        // A phase with an end condition runs until it is met (or out of steps).
        if let Some(until) = p.until {
            return until.met(qpos);
        }
        match p.motion {
            Motion::To { pos, rot, .. } => {
                let arrived = self.pos == pos && self.rot == rot;
                arrived && math::norm(math::sub(arm.pos, pos)) < p.tol
            }
            Motion::Arc { angle, .. } => self.phi == angle,
            Motion::Stay => true,
            Motion::Joints { q, .. } => (0..N_ARM).all(|i| (q[i] - arm.q[i]).abs() < p.tol),
        }
    }

    /// The 9-d action (before noise) that tracks the reference, given the noisy observed robot joints.
    pub fn action(&self, arm: &Arm, st: &ArmState, obs_q: &[f32]) -> [f64; 9] {
        let p = &self.phase;
        let dq = match p.motion {
            Motion::Joints { q, step } => std::array::from_fn(|i| (q[i] - st.q[i]).clamp(-step, step)),
            _ => {
                let pos_err = math::sub(self.pos, st.pos);
                let rot_err = math::rot_error(&self.rot, &st.rot);
                arm.joint_step(st, twist(pos_err, rot_err, &p.gains), p.gains.lambda, &p.rest)
            }
        };
        let a = arm.action(st, &dq, obs_q);
        // Fully open, or squeezing: the finger targets clip at 0, so the squeeze is ≈500·q N per finger.
        let f = if p.grip == Grip::Open { 1.0 } else { -1.0 };
        [a[0], a[1], a[2], a[3], a[4], a[5], a[6], f, f]
    }
}

/// The world as a script sees it: the true simulation state and the arm's pose.
pub struct World<'a> {
    pub sim: &'a Sim,
    pub arm: &'a ArmState,
}

impl World<'_> {
    pub fn site(&self, id: usize) -> V3 {
        self.sim.site_xpos(id)
    }

    pub fn body(&self, id: usize) -> V3 {
        self.sim.body_xpos(id)
    }

    pub fn qpos(&self, i: usize) -> f64 {
        self.sim.qpos()[i]
    }
}
