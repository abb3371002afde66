//! Parity of the op table (unary, binary, reduce) and the primitives (where, copy_strided,
//! matmul, im2col/col2im, gather/scatter_add, fused batch-norm and LSTM kernels).

use crate::{SIZES, parity};
use tensor::{BinaryOp, ReduceOp, Tensor, UnaryOp};
use tests::gpu::gpu_or_skip;
use tests::tolerance::{GPU_ELEMENTWISE, GPU_SUM};
use tests::uniform;

/// Inputs inside every unary op's domain (log, sqrt, rsqrt, recip, pow need x > 0).
fn domain(op: UnaryOp, n: usize, seed: u64) -> Tensor {
    use UnaryOp::*;
    match op {
        Log | Sqrt | Rsqrt | Recip | PowScalar(_) => uniform(&[n], 0.1, 3.0, seed),
        _ => uniform(&[n], -4.0, 4.0, seed),
    }
}

#[test]
fn unary_ops_match_the_cpu() {
    let Some(dev) = gpu_or_skip() else { return };
    for op in UnaryOp::ALL {
        for n in SIZES {
            let x = domain(op, n, n as u64);
            parity(&format!("{} n={n}", op.name()), &dev, &[x], GPU_ELEMENTWISE, |t| vec![t[0].unary(op)]);
        }
        // A transposed view and a broadcast view of one row.
        let m = domain(op, 6 * 7, 9).reshape(&[6, 7]);
        parity(&format!("{} transposed", op.name()), &dev, std::slice::from_ref(&m), GPU_ELEMENTWISE, |t| {
            vec![t[0].t().unary(op)]
        });
        parity(&format!("{} broadcast", op.name()), &dev, &[m], GPU_ELEMENTWISE, |t| {
            vec![t[0].narrow(0, 2, 1).broadcast_to(&[3, 6, 7]).unary(op)]
        });
    }
    // Negative bases with integer exponents, as C's powf.
    let x = Tensor::from_vec(vec![-2.0, -0.5, 0.0, 3.0], &[4]);
    parity("pow_scalar negative base", &dev, &[x], GPU_ELEMENTWISE, |t| vec![t[0].powf(3.0), t[0].powf(2.0)]);
    // tanh stays finite and saturates for huge arguments.
    let x = Tensor::from_vec(vec![-1e4, -30.0, 30.0, 1e4], &[4]);
    parity("tanh saturates", &dev, &[x], GPU_ELEMENTWISE, |t| vec![t[0].tanh()]);
}

#[test]
fn binary_ops_match_the_cpu() {
    let Some(dev) = gpu_or_skip() else { return };
    for op in BinaryOp::ALL {
        for n in SIZES {
            // Grid values make equalities and ties frequent for the comparisons.
            let a = tests::grid(&[n], 0.5, 0.0, n as u64);
            let b = tests::grid(&[n], 0.5, 0.0, n as u64 + 7);
            let (a, b) =
                if op == BinaryOp::Pow { (uniform(&[n], 0.1, 3.0, 1), uniform(&[n], -2.0, 2.0, 2)) } else { (a, b) };
            parity(&format!("{} n={n}", op.name()), &dev, &[a, b], GPU_ELEMENTWISE, |t| vec![t[0].binary(op, &t[1])]);
        }
        // Broadcasting: [4, 1, 5] with [3, 1] -> [4, 3, 5]; a transposed operand.
        let a = uniform(&[4, 1, 5], 0.5, 2.0, 3);
        let b = uniform(&[3, 1], 0.5, 2.0, 4);
        parity(&format!("{} broadcast", op.name()), &dev, &[a, b], GPU_ELEMENTWISE, |t| vec![t[0].binary(op, &t[1])]);
        let a = uniform(&[5, 4], 0.5, 2.0, 5);
        let b = uniform(&[4, 5], 0.5, 2.0, 6);
        parity(&format!("{} strided", op.name()), &dev, &[a, b], GPU_ELEMENTWISE, |t| vec![t[0].t().binary(op, &t[1])]);
    }
}

#[test]
fn reductions_match_the_cpu() {
    let Some(dev) = gpu_or_skip() else { return };
    for op in ReduceOp::ALL {
        for n in SIZES {
            let x = uniform(&[n], -1.0, 1.0, n as u64);
            parity(&format!("{} all n={n}", op.name()), &dev, &[x], GPU_SUM, |t| vec![t[0].reduce(op, &[], false)]);
        }
        let x = uniform(&[3, 257, 5], -1.0, 1.0, 11);
        for dims in [vec![0], vec![1], vec![2], vec![0, 2], vec![1, 2], vec![]] {
            parity(&format!("{} dims {dims:?}", op.name()), &dev, std::slice::from_ref(&x), GPU_SUM, |t| {
                vec![t[0].reduce(op, &dims, true), t[0].permute(&[2, 0, 1]).reduce(op, &dims, false)]
            });
        }
    }
    let x = uniform(&[4, 300], -3.0, 3.0, 5);
    parity("softmax family", &dev, &[x], GPU_SUM, |t| {
        vec![t[0].softmax(-1), t[0].log_softmax(0), t[0].logsumexp(&[1], false), t[0].var(&[1], false, true)]
    });
    let x = tests::distinct(&[6, 40], 3);
    parity("argmax/argmin", &dev, &[x], GPU_SUM, |t| {
        vec![t[0].argmax(1, false), t[0].argmin(0, true), t[0].t().argmax(0, false)]
    });
}

#[test]
fn empty_tensors_work() {
    let Some(dev) = gpu_or_skip() else { return };
    let e = Tensor::zeros(&[0, 3]);
    parity("empty", &dev, &[e.clone(), e], GPU_SUM, |t| {
        vec![t[0].exp(), t[0].add(&t[1]), t[0].sum(&[0], false), t[0].max(&[1], false), t[0].t().matmul(&t[1])]
    });
}

#[test]
fn where_copy_and_cat_match_the_cpu() {
    let Some(dev) = gpu_or_skip() else { return };
    for n in SIZES {
        let c = tests::grid(&[n], 1.0, 0.0, 1).gt(&Tensor::scalar(0.0));
        let (a, b) = (uniform(&[n], -1.0, 1.0, 2), uniform(&[1], -1.0, 1.0, 3));
        parity(&format!("where n={n}"), &dev, &[c, a, b], GPU_ELEMENTWISE, |t| {
            vec![Tensor::where_cond(&t[0], &t[1], &t[2])]
        });
    }
    for n in SIZES {
        let x = uniform(&[n, 2], -1.0, 1.0, 5);
        parity(&format!("copy_strided n={n}"), &dev, &[x], GPU_ELEMENTWISE, |t| vec![t[0].t().contiguous()]);
    }
    let x = uniform(&[4, 5, 6], -1.0, 1.0, 4);
    parity("copy_strided", &dev, std::slice::from_ref(&x), GPU_ELEMENTWISE, |t| {
        vec![t[0].permute(&[2, 0, 1]).contiguous(), t[0].narrow(1, 1, 3).contiguous(), t[0].select(2, 4).contiguous()]
    });
    let y = uniform(&[4, 2, 6], -1.0, 1.0, 5);
    parity("cat/stack", &dev, &[x, y], GPU_ELEMENTWISE, |t| {
        vec![Tensor::cat(&[t[0].clone(), t[1].clone()], 1), Tensor::stack(&[t[0].narrow(1, 0, 2), t[1].clone()], 0)]
    });
}

#[test]
fn matmul_matches_the_cpu() {
    let Some(dev) = gpu_or_skip() else { return };
    for (m, k, n) in [(1, 1, 1), (17, 33, 15), (64, 64, 64), (3, 257, 2), (70, 100, 130)] {
        let a = uniform(&[m, k], -1.0, 1.0, 1);
        let b = uniform(&[k, n], -1.0, 1.0, 2);
        parity(&format!("matmul {m}x{k}x{n}"), &dev, &[a, b], GPU_SUM, |t| vec![t[0].matmul(&t[1])]);
    }
    // Transposed views, batches with a broadcast operand, an expanded vector.
    let a = uniform(&[2, 3, 20, 9], -1.0, 1.0, 3);
    let b = uniform(&[3, 20, 7], -1.0, 1.0, 4);
    parity("matmul batched/transposed", &dev, &[a, b], GPU_SUM, |t| {
        vec![t[0].transpose(-1, -2).matmul(&t[1]), t[1].t().matmul(&t[0].narrow(0, 1, 1).squeeze(0)).sum(&[0], false)]
    });
    let v = uniform(&[9], -1.0, 1.0, 5);
    let w = uniform(&[9, 4], -1.0, 1.0, 6);
    parity("matmul expanded", &dev, &[v, w], GPU_SUM, |t| vec![t[0].unsqueeze(0).expand(&[5, 9]).matmul(&t[1])]);
}

#[test]
fn conv_and_pooling_match_the_cpu() {
    let Some(dev) = gpu_or_skip() else { return };
    let x = uniform(&[2, 3, 9, 8], -1.0, 1.0, 1);
    let w = uniform(&[4, 3, 3, 3], -1.0, 1.0, 2);
    let b = uniform(&[4], -1.0, 1.0, 3);
    for (s, p, d) in [(1, 0, 1), (2, 1, 1), (1, 2, 2)] {
        parity(&format!("conv2d s{s} p{p} d{d}"), &dev, &[x.clone(), w.clone(), b.clone()], GPU_SUM, |t| {
            vec![t[0].conv2d(&t[1], Some(&t[2]), s, p, d)]
        });
        // The two gradients (fused kernels on the CPU, im2col / matmul / col2im on the GPU).
        let g = tensor::Conv2dGeom::square(3, s, p, d);
        let (oh, ow) = g.out_size(9, 8);
        let gy = uniform(&[2, 4, oh, ow], -1.0, 1.0, 10);
        parity(&format!("conv2d grads s{s} p{p} d{d}"), &dev, &[x.clone(), w.clone(), gy], GPU_SUM, |t| {
            vec![Tensor::conv2d_input_grad(&t[2], &t[1], &g, (9, 8)), Tensor::conv2d_weight_grad(&t[0], &t[2], &g)]
        });
    }
    grouped_conv_matches_the_cpu(&dev, &x);
    let wt = uniform(&[3, 4, 3, 3], -1.0, 1.0, 4);
    for (s, p, op, d) in [(1, 0, 0, 1), (2, 1, 1, 1), (1, 1, 1, 2)] {
        parity(&format!("conv_transpose2d s{s} p{p} op{op} d{d}"), &dev, &[x.clone(), wt.clone()], GPU_SUM, |t| {
            vec![t[0].conv_transpose2d(&t[1], None, s, p, op, d)]
        });
    }
    parity("pools", &dev, std::slice::from_ref(&x), GPU_SUM, |t| {
        vec![t[0].max_pool2d(3, 2, 1), t[0].avg_pool2d(2, 2, 0), t[0].adaptive_avg_pool2d(3, 2)]
    });
    let g = tensor::Conv2dGeom::square(3, 2, 1, 1);
    parity("im2col/col2im", &dev, &[x], GPU_SUM, |t| {
        let cols = t[0].im2col(&g, 0.0);
        vec![cols.clone(), cols.col2im(3, (9, 8), &g)]
    });
}

/// Depthwise (the direct kernel, with and without bias, odd sizes, strides, dilation and a
/// rectangular window) and channel-multiplier grouping (im2col + batched product), plus the
/// depthwise backward, on `x: [2, 3, 9, 8]`.
fn grouped_conv_matches_the_cpu(dev: &tensor::Device, x: &Tensor) {
    use tensor::Conv2dGeom;
    let rect = Conv2dGeom { kh: 3, kw: 2, stride: (2, 1), padding: (1, 0), dilation: (1, 2) };
    let geoms = [Conv2dGeom::square(3, 1, 1, 1), Conv2dGeom::square(5, 2, 2, 1), Conv2dGeom::square(3, 2, 2, 2), rect];
    for g in geoms {
        let wd = uniform(&[3, 1, g.kh, g.kw], -1.0, 1.0, 5);
        let bd = uniform(&[3], -1.0, 1.0, 6);
        let what = format!("depthwise {g:?}");
        parity(&what, dev, &[x.clone(), wd.clone(), bd], GPU_SUM, |t| {
            vec![t[0].depthwise_conv2d(&t[1], Some(&t[2]), &g), t[0].conv2d_grouped(&t[1], None, &g, 3)]
        });
        let wm = uniform(&[6, 1, g.kh, g.kw], -1.0, 1.0, 7);
        parity(&format!("groups 3, multiplier 2, {g:?}"), dev, &[x.clone(), wm], GPU_SUM, |t| {
            vec![t[0].conv2d_grouped(&t[1], None, &g, 3)]
        });
        parity(&format!("depthwise backward {g:?}"), dev, &[x.clone(), wd], GPU_SUM, |t| {
            let (px, pw) = (autograd::Param::new("x", t[0].clone()), autograd::Param::new("w", t[1].clone()));
            let tape = autograd::Tape::new();
            let y = tape.param(&px).conv2d_grouped(&tape.param(&pw), None, &g, 3);
            let grads = y.square().sum_all().backward();
            vec![grads.get(&px).expect("dx").clone(), grads.get(&pw).expect("dw").clone()]
        });
    }
    let (x12, w12) = (uniform(&[1, 4, 7, 7], -1.0, 1.0, 8), uniform(&[6, 2, 3, 3], -1.0, 1.0, 9));
    parity("groups 2", dev, &[x12, w12], GPU_SUM, |t| {
        vec![t[0].conv2d_grouped(&t[1], None, &Conv2dGeom::square(3, 1, 1, 1), 2)]
    });
}

#[test]
fn indexing_matches_the_cpu() {
    let Some(dev) = gpu_or_skip() else { return };
    let x = uniform(&[5, 7], -1.0, 1.0, 1);
    let idx = Tensor::from_vec(vec![4., 0., 2., 2., 1., 3., 0., 4., 4., 1., 0., 2.], &[3, 4]);
    let src = uniform(&[3, 4], -1.0, 1.0, 2);
    parity("gather/scatter_add dim 0", &dev, &[x.clone(), idx.clone(), src.clone()], GPU_SUM, |t| {
        vec![t[0].gather(0, &t[1]), t[0].scatter_add(0, &t[1], &t[2]), t[0].t().gather(1, &t[1].t())]
    });
    let idx1 = Tensor::from_vec(vec![6., 0., 6., 6., 1., 3., 0., 5.], &[2, 4]);
    parity("gather/scatter_add dim 1", &dev, &[x.clone(), idx1, uniform(&[2, 4], -1.0, 1.0, 3)], GPU_SUM, |t| {
        vec![t[0].gather(1, &t[1]), t[0].scatter_add(1, &t[1], &t[2])]
    });
    let labels = Tensor::from_vec(vec![2., 0., 1., 4.], &[4]);
    parity("index_select/one_hot", &dev, &[x, labels], GPU_SUM, |t| vec![t[0].index_select(0, &t[1]), t[1].one_hot(5)]);
    for n in SIZES {
        let idx = Tensor::from_vec((0..n).map(|i| ((i * 7919) % n) as f32).collect(), &[n]);
        parity(&format!("gather n={n}"), &dev, &[uniform(&[n], -1.0, 1.0, 5), idx], GPU_SUM, |t| {
            // scatter_add costs (output size) x (index length) on the GPU: small sizes only.
            let mut out = vec![t[0].gather(0, &t[1])];
            if n <= 257 {
                out.push(t[0].scatter_add(0, &t[1], &t[0]));
            }
            out
        });
    }
    // A long index dim: 65537 contributions into 3 slots.
    let n = 65537;
    let idx = Tensor::from_vec((0..n).map(|i| (i % 3) as f32).collect(), &[n]);
    parity("scatter_add long", &dev, &[Tensor::zeros(&[3]), idx, uniform(&[n], -1.0, 1.0, 4)], GPU_SUM, |t| {
        vec![t[0].scatter_add(0, &t[1], &t[2])]
    });
}

#[test]
fn fused_ops_match_the_cpu() {
    let Some(dev) = gpu_or_skip() else { return };
    for shape in [vec![6, 3], vec![4, 3, 5, 7], vec![2, 5, 300]] {
        let c = shape[1];
        let x = uniform(&shape, -2.0, 2.0, 1);
        let g = uniform(&shape, -1.0, 1.0, 2);
        let p: Vec<Tensor> = (0..4).map(|i| uniform(&[c], 0.5, 1.5, 10 + i)).collect();
        let mut inputs = vec![x, g];
        inputs.extend(p);
        parity(&format!("batch norm kernels {shape:?}"), &dev, &inputs, GPU_SUM, |t| {
            let (m, v) = t[0].channel_moments();
            let (s0, s1) = t[1].channel_grad_sums(&t[0], &t[2]);
            let y = t[0].channel_affine(&t[2], &t[3], &t[4]);
            let z = t[1].channel_affine_pair(&t[2], &t[3], &t[0], &t[4], &t[5]);
            vec![m, v, s0, s1, y, z]
        });
    }
    let (b, h) = (5, 7);
    let gates = uniform(&[b, 4 * h], -2.0, 2.0, 1);
    let c = uniform(&[b, h], -1.0, 1.0, 2);
    let g = uniform(&[b, h], -1.0, 1.0, 3);
    parity("lstm cell", &dev, &[gates, c, g], GPU_ELEMENTWISE, |t| {
        let (hn, cn, act) = Tensor::lstm_cell(&t[0], &t[1]);
        let (d_o, d_c) = Tensor::lstm_cell_backward_h(&act, &cn, &t[2]);
        let (dg, dc) = Tensor::lstm_cell_backward_c(&act, &t[1], &t[2], Some(&d_o));
        let (dg0, _) = Tensor::lstm_cell_backward_c(&act, &t[1], &d_c, None);
        vec![hn, cn, act, d_o, d_c, dg, dc, dg0]
    });
}

#[test]
fn mixing_devices_panics_with_both_names() {
    let Some(dev) = gpu_or_skip() else { return };
    let a = Tensor::ones(&[2]).to(&dev);
    let msg = tests::panic_message(|| a.add(&Tensor::ones(&[2]))).expect("mixed devices must panic");
    assert!(msg.contains("add") && msg.contains("cpu") && msg.contains("gpu:"), "{msg}");
}
