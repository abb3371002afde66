//! Indexing with f32-coded integer indices: gather, scatter_add, index_select, one_hot.
//!
//! Indices are stored as f32 (exact for values below 2^24 = 16.7 M), so every backend keeps a
//! single data type; an out-of-range or fractional index panics naming the op.

use super::device::{On, gpu_ok, placement};
use crate::cpu::index;
use crate::layout::normalize_dim;
use crate::tensor::Tensor;

impl Tensor {
    /// `out[i][j] = self[index[i][j]][j]` for `dim = 0` (and likewise for other dims);
    /// `index` has the rank of `self` and its size along every other dim is at most `self`'s.
    pub fn gather(&self, dim: isize, index: &Tensor) -> Tensor {
        let d = normalize_dim(dim, self.rank(), "gather");
        self.check_index_shape("gather", d, index);
        if let On::Gpu(g) = placement("gather", &[self, index]) {
            let out = g.gather((self.gpu_buf(), &self.layout), (index.gpu_buf(), &index.layout), d);
            return Tensor::from_gpu(gpu_ok("gather", out), index.shape());
        }
        let out = index::gather(self.storage.as_cpu(), &self.layout, index.storage.as_cpu(), &index.layout, d);
        Tensor::from_vec(out, index.shape())
    }

    /// `self` with `src[i][j]` added at `[index[i][j]][j]` (for `dim = 0`); duplicates accumulate,
    /// in a fixed order (deterministic). `index` and `src` share a shape.
    pub fn scatter_add(&self, dim: isize, index: &Tensor, src: &Tensor) -> Tensor {
        let d = normalize_dim(dim, self.rank(), "scatter_add");
        assert_eq!(
            index.shape(),
            src.shape(),
            "scatter_add: index shape {:?} and src shape {:?} differ",
            index.shape(),
            src.shape()
        );
        self.check_index_shape("scatter_add", d, index);
        if let On::Gpu(g) = placement("scatter_add", &[self, index, src]) {
            let base = self.gpu_dense("scatter_add");
            let out = g.scatter_add(
                base.gpu_buf(),
                self.shape(),
                (index.gpu_buf(), &index.layout),
                (src.gpu_buf(), &src.layout),
                d,
            );
            return Tensor::from_gpu(gpu_ok("scatter_add", out), self.shape());
        }
        let out = index::scatter_add(
            self.shape(),
            self.to_vec(),
            index.storage.as_cpu(),
            &index.layout,
            src.storage.as_cpu(),
            &src.layout,
            d,
        );
        Tensor::from_vec(out, self.shape())
    }

    fn check_index_shape(&self, op: &str, d: usize, index: &Tensor) {
        let ok = index.rank() == self.rank()
            && index.shape().iter().zip(self.shape()).enumerate().all(|(i, (a, b))| i == d || a <= b);
        assert!(ok, "{op}: index shape {:?} does not fit shape {:?} along dim {d}", index.shape(), self.shape());
    }

    /// Entries `indices` (1-D) of `dim`, in order: `[.., n, ..] -> [.., len(indices), ..]`.
    pub fn index_select(&self, dim: isize, indices: &Tensor) -> Tensor {
        let d = normalize_dim(dim, self.rank(), "index_select");
        assert_eq!(indices.rank(), 1, "index_select: indices must be 1-D, got shape {:?}", indices.shape());
        let mut shape = self.shape().to_vec();
        shape[d] = indices.numel();
        let mut view = vec![1; self.rank()];
        view[d] = indices.numel();
        self.gather(d as isize, &indices.reshape(&view).broadcast_to(&shape))
    }

    /// Labels `[..]` (integers in `0..classes`) -> one-hot rows `[.., classes]`.
    pub fn one_hot(&self, classes: usize) -> Tensor {
        let bad = self.to_vec().into_iter().find(|&v| !(v >= 0.0 && v < classes as f32 && v.fract() == 0.0));
        assert!(bad.is_none(), "one_hot: label {} is not an integer in 0..{classes}", bad.unwrap_or(0.0));
        self.unsqueeze(-1).eq(&Tensor::arange(classes).to(&self.device()))
    }
}
