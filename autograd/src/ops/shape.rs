//! View and assembly ops on `Var`: reshape, permute, narrow, broadcast, squeeze, cat, stack.

use crate::var::Var;
use tensor::Tensor;

impl Var {
    /// Records a view op whose backward maps the output gradient with `back`.
    fn view_op(&self, y: Tensor, back: impl FnOnce(&Tensor) -> Tensor + 'static) -> Var {
        Var::record(&[self], y, Box::new(move |g, _| vec![Some(back(g))]))
    }

    pub fn reshape(&self, shape: &[usize]) -> Var {
        let s = self.shape().to_vec();
        self.view_op(self.value().reshape(shape), move |g| g.reshape(&s))
    }

    pub fn reshape_infer(&self, shape: &[isize]) -> Var {
        let t = self.value().reshape_infer(shape);
        let dims = t.shape().to_vec();
        self.reshape(&dims)
    }

    pub fn flatten(&self) -> Var {
        self.reshape(&[self.numel()])
    }

    pub fn permute(&self, perm: &[usize]) -> Var {
        let mut inv = vec![0; perm.len()];
        for (i, &p) in perm.iter().enumerate() {
            inv[p] = i;
        }
        self.view_op(self.value().permute(perm), move |g| g.permute(&inv))
    }

    pub fn transpose(&self, d0: isize, d1: isize) -> Var {
        self.view_op(self.value().transpose(d0, d1), move |g| g.transpose(d0, d1))
    }

    /// Transpose of the last two dims.
    pub fn t(&self) -> Var {
        self.transpose(-2, -1)
    }

    /// `len` entries of `dim` from `start`; the gradient is zero-padded back.
    pub fn narrow(&self, dim: isize, start: usize, len: usize) -> Var {
        let s = self.shape().to_vec();
        let d = if dim < 0 { (dim + s.len() as isize) as usize } else { dim as usize };
        self.view_op(self.value().narrow(dim, start, len), move |g| {
            let mut parts = Vec::with_capacity(3);
            let pad = |n: usize| {
                let mut ps = s.clone();
                ps[d] = n;
                Tensor::zeros_on(&ps, &g.device())
            };
            if start > 0 {
                parts.push(pad(start));
            }
            parts.push(g.clone());
            if start + len < s[d] {
                parts.push(pad(s[d] - start - len));
            }
            Tensor::cat(&parts, d as isize)
        })
    }

    /// Entry `index` of `dim`, dim removed.
    pub fn select(&self, dim: isize, index: usize) -> Var {
        let d = if dim < 0 { dim + self.rank() as isize } else { dim };
        self.narrow(d, index, 1).squeeze(d)
    }

    /// Broadcast view; the tape sums the gradient back to this shape.
    pub fn broadcast_to(&self, shape: &[usize]) -> Var {
        self.view_op(self.value().broadcast_to(shape), |g| g.clone())
    }

    pub fn expand(&self, shape: &[usize]) -> Var {
        self.broadcast_to(shape)
    }

    pub fn squeeze(&self, dim: isize) -> Var {
        let s = self.shape().to_vec();
        self.view_op(self.value().squeeze(dim), move |g| g.reshape(&s))
    }

    pub fn unsqueeze(&self, dim: isize) -> Var {
        let s = self.shape().to_vec();
        self.view_op(self.value().unsqueeze(dim), move |g| g.reshape(&s))
    }

    /// A dense copy (identity for gradients).
    pub fn contiguous(&self) -> Var {
        self.view_op(self.value().contiguous(), |g| g.clone())
    }

    /// Joins along an existing dim; each input gets its slice of the gradient.
    pub fn cat(parts: &[Var], dim: isize) -> Var {
        let values: Vec<Tensor> = parts.iter().map(|p| p.value().clone()).collect();
        let y = Tensor::cat(&values, dim);
        let d = if dim < 0 { dim + y.rank() as isize } else { dim };
        let sizes: Vec<usize> = values.iter().map(|v| v.shape()[d as usize]).collect();
        let refs: Vec<&Var> = parts.iter().collect();
        Var::record(
            &refs,
            y,
            Box::new(move |g, needs| {
                g.split(d, &sizes).into_iter().zip(needs).map(|(gi, &n)| n.then_some(gi)).collect()
            }),
        )
    }

    /// Joins same-shaped values along a new dim.
    pub fn stack(parts: &[Var], dim: isize) -> Var {
        let views: Vec<Var> = parts.iter().map(|p| p.unsqueeze(dim)).collect();
        Var::cat(&views, dim)
    }

    /// Splits `dim` into pieces of the given sizes.
    pub fn split(&self, dim: isize, sizes: &[usize]) -> Vec<Var> {
        let mut start = 0;
        sizes
            .iter()
            .map(|&n| {
                let v = self.narrow(dim, start, n);
                start += n;
                v
            })
            .collect()
    }
}
