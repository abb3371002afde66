//! Gradcheck rows for the composite ops of `DIFFERENTIABLE_OPS`: where, mean/var/logsumexp,
//! softmax, matmul/linear, im2col/col2im, convolutions, pools, the indexing ops and the fused
//! batch-norm and LSTM-cell ops.

use super::{Row, row};
use autograd::Var;
use tensor::{Conv2dGeom, Tensor};
use tests::tolerance::GRADCHECK_ACCUMULATING;
use tests::{distinct, uniform};

fn u(shape: &[usize], seed: u64) -> Tensor {
    uniform(shape, -1.0, 1.0, seed)
}

fn idx(values: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_slice(values, shape)
}

/// A captured constant on the device of the row's inputs (the table also runs on the GPU).
fn on(t: &Tensor, v: &Var) -> Tensor {
    t.to(&v.value().device())
}

pub fn rows() -> Vec<Row> {
    let mut rows = reduction_rows();
    rows.extend(linalg_rows());
    rows.extend(im2col_rows());
    rows.extend(conv_rows());
    rows.extend(depthwise_rows());
    rows.extend(pool_rows());
    rows.extend(index_rows());
    rows.extend(fused_rows());
    rows
}

fn reduction_rows() -> Vec<Row> {
    let cond = idx(&[1., 0., 1., 1., 0., 0.], &[2, 3]);
    let x = || u(&[2, 3, 4], 400);
    vec![
        row("where", "[2,3] mask, [2,3] and broadcast [3]", vec![u(&[2, 3], 401), u(&[3], 402)], move |v| {
            Var::where_cond(&on(&cond, &v[0]), &v[0], &v[1])
        }),
        row("mean", "dim 1", vec![x()], |v| v[0].mean(&[1], false)),
        row("mean", "all dims", vec![x()], |v| v[0].mean(&[], false)),
        row("mean", "dims [0, 2] keepdim", vec![x()], |v| v[0].mean(&[0, 2], true)),
        row("var", "dim 1 unbiased", vec![x()], |v| v[0].var(&[1], false, true)),
        row("var", "dims [0, 2] biased keepdim", vec![x()], |v| v[0].var(&[0, 2], true, false)),
        row("var", "all dims unbiased", vec![x()], |v| v[0].var(&[], false, true)),
        row("logsumexp", "dim -1", vec![x()], |v| v[0].logsumexp(&[-1], false)),
        row("logsumexp", "dims [0, 2] keepdim", vec![x()], |v| v[0].logsumexp(&[0, 2], true)),
        row("softmax", "dim 1", vec![x()], |v| v[0].softmax(1)),
        row("softmax", "dim -1 of a transposed view", vec![x()], |v| v[0].transpose(0, 2).softmax(-1)),
        row("log_softmax", "dim 0", vec![x()], |v| v[0].log_softmax(0)),
        row("log_softmax", "dim -1", vec![x()], |v| v[0].log_softmax(-1)),
    ]
}

fn linalg_rows() -> Vec<Row> {
    vec![
        row("matmul", "[3,4] @ [4,5]", vec![u(&[3, 4], 410), u(&[4, 5], 411)], |v| v[0].matmul(&v[1])),
        row("matmul", "batched broadcast [2,1,3,4] @ [3,4,2]", vec![u(&[2, 1, 3, 4], 412), u(&[3, 4, 2], 413)], |v| {
            v[0].matmul(&v[1])
        }),
        row("matmul", "[3,4] @ transposed [5,4]", vec![u(&[3, 4], 414), u(&[5, 4], 415)], |v| v[0].matmul(&v[1].t())),
        row("matmul", "rank-2 lhs @ batched rhs", vec![u(&[3, 4], 416), u(&[2, 4, 2], 417)], |v| v[0].matmul(&v[1])),
        row("linear", "[3,4] with weight [5,4] and bias", vec![u(&[3, 4], 418), u(&[5, 4], 419), u(&[5], 420)], |v| {
            v[0].linear(&v[1], Some(&v[2]))
        }),
        row("linear", "[2,3,4] without bias", vec![u(&[2, 3, 4], 421), u(&[2, 4], 422)], |v| v[0].linear(&v[1], None)),
    ]
}

fn im2col_rows() -> Vec<Row> {
    let g = Conv2dGeom { kh: 3, kw: 2, stride: (2, 1), padding: (1, 0), dilation: (1, 2) };
    let (oh, ow) = g.out_size(5, 5);
    vec![
        row(
            "im2col",
            "3x2 kernel, stride (2,1), padding (1,0), dilation (1,2)",
            vec![u(&[1, 2, 5, 5], 430)],
            move |v| v[0].im2col(&g, 0.0),
        ),
        row("im2col", "square 3x3 stride 2 padding 1, pad value -1", vec![u(&[2, 1, 4, 4], 431)], |v| {
            v[0].im2col(&Conv2dGeom::square(3, 2, 1, 1), -1.0)
        }),
        row("col2im", "adjoint of the rectangular im2col", vec![u(&[1, 2 * 6, oh * ow], 432)], move |v| {
            v[0].col2im(2, (5, 5), &g)
        }),
    ]
}

fn conv_rows() -> Vec<Row> {
    let acc = GRADCHECK_ACCUMULATING;
    vec![
        row(
            "conv2d",
            "stride 2, padding 1, dilation 2, bias",
            vec![u(&[2, 2, 7, 7], 433), u(&[3, 2, 3, 3], 434), u(&[3], 435)],
            |v| v[0].conv2d(&v[1], Some(&v[2]), 2, 1, 2),
        )
        .opts(acc),
        row(
            "conv2d",
            "stride 1, no bias, NHWC input permuted to NCHW",
            vec![u(&[1, 5, 4, 2], 436), u(&[2, 2, 2, 2], 437)],
            |v| v[0].permute(&[0, 3, 1, 2]).conv2d(&v[1], None, 1, 0, 1),
        ),
        row(
            "conv2d",
            "rectangular window and image, stride (1,2), padding (2,0), dilation (2,1), bias",
            vec![u(&[2, 2, 6, 7], 490), u(&[3, 2, 2, 3], 491), u(&[3], 492)],
            |v| {
                let g = Conv2dGeom { kh: 2, kw: 3, stride: (1, 2), padding: (2, 0), dilation: (2, 1) };
                v[0].conv2d_grouped(&v[1], Some(&v[2]), &g, 1)
            },
        )
        .opts(acc),
        row(
            "conv2d",
            "k4 stride 2 padding 1 (the encoder's), batch 3",
            vec![u(&[3, 2, 6, 6], 493), u(&[2, 2, 4, 4], 494)],
            |v| v[0].conv2d(&v[1], None, 2, 1, 1),
        )
        .opts(acc),
        row(
            "conv2d",
            "groups 2, padding 1, bias",
            vec![u(&[2, 4, 5, 5], 445), u(&[6, 2, 3, 3], 446), u(&[6], 447)],
            |v| v[0].conv2d_grouped(&v[1], Some(&v[2]), &Conv2dGeom::square(3, 1, 1, 1), 2),
        )
        .opts(acc),
        row(
            "conv2d",
            "groups 3, channel multiplier 2, rectangular window",
            vec![u(&[1, 3, 6, 5], 448), u(&[6, 1, 3, 2], 449)],
            |v| {
                let g = Conv2dGeom { kh: 3, kw: 2, stride: (2, 1), padding: (1, 0), dilation: (1, 2) };
                v[0].conv2d_grouped(&v[1], None, &g, 3)
            },
        ),
        row(
            "conv_transpose2d",
            "stride 2, padding 1, output_padding 1, bias",
            vec![u(&[1, 2, 3, 3], 438), u(&[2, 3, 3, 3], 439), u(&[3], 440)],
            |v| v[0].conv_transpose2d(&v[1], Some(&v[2]), 2, 1, 1, 1),
        )
        .opts(acc),
        row(
            "conv_transpose2d",
            "stride 1, dilation 2, no bias",
            vec![u(&[2, 2, 3, 3], 441), u(&[2, 1, 2, 2], 442)],
            |v| v[0].conv_transpose2d(&v[1], None, 1, 0, 0, 2),
        ),
        row(
            "conv_transpose2d",
            "output_padding 1 >= stride 1, dilation 2",
            vec![u(&[1, 2, 3, 4], 443), u(&[2, 2, 3, 3], 444)],
            |v| v[0].conv_transpose2d(&v[1], None, 1, 1, 1, 2),
        ),
    ]
}

/// The direct depthwise kernel's backward (through `conv2d_grouped` with `groups == channels`).
fn depthwise_rows() -> Vec<Row> {
    let acc = GRADCHECK_ACCUMULATING;
    let rect = Conv2dGeom { kh: 3, kw: 2, stride: (2, 1), padding: (1, 0), dilation: (1, 2) };
    vec![
        row(
            "depthwise_conv2d",
            "3x3 stride 2 padding 1, bias",
            vec![u(&[2, 3, 6, 6], 480), u(&[3, 1, 3, 3], 481), u(&[3], 482)],
            |v| v[0].depthwise_conv2d(&v[1], Some(&v[2]), &Conv2dGeom::square(3, 2, 1, 1)),
        )
        .opts(acc),
        row(
            "depthwise_conv2d",
            "5x5 stride 1 padding 2 via conv2d_grouped",
            vec![u(&[1, 2, 5, 6], 483), u(&[2, 1, 5, 5], 484)],
            |v| v[0].conv2d_grouped(&v[1], None, &Conv2dGeom::square(5, 1, 2, 1), 2),
        )
        .opts(acc),
        row(
            "depthwise_conv2d",
            "rectangular window, dilation (1,2), on a permuted input",
            vec![u(&[1, 5, 6, 2], 485), u(&[2, 1, 3, 2], 486)],
            move |v| v[0].permute(&[0, 3, 1, 2]).depthwise_conv2d(&v[1], None, &rect),
        ),
    ]
}

fn pool_rows() -> Vec<Row> {
    vec![
        // Distinct inputs: the window maximum never switches under a step of 1e-3.
        row("max_pool2d", "k 2 stride 2", vec![distinct(&[1, 2, 6, 6], 450)], |v| v[0].max_pool2d(2, 2, 0)),
        row("max_pool2d", "k 3 stride 2 padding 1", vec![distinct(&[2, 1, 5, 5], 451)], |v| v[0].max_pool2d(3, 2, 1)),
        row("avg_pool2d", "k 3 stride 2 padding 1", vec![u(&[1, 2, 7, 6], 452)], |v| v[0].avg_pool2d(3, 2, 1)),
        row("avg_pool2d", "k 2 stride 1", vec![u(&[2, 1, 4, 5], 453)], |v| v[0].avg_pool2d(2, 1, 0)),
        row("adaptive_avg_pool2d", "7x5 -> 3x2", vec![u(&[1, 2, 7, 5], 454)], |v| v[0].adaptive_avg_pool2d(3, 2)),
        row("adaptive_avg_pool2d", "4x4 -> 4x4 on a transposed view", vec![u(&[1, 1, 4, 4], 455)], |v| {
            v[0].t().adaptive_avg_pool2d(4, 4)
        }),
    ]
}

fn index_rows() -> Vec<Row> {
    // Fixed integer indices with repeats, so gathered gradients must accumulate.
    let i0 = idx(&[2., 0., 1., 2., 0., 0., 2., 1.], &[2, 4]);
    let i1 = idx(&[3., 3., 0., 1., 2., 1.], &[3, 2]);
    let (i0b, i1b, i0c) = (i0.clone(), i1.clone(), i0.clone());
    vec![
        row("gather", "dim 0 with repeated indices", vec![u(&[3, 4], 460)], move |v| v[0].gather(0, &on(&i0, &v[0]))),
        row("gather", "dim -1 of a transposed view", vec![u(&[4, 3], 461)], move |v| {
            v[0].t().gather(-1, &on(&i1, &v[0]))
        }),
        row("scatter_add", "dim 0, duplicates accumulate", vec![u(&[3, 4], 462), u(&[2, 4], 463)], move |v| {
            v[0].scatter_add(0, &on(&i0b, &v[0]), &v[1])
        }),
        row("scatter_add", "dim 1", vec![u(&[3, 4], 464), u(&[3, 2], 465)], move |v| {
            v[0].scatter_add(1, &on(&i1b, &v[0]), &v[1])
        }),
        row("scatter_add", "into a broadcast base", vec![u(&[4], 466), u(&[2, 4], 467)], move |v| {
            v[0].broadcast_to(&[3, 4]).scatter_add(0, &on(&i0c, &v[0]), &v[1])
        }),
        row("index_select", "dim 0 with a repeat", vec![u(&[4, 3], 468)], |v| {
            v[0].index_select(0, &on(&idx(&[2., 0., 2.], &[3]), &v[0]))
        }),
        row("index_select", "dim -1", vec![u(&[2, 4], 469)], |v| {
            v[0].index_select(-1, &on(&idx(&[1., 1., 0., 3., 2.], &[5]), &v[0]))
        }),
    ]
}

/// Fused ops. An op with two outputs is checked through closures that combine them (so the
/// gradient of each output, and of both at once, reaches the inputs), and through one alone.
fn fused_rows() -> Vec<Row> {
    let bn = |v: &[Var]| v[0].batch_norm(&v[1], &v[2], 1e-5).0;
    let lstm = |v: &[Var]| Var::lstm_cell_pointwise(&v[0].mul_scalar(2.0), &v[1]);
    let cell = || vec![u(&[3, 8], 470), u(&[3, 2], 471)];
    vec![
        row("batch_norm", "[4,3,2,3] over [0,2,3]", vec![u(&[4, 3, 2, 3], 472), u(&[3], 473), u(&[3], 474)], bn),
        row(
            "batch_norm",
            "[6,4] over dim 0, transposed view",
            vec![u(&[4, 6], 475), u(&[4], 476), u(&[4], 477)],
            |v| v[0].t().batch_norm(&v[1], &v[2], 1e-5).0,
        ),
        row("lstm_cell_pointwise", "h + 0.5 c", cell(), move |v| {
            let (h, c) = lstm(v);
            h.add(&c.mul_scalar(0.5))
        }),
        row("lstm_cell_pointwise", "h only", cell(), move |v| lstm(v).0),
        row("lstm_cell_pointwise", "c only", cell(), move |v| lstm(v).1),
        row("lstm_cell_pointwise", "two steps, c feeds the second", cell(), move |v| {
            let (h1, c1) = lstm(v);
            let (h2, _) = Var::lstm_cell_pointwise(&v[0].mul_scalar(-1.0), &c1);
            h1.add(&h2)
        }),
    ]
}
