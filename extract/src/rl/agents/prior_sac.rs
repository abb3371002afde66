//! `SpirlSacAgent`: SPiRL's high-level agent (upstream `ActionPriorSACAgent` with
//! `ACLearnedPriorAugmentedPIPolicy`): SAC in skill space where the entropy bonus is replaced by the
//! divergence D from the learned skill prior (spec §5.2). The policy starts as a copy of the prior.
//! The frozen prior's outputs at s and s' are read from the batch when the replay buffer stored
//! them ([`SkillAgent::obs_features`]) and computed otherwise, with the same result.
//!
//! One update on a batch `(s, z, r, s', done)`, in upstream's order:
//! 1. policy at s: `z~ = mu + sigma eps`, divergence `D(s)` ([`mc_divergence`]);
//! 2. temperature step on `L_alpha = mean(alpha (delta - D).detach())` (unless `fixed_alpha`);
//! 3. policy loss `L_pi = mean(-min_i Q_i(s, z~) + alpha D(s))` with the new alpha;
//! 4. target `y = r + (1 - done) gamma (min_i Qbar_i(s', z') - alpha D(s'))`, `z' ~ pi(.|s')`, no
//!    gradient, clamped to ±1/(1 - gamma) when `clip_q_target`;
//! 5. critic losses `0.5 mean((Q_i(s, z) - y)^2)`;
//! 6. policy step, critic steps, Polyak update of the targets.

use super::hl_common::{
    OptSlot, SlotGroup, adam, alpha_of, clip_target, load_module_state, load_state, module_state, polyak, save_state,
    temperature_step, twin_critic_losses,
};
use super::prior_sac_config::{PriorSacConfig, Regularizer};
use super::skill_agent::{ObsView, SkillAgent};
use crate::models::{BcModel, ObsInput, SpirlModel, sample_with};
use crate::rl::components::{ReplayBatch, SkillCritic, copy_params};
use crate::rl::policies::{PriorPolicy, mc_divergence};
use autograd::{Param, Tape, Var};
use envs::snapshot::StateRng;
use nn::Module;
use nn::dist::Gaussian;
use nn::optim::{Adam, Optimizer};
use tensor::rand::SeedableRng;
use tensor::{Device, Tensor};

/// Standard-normal noise of one update: the policy sample at s (`eps: [b, Z]`), the divergence
/// samples at s (`div_eps: [N, b, Z]`), and the same two at s'.
pub struct SpirlNoise {
    pub eps: Tensor,
    pub div_eps: Tensor,
    pub eps_next: Tensor,
    pub div_eps_next: Tensor,
}

/// SPiRL skill-space SAC. State-dict names: `policy.{prior net names}`, `critics.{0,1}.*`,
/// `critic_targets.{0,1}.*`, `log_alpha`, `update_steps`, `{policy,critic_{0,1},alpha}_opt.*`.
pub struct SpirlSacAgent {
    pub config: PriorSacConfig,
    /// pi(z | s): trainable copy of the learned prior.
    pub policy: PriorPolicy,
    /// p(z | s): frozen copy, never stepped (not in the state dict: it comes from the skill checkpoint).
    pub prior: PriorPolicy,
    pub critics: [SkillCritic; 2],
    pub critic_targets: [SkillCritic; 2],
    pub log_alpha: Param,
    view: ObsView,
    policy_opt: Adam,
    critic_opts: [Adam; 2],
    alpha_opt: Adam,
    update_steps: u64,
    rng: StateRng,
    /// `"spirl"`, or `"bc_finetune"` for a BC policy.
    name: &'static str,
}

impl SpirlSacAgent {
    /// An agent from two copies of the same skill checkpoint; `seed` drives the critics' initial
    /// weights and all sampling noise. Errors name the config field or the mismatch.
    pub fn new(
        policy_model: SpirlModel,
        prior_model: SpirlModel,
        view: ObsView,
        config: PriorSacConfig,
        seed: u64,
    ) -> Result<SpirlSacAgent, String> {
        let same = policy_model.cfg == prior_model.cfg;
        let (input, in_dim) = (policy_model.cfg.input, policy_model.prior.mlp.blocks[0].linear.weight.shape()[1]);
        let policies = (PriorPolicy::from_model(policy_model), PriorPolicy::from_model(prior_model));
        Self::build(policies, same, (input, in_dim), view, config, seed, "spirl")
    }

    /// The BC-finetune baseline (upstream `SACAgent` with `ACPriorInitializedPolicy`): SAC on env
    /// actions whose policy starts as a copy of the BC model; with `regularizer = "prior_kl"` it is
    /// regularised toward the frozen BC policy instead of by entropy.
    pub fn from_bc(
        policy_model: BcModel,
        prior_model: BcModel,
        view: ObsView,
        config: PriorSacConfig,
        seed: u64,
    ) -> Result<SpirlSacAgent, String> {
        let same = policy_model.cfg == prior_model.cfg;
        let (input, in_dim) = (policy_model.cfg.input, policy_model.net.mlp.blocks[0].linear.weight.shape()[1]);
        let policies = (PriorPolicy::from_bc(policy_model), PriorPolicy::from_bc(prior_model));
        Self::build(policies, same, (input, in_dim), view, config, seed, "bc_finetune")
    }

    /// The agent around `policy` and `prior` (`same`: built from equal model configs), whose
    /// networks read `input` of width `in_dim`.
    #[allow(clippy::too_many_arguments)]
    fn build(
        (policy, prior): (PriorPolicy, PriorPolicy),
        same: bool,
        (input, in_dim): (ObsInput, usize),
        view: ObsView,
        config: PriorSacConfig,
        seed: u64,
        name: &'static str,
    ) -> Result<SpirlSacAgent, String> {
        let what = if name == "spirl" { "SPiRL agent" } else { "BC-finetune agent" };
        config.validate()?;
        if !same {
            return Err(format!("{what}: the policy and prior models have different configs"));
        }
        super::hl_common::check_view(what, &view, input, in_dim)?;
        let mut rng = StateRng::seed_from_u64(seed);
        let (c, sizes) = (&config, config.critic_sizes());
        let dims = (policy.z_dim(), 1);
        let mut critic = |name: &str| SkillCritic::new(name, &view, dims, &sizes, &mut rng);
        let critics = [critic("critics.0")?, critic("critics.1")?];
        let critic_targets = [critic("critic_targets.0")?, critic("critic_targets.1")?];
        critic_targets.iter().zip(&critics).for_each(|(t, q)| copy_params(t, q));
        let alpha0 = c.fixed_alpha.unwrap_or(c.init_alpha);
        let log_alpha = Param::new("log_alpha", Tensor::from_vec(vec![alpha0.ln()], &[1]));
        Ok(SpirlSacAgent {
            policy_opt: adam(policy.parameters(), c.policy_lr, c.adam_beta1),
            critic_opts: critics.each_ref().map(|q| adam(q.parameters(), c.critic_lr, c.adam_beta1)),
            alpha_opt: adam(vec![log_alpha.clone()], c.alpha_lr, c.adam_beta1),
            policy,
            prior,
            critics,
            critic_targets,
            log_alpha,
            view,
            update_steps: 0,
            rng,
            config,
            name,
        })
    }

    fn divergence_metric(&self) -> &'static str {
        match self.config.regularizer {
            Regularizer::PriorKl => "prior_divergence",
            Regularizer::Entropy => "log_pi",
        }
    }

    /// The regulariser `[b, 1]` of `pi` at `s` for the sample `z`: the clamped Monte-Carlo KL to the
    /// frozen prior (noise `div_eps`; its outputs read from `stored` rows when given), or
    /// `log pi(z | s)`.
    fn divergence(&self, s: &Tensor, pi: &Gaussian, z: &Var, div_eps: &Tensor, stored: Option<&Tensor>) -> Var {
        match self.config.regularizer {
            Regularizer::PriorKl => {
                let prior = match stored {
                    Some(rows) => Gaussian::from_params(&Var::constant(rows.clone()), self.prior.max_mu),
                    None => self.prior.dist(&Tape::no_grad(), s),
                };
                mc_divergence(pi, &prior, div_eps, self.config.max_divergence_range)
            }
            Regularizer::Entropy => {
                let b = z.dim(0);
                pi.log_prob_sum(z).reshape(&[b, 1])
            }
        }
    }

    /// The temperature `max(exp(log_alpha), alpha_min)`.
    pub fn alpha(&self) -> f32 {
        alpha_of(&self.log_alpha, self.config.alpha_min)
    }

    /// Updates performed so far.
    pub fn update_steps(&self) -> u64 {
        self.update_steps
    }

    fn device(&self) -> Device {
        self.policy.device()
    }

    /// Noise for one update on `b` transitions, drawn from the agent's generator.
    pub fn draw_noise(&mut self, b: usize) -> SpirlNoise {
        let (z, n) = (self.policy.z_dim(), self.config.n_divergence_samples);
        let rng = &mut self.rng;
        SpirlNoise {
            eps: Tensor::randn(&[b, z], 0.0, 1.0, rng),
            div_eps: Tensor::randn(&[n, b, z], 0.0, 1.0, rng),
            eps_next: Tensor::randn(&[b, z], 0.0, 1.0, rng),
            div_eps_next: Tensor::randn(&[n, b, z], 0.0, 1.0, rng),
        }
    }

    /// One update (module doc) with the given noise — what the PyTorch reference test injects.
    pub fn update_with_noise(&mut self, batch: &ReplayBatch, noise: &SpirlNoise) -> Vec<(&'static str, f32)> {
        let dev = self.device();
        let batch = batch.to(&dev);
        let s = self.view.model_input(&batch.obs);
        let tape = Tape::new();
        let pi = self.policy.dist(&tape, &s);
        let z = sample_with(&pi, &noise.eps);
        let stored = batch.features.as_ref().map(|f| &f.obs);
        let div = self.divergence(&s, &pi, &z, &noise.div_eps.to(&dev), stored);
        let alpha_loss = match self.config.fixed_alpha {
            Some(_) => 0.0,
            None => {
                let gap = div.value().neg().add_scalar(self.config.target_divergence);
                temperature_step(&self.log_alpha, &mut self.alpha_opt, &gap, self.config.alpha_min)
            }
        };
        let alpha = self.alpha();
        // Each critic encodes s once: with gradient for its own loss, detached for the policy's.
        let critic_tape = Tape::new();
        let features = self.critics.each_ref().map(|q| q.features(&critic_tape, &s));
        let frozen = Tape::no_grad();
        let q_pi_of = |i: usize| {
            let detached = Var::constant(features[i].value().clone());
            self.critics[i].forward_features(&frozen, &detached, &z)
        };
        let q_pi = q_pi_of(0).minimum(&q_pi_of(1));
        let policy_loss = div.mul_scalar(alpha).sub(&q_pi).mean_all();
        let target = self.q_target(&batch, (&noise.eps_next.to(&dev), &noise.div_eps_next.to(&dev)), alpha);
        let action = Var::constant(batch.action.clone());
        let qs = [0, 1].map(|i| self.critics[i].forward_features(&critic_tape, &features[i], &action));
        let (critic_loss, losses, q_means) = twin_critic_losses(qs, &target);
        let metrics = vec![
            ("policy_loss", policy_loss.item()),
            ("alpha_loss", alpha_loss),
            ("critic_loss_1", losses[0]),
            ("critic_loss_2", losses[1]),
            ("alpha", alpha),
            (self.divergence_metric(), div.value().mean_all().item()),
            ("q_target", target.mean_all().item()),
            ("q_1", q_means[0]),
            ("q_2", q_means[1]),
        ];
        self.policy_opt.step(&policy_loss.backward());
        let grads = critic_loss.backward();
        self.critic_opts.iter_mut().for_each(|opt| opt.step(&grads));
        polyak(&self.critic_targets, &self.critics, self.config.tau);
        self.update_steps += 1;
        metrics
    }

    /// The Q target `[b, 1]` (no gradient) for `batch` with noise `(eps_next [b, Z], div_eps_next
    /// [N, b, Z])` at s' and temperature `alpha` (step 4 of the update; public for the reference test).
    pub fn q_target(&self, batch: &ReplayBatch, noise_next: (&Tensor, &Tensor), alpha: f32) -> Tensor {
        let tape = Tape::no_grad();
        let next = self.view.model_input(&batch.next_obs);
        let pi = self.policy.dist(&tape, &next);
        let z = sample_with(&pi, noise_next.0);
        let stored = batch.features.as_ref().map(|f| &f.next_obs);
        let div = self.divergence(&next, &pi, &z, noise_next.1, stored);
        let [t0, t1] = &self.critic_targets;
        let q_next = t0.forward(&tape, &next, &z).minimum(&t1.forward(&tape, &next, &z));
        let value_next = q_next.value().sub(&div.value().mul_scalar(alpha));
        let not_done = batch.done.neg().add_scalar(1.0);
        let c = &self.config;
        clip_target(batch.reward.add(&not_done.mul(&value_next).mul_scalar(c.discount)), c.clip_q_target, c.discount)
    }

    fn groups(&self) -> Vec<SlotGroup> {
        let slots = |m: &dyn Module| m.parameters().into_iter().chain(m.buffers()).collect::<Vec<_>>();
        let ([q0, q1], [t0, t1]) = (&self.critics, &self.critic_targets);
        vec![
            SlotGroup { prefix: "policy.", slots: slots(&self.policy) },
            SlotGroup { prefix: "", slots: [q0, q1, t0, t1].iter().flat_map(|m| slots(*m)).collect() },
            SlotGroup { prefix: "", slots: vec![self.log_alpha.clone()] },
        ]
    }

    fn opt_slots(&self) -> [OptSlot<'_>; 4] {
        let ([c0, c1], [q0, q1]) = (&self.critic_opts, &self.critics);
        [
            OptSlot { prefix: "policy_opt.", opt: &self.policy_opt, params: self.policy.parameters() },
            OptSlot { prefix: "critic_0_opt.", opt: c0, params: q0.parameters() },
            OptSlot { prefix: "critic_1_opt.", opt: c1, params: q1.parameters() },
            OptSlot { prefix: "alpha_opt.", opt: &self.alpha_opt, params: vec![self.log_alpha.clone()] },
        ]
    }
}

impl SkillAgent for SpirlSacAgent {
    fn rng_mut(&mut self) -> &mut StateRng {
        &mut self.rng
    }

    fn name(&self) -> &'static str {
        self.name
    }

    fn action_dim(&self) -> usize {
        self.policy.z_dim()
    }

    fn act(&mut self, obs: &Tensor) -> Tensor {
        let s = self.view.model_input(&obs.to(&self.device()));
        let pi = self.policy.dist(&Tape::no_grad(), &s);
        let eps = Tensor::randn(pi.mu.shape(), 0.0, 1.0, &mut self.rng);
        sample_with(&pi, &eps).into_value()
    }

    fn update(&mut self, batch: &ReplayBatch) -> Vec<(&'static str, f32)> {
        let noise = self.draw_noise(batch.len());
        self.update_with_noise(batch, &noise)
    }

    /// With the prior divergence: the frozen prior's raw outputs (mean, log sigma: `2Z`).
    fn obs_features_dim(&self) -> usize {
        match self.config.regularizer {
            Regularizer::PriorKl => 2 * self.prior.z_dim(),
            Regularizer::Entropy => 0,
        }
    }

    fn obs_features(&self, obs: &Tensor) -> Option<Tensor> {
        let s = self.view.model_input(&obs.to(&self.device()));
        (self.obs_features_dim() > 0).then(|| self.prior.net.forward(&Tape::no_grad(), &s, None).into_value())
    }

    fn state_dict(&self) -> Vec<(String, Tensor)> {
        save_state(&self.groups(), self.update_steps, &self.opt_slots())
    }

    fn load_state_dict(&mut self, state: &[(String, Tensor)]) -> Result<(), String> {
        let (opts, steps) = load_state("SPiRL agent state", &self.groups(), &self.opt_slots(), state)?;
        let [p, c0, c1, a]: [Adam; 4] = opts.try_into().unwrap_or_else(|_| unreachable!("four optimizers"));
        (self.policy_opt, self.critic_opts, self.alpha_opt) = (p, [c0, c1], a);
        self.update_steps = steps;
        Ok(())
    }

    fn to_device(&self, device: &Device) {
        let ([q0, q1], [t0, t1]) = (&self.critics, &self.critic_targets);
        for m in [&self.policy as &dyn Module, &self.prior, q0, q1, t0, t1] {
            m.to_device(device);
        }
        self.log_alpha.set(self.log_alpha.value().to(device));
    }

    fn acting_state(&self) -> Vec<(String, Tensor)> {
        module_state(&self.policy)
    }

    fn load_acting_state(&mut self, state: &[(String, Tensor)]) -> Result<(), String> {
        load_module_state("SPiRL policy", &self.policy, state)
    }
}
