//! Programmer misuse panics with a message naming the op and the shapes involved (and data from
//! outside gets a `Result`): every case checks the panic text, not just that something panicked.

use autograd::{Param, Tape, Var};
use tensor::{BinaryOp, Tensor};
use tests::panic_message;

fn z(shape: &[usize]) -> Tensor {
    Tensor::zeros(shape)
}

fn v(shape: &[usize]) -> Var {
    Var::constant(z(shape))
}

/// Panics unless `f` panics with a message containing every needle.
fn expect_panic<R>(what: &str, needles: &[&str], f: impl FnOnce() -> R) {
    let msg = panic_message(f).unwrap_or_else(|| panic!("{what}: did not panic"));
    for n in needles {
        assert!(msg.contains(n), "{what}: panic message {msg:?} does not mention {n:?}");
    }
}

#[test]
fn binary_ops_name_op_and_both_shapes() {
    for op in BinaryOp::ALL {
        let needles = [op.name(), "[2, 3]", "[4]"];
        expect_panic(op.name(), &needles, || z(&[2, 3]).binary(op, &z(&[4])));
        expect_panic(op.name(), &needles, || v(&[2, 3]).binary(op, &v(&[4])));
    }
    expect_panic("where", &["where", "[2]", "[3]"], || Tensor::where_cond(&z(&[2]), &z(&[3]), &z(&[1])));
    expect_panic("broadcast_to", &["broadcast_to", "[2, 3]", "[3, 3]"], || z(&[2, 3]).broadcast_to(&[3, 3]));
}

#[test]
fn matmul_names_both_shapes() {
    let cases: [(&[usize], &[usize]); 3] = [(&[2, 3], &[4, 5]), (&[2, 3, 4], &[3, 4, 5]), (&[3], &[3, 2])];
    for (a, b) in cases {
        let needles = ["matmul", &format!("{a:?}"), &format!("{b:?}")];
        expect_panic("matmul", &needles, || z(a).matmul(&z(b)));
        expect_panic("Var::matmul", &needles, || v(a).matmul(&v(b)));
    }
    expect_panic("linear", &["matmul", "[2, 3]", "[4, 5]"], || v(&[2, 3]).linear(&v(&[5, 4]), None));
}

#[test]
fn convolutions_name_both_shapes() {
    let needles = ["conv2d", "[2, 4, 3, 3]", "[1, 3, 5, 5]"];
    expect_panic("conv2d", &needles, || z(&[1, 3, 5, 5]).conv2d(&z(&[2, 4, 3, 3]), None, 1, 0, 1));
    expect_panic("Var::conv2d", &needles, || v(&[1, 3, 5, 5]).conv2d(&v(&[2, 4, 3, 3]), None, 1, 0, 1));
    let needles = ["conv_transpose2d", "[2, 3, 3, 3]", "[1, 3, 4, 4]"];
    expect_panic("conv_transpose2d", &needles, || {
        z(&[1, 3, 4, 4]).conv_transpose2d(&z(&[2, 3, 3, 3]), None, 1, 0, 0, 1)
    });
    expect_panic("Var::conv_transpose2d", &needles, || {
        v(&[1, 3, 4, 4]).conv_transpose2d(&v(&[2, 3, 3, 3]), None, 1, 0, 0, 1)
    });
    expect_panic("conv2d weight", &["conv2d", "[2, 3, 3, 2]"], || {
        z(&[1, 3, 5, 5]).conv2d(&z(&[2, 3, 3, 2]), None, 1, 0, 1)
    });
    expect_panic("conv2d rank", &["conv2d", "[3, 5, 5]"], || z(&[3, 5, 5]).conv2d(&z(&[2, 3, 3, 3]), None, 1, 0, 1));
    expect_panic("conv2d stride 0", &["conv2d", "stride"], || {
        z(&[1, 1, 4, 4]).conv2d(&z(&[1, 1, 3, 3]), None, 0, 0, 1)
    });
    expect_panic("Var::conv2d stride 0", &["conv2d", "stride"], || {
        v(&[1, 1, 4, 4]).conv2d(&v(&[1, 1, 3, 3]), None, 0, 0, 1)
    });
    for op in [1, 2] {
        let needles = ["conv_transpose2d", "output_padding"];
        expect_panic("output_padding", &needles, || {
            z(&[1, 1, 3, 3]).conv_transpose2d(&z(&[1, 1, 3, 3]), None, 1, 0, op, 1)
        });
        expect_panic("Var output_padding", &needles, || {
            v(&[1, 1, 3, 3]).conv_transpose2d(&v(&[1, 1, 3, 3]), None, 2, 0, op + 1, 1)
        });
    }
    expect_panic("col2im", &["col2im", "[1, 5, 4]"], || {
        z(&[1, 5, 4]).col2im(1, (3, 3), &tensor::Conv2dGeom::square(2, 1, 0, 1))
    });
}

#[test]
fn pools_name_op_and_shape() {
    let x = [2, 3, 4];
    expect_panic("max_pool2d", &["max_pool2d", "[2, 3, 4]"], || z(&x).max_pool2d(2, 2, 0));
    expect_panic("Var::max_pool2d", &["max_pool2d", "[2, 3, 4]"], || v(&x).max_pool2d(2, 2, 0));
    expect_panic("avg_pool2d", &["avg_pool2d", "[2, 3, 4]"], || z(&x).avg_pool2d(2, 2, 0));
    expect_panic("Var::avg_pool2d", &["avg_pool2d", "[2, 3, 4]"], || v(&x).avg_pool2d(2, 2, 0));
    expect_panic("adaptive_avg_pool2d", &["adaptive_avg_pool2d", "[2, 3, 4]"], || z(&x).adaptive_avg_pool2d(2, 2));
    expect_panic("Var::adaptive", &["adaptive_avg_pool2d", "[2, 3, 4]"], || v(&x).adaptive_avg_pool2d(2, 2));
    expect_panic("pool padding", &["max_pool2d", "padding"], || z(&[1, 1, 4, 4]).max_pool2d(2, 2, 2));
    expect_panic("Var pool padding", &["avg_pool2d", "padding"], || v(&[1, 1, 4, 4]).avg_pool2d(2, 2, 2));
    expect_panic("Var pool stride 0", &["max_pool2d", "stride"], || v(&[1, 1, 4, 4]).max_pool2d(2, 0, 0));
}

#[test]
fn assembly_and_views_name_the_shapes() {
    expect_panic("cat", &["cat", "[3, 3]", "[2, 3]"], || Tensor::cat(&[z(&[2, 3]), z(&[3, 3])], 1));
    expect_panic("Var::cat", &["cat", "[3, 3]", "[2, 3]"], || Var::cat(&[v(&[2, 3]), v(&[3, 3])], 1));
    expect_panic("stack", &["stack", "[2, 3]", "[3, 2]"], || Tensor::stack(&[z(&[2, 3]), z(&[3, 2])], 0));
    expect_panic("reshape", &["reshape", "[2, 3]", "[4]"], || z(&[2, 3]).reshape(&[4]));
    expect_panic("Var::reshape", &["reshape", "[2, 3]", "[4]"], || v(&[2, 3]).reshape(&[4]));
    expect_panic("narrow", &["narrow", "[2, 3]"], || z(&[2, 3]).narrow(1, 2, 2));
    expect_panic("Var::narrow", &["narrow", "[2, 3]"], || v(&[2, 3]).narrow(1, 2, 2));
    expect_panic("squeeze", &["squeeze", "[2, 3]"], || z(&[2, 3]).squeeze(0));
    expect_panic("permute", &["permute", "[2, 3]"], || z(&[2, 3]).permute(&[0, 0]));
    expect_panic("split", &["split", "[2, 3]"], || z(&[2, 3]).split(1, &[1, 1]));
    expect_panic("transpose", &["transpose", "rank 2"], || z(&[2, 3]).transpose(0, 2));
    expect_panic("sum dim", &["sum", "dim 3", "rank 2"], || z(&[2, 3]).sum(&[3], false));
    expect_panic("from_vec", &["from_vec", "[2, 3]"], || Tensor::from_vec(vec![0.0; 5], &[2, 3]));
    expect_panic("item", &["item", "[2]"], || z(&[2]).item());
}

#[test]
fn indexing_names_op_and_shapes() {
    let i = z(&[2, 5]);
    expect_panic("gather", &["gather", "[2, 5]", "[3, 4]"], || z(&[3, 4]).gather(0, &i));
    expect_panic("Var::gather", &["gather", "[2, 5]", "[3, 4]"], || v(&[3, 4]).gather(0, &i));
    expect_panic("gather range", &["gather", "index 7"], || z(&[3, 4]).gather(0, &Tensor::full(&[1, 4], 7.0)));
    expect_panic("gather fraction", &["gather", "index 0.5"], || z(&[3, 4]).gather(0, &Tensor::full(&[1, 4], 0.5)));
    let needles = ["scatter_add", "[2, 2]", "[2, 3]"];
    expect_panic("scatter_add", &needles, || z(&[3, 3]).scatter_add(0, &z(&[2, 2]), &z(&[2, 3])));
    expect_panic("index_select", &["index_select", "[2, 2]"], || z(&[3, 4]).index_select(0, &z(&[2, 2])));
    expect_panic("Var::index_select", &["index_select", "[2, 2]"], || v(&[3, 4]).index_select(0, &z(&[2, 2])));
    expect_panic("Var::index_select dim", &["index_select", "dim 2"], || v(&[3, 4]).index_select(2, &z(&[2])));
    expect_panic("one_hot", &["one_hot", "0..3"], || Tensor::from_slice(&[0.0, 3.0], &[2]).one_hot(3));
    let zero_row = Tensor::from_slice(&[1.0, 0.0, 0.0, 0.0], &[2, 2]);
    expect_panic("categorical", &["categorical"], || Tensor::categorical(&zero_row, &mut tests::rng(0)));
    expect_panic("one_hot fractional", &["one_hot", "1.5"], || Tensor::from_slice(&[1.5], &[1]).one_hot(3));
    let negative = Tensor::from_slice(&[2.0, -1.0], &[1, 2]);
    expect_panic("categorical negative", &["categorical", "negative"], || {
        Tensor::categorical(&negative, &mut tests::rng(0))
    });
    expect_panic("sum of a 0-d dim", &["sum", "rank 0"], || Tensor::scalar(1.0).sum(&[0], false));
}

#[test]
fn autograd_misuse_names_the_problem() {
    let p = Param::new("p", z(&[2]));
    let tape = Tape::new();
    let x = tape.param(&p);
    expect_panic("backward", &["backward", "scalar", "[2]"], || x.backward());
    expect_panic("backward_with", &["backward_with", "[3]", "[2]"], || x.backward_with(z(&[3])));
    let loss = x.sum_all();
    let _ = loss.backward();
    expect_panic("backward twice", &["backward() called twice"], || loss.backward());
    expect_panic("tape reuse", &["already used by backward"], || x.exp());
    expect_panic("Param::set", &["Param::set", "p", "[2]", "[3]"], || p.set(z(&[3])));
}

/// Node ids are per tape, so mixing tapes would silently alias another node's gradient.
#[test]
fn mixing_two_tapes_panics() {
    let (p, q) = (Param::new("p", z(&[1])), Param::new("q", z(&[1])));
    let (t1, t2) = (Tape::new(), Tape::new());
    let (a, b) = (t1.param(&p), t2.param(&q));
    expect_panic("mixed tapes", &["two tapes"], || a.mul(&b));
    expect_panic("mixed tapes", &["two tapes"], || Var::cat(&[b.clone(), a.clone()], 0));
    // Constants mix with any tape.
    assert!(a.mul(&v(&[1])).requires_grad());
}

/// Data from outside the program is a `Result` with a message, not a panic.
#[test]
fn outside_data_gets_a_result() {
    let err = Tensor::try_from_vec(vec![0.0; 5], &[2, 3]).expect_err("error");
    assert!(err.contains('6') && err.contains('5') && err.contains("[2, 3]"), "{err}");
    assert!(Tensor::try_from_vec(vec![0.0; 6], &[2, 3]).is_ok());
}
