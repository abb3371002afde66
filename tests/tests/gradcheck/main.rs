//! Finite-difference gradcheck of every differentiable op: one table of rows (op name, case,
//! inputs, the op applied to `&[Var]`), a runner, and a coverage test that fails when an op in
//! the op table or in `autograd::ops::DIFFERENTIABLE_OPS` has no row.

mod composite;
mod op_table;
mod views;

use autograd::{GradcheckOptions, Var, gradcheck};
use std::collections::BTreeSet;
use tensor::{BinaryOp, ReduceOp, Tensor, UnaryOp};
use tests::tolerance::GRADCHECK;

/// The differentiable function of one row.
pub type OpFn = Box<dyn Fn(&[Var]) -> Var>;

/// One gradcheck: `op` is the op-table or `DIFFERENTIABLE_OPS` name this row covers.
pub struct Row {
    pub op: &'static str,
    pub case: String,
    pub inputs: Vec<Tensor>,
    pub f: OpFn,
    pub opts: GradcheckOptions,
}

/// A row with the default gradcheck tolerances.
pub fn row(op: &'static str, case: impl Into<String>, inputs: Vec<Tensor>, f: impl Fn(&[Var]) -> Var + 'static) -> Row {
    Row { op, case: case.into(), inputs, f: Box::new(f), opts: GRADCHECK }
}

impl Row {
    /// Replaces the tolerances (only with a constant from `tests::tolerance`).
    pub fn opts(mut self, opts: GradcheckOptions) -> Row {
        self.opts = opts;
        self
    }
}

fn table() -> Vec<Row> {
    let mut rows = op_table::rows();
    rows.extend(composite::rows());
    rows.extend(views::rows());
    rows
}

/// Names that need a row: the op table (comparisons have no gradient) plus `DIFFERENTIABLE_OPS`.
fn required_ops() -> BTreeSet<&'static str> {
    let unary = UnaryOp::ALL.iter().map(|o| o.name());
    let binary = BinaryOp::ALL.iter().filter(|o| !o.is_comparison()).map(|o| o.name());
    let reduce = ReduceOp::ALL.iter().map(|o| o.name());
    let extra = autograd::ops::DIFFERENTIABLE_OPS.iter().copied();
    unary.chain(binary).chain(reduce).chain(extra).collect()
}

#[test]
fn every_op_has_a_gradcheck_row() {
    let covered: BTreeSet<&str> = table().iter().map(|r| r.op).collect();
    let required = required_ops();
    let missing: Vec<&str> = required.difference(&covered).copied().collect();
    let unknown: Vec<&str> = covered.difference(&required).copied().collect();
    assert!(missing.is_empty(), "ops without a gradcheck row: {missing:?}");
    assert!(unknown.is_empty(), "gradcheck rows naming unknown ops: {unknown:?}");
}

#[test]
fn every_row_passes_gradcheck() {
    let rows = table();
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            let err = gradcheck(|v: &[Var]| (r.f)(v), &r.inputs, r.opts).err()?;
            Some(format!("{} [{}]: {err}", r.op, r.case))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} gradcheck rows fail:\n{}", failures.len(), rows.len(), failures.join("\n"));
}

/// The whole table again with every input on the GPU (finite differences of GPU forwards
/// against GPU backwards; skipped without an adapter unless `EXTRACT_REQUIRE_GPU=1`).
#[test]
fn every_row_passes_gradcheck_on_the_gpu() {
    let Some(dev) = tests::gpu::gpu_or_skip() else { return };
    let rows = table();
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            let inputs: Vec<Tensor> = r.inputs.iter().map(|t| t.to(&dev)).collect();
            let err = gradcheck(|v: &[Var]| (r.f)(v), &inputs, r.opts).err()?;
            Some(format!("{} [{}]: {err}", r.op, r.case))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} GPU gradcheck rows fail:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// Every row's inputs are finite and the op's output is finite: a row never checks NaN == NaN.
#[test]
fn every_row_has_finite_values() {
    for r in table() {
        let vars: Vec<Var> = r.inputs.iter().map(|t| Var::constant(t.clone())).collect();
        let out = (r.f)(&vars);
        let finite = out.value().to_vec().iter().all(|x| x.is_finite()) && out.numel() > 0;
        assert!(finite, "{} [{}]: output not finite or empty", r.op, r.case);
    }
}

/// The checker itself can fail: a wrong backward (identity instead of `exp`) is reported.
#[test]
fn gradcheck_rejects_a_wrong_backward() {
    let wrong_exp = |v: &[Var]| Var::record(&[&v[0]], v[0].value().exp(), Box::new(|g, _| vec![Some(g.clone())]));
    let x = tests::uniform(&[2, 3], 0.5, 1.0, 1);
    let err = gradcheck(wrong_exp, &[x], GRADCHECK).expect_err("gradcheck accepted a wrong gradient");
    assert!(err.contains("input 0"), "{err}");
    // A gradient off by 3% is caught too (the tolerance is tighter than that).
    let scaled = |v: &[Var]| {
        let y = v[0].value().mul_scalar(2.0);
        Var::record(&[&v[0]], y, Box::new(|g, _| vec![Some(g.mul_scalar(2.06))]))
    };
    assert!(gradcheck(scaled, &[tests::uniform(&[4], 0.5, 1.0, 2)], GRADCHECK).is_err());
}
