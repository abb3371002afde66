//! Fused normalisation on `Var`: training-mode batch norm (batch statistics over every dim but
//! the channel dim 1) as one op, with the closed-form backward instead of the ~10 recorded
//! elementwise and reduction ops of its composition.

use crate::var::Var;
use tensor::Tensor;

impl Var {
    /// Batch normalisation with batch statistics, PyTorch's `F.batch_norm(training=True)`:
    /// `x: [b, c, ..]`, `weight, bias: [c]` -> `(y, batch mean [c], biased batch variance [c])`
    /// with `y = (x - μ) · γ / sqrt(σ² + eps) + β`. The statistics are plain tensors (for the
    /// running averages); no gradient flows through them except via `y`.
    ///
    /// Backward, with `N` elements per channel, `rstd = 1 / sqrt(σ² + eps)`, `x̂ = (x - μ)·rstd`:
    /// `dx = γ·rstd·(g - Σg/N - x̂·Σ(g·x̂)/N)`, `dγ = Σ g·x̂`, `dβ = Σ g` (sums per channel).
    pub fn batch_norm(&self, weight: &Var, bias: &Var, eps: f32) -> (Var, Tensor, Tensor) {
        let x = self.value().clone();
        let (mean, var) = x.channel_moments();
        let rstd = var.add_scalar(eps).rsqrt();
        let w = weight.value().flatten();
        let y = x.channel_affine(&mean, &rstd.mul(&w), &bias.value().flatten());
        let n = (x.numel() / mean.numel().max(1)) as f32;
        let (m, shapes) = (mean.clone(), [weight.shape().to_vec(), bias.shape().to_vec()]);
        let out = Var::record(
            &[self, weight, bias],
            y,
            Box::new(move |g, needs| {
                let (sum_g, sum_gxc) = g.channel_grad_sums(&x, &m);
                // dx = k·(g - Σg/N) - (x - μ)·k·rstd²·Σ(g·(x - μ))/N with k = γ·rstd, as
                // Σ(g·x̂) = rstd·Σ(g·(x - μ)): one pass over g and x.
                let dx = needs[0].then(|| {
                    let k = rstd.mul(&w);
                    let x_scale = k.mul(&rstd.square()).mul(&sum_gxc).mul_scalar(-1.0 / n);
                    g.channel_affine_pair(&sum_g.mul_scalar(1.0 / n), &k, &x, &m, &x_scale)
                });
                let d_weight = needs[1].then(|| sum_gxc.mul(&rstd).reshape(&shapes[0]));
                vec![dx, d_weight, needs[2].then(|| sum_g.reshape(&shapes[1]))]
            }),
        );
        (out, mean, var)
    }
}
