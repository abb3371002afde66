//! Batch norm's per-channel kernels and the LSTM cell's pointwise step (`norm/channels.wgsl`,
//! `lstm/cell.wgsl`). Every operand is a dense buffer starting at element 0.

use super::check_loop;
use crate::cpu::norm::Channels;
use crate::gpu::submit::{Bind, fold_groups};
use crate::gpu::{GpuBuffer, GpuDevice, GpuError, Params};
use shaders::Kernel;

fn channel_params(v: Channels) -> Vec<u8> {
    Params::default().u(v.outer).u(v.c).u(v.inner).u(v.numel()).bytes()
}

impl GpuDevice {
    /// Per-channel mean and biased variance of dense `x` seen as `[outer, c, inner]`.
    pub(crate) fn channel_moments(&self, x: &GpuBuffer, v: Channels) -> Result<(GpuBuffer, GpuBuffer), GpuError> {
        check_loop(v.count().div_ceil(256), "channel_moments")?;
        let (mean, var) = (self.alloc(v.c)?, self.alloc(v.c)?);
        if v.c > 0 {
            let (gx, gy) = fold_groups(v.c)?;
            let binds = [Bind(0, x), Bind(6, &mean), Bind(7, &var)];
            self.launch(Kernel::ChannelMoments, None, &binds, &channel_params(v), 8, (gx, gy, 1))?;
        }
        Ok((mean, var))
    }

    /// Per-channel `Σ g` and `Σ g·(x - center[k])`.
    pub(crate) fn channel_grad_sums(
        &self,
        g: &GpuBuffer,
        x: &GpuBuffer,
        center: &GpuBuffer,
        v: Channels,
    ) -> Result<(GpuBuffer, GpuBuffer), GpuError> {
        check_loop(v.count().div_ceil(256), "channel_grad_sums")?;
        let (s0, s1) = (self.alloc(v.c)?, self.alloc(v.c)?);
        if v.c > 0 {
            let (gx, gy) = fold_groups(v.c)?;
            let binds = [Bind(0, x), Bind(1, g), Bind(2, center), Bind(6, &s0), Bind(7, &s1)];
            self.launch(Kernel::ChannelGradSums, None, &binds, &channel_params(v), 8, (gx, gy, 1))?;
        }
        Ok((s0, s1))
    }

    /// `(x - p[0][k]) · p[1][k] + p[2][k]` per channel.
    pub(crate) fn channel_affine(&self, x: &GpuBuffer, p: [&GpuBuffer; 3], v: Channels) -> Result<GpuBuffer, GpuError> {
        let out = self.alloc(v.numel())?;
        let binds = [Bind(0, x), Bind(2, p[0]), Bind(3, p[1]), Bind(4, p[2]), Bind(6, &out)];
        self.launch_1d(Kernel::ChannelAffine, None, &binds, &channel_params(v), 8, v.numel())?;
        Ok(out)
    }

    /// `(g - p[0][k]) · p[1][k] + (x - p[2][k]) · p[3][k]` per channel.
    pub(crate) fn channel_affine_pair(
        &self,
        g: &GpuBuffer,
        x: &GpuBuffer,
        p: [&GpuBuffer; 4],
        v: Channels,
    ) -> Result<GpuBuffer, GpuError> {
        let out = self.alloc(v.numel())?;
        let binds = [Bind(0, x), Bind(1, g), Bind(2, p[0]), Bind(3, p[1]), Bind(4, p[2]), Bind(5, p[3]), Bind(6, &out)];
        self.launch_1d(Kernel::ChannelAffinePair, None, &binds, &channel_params(v), 8, v.numel())?;
        Ok(out)
    }

    fn lstm_params(b: usize, h: usize, has_d_o: bool) -> Vec<u8> {
        Params::default().u(b).u(h).u(has_d_o as usize).u(0).bytes()
    }

    /// LSTM cell forward: `(h_new [b, h], c_new [b, h], act [b, 4h])`.
    pub(crate) fn lstm_forward(
        &self,
        gates: &GpuBuffer,
        c: &GpuBuffer,
        b: usize,
        h: usize,
    ) -> Result<(GpuBuffer, GpuBuffer, GpuBuffer), GpuError> {
        let (hn, cn, act) = (self.alloc(b * h)?, self.alloc(b * h)?, self.alloc(b * 4 * h)?);
        let binds = [Bind(0, gates), Bind(1, c), Bind(4, &hn), Bind(5, &cn), Bind(6, &act)];
        self.launch_1d(Kernel::LstmForward, None, &binds, &Self::lstm_params(b, h, false), 7, b * h)?;
        Ok((hn, cn, act))
    }

    /// Backward through `h_new = o·tanh(c_new)`: `(d_o, d_c)`.
    pub(crate) fn lstm_backward_h(
        &self,
        act: &GpuBuffer,
        c_new: &GpuBuffer,
        g_h: &GpuBuffer,
        b: usize,
        h: usize,
    ) -> Result<(GpuBuffer, GpuBuffer), GpuError> {
        let (d_o, d_c) = (self.alloc(b * h)?, self.alloc(b * h)?);
        let binds = [Bind(0, act), Bind(1, c_new), Bind(2, g_h), Bind(4, &d_o), Bind(5, &d_c)];
        self.launch_1d(Kernel::LstmBackwardH, None, &binds, &Self::lstm_params(b, h, false), 7, b * h)?;
        Ok((d_o, d_c))
    }

    /// Backward through `c_new = f·c + i·g`: `(d_gates [b, 4h], d_c [b, h])`.
    pub(crate) fn lstm_backward_c(
        &self,
        act: &GpuBuffer,
        c: &GpuBuffer,
        g_c: &GpuBuffer,
        d_o: Option<&GpuBuffer>,
        b: usize,
        h: usize,
    ) -> Result<(GpuBuffer, GpuBuffer), GpuError> {
        let (dg, dc) = (self.alloc(b * 4 * h)?, self.alloc(b * h)?);
        // Without d_o the kernel never reads binding 3; g_c stands in so the layout is complete.
        let binds = [Bind(0, act), Bind(1, c), Bind(2, g_c), Bind(3, d_o.unwrap_or(g_c)), Bind(4, &dg), Bind(5, &dc)];
        self.launch_1d(Kernel::LstmBackwardC, None, &binds, &Self::lstm_params(b, h, d_o.is_some()), 7, b * h)?;
        Ok((dg, dc))
    }
}
