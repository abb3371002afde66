//! Flat behaviour cloning (`ImageBCMdl` / `BCMdl`): conv encoder (image input) -> MLP -> a diagonal
//! Gaussian over the current action. Names: `net.1.net.net.*` + `net.3.*` (image), `net.*` (state).

use super::config::{BcConfig, InputSpec, ObsInput};
use super::parts::{PriorDims, PriorNames, PriorNet, buffers_of, params_of, sample_with};
use super::{LossTerm, Losses, SkillModel};
use crate::data::Batch;
use autograd::{Param, Tape};
use nn::Module;
use nn::dist::Gaussian;
use nn::loss::mse;
use rand::Rng;
use rand::rngs::StdRng;
use tensor::Tensor;

/// BC policy network.
pub struct BcModel {
    pub cfg: BcConfig,
    pub action_dim: usize,
    /// Upstream `net`.
    pub net: PriorNet,
}

impl BcModel {
    pub fn new<R: Rng + ?Sized>(cfg: &BcConfig, spec: &InputSpec, rng: &mut R) -> Result<BcModel, String> {
        cfg.validate()?;
        let names = PriorNames { encoder: "net.1", mlp_image: "net.3", mlp_state: "net" };
        let dims = PriorDims {
            feature: cfg.nz_mid,
            extra: 0,
            mid: cfg.nz_mid,
            layers: cfg.n_processing_layers,
            out: 2 * spec.action_dim,
            ngf: cfg.encoder_ngf,
        };
        let net = PriorNet::new(cfg.input, spec, names, dims, cfg.normalization, rng)?;
        Ok(BcModel { cfg: cfg.clone(), action_dim: spec.action_dim, net })
    }

    /// The action distribution: `obs: [b, 3F, res, res]` or `[b, state_dim]` -> Gaussian over `[b, A]`
    /// (log sigma clamped to [-10, 2], mean unclamped, as upstream).
    pub fn policy(&self, tape: &Tape, obs: &Tensor) -> Gaussian {
        Gaussian::from_params(&self.net.forward(tape, obs, None), f32::INFINITY)
    }
}

impl Module for BcModel {
    fn parameters(&self) -> Vec<Param> {
        params_of(&[&self.net])
    }
    fn buffers(&self) -> Vec<Param> {
        buffers_of(&[&self.net])
    }
    fn set_training(&mut self, training: bool) {
        self.net.set_training(training);
    }
}

impl SkillModel for BcModel {
    fn kind(&self) -> &'static str {
        match self.cfg.input {
            ObsInput::Image => "bc",
            ObsInput::State => "bc_state",
        }
    }

    /// Standard-normal noise shape of one training forward: `[b, A]`.
    fn noise_shape(&self, batch: &Batch) -> [usize; 2] {
        [batch.len(), self.action_dim]
    }

    /// Upstream's loss `l2 = mean((a_sample - a)^2)` with `a_sample = mu + sigma * eps`, against the
    /// window's first target action.
    fn losses_with_noise(&self, tape: &Tape, batch: &Batch, eps: &Tensor) -> Losses {
        let target = batch.actions.select(1, 0).to(&self.device());
        let sample = sample_with(&self.policy(tape, &batch.obs), eps);
        Losses { terms: vec![LossTerm { name: "l2", value: mse(&sample, &target), weight: 1.0 }] }
    }

    /// BC has no latent: one action sampled from the policy, `[b, 1, A]`.
    fn decode_prior_sample(&self, tape: &Tape, batch: &Batch, rng: &mut StdRng) -> Tensor {
        self.policy(tape, &batch.obs).rsample(rng).unsqueeze(1).into_value()
    }

    /// The policy's mean action, `[b, 1, A]`.
    fn reconstruct(&self, tape: &Tape, batch: &Batch) -> Tensor {
        self.policy(tape, &batch.obs).mu.unsqueeze(1).into_value()
    }
}
