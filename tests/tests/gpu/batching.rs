//! The GPU batch (one open compute pass, one params buffer, submitted every 64 dispatches or on a
//! read) keeps program order: dispatches, buffer clears (which end the open pass), uploads and
//! read-backs interleaved over more than two batches give the CPU's results.

use crate::parity;
use tensor::Tensor;
use tests::gpu::gpu_or_skip;
use tests::tolerance::GPU_SUM;
use tests::uniform;

/// 150 steps of `acc = 0.5 * acc + x`, with a cleared buffer added every 7th step, a sum every
/// 31st, a read-back and re-upload of `acc` every 45th.
fn chain(x: &Tensor) -> Vec<Tensor> {
    let dev = x.device();
    let mut acc = x.clone();
    let mut outs = Vec::new();
    for i in 0..150 {
        acc = acc.mul_scalar(0.5).add(x);
        if i % 7 == 0 {
            acc = acc.add(&acc.zeros_like());
        }
        if i % 31 == 0 {
            outs.push(acc.sum_all());
        }
        if i % 45 == 0 {
            acc = Tensor::from_vec(acc.to_vec(), acc.shape()).to(&dev);
        }
    }
    outs.push(acc);
    outs
}

#[test]
fn batched_commands_keep_program_order() {
    let Some(dev) = gpu_or_skip() else { return };
    parity("batched chain", &dev, &[uniform(&[300], -1.0, 1.0, 1)], GPU_SUM, |t| chain(&t[0]));
}
