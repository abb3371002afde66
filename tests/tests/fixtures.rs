//! Forward values and gradients against PyTorch: every case of `fixtures/tensor_ops.json` (made by
//! `fixtures/gen_tensor_fixtures.py`) runs on the tensor forward and on the autograd forward, and
//! cases with an upstream gradient `gy` also compare `grad_<input>` with PyTorch autograd.

use autograd::{Param, Tape, Var};
use std::collections::BTreeMap;
use tensor::Tensor;
use tests::fixture::{Case, FixtureFile, fixture_path, load};
use tests::operand::Operand;
use tests::tolerance::{FIXTURE_FORWARD, FIXTURE_GRAD};
use tests::{assert_close, check_close};

fn fixtures() -> FixtureFile {
    load(&fixture_path("tensor_ops.json")).unwrap_or_else(|e| panic!("{e}"))
}

/// The case's op on its inputs, with the op's params (written once for `Tensor` and `Var`).
fn forward<T: Operand>(case: &Case, x: &BTreeMap<String, T>) -> T {
    let get = |k: &str| x.get(k).unwrap_or_else(|| panic!("case {}: no input {k:?}", case.name));
    let dims = || case.dims("dims");
    let keep = || case.flag("keepdim");
    match case.op.as_str() {
        "matmul" => {
            let a = if case.flag("transpose_a") { get("a").t() } else { get("a").clone() };
            let b = if case.flag("transpose_b") { get("b").t() } else { get("b").clone() };
            a.matmul(&b)
        }
        "conv2d" => {
            let (s, p, d) = (case.usize("stride"), case.usize("padding"), case.usize("dilation"));
            get("x").conv2d(get("w"), x.get("b"), s, p, d)
        }
        "conv_transpose2d" => {
            let (s, p, d) = (case.usize("stride"), case.usize("padding"), case.usize("dilation"));
            get("x").conv_transpose2d(get("w"), x.get("b"), s, p, case.usize("output_padding"), d)
        }
        "max_pool2d" => get("x").max_pool2d(case.usize("kernel"), case.usize("stride"), case.usize("padding")),
        "avg_pool2d" => get("x").avg_pool2d(case.usize("kernel"), case.usize("stride"), case.usize("padding")),
        "adaptive_avg_pool2d" => get("x").adaptive_avg_pool2d(case.usize("oh"), case.usize("ow")),
        "softmax" => get("x").softmax(case.isize("dim")),
        "log_softmax" => get("x").log_softmax(case.isize("dim")),
        "logsumexp" => get("x").logsumexp(&dims(), keep()),
        "sum" => get("x").sum(&dims(), keep()),
        "mean" => get("x").mean(&dims(), keep()),
        "max" => get("x").max(&dims(), keep()),
        "min" => get("x").min(&dims(), keep()),
        "var" => get("x").var(&dims(), keep(), case.flag("unbiased")),
        other => panic!("case {}: no forward for op {other:?}", case.name),
    }
}

/// Inputs other than the upstream gradient, as tensors.
fn tensor_inputs(case: &Case) -> BTreeMap<String, Tensor> {
    case.inputs.keys().filter(|k| *k != "gy").map(|k| (k.clone(), case.input(k))).collect()
}

/// Tensor forward (argmax is tensor-only: it has no gradient).
fn check_tensor_forward(case: &Case) -> Result<(), String> {
    let x = tensor_inputs(case);
    let out = match case.op.as_str() {
        "argmax" => x["x"].argmax(case.isize("dim"), case.flag("keepdim")),
        _ => forward(case, &x),
    };
    compare(&out, &case.expected("out"), FIXTURE_FORWARD).map_err(|e| format!("tensor forward: {e}"))
}

/// Autograd forward, and when the case has `gy`, the gradient of `sum(out * gy)` per input.
fn check_autograd(case: &Case) -> Result<(), String> {
    let params: BTreeMap<String, Param> =
        tensor_inputs(case).into_iter().map(|(k, t)| (k.clone(), Param::new(k, t))).collect();
    let tape = Tape::new();
    let vars: BTreeMap<String, Var> = params.iter().map(|(k, p)| (k.clone(), tape.param(p))).collect();
    let out = forward(case, &vars);
    compare(out.value(), &case.expected("out"), FIXTURE_FORWARD).map_err(|e| format!("autograd forward: {e}"))?;
    if !case.inputs.contains_key("gy") {
        return Ok(());
    }
    let grads = out.backward_with(case.input("gy"));
    for (k, p) in &params {
        let g = grads.get(p).ok_or_else(|| format!("no gradient for {k}"))?;
        compare(g, &case.expected(&format!("grad_{k}")), FIXTURE_GRAD).map_err(|e| format!("grad_{k}: {e}"))?;
    }
    Ok(())
}

fn compare(actual: &Tensor, expected: &Tensor, tol: tests::tolerance::Tol) -> Result<(), String> {
    if actual.shape() != expected.shape() {
        return Err(format!("shape {:?} vs expected {:?}", actual.shape(), expected.shape()));
    }
    check_close(&actual.to_vec(), &expected.to_vec(), tol)
}

/// Expected keys are `out` plus `grad_<input>` for every input when `gy` is present: nothing
/// in the file goes unchecked.
fn check_expected_keys(case: &Case) -> Result<(), String> {
    let mut want = vec!["out".to_string()];
    if case.inputs.contains_key("gy") {
        want.extend(case.inputs.keys().filter(|k| *k != "gy").map(|k| format!("grad_{k}")));
    }
    want.sort();
    let have: Vec<String> = case.expected.keys().cloned().collect();
    if have == want { Ok(()) } else { Err(format!("expected keys {have:?}, want {want:?}")) }
}

#[test]
fn every_fixture_case_matches_pytorch() {
    let file = fixtures();
    let mut failures = Vec::new();
    for case in &file.cases {
        let mut result = check_expected_keys(case).and_then(|_| check_tensor_forward(case));
        if result.is_ok() && case.op != "argmax" {
            result = check_autograd(case);
        }
        if let Err(e) = result {
            failures.push(format!("{} ({}): {e}", case.name, case.op));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixture cases fail:\n{}",
        failures.len(),
        file.cases.len(),
        failures.join("\n")
    );
}

/// Regenerating the file with fewer cases must not silently drop an op family.
#[test]
fn fixtures_cover_the_listed_ops() {
    let file = fixtures();
    let ops = [
        "matmul",
        "conv2d",
        "conv_transpose2d",
        "max_pool2d",
        "avg_pool2d",
        "adaptive_avg_pool2d",
        "softmax",
        "log_softmax",
        "logsumexp",
        "sum",
        "mean",
        "max",
        "min",
        "var",
        "argmax",
    ];
    for op in ops {
        assert!(file.cases.iter().any(|c| c.op == op), "no fixture case for {op}");
    }
    let with_grads = file.cases.iter().filter(|c| c.inputs.contains_key("gy")).count();
    assert!(with_grads >= 8, "only {with_grads} fixture cases check gradients");
    assert!(file.torch_version.starts_with('2'), "fixtures made with torch {}", file.torch_version);
}

#[test]
fn fixture_file_stays_small() {
    let bytes = std::fs::metadata(fixture_path("tensor_ops.json")).expect("fixture file").len();
    assert!(bytes < 300_000, "tensor_ops.json is {bytes} bytes; keep it under 300 KB");
}

/// The loader reports the file on a bad path, and a wrong data length is an error, not a panic.
#[test]
fn fixture_loader_reports_errors() {
    let err = load(&fixture_path("no_such_file.json")).unwrap_err();
    assert!(err.contains("no_such_file.json"), "{err}");
    let bad = tests::fixture::TensorData { shape: vec![2, 2], data: vec![1.0; 3] };
    assert!(bad.to_tensor().is_err());
    // A matching fixture really is compared: a perturbed expectation fails.
    let case = &fixtures().cases[0];
    let out = forward(case, &tensor_inputs(case));
    let wrong = out.add_scalar(1e-3);
    assert!(compare(&wrong, &case.expected("out"), FIXTURE_FORWARD).is_err());
    assert_close(&out, &case.expected("out"), FIXTURE_FORWARD, &case.name);
}
