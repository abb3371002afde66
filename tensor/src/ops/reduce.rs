//! Reductions over any dims (sum, mean, max, min, var, logsumexp), argmax/argmin, softmax and
//! log_softmax, and `sum_to` (the inverse of broadcasting, used by autograd).

use super::device::{On, gpu_ok, placement};
use crate::cpu::reduce::{arg_extreme, reduce};
use crate::layout::normalize_dim;
use crate::op::ReduceOp;
use crate::tensor::Tensor;

/// Sorted, unique, non-negative dims; an empty list means every dim.
pub fn resolve_dims(dims: &[isize], rank: usize, op: &str) -> Vec<usize> {
    if dims.is_empty() {
        return (0..rank).collect();
    }
    let mut d: Vec<usize> = dims.iter().map(|&x| normalize_dim(x, rank, op)).collect();
    d.sort_unstable();
    d.dedup();
    d
}

/// Shape after reducing `dims`: kept as size 1 with `keepdim`, removed otherwise.
pub fn reduced_shape(shape: &[usize], dims: &[usize], keepdim: bool) -> Vec<usize> {
    shape
        .iter()
        .enumerate()
        .filter_map(|(i, &s)| match (dims.contains(&i), keepdim) {
            (false, _) => Some(s),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect()
}

impl Tensor {
    /// Reduction op-table entry over `dims` (empty = all dims).
    pub fn reduce(&self, op: ReduceOp, dims: &[isize], keepdim: bool) -> Tensor {
        let d = resolve_dims(dims, self.rank(), op.name());
        let shape = reduced_shape(self.shape(), &d, keepdim);
        if let On::Gpu(g) = placement(op.name(), &[self]) {
            return Tensor::from_gpu(gpu_ok(op.name(), g.reduce(op, self.gpu_buf(), &self.layout, &d)), &shape);
        }
        let out = reduce(op, self.storage.as_cpu(), &self.layout, &d);
        Tensor::from_vec(out, &shape)
    }

    pub fn sum(&self, dims: &[isize], keepdim: bool) -> Tensor {
        self.reduce(ReduceOp::Sum, dims, keepdim)
    }

    pub fn max(&self, dims: &[isize], keepdim: bool) -> Tensor {
        self.reduce(ReduceOp::Max, dims, keepdim)
    }

    pub fn min(&self, dims: &[isize], keepdim: bool) -> Tensor {
        self.reduce(ReduceOp::Min, dims, keepdim)
    }

    /// Sum of every element, as a 0-d tensor.
    pub fn sum_all(&self) -> Tensor {
        self.sum(&[], false)
    }

    /// Number of elements the reduction over `dims` folds together.
    pub fn reduced_count(&self, dims: &[isize]) -> usize {
        resolve_dims(dims, self.rank(), "mean").iter().map(|&d| self.shape()[d]).product()
    }

    pub fn mean(&self, dims: &[isize], keepdim: bool) -> Tensor {
        let n = self.reduced_count(dims);
        self.sum(dims, keepdim).mul_scalar(1.0 / n as f32)
    }

    pub fn mean_all(&self) -> Tensor {
        self.mean(&[], false)
    }

    /// Variance over `dims` with Bessel's correction when `unbiased` (PyTorch's default).
    pub fn var(&self, dims: &[isize], keepdim: bool, unbiased: bool) -> Tensor {
        let n = self.reduced_count(dims);
        let centred = self.sub(&self.mean(dims, true));
        let denom = if unbiased { n.saturating_sub(1) } else { n };
        centred.square().sum(dims, keepdim).mul_scalar(1.0 / denom as f32)
    }

    /// `log(sum(exp(x)))` over `dims`, shifted by the max so it never overflows.
    pub fn logsumexp(&self, dims: &[isize], keepdim: bool) -> Tensor {
        let m = self.max(dims, true);
        // A slice of all -inf would give -inf - -inf = NaN; shift by 0 there instead.
        let m = m.where_mask(&m.abs().lt(&m.scalar_like(f32::INFINITY)), &m.scalar_like(0.0));
        let s = self.sub(&m).exp().sum(dims, true).log().add(&m);
        if keepdim {
            s
        } else {
            let d = resolve_dims(dims, self.rank(), "logsumexp");
            s.reshape(&reduced_shape(self.shape(), &d, false))
        }
    }

    /// Softmax along `dim`.
    pub fn softmax(&self, dim: isize) -> Tensor {
        let e = self.sub(&self.max(&[dim], true)).exp();
        e.div(&e.sum(&[dim], true))
    }

    /// Log-softmax along `dim`.
    pub fn log_softmax(&self, dim: isize) -> Tensor {
        self.sub(&self.logsumexp(&[dim], true))
    }

    /// Index of the maximum along `dim` (first on ties) as f32; dim removed unless `keepdim`.
    pub fn argmax(&self, dim: isize, keepdim: bool) -> Tensor {
        self.arg_extreme(dim, keepdim, true)
    }

    pub fn argmin(&self, dim: isize, keepdim: bool) -> Tensor {
        self.arg_extreme(dim, keepdim, false)
    }

    fn arg_extreme(&self, dim: isize, keepdim: bool, max: bool) -> Tensor {
        let d = normalize_dim(dim, self.rank(), "argmax");
        assert!(self.shape()[d] > 0, "argmax: dim {d} of shape {:?} is empty", self.shape());
        let shape = reduced_shape(self.shape(), &[d], keepdim);
        if let On::Gpu(g) = placement("argmax", &[self]) {
            return Tensor::from_gpu(gpu_ok("argmax", g.arg_extreme(self.gpu_buf(), &self.layout, d, max)), &shape);
        }
        let out = arg_extreme(self.storage.as_cpu(), &self.layout, d, max);
        Tensor::from_vec(out, &shape)
    }

    /// Sums broadcast dims away so the result has `shape` (the adjoint of `broadcast_to`).
    pub fn sum_to(&self, shape: &[usize]) -> Tensor {
        if self.shape() == shape {
            return self.clone();
        }
        let lead = self
            .rank()
            .checked_sub(shape.len())
            .unwrap_or_else(|| panic!("sum_to: shape {:?} cannot be reduced to {shape:?}", self.shape()));
        let mut dims: Vec<isize> = (0..lead as isize).collect();
        for (i, &s) in shape.iter().enumerate() {
            let have = self.shape()[lead + i];
            if s == 1 && have != 1 {
                dims.push((lead + i) as isize);
            } else {
                assert_eq!(s, have, "sum_to: shape {:?} cannot be reduced to {shape:?}", self.shape());
            }
        }
        if dims.is_empty() {
            return self.reshape(shape);
        }
        self.sum(&dims, true).reshape(shape)
    }
}
