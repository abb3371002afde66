//! RealNVP normalising flows (SPiRL's `flow_models.py`): coupling blocks and the flow model,
//! optionally conditioned on an observation feature.

use crate::linear::Linear;
use crate::mlp::{Mlp, MlpConfig};
use crate::module::Module;
use autograd::{Param, Tape, Var};
use rand::Rng;
use tensor::Tensor;

const HALF_LOG_2PI: f32 = 0.918_938_5;

/// `Linear -> Tanh -> Linear -> Tanh -> Linear` (`{name}.network.{0,2,4}`), the s/t nets.
pub struct TanhNet {
    pub layers: [Linear; 3],
}

impl TanhNet {
    fn new<R: Rng + ?Sized>(name: &str, input: usize, hidden: usize, out: usize, rng: &mut R) -> TanhNet {
        let l =
            |i: usize, a: usize, b: usize, rng: &mut R| Linear::new(&format!("{name}.network.{i}"), a, b, true, rng);
        TanhNet { layers: [l(0, input, hidden, rng), l(2, hidden, hidden, rng), l(4, hidden, out, rng)] }
    }

    fn forward(&self, tape: &Tape, x: &Var) -> Var {
        let h = self.layers[0].forward(tape, x).tanh();
        let h = self.layers[1].forward(tape, &h).tanh();
        self.layers[2].forward(tape, &h)
    }

    fn parameters(&self) -> Vec<Param> {
        self.layers.iter().flat_map(|l| l.parameters()).collect()
    }
}

/// One coupling block on `[b, 2h]`: `upper <- t1(lower, c) + upper * exp(s1(lower, c))`, then
/// `lower <- t2(upper, c) + lower * exp(s2(upper, c))`; `log det = sum s1 + sum s2`.
pub struct RealNvpBlock {
    pub t1: TanhNet,
    pub s1: TanhNet,
    pub t2: TanhNet,
    pub s2: TanhNet,
    pub half: usize,
}

impl RealNvpBlock {
    pub fn new<R: Rng + ?Sized>(name: &str, dim: usize, cond_dim: usize, hidden: usize, rng: &mut R) -> Self {
        assert!(dim.is_multiple_of(2), "RealNvpBlock: dim {dim} must be even");
        let h = dim / 2;
        let net = |n: &str, rng: &mut R| TanhNet::new(&format!("{name}.{n}"), h + cond_dim, hidden, h, rng);
        RealNvpBlock { t1: net("t1", rng), s1: net("s1", rng), t2: net("t2", rng), s2: net("s2", rng), half: h }
    }

    fn with_cond(x: &Var, c: Option<&Var>) -> Var {
        match c {
            Some(c) => Var::cat(&[x.clone(), c.clone()], 1),
            None => x.clone(),
        }
    }

    /// Data -> latent: `(z, log_det [b])`.
    pub fn forward(&self, tape: &Tape, x: &Var, c: Option<&Var>) -> (Var, Var) {
        let (lower, upper) = (x.narrow(1, 0, self.half), x.narrow(1, self.half, self.half));
        let lc = Self::with_cond(&lower, c);
        let s1 = self.s1.forward(tape, &lc);
        let upper = self.t1.forward(tape, &lc).add(&upper.mul(&s1.exp()));
        let uc = Self::with_cond(&upper, c);
        let s2 = self.s2.forward(tape, &uc);
        let lower = self.t2.forward(tape, &uc).add(&lower.mul(&s2.exp()));
        (Var::cat(&[lower, upper], 1), s1.sum(&[1], false).add(&s2.sum(&[1], false)))
    }

    /// Latent -> data (the exact inverse of `forward`).
    pub fn inverse(&self, tape: &Tape, z: &Var, c: Option<&Var>) -> Var {
        let (lower, upper) = (z.narrow(1, 0, self.half), z.narrow(1, self.half, self.half));
        let uc = Self::with_cond(&upper, c);
        let lower = lower.sub(&self.t2.forward(tape, &uc)).mul(&self.s2.forward(tape, &uc).neg().exp());
        let lc = Self::with_cond(&lower, c);
        let upper = upper.sub(&self.t1.forward(tape, &lc)).mul(&self.s1.forward(tape, &lc).neg().exp());
        Var::cat(&[lower, upper], 1)
    }
}

impl Module for RealNvpBlock {
    fn parameters(&self) -> Vec<Param> {
        [&self.t1, &self.s1, &self.t2, &self.s2].iter().flat_map(|n| n.parameters()).collect()
    }
}

/// A stack of coupling blocks (`{name}.flows.{i}`) over a standard-normal base, optionally
/// conditioned on `cond_net(obs)` (`{name}.cond_net`, SPiRL's `ConditionedFlowModel`).
pub struct RealNvp {
    pub blocks: Vec<RealNvpBlock>,
    pub cond_net: Option<Mlp>,
    pub dim: usize,
}

impl RealNvp {
    /// Unconditioned flow of `n_blocks` blocks with hidden width `hidden` (32 upstream).
    pub fn new<R: Rng + ?Sized>(name: &str, dim: usize, n_blocks: usize, hidden: usize, rng: &mut R) -> RealNvp {
        let blocks =
            (0..n_blocks).map(|i| RealNvpBlock::new(&format!("{name}.flows.{i}"), dim, 0, hidden, rng)).collect();
        RealNvp { blocks, cond_net: None, dim }
    }

    /// Flow conditioned on an observation through `cond` (its `out_dim` is fed to every block).
    pub fn conditioned<R: Rng + ?Sized>(
        name: &str,
        dim: usize,
        n_blocks: usize,
        hidden: usize,
        cond: MlpConfig,
        rng: &mut R,
    ) -> Self {
        let blocks = (0..n_blocks)
            .map(|i| RealNvpBlock::new(&format!("{name}.flows.{i}"), dim, cond.out_dim, hidden, rng))
            .collect();
        RealNvp { blocks, cond_net: Some(Mlp::new(&format!("{name}.cond_net"), cond, rng)), dim }
    }

    fn condition(&self, tape: &Tape, obs: Option<&Var>) -> Option<Var> {
        match (&self.cond_net, obs) {
            (Some(net), Some(o)) => Some(net.forward(tape, o)),
            (None, None) => None,
            _ => panic!("RealNvp: conditioning input given to an unconditioned flow, or missing for a conditioned one"),
        }
    }

    /// `log p(x | obs)` per sample: base log density of the latent plus the log-det of the flow.
    pub fn log_prob(&self, tape: &Tape, x: &Var, obs: Option<&Var>) -> Var {
        let c = self.condition(tape, obs);
        let mut z = x.clone();
        let mut log_det = Var::constant(Tensor::zeros_on(&[x.dim(0)], &x.value().device()));
        for b in &self.blocks {
            let (z2, ld) = b.forward(tape, &z, c.as_ref());
            z = z2;
            log_det = log_det.add(&ld);
        }
        let base = z.square().mul_scalar(-0.5).add_scalar(-HALF_LOG_2PI).sum(&[1], false);
        base.add(&log_det)
    }

    /// Samples `n` points (`obs`, if given, must have `n` rows).
    pub fn sample<R: Rng + ?Sized>(&self, tape: &Tape, n: usize, obs: Option<&Var>, rng: &mut R) -> Var {
        let c = self.condition(tape, obs);
        let z = Var::constant(Tensor::randn_on(&[n, self.dim], 0.0, 1.0, rng, &self.device()));
        self.blocks.iter().rev().fold(z, |x, b| b.inverse(tape, &x, c.as_ref()))
    }
}

impl Module for RealNvp {
    fn parameters(&self) -> Vec<Param> {
        let mut p: Vec<Param> = self.cond_net.iter().flat_map(|n| n.parameters()).collect();
        p.extend(self.blocks.iter().flat_map(|b| b.parameters()));
        p
    }
    fn buffers(&self) -> Vec<Param> {
        self.cond_net.iter().flat_map(|n| n.buffers()).collect()
    }
    fn set_training(&mut self, training: bool) {
        if let Some(n) = &mut self.cond_net {
            n.set_training(training);
        }
    }
}
