//! Shared helpers of the skill-model tests: the fixture script's closed-form fill pattern, JSON
//! access, tolerant comparisons (the tolerances live here) and the optional GPU.

#![allow(dead_code)]

use nn::Module;
use serde_json::Value;
use tensor::{Device, GpuDevice, Tensor};

/// Relative tolerance against the f64 PyTorch references (the Rust side computes in f32).
pub const RTOL: f32 = 1e-4;
/// Absolute floor for values near zero.
pub const ATOL: f32 = 1e-5;

/// `scale * sin(0.731 i + 0.013 * sum(bytes of name))`, the pattern the script fills with.
pub fn fill(shape: &[usize], name: &str, scale: f64) -> Tensor {
    let n: usize = shape.iter().product();
    let s = 0.013 * name.bytes().map(|b| b as f64).sum::<f64>();
    Tensor::from_vec((0..n).map(|i| (scale * (0.731 * i as f64 + s).sin()) as f32).collect(), shape)
}

/// Every parameter filled under its own name (scale 0.3), as the script does.
pub fn fill_params(m: &dyn Module) {
    for p in m.parameters() {
        p.set(fill(&p.shape(), p.name(), 0.3));
    }
}

pub fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a JSON array, got {v}"))
        .iter()
        .map(|x| x.as_f64().expect("number") as f32)
        .collect()
}

pub fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a JSON array, got {v}"))
        .iter()
        .map(|x| x.as_u64().expect("integer") as usize)
        .collect()
}

pub fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length {} vs {}", got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= ATOL + RTOL * w.abs(), "{what}[{i}]: got {g}, PyTorch {w}");
    }
}

/// Compares a tensor with a summary `{head, sum, sumsq, n}` (first values, sum, sum of squares).
pub fn assert_summary(what: &str, got: &Tensor, want: &Value) {
    let g = got.to_vec();
    assert_eq!(g.len() as u64, want["n"].as_u64().expect("n"), "{what}: element count");
    let head = floats(&want["head"]);
    assert_close(&format!("{what} (head)"), &g[..head.len()], &head);
    let sumsq: f64 = g.iter().map(|&v| v as f64 * v as f64).sum();
    let want_sumsq = want["sumsq"].as_f64().expect("sumsq");
    assert!((sumsq - want_sumsq).abs() <= 1e-4 * want_sumsq + 1e-10, "{what}: sum of squares {sumsq} vs {want_sumsq}");
    // Sums of mixed-sign values cancel, so compare against their natural scale.
    let sum: f64 = g.iter().map(|&v| v as f64).sum();
    let scale = (want_sumsq * g.len() as f64).sqrt();
    let want_sum = want["sum"].as_f64().expect("sum");
    assert!((sum - want_sum).abs() <= 1e-5 * scale.max(1e-3), "{what}: sum {sum} vs {want_sum}");
}

/// The GPU, or `None` (printing `skipped: no wgpu adapter`) without an adapter;
/// `EXTRACT_REQUIRE_GPU=1` makes a missing adapter a failure.
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
