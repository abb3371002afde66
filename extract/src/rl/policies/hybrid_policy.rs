//! `HybridPolicy`: EXTRACT's high-level policy (upstream `HybridLearnedPriorAugmentedPIPolicy`,
//! `rl/policies/hybrid_policies.py`): copies of the skill model's priors p(d | s) and p(z | s, d)
//! used as pi_d and pi_z, regularised towards a frozen copy of the same priors.
//!
//! ```text
//! pi_d = Categorical(p_k(s))                 d ~ pi_d            (inverse CDF of a uniform u)
//! pi_z = Gaussian(p_z(s, onehot d))          z = mu + sigma eps   (reparameterised, no tanh)
//! KL_d = 1/K sum_k clamp( pi_d(k) (log pi_d(k) - log p_d(k)), ±max )
//! KL_z = 1/Z sum_i clamp( KL(pi_z,i || p_z,i), ±max )   (analytic, both at the same sampled d)
//! ```
//! The HL action is the row `[d, z]` (`1 + Z` wide).
//!
//! The frozen prior's outputs depend on the observation only, so they can be computed once per
//! stored observation ([`HybridPolicy::prior_features`]: p_d's logits and p_z's outputs for every
//! skill, `K + K * 2Z` values) and read back for each batch ([`PriorEval::Stored`]) instead of
//! running the prior's two conv encoders on every batch at s and at s'.

use crate::models::{ClusterSkillModel, PriorNet, sample_with};
use autograd::{Param, Tape, Var};
use nn::Module;
use nn::dist::{Categorical, Gaussian};
use tensor::Tensor;

/// One pass of the policy over a batch, with the divergences to the prior.
pub struct HybridPolicyOutput {
    /// `[b]`: the sampled skills d (integer-valued).
    pub skills: Tensor,
    /// `[b, Z]`: the reparameterised arguments z.
    pub z: Var,
    /// `[b, K]`: pi_d(k | s).
    pub probs: Var,
    /// `[b, 1]`: per-class mean of the clamped discrete KL terms.
    pub kl_d: Var,
    /// `[b, 1]`: per-dim mean of the clamped Gaussian KL at the sampled d.
    pub kl_z: Var,
}

/// Where the frozen prior's outputs for a batch come from.
#[derive(Clone, Copy)]
pub enum PriorEval<'a> {
    /// Run the prior's networks on the batch.
    Net(&'a HybridPolicy),
    /// Read them from [`HybridPolicy::prior_features`] rows `[b, K + K * 2Z]` stored earlier.
    Stored(&'a Tensor),
}

impl PriorEval<'_> {
    /// `(p_d, p_z at skills)` for `obs` and `skills: [b]` (no gradient).
    fn dists(&self, obs: &Tensor, skills: &Tensor, k: usize, max_mu: f32) -> (Categorical, Gaussian) {
        match self {
            PriorEval::Net(prior) => {
                let frozen = Tape::no_grad();
                (prior.skill_dist(&frozen, obs), prior.argument_dist(&frozen, obs, skills))
            }
            PriorEval::Stored(rows) => {
                let (b, width) = (rows.dim(0), rows.dim(1));
                assert!(width > k && (width - k).is_multiple_of(k), "stored prior rows {:?} for K = {k}", rows.shape());
                let logits = rows.narrow(1, 0, k).contiguous();
                // Row i's parameters for skill d_i sit at flat row i * K + d_i of [b * K, 2Z].
                let params = rows.narrow(1, k, width - k).contiguous().reshape(&[b * k, (width - k) / k]);
                let at: Vec<f32> = skills.to_vec().iter().enumerate().map(|(i, &d)| (i * k) as f32 + d).collect();
                let params = params.index_select(0, &Tensor::from_vec(at, &[b]).to(&rows.device()));
                (Categorical::new(Var::constant(logits)), Gaussian::from_params(&Var::constant(params), max_mu))
            }
        }
    }
}

/// pi_d and pi_z (or, frozen, the prior p_d and p_z), BatchNorm in eval mode.
pub struct HybridPolicy {
    pub p_k: PriorNet,
    pub p_z: PriorNet,
    /// Mean clamp of pi_z (the skill model's `encoder_max_range`).
    pub max_mu: f32,
    n_skills: usize,
    z_dim: usize,
}

impl HybridPolicy {
    /// The two priors of `model` (its encoder and decoder are dropped).
    pub fn from_model(model: ClusterSkillModel) -> HybridPolicy {
        let (max_mu, n_skills, z_dim) = (model.cfg.encoder_max_range, model.cfg.n_skills, model.cfg.nz_vae);
        let (mut p_k, mut p_z) = (model.p_k, model.p_z);
        p_k.set_training(false);
        p_z.set_training(false);
        HybridPolicy { p_k, p_z, max_mu, n_skills, z_dim }
    }

    /// Number of skills K.
    pub fn n_skills(&self) -> usize {
        self.n_skills
    }

    /// Argument dimension Z.
    pub fn z_dim(&self) -> usize {
        self.z_dim
    }

    /// pi_d(. | s) for `obs` as `ObsView::model_input` gives it.
    pub fn skill_dist(&self, tape: &Tape, obs: &Tensor) -> Categorical {
        Categorical::new(self.p_k.forward(tape, obs, None))
    }

    /// pi_z(. | s, d) for `skills: [b]`.
    pub fn argument_dist(&self, tape: &Tape, obs: &Tensor, skills: &Tensor) -> Gaussian {
        let onehot = Var::constant(skills.to(&self.device()).one_hot(self.n_skills));
        Gaussian::from_params(&self.p_z.forward(tape, obs, Some(&onehot)), self.max_mu)
    }

    /// Width of a [`HybridPolicy::prior_features`] row: `K + K * 2Z`.
    pub fn prior_features_dim(&self) -> usize {
        self.n_skills * (1 + 2 * self.z_dim)
    }

    /// This network's outputs for `obs` as stored rows `[b, K + K * 2Z]`: the logits of p(d | s),
    /// then for d = 0..K the raw outputs (mean, log sigma) of p(z | s, d). BatchNorm is in eval
    /// mode, so each row depends on its own observation only.
    pub fn prior_features(&self, obs: &Tensor) -> Tensor {
        let (tape, (b, k)) = (Tape::no_grad(), (obs.dim(0), self.n_skills));
        let logits = self.p_k.forward(&tape, obs, None).into_value();
        let features = self.p_z.features(&tape, obs);
        let dev = features.value().device();
        // Each observation's feature row K times, beside the K one-hot skills.
        let repeat = Tensor::from_vec((0..b * k).map(|i| (i / k) as f32).collect(), &[b * k]).to(&dev);
        let onehot = Tensor::from_vec((0..b * k).map(|i| (i % k) as f32).collect(), &[b * k]).to(&dev).one_hot(k);
        let rows = features.index_select(0, &repeat);
        let params = self.p_z.mlp.forward_cat(&tape, &[rows, Var::constant(onehot)]).into_value();
        Tensor::cat(&[logits, params.reshape(&[b, k * 2 * self.z_dim])], 1)
    }

    /// Samples `(d, z)` with uniforms `u: [b]` and standard-normal `eps: [b, Z]`, and the divergences
    /// to the frozen prior (no gradient, at the same d) clamped elementwise to `±max_range`.
    pub fn forward_with_noise(
        &self,
        tape: &Tape,
        obs: &Tensor,
        prior: PriorEval,
        noise: (&Tensor, &Tensor),
        max_range: f32,
    ) -> HybridPolicyOutput {
        let (u, eps) = noise;
        let pi_d = self.skill_dist(tape, obs);
        let skills = categorical_with_uniform(pi_d.probs().value(), u);
        let pi_z = self.argument_dist(tape, obs, &skills);
        let z = sample_with(&pi_z, eps);
        let (p_d, p_z) = prior.dists(obs, &skills, self.n_skills, self.max_mu);
        let log_pi = pi_d.log_probs();
        let probs = log_pi.exp();
        let kl_d = probs.mul(&log_pi.sub(&p_d.log_probs())).clamp(-max_range, max_range).mean(&[-1], true);
        let kl_z = pi_z.kl(&p_z).clamp(-max_range, max_range).mean(&[-1], true);
        HybridPolicyOutput { skills, z, probs, kl_d, kl_z }
    }

    /// HL actions `[b, 1 + Z]` = `[d, z]` for the noise `(u, eps)`, without gradients or divergences.
    pub fn act_with_noise(&self, obs: &Tensor, u: &Tensor, eps: &Tensor) -> Tensor {
        let tape = Tape::no_grad();
        let skills = categorical_with_uniform(self.skill_dist(&tape, obs).probs().value(), u);
        let z = sample_with(&self.argument_dist(&tape, obs, &skills), eps).into_value();
        let b = skills.numel();
        Tensor::cat(&[skills.reshape(&[b, 1]).to(&z.device()), z], 1)
    }
}

impl Module for HybridPolicy {
    fn parameters(&self) -> Vec<Param> {
        let mut p = self.p_k.parameters();
        p.extend(self.p_z.parameters());
        p
    }
    fn buffers(&self) -> Vec<Param> {
        let mut b = self.p_k.buffers();
        b.extend(self.p_z.buffers());
        b
    }
}

/// Inverse-CDF sampling: row `i` of `probs: [b, K]` gives the first class whose cumulative mass
/// exceeds `u[i] * total` (`u: [b]` uniforms in [0, 1)) -> `[b]` class ids on `probs`' device.
pub fn categorical_with_uniform(probs: &Tensor, u: &Tensor) -> Tensor {
    let k = probs.dim(-1);
    let (p, u) = (probs.to_vec(), u.to_vec());
    assert_eq!(p.len(), u.len() * k, "categorical_with_uniform: probs {:?} vs {} uniforms", probs.shape(), u.len());
    let out: Vec<f32> = p
        .chunks(k)
        .zip(&u)
        .map(|(row, &u)| {
            let target = u * row.iter().sum::<f32>();
            let mut acc = 0.0;
            // Rounding can leave `target` past the last bin: take the last class with mass.
            let last = row.iter().rposition(|&w| w > 0.0).unwrap_or(k - 1);
            row.iter()
                .position(|&w| {
                    acc += w;
                    target < acc
                })
                .unwrap_or(last) as f32
        })
        .collect();
    Tensor::from_vec(out, &[u.len()]).to(&probs.device())
}
