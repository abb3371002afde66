//! conv2d with `groups == 1` and its two gradients as tensor ops. On the CPU they run the fused
//! kernels of `cpu::conv_fused` (columns built a few images at a time, never the whole batch's);
//! on a GPU they are composed from im2col / matmul / col2im, as conv2d always was.

use super::conv::nchw;
use super::device::{On, placement};
use crate::conv::Conv2dGeom;
use crate::cpu::conv_fused::{FusedConv, conv2d_forward};
use crate::cpu::conv_fused_grad::{conv2d_input_grad, conv2d_weight_grad};
use crate::tensor::Tensor;

/// The dense elements of a contiguous CPU tensor.
fn cpu(t: &Tensor) -> &[f32] {
    &t.storage.as_cpu()[t.layout.offset..t.layout.offset + t.numel()]
}

/// Panics naming `op` unless `weight` is `[o, c, kh, kw]` for the window of `g`.
fn check_weight(op: &str, weight: &Tensor, c: usize, g: &Conv2dGeom) -> usize {
    let ws = weight.shape();
    assert!(
        ws.len() == 4 && ws[1] == c && ws[2..] == [g.kh, g.kw],
        "{op}: weight shape {ws:?} does not fit {c} input channels and a {}x{} window (expected [out, {c}, {}, {}])",
        g.kh,
        g.kw,
        g.kh,
        g.kw
    );
    ws[0]
}

/// Panics naming `op` unless `gy` is the output gradient `[b, o, oh, ow]` of an `h x w` input.
fn check_grad(op: &str, gy: &Tensor, b: usize, o: usize, (h, w): (usize, usize), g: &Conv2dGeom) {
    let (oh, ow) = g.out_size(h, w);
    assert!(
        gy.shape() == [b, o, oh, ow],
        "{op}: output gradient shape {:?} does not fit a {h}x{w} input and {g:?} (expected [{b}, {o}, {oh}, {ow}])",
        gy.shape()
    );
}

impl Tensor {
    /// conv2d with `groups == 1`: `x: [b, c, h, w]`, `weight: [o, c, kh, kw]`, `bias: [o]` ->
    /// `[b, o, oh, ow]`, `y_i = W[o, k] @ im2col(x_i)[k, L] + bias` for every image `i`.
    pub fn conv2d_dense(&self, weight: &Tensor, bias: Option<&Tensor>, g: &Conv2dGeom) -> Tensor {
        g.validate("conv2d");
        let (b, c, h, w) = nchw(self, "conv2d");
        let o = check_weight("conv2d", weight, c, g);
        assert!(
            bias.is_none_or(|t| t.shape() == [o]),
            "conv2d: bias shape {:?} does not fit {o} output channels (expected [{o}])",
            bias.map(|t| t.shape().to_vec())
        );
        let (oh, ow) = g.out_size(h, w);
        let mut operands = vec![self, weight];
        operands.extend(bias);
        if let On::Gpu(_) = placement("conv2d", &operands) {
            let out = weight.reshape(&[o, c * g.kh * g.kw]).matmul(&self.im2col(g, 0.0)).reshape(&[b, o, oh, ow]);
            return match bias {
                Some(t) => out.add(&t.reshape(&[o, 1, 1])),
                None => out,
            };
        }
        let (x, wt, bias) = (self.contiguous(), weight.contiguous(), bias.map(|t| t.contiguous()));
        let p = FusedConv { b, c, h, w, o, g: *g };
        Tensor::from_vec(conv2d_forward(&p, cpu(&x), cpu(&wt), bias.as_ref().map(cpu)), &[b, o, oh, ow])
    }

    /// Gradient of `conv2d_dense` with respect to its input: `gy: [b, o, oh, ow]` (for an input of
    /// `hw = (h, w)`), `weight: [o, c, kh, kw]` -> `dx: [b, c, h, w] = col2im(W^T @ gy_i)`.
    pub fn conv2d_input_grad(gy: &Tensor, weight: &Tensor, g: &Conv2dGeom, hw: (usize, usize)) -> Tensor {
        g.validate("conv2d_input_grad");
        let ws = weight.shape();
        assert_eq!(ws.len(), 4, "conv2d_input_grad: expected a weight [out, in, kh, kw], got shape {ws:?}");
        let (o, c) = (check_weight("conv2d_input_grad", weight, ws[1], g), ws[1]);
        let b = gy.shape().first().copied().unwrap_or(0);
        check_grad("conv2d_input_grad", gy, b, o, hw, g);
        if let On::Gpu(_) = placement("conv2d_input_grad", &[gy, weight]) {
            let l = gy.dim(2) * gy.dim(3);
            let cols = weight.reshape(&[o, c * g.kh * g.kw]).t().matmul(&gy.reshape(&[b, o, l]));
            return cols.col2im(c, hw, g);
        }
        let (gy, wt) = (gy.contiguous(), weight.contiguous());
        let p = FusedConv { b, c, h: hw.0, w: hw.1, o, g: *g };
        Tensor::from_vec(conv2d_input_grad(&p, cpu(&gy), cpu(&wt)), &[b, c, hw.0, hw.1])
    }

    /// Gradient of `conv2d_dense` with respect to its weight: `x: [b, c, h, w]`,
    /// `gy: [b, o, oh, ow]` -> `dW: [o, c, kh, kw] = Σ_i gy_i @ im2col(x_i)^T`. On the CPU the
    /// sum runs over fixed chunks of images in order: bit-identical for any thread count.
    pub fn conv2d_weight_grad(x: &Tensor, gy: &Tensor, g: &Conv2dGeom) -> Tensor {
        g.validate("conv2d_weight_grad");
        let (b, c, h, w) = nchw(x, "conv2d_weight_grad");
        let o = gy.shape().get(1).copied().unwrap_or(0);
        check_grad("conv2d_weight_grad", gy, b, o, (h, w), g);
        let (k, shape) = (c * g.kh * g.kw, [o, c, g.kh, g.kw]);
        if let On::Gpu(_) = placement("conv2d_weight_grad", &[x, gy]) {
            let l = gy.dim(2) * gy.dim(3);
            let fold = |t: &Tensor, rows: usize| t.reshape(&[b, rows, l]).permute(&[1, 0, 2]).reshape(&[rows, b * l]);
            return fold(gy, o).matmul(&fold(&x.im2col(g, 0.0), k).t()).reshape(&shape);
        }
        let (x, gy) = (x.contiguous(), gy.contiguous());
        let p = FusedConv { b, c, h, w, o, g: *g };
        Tensor::from_vec(conv2d_weight_grad(&p, cpu(&x), cpu(&gy)), &shape)
    }
}
