//! SPiRL's skill model (`SkillPriorMdl` / `ImageSkillPriorMdl`): an LSTM posterior q(z | a_{1:H}), an
//! open-loop LSTM decoder p(a_{1:H} | z) and a learned Gaussian prior p(z | s) on the state or on
//! the stacked frames.
//!
//! Parameter names follow upstream's module tree: `q.0.cell.*`, `q.1.*`, `decoder.cell.*`,
//! `decoder_{input,hidden}_initalizer.val`, and the prior `p.0.*` (state) or `p.0.1.net.net.*` (conv
//! encoder) + `p.0.3.*` (MLP) (image).

use super::config::{InputSpec, ObsInput, SpirlConfig};
use super::parts::{
    PriorDims, PriorNames, PriorNet, SkillDecoder, SkillEncoder, buffers_of, nll, params_of, sample_with,
};
use super::{LossTerm, Losses, SkillModel};
use crate::data::Batch;
use autograd::{Param, Tape, Var};
use nn::Module;
use nn::dist::Gaussian;
use nn::loss::{gaussian_nll_unit, kl_loss};
use rand::Rng;
use rand::rngs::StdRng;
use tensor::Tensor;

/// SPiRL skill VAE + learned skill prior.
pub struct SpirlModel {
    pub cfg: SpirlConfig,
    pub action_dim: usize,
    /// q(z | a_{1:H}) (upstream `q`).
    pub q: SkillEncoder,
    /// p(a_{1:H} | z) (upstream `decoder` + its two initialisers).
    pub decoder: SkillDecoder,
    /// p(z | s) (upstream `p.0`).
    pub prior: PriorNet,
}

impl SpirlModel {
    pub fn new<R: Rng + ?Sized>(cfg: &SpirlConfig, spec: &InputSpec, rng: &mut R) -> Result<SpirlModel, String> {
        cfg.validate()?;
        let (a, z, h) = (spec.action_dim, cfg.nz_vae, cfg.nz_mid_lstm);
        let q = SkillEncoder::new((a, h, cfg.nz_enc, 2 * z), cfg.n_lstm_layers, rng);
        let decoder = SkillDecoder::new((z, h, a), cfg.n_lstm_layers, rng);
        let names = PriorNames { encoder: "p.0.1", mlp_image: "p.0.3", mlp_state: "p.0" };
        let dims = PriorDims {
            feature: cfg.nz_mid,
            extra: 0,
            mid: cfg.nz_mid_prior,
            layers: cfg.num_prior_net_layers,
            out: 2 * z,
            ngf: cfg.encoder_ngf,
        };
        let prior = PriorNet::new(cfg.input, spec, names, dims, cfg.normalization, rng)?;
        Ok(SpirlModel { cfg: cfg.clone(), action_dim: a, q, decoder, prior })
    }

    /// q(z | a): `actions: [b, H, A]` -> Gaussian over `[b, Z]` (read at the last step).
    pub fn posterior(&self, tape: &Tape, actions: &Tensor) -> Gaussian {
        let params = self.q.forward(tape, &actions.to(&self.device()), None);
        Gaussian::from_params(&params, self.cfg.max_mu())
    }

    /// The learned prior p(z | s): `obs: [b, 3F, res, res]` (image) or `[b, state_dim]` -> Gaussian over `[b, Z]`.
    pub fn learned_prior(&self, tape: &Tape, obs: &Tensor) -> Gaussian {
        Gaussian::from_params(&self.prior.forward(tape, obs, None), self.cfg.max_mu())
    }

    /// Decodes `z: [b, Z]` into `[b, steps, A]` actions.
    pub fn decode(&self, tape: &Tape, z: &Var, steps: usize) -> Var {
        self.decoder.forward(tape, z, steps)
    }

    /// RL: a skill `z ~ p(z | s)` for each observation, with the prior it was drawn from.
    pub fn sample_skill<R: Rng + ?Sized>(&self, tape: &Tape, obs: &Tensor, rng: &mut R) -> (Var, Gaussian) {
        let prior = self.learned_prior(tape, obs);
        (prior.rsample(rng), prior)
    }

    /// RL: the action plan of skills `z: [b, Z]`, the fixed H = `n_rollout_steps` actions `[b, H, A]`.
    pub fn action_plan(&self, tape: &Tape, z: &Var) -> Var {
        self.decode(tape, z, self.cfg.n_rollout_steps)
    }
}

impl Module for SpirlModel {
    fn parameters(&self) -> Vec<Param> {
        params_of(&[&self.q, &self.decoder, &self.prior])
    }
    fn buffers(&self) -> Vec<Param> {
        buffers_of(&[&self.q, &self.decoder, &self.prior])
    }
    fn set_training(&mut self, training: bool) {
        self.prior.set_training(training);
    }
}

impl SkillModel for SpirlModel {
    fn kind(&self) -> &'static str {
        match self.cfg.input {
            ObsInput::Image => "spirl",
            ObsInput::State => "spirl_state",
        }
    }

    /// Standard-normal noise shape of one training forward: `[b, Z]`.
    fn noise_shape(&self, batch: &Batch) -> [usize; 2] {
        [batch.len(), self.cfg.nz_vae]
    }

    /// `losses` with the posterior sample `z = mu + sigma * eps` taken from the given `eps: [b, Z]`.
    /// Upstream ignores the action mask (SPiRL windows are never padded); so does this.
    fn losses_with_noise(&self, tape: &Tape, batch: &Batch, eps: &Tensor) -> Losses {
        let h = self.cfg.n_rollout_steps;
        assert_eq!(
            batch.steps(),
            h,
            "SpirlModel: batch has {} target steps, model.n_rollout_steps is {h}",
            batch.steps()
        );
        let targets = batch.actions.to(&self.device());
        let q = self.posterior(tape, &targets);
        let z = sample_with(&q, eps);
        let q_hat = self.learned_prior(tape, &batch.obs);
        let rec = self.decode(tape, &z, h);
        let fixed = Gaussian::standard_on(q.mu.shape(), &self.device());
        Losses {
            terms: vec![
                LossTerm {
                    name: "rec_mse",
                    value: gaussian_nll_unit(&rec, &targets),
                    weight: self.cfg.reconstruction_mse_weight,
                },
                LossTerm { name: "kl_loss", value: kl_loss(&q, &fixed), weight: self.cfg.kl_div_weight },
                LossTerm { name: "q_hat_loss", value: nll(&q_hat, &z.detach()), weight: 1.0 },
            ],
        }
    }

    fn decode_prior_sample(&self, tape: &Tape, batch: &Batch, rng: &mut StdRng) -> Tensor {
        let eps = Tensor::randn_on(&self.noise_shape(batch), 0.0, 1.0, rng, &self.device());
        self.decode(tape, &Var::constant(eps), self.cfg.n_rollout_steps).into_value()
    }

    fn reconstruct(&self, tape: &Tape, batch: &Batch) -> Tensor {
        let q = self.posterior(tape, &batch.actions);
        self.decode(tape, &q.mu, self.cfg.n_rollout_steps).into_value()
    }
}
