//! ResNet-50 (torchvision's v1.5 layout: the stride on the 3x3 conv of each bottleneck) without its
//! classifier, the backbone of R3M: `x: [b, 3, h, w] -> [b, 2048]` after global average pooling.

use super::conv_bn::{ConvBn, Padding};
use crate::module::Module;
use autograd::{Param, Tape, Var};
use rand::Rng;

/// PyTorch's BatchNorm2d defaults `(eps, momentum)`.
const BN: (f32, f32) = (1e-5, 0.1);

/// `(blocks, width, first stride)` of `layer1..layer4`; a bottleneck outputs `4 * width` channels.
const LAYERS: [(usize, usize, usize); 4] = [(3, 64, 1), (4, 128, 2), (6, 256, 2), (3, 512, 2)];

/// `1x1 -> BN -> ReLU -> 3x3 (stride) -> BN -> ReLU -> 1x1 -> BN`, plus the input (or its 1x1
/// strided projection `downsample.{0,1}` when the shape changes), then ReLU.
pub struct Bottleneck {
    pub convs: [ConvBn; 3],
    pub downsample: Option<ConvBn>,
}

impl Bottleneck {
    fn new<R: Rng + ?Sized>(name: &str, cin: usize, width: usize, stride: usize, rng: &mut R) -> Self {
        let n = |s: String| format!("{name}.{s}");
        let unit = |i: usize, io: (usize, usize), k: usize, s: usize, p: usize, rng: &mut R| {
            ConvBn::new((&n(format!("conv{i}")), &n(format!("bn{i}"))), io, k, s, 1, Padding::Torch(p), BN, rng)
        };
        let convs = [
            unit(1, (cin, width), 1, 1, 0, rng),
            unit(2, (width, width), 3, stride, 1, rng),
            unit(3, (width, 4 * width), 1, 1, 0, rng),
        ];
        let downsample = (stride != 1 || cin != 4 * width).then(|| {
            let (conv, bn) = (n("downsample.0".into()), n("downsample.1".into()));
            ConvBn::new((&conv, &bn), (cin, 4 * width), 1, stride, 1, Padding::Torch(0), BN, rng)
        });
        Bottleneck { convs, downsample }
    }

    /// `x: [b, in, h, w] -> [b, 4 * width, h / stride, w / stride]`.
    pub fn forward(&self, tape: &Tape, x: &Var) -> Var {
        let h = self.convs[0].forward(tape, x).relu();
        let h = self.convs[1].forward(tape, &h).relu();
        let h = self.convs[2].forward(tape, &h);
        let identity = match &self.downsample {
            Some(d) => d.forward(tape, x),
            None => x.clone(),
        };
        h.add(&identity).relu()
    }

    fn parts(&self) -> Vec<&ConvBn> {
        self.convs.iter().chain(&self.downsample).collect()
    }

    fn parts_mut(&mut self) -> Vec<&mut ConvBn> {
        self.convs.iter_mut().chain(&mut self.downsample).collect()
    }
}

/// ResNet-50 backbone with torchvision's parameter names (`conv1.weight`, `bn1.*`,
/// `layer3.2.conv2.weight`, `layer1.0.downsample.1.running_mean`, ...); no `fc`.
pub struct ResNet50 {
    pub stem: ConvBn,
    pub layers: Vec<Vec<Bottleneck>>,
}

impl ResNet50 {
    /// Feature width of the pooled output.
    pub const DIM: usize = 2048;

    /// Randomly initialised (PyTorch defaults), in eval mode; load weights with `nn::checkpoint`.
    pub fn new<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let stem = ConvBn::new(("conv1", "bn1"), (3, 64), 7, 2, 1, Padding::Torch(3), BN, rng);
        let mut cin = 64;
        let mut layers = Vec::new();
        for (l, &(blocks, width, stride)) in LAYERS.iter().enumerate() {
            let layer = (0..blocks)
                .map(|i| {
                    let s = if i == 0 { stride } else { 1 };
                    let b = Bottleneck::new(&format!("layer{}.{i}", l + 1), cin, width, s, rng);
                    cin = 4 * width;
                    b
                })
                .collect();
            layers.push(layer);
        }
        let mut net = ResNet50 { stem, layers };
        net.eval();
        net
    }

    /// The final feature map `[b, 2048, h/32, w/32]`.
    pub fn features(&self, tape: &Tape, x: &Var) -> Var {
        let h = self.stem.forward(tape, x).relu().max_pool2d(3, 2, 1);
        self.layers.iter().flatten().fold(h, |h, b| b.forward(tape, &h))
    }

    /// Global-average-pooled features: `x: [b, 3, h, w] -> [b, 2048]`.
    pub fn forward(&self, tape: &Tape, x: &Var) -> Var {
        assert!(x.rank() == 4 && x.dim(1) == 3, "ResNet50: expected [b, 3, h, w] images, got {:?}", x.shape());
        self.features(tape, x).mean(&[2, 3], false)
    }

    fn parts(&self) -> Vec<&ConvBn> {
        let mut p = vec![&self.stem];
        p.extend(self.layers.iter().flatten().flat_map(|b| b.parts()));
        p
    }
}

impl Module for ResNet50 {
    fn parameters(&self) -> Vec<Param> {
        self.parts().iter().flat_map(|c| c.parameters()).collect()
    }
    fn buffers(&self) -> Vec<Param> {
        self.parts().iter().flat_map(|c| c.buffers()).collect()
    }
    fn set_training(&mut self, training: bool) {
        self.stem.set_training(training);
        for b in self.layers.iter_mut().flatten() {
            b.parts_mut().into_iter().for_each(|c| c.set_training(training));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// torchvision's resnet50 has 25,557,032 parameters, 2,049,000 of them in `fc`.
    #[test]
    fn layout_matches_torchvision() {
        let net = ResNet50::new(&mut rand::rngs::StdRng::seed_from_u64(0));
        assert_eq!(net.num_parameters(), 25_557_032 - 2_049_000);
        let names: Vec<String> = net.state_dict().into_iter().map(|(n, _)| n).collect();
        for want in
            ["conv1.weight", "layer1.0.downsample.0.weight", "layer4.2.bn3.running_mean", "layer2.3.conv2.weight"]
        {
            assert!(names.iter().any(|n| n == want), "missing {want}");
        }
        assert!(!names.iter().any(|n| n == "layer1.1.downsample.0.weight"));
    }
}
