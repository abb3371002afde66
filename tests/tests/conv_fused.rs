//! The fused conv2d (`groups == 1`) kernels against their composite definition — im2col + matmul
//! for the forward, `col2im(W^T @ gy)` for the input gradient, `Σ_i gy_i @ im2col(x_i)^T` for the
//! weight gradient — over strides, paddings, dilations, rectangular images and windows, and batch
//! sizes that make zero, one, several and many chunks; and the weight gradient's bit-identity
//! across thread counts.

use tensor::{Conv2dGeom, Tensor};
use tests::tolerance::STRIDED;
use tests::{assert_close, uniform};

/// Windows covering strides 1-2, paddings 0-2, dilations 1-2, square and `kh != kw`.
fn geoms() -> Vec<Conv2dGeom> {
    let g = |kh, kw, stride, padding, dilation| Conv2dGeom { kh, kw, stride, padding, dilation };
    vec![
        g(3, 3, (1, 1), (0, 0), (1, 1)),
        g(4, 4, (2, 2), (1, 1), (1, 1)),
        g(3, 2, (2, 1), (2, 0), (1, 2)),
        g(2, 3, (1, 2), (1, 2), (2, 1)),
        g(1, 1, (1, 1), (0, 0), (1, 1)),
        g(3, 3, (2, 2), (2, 2), (2, 2)),
    ]
}

/// `W[o, k] @ im2col(x)` (+ bias): the composite definition of conv2d.
fn composite_forward(x: &Tensor, w: &Tensor, bias: Option<&Tensor>, g: &Conv2dGeom) -> Tensor {
    let (s, ws) = (x.shape(), w.shape());
    let (oh, ow) = g.out_size(s[2], s[3]);
    let y = w.reshape(&[ws[0], ws[1] * g.kh * g.kw]).matmul(&x.im2col(g, 0.0)).reshape(&[s[0], ws[0], oh, ow]);
    bias.map_or(y.clone(), |b| y.add(&b.reshape(&[ws[0], 1, 1])))
}

/// `col2im(W^T @ gy)`.
fn composite_input_grad(gy: &Tensor, w: &Tensor, g: &Conv2dGeom, hw: (usize, usize)) -> Tensor {
    let (s, ws) = (gy.shape(), w.shape());
    let cols = w.reshape(&[ws[0], ws[1] * g.kh * g.kw]).t().matmul(&gy.reshape(&[s[0], s[1], s[2] * s[3]]));
    cols.col2im(ws[1], hw, g)
}

/// `Σ_i gy_i @ im2col(x_i)^T`.
fn composite_weight_grad(x: &Tensor, gy: &Tensor, g: &Conv2dGeom) -> Tensor {
    let (s, o) = (x.shape(), gy.dim(1));
    let l = gy.dim(2) * gy.dim(3);
    let per_image = gy.reshape(&[s[0], o, l]).matmul(&x.im2col(g, 0.0).transpose(1, 2));
    per_image.sum(&[0], false).reshape(&[o, s[1], g.kh, g.kw])
}

#[test]
fn fused_conv_matches_the_composite_definition() {
    let (c, o, h, w) = (3, 5, 9, 7);
    for (gi, g) in geoms().into_iter().enumerate() {
        let (oh, ow) = g.out_size(h, w);
        for b in [0, 1, 3, 17] {
            let seed = 100 * gi as u64 + b as u64;
            let x = uniform(&[b, c, h, w], -1.0, 1.0, seed);
            let wt = uniform(&[o, c, g.kh, g.kw], -1.0, 1.0, seed + 1);
            let bias = uniform(&[o], -1.0, 1.0, seed + 2);
            let gy = uniform(&[b, o, oh, ow], -1.0, 1.0, seed + 3);
            let what = |op: &str| format!("{op}, {g:?}, batch {b}");
            for bias in [None, Some(&bias)] {
                let fused = x.conv2d_geom(&wt, bias, &g);
                assert_close(&fused, &composite_forward(&x, &wt, bias, &g), STRIDED, &what("forward"));
            }
            let dx = Tensor::conv2d_input_grad(&gy, &wt, &g, (h, w));
            assert_close(&dx, &composite_input_grad(&gy, &wt, &g, (h, w)), STRIDED, &what("input grad"));
            let dw = Tensor::conv2d_weight_grad(&x, &gy, &g);
            assert_close(&dw, &composite_weight_grad(&x, &gy, &g), STRIDED, &what("weight grad"));
        }
    }
}

/// Strided (permuted) operands are read through `.contiguous()`: same values as dense copies.
#[test]
fn fused_conv_reads_strided_views() {
    let g = Conv2dGeom::square(3, 2, 1, 1);
    let x = uniform(&[2, 6, 5, 3], -1.0, 1.0, 7).permute(&[0, 3, 1, 2]); // [2, 3, 6, 5]
    let wt = uniform(&[4, 3, 3, 3], -1.0, 1.0, 8);
    let (oh, ow) = g.out_size(6, 5);
    let gy = uniform(&[2, oh, ow, 4], -1.0, 1.0, 9).permute(&[0, 3, 1, 2]);
    let dense = |t: &Tensor| Tensor::from_vec(t.to_vec(), t.shape());
    assert_close(&x.conv2d_geom(&wt, None, &g), &dense(&x).conv2d_geom(&wt, None, &g), STRIDED, "forward");
    let (dx, want) =
        (Tensor::conv2d_input_grad(&gy, &wt, &g, (6, 5)), Tensor::conv2d_input_grad(&dense(&gy), &wt, &g, (6, 5)));
    assert_close(&dx, &want, STRIDED, "input grad");
    let dw = Tensor::conv2d_weight_grad(&x, &gy, &g);
    assert_close(&dw, &Tensor::conv2d_weight_grad(&dense(&x), &dense(&gy), &g), STRIDED, "weight grad");
}

/// The weight gradient sums fixed chunks of images in order: the same bits under 1 and 2 threads,
/// for batches of one chunk, a few, and many (tiny images put up to 32 images in a chunk). The
/// forward and input gradient (whose products are split across threads for small batches) too.
#[test]
fn weight_grad_is_bit_identical_across_thread_counts() {
    let pools: Vec<_> = [1, 2].map(|t| rayon::ThreadPoolBuilder::new().num_threads(t).build().unwrap()).into();
    let cases = [
        (1, 16, Conv2dGeom::square(4, 2, 1, 1)),
        // One chunk of 1600 columns: big enough that the forward and input-gradient products split.
        (1, 40, Conv2dGeom::square(3, 1, 1, 1)),
        (3, 12, Conv2dGeom::square(3, 1, 1, 1)),
        (70, 8, Conv2dGeom::square(4, 2, 1, 1)),
        (40, 33, Conv2dGeom::square(3, 1, 0, 2)),
    ];
    for (b, hw, g) in cases {
        let (oh, ow) = g.out_size(hw, hw);
        let x = uniform(&[b, 4, hw, hw], -1.0, 1.0, 11);
        let gy = uniform(&[b, 6, oh, ow], -1.0, 1.0, 12);
        let wt = uniform(&[6, 4, g.kh, g.kw], -1.0, 1.0, 13);
        let bits = |p: &rayon::ThreadPool| -> Vec<Vec<u32>> {
            let ts = p.install(|| {
                let dw = Tensor::conv2d_weight_grad(&x, &gy, &g);
                [dw, x.conv2d_geom(&wt, None, &g), Tensor::conv2d_input_grad(&gy, &wt, &g, (hw, hw))]
            });
            ts.iter().map(|t| t.to_vec().iter().map(|v| v.to_bits()).collect()).collect()
        };
        let (one, two) = (bits(&pools[0]), bits(&pools[1]));
        assert_eq!(one[0], two[0], "weight grad, batch {b}, {hw}x{hw}, {g:?}");
        // Not promised, but true of both sgemm kernels: a split product adds in the same order.
        assert_eq!(one[1..], two[1..], "forward / input grad, batch {b}, {hw}x{hw}, {g:?}");
    }
}

/// Chunk boundaries: one large image per chunk (`L` near 1024), and many small images per chunk
/// with a partial last chunk (`L = 64`: chunks of 16, 16 and 5 images).
#[test]
fn fused_conv_matches_across_chunk_boundaries() {
    for (b, (h, w), g) in
        [(3, (34, 33), Conv2dGeom::square(3, 1, 0, 1)), (37, (16, 16), Conv2dGeom::square(4, 2, 1, 1))]
    {
        let (oh, ow) = g.out_size(h, w);
        let x = uniform(&[b, 2, h, w], -1.0, 1.0, 20);
        let wt = uniform(&[3, 2, g.kh, g.kw], -1.0, 1.0, 21);
        let bias = uniform(&[3], -1.0, 1.0, 22);
        let gy = uniform(&[b, 3, oh, ow], -1.0, 1.0, 23);
        let what = |op: &str| format!("{op}, batch {b} of {h}x{w}");
        let fused = x.conv2d_geom(&wt, Some(&bias), &g);
        assert_close(&fused, &composite_forward(&x, &wt, Some(&bias), &g), STRIDED, &what("forward"));
        let dx = Tensor::conv2d_input_grad(&gy, &wt, &g, (h, w));
        assert_close(&dx, &composite_input_grad(&gy, &wt, &g, (h, w)), STRIDED, &what("input grad"));
        let dw = Tensor::conv2d_weight_grad(&x, &gy, &g);
        assert_close(&dw, &composite_weight_grad(&x, &gy, &g), STRIDED, &what("weight grad"));
    }
}

/// The direct stride-2 kernels (`o <= 16`, taken on CPUs with AVX2 + FMA; elsewhere this checks
/// the im2col path again): kernels 1-5 wide, paddings 0-2, odd and even sizes, rows of one and
/// several 16-column blocks, 1 to 16 output channels (one and two vectors), batches of 1 to 70.
#[test]
fn stride_two_convolutions_with_few_channels_match_the_composite_definition() {
    let g = |kh, kw, padding| Conv2dGeom { kh, kw, stride: (2, 2), padding, dilation: (1, 1) };
    let cases = [
        (g(4, 4, (1, 1)), (64, 64), 8, 3),
        (g(4, 4, (1, 1)), (9, 7), 1, 70),
        (g(3, 3, (0, 0)), (33, 40), 8, 5),
        (g(3, 5, (2, 1)), (12, 37), 4, 2),
        (g(1, 1, (0, 0)), (6, 6), 8, 1),
        (g(2, 2, (0, 0)), (20, 2), 7, 4),
        (g(5, 4, (2, 2)), (3, 3), 2, 3),
        (g(4, 4, (1, 1)), (32, 32), 16, 3),
        (g(3, 3, (1, 1)), (15, 21), 12, 6),
        (g(4, 4, (1, 1)), (8, 8), 9, 2),
    ];
    for (ci, (g, (h, w), o, b)) in cases.into_iter().enumerate() {
        let (c, seed) = (3, 500 + 10 * ci as u64);
        let (oh, ow) = g.out_size(h, w);
        let x = uniform(&[b, c, h, w], -1.0, 1.0, seed);
        let wt = uniform(&[o, c, g.kh, g.kw], -1.0, 1.0, seed + 1);
        let bias = uniform(&[o], -1.0, 1.0, seed + 2);
        let gy = uniform(&[b, o, oh, ow], -1.0, 1.0, seed + 3);
        let what = |op: &str| format!("{op}, {g:?}, {h}x{w}, {o} channels, batch {b}");
        for bias in [None, Some(&bias)] {
            let direct = x.conv2d_geom(&wt, bias, &g);
            assert_close(&direct, &composite_forward(&x, &wt, bias, &g), STRIDED, &what("forward"));
        }
        let dw = Tensor::conv2d_weight_grad(&x, &gy, &g);
        assert_close(&dw, &composite_weight_grad(&x, &gy, &g), STRIDED, &what("weight grad"));
    }
}
