//! Flat SAC on the hierarchical loop: with a pass-through low level (`LowLevel::Direct`) each "skill"
//! is one env action, so SAC from scratch gets the loop's env workers, checkpoints, bit-for-bit
//! resume and evaluation videos. Warm-up actions are uniform in `[-1, 1]^action_dim` (upstream's
//! random-action warm-up), drawn from the agent's own generator.

use super::hl_common::{load_module_state, module_state};
use super::{SacAgent, SacMetrics, SkillAgent};
use crate::rl::components::ReplayBatch;
use envs::snapshot::StateRng;
use tensor::rand::Rng;
use tensor::{Device, Tensor};

impl SacMetrics {
    /// `(name, value)` pairs for the metrics log.
    pub fn named(&self) -> Vec<(&'static str, f32)> {
        vec![
            ("policy_loss", self.policy_loss),
            ("alpha_loss", self.alpha_loss),
            ("critic_loss_1", self.critic_loss_1),
            ("critic_loss_2", self.critic_loss_2),
            ("alpha", self.alpha),
            ("pi_log_prob", self.pi_log_prob),
            ("policy_entropy", self.policy_entropy),
            ("q_target", self.q_target),
            ("q_1", self.q_1),
            ("q_2", self.q_2),
        ]
    }
}

impl SkillAgent for SacAgent {
    fn name(&self) -> &'static str {
        "sac"
    }

    fn action_dim(&self) -> usize {
        SacAgent::action_dim(self)
    }

    /// Sampled actions (upstream samples in evaluation too).
    fn act(&mut self, obs: &Tensor) -> Tensor {
        self.act_batch(obs, false)
    }

    fn act_warmup(&mut self, obs: &Tensor) -> Tensor {
        let (b, a) = (obs.shape()[0], SacAgent::action_dim(self));
        Tensor::from_vec((0..b * a).map(|_| self.rng.random_range(-1.0..=1.0)).collect(), &[b, a])
    }

    fn update(&mut self, batch: &ReplayBatch) -> Vec<(&'static str, f32)> {
        SacAgent::update(self, batch).named()
    }

    fn state_dict(&self) -> Vec<(String, Tensor)> {
        SacAgent::state_dict(self)
    }

    fn load_state_dict(&mut self, state: &[(String, Tensor)]) -> Result<(), String> {
        SacAgent::load_state_dict(self, state)
    }

    fn rng_mut(&mut self) -> &mut StateRng {
        &mut self.rng
    }

    fn to_device(&self, device: &Device) {
        SacAgent::to_device(self, device)
    }

    fn acting_state(&self) -> Vec<(String, Tensor)> {
        module_state(&self.policy)
    }

    fn load_acting_state(&mut self, state: &[(String, Tensor)]) -> Result<(), String> {
        load_module_state("the SAC policy", &self.policy, state)
    }
}
