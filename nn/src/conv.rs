//! Convolution layers (`Conv2d`, `ConvTranspose2d`) and SPiRL's `ConvEncoder`.

use crate::init::torch_default_uniform;
use crate::module::Module;
use crate::norm::{Norm, NormLayer};
use autograd::{Param, Tape, Var};
use rand::Rng;
use tensor::Conv2dGeom;

/// 2-D convolution, PyTorch layout (`weight: [out, in/groups, k, k]`, `bias: [out]`) and
/// initialisation. `groups > 1` splits the channels into independent blocks (`groups == in ==
/// out`: depthwise).
pub struct Conv2d {
    pub weight: Param,
    pub bias: Option<Param>,
    pub stride: usize,
    pub padding: usize,
    pub groups: usize,
}

impl Conv2d {
    /// `(in, out, kernel, stride, padding)` with or without bias.
    pub fn new<R: Rng + ?Sized>(
        name: &str,
        io: (usize, usize),
        k: usize,
        sp: (usize, usize),
        bias: bool,
        rng: &mut R,
    ) -> Self {
        Conv2d::grouped(name, io, k, sp, 1, bias, rng)
    }

    /// `new` with `groups` channel blocks; `groups` must divide `in` and `out` (panics otherwise).
    pub fn grouped<R: Rng + ?Sized>(
        name: &str,
        io: (usize, usize),
        k: usize,
        sp: (usize, usize),
        groups: usize,
        bias: bool,
        rng: &mut R,
    ) -> Self {
        assert!(
            groups > 0 && io.0.is_multiple_of(groups) && io.1.is_multiple_of(groups),
            "Conv2d({name}): groups {groups} must divide in {} and out {}",
            io.0,
            io.1
        );
        let fan_in = io.0 / groups * k * k;
        let shape = [io.1, io.0 / groups, k, k];
        Conv2d {
            weight: Param::new(format!("{name}.weight"), torch_default_uniform(&shape, fan_in, rng)),
            bias: bias.then(|| Param::new(format!("{name}.bias"), torch_default_uniform(&[io.1], fan_in, rng))),
            stride: sp.0,
            padding: sp.1,
            groups,
        }
    }

    /// The window geometry (square kernel, no dilation).
    pub fn geom(&self) -> Conv2dGeom {
        Conv2dGeom::square(self.weight.shape()[2], self.stride, self.padding, 1)
    }

    /// `x: [b, in, h, w] -> [b, out, oh, ow]`.
    pub fn forward(&self, tape: &Tape, x: &Var) -> Var {
        let b = self.bias.as_ref().map(|b| tape.param(b));
        x.conv2d_grouped(&tape.param(&self.weight), b.as_ref(), &self.geom(), self.groups)
    }
}

impl Module for Conv2d {
    fn parameters(&self) -> Vec<Param> {
        std::iter::once(self.weight.clone()).chain(self.bias.clone()).collect()
    }
}

/// Transposed convolution, PyTorch layout (`weight: [in, out, k, k]`). PyTorch computes the
/// init fan-in from `weight.size(1) * k * k` (the output channels) for this layer; so do we.
pub struct ConvTranspose2d {
    pub weight: Param,
    pub bias: Option<Param>,
    pub stride: usize,
    pub padding: usize,
    pub output_padding: usize,
}

impl ConvTranspose2d {
    /// `(in, out, kernel, stride, padding, output_padding)` with or without bias.
    pub fn new<R: Rng + ?Sized>(
        name: &str,
        io: (usize, usize),
        k: usize,
        spo: (usize, usize, usize),
        bias: bool,
        rng: &mut R,
    ) -> Self {
        let fan_in = io.1 * k * k;
        ConvTranspose2d {
            weight: Param::new(format!("{name}.weight"), torch_default_uniform(&[io.0, io.1, k, k], fan_in, rng)),
            bias: bias.then(|| Param::new(format!("{name}.bias"), torch_default_uniform(&[io.1], fan_in, rng))),
            stride: spo.0,
            padding: spo.1,
            output_padding: spo.2,
        }
    }

    pub fn forward(&self, tape: &Tape, x: &Var) -> Var {
        let b = self.bias.as_ref().map(|b| tape.param(b));
        x.conv_transpose2d(&tape.param(&self.weight), b.as_ref(), self.stride, self.padding, self.output_padding, 1)
    }
}

impl Module for ConvTranspose2d {
    fn parameters(&self) -> Vec<Param> {
        std::iter::once(self.weight.clone()).chain(self.bias.clone()).collect()
    }
}

/// `Conv(k4, s2, p1) -> [norm] -> LeakyReLU(0.2)`; the conv has no bias when a norm follows.
pub struct ConvBlock {
    pub conv: Conv2d,
    pub norm: Option<NormLayer>,
}

impl ConvBlock {
    fn new<R: Rng + ?Sized>(name: &str, io: (usize, usize), norm: Norm, rng: &mut R) -> Self {
        let norm = NormLayer::build(norm, &format!("{name}.norm"), io.1, true);
        ConvBlock { conv: Conv2d::new(&format!("{name}.conv"), io, 4, (2, 1), norm.is_none(), rng), norm }
    }

    fn forward(&self, tape: &Tape, x: &Var) -> Var {
        let h = self.conv.forward(tape, x);
        let h = match &self.norm {
            Some(n) => n.forward(tape, &h),
            None => h,
        };
        h.leaky_relu(0.2)
    }
}

/// SPiRL's image encoder: `n = ceil(log2(img))`; an input block (`in_nc -> ngf`, no norm), then
/// `n - 3` pyramid blocks doubling channels (normalised), then a head conv (k 4 for power-of-two
/// sizes, else 2; stride 1, no padding) to `nz_enc` channels. 64x64: 64-32-16-8-4-1 px,
/// 84x84: 84-42-21-10-5-2-1 px. Names: `{name}.net.input.*`, `{name}.net.pyramid-{i}.*`, `{name}.head.*`.
pub struct ConvEncoder {
    pub blocks: Vec<ConvBlock>,
    pub head: Conv2d,
    pub img_size: usize,
}

impl ConvEncoder {
    pub fn new<R: Rng + ?Sized>(
        name: &str,
        img: usize,
        in_nc: usize,
        ngf: usize,
        nz_enc: usize,
        norm: Norm,
        rng: &mut R,
    ) -> Self {
        let n = (img as f64).log2().ceil() as usize;
        assert!(n >= 3, "ConvEncoder: image size {img} is too small (needs at least 8 px)");
        let mut blocks = vec![ConvBlock::new(&format!("{name}.net.input"), (in_nc, ngf), Norm::None, rng)];
        for i in 0..n - 3 {
            let c = ngf << i;
            blocks.push(ConvBlock::new(&format!("{name}.net.pyramid-{i}"), (c, 2 * c), norm, rng));
        }
        let k = if img.is_power_of_two() { 4 } else { 2 };
        let head = Conv2d::new(&format!("{name}.head"), (ngf << (n - 3), nz_enc), k, (1, 0), true, rng);
        ConvEncoder { blocks, head, img_size: img }
    }

    /// `x: [b, in_nc, img, img] -> [b, nz_enc]` (the 1x1 spatial map squeezed away).
    pub fn forward(&self, tape: &Tape, x: &Var) -> Var {
        assert!(
            x.rank() == 4 && x.dim(2) == self.img_size && x.dim(3) == self.img_size,
            "ConvEncoder: expected [b, c, {0}, {0}] images, got shape {1:?}",
            self.img_size,
            x.shape()
        );
        let h = self.blocks.iter().fold(x.clone(), |h, b| b.forward(tape, &h));
        let out = self.head.forward(tape, &h);
        out.mean(&[2, 3], false)
    }
}

impl Module for ConvEncoder {
    fn parameters(&self) -> Vec<Param> {
        let mut p: Vec<Param> = self.blocks.iter().flat_map(|b| b.conv.parameters()).collect();
        p.extend(self.blocks.iter().flat_map(|b| b.norm.iter().flat_map(|n| n.module().parameters())));
        p.extend(self.head.parameters());
        p
    }
    fn buffers(&self) -> Vec<Param> {
        self.blocks.iter().flat_map(|b| b.norm.iter().flat_map(|n| n.module().buffers())).collect()
    }
    fn set_training(&mut self, training: bool) {
        for b in &mut self.blocks {
            if let Some(n) = &mut b.norm {
                n.module_mut().set_training(training);
            }
        }
    }
}
