//! Batched matrix multiply with broadcasting batch dims (`torch.matmul` for rank >= 2).

use super::device::{On, gpu_ok, placement};
use crate::cpu::matmul::matmul;
use crate::layout::broadcast_shape;
use crate::tensor::Tensor;

impl Tensor {
    /// `[..., m, k] @ [..., k, n] -> [..., m, n]`; leading dims broadcast. Transposed or otherwise
    /// strided views are multiplied in place, without a copy.
    pub fn matmul(&self, rhs: &Tensor) -> Tensor {
        let (a, b) = (self.shape(), rhs.shape());
        assert!(a.len() >= 2 && b.len() >= 2, "matmul: needs rank >= 2 operands, got shapes {a:?} and {b:?}");
        let (m, k) = (a[a.len() - 2], a[a.len() - 1]);
        let (k2, n) = (b[b.len() - 2], b[b.len() - 1]);
        assert_eq!(k, k2, "matmul: inner dims differ for shapes {a:?} and {b:?}");
        let batch = broadcast_shape(&a[..a.len() - 2], &b[..b.len() - 2])
            .unwrap_or_else(|| panic!("matmul: batch dims of shapes {a:?} and {b:?} cannot be broadcast"));
        let full = |mut s: Vec<usize>, r: usize, c: usize| {
            s.extend([r, c]);
            s
        };
        let la = self.layout.broadcast_to(&full(batch.clone(), m, k)).expect("batch broadcast checked");
        let lb = rhs.layout.broadcast_to(&full(batch.clone(), k, n)).expect("batch broadcast checked");
        if let On::Gpu(g) = placement("matmul", &[self, rhs]) {
            let out = g.matmul((self.gpu_buf(), &la), (rhs.gpu_buf(), &lb), &batch);
            return Tensor::from_gpu(gpu_ok("matmul", out), &full(batch, m, n));
        }
        // gemm reads rows/cols through strides; a zero inner stride (an expanded vector) is
        // made dense first so its packing stays on the well-trodden path.
        let dense_inner = |t: &Tensor, l: crate::layout::Layout| {
            let r = l.rank();
            if l.strides[r - 1] == 0 || l.strides[r - 2] == 0 {
                let c = t.contiguous();
                let nl = c.layout.broadcast_to(&l.shape).expect("same shape");
                (c, nl)
            } else {
                (t.clone(), l)
            }
        };
        let (ta, la) = dense_inner(self, la);
        let (tb, lb) = dense_inner(rhs, lb);
        let out = matmul(ta.storage.as_cpu(), &la, tb.storage.as_cpu(), &lb, &batch);
        Tensor::from_vec(out, &full(batch, m, n))
    }
}
