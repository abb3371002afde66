//! Gradcheck rows for the op table: every `UnaryOp::ALL`, non-comparison `BinaryOp::ALL` and
//! `ReduceOp::ALL` entry, through the generic `Var::unary` / `binary` / `reduce` entry points.

use super::{Row, row};
use tensor::{BinaryOp, ReduceOp, Tensor, UnaryOp};
use tests::{distinct, grid, uniform, uniform_avoiding};

/// Distance kept from kinks and domain edges: far beyond the finite-difference step (1e-3).
const MARGIN: f32 = 0.1;

pub fn rows() -> Vec<Row> {
    let mut rows = unary_rows();
    rows.extend(binary_rows());
    rows.extend(reduce_rows());
    rows
}

/// Inputs inside the op's domain and away from its kinks.
fn unary_input(op: UnaryOp, shape: &[usize], seed: u64) -> Tensor {
    use UnaryOp::*;
    match op {
        // Domain x > 0 (pow_scalar's derivative too), kept away from the pole at 0.
        Log | Sqrt | Rsqrt | Recip | PowScalar(_) => uniform(shape, 0.5, 2.0, seed),
        Relu | Abs | LeakyRelu(_) | Elu(_) => uniform_avoiding(shape, -1.5, 1.5, &[0.0], MARGIN, seed),
        Clamp(lo, hi) => uniform_avoiding(shape, -1.5, 1.5, &[lo, hi], MARGIN, seed),
        _ => uniform(shape, -1.5, 1.5, seed),
    }
}

fn unary_rows() -> Vec<Row> {
    let mut rows = Vec::new();
    for (i, op) in UnaryOp::ALL.into_iter().enumerate() {
        let seed = 100 + i as u64;
        rows.push(row(op.name(), format!("{op:?} on [3, 4]"), vec![unary_input(op, &[3, 4], seed)], move |v| {
            v[0].unary(op)
        }));
        // Strided path: the op reads a transposed view.
        rows.push(row(
            op.name(),
            format!("{op:?} on a transposed view"),
            vec![unary_input(op, &[4, 2], seed)],
            move |v| v[0].t().unary(op),
        ));
    }
    rows
}

/// Operands of `op` with shapes `sa`, `sb`, inside its domain and without maximum/minimum ties.
fn binary_inputs(op: BinaryOp, sa: &[usize], sb: &[usize], seed: u64) -> Vec<Tensor> {
    match op {
        // Positive base: a^b and its log-derivative are smooth there.
        BinaryOp::Pow => vec![uniform(sa, 0.5, 2.0, seed), uniform(sb, -1.5, 1.5, seed + 1)],
        BinaryOp::Div => vec![uniform(sa, -1.5, 1.5, seed), uniform_avoiding(sb, -2.0, 2.0, &[0.0], 0.5, seed + 1)],
        // Grids offset by half a step: every broadcast pair differs by at least 0.1.
        BinaryOp::Maximum | BinaryOp::Minimum => vec![grid(sa, 0.2, 0.1, seed), grid(sb, 0.2, 0.0, seed + 1)],
        _ => vec![uniform(sa, -1.5, 1.5, seed), uniform(sb, -1.5, 1.5, seed + 1)],
    }
}

fn binary_rows() -> Vec<Row> {
    // Broadcasting both ways ([3,1,4] with [2,4] -> [3,2,4]) and against a 0-d scalar, so the
    // tape's sum-back-to-input-shape is exercised for both operands.
    let shapes: [(&[usize], &[usize]); 3] = [(&[3, 1, 4], &[2, 4]), (&[2, 3], &[]), (&[1, 3], &[2, 1])];
    let mut rows = Vec::new();
    for (i, op) in BinaryOp::ALL.into_iter().filter(|o| !o.is_comparison()).enumerate() {
        for (j, (sa, sb)) in shapes.into_iter().enumerate() {
            let inputs = binary_inputs(op, sa, sb, 200 + 10 * i as u64 + 2 * j as u64);
            rows.push(row(op.name(), format!("{op:?} {sa:?} with {sb:?}"), inputs, move |v| v[0].binary(op, &v[1])));
        }
    }
    rows
}

fn reduce_rows() -> Vec<Row> {
    let dim_sets: [(&[isize], bool); 6] =
        [(&[], false), (&[0], false), (&[-1], true), (&[0, 2], false), (&[1], true), (&[0, 1, 2], true)];
    let mut rows = Vec::new();
    for (i, op) in ReduceOp::ALL.into_iter().enumerate() {
        for (j, (dims, keep)) in dim_sets.into_iter().enumerate() {
            let seed = 300 + 10 * i as u64 + j as u64;
            // Max/min: distinct values, so the arg-extreme never moves under a small step.
            let x = if op == ReduceOp::Sum { uniform(&[2, 3, 4], -1.0, 1.0, seed) } else { distinct(&[2, 3, 4], seed) };
            let d = dims.to_vec();
            rows.push(row(op.name(), format!("{op:?} dims {dims:?} keepdim {keep}"), vec![x], move |v| {
                v[0].reduce(op, &d, keep)
            }));
        }
        let x = distinct(&[4, 3], 390 + i as u64);
        rows.push(row(op.name(), format!("{op:?} over dim 0 of a transposed view"), vec![x], move |v| {
            v[0].t().reduce(op, &[0], false)
        }));
    }
    rows
}
