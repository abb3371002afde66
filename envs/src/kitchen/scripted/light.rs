//! Light switch: with the gripper closed and pitched down, put the fingers on the +x side of the
//! switch lever and sweep them along −x until the switch is past the goal.
//!
//! The lever is a small tilted capsule under the hood; a finger passing ≳1 cm above or below it misses.
//! Pitching the fingers down spreads them over a few cm of height, and the vertical waypoint jitter is
//! kept small.
use rand::rngs::StdRng;

use super::math::{add, mul, rot_x};
use super::phase::{Grip, Phase, R0, Until, World};
use super::skill::{Skill, Style};

/// `qpos` index of the switch (the light joint follows through an equality).
const QPOS: usize = 17;
/// Switch angle at which the sweep stops (the goal test passes below ≈−0.40; the stop is at −0.7).
const PUSHED: f64 = -0.6;

pub struct Light {
    site: usize,
    style: Style,
    stage: usize,
    tries: usize,
    /// Pitch of the fingers (rad, fingertips down), height of the sweep above the site, sweep start.
    pitch: f64,
    dz: f64,
    start_x: f64,
}

impl Light {
    pub fn new(site: usize, style: Style, rng: &mut StdRng) -> Light {
        let pitch = Style::pick(rng, 0.25, 0.45);
        let dz = Style::pick(rng, 0.004, 0.012);
        let start_x = Style::pick(rng, 0.065, 0.08);
        Light { site, style, stage: 0, tries: 0, pitch, dz, start_x }
    }
}

impl Skill for Light {
    fn next(&mut self, w: &World) -> Option<Phase> {
        let s = self.style;
        // Full jitter along the sweep, little across it: the lever is only ≈4 cm thick.
        let l = s.at(w.site(self.site), [1.0, 0.6, 0.25]);
        let rot = mul(&rot_x(-self.pitch), &R0);
        let at = |dx: f64, dy: f64| add(l, [dx, dy, self.dz]);
        self.stage += 1;
        Some(match self.stage {
            1 => Phase::to(at(self.start_x, -0.10), rot, s.v(0.06), 0.02).grip(Grip::Close).max(40),
            2 => Phase::to(at(self.start_x, -0.02), rot, s.v(0.02), 0.007).grip(Grip::Close).max(15),
            3 => Phase::to(at(-0.07, -0.02), rot, s.v(0.02), 0.01)
                .grip(Grip::Close)
                .until(Until::Below(QPOS, PUSHED))
                .max(20),
            4 => Phase::to(at(-0.04, -0.10), rot, s.v(0.05), 0.05).grip(Grip::Close).max(15),
            _ if w.qpos(QPOS) > -0.45 && self.tries < 2 => {
                self.tries += 1;
                self.stage = 0;
                return self.next(w);
            }
            _ => return None,
        })
    }
}
