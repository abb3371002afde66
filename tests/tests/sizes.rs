//! Edge sizes: empty tensors (0-size dims) through elementwise/reduce/matmul/views, and sizes
//! above the CPU backend's parallel threshold, checked against small (serial) pieces of the
//! same computation or an f64 reference.

use tensor::{BinaryOp, Tensor, UnaryOp};
use tests::tolerance::{PARALLEL_SUM_REL, STRIDED};
use tests::{assert_close, uniform};

/// Sizes straddling the parallel split (2^15 elements) and well above it.
const LARGE: [usize; 3] = [65537, 1 << 20, (1 << 15) + 1];

#[test]
fn empty_tensors_through_elementwise_and_views() {
    let e = Tensor::zeros(&[0, 3]);
    assert_eq!(e.exp().shape(), &[0, 3]);
    assert_eq!(e.add(&Tensor::ones(&[3])).shape(), &[0, 3]);
    assert_eq!(e.mul(&Tensor::ones(&[2, 1, 1])).shape(), &[2, 0, 3]);
    assert_eq!(e.t().shape(), &[3, 0]);
    assert_eq!(e.t().contiguous().to_vec(), Vec::<f32>::new());
    assert_eq!(e.reshape(&[3, 0, 5]).shape(), &[3, 0, 5]);
    assert_eq!(Tensor::where_cond(&e, &e, &Tensor::scalar(1.0)).shape(), &[0, 3]);
    assert_eq!(Tensor::cat(&[e.clone(), Tensor::ones(&[2, 3])], 0).to_vec(), vec![1.0; 6]);
    assert_eq!(e.softmax(-1).shape(), &[0, 3]);
}

#[test]
fn empty_tensors_through_reductions() {
    let e = Tensor::zeros(&[0, 3]);
    // Sums over an empty dim are 0 (the identity); reducing a non-empty dim keeps the empty one.
    assert_eq!(e.sum(&[0], false).to_vec(), vec![0.0; 3]);
    assert_eq!(e.sum(&[1], false).shape(), &[0]);
    assert_eq!(e.sum(&[1], true).shape(), &[0, 1]);
    assert_eq!(e.sum_all().item(), 0.0);
    // mean of nothing is 0/0, as in PyTorch.
    assert!(e.mean_all().item().is_nan());
    assert_eq!(e.max(&[1], false).shape(), &[0]);
    assert_eq!(e.argmax(1, false).shape(), &[0]);
    assert_eq!(e.permute(&[1, 0]).sum(&[0], false).shape(), &[0]);
}

#[test]
fn empty_tensors_through_matmul() {
    let ones = |s: &[usize]| Tensor::ones(s);
    assert_eq!(ones(&[0, 4]).matmul(&ones(&[4, 5])).shape(), &[0, 5]);
    assert_eq!(ones(&[3, 4]).matmul(&ones(&[4, 0])).shape(), &[3, 0]);
    // An empty inner dim sums nothing: zeros.
    let z = ones(&[3, 0]).matmul(&ones(&[0, 5]));
    assert_eq!((z.shape(), z.to_vec()), (&[3usize, 5][..], vec![0.0; 15]));
    assert_eq!(ones(&[0, 2, 3]).matmul(&ones(&[3, 4])).shape(), &[0, 2, 4]);
}

/// `f` applied to each chunk of at most 1000 rows (serial sizes), results concatenated.
fn chunked(x: &Tensor, f: impl Fn(&Tensor) -> Tensor) -> Vec<f32> {
    let n = x.dim(0);
    (0..n).step_by(1000).flat_map(|s| f(&x.narrow(0, s, 1000.min(n - s)).contiguous()).to_vec()).collect()
}

#[test]
fn large_elementwise_matches_small_pieces() {
    for n in LARGE {
        let x = uniform(&[n], 0.1, 2.0, n as u64);
        let y = uniform(&[n], -2.0, 2.0, n as u64 + 1);
        for op in [UnaryOp::Exp, UnaryOp::Log, UnaryOp::Tanh, UnaryOp::Softplus, UnaryOp::PowScalar(3.0)] {
            assert_eq!(x.unary(op).to_vec(), chunked(&x, |c| c.unary(op)), "{} at n = {n}", op.name());
        }
        let xy = Tensor::stack(&[x.clone(), y.clone()], 1); // [n, 2]: pairs, chunked together
        for op in [BinaryOp::Add, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Maximum, BinaryOp::Lt] {
            let pair = |c: &Tensor| c.select(1, 0).binary(op, &c.select(1, 1));
            assert_eq!(x.binary(op, &y).to_vec(), chunked(&xy, pair), "{} at n = {n}", op.name());
        }
        // A broadcast scalar operand above the threshold.
        let c = Tensor::scalar(0.5);
        assert_eq!(x.add(&c).to_vec(), chunked(&x, |p| p.add(&c)));
    }
}

#[test]
fn large_transposed_elementwise_matches_dense() {
    let x = uniform(&[1025, 513], -1.0, 1.0, 11);
    let b = uniform(&[1025, 1], -1.0, 1.0, 12);
    let got = x.t().mul(&b.t()); // [513, 1025], both operands strided, b broadcast
    let want = Tensor::from_vec(x.t().to_vec(), &[513, 1025]).mul(&Tensor::from_vec(b.to_vec(), &[1, 1025]));
    assert_eq!(got.to_vec(), want.to_vec());
}

#[test]
fn large_sums_match_an_f64_reference() {
    for n in LARGE {
        let x = uniform(&[n], -1.0, 1.0, 20 + n as u64);
        let v = x.to_vec();
        let exact: f64 = v.iter().map(|&a| a as f64).sum();
        let scale: f64 = v.iter().map(|&a| (a as f64).abs()).sum();
        let got = x.sum_all().item() as f64;
        assert!((got - exact).abs() <= PARALLEL_SUM_REL * scale, "n = {n}: {got} vs {exact}");
        let max = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let min = v.iter().copied().fold(f32::INFINITY, f32::min);
        assert_eq!((x.max(&[], false).item(), x.min(&[], false).item()), (max, min));
    }
}

/// Sums of small integers are exact in f32 (below 2^24): a dropped or doubled chunk shows.
#[test]
fn large_sums_of_ones_are_exact() {
    for n in LARGE {
        assert_eq!(Tensor::ones(&[n]).sum_all().item(), n as f32);
        assert_eq!(Tensor::ones(&[n, 3]).sum(&[0], false).to_vec(), vec![n as f32; 3]);
        assert_eq!(Tensor::ones(&[3, n]).t().sum(&[0], false).to_vec(), vec![n as f32; 3]);
        assert_eq!(Tensor::ones(&[2, n]).sum(&[1], false).to_vec(), vec![n as f32; 2]);
    }
}

#[test]
fn large_reductions_over_rows_and_columns_match_pieces() {
    let x = uniform(&[1025, 1024], -1.0, 1.0, 30);
    // Rows: each row alone is a small serial reduction.
    let rows = x.sum(&[1], false);
    for i in (0..1025).step_by(100) {
        let want = x.select(0, i).sum_all();
        assert_close(&rows.select(0, i), &want, STRIDED, "row sum");
    }
    // Columns (leading dim, accumulated in parallel blocks) and a strided view of the same.
    let cols = x.sum(&[0], false);
    let col_ref: Vec<f32> =
        (0..1024).map(|j| x.select(1, j).to_vec().iter().map(|&a| a as f64).sum::<f64>() as f32).collect();
    let tol = tests::tolerance::Tol { atol: 1e-4, rtol: 1e-5 };
    assert_close(&cols, &Tensor::from_vec(col_ref, &[1024]), tol, "column sums");
    assert_close(&x.t().sum(&[1], false), &cols, tol, "column sums of the transposed view");
    let maxes = x.max(&[0], false).to_vec();
    assert!((0..1024).step_by(97).all(|j| maxes[j] == x.select(1, j).max(&[], false).item()));
}

#[test]
fn large_argmax_finds_a_planted_maximum() {
    let n = 1 << 20;
    let mut v = uniform(&[n], -1.0, 1.0, 40).to_vec();
    v[777_777] = 5.0;
    assert_eq!(Tensor::from_vec(v, &[n]).argmax(0, false).item(), 777_777.0);
}

#[test]
fn large_matmul_matches_row_blocks() {
    let a = uniform(&[300, 200], -1.0, 1.0, 50);
    let b = uniform(&[200, 260], -1.0, 1.0, 51);
    let full = a.matmul(&b);
    for start in [0, 128, 290] {
        let len = 10.min(300 - start);
        let block = a.narrow(0, start, len).contiguous().matmul(&b);
        assert_close(&full.narrow(0, start, len), &block, STRIDED, "row block of a parallel matmul");
    }
    let at = uniform(&[200, 300], -1.0, 1.0, 52).t();
    assert_close(&at.matmul(&b), &at.contiguous().matmul(&b), STRIDED, "large transposed lhs");
}

#[test]
fn large_conv_matches_per_image_convs() {
    let x = uniform(&[3, 4, 40, 40], -1.0, 1.0, 60);
    let w = uniform(&[5, 4, 3, 3], -1.0, 1.0, 61);
    let full = x.conv2d(&w, None, 1, 1, 1);
    for i in 0..3 {
        let one = x.narrow(0, i, 1).conv2d(&w, None, 1, 1, 1);
        assert_close(&full.narrow(0, i, 1), &one, STRIDED, "image of a batched conv");
    }
    let pooled = x.max_pool2d(2, 2, 0);
    assert_eq!(pooled.narrow(0, 1, 1).to_vec(), x.narrow(0, 1, 1).max_pool2d(2, 2, 0).to_vec());
}
