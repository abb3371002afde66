//! Fused multi-pass tensor methods: per-channel batch-norm statistics and maps, and the LSTM
//! cell's pointwise step. Each replaces a chain of elementwise ops for speed (see the kernels
//! in `cpu::norm` and `cpu::lstm` for why they are primitives).

use super::device::{On, gpu_ok, placement};
use crate::cpu::{lstm, norm};
use crate::tensor::Tensor;

impl Tensor {
    /// The elements of a dense tensor (callers make it `contiguous` first).
    fn data(&self) -> &[f32] {
        &self.storage.as_cpu()[self.layout.offset..][..self.numel()]
    }

    /// `[b, c, ..]` seen as `[outer = b, c, inner = product of the rest]`.
    fn channels(&self, op: &str) -> norm::Channels {
        assert!(self.rank() >= 2, "{op}: expected [b, c, ..], got shape {:?}", self.shape());
        let s = self.shape();
        norm::Channels { outer: s[0], c: s[1], inner: s[2..].iter().product() }
    }

    /// A per-channel parameter as a dense `[c]` tensor; panics naming `op` otherwise.
    fn channel_param(&self, c: usize, op: &str, what: &str) -> Tensor {
        assert_eq!(self.numel(), c, "{op}: {what} of shape {:?} does not have {c} channels", self.shape());
        self.contiguous()
    }

    /// Per-channel mean and biased variance over every dim but dim 1 (batch norm's batch
    /// statistics): `[b, c, ..] -> ([c], [c])`.
    pub fn channel_moments(&self) -> (Tensor, Tensor) {
        let v = self.channels("channel_moments");
        if let On::Gpu(g) = placement("channel_moments", &[self]) {
            let x = self.gpu_dense("channel_moments");
            let (m, var) = gpu_ok("channel_moments", g.channel_moments(x.gpu_buf(), v));
            return (Tensor::from_gpu(m, &[v.c]), Tensor::from_gpu(var, &[v.c]));
        }
        let x = self.contiguous();
        let (mean, var) = norm::moments(x.data(), v);
        (Tensor::from_vec(mean, &[v.c]), Tensor::from_vec(var, &[v.c]))
    }

    /// `(x - center[k]) · scale[k] + shift[k]` for the channel `k` (dim 1) of each element;
    /// the parameters are `[c]`. Batch norm's normalise-and-scale in one pass.
    pub fn channel_affine(&self, center: &Tensor, scale: &Tensor, shift: &Tensor) -> Tensor {
        let op = "channel_affine";
        let v = self.channels(op);
        let p = [center, scale, shift].map(|t| t.channel_param(v.c, op, "parameter"));
        if let On::Gpu(g) = placement(op, &[self, &p[0], &p[1], &p[2]]) {
            let x = self.gpu_dense(op);
            let p = p.map(|t| t.gpu_dense(op));
            let y = g.channel_affine(x.gpu_buf(), [p[0].gpu_buf(), p[1].gpu_buf(), p[2].gpu_buf()], v);
            return Tensor::from_gpu(gpu_ok(op, y), self.shape());
        }
        let x = self.contiguous();
        Tensor::from_vec(norm::affine(x.data(), p[0].data(), p[1].data(), p[2].data(), v), self.shape())
    }

    /// `(self - g_center[k]) · g_scale[k] + (x - x_center[k]) · x_scale[k]` per channel `k`
    /// (`self` and `x` of one shape, parameters `[c]`): batch norm's input gradient in one pass.
    pub fn channel_affine_pair(
        &self,
        g_center: &Tensor,
        g_scale: &Tensor,
        x: &Tensor,
        x_center: &Tensor,
        x_scale: &Tensor,
    ) -> Tensor {
        let op = "channel_affine_pair";
        let v = self.channels(op);
        assert_eq!(self.shape(), x.shape(), "{op}: shapes {:?} and {:?} differ", self.shape(), x.shape());
        let p = [g_center, g_scale, x_center, x_scale].map(|t| t.channel_param(v.c, op, "parameter"));
        if let On::Gpu(dev) = placement(op, &[self, x, &p[0], &p[1], &p[2], &p[3]]) {
            let (g, x) = (self.gpu_dense(op), x.gpu_dense(op));
            let p = p.map(|t| t.gpu_dense(op));
            let pb = [p[0].gpu_buf(), p[1].gpu_buf(), p[2].gpu_buf(), p[3].gpu_buf()];
            return Tensor::from_gpu(
                gpu_ok(op, dev.channel_affine_pair(g.gpu_buf(), x.gpu_buf(), pb, v)),
                self.shape(),
            );
        }
        let (g, x) = (self.contiguous(), x.contiguous());
        let y = norm::affine_pair(g.data(), p[0].data(), p[1].data(), x.data(), p[2].data(), p[3].data(), v);
        Tensor::from_vec(y, self.shape())
    }

    /// Per-channel `Σ self` and `Σ self · (x - center[k])` (`self` a gradient shaped like `x`):
    /// the two sums of batch norm's backward, `([c], [c])`.
    pub fn channel_grad_sums(&self, x: &Tensor, center: &Tensor) -> (Tensor, Tensor) {
        let op = "channel_grad_sums";
        let v = self.channels(op);
        assert_eq!(self.shape(), x.shape(), "{op}: shapes {:?} and {:?} differ", self.shape(), x.shape());
        let m = center.channel_param(v.c, op, "center");
        if let On::Gpu(dev) = placement(op, &[self, x, &m]) {
            let (g, x, m) = (self.gpu_dense(op), x.gpu_dense(op), m.gpu_dense(op));
            let (sg, sgx) = gpu_ok(op, dev.channel_grad_sums(g.gpu_buf(), x.gpu_buf(), m.gpu_buf(), v));
            return (Tensor::from_gpu(sg, &[v.c]), Tensor::from_gpu(sgx, &[v.c]));
        }
        let (g, x) = (self.contiguous(), x.contiguous());
        let (sg, sgx) = norm::grad_sums(g.data(), x.data(), m.data(), v);
        (Tensor::from_vec(sg, &[v.c]), Tensor::from_vec(sgx, &[v.c]))
    }

    /// One LSTM cell step's pointwise part: `gates: [b, 4h]` pre-activations in `[i, f, g, o]`
    /// order, `c: [b, h]` -> `(h_new, c_new, act)`, with `c_new = σ(f)·c + σ(i)·tanh(g)`,
    /// `h_new = σ(o)·tanh(c_new)` and `act: [b, 4h]` the activated gates (for the backward).
    pub fn lstm_cell(gates: &Tensor, c: &Tensor) -> (Tensor, Tensor, Tensor) {
        let (b, h) = lstm_dims(gates, c);
        if let On::Gpu(dev) = placement("lstm_cell", &[gates, c]) {
            let (gates, c) = (gates.gpu_dense("lstm_cell"), c.gpu_dense("lstm_cell"));
            let (hn, cn, act) = gpu_ok("lstm_cell", dev.lstm_forward(gates.gpu_buf(), c.gpu_buf(), b, h));
            return (Tensor::from_gpu(hn, &[b, h]), Tensor::from_gpu(cn, &[b, h]), Tensor::from_gpu(act, &[b, 4 * h]));
        }
        let (gates, c) = (gates.contiguous(), c.contiguous());
        let (hn, cn, act) = lstm::forward(gates.data(), c.data(), b, h);
        (Tensor::from_vec(hn, &[b, h]), Tensor::from_vec(cn, &[b, h]), Tensor::from_vec(act, &[b, 4 * h]))
    }

    /// Backward through `h_new = σ(o)·tanh(c_new)`: `(d o-pre-activation, d c_new)`, `[b, h]` each.
    pub fn lstm_cell_backward_h(act: &Tensor, c_new: &Tensor, g_h: &Tensor) -> (Tensor, Tensor) {
        let (b, h) = lstm_dims(act, c_new);
        assert_eq!(g_h.shape(), c_new.shape(), "lstm_cell_backward_h: gradient shape");
        let op = "lstm_cell_backward_h";
        if let On::Gpu(dev) = placement(op, &[act, c_new, g_h]) {
            let [act, c_new, g_h] = [act, c_new, g_h].map(|t| t.gpu_dense(op));
            let (d_o, d_c) = gpu_ok(op, dev.lstm_backward_h(act.gpu_buf(), c_new.gpu_buf(), g_h.gpu_buf(), b, h));
            return (Tensor::from_gpu(d_o, &[b, h]), Tensor::from_gpu(d_c, &[b, h]));
        }
        let [act, c_new, g_h] = [act, c_new, g_h].map(|t| t.contiguous());
        let (d_o, d_c) = lstm::backward_h(act.data(), c_new.data(), g_h.data(), b, h);
        (Tensor::from_vec(d_o, &[b, h]), Tensor::from_vec(d_c, &[b, h]))
    }

    /// Backward through `c_new = σ(f)·c + σ(i)·tanh(g)` given the total `g_c` and the output
    /// gate's gradient `d_o` (from `lstm_cell_backward_h`, or none): `(d gates [b, 4h], d c [b, h])`.
    pub fn lstm_cell_backward_c(act: &Tensor, c: &Tensor, g_c: &Tensor, d_o: Option<&Tensor>) -> (Tensor, Tensor) {
        let (b, h) = lstm_dims(act, c);
        assert!(
            g_c.shape() == c.shape() && d_o.is_none_or(|d| d.shape() == c.shape()),
            "lstm_cell_backward_c: gradient shape"
        );
        let op = "lstm_cell_backward_c";
        let mut all = vec![act, c, g_c];
        all.extend(d_o);
        if let On::Gpu(dev) = placement(op, &all) {
            let [act, c, g_c] = [act, c, g_c].map(|t| t.gpu_dense(op));
            let d_o = d_o.map(|t| t.gpu_dense(op));
            let bufs = (act.gpu_buf(), c.gpu_buf(), g_c.gpu_buf(), d_o.as_ref().map(|t| t.gpu_buf()));
            let (dg, dc) = gpu_ok(op, dev.lstm_backward_c(bufs.0, bufs.1, bufs.2, bufs.3, b, h));
            return (Tensor::from_gpu(dg, &[b, 4 * h]), Tensor::from_gpu(dc, &[b, h]));
        }
        let [act, c, g_c] = [act, c, g_c].map(|t| t.contiguous());
        let d_o = d_o.map(|t| t.contiguous());
        let (dg, dc) = lstm::backward_c(act.data(), c.data(), g_c.data(), d_o.as_ref().map(|t| t.data()), b, h);
        (Tensor::from_vec(dg, &[b, 4 * h]), Tensor::from_vec(dc, &[b, h]))
    }
}

/// `(b, h)` of a `[b, 4h]` gates tensor and a `[b, h]` state; panics on other shapes.
fn lstm_dims(gates: &Tensor, c: &Tensor) -> (usize, usize) {
    let (gs, cs) = (gates.shape(), c.shape());
    assert!(
        gs.len() == 2 && cs.len() == 2 && gs[0] == cs[0] && gs[1] == 4 * cs[1],
        "lstm_cell: expected gates [b, 4h] and state [b, h], got {gs:?} and {cs:?}"
    );
    (cs[0], cs[1])
}
