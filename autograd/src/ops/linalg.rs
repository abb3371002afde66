//! Matrix multiply on `Var`, plus `linear` (the affine map every layer uses).

use crate::var::Var;
use tensor::Tensor;

/// `g: [..batch, m, n]` and an operand `x: [.., r, n]` (broadcastable to `g`'s batch dims)
/// as `[batch * n]`-wide matrices `[m, batch * n]` and `[r, batch * n]`.
fn fold_batch_into_cols(g: &Tensor, x: &Tensor) -> (Tensor, Tensor) {
    let (m, n, r) = (g.dim(-2), g.dim(-1), x.dim(-2));
    let nb = g.numel() / (m * n).max(1);
    let mut xs = g.shape()[..g.rank() - 2].to_vec();
    xs.extend([r, n]);
    let cols = |t: &Tensor, rows: usize| t.reshape(&[nb, rows, n]).permute(&[1, 0, 2]).reshape(&[rows, nb * n]);
    (cols(g, m), cols(&x.broadcast_to(&xs), r))
}

/// `dA = g @ B^T`. When `a` is one matrix shared across a batch (a conv weight against
/// im2col columns), the batch sum is folded into one product over `batch * n` instead of a
/// `[batch, m, k]` temporary the tape would then sum away.
fn grad_lhs(g: &Tensor, a: &Tensor, b: &Tensor) -> Tensor {
    if a.rank() == 2 && g.rank() > 2 {
        let (g2, b2) = fold_batch_into_cols(g, b);
        return g2.matmul(&b2.t());
    }
    g.matmul(&b.t())
}

/// `dB = A^T @ g`. When `b` is one matrix shared across a batch (a linear layer on `[.., t, in]`
/// inputs), the batch is folded into the rows: `[batch * m, k]^T @ [batch * m, n]`.
fn grad_rhs(g: &Tensor, a: &Tensor, b: &Tensor) -> Tensor {
    if b.rank() == 2 && g.rank() > 2 {
        let (m, k, n) = (g.dim(-2), a.dim(-1), g.dim(-1));
        let rows = g.numel() / n.max(1);
        let mut shape = g.shape()[..g.rank() - 2].to_vec();
        shape.extend([m, k]);
        return a.broadcast_to(&shape).reshape(&[rows, k]).t().matmul(&g.reshape(&[rows, n]));
    }
    a.t().matmul(g)
}

impl Var {
    /// Batched `a @ b` with broadcast batch dims: `dA = g @ B^T`, `dB = A^T @ g`
    /// (summed over broadcast batch dims, by the tape or folded into the product).
    pub fn matmul(&self, rhs: &Var) -> Var {
        let (a, b) = (self.value().clone(), rhs.value().clone());
        let y = a.matmul(&b);
        Var::record(
            &[self, rhs],
            y,
            Box::new(move |g, needs| {
                vec![needs[0].then(|| grad_lhs(g, &a, &b)), needs[1].then(|| grad_rhs(g, &a, &b))]
            }),
        )
    }

    /// `x @ weight^T + bias` with PyTorch's layout: `x: [.., in]`, `weight: [out, in]`, `bias: [out]`.
    pub fn linear(&self, weight: &Var, bias: Option<&Var>) -> Var {
        let y = self.matmul(&weight.t());
        match bias {
            Some(b) => y.add(b),
            None => y,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{GradcheckOptions, gradcheck};
    use tensor::Tensor;

    fn input(shape: &[usize], seed: f32) -> Tensor {
        let n: usize = shape.iter().product();
        Tensor::from_vec((0..n).map(|i| (i as f32 * 0.37 + seed).sin()).collect(), shape)
    }

    /// The folded batch gradients (shared lhs, shared rhs, broadcast batch dims) against
    /// finite differences.
    #[test]
    fn shared_operand_gradients() {
        let cases: [(&[usize], &[usize]); 4] =
            [(&[3, 4], &[2, 4, 5]), (&[2, 3, 4], &[4, 5]), (&[3, 4], &[2, 1, 4, 5]), (&[2, 2, 3, 4], &[4, 1])];
        for (sa, sb) in cases {
            let r = gradcheck(|v| v[0].matmul(&v[1]), &[input(sa, 0.1), input(sb, 0.7)], GradcheckOptions::default());
            assert!(r.is_ok(), "{sa:?} @ {sb:?}: {r:?}");
        }
    }
}
