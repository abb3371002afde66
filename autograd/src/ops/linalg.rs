//! Matrix multiply on `Var`, plus `linear` (the affine map every layer uses).

use crate::var::Var;

impl Var {
    /// Batched `a @ b` with broadcast batch dims: `dA = g @ B^T`, `dB = A^T @ g`
    /// (summed over broadcast batch dims by the tape).
    pub fn matmul(&self, rhs: &Var) -> Var {
        let (a, b) = (self.value().clone(), rhs.value().clone());
        let y = a.matmul(&b);
        Var::record(
            &[self, rhs],
            y,
            Box::new(move |g, needs| vec![needs[0].then(|| g.matmul(&b.t())), needs[1].then(|| a.t().matmul(g))]),
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
