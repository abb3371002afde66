//! Ops that assemble tensors from parts: cat and stack.

use super::device::{On, gpu_ok, placement};
use crate::gpu::GpuDevice;
use crate::layout::{Layout, normalize_dim};
use crate::tensor::Tensor;

/// `cat` on a GPU: each part is copied into its slice (a narrow view) of one output buffer.
fn cat_gpu(g: &GpuDevice, parts: &[Tensor], d: usize, shape: &[usize]) -> Tensor {
    let out = gpu_ok("cat", g.alloc(shape.iter().product()));
    let full = Layout::contiguous(shape);
    let mut start = 0;
    for p in parts {
        let len = p.shape()[d];
        if p.numel() > 0 {
            gpu_ok("cat", g.copy_into(p.gpu_buf(), &p.layout, &out, &full.narrow(d, start, len)));
        }
        start += len;
    }
    Tensor::from_gpu(out, shape)
}

impl Tensor {
    /// Joins tensors along an existing dim; all other dims must agree.
    pub fn cat(parts: &[Tensor], dim: isize) -> Tensor {
        assert!(!parts.is_empty(), "cat: needs at least one tensor");
        let first = parts[0].shape();
        let d = normalize_dim(dim, first.len(), "cat");
        for p in parts {
            let same =
                p.rank() == first.len() && p.shape().iter().zip(first).enumerate().all(|(i, (a, b))| i == d || a == b);
            assert!(same, "cat: shape {:?} does not match {first:?} outside dim {d}", p.shape());
        }
        let mut shape = first.to_vec();
        shape[d] = parts.iter().map(|p| p.shape()[d]).sum();
        let refs: Vec<&Tensor> = parts.iter().collect();
        if let On::Gpu(g) = placement("cat", &refs) {
            return cat_gpu(&g, parts, d, &shape);
        }
        let outer: usize = first[..d].iter().product();
        let dense: Vec<Vec<f32>> = parts.iter().map(|p| p.to_vec()).collect();
        let chunks: Vec<usize> = parts.iter().map(|p| p.shape()[d..].iter().product()).collect();
        let mut out = Vec::with_capacity(shape.iter().product());
        for o in 0..outer {
            for (v, &c) in dense.iter().zip(&chunks) {
                out.extend_from_slice(&v[o * c..(o + 1) * c]);
            }
        }
        Tensor::from_vec(out, &shape)
    }

    /// Joins same-shaped tensors along a new dim.
    pub fn stack(parts: &[Tensor], dim: isize) -> Tensor {
        assert!(!parts.is_empty(), "stack: needs at least one tensor");
        let views: Vec<Tensor> = parts.iter().map(|p| p.unsqueeze(dim)).collect();
        for p in parts {
            assert_eq!(p.shape(), parts[0].shape(), "stack: shapes {:?} and {:?} differ", parts[0].shape(), p.shape());
        }
        Tensor::cat(&views, dim)
    }

    /// Splits `dim` into pieces of the given sizes (views).
    pub fn split(&self, dim: isize, sizes: &[usize]) -> Vec<Tensor> {
        let d = normalize_dim(dim, self.rank(), "split");
        assert_eq!(
            sizes.iter().sum::<usize>(),
            self.shape()[d],
            "split: sizes {sizes:?} do not add up to dim {d} of shape {:?}",
            self.shape()
        );
        let mut start = 0;
        sizes
            .iter()
            .map(|&n| {
                let t = self.narrow(d as isize, start, n);
                start += n;
                t
            })
            .collect()
    }
}
