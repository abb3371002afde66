//! Convolution and pooling on `Var`: conv2d (`groups == 1`) and depthwise conv2d as single ops
//! with their backward beside them; grouped conv, conv_transpose2d and pooling composed from
//! `im2col` / `col2im` (each the other's adjoint, so each is the other's backward) and
//! differentiable matmul / reductions.

use crate::var::Var;
use tensor::{Conv2dGeom, ConvTransposePlan, Tensor};

impl Var {
    /// `[b, c, h, w] -> [b, c*kh*kw, oh*ow]`; backward is `col2im`.
    pub fn im2col(&self, g: &Conv2dGeom, pad_value: f32) -> Var {
        let (geom, s) = (*g, self.shape().to_vec());
        let y = self.value().im2col(g, pad_value);
        Var::record(&[self], y, Box::new(move |gy, _| vec![Some(gy.col2im(s[1], (s[2], s[3]), &geom))]))
    }

    /// `[b, c*kh*kw, oh*ow] -> [b, c, h, w]`; backward is `im2col`.
    pub fn col2im(&self, channels: usize, hw: (usize, usize), g: &Conv2dGeom) -> Var {
        let geom = *g;
        let y = self.value().col2im(channels, hw, g);
        Var::record(&[self], y, Box::new(move |gy, _| vec![Some(gy.im2col(&geom, 0.0))]))
    }

    /// 2-D convolution: `x: [b, c, h, w]`, `weight: [o, c, k, k]`, `bias: [o]`.
    pub fn conv2d(&self, weight: &Var, bias: Option<&Var>, stride: usize, padding: usize, dilation: usize) -> Var {
        let ws = weight.shape().to_vec();
        assert!(ws.len() == 4 && ws[2] == ws[3], "conv2d: expected a weight [out, in, k, k], got shape {ws:?}");
        self.conv2d_grouped(weight, bias, &Conv2dGeom::square(ws[2], stride, padding, dilation), 1)
    }

    /// Grouped convolution (PyTorch's `groups`): `x: [b, c, h, w]`, `weight: [o, c/groups, kh, kw]`,
    /// `bias: [o]` -> `[b, o, oh, ow]`. `groups == 1` is one recorded op (`conv2d_dense`);
    /// depthwise (`groups == c == o`) is `depthwise_conv2d`; any other grouping is im2col and one
    /// batched product over the groups (autograd through both).
    pub fn conv2d_grouped(&self, weight: &Var, bias: Option<&Var>, g: &Conv2dGeom, groups: usize) -> Var {
        g.validate("conv2d");
        let (s, ws) = (self.shape().to_vec(), weight.shape().to_vec());
        assert_eq!(s.len(), 4, "conv2d: expected an NCHW input of rank 4, got shape {s:?}");
        g.check_grouped_weight(&ws, &s, groups);
        if groups == 1 {
            return self.conv2d_dense(weight, bias, g);
        }
        if groups == s[1] && ws[0] == s[1] {
            return self.depthwise_conv2d(weight, bias, g);
        }
        let (oh, ow) = g.out_size(s[2], s[3]);
        let (o, k) = (ws[0], ws[1] * g.kh * g.kw);
        let cols = self.im2col(g, 0.0).reshape(&[s[0], groups, k, oh * ow]);
        let out = weight.reshape(&[groups, o / groups, k]).matmul(&cols).reshape(&[s[0], o, oh, ow]);
        match bias {
            Some(b) => out.add(&b.reshape(&[o, 1, 1])),
            None => out,
        }
    }

    /// conv2d with `groups == 1` as one op: `x: [b, c, h, w]`, `weight: [o, c, kh, kw]`,
    /// `bias: [o]`. Backward, each part only when asked for: `dx = conv2d_input_grad(gy, W)`
    /// (`col2im(W^T @ gy_i)`), `dW = conv2d_weight_grad(x, gy)` (`Σ_i gy_i @ im2col(x_i)^T`, the
    /// columns rebuilt, not kept from the forward), `dbias = Σ_{b,h,w} gy`.
    fn conv2d_dense(&self, weight: &Var, bias: Option<&Var>, g: &Conv2dGeom) -> Var {
        let (x, w) = (self.value().clone(), weight.value().clone());
        let y = x.conv2d_dense(&w, bias.map(|b| b.value()), g);
        let geom = *g;
        let mut inputs = vec![self, weight];
        inputs.extend(bias);
        Var::record(
            &inputs,
            y,
            Box::new(move |gy, needs| {
                let hw = (x.dim(2), x.dim(3));
                let dx = needs[0].then(|| Tensor::conv2d_input_grad(gy, &w, &geom, hw));
                let dw = needs[1].then(|| Tensor::conv2d_weight_grad(&x, gy, &geom));
                let mut grads = vec![dx, dw];
                if needs.len() > 2 {
                    grads.push(needs[2].then(|| gy.sum(&[0, 2, 3], false)));
                }
                grads
            }),
        )
    }

    /// Depthwise convolution, `x: [b, c, h, w]`, `weight: [c, 1, kh, kw]`, `bias: [c]`, forward by
    /// the direct kernel. Backward in im2col terms, with `cols = im2col(x)` seen as `[b, c, kh*kw, L]`
    /// and `g` as `[b, c, L]`: `dx = col2im(w[c, t] * g[b, c, l])`, `dw[c, t] = Σ_{b,l} cols * g`,
    /// `dbias = Σ_{b,l} g` (the columns are rebuilt in the backward, not kept from the forward).
    pub fn depthwise_conv2d(&self, weight: &Var, bias: Option<&Var>, g: &Conv2dGeom) -> Var {
        let (x, w) = (self.value().clone(), weight.value().clone());
        let y = x.depthwise_conv2d(&w, bias.map(|b| b.value()), g);
        let geom = *g;
        let mut inputs = vec![self, weight];
        inputs.extend(bias);
        Var::record(
            &inputs,
            y,
            Box::new(move |gy, needs| {
                let s = x.shape().to_vec();
                let (taps, l) = (geom.kh * geom.kw, gy.dim(2) * gy.dim(3));
                let g3 = gy.reshape(&[s[0], s[1], 1, l]);
                let dx = needs[0].then(|| {
                    let cols = w.reshape(&[1, s[1], taps, 1]).mul(&g3).reshape(&[s[0], s[1] * taps, l]);
                    cols.col2im(s[1], (s[2], s[3]), &geom)
                });
                let dw = needs[1].then(|| {
                    let cols = x.im2col(&geom, 0.0).reshape(&[s[0], s[1], taps, l]);
                    cols.matmul(&g3.reshape(&[s[0], s[1], l, 1])).sum(&[0], false).reshape(w.shape())
                });
                let mut grads = vec![dx, dw];
                if needs.len() > 2 {
                    grads.push(needs[2].then(|| gy.sum(&[0, 2, 3], false)));
                }
                grads
            }),
        )
    }

    /// Transposed convolution: `x: [b, cin, h, w]`, `weight: [cin, cout, k, k]`, `bias: [cout]`.
    pub fn conv_transpose2d(
        &self,
        weight: &Var,
        bias: Option<&Var>,
        stride: usize,
        padding: usize,
        output_padding: usize,
        dilation: usize,
    ) -> Var {
        let (s, ws) = (self.shape().to_vec(), weight.shape().to_vec());
        assert!(
            s.len() == 4 && ws.len() == 4 && ws[0] == s[1] && ws[2] == ws[3],
            "conv_transpose2d: weight shape {ws:?} does not fit input shape {s:?}"
        );
        let (cout, k) = (ws[1], ws[2]);
        let plan = ConvTransposePlan::new((s[2], s[3]), k, stride, padding, output_padding, dilation);
        // Zero rows/columns for output_padding >= stride, as in `Tensor::conv_transpose2d`.
        let extra = plan.extra;
        let mut x = self.clone();
        for dim in [2, 3] {
            if extra > 0 {
                let mut z = x.shape().to_vec();
                z[dim] = extra;
                x = Var::cat(&[x.clone(), Var::constant(Tensor::zeros_on(&z, &x.value().device()))], dim as isize);
            }
        }
        let (h, w) = (s[2] + extra, s[3] + extra);
        let cols = weight.reshape(&[s[1], cout * k * k]).t().matmul(&x.reshape(&[s[0], s[1], h * w]));
        let out = cols.col2im(cout, plan.out, &plan.geom);
        match bias {
            Some(b) => out.add(&b.reshape(&[cout, 1, 1])),
            None => out,
        }
    }

    fn pool_windows(&self, k: usize, stride: usize, padding: usize, pad_value: f32, op: &str) -> (Var, [usize; 4]) {
        let s = self.shape().to_vec();
        assert_eq!(s.len(), 4, "{op}: expected an NCHW input, got shape {s:?}");
        assert!(padding * 2 <= k, "{op}: padding {padding} must be at most half the kernel size {k}");
        let g = Conv2dGeom::square(k, stride, padding, 1);
        g.validate(op);
        let (oh, ow) = g.out_size(s[2], s[3]);
        (self.im2col(&g, pad_value).reshape(&[s[0], s[1], k * k, oh * ow]), [s[0], s[1], oh, ow])
    }

    /// Max over `k x k` windows; ties split the gradient evenly.
    pub fn max_pool2d(&self, k: usize, stride: usize, padding: usize) -> Var {
        let (cols, out) = self.pool_windows(k, stride, padding, f32::NEG_INFINITY, "max_pool2d");
        cols.max(&[2], false).reshape(&out)
    }

    /// Mean over `k x k` windows (zero padding counted, `count_include_pad=True`).
    pub fn avg_pool2d(&self, k: usize, stride: usize, padding: usize) -> Var {
        let (cols, out) = self.pool_windows(k, stride, padding, 0.0, "avg_pool2d");
        cols.mean(&[2], false).reshape(&out)
    }

    /// Adaptive average pooling to `(oh, ow)` as `P_h @ x @ P_w^T`.
    pub fn adaptive_avg_pool2d(&self, oh: usize, ow: usize) -> Var {
        let s = self.shape().to_vec();
        assert_eq!(s.len(), 4, "adaptive_avg_pool2d: expected an NCHW input, got shape {s:?}");
        let dev = self.value().device();
        let ph = Var::constant(Tensor::adaptive_pool_matrix(s[2], oh).to(&dev));
        let pw = Var::constant(Tensor::adaptive_pool_matrix(s[3], ow).to(&dev).t());
        ph.matmul(self).matmul(&pw)
    }
}
