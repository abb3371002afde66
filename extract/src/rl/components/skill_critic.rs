//! `SkillCritic`: the Q-network of a skill-space agent, on whichever part of the observation the
//! skill model's priors read — an MLP on `[state, action]` (upstream `MLPCritic`) or a `ConvCritic`
//! on `(frames, action)` — with `n_out` outputs (SPiRL 1; EXTRACT K, one Q-value per skill).

use super::conv_critic::ConvCritic;
use crate::models::ObsInput;
use crate::rl::agents::ObsView;
use autograd::{Param, Tape, Var};
use nn::{Mlp, MlpConfig, Module, Norm};
use rand::Rng;
use tensor::Tensor;

/// Sizes of the critics of the skill-space agents (from their configs' `critic_*` fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CriticSizes {
    /// Hidden width of every critic MLP.
    pub mid_dim: usize,
    /// Hidden blocks of a state-input MLP.
    pub num_layers: usize,
    /// Hidden blocks of an image-input critic's vector MLP.
    pub vector_num_layers: usize,
    /// Width of an image-input critic's vector and image encodings.
    pub feature_dim: usize,
    /// First-block channels of an image-input critic's conv encoder.
    pub ngf: usize,
}

/// `Q(s, action) -> [b, n_out]`, reading `s` as `ObsView::model_input` gives it.
pub enum SkillCritic {
    /// `Mlp([state, action]) -> n_out` (LeakyReLU 0.2, no normalisation); names `{name}._net.*`.
    State(Mlp),
    /// `ConvCritic(frames, action) -> n_out`; names `{name}.*`.
    Image(ConvCritic),
}

impl SkillCritic {
    /// A critic for observations seen through `view`, on actions of width `action_dim`.
    pub fn new<R: Rng + ?Sized>(
        name: &str,
        view: &ObsView,
        dims: (usize, usize),
        sizes: &CriticSizes,
        rng: &mut R,
    ) -> Result<SkillCritic, String> {
        let (action_dim, n_out) = dims;
        Ok(match (view.input, view.image) {
            (ObsInput::State, _) => {
                let cfg = MlpConfig {
                    in_dim: view.state_dim + action_dim,
                    mid_dim: sizes.mid_dim,
                    out_dim: n_out,
                    num_layers: sizes.num_layers,
                    norm: Norm::None,
                    slope: 0.2,
                };
                SkillCritic::State(Mlp::new(&format!("{name}._net"), cfg, rng))
            }
            (ObsInput::Image, Some(img)) => SkillCritic::Image(ConvCritic::new(name, img, dims, sizes, rng)),
            (ObsInput::Image, None) => return Err("image-input critic for observations without frames".into()),
        })
    }

    /// `obs`: `[b, state_dim]` or `[b, 3F, res, res]`; `action: [b, action_dim]` -> `[b, n_out]`.
    /// Called with `Tape::no_grad()` the weights enter as constants while gradients still flow into
    /// `action` (the policy loss: the critics' own gradients would be unused).
    pub fn forward(&self, tape: &Tape, obs: &Tensor, action: &Var) -> Var {
        match self {
            SkillCritic::State(mlp) => {
                let s = Var::constant(obs.to(&self.device()));
                mlp.forward_cat(tape, &[s, action.clone()])
            }
            SkillCritic::Image(conv) => conv.forward(tape, obs, action),
        }
    }

    /// What the critic reads of `obs` before the action joins: the state itself, or the conv
    /// encoding of the frames (on `tape`). Lets one encoding serve several
    /// [`SkillCritic::forward_features`] calls (a critic loss and, detached, a policy loss).
    pub fn features(&self, tape: &Tape, obs: &Tensor) -> Var {
        match self {
            SkillCritic::State(_) => Var::constant(obs.to(&self.device())),
            SkillCritic::Image(conv) => conv.encode(tape, obs),
        }
    }

    /// [`SkillCritic::forward`] from [`SkillCritic::features`].
    pub fn forward_features(&self, tape: &Tape, features: &Var, action: &Var) -> Var {
        match self {
            SkillCritic::State(mlp) => mlp.forward_cat(tape, &[features.clone(), action.clone()]),
            SkillCritic::Image(conv) => conv.forward_encoded(tape, features, action),
        }
    }
}

impl Module for SkillCritic {
    fn parameters(&self) -> Vec<Param> {
        match self {
            SkillCritic::State(m) => m.parameters(),
            SkillCritic::Image(c) => c.parameters(),
        }
    }
}
