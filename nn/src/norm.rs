//! Normalisation layers: BatchNorm (1-D and 2-D, running statistics, train/eval) and LayerNorm.

use crate::module::Module;
use autograd::{Param, Tape, Var};
use tensor::Tensor;

/// Batch normalisation over the channel dim 1 of `[b, c]` or `[b, c, h, w]` inputs, PyTorch's
/// `BatchNorm1d`/`BatchNorm2d` (affine, momentum 0.1, eps 1e-5). Training normalises with the
/// batch statistics and updates the running ones (unbiased variance); eval uses the running ones.
pub struct BatchNorm {
    pub weight: Param,
    pub bias: Param,
    pub running_mean: Param,
    pub running_var: Param,
    pub num_batches_tracked: Param,
    pub momentum: f32,
    pub eps: f32,
    pub training: bool,
}

impl BatchNorm {
    pub fn new(name: &str, channels: usize) -> BatchNorm {
        let p = |n: &str, t: Tensor| Param::new(format!("{name}.{n}"), t);
        BatchNorm {
            weight: p("weight", Tensor::ones(&[channels])),
            bias: p("bias", Tensor::zeros(&[channels])),
            running_mean: p("running_mean", Tensor::zeros(&[channels])),
            running_var: p("running_var", Tensor::ones(&[channels])),
            num_batches_tracked: p("num_batches_tracked", Tensor::scalar(0.0)),
            momentum: 0.1,
            eps: 1e-5,
            training: true,
        }
    }

    /// `x: [b, c]` or `[b, c, h, w]` -> same shape.
    pub fn forward(&self, tape: &Tape, x: &Var) -> Var {
        let c = self.weight.value().numel();
        assert!(
            (x.rank() == 2 || x.rank() == 4) && x.dim(1) == c,
            "BatchNorm({}): expected [b, {c}] or [b, {c}, h, w], got shape {:?}",
            self.weight.name(),
            x.shape()
        );
        let (weight, bias) = (tape.param(&self.weight), tape.param(&self.bias));
        if self.training {
            // One fused op (batch statistics, normalise, scale, shift; closed-form backward).
            let (y, mean, var) = x.batch_norm(&weight, &bias, self.eps);
            self.update_running(&mean, &var, x.numel() / c);
            return y;
        }
        let view: Vec<usize> = if x.rank() == 2 { vec![1, c] } else { vec![1, c, 1, 1] };
        let mean = Var::constant(self.running_mean.value().reshape(&view));
        let var = Var::constant(self.running_var.value().reshape(&view));
        let xhat = x.sub(&mean).mul(&var.add_scalar(self.eps).rsqrt());
        xhat.mul(&weight.reshape(&view)).add(&bias.reshape(&view))
    }

    fn update_running(&self, mean: &Tensor, var: &Tensor, n: usize) {
        let m = self.momentum;
        let unbiased = var.mul_scalar(n as f32 / (n.max(2) - 1) as f32);
        let blend = |p: &Param, batch: &Tensor| {
            p.set(p.value().mul_scalar(1.0 - m).add(&batch.flatten().mul_scalar(m)));
        };
        blend(&self.running_mean, mean);
        blend(&self.running_var, &unbiased);
        self.num_batches_tracked.set(self.num_batches_tracked.value().add_scalar(1.0));
    }
}

impl Module for BatchNorm {
    fn parameters(&self) -> Vec<Param> {
        vec![self.weight.clone(), self.bias.clone()]
    }
    fn buffers(&self) -> Vec<Param> {
        vec![self.running_mean.clone(), self.running_var.clone(), self.num_batches_tracked.clone()]
    }
    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
}

/// Layer normalisation over the last dim (affine, eps 1e-5), PyTorch's `LayerNorm(n)`.
pub struct LayerNorm {
    pub weight: Param,
    pub bias: Param,
    pub eps: f32,
}

impl LayerNorm {
    pub fn new(name: &str, n: usize) -> LayerNorm {
        LayerNorm {
            weight: Param::new(format!("{name}.weight"), Tensor::ones(&[n])),
            bias: Param::new(format!("{name}.bias"), Tensor::zeros(&[n])),
            eps: 1e-5,
        }
    }

    /// `x: [.., n]` -> same shape.
    pub fn forward(&self, tape: &Tape, x: &Var) -> Var {
        let mean = x.mean(&[-1], true);
        let var = x.var(&[-1], true, false);
        let xhat = x.sub(&mean).mul(&var.add_scalar(self.eps).rsqrt());
        xhat.mul(&tape.param(&self.weight)).add(&tape.param(&self.bias))
    }
}

impl Module for LayerNorm {
    fn parameters(&self) -> Vec<Param> {
        vec![self.weight.clone(), self.bias.clone()]
    }
}

/// Which normalisation a block uses (SPiRL's `normalization` hyperparameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Norm {
    #[default]
    None,
    Batch,
    Layer,
}

/// A built normalisation layer of one of the `Norm` kinds.
pub enum NormLayer {
    Batch(BatchNorm),
    Layer(LayerNorm),
}

impl NormLayer {
    /// `None` for `Norm::None`; LayerNorm is skipped for conv blocks (as upstream).
    pub fn build(kind: Norm, name: &str, channels: usize, conv: bool) -> Option<NormLayer> {
        match kind {
            Norm::None => None,
            Norm::Batch => Some(NormLayer::Batch(BatchNorm::new(name, channels))),
            Norm::Layer if conv => None,
            Norm::Layer => Some(NormLayer::Layer(LayerNorm::new(name, channels))),
        }
    }

    pub fn forward(&self, tape: &Tape, x: &Var) -> Var {
        match self {
            NormLayer::Batch(b) => b.forward(tape, x),
            NormLayer::Layer(l) => l.forward(tape, x),
        }
    }

    pub fn module_mut(&mut self) -> &mut dyn Module {
        match self {
            NormLayer::Batch(b) => b,
            NormLayer::Layer(l) => l,
        }
    }

    pub fn module(&self) -> &dyn Module {
        match self {
            NormLayer::Batch(b) => b,
            NormLayer::Layer(l) => l,
        }
    }
}
