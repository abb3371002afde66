//! What every subtask script shares: the `Skill` trait (a generator of phases that reads the live
//! state at each phase boundary), the per-attempt `Style` (waypoint offset, speed), and the scene's task
//! sites.
use rand::Rng;
use rand::rngs::StdRng;

use super::math::V3;
use super::phase::{Phase, World};
use crate::EnvError;
use crate::mujoco::Model;

/// A subtask script: yields its phases one at a time, each computed from the state when the previous
/// one ended (so grasps aim at where a handle *is*, and a failed attempt can be retried).
pub trait Skill: Send {
    /// The next phase, or `None` when the script is over.
    fn next(&mut self, w: &World) -> Option<Phase>;
}

/// The randomised style of one subtask attempt.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    /// Constant offset added to the task site for every waypoint (m).
    pub offset: V3,
    /// Multiplies the reference speeds (and turn rates).
    pub speed: f64,
}

impl Style {
    /// Speed `v` of the nominal script, scaled by this attempt's speed.
    pub fn v(&self, v: f64) -> f64 {
        v * self.speed
    }

    /// `p` plus this attempt's offset, with the offset scaled per axis by `weights`.
    pub fn at(&self, p: V3, weights: V3) -> V3 {
        std::array::from_fn(|i| p[i] + self.offset[i] * weights[i])
    }

    /// A random value in `[lo, hi)` (for a script's own variations).
    pub fn pick(rng: &mut StdRng, lo: f64, hi: f64) -> f64 {
        if hi > lo { rng.random_range(lo..hi) } else { lo }
    }
}

/// Ids of the scene's task sites and door bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sites {
    pub knob2: usize,
    pub knob4: usize,
    pub light: usize,
    pub slide: usize,
    pub hinge: usize,
    pub micro: usize,
    pub kettle: usize,
    /// The right hinge door's body (its origin is on the hinge axis).
    pub hinge_door: usize,
    /// The microwave door's body (its origin is on the hinge axis).
    pub micro_door: usize,
}

impl Sites {
    pub fn new(model: &Model) -> Result<Sites, EnvError> {
        let missing = |what: &str| EnvError::invalid(model.path(), format!("the kitchen scene has no {what}"));
        let site = |name: &str| model.site_id(name).ok_or_else(|| missing(&format!("site {name}")));
        let body = |name: &str| model.body_id(name).ok_or_else(|| missing(&format!("body {name}")));
        Ok(Sites {
            knob2: site("knob2_site")?,
            knob4: site("knob4_site")?,
            light: site("light_site")?,
            slide: site("slide_site")?,
            hinge: site("hinge_site2")?,
            micro: site("microhandle_site")?,
            kettle: site("kettle_site")?,
            hinge_door: body("hingerightdoor")?,
            micro_door: body("microdoorroot")?,
        })
    }
}
