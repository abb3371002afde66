//! Shared helpers of the nn fixture tests: the closed-form fill pattern (same as the generating
//! Python script), JSON access and tolerant comparisons.

#![allow(dead_code)]

use autograd::{Grads, Param, Tape, Var};
use nn::Module;
use serde_json::Value;
use tensor::{Device, GpuDevice, Tensor};

/// Relative tolerance against the f64 PyTorch references (the Rust side computes in f32).
pub const RTOL: f32 = 1e-4;
/// Absolute floor for values near zero.
pub const ATOL: f32 = 1e-5;

pub fn fixtures() -> Value {
    let text = include_str!("../fixtures/nn_modules.json");
    serde_json::from_str(text).expect("nn_modules.json parses")
}

fn seed(name: &str) -> f64 {
    0.013 * name.bytes().map(|b| b as f64).sum::<f64>()
}

/// `scale * sin(0.731 i + seed(name))`, the pattern both sides fill weights and inputs with.
pub fn fill(shape: &[usize], name: &str, scale: f64) -> Tensor {
    let n: usize = shape.iter().product();
    let s = seed(name);
    Tensor::from_vec((0..n).map(|i| (scale * (0.731 * i as f64 + s).sin()) as f32).collect(), shape)
}

pub fn fill_params(m: &dyn Module) {
    for p in m.parameters() {
        p.set(fill(&p.shape(), p.name(), 0.3));
    }
}

pub fn floats(v: &Value) -> Vec<f32> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number") as f32).collect()
}

pub fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length {} vs {}", got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= ATOL + RTOL * w.abs(), "{what}[{i}]: got {g}, PyTorch {w}");
    }
}

/// Compares against a full list or against a summary `{head, sum, sumsq, n}` of a large tensor.
pub fn assert_matches(what: &str, got: &Tensor, want: &Value) {
    let g = got.to_vec();
    if want.is_array() {
        return assert_close(what, &g, &floats(want));
    }
    assert_eq!(g.len() as u64, want["n"].as_u64().expect("n"), "{what}: element count");
    assert_close(&format!("{what} (head)"), &g[..128], &floats(&want["head"]));
    let sumsq: f64 = g.iter().map(|&v| v as f64 * v as f64).sum();
    let want_sumsq = want["sumsq"].as_f64().expect("sumsq");
    assert!((sumsq - want_sumsq).abs() <= 1e-4 * want_sumsq, "{what}: sum of squares {sumsq} vs {want_sumsq}");
    // Sums of mixed-sign values cancel, so compare against their natural scale.
    let sum: f64 = g.iter().map(|&v| v as f64).sum();
    let scale = (want_sumsq * g.len() as f64).sqrt();
    let want_sum = want["sum"].as_f64().expect("sum");
    assert!((sum - want_sum).abs() <= 1e-5 * scale.max(1.0), "{what}: sum {sum} vs {want_sum}");
}

/// The GPU for re-running fixtures, or `None` (printing `skipped: no wgpu adapter`) without an
/// adapter; `EXTRACT_REQUIRE_GPU=1` makes a missing adapter a failure.
pub fn gpu_or_skip() -> Option<Device> {
    if let Some(g) = GpuDevice::shared() {
        return Some(Device::Gpu(g));
    }
    assert!(
        std::env::var("EXTRACT_REQUIRE_GPU").map_or(true, |v| v != "1"),
        "EXTRACT_REQUIRE_GPU=1 but no wgpu adapter was found"
    );
    println!("skipped: no wgpu adapter");
    None
}

/// The constant `v` on the device of `x` (extra inputs of a case follow the module's input).
pub fn on_device_of(v: &Var, x: &Var) -> Var {
    Var::constant(v.value().to(&x.value().device()))
}

/// Every parameter and buffer value of `m` (to rewind a module between devices).
fn snapshot(m: &dyn Module) -> Vec<(Param, Tensor)> {
    m.parameters().into_iter().chain(m.buffers()).map(|p| (p.clone(), p.value())).collect()
}

fn restore(state: &[(Param, Tensor)]) {
    for (p, v) in state {
        p.set(v.clone());
    }
}

/// Runs `forward` on the fixture's input, backpropagates `sum(out * fill(out, "proj"))` and
/// checks output, input gradient and every parameter gradient against the case — on the CPU,
/// then again with the module and input on the GPU (when there is one; BatchNorm buffers are
/// rewound in between and end as the CPU run left them).
pub fn check_case(case: &Value, m: &dyn Module, x: Tensor, forward: impl Fn(&Tape, &Var) -> Var) {
    let before = snapshot(m);
    check_case_on(case, m, x.clone(), &forward);
    let Some(gpu) = gpu_or_skip() else { return };
    let after = snapshot(m);
    restore(&before);
    m.to_device(&gpu);
    check_case_on(case, m, x.to(&gpu), &forward);
    for ((p, cpu), (_, gpu_v)) in after.iter().zip(snapshot(m)) {
        assert_matches(&format!("{} after the GPU run", p.name()), &gpu_v, &Value::from(cpu.to_vec()));
    }
    restore(&after);
}

fn check_case_on(case: &Value, m: &dyn Module, x: Tensor, forward: &impl Fn(&Tape, &Var) -> Var) {
    let input = Param::new("input", x);
    let tape = Tape::new();
    let out = forward(&tape, &tape.param(&input));
    let want_shape: Vec<usize> =
        case["out_shape"].as_array().expect("shape").iter().map(|v| v.as_u64().expect("dim") as usize).collect();
    assert_eq!(out.shape(), want_shape.as_slice(), "output shape");
    assert_matches("output", out.value(), &case["out"]);
    let grads: Grads = out.backward_with(fill(out.shape(), "proj", 1.0));
    assert_matches("input grad", grads.get(&input).expect("input grad"), &case["input_grad"]);
    let want = case["grads"].as_object().expect("grads");
    let params = m.parameters();
    assert_eq!(params.len(), want.len(), "parameter count vs PyTorch: {:?}", want.keys().collect::<Vec<_>>());
    for p in params {
        let w = want.get(p.name()).unwrap_or_else(|| panic!("PyTorch has no parameter {}", p.name()));
        assert_matches(&format!("grad {}", p.name()), grads.get(&p).expect("param grad"), w);
    }
}
