//! Slide cabinet: grasp the vertical handle bar and pull along +x. The jaws close along x, so the pull
//! is held by the jaw geometry rather than friction.
use rand::rngs::StdRng;

use super::math::add;
use super::phase::{Grip, Phase, R0, REST_HIGH, Until, World};
use super::skill::{Skill, Style};

/// `qpos` index of the slide door; it counts as open above 0.07 (goal 0.37, threshold 0.3).
const QPOS: usize = 19;

pub struct Slide {
    site: usize,
    style: Style,
    stage: usize,
    tries: usize,
    /// Grasp depth behind the site's front, and how far the door is pulled (randomised).
    depth: f64,
    pull: f64,
    /// Handle position when the grasp closed: the pull is relative to it.
    grasped: [f64; 3],
}

impl Slide {
    pub fn new(site: usize, style: Style, rng: &mut StdRng) -> Slide {
        let depth = Style::pick(rng, 0.01, 0.02);
        let pull = Style::pick(rng, 0.17, 0.24);
        Slide { site, style, stage: 0, tries: 0, depth, pull, grasped: [0.0; 3] }
    }
}

impl Skill for Slide {
    fn next(&mut self, w: &World) -> Option<Phase> {
        let s = self.style;
        let h = s.at(w.site(self.site), [1.0, 0.5, 1.0]);
        let high = |p: Phase| p.rest(REST_HIGH);
        self.stage += 1;
        Some(match self.stage {
            // From the right: an open hinge door's handle can stick out on the left.
            1 => high(Phase::to(add(h, [0.03, -0.11, 0.0]), R0, s.v(0.06), 0.02).max(45)),
            2 => {
                self.grasped = add(h, [0.0, -self.depth, 0.0]);
                high(Phase::to(self.grasped, R0, s.v(0.02), 0.007).max(20))
            }
            3 => high(Phase::stay(Grip::Close, 4)),
            4 => {
                let end = add(self.grasped, [self.pull, 0.0, 0.0]);
                let open_enough = Until::Above(QPOS, self.pull - 0.03);
                high(Phase::to(end, R0, s.v(0.025), 0.01).grip(Grip::Close).until(open_enough).max(25))
            }
            5 => high(Phase::stay(Grip::Open, 3)),
            6 => high(Phase::to(add(w.arm.pos, [0.0, -0.08, -0.02]), R0, s.v(0.05), 0.05).max(12)),
            _ if w.qpos(QPOS) < 0.1 && self.tries < 2 => {
                self.tries += 1;
                self.stage = 0;
                return self.next(w);
            }
            _ => return None,
        })
    }
}
