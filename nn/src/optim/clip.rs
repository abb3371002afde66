//! The gradient-clipping schedule of SPiRL/EXTRACT: clip to a tiny norm for the first steps.

use autograd::Grads;

/// Clip gradients to `init_norm` for the first `init_steps` optimizer steps and to `norm`
/// (if any) afterwards. Upstream: `ClipSchedule { init_norm: 0.001, init_steps: 100, norm: None }`.
#[derive(Clone, Copy, Debug)]
pub struct ClipSchedule {
    pub init_norm: f32,
    pub init_steps: u64,
    pub norm: Option<f32>,
}

impl ClipSchedule {
    /// The max norm in force at (0-based) optimizer step `step`.
    pub fn max_norm(&self, step: u64) -> Option<f32> {
        if step < self.init_steps { Some(self.init_norm) } else { self.norm }
    }

    /// Clips `grads` for step `step`; returns the norm before clipping.
    pub fn apply(&self, grads: &mut Grads, step: u64) -> f32 {
        match self.max_norm(step) {
            Some(m) => grads.clip_global_norm(m),
            None => grads.global_norm(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_switches_after_init_steps() {
        let s = ClipSchedule { init_norm: 0.001, init_steps: 100, norm: None };
        assert_eq!(s.max_norm(0), Some(0.001));
        assert_eq!(s.max_norm(99), Some(0.001));
        assert_eq!(s.max_norm(100), None);
    }
}
