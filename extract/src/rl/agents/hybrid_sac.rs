//! `HybridSacAgent`: EXTRACT's high-level agent (upstream `HybridSkillSpaceActionPriorSACAgent` with
//! `HybridLearnedPriorAugmentedPIPolicy`, spec §5.3-5.4): SAC over a discrete skill d and its
//! continuous argument z, regularised towards the skill model's priors; the critics give one Q-value
//! per skill (`[b, K]`) for the argument z.
//!
//! One update on a batch `(s, [d, z], r, s', done)`, in upstream's order:
//! 1. policy at s: `d ~ pi_d`, `z~ ~ pi_z(.|s, d)`, `KL_d`, `KL_z` ([`HybridPolicy`]);
//! 2. with `auto_alpha`, dual steps on `mean(alpha_z (delta_z - KL_z).detach())` and
//!    `mean(alpha_d (delta_d - KL_d).detach())`;
//! 3. `L_pi = mean_b sum_k pi_d(k|s) [ -min_i Q_i(s, z~)_k + alpha_z KL_z + alpha_d KL_d ]`;
//! 4. `V(s') = sum_k pi_d(k|s') [ min_i Qbar_i(s', z')_k - alpha_z KL_z' - alpha_d KL_d' ]` with a
//!    fresh sample at s', `y = r + (1 - done) gamma V(s')`, no gradient, clamped to ±1/(1 - gamma);
//! 5. critic losses `0.5 mean((Q_i(s, z)_k - y)^2)` with k the stored skill (or, as upstream
//!    released it, the skill sampled in step 1: `critic_skill_index = "sampled"`);
//! 6. policy step, critic steps, Polyak update of the targets.
//!
//! The frozen prior's outputs at s and s' are read from the replay buffer when the batch carries
//! them ([`SkillAgent::obs_features`]: computed once per stored transition) and computed
//! otherwise; both give the same update.

use super::hl_common::{
    OptSlot, SlotGroup, adam, alpha_of, check_view, clip_target, load_module_state, load_state, module_state, polyak,
    save_state, temperature_step, twin_critic_losses,
};
use super::hybrid_sac_config::{CriticSkillIndex, HybridSacConfig};
use super::skill_agent::{ObsView, SkillAgent};
use crate::models::ClusterSkillModel;
use crate::rl::components::{ReplayBatch, SkillCritic, copy_params};
use crate::rl::policies::{HybridPolicy, PriorEval};
use autograd::{Param, Tape, Var};
use envs::snapshot::StateRng;
use nn::Module;
use nn::optim::{Adam, Optimizer};
use tensor::rand::SeedableRng;
use tensor::{Device, Tensor};

/// Noise of one update: uniforms for the skill draws (`u: [b]`) and standard-normal noise of the
/// argument samples (`eps: [b, Z]`), at s and at s'.
pub struct HybridNoise {
    pub u: Tensor,
    pub eps: Tensor,
    pub u_next: Tensor,
    pub eps_next: Tensor,
}

/// EXTRACT skill-space SAC. State-dict names: `policy.{p_k,p_z}.*`, `critics.{0,1}.*`,
/// `critic_targets.{0,1}.*`, `log_alpha_z`, `log_alpha_d`, `update_steps`,
/// `{policy,critic_{0,1},alpha_z,alpha_d}_opt.*`.
pub struct HybridSacAgent {
    pub config: HybridSacConfig,
    /// pi_d, pi_z: trainable copies of the priors.
    pub policy: HybridPolicy,
    /// p_d, p_z: frozen copies, never stepped (not in the state dict: they come from the skill checkpoint).
    pub prior: HybridPolicy,
    pub critics: [SkillCritic; 2],
    pub critic_targets: [SkillCritic; 2],
    pub log_alpha_z: Param,
    pub log_alpha_d: Param,
    view: ObsView,
    policy_opt: Adam,
    critic_opts: [Adam; 2],
    alpha_opts: [Adam; 2],
    update_steps: u64,
    rng: StateRng,
}

impl HybridSacAgent {
    /// An agent from two copies of the same skill checkpoint; `seed` drives the critics' initial
    /// weights and all sampling noise. Errors name the config field or the mismatch.
    pub fn new(
        policy_model: ClusterSkillModel,
        prior_model: ClusterSkillModel,
        view: ObsView,
        config: HybridSacConfig,
        seed: u64,
    ) -> Result<HybridSacAgent, String> {
        config.validate()?;
        if policy_model.cfg != prior_model.cfg {
            return Err("EXTRACT agent: the policy and prior models have different configs".into());
        }
        let in_dim = policy_model.p_k.mlp.blocks[0].linear.weight.shape()[1];
        check_view("EXTRACT agent", &view, policy_model.cfg.input, in_dim)?;
        let (policy, prior) = (HybridPolicy::from_model(policy_model), HybridPolicy::from_model(prior_model));
        let mut rng = StateRng::seed_from_u64(seed);
        let (c, sizes) = (&config, config.critic_sizes());
        let dims = (policy.z_dim(), policy.n_skills());
        let mut critic = |name: &str| SkillCritic::new(name, &view, dims, &sizes, &mut rng);
        let critics = [critic("critics.0")?, critic("critics.1")?];
        let critic_targets = [critic("critic_targets.0")?, critic("critic_targets.1")?];
        critic_targets.iter().zip(&critics).for_each(|(t, q)| copy_params(t, q));
        let log = |name: &str, a: f32| Param::new(name, Tensor::from_vec(vec![a.ln()], &[1]));
        let (log_alpha_z, log_alpha_d) = (log("log_alpha_z", c.alpha_z), log("log_alpha_d", c.alpha_d));
        Ok(HybridSacAgent {
            policy_opt: adam(policy.parameters(), c.policy_lr, c.adam_beta1),
            critic_opts: critics.each_ref().map(|q| adam(q.parameters(), c.critic_lr, c.adam_beta1)),
            alpha_opts: [&log_alpha_z, &log_alpha_d].map(|a| adam(vec![a.clone()], c.alpha_lr, c.adam_beta1)),
            policy,
            prior,
            critics,
            critic_targets,
            log_alpha_z,
            log_alpha_d,
            view,
            update_steps: 0,
            rng,
            config,
        })
    }

    /// The temperatures `(alpha_z, alpha_d)` (`exp` of their logs, never below 0).
    pub fn alphas(&self) -> (f32, f32) {
        (alpha_of(&self.log_alpha_z, 0.0), alpha_of(&self.log_alpha_d, 0.0))
    }

    /// Updates performed so far.
    pub fn update_steps(&self) -> u64 {
        self.update_steps
    }

    fn device(&self) -> Device {
        self.policy.device()
    }

    /// Noise for one update on `b` transitions, drawn from the agent's generator.
    pub fn draw_noise(&mut self, b: usize) -> HybridNoise {
        let (z, rng) = (self.policy.z_dim(), &mut self.rng);
        HybridNoise {
            u: Tensor::rand_uniform(&[b], 0.0, 1.0, rng),
            eps: Tensor::randn(&[b, z], 0.0, 1.0, rng),
            u_next: Tensor::rand_uniform(&[b], 0.0, 1.0, rng),
            eps_next: Tensor::randn(&[b, z], 0.0, 1.0, rng),
        }
    }

    /// One update (module doc) with the given noise — what the PyTorch reference test injects.
    pub fn update_with_noise(&mut self, batch: &ReplayBatch, noise: &HybridNoise) -> Vec<(&'static str, f32)> {
        let dev = self.device();
        let batch = batch.to(&dev);
        let s = self.view.model_input(&batch.obs);
        let c = self.config.clone();
        let tape = Tape::new();
        let prior = self.prior_eval(batch.features.as_ref().map(|f| &f.obs));
        let pi = self.policy.forward_with_noise(&tape, &s, prior, (&noise.u, &noise.eps), c.max_divergence_range);
        let (mut alpha_z_loss, mut alpha_d_loss) = (0.0, 0.0);
        if c.auto_alpha {
            let [opt_z, opt_d] = &mut self.alpha_opts;
            let gap_z = pi.kl_z.value().neg().add_scalar(c.target_kl_z);
            alpha_z_loss = temperature_step(&self.log_alpha_z, opt_z, &gap_z, 0.0);
            let gap_d = pi.kl_d.value().neg().add_scalar(c.target_kl_d);
            alpha_d_loss = temperature_step(&self.log_alpha_d, opt_d, &gap_d, 0.0);
        }
        let (alpha_z, alpha_d) = self.alphas();
        // Each critic encodes s once: with gradient for its own loss, detached for the policy's.
        let critic_tape = Tape::new();
        let features = self.critics.each_ref().map(|q| q.features(&critic_tape, &s));
        let frozen = Tape::no_grad();
        let q_pi_of = |i: usize| {
            let detached = Var::constant(features[i].value().clone());
            self.critics[i].forward_features(&frozen, &detached, &pi.z)
        };
        let q_pi = q_pi_of(0).minimum(&q_pi_of(1));
        let penalty = pi.kl_z.mul_scalar(alpha_z).add(&pi.kl_d.mul_scalar(alpha_d));
        let policy_loss = pi.probs.mul(&penalty.sub(&q_pi)).sum(&[-1], false).mean_all();
        let target = self.q_target(&batch, (&noise.u_next, &noise.eps_next), (alpha_z, alpha_d));
        let b = batch.len();
        let skills = match c.critic_skill_index {
            CriticSkillIndex::Stored => batch.action.narrow(1, 0, 1).contiguous(),
            CriticSkillIndex::Sampled => pi.skills.reshape(&[b, 1]),
        };
        let z_buffer = Var::constant(batch.action.narrow(1, 1, self.policy.z_dim()).contiguous());
        let qs =
            [0, 1].map(|i| self.critics[i].forward_features(&critic_tape, &features[i], &z_buffer).gather(1, &skills));
        let (critic_loss, losses, q_means) = twin_critic_losses(qs, &target);
        let metrics = vec![
            ("policy_loss", policy_loss.item()),
            ("alpha_z_loss", alpha_z_loss),
            ("alpha_d_loss", alpha_d_loss),
            ("critic_loss_1", losses[0]),
            ("critic_loss_2", losses[1]),
            ("alpha_z", alpha_z),
            ("alpha_d", alpha_d),
            ("kl_z", pi.kl_z.value().mean_all().item()),
            ("kl_d", pi.kl_d.value().mean_all().item()),
            ("q_target", target.mean_all().item()),
            ("q_1", q_means[0]),
            ("q_2", q_means[1]),
        ];
        self.policy_opt.step(&policy_loss.backward());
        let grads = critic_loss.backward();
        self.critic_opts.iter_mut().for_each(|opt| opt.step(&grads));
        polyak(&self.critic_targets, &self.critics, c.tau);
        self.update_steps += 1;
        metrics
    }

    /// The Q target `[b, 1]` (no gradient) for `batch` with noise `(u_next [b], eps_next [b, Z])` at
    /// s' and temperatures `(alpha_z, alpha_d)` (step 4 of the update; public for the reference test).
    pub fn q_target(&self, batch: &ReplayBatch, noise_next: (&Tensor, &Tensor), alphas: (f32, f32)) -> Tensor {
        let tape = Tape::no_grad();
        let next = self.view.model_input(&batch.next_obs);
        let c = &self.config;
        let prior = self.prior_eval(batch.features.as_ref().map(|f| &f.next_obs));
        let pi = self.policy.forward_with_noise(&tape, &next, prior, noise_next, c.max_divergence_range);
        let [t0, t1] = &self.critic_targets;
        let q_next = t0.forward(&tape, &next, &pi.z).minimum(&t1.forward(&tape, &next, &pi.z)).into_value();
        let penalty = pi.kl_z.value().mul_scalar(alphas.0).add(&pi.kl_d.value().mul_scalar(alphas.1));
        let value_next = pi.probs.value().mul(&q_next.sub(&penalty)).sum(&[-1], true);
        let not_done = batch.done.neg().add_scalar(1.0);
        clip_target(batch.reward.add(&not_done.mul(&value_next).mul_scalar(c.discount)), c.clip_q_target, c.discount)
    }

    /// The prior's outputs: stored rows when the batch has them, else its networks.
    fn prior_eval<'a>(&'a self, stored: Option<&'a Tensor>) -> PriorEval<'a> {
        stored.map_or(PriorEval::Net(&self.prior), PriorEval::Stored)
    }

    fn groups(&self) -> Vec<SlotGroup> {
        let slots = |m: &dyn Module| m.parameters().into_iter().chain(m.buffers()).collect::<Vec<_>>();
        let ([q0, q1], [t0, t1]) = (&self.critics, &self.critic_targets);
        vec![
            SlotGroup { prefix: "policy.", slots: slots(&self.policy) },
            SlotGroup { prefix: "", slots: [q0, q1, t0, t1].iter().flat_map(|m| slots(*m)).collect() },
            SlotGroup { prefix: "", slots: vec![self.log_alpha_z.clone(), self.log_alpha_d.clone()] },
        ]
    }

    fn opt_slots(&self) -> [OptSlot<'_>; 5] {
        let ([c0, c1], [q0, q1], [az, ad]) = (&self.critic_opts, &self.critics, &self.alpha_opts);
        [
            OptSlot { prefix: "policy_opt.", opt: &self.policy_opt, params: self.policy.parameters() },
            OptSlot { prefix: "critic_0_opt.", opt: c0, params: q0.parameters() },
            OptSlot { prefix: "critic_1_opt.", opt: c1, params: q1.parameters() },
            OptSlot { prefix: "alpha_z_opt.", opt: az, params: vec![self.log_alpha_z.clone()] },
            OptSlot { prefix: "alpha_d_opt.", opt: ad, params: vec![self.log_alpha_d.clone()] },
        ]
    }
}

impl SkillAgent for HybridSacAgent {
    fn rng_mut(&mut self) -> &mut StateRng {
        &mut self.rng
    }

    fn name(&self) -> &'static str {
        "extract"
    }

    /// `1 + Z`: the skill id, then its argument.
    fn action_dim(&self) -> usize {
        1 + self.policy.z_dim()
    }

    fn act(&mut self, obs: &Tensor) -> Tensor {
        let s = self.view.model_input(&obs.to(&self.device()));
        let b = s.shape()[0];
        let u = Tensor::rand_uniform(&[b], 0.0, 1.0, &mut self.rng);
        let eps = Tensor::randn(&[b, self.policy.z_dim()], 0.0, 1.0, &mut self.rng);
        self.policy.act_with_noise(&s, &u, &eps)
    }

    fn update(&mut self, batch: &ReplayBatch) -> Vec<(&'static str, f32)> {
        let noise = self.draw_noise(batch.len());
        self.update_with_noise(batch, &noise)
    }

    /// The frozen prior's outputs (`K + K * 2Z` per observation).
    fn obs_features_dim(&self) -> usize {
        self.prior.prior_features_dim()
    }

    fn obs_features(&self, obs: &Tensor) -> Option<Tensor> {
        Some(self.prior.prior_features(&self.view.model_input(&obs.to(&self.device()))))
    }

    fn state_dict(&self) -> Vec<(String, Tensor)> {
        save_state(&self.groups(), self.update_steps, &self.opt_slots())
    }

    fn load_state_dict(&mut self, state: &[(String, Tensor)]) -> Result<(), String> {
        let (opts, steps) = load_state("EXTRACT agent state", &self.groups(), &self.opt_slots(), state)?;
        let [p, c0, c1, az, ad]: [Adam; 5] = opts.try_into().unwrap_or_else(|_| unreachable!("five optimizers"));
        (self.policy_opt, self.critic_opts, self.alpha_opts) = (p, [c0, c1], [az, ad]);
        self.update_steps = steps;
        Ok(())
    }

    fn to_device(&self, device: &Device) {
        let ([q0, q1], [t0, t1]) = (&self.critics, &self.critic_targets);
        for m in [&self.policy as &dyn Module, &self.prior, q0, q1, t0, t1] {
            m.to_device(device);
        }
        for a in [&self.log_alpha_z, &self.log_alpha_d] {
            a.set(a.value().to(device));
        }
    }

    fn acting_state(&self) -> Vec<(String, Tensor)> {
        module_state(&self.policy)
    }

    fn load_acting_state(&mut self, state: &[(String, Tensor)]) -> Result<(), String> {
        load_module_state("EXTRACT policy", &self.policy, state)
    }
}
