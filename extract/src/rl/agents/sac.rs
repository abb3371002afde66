//! `SacAgent`: flat SAC (upstream `rl/agents/ac_agent.py` `SACAgent`) — twin critics with
//! hard-copied targets, a tanh-squashed Gaussian MLP policy and an auto-tuned temperature.
//!
//! One update, in upstream's order (spec §5.1), on a batch `(s, a, r, s', d)`:
//! 1. policy sample at s: `a~ = tanh(mu + sigma eps)`, `log pi(a~|s)`;
//! 2. temperature step on `L_alpha = -mean(alpha * (H_target + log pi).detach())`;
//! 3. policy loss `L_pi = mean(alpha log pi - min_i Q_i(s, a~))` with the *new* alpha;
//! 4. target `y = r * scale + (1 - d) gamma (min_i Qbar_i(s', a') - alpha log pi(a'|s'))`,
//!    `a' ~ pi(.|s')`, clamped to ±1/(1 - gamma) when `clip_q_target`;
//! 5. critic losses `L_i = 0.5 mean((Q_i(s, a) - y)^2)`;
//! 6. policy step, critic steps, then Polyak `Qbar_i <- tau Q_i + (1 - tau) Qbar_i`.

use super::sac_config::{SacConfig, SacMetrics};
use crate::rl::components::{MlpCritic, ReplayBatch, copy_params, soft_update};
use crate::rl::policies::MlpPolicy;
use autograd::{Param, Tape, Var};
use envs::snapshot::StateRng;
use nn::Module;
use nn::checkpoint::{CheckpointError, LoadOptions, load_into};
use nn::optim::{Adam, AdamConfig, Optimizer};
use tensor::rand::SeedableRng;
use tensor::{Device, Tensor};

/// Flat SAC. Parameter names follow upstream's state dict: `policy.net.*`, `critics.{0,1}._net.*`,
/// `critic_targets.{0,1}._net.*`, plus `log_alpha`.
pub struct SacAgent {
    pub config: SacConfig,
    pub policy: MlpPolicy,
    pub critics: [MlpCritic; 2],
    pub critic_targets: [MlpCritic; 2],
    pub log_alpha: Param,
    policy_opt: Adam,
    critic_opts: [Adam; 2],
    alpha_opt: Adam,
    target_entropy: f32,
    update_steps: u64,
    /// Noise for acting and for the policy samples of `update`.
    pub(super) rng: StateRng,
}

impl SacAgent {
    /// A fresh agent; `seed` drives the initial weights and all later sampling noise.
    /// Panics with the field's name when `config` fails [`SacConfig::validate`].
    pub fn new(obs_dim: usize, action_dim: usize, config: SacConfig, seed: u64) -> SacAgent {
        if let Err(e) = config.validate() {
            panic!("SacAgent::new: {e}");
        }
        let mut rng = StateRng::seed_from_u64(seed);
        let c = &config;
        let dims = (obs_dim, action_dim);
        let policy =
            MlpPolicy::new("policy", dims, (c.policy_mid_dim, c.policy_num_layers), c.leaky_relu_slope, &mut rng);
        let hidden = (c.critic_mid_dim, c.critic_num_layers);
        let mut critic = |name: String| MlpCritic::new(&name, dims, hidden, c.leaky_relu_slope, &mut rng);
        let critics = [critic("critics.0".into()), critic("critics.1".into())];
        let critic_targets = [critic("critic_targets.0".into()), critic("critic_targets.1".into())];
        critic_targets.iter().zip(&critics).for_each(|(t, q)| copy_params(t, q));
        let log_alpha = Param::new("log_alpha", Tensor::from_vec(vec![c.init_alpha.ln()], &[1]));
        let adam = |params: Vec<Param>, lr: f32| {
            Adam::new(params, AdamConfig { lr, beta1: c.adam_beta1, ..Default::default() })
        };
        SacAgent {
            policy_opt: adam(policy.parameters(), c.policy_lr),
            critic_opts: [adam(critics[0].parameters(), c.critic_lr), adam(critics[1].parameters(), c.critic_lr)],
            alpha_opt: adam(vec![log_alpha.clone()], c.alpha_lr),
            target_entropy: c.target_entropy.unwrap_or(-(action_dim as f32)),
            policy,
            critics,
            critic_targets,
            log_alpha,
            update_steps: 0,
            rng,
            config,
        }
    }

    pub fn action_dim(&self) -> usize {
        self.policy.action_dim()
    }

    /// The temperature `exp(log_alpha)`.
    pub fn alpha(&self) -> f32 {
        self.log_alpha.value().exp().item()
    }

    /// Updates performed so far.
    pub fn update_steps(&self) -> u64 {
        self.update_steps
    }

    pub fn device(&self) -> Device {
        self.policy.device()
    }

    /// Every network and `log_alpha` on `device` (optimizer state follows the parameters).
    pub fn to_device(&self, device: &Device) {
        for m in self.modules() {
            m.to_device(device);
        }
        self.log_alpha.set(self.log_alpha.value().to(device));
    }

    fn modules(&self) -> [&dyn Module; 5] {
        let ([q0, q1], [t0, t1]) = (&self.critics, &self.critic_targets);
        [&self.policy, q0, q1, t0, t1]
    }

    /// Actions for a batch `obs: [b, obs_dim] -> [b, action_dim]` in `[-1, 1]`: `tanh(mu)` when
    /// `deterministic`, else a sample (upstream always samples, in evaluation too).
    pub fn act_batch(&mut self, obs: &Tensor, deterministic: bool) -> Tensor {
        let (tape, x) = (Tape::no_grad(), Var::constant(obs.to(&self.device())));
        let a = match deterministic {
            true => self.policy.dist(&tape, &x).mode(),
            false => self.policy.forward(&tape, &x, &mut self.rng).action,
        };
        a.into_value()
    }

    /// One observation to one action in `[-1, 1]^action_dim` (see [`SacAgent::act_batch`]).
    pub fn act(&mut self, obs: &[f32], deterministic: bool) -> Vec<f32> {
        self.act_batch(&Tensor::from_slice(obs, &[1, obs.len()]), deterministic).to_vec()
    }

    /// One SAC update on `batch` (module doc), drawing the policy noise from the agent's generator.
    pub fn update(&mut self, batch: &ReplayBatch) -> SacMetrics {
        let shape = [batch.len(), self.action_dim()];
        let eps = Tensor::randn(&shape, 0.0, 1.0, &mut self.rng);
        let eps_next = Tensor::randn(&shape, 0.0, 1.0, &mut self.rng);
        self.update_with_noise(batch, &eps, &eps_next)
    }

    /// One update with given standard-normal noise for the policy samples at s (`eps`) and at s'
    /// (`eps_next`), both `[b, action_dim]` — what the PyTorch reference test injects.
    pub fn update_with_noise(&mut self, batch: &ReplayBatch, eps: &Tensor, eps_next: &Tensor) -> SacMetrics {
        let dev = self.device();
        let batch = batch.to(&dev);
        let obs = Var::constant(batch.obs.clone());
        let tape = Tape::new();
        let pi = self.policy.forward_with_noise(&tape, &obs, &eps.to(&dev));
        let alpha_loss = self.alpha_step(pi.log_prob.value());
        let alpha = self.alpha();
        // The critics enter the policy loss as constants: their gradients from it would be unused.
        let q_pi =
            self.critics[0].forward_frozen(&obs, &pi.action).minimum(&self.critics[1].forward_frozen(&obs, &pi.action));
        let policy_loss = pi.log_prob.mul_scalar(alpha).sub(&q_pi).mean_all();
        let target = self.q_target(&batch, &eps_next.to(&dev), alpha);
        let (critic_loss, losses, q_means) = self.critic_losses(&batch, &target);
        let metrics = SacMetrics {
            policy_loss: policy_loss.item(),
            alpha_loss,
            critic_loss_1: losses[0],
            critic_loss_2: losses[1],
            alpha,
            pi_log_prob: pi.log_prob.value().mean_all().item(),
            policy_entropy: pi.dist.base.entropy().value().sum(&[-1], false).mean_all().item(),
            q_target: target.mean_all().item(),
            q_1: q_means[0],
            q_2: q_means[1],
        };
        self.policy_opt.step(&policy_loss.backward());
        let grads = critic_loss.backward();
        self.critic_opts.iter_mut().for_each(|opt| opt.step(&grads));
        for (t, q) in self.critic_targets.iter().zip(&self.critics) {
            soft_update(t, q, self.config.tau);
        }
        self.update_steps += 1;
        metrics
    }

    /// Temperature step on `-mean(alpha * (H_target + log_prob))`; returns the loss.
    fn alpha_step(&mut self, log_prob: &Tensor) -> f32 {
        let gap = Var::constant(log_prob.add_scalar(self.target_entropy));
        let tape = Tape::new();
        let loss = tape.param(&self.log_alpha).exp().mul(&gap).mean_all().neg();
        let value = loss.item();
        self.alpha_opt.step(&loss.backward());
        value
    }

    /// The Q target `[b, 1]` (no gradient) for `batch` with noise `eps_next` at s' and temperature
    /// `alpha`, clipped when the config asks (step 4 of the update; public for the reference test).
    pub fn q_target(&self, batch: &ReplayBatch, eps_next: &Tensor, alpha: f32) -> Tensor {
        let (tape, next) = (Tape::no_grad(), Var::constant(batch.next_obs.clone()));
        let pi = self.policy.forward_with_noise(&tape, &next, eps_next);
        let [t0, t1] = &self.critic_targets;
        let q_next = t0.forward(&tape, &next, &pi.action).minimum(&t1.forward(&tape, &next, &pi.action));
        let value_next = q_next.value().sub(&pi.log_prob.value().mul_scalar(alpha));
        let not_done = batch.done.neg().add_scalar(1.0);
        let c = &self.config;
        let target = batch.reward.mul_scalar(c.reward_scale).add(&not_done.mul(&value_next).mul_scalar(c.discount));
        match c.clip_q_target {
            true => target.clamp(-1.0 / (1.0 - c.discount), 1.0 / (1.0 - c.discount)),
            false => target,
        }
    }

    /// `L_1 + L_2` on one tape (the critics share no parameters, so each optimizer sees exactly its
    /// own loss's gradient), the two losses and the mean Q of each critic.
    fn critic_losses(&self, batch: &ReplayBatch, target: &Tensor) -> (Var, [f32; 2], [f32; 2]) {
        let tape = Tape::new();
        let (obs, action) = (Var::constant(batch.obs.clone()), Var::constant(batch.action.clone()));
        let qs = self.critics.each_ref().map(|c| c.forward(&tape, &obs, &action));
        let losses =
            qs.each_ref().map(|q| q.binary_const(tensor::BinaryOp::Sub, target).square().mean_all().mul_scalar(0.5));
        let values = losses.each_ref().map(Var::item);
        let means = qs.each_ref().map(|q| q.value().mean_all().item());
        (losses[0].add(&losses[1]), values, means)
    }

    /// Networks, `log_alpha`, the update count and every optimizer's state (prefixed
    /// `policy_opt.`, `critic_opts.{0,1}.`, `alpha_opt.`), as named tensors for a checkpoint.
    pub fn state_dict(&self) -> Vec<(String, Tensor)> {
        let mut out: Vec<(String, Tensor)> = self.modules().iter().flat_map(|m| m.state_dict()).collect();
        out.push(("log_alpha".into(), self.log_alpha.value()));
        out.push(("update_steps".into(), Tensor::scalar(self.update_steps as f32)));
        for (prefix, opt) in self.optimizers() {
            out.extend(opt.state_dict().into_iter().map(|(k, v)| (format!("{prefix}{k}"), v)));
        }
        out
    }

    fn optimizers(&self) -> [(&'static str, &Adam); 4] {
        let [c0, c1] = &self.critic_opts;
        [
            ("policy_opt.", &self.policy_opt),
            ("critic_opts.0.", c0),
            ("critic_opts.1.", c1),
            ("alpha_opt.", &self.alpha_opt),
        ]
    }

    /// The parameters each optimizer of [`SacAgent::optimizers`] steps, in the same order.
    fn optimizer_params(&self) -> [Vec<Param>; 4] {
        let [c0, c1] = &self.critics;
        [self.policy.parameters(), c0.parameters(), c1.parameters(), vec![self.log_alpha.clone()]]
    }

    /// Restores [`SacAgent::state_dict`] output. Every entry is checked (names, shapes, optimizer
    /// state) before anything is set; the error lists what does not fit.
    pub fn load_state_dict(&mut self, state: &[(String, Tensor)]) -> Result<(), String> {
        let steps = state.iter().find(|(k, _)| k == "update_steps").ok_or("SAC state has no 'update_steps' entry")?;
        let mut opts = LoadOptions::default().skip_prefix("update_steps");
        let mut fresh = Vec::new();
        for ((prefix, opt), params) in self.optimizers().into_iter().zip(self.optimizer_params()) {
            // Loaded into fresh optimizers first, so a failure leaves this agent untouched.
            let mut new = Adam::new(params, opt.config);
            let sub = nn::checkpoint::strip_prefix(state, prefix);
            new.load_state_dict(&sub).map_err(|e| format!("SAC state {prefix}*: {e}"))?;
            fresh.push(new);
            opts = opts.skip_prefix(prefix);
        }
        let mut slots: Vec<Param> = self.modules().iter().flat_map(|m| m.parameters()).collect();
        slots.push(self.log_alpha.clone());
        load_into(&slots, state, "SAC state", &opts).map_err(|e| match e {
            CheckpointError::Mismatch { report, .. } => format!("SAC state does not fit the agent: {report}"),
            other => other.to_string(),
        })?;
        let [p, c0, c1, a]: [Adam; 4] = fresh.try_into().unwrap_or_else(|_| unreachable!("four optimizers"));
        (self.policy_opt, self.critic_opts, self.alpha_opt) = (p, [c0, c1], a);
        self.update_steps = steps.1.item() as u64;
        Ok(())
    }
}
