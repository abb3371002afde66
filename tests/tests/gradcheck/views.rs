//! Gradcheck rows for the view and assembly ops of `DIFFERENTIABLE_OPS` (reshape, permute,
//! narrow, broadcast, squeeze, cat, stack, split, ...), mostly on non-contiguous inputs.
//!
//! A view's gradient is a permutation/selection of the output gradient; gradcheck projects the
//! output with a different weight per element, so a backward that misplaces gradients fails.

use super::{Row, row};
use autograd::Var;
use tensor::Tensor;
use tests::uniform;

fn u(shape: &[usize], seed: u64) -> Tensor {
    uniform(shape, -1.0, 1.0, seed)
}

pub fn rows() -> Vec<Row> {
    let mut rows = reshape_rows();
    rows.extend(slice_rows());
    rows.extend(assembly_rows());
    rows
}

fn reshape_rows() -> Vec<Row> {
    vec![
        row("reshape", "contiguous [3,4] -> [2,6]", vec![u(&[3, 4], 500)], |v| v[0].reshape(&[2, 6])),
        // A transposed input cannot be viewed as [2,6]: reshape copies.
        row("reshape", "transposed [4,3] -> [2,6] (copy path)", vec![u(&[3, 4], 501)], |v| v[0].t().reshape(&[2, 6])),
        row("reshape", "transposed, unit dim inserted (view path)", vec![u(&[3, 4], 502)], |v| {
            v[0].t().reshape(&[4, 1, 3])
        }),
        row("permute", "[2,3,4] by [2,0,1]", vec![u(&[2, 3, 4], 503)], |v| v[0].permute(&[2, 0, 1])),
        row("transpose", "dims 0 and 2", vec![u(&[2, 3, 4], 504)], |v| v[0].transpose(0, 2)),
        row("transpose", "dims -1 and -2", vec![u(&[2, 3, 4], 505)], |v| v[0].transpose(-1, -2)),
        row("squeeze", "dim 1 of [3,1,4]", vec![u(&[3, 1, 4], 506)], |v| v[0].squeeze(1)),
        row("squeeze", "dim -1 of a permuted view", vec![u(&[3, 1, 2], 507)], |v| v[0].permute(&[0, 2, 1]).squeeze(-1)),
        row("unsqueeze", "dim 0", vec![u(&[3, 4], 508)], |v| v[0].unsqueeze(0)),
        row("unsqueeze", "dim -1 of a transposed view", vec![u(&[3, 4], 509)], |v| v[0].t().unsqueeze(-1)),
        row("contiguous", "of a transposed view", vec![u(&[3, 4], 510)], |v| v[0].t().contiguous()),
        row("broadcast_to", "[3,1] -> [2,3,4]", vec![u(&[3, 1], 511)], |v| v[0].broadcast_to(&[2, 3, 4])),
        row("broadcast_to", "permuted [1,3,2] -> [2,3,1], to [2,3,5]", vec![u(&[1, 3, 2], 512)], |v| {
            v[0].permute(&[2, 1, 0]).broadcast_to(&[2, 3, 5])
        }),
    ]
}

fn slice_rows() -> Vec<Row> {
    vec![
        row("narrow", "dim 1, start 1, len 2 of a transposed view", vec![u(&[4, 3], 520)], |v| {
            v[0].t().narrow(1, 1, 2)
        }),
        row("narrow", "dim -1 at the start", vec![u(&[2, 5], 521)], |v| v[0].narrow(-1, 0, 3)),
        row("narrow", "dim 0 at the end", vec![u(&[4, 2], 522)], |v| v[0].narrow(0, 2, 2)),
        row("select", "dim 0, index 1", vec![u(&[3, 4], 523)], |v| v[0].select(0, 1)),
        row("select", "dim -1 of a transposed view", vec![u(&[3, 4], 524)], |v| v[0].t().select(-1, 2)),
        row("split", "dim 0 into [2, 3], rejoined in reverse", vec![u(&[5, 3], 525)], |v| {
            let p = v[0].split(0, &[2, 3]);
            Var::cat(&[p[1].mul_scalar(2.0), p[0].clone()], 0)
        }),
        row("split", "dim -1 of a transposed view into [1, 1, 2]", vec![u(&[4, 3], 526)], |v| {
            let p = v[0].t().split(-1, &[1, 1, 2]);
            p[0].mul(&p[1]).add(&p[2].sum(&[-1], true))
        }),
    ]
}

fn assembly_rows() -> Vec<Row> {
    vec![
        row(
            "cat",
            "dim 1 of [2,3], transposed [1,2] and [2,2]",
            vec![u(&[2, 3], 530), u(&[1, 2], 531), u(&[2, 2], 532)],
            |v| Var::cat(&[v[0].clone(), v[1].t(), v[2].clone()], 1),
        ),
        row("cat", "dim 0, negative dim -2", vec![u(&[1, 3], 533), u(&[2, 3], 534)], |v| {
            Var::cat(&[v[0].clone(), v[1].clone()], -2)
        }),
        row("stack", "three [2,3] along dim 0", vec![u(&[2, 3], 535), u(&[2, 3], 536), u(&[2, 3], 537)], |v| {
            Var::stack(v, 0)
        }),
        row("stack", "along dim -1 with a transposed part", vec![u(&[2, 3], 538), u(&[3, 2], 539)], |v| {
            Var::stack(&[v[0].clone(), v[1].t()], -1)
        }),
    ]
}
