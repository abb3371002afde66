//! View semantics: reshape/permute/narrow/broadcast/squeeze/unsqueeze/cat/stack/split values,
//! which views share storage, and strided views through elementwise, reduce and matmul ops
//! (each compared with the same op on a dense copy).

use tensor::Tensor;
use tests::tolerance::STRIDED;
use tests::{assert_close, uniform};

/// `[0, 1, ..., n-1]` viewed as `shape`.
fn ar(shape: &[usize]) -> Tensor {
    Tensor::arange(shape.iter().product()).reshape(shape)
}

fn dense(t: &Tensor) -> Tensor {
    Tensor::from_vec(t.to_vec(), t.shape())
}

/// Bit patterns, so NaN results (pow of a negative base) compare equal to themselves.
fn bits(t: &Tensor) -> Vec<u32> {
    t.to_vec().iter().map(|x| x.to_bits()).collect()
}

#[test]
fn reshape_views_when_it_can_and_copies_when_it_must() {
    let x = ar(&[2, 3]);
    let v = x.reshape(&[3, 2]);
    assert!(v.same_storage(&x));
    assert_eq!(v.to_vec(), x.to_vec());
    let t = x.t();
    assert!(!t.is_contiguous());
    let flat = t.reshape(&[6]);
    assert_eq!(flat.to_vec(), vec![0., 3., 1., 4., 2., 5.]);
    assert!(!flat.same_storage(&x), "a transposed view cannot be flattened without a copy");
    // Only unit dims change: still a view, same element order.
    let unit = t.reshape(&[3, 1, 2]);
    assert!(unit.same_storage(&x));
    assert_eq!(unit.to_vec(), t.to_vec());
    assert_eq!(unit.reshape(&[3, 2]).to_vec(), t.to_vec());
    assert_eq!(x.reshape_infer(&[-1, 2]).shape(), &[3, 2]);
    assert_eq!(t.flatten().to_vec(), flat.to_vec());
}

#[test]
fn permute_and_transpose_move_elements() {
    let x = ar(&[2, 3, 4]);
    let p = x.permute(&[2, 0, 1]);
    assert_eq!(p.shape(), &[4, 2, 3]);
    let v = p.to_vec();
    for k in 0..4 {
        for i in 0..2 {
            for j in 0..3 {
                assert_eq!(v[k * 6 + i * 3 + j], (i * 12 + j * 4 + k) as f32);
            }
        }
    }
    assert_eq!(x.transpose(0, 2).to_vec(), x.permute(&[2, 1, 0]).to_vec());
    assert_eq!(x.transpose(-1, -2).to_vec(), x.permute(&[0, 2, 1]).to_vec());
    assert_eq!(p.permute(&[1, 2, 0]).to_vec(), x.to_vec(), "inverse permutation");
}

#[test]
fn narrow_select_and_split_pick_the_right_elements() {
    let x = ar(&[3, 4]);
    let n = x.narrow(1, 1, 2);
    assert!(n.same_storage(&x));
    assert_eq!(n.to_vec(), vec![1., 2., 5., 6., 9., 10.]);
    assert_eq!(n.narrow(0, 1, 2).to_vec(), vec![5., 6., 9., 10.], "narrow of a narrowed view");
    assert_eq!(x.select(0, 2).to_vec(), vec![8., 9., 10., 11.]);
    assert_eq!(x.select(-1, 3).to_vec(), vec![3., 7., 11.]);
    assert_eq!(x.t().select(0, 1).to_vec(), vec![1., 5., 9.]);
    assert_eq!(x.narrow(-1, 4, 0).shape(), &[3, 0]);
    let parts = x.split(1, &[1, 3]);
    assert_eq!(parts[0].to_vec(), vec![0., 4., 8.]);
    assert_eq!(parts[1].to_vec(), vec![1., 2., 3., 5., 6., 7., 9., 10., 11.]);
    assert!(parts.iter().all(|p| p.same_storage(&x)));
    assert_eq!(Tensor::cat(&parts, 1).to_vec(), x.to_vec(), "cat undoes split");
}

#[test]
fn broadcast_squeeze_unsqueeze() {
    let x = Tensor::from_slice(&[1., 2., 3.], &[3, 1]);
    let b = x.broadcast_to(&[2, 3, 4]);
    assert!(b.same_storage(&x));
    assert_eq!(b.strides(), &[0, 1, 0]);
    let want: Vec<f32> = (0..2).flat_map(|_| [1., 2., 3.].iter().flat_map(|&v| [v; 4])).collect();
    assert_eq!(b.to_vec(), want);
    assert_eq!(x.expand(&[3, 2]).to_vec(), vec![1., 1., 2., 2., 3., 3.]);
    // Broadcasting a narrowed (offset) view reads from its offset.
    let row = ar(&[2, 3]).narrow(0, 1, 1);
    assert_eq!(row.broadcast_to(&[2, 3]).to_vec(), vec![3., 4., 5., 3., 4., 5.]);
    let s = ar(&[3, 1, 2]).squeeze(1);
    assert_eq!((s.shape(), s.to_vec()), (&[3usize, 2][..], (0..6).map(|i| i as f32).collect()));
    let t = ar(&[2, 3]).t();
    let u = t.unsqueeze(1);
    assert_eq!(u.shape(), &[3, 1, 2]);
    assert_eq!(u.to_vec(), t.to_vec());
    assert_eq!(t.unsqueeze(-1).shape(), &[3, 2, 1]);
    assert_eq!(t.unsqueeze(0).squeeze(0).to_vec(), t.to_vec());
    assert_eq!(Tensor::scalar(5.0).unsqueeze(0).to_vec(), vec![5.0]);
}

#[test]
fn cat_and_stack_values() {
    let a = ar(&[2, 2]);
    let b = ar(&[2, 3]).narrow(1, 1, 2).t(); // [[1, 4], [2, 5]], non-contiguous
    assert_eq!(Tensor::cat(&[a.clone(), b.clone()], 0).to_vec(), vec![0., 1., 2., 3., 1., 4., 2., 5.]);
    assert_eq!(Tensor::cat(&[a.clone(), b.clone()], -1).to_vec(), vec![0., 1., 1., 4., 2., 3., 2., 5.]);
    let s0 = Tensor::stack(&[a.clone(), b.clone()], 0);
    assert_eq!((s0.shape(), s0.to_vec()), (&[2usize, 2, 2][..], vec![0., 1., 2., 3., 1., 4., 2., 5.]));
    let s1 = Tensor::stack(&[a.clone(), b.clone()], 1);
    assert_eq!(s1.to_vec(), vec![0., 1., 1., 4., 2., 3., 2., 5.]);
    let s2 = Tensor::stack(&[a, b], -1);
    assert_eq!((s2.shape(), s2.to_vec()), (&[2usize, 2, 2][..], vec![0., 1., 1., 4., 2., 2., 3., 5.]));
    let with_empty = Tensor::cat(&[ar(&[2, 0]), ar(&[2, 1])], 1);
    assert_eq!(with_empty.to_vec(), vec![0., 1.]);
}

/// A pair of strided operands (transposed, offset, broadcast) and their dense copies.
fn strided_pair() -> (Tensor, Tensor) {
    let a = uniform(&[5, 6], -2.0, 2.0, 1).t().narrow(0, 1, 4); // [4, 5], offset view
    let b = uniform(&[5], -2.0, 2.0, 2).reshape(&[1, 5]).broadcast_to(&[4, 5]);
    (a, b)
}

#[test]
fn elementwise_on_strided_views_equals_dense() {
    let (a, b) = strided_pair();
    let (da, db) = (dense(&a), dense(&b));
    for op in tensor::BinaryOp::ALL {
        assert_eq!(bits(&a.binary(op, &b)), bits(&da.binary(op, &db)), "{}", op.name());
    }
    let positive = uniform(&[5, 6], 0.5, 2.0, 3).t().narrow(0, 1, 4); // in every op's domain
    for op in tensor::UnaryOp::ALL {
        for x in [&a, &a.t(), &positive] {
            assert_eq!(bits(&x.unary(op)), bits(&dense(x).unary(op)), "{}", op.name());
        }
    }
    let cond = a.gt(&b);
    let picked = Tensor::where_cond(&cond, &a, &b).to_vec();
    assert_eq!(picked, Tensor::where_cond(&dense(&cond), &da, &db).to_vec());
    assert_eq!(picked, a.maximum(&b).to_vec());
}

#[test]
fn reductions_on_strided_views_equal_dense() {
    let x = uniform(&[3, 4, 5], -1.0, 1.0, 3).permute(&[2, 0, 1]).narrow(1, 1, 2); // [5, 2, 4]
    let d = dense(&x);
    for dims in [&[][..], &[0], &[1], &[-1], &[0, 2], &[1, 2]] {
        for op in tensor::ReduceOp::ALL {
            let what = format!("{} over {dims:?}", op.name());
            assert_close(&x.reduce(op, dims, true), &d.reduce(op, dims, true), STRIDED, &what);
        }
        assert_close(&x.var(dims, false, true), &d.var(dims, false, true), STRIDED, "var");
        assert_close(&x.logsumexp(dims, false), &d.logsumexp(dims, false), STRIDED, "logsumexp");
    }
    assert_eq!(x.argmax(1, false).to_vec(), d.argmax(1, false).to_vec());
    assert_close(&x.softmax(0), &d.softmax(0), STRIDED, "softmax");
}

/// `a @ b` computed in f64 from dense copies.
fn naive_matmul(a: &Tensor, b: &Tensor) -> Tensor {
    let (m, k, n) = (a.dim(0), a.dim(1), b.dim(1));
    let (av, bv) = (a.to_vec(), b.to_vec());
    let out = (0..m * n)
        .map(|ij| (0..k).map(|p| av[ij / n * k + p] as f64 * bv[p * n + ij % n] as f64).sum::<f64>() as f32)
        .collect();
    Tensor::from_vec(out, &[m, n])
}

#[test]
fn matmul_with_strided_operands_matches_dense() {
    let a = uniform(&[7, 5], -1.0, 1.0, 4); // a.t(): [5, 7]
    let b = uniform(&[9, 7], -1.0, 1.0, 5); // b.t(): [7, 9]
    let want = naive_matmul(&dense(&a.t()), &dense(&b.t()));
    assert_close(&a.t().matmul(&b.t()), &want, STRIDED, "both transposed");
    assert_close(&dense(&a.t()).matmul(&b.t()), &want, STRIDED, "rhs transposed");
    // Offset views (narrow) and a broadcast (stride-0) row.
    let an = uniform(&[6, 8], -1.0, 1.0, 6).narrow(0, 2, 3).narrow(1, 1, 7); // [3, 7]
    assert_close(&an.matmul(&b.t()), &naive_matmul(&dense(&an), &dense(&b.t())), STRIDED, "narrowed lhs");
    let row = uniform(&[1, 7], -1.0, 1.0, 7).broadcast_to(&[4, 7]);
    assert_close(&row.matmul(&b.t()), &naive_matmul(&dense(&row), &dense(&b.t())), STRIDED, "expanded lhs");
    // Batched: permuted batch dims and a broadcast batch.
    let x = uniform(&[3, 2, 4, 5], -1.0, 1.0, 8).permute(&[1, 0, 3, 2]); // [2, 3, 5, 4]
    let y = uniform(&[4, 6], -1.0, 1.0, 9);
    let got = x.matmul(&y);
    let dx = dense(&x);
    for i in 0..2 {
        for j in 0..3 {
            let want = naive_matmul(&dx.select(0, i).select(0, j).contiguous(), &y);
            assert_close(&got.select(0, i).select(0, j), &want, STRIDED, "batched slice");
        }
    }
    assert_close(&got, &dx.matmul(&y), STRIDED, "permuted batch vs dense");
}
