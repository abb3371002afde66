//! EXTRACT's cluster skill model (`ImageClusterSkillPriorMdl`): a skill is a discrete id d (the
//! clustering's label) plus a continuous argument z. Posterior q(z | a_{1:T}, d), autoregressive
//! decoder p(a_{1:T}, progress_{1:T} | z, d), skill prior p(d | s) and argument prior p(z | s, d), each
//! prior with its own conv encoder.
//!
//! Names: `q.*`, `decoder.*`, `decoder_{input,hidden}_initalizer.val`; image input: `p_k.1.net.net.*` +
//! `p_k.3.*`, `p_z.conv_encoder.1.net.net.*` + `p_z.linear_encoder.*`; state input: `p_k.*`, `p_z.*`.

use super::config::{ExtractConfig, InputSpec, ObsInput};
use super::parts::{
    PriorDims, PriorNames, PriorNet, SkillDecoder, SkillEncoder, buffers_of, nll, params_of, sample_with,
};
use super::plan::cut_at_progress;
use super::{LossTerm, Losses, SkillModel};
use crate::data::Batch;
use autograd::{Param, Tape, Var};
use nn::Module;
use nn::dist::{Categorical, Gaussian};
use nn::loss::{cross_entropy, kl_loss, masked_gaussian_nll_unit, masked_mse};
use rand::Rng;
use rand::rngs::StdRng;
use tensor::Tensor;

/// A skill drawn from the learned priors, with the distributions it was drawn from.
pub struct SkillSample {
    /// `[b]`: skill ids d ~ p(d | s) (integer-valued).
    pub skills: Tensor,
    /// `[b, Z]`: arguments z ~ p(z | s, d) (reparameterised).
    pub z: Var,
    /// p(d | s) over `[b, K]`.
    pub skill_prior: Categorical,
    /// p(z | s, d) at the drawn d, over `[b, Z]`.
    pub argument_prior: Gaussian,
}

/// EXTRACT skill model.
pub struct ClusterSkillModel {
    pub cfg: ExtractConfig,
    pub action_dim: usize,
    /// q(z | a, d) (upstream `q`).
    pub q: SkillEncoder,
    /// p(a, progress | z, d) (upstream `decoder` + its two initialisers).
    pub decoder: SkillDecoder,
    /// p(z | s, d) (upstream `p_z`).
    pub p_z: PriorNet,
    /// p(d | s) (upstream `p_k`).
    pub p_k: PriorNet,
}

impl ClusterSkillModel {
    pub fn new<R: Rng + ?Sized>(cfg: &ExtractConfig, spec: &InputSpec, rng: &mut R) -> Result<Self, String> {
        cfg.validate()?;
        let (a, z, k, h) = (spec.action_dim, cfg.nz_vae, cfg.n_skills, cfg.nz_mid_lstm);
        let q = SkillEncoder::new((a + k, h, cfg.nz_enc, 2 * z), cfg.n_lstm_layers, rng);
        let decoder = SkillDecoder::new((z + k, h, a + 1), cfg.n_lstm_layers, rng);
        let dims = |extra: usize, out: usize| PriorDims {
            feature: cfg.nz_mid,
            extra,
            mid: cfg.nz_mid_prior,
            layers: cfg.num_prior_net_layers,
            out,
            ngf: cfg.encoder_ngf,
        };
        let names = PriorNames { encoder: "p_z.conv_encoder.1", mlp_image: "p_z.linear_encoder", mlp_state: "p_z" };
        let p_z = PriorNet::new(cfg.input, spec, names, dims(k, 2 * z), cfg.normalization, rng)?;
        let names = PriorNames { encoder: "p_k.1", mlp_image: "p_k.3", mlp_state: "p_k" };
        let p_k = PriorNet::new(cfg.input, spec, names, dims(0, k), cfg.normalization, rng)?;
        Ok(ClusterSkillModel { cfg: cfg.clone(), action_dim: a, q, decoder, p_z, p_k })
    }

    /// `skills: [b]` (integer-valued) -> one-hot `[b, K]` on the model's device.
    pub fn one_hot(&self, skills: &Tensor) -> Tensor {
        skills.to(&self.device()).one_hot(self.cfg.n_skills)
    }

    /// q(z | a, d): `actions: [b, T, A]` (right-padded), `skills: [b]`, `last: [b]` (last real step
    /// per row) -> Gaussian over `[b, Z]`. Works for any batch size (upstream's index vector fixed 128).
    pub fn posterior(&self, tape: &Tape, actions: &Tensor, skills: &Tensor, last: &Tensor) -> Gaussian {
        let (b, t) = (actions.shape()[0], actions.shape()[1]);
        let onehot = self.one_hot(skills).unsqueeze(1).broadcast_to(&[b, t, self.cfg.n_skills]);
        let x = Tensor::cat(&[actions.to(&self.device()), onehot], 2);
        Gaussian::from_params(&self.q.forward(tape, &x, Some(last)), self.cfg.encoder_max_range)
    }

    /// Skill prior p(d | s): `obs: [b, 3F, res, res]` (image) or `[b, state_dim]` -> Categorical over K.
    pub fn skill_prior(&self, tape: &Tape, obs: &Tensor) -> Categorical {
        Categorical::new(self.p_k.forward(tape, obs, None))
    }

    /// Argument prior p(z | s, d) for `skills: [b]` -> Gaussian over `[b, Z]`.
    pub fn argument_prior(&self, tape: &Tape, obs: &Tensor, skills: &Tensor) -> Gaussian {
        let onehot = Var::constant(self.one_hot(skills));
        Gaussian::from_params(&self.p_z.forward(tape, obs, Some(&onehot)), self.cfg.encoder_max_range)
    }

    /// Decodes `z: [b, Z]` with `skills: [b]` for `steps` steps -> `[b, steps, A + 1]` (actions, then progress).
    pub fn decode(&self, tape: &Tape, z: &Var, skills: &Tensor, steps: usize) -> Var {
        let statics = Var::cat(&[z.clone(), Var::constant(self.one_hot(skills))], 1);
        self.decoder.forward(tape, &statics, steps)
    }

    /// RL: draws d ~ p(d | s), then z ~ p(z | s, d).
    pub fn sample_skill<R: Rng + ?Sized>(&self, tape: &Tape, obs: &Tensor, rng: &mut R) -> SkillSample {
        let skill_prior = self.skill_prior(tape, obs);
        let skills = skill_prior.sample(rng);
        let argument_prior = self.argument_prior(tape, obs, &skills);
        SkillSample { z: argument_prior.rsample(rng), skills, skill_prior, argument_prior }
    }

    /// RL: each skill's action plan `[n_i, A]`: `max_rollout_steps` decoded steps cut after the first
    /// step whose predicted progress reaches the threshold (that step included; all steps if none does).
    pub fn action_plans(&self, tape: &Tape, z: &Var, skills: &Tensor) -> Vec<Tensor> {
        let decoded = self.decode(tape, z, skills, self.cfg.max_rollout_steps);
        cut_at_progress(decoded.value(), self.cfg.skill_progress_termination_threshold)
    }
}

impl Module for ClusterSkillModel {
    fn parameters(&self) -> Vec<Param> {
        params_of(&[&self.q, &self.decoder, &self.p_z, &self.p_k])
    }
    fn buffers(&self) -> Vec<Param> {
        buffers_of(&[&self.q, &self.decoder, &self.p_z, &self.p_k])
    }
    fn set_training(&mut self, training: bool) {
        self.p_z.set_training(training);
        self.p_k.set_training(training);
    }
}

impl SkillModel for ClusterSkillModel {
    fn kind(&self) -> &'static str {
        match self.cfg.input {
            ObsInput::Image => "extract",
            ObsInput::State => "extract_state",
        }
    }

    /// Standard-normal noise shape of one training forward: `[b, Z]`.
    fn noise_shape(&self, batch: &Batch) -> [usize; 2] {
        [batch.len(), self.cfg.nz_vae]
    }

    /// `losses` with the posterior sample `z = mu + sigma * eps` taken from the given `eps: [b, Z]`.
    /// Masked losses average over every element, padded ones included (upstream's mean rule).
    fn losses_with_noise(&self, tape: &Tape, batch: &Batch, eps: &Tensor) -> Losses {
        let dev = self.device();
        let (t, a) = (batch.steps(), self.action_dim);
        let targets = batch.actions.to(&dev);
        let mask = batch.action_mask.to(&dev);
        let q = self.posterior(tape, &targets, &batch.skills, &batch.last_action_index);
        let z = sample_with(&q, eps);
        let q_hat = self.argument_prior(tape, &batch.obs, &batch.skills);
        let d_hat = self.skill_prior(tape, &batch.obs);
        let decoded = self.decode(tape, &z, &batch.skills, t);
        let (rec, progress) = (decoded.narrow(2, 0, a), decoded.select(2, a));
        let fixed = Gaussian::standard_on(q.mu.shape(), &dev);
        let c = &self.cfg;
        let term = |name, value, weight| LossTerm { name, value, weight };
        Losses {
            terms: vec![
                term(
                    "rec_mse",
                    masked_gaussian_nll_unit(&rec, &targets, &mask.unsqueeze(-1)),
                    c.reconstruction_mse_weight,
                ),
                term(
                    "skill_progress_mse",
                    masked_mse(&progress, &batch.progress.to(&dev), &mask),
                    c.skill_progress_mse_weight,
                ),
                term("kl_loss_z", kl_loss(&q, &fixed), c.kl_div_weight),
                term("discrete_skill_ce", cross_entropy(&d_hat.logits, &batch.skills.to(&dev)), 1.0),
                term("q_hat_loss", nll(&q_hat, &z.detach()), 1.0),
            ],
        }
    }

    fn decode_prior_sample(&self, tape: &Tape, batch: &Batch, rng: &mut StdRng) -> Tensor {
        let z = Var::constant(Tensor::randn_on(&self.noise_shape(batch), 0.0, 1.0, rng, &self.device()));
        self.decode(tape, &z, &batch.skills, batch.steps()).narrow(2, 0, self.action_dim).into_value()
    }

    fn reconstruct(&self, tape: &Tape, batch: &Batch) -> Tensor {
        let q = self.posterior(tape, &batch.actions, &batch.skills, &batch.last_action_index);
        self.decode(tape, &q.mu, &batch.skills, batch.steps()).narrow(2, 0, self.action_dim).into_value()
    }
}
