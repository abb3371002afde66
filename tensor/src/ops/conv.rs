//! conv2d, conv_transpose2d and 2-D pooling, all built on im2col / col2im and matmul (NCHW).

use super::device::{On, gpu_ok, placement};
use crate::conv::{Conv2dGeom, ConvTransposePlan};
use crate::cpu::conv::{col2im, im2col};
use crate::cpu::depthwise::depthwise_conv2d;
use crate::tensor::Tensor;

pub(super) fn nchw(t: &Tensor, op: &str) -> (usize, usize, usize, usize) {
    let s = t.shape();
    assert_eq!(s.len(), 4, "{op}: expected an NCHW input of rank 4, got shape {s:?}");
    (s[0], s[1], s[2], s[3])
}

impl Tensor {
    /// `[b, c, h, w] -> [b, c*kh*kw, oh*ow]`: every window as a column; padding reads `pad_value`.
    pub fn im2col(&self, g: &Conv2dGeom, pad_value: f32) -> Tensor {
        g.validate("im2col");
        let (b, c, h, w) = nchw(self, "im2col");
        let x = self.contiguous();
        let (oh, ow) = g.out_size(h, w);
        let shape = [b, c * g.kh * g.kw, oh * ow];
        if let On::Gpu(dev) = placement("im2col", &[self]) {
            let x = self.gpu_dense("im2col");
            return Tensor::from_gpu(gpu_ok("im2col", dev.im2col(x.gpu_buf(), [b, c, h, w], g, pad_value)), &shape);
        }
        let out = im2col(&x.storage.as_cpu()[x.layout.offset..], b, c, h, w, g, pad_value);
        Tensor::from_vec(out, &shape)
    }

    /// Adjoint of `im2col`: `[b, c*kh*kw, oh*ow] -> [b, c, h, w]`, overlapping taps summed.
    pub fn col2im(&self, channels: usize, hw: (usize, usize), g: &Conv2dGeom) -> Tensor {
        g.validate("col2im");
        let (oh, ow) = g.out_size(hw.0, hw.1);
        let s = self.shape();
        let want = [s.first().copied().unwrap_or(0), channels * g.kh * g.kw, oh * ow];
        assert!(s.len() == 3 && s[1..] == want[1..], "col2im: expected shape {want:?}, got {s:?}");
        if let On::Gpu(dev) = placement("col2im", &[self]) {
            let x = self.gpu_dense("col2im");
            let out = gpu_ok("col2im", dev.col2im(x.gpu_buf(), [s[0], channels, hw.0, hw.1], g));
            return Tensor::from_gpu(out, &[s[0], channels, hw.0, hw.1]);
        }
        let x = self.contiguous();
        let out = col2im(&x.storage.as_cpu()[x.layout.offset..], s[0], channels, hw.0, hw.1, g);
        Tensor::from_vec(out, &[s[0], channels, hw.0, hw.1])
    }

    /// 2-D convolution (cross-correlation, as PyTorch): `x: [b, c, h, w]`, `weight: [o, c, kh, kw]`,
    /// `bias: [o]` -> `[b, o, oh, ow]`.
    pub fn conv2d(
        &self,
        weight: &Tensor,
        bias: Option<&Tensor>,
        stride: usize,
        padding: usize,
        dilation: usize,
    ) -> Tensor {
        let ws = weight.shape();
        assert!(ws.len() == 4 && ws[2] == ws[3], "conv2d: expected a weight [out, in, k, k], got shape {ws:?}");
        self.conv2d_geom(weight, bias, &Conv2dGeom::square(ws[2], stride, padding, dilation))
    }

    /// `conv2d` with a general (rectangular) geometry.
    pub fn conv2d_geom(&self, weight: &Tensor, bias: Option<&Tensor>, g: &Conv2dGeom) -> Tensor {
        self.conv2d_grouped(weight, bias, g, 1)
    }

    /// Grouped convolution, PyTorch's `groups`: `x: [b, c, h, w]`, `weight: [o, c/groups, kh, kw]`,
    /// `bias: [o]` -> `[b, o, oh, ow]`; input block `i` of `c/groups` channels feeds output block
    /// `i` of `o/groups` channels. `groups == 1` is the fused kernel on the CPU (`conv2d_dense`);
    /// depthwise (`groups == c == o`) runs the direct kernel; other groupings are one batched
    /// product `[groups, o/groups, k] @ [b, groups, k, oh*ow]` over im2col.
    pub fn conv2d_grouped(&self, weight: &Tensor, bias: Option<&Tensor>, g: &Conv2dGeom, groups: usize) -> Tensor {
        g.validate("conv2d");
        let (b, c, h, w) = nchw(self, "conv2d");
        let ws = weight.shape();
        g.check_grouped_weight(ws, self.shape(), groups);
        if groups == c && ws[0] == c && groups > 1 {
            return self.depthwise_conv2d(weight, bias, g);
        }
        if groups == 1 {
            return self.conv2d_dense(weight, bias, g);
        }
        let (oh, ow) = g.out_size(h, w);
        let (o, k) = (ws[0], ws[1] * g.kh * g.kw);
        let cols = self.im2col(g, 0.0).reshape(&[b, groups, k, oh * ow]);
        let out = weight.reshape(&[groups, o / groups, k]).matmul(&cols).reshape(&[b, o, oh, ow]);
        match bias {
            Some(bias) => out.add(&bias.reshape(&[o, 1, 1])),
            None => out,
        }
    }

    /// Depthwise convolution (`groups == channels`, one filter per channel) by the direct kernel:
    /// `x: [b, c, h, w]`, `weight: [c, 1, kh, kw]`, `bias: [c]` -> `[b, c, oh, ow]`.
    pub fn depthwise_conv2d(&self, weight: &Tensor, bias: Option<&Tensor>, g: &Conv2dGeom) -> Tensor {
        g.validate("depthwise_conv2d");
        let (b, c, h, w) = nchw(self, "depthwise_conv2d");
        let ws = weight.shape();
        assert!(
            ws == [c, 1, g.kh, g.kw] && bias.is_none_or(|t| t.shape() == [c]),
            "depthwise_conv2d: weight {ws:?} / bias {:?} do not fit input {:?} (expected [{c}, 1, {}, {}] and [{c}])",
            bias.map(|t| t.shape().to_vec()),
            self.shape(),
            g.kh,
            g.kw
        );
        let (oh, ow) = g.out_size(h, w);
        let shape = [b, c, oh, ow];
        let mut operands = vec![self, weight];
        operands.extend(bias);
        if let On::Gpu(dev) = placement("depthwise_conv2d", &operands) {
            let (x, wt) = (self.gpu_dense("depthwise_conv2d"), weight.gpu_dense("depthwise_conv2d"));
            let bias = bias.map(|t| t.gpu_dense("depthwise_conv2d"));
            let out =
                dev.depthwise_conv2d(x.gpu_buf(), wt.gpu_buf(), bias.as_ref().map(|t| t.gpu_buf()), [b, c, h, w], g);
            return Tensor::from_gpu(gpu_ok("depthwise_conv2d", out), &shape);
        }
        let (x, wt, bias) = (self.contiguous(), weight.contiguous(), bias.map(|t| t.contiguous()));
        fn slice(t: &Tensor) -> &[f32] {
            &t.storage.as_cpu()[t.layout.offset..t.layout.offset + t.numel()]
        }
        let out = depthwise_conv2d(slice(&x), slice(&wt), bias.as_ref().map(slice), b, c, h, w, g);
        Tensor::from_vec(out, &shape)
    }

    /// Transposed convolution (the adjoint of conv2d): `x: [b, cin, h, w]`,
    /// `weight: [cin, cout, k, k]`, `bias: [cout]` -> `[b, cout, oh, ow]`.
    pub fn conv_transpose2d(
        &self,
        weight: &Tensor,
        bias: Option<&Tensor>,
        stride: usize,
        padding: usize,
        output_padding: usize,
        dilation: usize,
    ) -> Tensor {
        let (b, cin, h, w) = nchw(self, "conv_transpose2d");
        let ws = weight.shape();
        assert!(
            ws.len() == 4 && ws[0] == cin && ws[2] == ws[3],
            "conv_transpose2d: weight shape {ws:?} does not fit input shape {:?} (expected [{cin}, out, k, k])",
            self.shape()
        );
        let (cout, k) = (ws[1], ws[2]);
        let plan = ConvTransposePlan::new((h, w), k, stride, padding, output_padding, dilation);
        let extra = plan.extra;
        let mut x = self.clone();
        for dim in [2, 3] {
            if extra > 0 {
                let mut s = x.shape().to_vec();
                s[dim] = extra;
                x = Tensor::cat(&[x.clone(), Tensor::zeros_on(&s, &x.device())], dim as isize);
            }
        }
        let (h, w) = (h + extra, w + extra);
        let cols = weight.reshape(&[cin, cout * k * k]).t().matmul(&x.reshape(&[b, cin, h * w]));
        let out = cols.col2im(cout, plan.out, &plan.geom);
        match bias {
            Some(bias) => out.add(&bias.reshape(&[cout, 1, 1])),
            None => out,
        }
    }

    /// Windows of a pooling op as `[b, c, k*k, oh*ow]` plus the output size.
    fn pool_windows(
        &self,
        k: usize,
        stride: usize,
        padding: usize,
        pad_value: f32,
        op: &str,
    ) -> (Tensor, usize, usize) {
        let (b, c, h, w) = nchw(self, op);
        assert!(padding * 2 <= k, "{op}: padding {padding} must be at most half the kernel size {k}");
        let g = Conv2dGeom::square(k, stride, padding, 1);
        g.validate(op);
        let (oh, ow) = g.out_size(h, w);
        (self.im2col(&g, pad_value).reshape(&[b, c, k * k, oh * ow]), oh, ow)
    }

    /// Max over `k x k` windows (padding counts as -inf).
    pub fn max_pool2d(&self, k: usize, stride: usize, padding: usize) -> Tensor {
        let (cols, oh, ow) = self.pool_windows(k, stride, padding, f32::NEG_INFINITY, "max_pool2d");
        let s = cols.shape().to_vec();
        cols.max(&[2], false).reshape(&[s[0], s[1], oh, ow])
    }

    /// Mean over `k x k` windows, padding counted as zeros (PyTorch's `count_include_pad=True`).
    pub fn avg_pool2d(&self, k: usize, stride: usize, padding: usize) -> Tensor {
        let (cols, oh, ow) = self.pool_windows(k, stride, padding, 0.0, "avg_pool2d");
        let s = cols.shape().to_vec();
        cols.mean(&[2], false).reshape(&[s[0], s[1], oh, ow])
    }

    /// Averaging matrix `[out, n]` of adaptive pooling: row `i` averages
    /// `[floor(i*n/out), ceil((i+1)*n/out))`, as PyTorch's `adaptive_avg_pool`.
    pub fn adaptive_pool_matrix(n: usize, out: usize) -> Tensor {
        let mut m = vec![0.0; out * n];
        for i in 0..out {
            let (s, e) = (i * n / out, ((i + 1) * n).div_ceil(out));
            for j in s..e {
                m[i * n + j] = 1.0 / (e - s) as f32;
            }
        }
        Tensor::from_vec(m, &[out, n])
    }

    /// Adaptive average pooling to `(oh, ow)`: `P_h @ x @ P_w^T` with averaging matrices.
    pub fn adaptive_avg_pool2d(&self, oh: usize, ow: usize) -> Tensor {
        let (_, _, h, w) = nchw(self, "adaptive_avg_pool2d");
        assert!(oh > 0 && ow > 0, "adaptive_avg_pool2d: output size ({oh}, {ow}) must be positive");
        let ph = Tensor::adaptive_pool_matrix(h, oh).to(&self.device());
        let pw = Tensor::adaptive_pool_matrix(w, ow).to(&self.device());
        ph.matmul(self).matmul(&pw.t())
    }
}
