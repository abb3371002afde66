//! Burner knobs (bottom = knob 2, top = knob 4): grasp the lever, twist about the knob axis, hold
//! until the knob registers, release.
//!
//! The lever is a vertical box that turns about world −y; a negative knob angle is a positive rotation
//! about +y. It slips 0.3–0.5 rad inside the parallel jaws, so the wrist overshoots to ≈1.2 rad and
//! holds until the knob is past the goal window's edge.
use rand::rngs::StdRng;

use super::math::{add, mul, rot_y};
use super::phase::{Grip, Phase, R0, Until, World};
use super::skill::{Skill, Style};

/// Knob angle (rad) at which the script lets go: the goal window is ≈(−1.18, −0.58).
const REGISTERED: f64 = -0.74;
/// Knob angle below which an attempt counts as done (else it is retried).
const DONE: f64 = -0.65;

pub struct Burner {
    site: usize,
    qpos: usize,
    style: Style,
    stage: usize,
    tries: usize,
    /// Standoff of the pre-grasp waypoint, depth of the grasp, wrist overshoot (randomised).
    pre: f64,
    depth: f64,
    twist: f64,
}

impl Burner {
    /// The script for the knob at `site` whose angle is `qpos[qpos]`.
    pub fn new(site: usize, qpos: usize, style: Style, rng: &mut StdRng) -> Burner {
        let pre = Style::pick(rng, 0.08, 0.13);
        let depth = Style::pick(rng, 0.035, 0.045);
        let twist = Style::pick(rng, 1.1, 1.3);
        Burner { site, qpos, style, stage: 0, tries: 0, pre, depth, twist }
    }
}

impl Skill for Burner {
    fn next(&mut self, w: &World) -> Option<Phase> {
        let s = self.style;
        let knob = s.at(w.site(self.site), [1.0, 1.0, 1.0]);
        let grasp = add(knob, [0.0, -self.depth, 0.0]);
        self.stage += 1;
        Some(match self.stage {
            1 => Phase::to(add(knob, [0.0, -self.pre, 0.0]), R0, s.v(0.06), 0.02).max(40),
            2 => Phase::to(grasp, R0, s.v(0.02), 0.007).max(20),
            3 => Phase::stay(Grip::Close, 4),
            4 => {
                let turned = mul(&rot_y(self.twist), &R0);
                Phase::to(grasp, turned, s.v(0.02), 0.05)
                    .wsp(s.v(0.1))
                    .grip(Grip::Close)
                    .until(Until::Below(self.qpos, REGISTERED))
                    .max(45)
            }
            5 => Phase::stay(Grip::Open, 3),
            6 => Phase::to(add(knob, [0.0, -0.09, 0.0]), R0, s.v(0.05), 0.05).max(12),
            _ if w.qpos(self.qpos) > DONE && self.tries < 2 => {
                self.tries += 1;
                self.stage = 0;
                return self.next(w);
            }
            _ => return None,
        })
    }
}
