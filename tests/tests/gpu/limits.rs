//! The GPU's limits handled, not hit: more than 65535 workgroups in one dimension, batches and
//! channel counts past the per-dimension limit, and a buffer over the storage-binding limit
//! (a clear error naming the limit, before anything is allocated).

use crate::parity;
use tensor::{Device, Tensor};
use tests::gpu::gpu_or_skip;
use tests::tolerance::GPU_SUM;
use tests::uniform;

#[test]
fn more_than_65535_workgroups() {
    let Some(dev) = gpu_or_skip() else { return };
    // One workgroup per channel: 70000 channels fold into a (65535, 2) grid.
    let x = uniform(&[3, 70_000], -1.0, 1.0, 1);
    parity("channel_moments over 70000 channels", &dev, &[x], GPU_SUM, |t| {
        let (m, v) = t[0].channel_moments();
        vec![m, v]
    });
    // A matmul batch past 65535 (split into launches along z).
    let (a, b) = (uniform(&[70_000, 1, 2], -1.0, 1.0, 2), uniform(&[70_000, 2, 1], -1.0, 1.0, 3));
    parity("matmul batch 70000", &dev, &[a, b], GPU_SUM, |t| vec![t[0].matmul(&t[1])]);
    // One workgroup per output row of a long reduction: 70000 rows of 256.
    let x = uniform(&[70_000, 256], -1.0, 1.0, 4);
    parity("sum of 70000 rows", &dev, &[x], GPU_SUM, |t| vec![t[0].sum(&[1], false)]);
}

#[test]
fn a_buffer_over_the_binding_limit_is_a_clear_error() {
    let Some(dev) = gpu_or_skip() else { return };
    let Device::Gpu(g) = &dev else { unreachable!("gpu_or_skip returns a GPU") };
    let limit = g.info().max_storage_buffer_binding_size.min(g.info().max_buffer_size);
    let n = (limit / 4 + 1) as usize;
    let msg = tests::panic_message(|| Tensor::zeros_on(&[n], &dev)).expect("an oversized buffer must fail");
    assert!(msg.contains("max_storage_buffer_binding_size"), "{msg}");
    // The device still works afterwards.
    assert_eq!(Tensor::ones(&[2]).to(&dev).sum_all().item(), 2.0);
    assert!(g.status().is_ok());
}
