//! Reductions on `Var`: sum / max / min over any dims, mean, var, logsumexp, softmax, log_softmax.

use crate::var::Var;
use tensor::ops::reduce::{reduced_shape, resolve_dims};
use tensor::{ReduceOp, Tensor};

/// `g` (reduced shape) viewed with the reduced dims kept as size 1, ready to broadcast back.
fn keep_dims(g: &Tensor, in_shape: &[usize], dims: &[usize]) -> Tensor {
    g.reshape(&reduced_shape(in_shape, dims, true))
}

impl Var {
    /// Reduction op-table entry over `dims` (empty = all). Max/min send the gradient to the
    /// extreme elements, split evenly between ties (as `torch.amax`).
    pub fn reduce(&self, op: ReduceOp, dims: &[isize], keepdim: bool) -> Var {
        let x = self.value().clone();
        let y = x.reduce(op, dims, keepdim);
        let d = resolve_dims(dims, x.rank(), op.name());
        let yc = y.clone();
        Var::record(
            &[self],
            y,
            Box::new(move |g, _| {
                let gk = keep_dims(g, x.shape(), &d);
                let gx = match op {
                    ReduceOp::Sum => gk.broadcast_to(x.shape()),
                    ReduceOp::Max | ReduceOp::Min => {
                        let mask = x.eq(&keep_dims(&yc, x.shape(), &d));
                        let count = mask.sum(&d.iter().map(|&i| i as isize).collect::<Vec<_>>(), true);
                        mask.mul(&gk.div(&count))
                    }
                };
                vec![Some(gx)]
            }),
        )
    }

    pub fn sum(&self, dims: &[isize], keepdim: bool) -> Var {
        self.reduce(ReduceOp::Sum, dims, keepdim)
    }

    pub fn max(&self, dims: &[isize], keepdim: bool) -> Var {
        self.reduce(ReduceOp::Max, dims, keepdim)
    }

    pub fn min(&self, dims: &[isize], keepdim: bool) -> Var {
        self.reduce(ReduceOp::Min, dims, keepdim)
    }

    pub fn sum_all(&self) -> Var {
        self.sum(&[], false)
    }

    pub fn mean(&self, dims: &[isize], keepdim: bool) -> Var {
        let n = self.value().reduced_count(dims);
        self.sum(dims, keepdim).mul_scalar(1.0 / n as f32)
    }

    pub fn mean_all(&self) -> Var {
        self.mean(&[], false)
    }

    /// Variance over `dims`, unbiased (n - 1) when `unbiased`.
    pub fn var(&self, dims: &[isize], keepdim: bool, unbiased: bool) -> Var {
        let n = self.value().reduced_count(dims);
        let denom = if unbiased { n.saturating_sub(1) } else { n };
        let centred = self.sub(&self.mean(dims, true));
        centred.square().sum(dims, keepdim).mul_scalar(1.0 / denom as f32)
    }

    /// `log(sum(exp(x)))` over `dims`; gradient `softmax(x)`.
    pub fn logsumexp(&self, dims: &[isize], keepdim: bool) -> Var {
        let x = self.value().clone();
        let y = x.logsumexp(dims, keepdim);
        let d = resolve_dims(dims, x.rank(), "logsumexp");
        let yc = y.clone();
        Var::record(
            &[self],
            y,
            Box::new(move |g, _| {
                let p = x.sub(&keep_dims(&yc, x.shape(), &d)).exp();
                vec![Some(p.mul(&keep_dims(g, x.shape(), &d)))]
            }),
        )
    }

    /// Softmax along `dim`; gradient `y * (g - sum(g * y))`.
    pub fn softmax(&self, dim: isize) -> Var {
        let y = self.value().softmax(dim);
        let yc = y.clone();
        Var::record(&[self], y, Box::new(move |g, _| vec![Some(yc.mul(&g.sub(&g.mul(&yc).sum(&[dim], true))))]))
    }

    /// Log-softmax along `dim`; gradient `g - softmax * sum(g)`.
    pub fn log_softmax(&self, dim: isize) -> Var {
        let y = self.value().log_softmax(dim);
        let yc = y.clone();
        Var::record(&[self], y, Box::new(move |g, _| vec![Some(g.sub(&yc.exp().mul(&g.sum(&[dim], true))))]))
    }
}
