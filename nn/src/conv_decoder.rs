//! SPiRL's `ConvDecoder` (the mirror of `ConvEncoder`; not used by the EXTRACT/SPiRL skill models,
//! provided for image-reconstruction variants), with the bilinear upsampling and asymmetric
//! padding it needs, composed from differentiable matmuls and concatenations.

use crate::conv::{Conv2d, ConvTranspose2d};
use crate::module::Module;
use crate::norm::{Norm, NormLayer};
use autograd::{Param, Tape, Var};
use rand::Rng;
use tensor::Tensor;

/// `[2n, n]` matrix of bilinear 2x upsampling with PyTorch's `align_corners=False`: output `o`
/// samples source coordinate `(o + 0.5) / 2 - 0.5` (clamped at 0) between its two neighbours.
pub fn upsample_matrix(n: usize) -> Tensor {
    let mut m = vec![0.0; 2 * n * n];
    for o in 0..2 * n {
        let src = ((o as f32 + 0.5) / 2.0 - 0.5).max(0.0);
        let i0 = (src.floor() as usize).min(n - 1);
        let i1 = (i0 + 1).min(n - 1);
        let w1 = src - i0 as f32;
        m[o * n + i0] += 1.0 - w1;
        m[o * n + i1] += w1;
    }
    Tensor::from_vec(m, &[2 * n, n])
}

/// Bilinear 2x upsampling of `[b, c, h, w]` as `U_h @ x @ U_w^T`.
pub fn upsample2x(x: &Var) -> Var {
    let (h, w) = (x.dim(2), x.dim(3));
    let dev = x.value().device();
    Var::constant(upsample_matrix(h).to(&dev)).matmul(x).matmul(&Var::constant(upsample_matrix(w).to(&dev).t()))
}

/// Zero padding of `[b, c, h, w]` by `(left, right, top, bottom)` (`F.pad`'s order).
pub fn pad2d(x: &Var, (l, r, t, b): (usize, usize, usize, usize)) -> Var {
    let s = x.shape().to_vec();
    let dev = x.value().device();
    let zeros = |h: usize, w: usize| Var::constant(Tensor::zeros_on(&[s[0], s[1], h, w], &dev));
    let row = Var::cat(&[zeros(s[2], l), x.clone(), zeros(s[2], r)], 3);
    let w = l + s[3] + r;
    Var::cat(&[zeros(t, w), row, zeros(b, w)], 2)
}

/// `upsample 2x -> pad (1, 2, 1, 2) -> Conv(k4) -> [norm] -> activation`: doubles the size.
pub struct UpBlock {
    pub conv: Conv2d,
    pub norm: Option<NormLayer>,
    pub tanh: bool,
}

impl UpBlock {
    fn new<R: Rng + ?Sized>(name: &str, io: (usize, usize), norm: Norm, tanh: bool, rng: &mut R) -> UpBlock {
        let norm = NormLayer::build(norm, &format!("{name}.norm"), io.1, true);
        UpBlock { conv: Conv2d::new(&format!("{name}.conv"), io, 4, (1, 0), norm.is_none(), rng), norm, tanh }
    }

    fn forward(&self, tape: &Tape, x: &Var) -> Var {
        let h = self.conv.forward(tape, &pad2d(&upsample2x(x), (1, 2, 1, 2)));
        let h = match &self.norm {
            Some(n) => n.forward(tape, &h),
            None => h,
        };
        if self.tanh { h.tanh() } else { h.relu() }
    }
}

/// For a power-of-two `img` with `n = log2(img)`: `ConvTranspose(nz_enc -> ngf 2^(n-3), k4)`
/// (1 -> 4 px) + norm + ReLU; `n - 3` up-blocks halving channels (to `ngf`) with norm + ReLU
/// (4 -> img/2 px);
/// an extra up-block `ngf -> ngf` with Tanh (to `img` px); a head `Conv(ngf -> out_nc, k3, p1)`
/// with Tanh. Names `{name}.net.first.*`, `{name}.net.pyramid-{i}.*`, `{name}.net.extra.*`,
/// `{name}.head.*`.
pub struct ConvDecoder {
    pub first: ConvTranspose2d,
    pub first_norm: Option<NormLayer>,
    pub blocks: Vec<UpBlock>,
    pub head: Conv2d,
}

impl ConvDecoder {
    pub fn new<R: Rng + ?Sized>(
        name: &str,
        img: usize,
        out_nc: usize,
        ngf: usize,
        nz_enc: usize,
        norm: Norm,
        rng: &mut R,
    ) -> Self {
        assert!(img.is_power_of_two() && img >= 8, "ConvDecoder: image size {img} must be a power of two >= 8");
        let n = img.trailing_zeros() as usize;
        let top = ngf << (n - 3);
        let first_norm = NormLayer::build(norm, &format!("{name}.net.first.norm"), top, true);
        let first = ConvTranspose2d::new(
            &format!("{name}.net.first.conv"),
            (nz_enc, top),
            4,
            (1, 0, 0),
            first_norm.is_none(),
            rng,
        );
        let mut blocks = Vec::new();
        for i in (0..n - 3).rev() {
            let c = ngf << i;
            blocks.push(UpBlock::new(&format!("{name}.net.pyramid-{i}"), (2 * c, c), norm, false, rng));
        }
        blocks.push(UpBlock::new(&format!("{name}.net.extra"), (ngf, ngf), Norm::None, true, rng));
        let head = Conv2d::new(&format!("{name}.head"), (ngf, out_nc), 3, (1, 1), true, rng);
        ConvDecoder { first, first_norm, blocks, head }
    }

    /// `z: [b, nz_enc]` -> images `[b, out_nc, img, img]` in `[-1, 1]`.
    pub fn forward(&self, tape: &Tape, z: &Var) -> Var {
        let x = z.reshape(&[z.dim(0), z.dim(1), 1, 1]);
        let h = self.first.forward(tape, &x);
        let h = match &self.first_norm {
            Some(n) => n.forward(tape, &h),
            None => h,
        };
        let h = self.blocks.iter().fold(h.relu(), |h, b| b.forward(tape, &h));
        self.head.forward(tape, &h).tanh()
    }
}

impl Module for ConvDecoder {
    fn parameters(&self) -> Vec<Param> {
        let norms = self.first_norm.iter().chain(self.blocks.iter().flat_map(|b| b.norm.iter()));
        let mut p = self.first.parameters();
        p.extend(self.blocks.iter().flat_map(|b| b.conv.parameters()));
        p.extend(norms.flat_map(|n| n.module().parameters()));
        p.extend(self.head.parameters());
        p
    }
    fn buffers(&self) -> Vec<Param> {
        let norms = self.first_norm.iter().chain(self.blocks.iter().flat_map(|b| b.norm.iter()));
        norms.flat_map(|n| n.module().buffers()).collect()
    }
    fn set_training(&mut self, training: bool) {
        let norms = self.first_norm.iter_mut().chain(self.blocks.iter_mut().flat_map(|b| b.norm.iter_mut()));
        norms.for_each(|n| n.module_mut().set_training(training));
    }
}
