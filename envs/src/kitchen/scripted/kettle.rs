//! Kettle: grasp the handle bar with the fingers closing vertically (one above, one below the bar),
//! lift, carry toward the back burner, lower, release.
//!
//! The bar is a capsule along x (r 3.2 cm) and the open jaws leave only ≈8 mm of clearance, so the
//! approach is slow and soft; a grasp that is too high lets the kettle pivot about the bar, hence a
//! small downward bias.
use rand::rngs::StdRng;

use super::ik::SOFT;
use super::math::{add, mul, rot_y};
use super::phase::{Grip, Phase, R0, World};
use super::skill::{Skill, Style};

/// Element of `qpos` holding the kettle's y position.
const QPOS_Y: usize = 24;

pub struct Kettle {
    site: usize,
    style: Style,
    stage: usize,
    tries: usize,
    /// Grasp point (fixed when the approach starts) and the randomised carry.
    grasp: [f64; 3],
    carry_y: f64,
    carry_dx: f64,
    lift: f64,
}

impl Kettle {
    pub fn new(site: usize, style: Style, rng: &mut StdRng) -> Kettle {
        let carry_y = Style::pick(rng, 0.34, 0.38);
        let carry_dx = Style::pick(rng, 0.02, 0.06);
        let lift = Style::pick(rng, 0.05, 0.07);
        Kettle { site, style, stage: 0, tries: 0, grasp: [0.0; 3], carry_y, carry_dx, lift }
    }
}

impl Skill for Kettle {
    fn next(&mut self, w: &World) -> Option<Phase> {
        let s = self.style;
        // The fingers close along site y, which Ry(−π/2) turns vertical; weights: less jitter in z
        // (the finger axis, ±8 mm clearance) and along the approach.
        let h = add(s.at(w.site(self.site), [1.0, 0.4, 0.3]), [0.0, 0.0, -0.006]);
        let rot = mul(&rot_y(-std::f64::consts::FRAC_PI_2), &R0);
        let g = self.grasp;
        let place = add(g, [self.carry_dx, self.carry_y, self.lift]);
        self.stage += 1;
        Some(match self.stage {
            1 => Phase::to(add(h, [0.0, -0.12, 0.0]), rot, s.v(0.06), 0.012).max(40),
            2 => {
                self.grasp = add(h, [0.0, -0.012, 0.0]);
                Phase::to(self.grasp, rot, s.v(0.012), 0.007).gains(SOFT).max(25)
            }
            3 => Phase::stay(Grip::Close, 7).gains(SOFT),
            4 => Phase::to(add(g, [0.0, 0.0, self.lift]), rot, s.v(0.015), 0.02).grip(Grip::Close).max(15),
            5 => Phase::to(place, rot, s.v(0.018), 0.02).grip(Grip::Close).max(40),
            6 => Phase::to(add(place, [0.0, 0.0, -self.lift]), rot, s.v(0.012), 0.012).grip(Grip::Close).max(15),
            7 => Phase::stay(Grip::Open, 4),
            8 => Phase::to(add(w.arm.pos, [0.0, -0.09, 0.03]), rot, s.v(0.05), 0.05).max(12),
            _ if w.qpos(QPOS_Y) < 0.6 && self.tries < 1 => {
                self.tries += 1;
                self.stage = 0;
                return self.next(w);
            }
            _ => return None,
        })
    }
}
