//! CPU <-> GPU parity: every op of the op table and every backend primitive on the GPU against
//! the CPU backend (the reference), at the sizes the issue names (1, 255, 257, 65537), on
//! strided and broadcast views and empty tensors; tolerances from `tests::tolerance`.
//! Each test skips (prints `skipped: no wgpu adapter`) without an adapter unless
//! `EXTRACT_REQUIRE_GPU=1`.

mod batching;
mod limits;
mod matmul;
mod primitives;
mod training;

use tensor::{Device, Tensor};
use tests::tolerance::Tol;
use tests::{check_close, gpu::gpu_or_skip};

/// Sizes every elementwise/reduction check runs at: 1, around a workgroup (256), and past
/// 65536 (more than one workgroup row along x for elementwise kernels).
pub const SIZES: [usize; 5] = [1, 255, 256, 257, 65537];

/// Runs `f` on the CPU and on the GPU copies of `inputs` and compares every output.
pub fn parity(what: &str, dev: &Device, inputs: &[Tensor], tol: Tol, f: impl Fn(&[Tensor]) -> Vec<Tensor>) {
    let want = f(inputs);
    let on_gpu: Vec<Tensor> = inputs.iter().map(|t| t.to(dev)).collect();
    let got = f(&on_gpu);
    assert_eq!(want.len(), got.len(), "{what}: output count");
    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(&g.device(), dev, "{what}: output {k} left the GPU");
        assert_eq!(g.shape(), w.shape(), "{what}: output {k} shape");
        if let Err(e) = check_close(&g.to_vec(), &w.to_vec(), tol) {
            panic!("{what}: output {k}: {e}");
        }
    }
}

#[test]
fn device_reports_itself() {
    let Some(dev) = gpu_or_skip() else { return };
    let Device::Gpu(g) = &dev else { unreachable!("gpu_or_skip returns a GPU") };
    let info = g.info();
    println!("adapter: {} ({}, {}), shader-f16: {}", info.name, info.backend, info.device_type, info.shader_f16);
    assert!(info.max_storage_buffer_binding_size > 0);
    // `auto` takes a hardware GPU, never a software adapter such as lavapipe (slower than the CPU).
    assert_eq!(Device::auto() == Device::Cpu, info.software, "Device::auto() on {}", info.device_type);
    assert_eq!(dev, Device::Gpu(g.clone()));
    assert_ne!(dev, Device::Cpu);
    assert!(dev.to_string().starts_with("gpu:"));
    let t = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]).to(&dev);
    assert_eq!(t.device(), dev);
    assert_eq!(t.to_vec(), vec![1.0, 2.0, 3.0]);
    assert_eq!(t.to(&Device::Cpu).device(), Device::Cpu);
    assert!(g.status().is_ok());
}
