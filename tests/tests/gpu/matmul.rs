//! Each matmul kernel forced in turn (the 64 x 64 tiled one, the 128 x 128 wide one, and the wide
//! one in f16 where the adapter has `shader-f16`) against the CPU, on edge-sized, transposed and
//! batched products. Runs on a private device so that forcing a kernel cannot race other tests.

use crate::parity;
use tensor::{Device, GpuDevice, MatmulKernel, Tensor};
use tests::gpu::gpu_or_skip;
use tests::tolerance::{GPU_F16_MATMUL, GPU_SUM};
use tests::uniform;

/// (m, k, n): single elements, sizes around the tile edges, k past several k steps.
const SHAPES: [(usize, usize, usize); 5] = [(1, 1, 1), (129, 17, 131), (64, 64, 64), (130, 300, 7), (257, 70, 129)];

fn private_device() -> Option<GpuDevice> {
    gpu_or_skip()?;
    Some(GpuDevice::open().expect("a second device on the adapter gpu_or_skip found"))
}

#[test]
fn every_matmul_kernel_matches_the_cpu() {
    let Some(g) = private_device() else { return };
    let dev = Device::Gpu(g.clone());
    for kernel in [MatmulKernel::Tiled64, MatmulKernel::Wide128] {
        g.set_matmul_kernel(kernel);
        assert_eq!(g.matmul_kernel(), kernel);
        for (m, k, n) in SHAPES {
            let (a, b) = (uniform(&[m, k], -1.0, 1.0, 1), uniform(&[k, n], -1.0, 1.0, 2));
            parity(&format!("{kernel:?} {m}x{k}x{n}"), &dev, &[a, b], GPU_SUM, |t| vec![t[0].matmul(&t[1])]);
        }
        // Transposed operands read in place, a broadcast batch operand, an offset view.
        let a = uniform(&[2, 3, 150, 131], -1.0, 1.0, 3);
        let b = uniform(&[3, 150, 140], -1.0, 1.0, 4);
        parity(&format!("{kernel:?} batched/transposed"), &dev, &[a, b], GPU_SUM, |t| {
            vec![t[0].transpose(-1, -2).matmul(&t[1]), t[1].t().matmul(&t[0].narrow(0, 1, 1).squeeze(0))]
        });
    }
}

/// Long k on few output tiles is split into chunks summed afterwards (with and without a
/// remainder, batched, transposed); k past one launch's loop limit is split too.
#[test]
fn split_k_matches_the_cpu() {
    let Some(g) = private_device() else { return };
    let dev = Device::Gpu(g.clone());
    for kernel in [MatmulKernel::Tiled64, MatmulKernel::Wide128] {
        g.set_matmul_kernel(kernel);
        for (m, k, n) in [(20, 5000, 30), (20, 5003, 30), (1, 2049, 1)] {
            let (a, b) = (uniform(&[m, k], -1.0, 1.0, 1), uniform(&[k, n], -1.0, 1.0, 2));
            parity(&format!("{kernel:?} split {m}x{k}x{n}"), &dev, &[a, b], GPU_SUM, |t| vec![t[0].matmul(&t[1])]);
        }
        let (a, b) = (uniform(&[3, 4099, 20], -1.0, 1.0, 3), uniform(&[3, 4099, 10], -1.0, 1.0, 4));
        parity(&format!("{kernel:?} split batched/transposed"), &dev, &[a, b], GPU_SUM, |t| {
            vec![t[0].transpose(-1, -2).matmul(&t[1])]
        });
    }
    // Past the 64 x 64 kernel's loop limit (k = 262128): the conv weight gradient of a batch of
    // 256 32 x 32 images has k = 262144.
    g.set_matmul_kernel(MatmulKernel::Auto);
    let (a, b) = (uniform(&[2, 262_147], -1.0, 1.0, 5), uniform(&[262_147, 3], -1.0, 1.0, 6));
    parity("split past the loop limit", &dev, &[a, b], GPU_SUM, |t| vec![t[0].matmul(&t[1])]);
}

#[test]
fn auto_picks_the_wide_kernel_for_large_products_only() {
    assert_eq!(MatmulKernel::Auto.resolve(64, 64, 1), MatmulKernel::Tiled64);
    assert_eq!(MatmulKernel::Auto.resolve(256, 256, 1), MatmulKernel::Tiled64);
    assert_eq!(MatmulKernel::Auto.resolve(512, 512, 1), MatmulKernel::Wide128);
    assert_eq!(MatmulKernel::Auto.resolve(1024, 1024, 1), MatmulKernel::Wide128);
    assert_eq!(MatmulKernel::Auto.resolve(2048, 2048, 1), MatmulKernel::Wide128);
    assert_eq!(MatmulKernel::Auto.resolve(256, 256, 4), MatmulKernel::Wide128);
    assert_eq!(MatmulKernel::Tiled64.resolve(4096, 4096, 1), MatmulKernel::Tiled64);
}

/// Each f16 output within `GPU_F16_MATMUL` of sum |a||b| from the f32 CPU product, and clearly
/// not f32 (the rounding shows), so the f16 kernel really ran.
#[test]
fn f16_compute_is_opt_in_and_within_its_stated_error() {
    let Some(g) = private_device() else { return };
    let dev = Device::Gpu(g.clone());
    if !g.info().shader_f16 {
        let err = g.set_f16_compute(true).unwrap_err().to_string();
        assert!(err.contains("shader-f16"), "{err}");
        println!("skipped: adapter {} has no shader-f16", g.info().name);
        return;
    }
    assert!(!g.f16_compute(), "f16 compute is off by default");
    g.set_f16_compute(true).unwrap();
    g.set_matmul_kernel(MatmulKernel::Wide128);
    for (m, k, n) in SHAPES.into_iter().chain([(200, 1000, 150)]) {
        let (a, b) = (uniform(&[m, k], -2.0, 2.0, 5), uniform(&[k, n], -2.0, 2.0, 6));
        let want = a.matmul(&b).to_vec();
        let bound = a.abs().matmul(&b.abs()).to_vec();
        let got = a.to(&dev).matmul(&b.to(&dev)).to_vec();
        let mut worst = 0.0f32;
        for i in 0..want.len() {
            let rel = (got[i] - want[i]).abs() / bound[i].max(f32::MIN_POSITIVE);
            assert!(
                rel <= GPU_F16_MATMUL,
                "f16 {m}x{k}x{n} element {i}: got {} want {} (sum|a||b| {})",
                got[i],
                want[i],
                bound[i]
            );
            worst = worst.max(rel);
        }
        if k >= 64 {
            assert!(worst > 1e-6, "f16 {m}x{k}x{n}: no rounding visible, the f32 kernel ran");
        }
        println!("f16 {m}x{k}x{n}: worst error {worst:.2e} of sum|a||b|");
    }
    g.set_f16_compute(false).unwrap();
    let a: Tensor = uniform(&[130, 40], -1.0, 1.0, 7);
    parity("f16 off again", &dev, &[a.clone(), a.t()], GPU_SUM, |t| vec![t[1].matmul(&t[0])]);
}
