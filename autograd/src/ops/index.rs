//! Indexing on `Var`: gather, scatter_add, index_select (indices are constant tensors).

use crate::var::Var;
use tensor::Tensor;
use tensor::layout::normalize_dim;

impl Var {
    /// `out[i][j] = x[index[i][j]][j]` (dim 0); backward scatters the gradient back.
    pub fn gather(&self, dim: isize, index: &Tensor) -> Var {
        let x = self.value();
        let y = x.gather(dim, index);
        let (idx, shape) = (index.clone(), x.shape().to_vec());
        Var::record(
            &[self],
            y,
            Box::new(move |g, _| vec![Some(Tensor::zeros_on(&shape, &g.device()).scatter_add(dim, &idx, g))]),
        )
    }

    /// `self` plus `src` scattered at `index` along `dim`; backward gathers for `src`.
    pub fn scatter_add(&self, dim: isize, index: &Tensor, src: &Var) -> Var {
        let y = self.value().scatter_add(dim, index, src.value());
        let idx = index.clone();
        Var::record(
            &[self, src],
            y,
            Box::new(move |g, needs| vec![needs[0].then(|| g.clone()), needs[1].then(|| g.gather(dim, &idx))]),
        )
    }

    /// Entries `indices` (1-D) of `dim`.
    pub fn index_select(&self, dim: isize, indices: &Tensor) -> Var {
        let d = normalize_dim(dim, self.rank(), "index_select");
        assert_eq!(indices.rank(), 1, "index_select: indices must be 1-D, got shape {:?}", indices.shape());
        let mut shape = self.shape().to_vec();
        shape[d] = indices.numel();
        let mut view = vec![1; self.rank()];
        view[d] = indices.numel();
        self.gather(d as isize, &indices.reshape(&view).broadcast_to(&shape))
    }
}
