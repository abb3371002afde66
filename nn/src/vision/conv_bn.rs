//! `ConvBn`: a bias-free Conv2d followed by BatchNorm2d, the unit of both ImageNet backbones, with
//! PyTorch or TensorFlow ("SAME") padding; in eval mode the norm is folded into the convolution.

use crate::conv::Conv2d;
use crate::conv_decoder::pad2d;
use crate::module::Module;
use crate::norm::BatchNorm;
use autograd::{Param, Tape, Var};
use rand::Rng;
use tensor::Conv2dGeom;

/// How a `ConvBn` pads its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// PyTorch's `padding=p`: `p` zeros on every side.
    Torch(usize),
    /// TensorFlow's "SAME": output `ceil(n / stride)`, total padding `max((out - 1) * s + k - n, 0)`
    /// split with the odd zero at the end (bottom/right), as EfficientNet's TF-trained weights expect.
    Same,
}

/// `(before, after)` zeros on one axis of `n` inputs for TF "SAME" with kernel `k` and stride `s`.
pub fn same_padding(n: usize, k: usize, s: usize) -> (usize, usize) {
    let total = ((n.div_ceil(s) - 1) * s + k).saturating_sub(n);
    (total / 2, total - total / 2)
}

/// `Conv2d(bias=False)` then `BatchNorm2d`; names `{conv}.weight` and `{bn}.{weight,bias,running_*}`
/// as the checkpoint has them (EfficientNet's `_blocks.3._depthwise_conv` + `_blocks.3._bn1`,
/// ResNet's `layer1.0.conv2` + `layer1.0.bn2`).
pub struct ConvBn {
    pub conv: Conv2d,
    pub bn: BatchNorm,
    pub padding: Padding,
}

impl ConvBn {
    /// `io` channels, square kernel `k`, `stride`, `groups`; BatchNorm with `eps` and `momentum`.
    #[allow(clippy::too_many_arguments)]
    pub fn new<R: Rng + ?Sized>(
        names: (&str, &str),
        io: (usize, usize),
        k: usize,
        stride: usize,
        groups: usize,
        padding: Padding,
        (eps, momentum): (f32, f32),
        rng: &mut R,
    ) -> ConvBn {
        let pad = if let Padding::Torch(p) = padding { p } else { 0 };
        let conv = Conv2d::grouped(names.0, io, k, (stride, pad), groups, false, rng);
        let mut bn = BatchNorm::new(names.1, io.1);
        (bn.eps, bn.momentum) = (eps, momentum);
        ConvBn { conv, bn, padding }
    }

    /// The padded input and the window geometry that realise `self.padding` on `x: [b, c, h, w]`:
    /// symmetric zeros go into the geometry, the odd "SAME" zero is appended explicitly.
    fn padded(&self, x: &Var) -> (Var, Conv2dGeom) {
        let mut g = self.conv.geom();
        if self.padding != Padding::Same {
            return (x.clone(), g);
        }
        let (k, s) = (g.kh, self.conv.stride);
        let ((top, bottom), (left, right)) = (same_padding(x.dim(2), k, s), same_padding(x.dim(3), k, s));
        g.padding = (top, left);
        if bottom == top && right == left {
            return (x.clone(), g);
        }
        (pad2d(x, (0, right - left, 0, bottom - top)), g)
    }

    /// `x: [b, in, h, w] -> [b, out, oh, ow]`. Training: conv then batch statistics. Eval:
    /// one convolution with `w * s` and bias `beta - mean * s`, `s = gamma / sqrt(var + eps)` (the
    /// same function as conv then running-statistics norm, one pass over the activations fewer).
    pub fn forward(&self, tape: &Tape, x: &Var) -> Var {
        let (x, g) = self.padded(x);
        let weight = tape.param(&self.conv.weight);
        if self.bn.training {
            return self.bn.forward(tape, &x.conv2d_grouped(&weight, None, &g, self.conv.groups));
        }
        let bn = &self.bn;
        let inv_std = Var::constant(bn.running_var.value().add_scalar(bn.eps).rsqrt());
        let scale = tape.param(&bn.weight).mul(&inv_std);
        let shift = tape.param(&bn.bias).sub(&scale.mul(&Var::constant(bn.running_mean.value())));
        let o = scale.numel();
        let folded = weight.mul(&scale.reshape(&[o, 1, 1, 1]));
        x.conv2d_grouped(&folded, Some(&shift), &g, self.conv.groups)
    }
}

impl Module for ConvBn {
    fn parameters(&self) -> Vec<Param> {
        let mut p = self.conv.parameters();
        p.extend(self.bn.parameters());
        p
    }
    fn buffers(&self) -> Vec<Param> {
        self.bn.buffers()
    }
    fn set_training(&mut self, training: bool) {
        self.bn.set_training(training);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TF "SAME": the odd zero goes after; stride 1 keeps the size.
    #[test]
    fn same_padding_splits_like_tensorflow() {
        assert_eq!(same_padding(128, 3, 2), (0, 1));
        assert_eq!(same_padding(8, 5, 2), (1, 2));
        assert_eq!(same_padding(7, 5, 2), (2, 2));
        assert_eq!(same_padding(16, 5, 1), (2, 2));
        assert_eq!(same_padding(16, 1, 1), (0, 0));
    }
}
