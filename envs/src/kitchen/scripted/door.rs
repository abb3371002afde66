//! Hinged doors (right hinge-cabinet door, microwave): grasp the handle, pull it along the door's arc,
//! and when the grip has slipped, release and re-grasp at the handle's live position (a ratchet).
//!
//! The arc tangent is mostly along the gripper's approach axis, so only friction holds the handle, and
//! soft contacts creep: a 1 rad pull of the hinge door gains ≈0.5–0.7 rad. Re-grasping where the handle
//! *is* keeps every pull on the handle; two or three pulls open either door.
use rand::rngs::StdRng;

use super::ik::N_ARM;
use super::math::{self, M3, V3, add, column, mul, rot_z, scale};
use super::phase::{Grip, Phase, R0, REST_HIGH, REST_MICRO, World};
use super::skill::{Skill, Style};

/// One door's geometry and ratchet settings.
#[derive(Clone, Copy, Debug)]
struct DoorSpec {
    /// Handle site, door body (origin on the hinge axis), and the door's `qpos` index.
    handle: usize,
    pivot: usize,
    qpos: usize,
    /// +1 if the door opens with increasing angle.
    dir: f64,
    /// Gripper orientation with the door closed, and the fraction of the door's swing it follows.
    base_rot: M3,
    yaw: f64,
    rest: [f64; N_ARM],
    /// Largest swing per grasp, the angle aimed at, and the angle at which the ratchet stops.
    chunk: f64,
    target: f64,
    stop: f64,
    max_cycles: usize,
    /// Nominal grasp depth (site in front of the handle centre, m) and pull rate (rad per step).
    depth: f64,
    rate: f64,
}

pub struct Door {
    spec: DoorSpec,
    style: Style,
    stage: usize,
    cycles: usize,
    /// Grasp depth (site in front of the handle centre) and pull rate (rad per step), randomised.
    depth: f64,
    rate: f64,
}

impl Door {
    /// The right door of the hinge cabinet (opens with +θ; the goal needs θ ≳ 1.15).
    pub fn hinge(handle: usize, pivot: usize, style: Style, rng: &mut StdRng) -> Door {
        let spec = DoorSpec {
            handle,
            pivot,
            qpos: 21,
            dir: 1.0,
            base_rot: R0,
            yaw: 1.0,
            rest: REST_HIGH,
            chunk: 1.0,
            // Not much further: the open door's handle then sticks out toward the slide cabinet.
            target: 1.34,
            stop: 1.2,
            depth: 0.004,
            rate: 0.03,
            max_cycles: 6,
        };
        Door::new(spec, style, rng)
    }

    /// The microwave door (opens with −θ; the goal needs θ ≲ −0.45).
    pub fn microwave(handle: usize, pivot: usize, style: Style, rng: &mut StdRng) -> Door {
        let spec = DoorSpec {
            handle,
            pivot,
            qpos: 22,
            dir: -1.0,
            base_rot: mul(&rot_z(0.3), &R0),
            yaw: 0.0,
            rest: REST_MICRO,
            chunk: 0.8,
            target: -0.7,
            stop: -0.55,
            depth: 0.015,
            rate: 0.03,
            max_cycles: 5,
        };
        Door::new(spec, style, rng)
    }

    fn new(spec: DoorSpec, style: Style, rng: &mut StdRng) -> Door {
        let depth = Style::pick(rng, spec.depth - 0.005, spec.depth + 0.005);
        let rate = Style::pick(rng, spec.rate - 0.0025, spec.rate + 0.0025);
        Door { spec, style, stage: 0, cycles: 0, depth, rate }
    }

    /// Gripper orientation at door angle `theta`.
    fn rot(&self, theta: f64) -> M3 {
        mul(&rot_z(self.spec.yaw * theta), &self.spec.base_rot)
    }

    /// The site pose `d` m along the approach axis from the (offset) handle at the door's current angle.
    fn pose(&self, w: &World, d: f64) -> (V3, M3) {
        let theta = w.qpos(self.spec.qpos);
        let rot = self.rot(theta);
        // The attempt's offset turns with the door; halved along the door's normal (the grasp depth).
        let o = self.style.offset;
        let handle = add(w.site(self.spec.handle), math::mul_v(&rot_z(theta), [o[0], o[1] * 0.5, o[2]]));
        (add(handle, scale(column(&rot, 2), d)), rot)
    }
}

impl Skill for Door {
    fn next(&mut self, w: &World) -> Option<Phase> {
        let (s, spec) = (self.style, self.spec);
        let theta = w.qpos(spec.qpos);
        let rest = |p: Phase| p.rest(spec.rest);
        self.stage += 1;
        Some(match self.stage {
            1 => {
                let (p, r) = self.pose(w, -0.1);
                rest(Phase::to(p, r, s.v(0.06), 0.02).max(45))
            }
            2 => {
                let (p, r) = self.pose(w, -self.depth);
                rest(Phase::to(p, r, s.v(0.025), 0.006).max(20))
            }
            3 => rest(Phase::stay(Grip::Close, 4)),
            4 => {
                self.cycles += 1;
                let swing = (spec.target - theta).abs().min(spec.chunk) * spec.dir;
                let pivot = w.body(spec.pivot);
                rest(Phase::arc(pivot, swing, s.v(self.rate), spec.yaw))
            }
            5 => rest(Phase::stay(Grip::Close, 1)),
            6 => rest(Phase::stay(Grip::Open, 3)),
            7 if spec.dir * (theta - spec.stop) < 0.0 && self.cycles < spec.max_cycles => {
                self.stage = 1;
                let (p, r) = self.pose(w, -0.05);
                rest(Phase::to(p, r, s.v(0.035), 0.015).max(12))
            }
            7 => {
                let (p, r) = self.pose(w, -0.11);
                rest(Phase::to(p, r, s.v(0.05), 0.05).max(15))
            }
            _ => return None,
        })
    }
}
