//! Value encodings: f16/bf16 round trips (storage formats), one_hot, and argmax/argmin
//! conventions (first index on ties, NaN counts as the extreme, keepdim, strided inputs).

use tensor::Tensor;
use tensor::half::{bf16, f16};
use tests::tolerance::{BF16_REL, F16_REL};
use tests::uniform;

fn t(v: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_slice(v, shape)
}

#[test]
fn f16_round_trip() {
    // Exactly representable values (incl. the smallest normal 2^-14 and the largest 65504).
    let exact = [0.0, -0.0, 0.5, -2.0, 1024.0, 6.103_515_6e-5, 65504.0, 0.333_251_95];
    let back = Tensor::from_f16(&t(&exact, &[2, 4]).to_f16(), &[2, 4]);
    assert_eq!(back.to_vec(), exact.to_vec());
    assert_eq!(back.shape(), &[2, 4]);
    let x = uniform(&[1000], -100.0, 100.0, 1);
    let back = Tensor::from_f16(&x.to_f16(), &[1000]).to_vec();
    for (a, b) in x.to_vec().iter().zip(&back) {
        assert!((a - b).abs() <= F16_REL * a.abs(), "{a} -> {b}");
    }
    // Out of range saturates to infinity; NaN stays NaN.
    let h = t(&[1e5, -1e5, f32::NAN], &[3]).to_f16();
    assert_eq!((h[0], h[1]), (f16::INFINITY, f16::NEG_INFINITY));
    assert!(h[2].is_nan());
}

#[test]
fn bf16_round_trip() {
    let exact = [1.5, -3.0, 2f32.powi(100), 2f32.powi(-100), 0.0];
    assert_eq!(Tensor::from_bf16(&t(&exact, &[5]).to_bf16(), &[5]).to_vec(), exact.to_vec());
    let x = uniform(&[1000], -1e30, 1e30, 2);
    let back = Tensor::from_bf16(&x.to_bf16(), &[1000]).to_vec();
    for (a, b) in x.to_vec().iter().zip(&back) {
        assert!(b.is_finite() && (a - b).abs() <= BF16_REL * a.abs(), "{a} -> {b}");
    }
    assert!(t(&[f32::NAN], &[1]).to_bf16()[0].is_nan());
    assert_eq!(bf16::from_f32(1.0).to_f32(), 1.0);
}

#[test]
fn half_conversions_follow_view_order() {
    let x = Tensor::arange(6).reshape(&[2, 3]).t();
    let h: Vec<f32> = x.to_f16().iter().map(|v| v.to_f32()).collect();
    assert_eq!(h, vec![0., 3., 1., 4., 2., 5.]);
    let b: Vec<f32> = x.to_bf16().iter().map(|v| v.to_f32()).collect();
    assert_eq!(b, h);
}

#[test]
fn one_hot_rows() {
    let oh = t(&[2.0, 0.0, 1.0], &[3]).one_hot(4);
    assert_eq!(oh.shape(), &[3, 4]);
    assert_eq!(oh.to_vec(), vec![0., 0., 1., 0., 1., 0., 0., 0., 0., 1., 0., 0.]);
    let labels = t(&[0.0, 1.0, 2.0, 2.0], &[2, 2]).t(); // [[0, 2], [1, 2]]
    let oh = labels.one_hot(3);
    assert_eq!(oh.shape(), &[2, 2, 3]);
    assert_eq!(oh.to_vec(), vec![1., 0., 0., 0., 0., 1., 0., 1., 0., 0., 0., 1.]);
    assert_eq!(oh.sum(&[-1], false).to_vec(), vec![1.0; 4]);
}

#[test]
fn argmax_takes_the_first_of_ties() {
    let x = t(&[1., 3., 3., 0., -1., -1., 2., 2.], &[2, 4]);
    assert_eq!(x.argmax(1, false).to_vec(), vec![1., 2.]);
    assert_eq!(x.argmin(1, false).to_vec(), vec![3., 0.]);
    assert_eq!(x.argmax(0, false).to_vec(), vec![0., 0., 0., 1.]);
    assert_eq!(t(&[5.0; 4], &[4]).argmax(0, false).item(), 0.0);
    assert_eq!(t(&[5.0; 4], &[4]).argmin(-1, false).item(), 0.0);
}

#[test]
fn argmax_shapes_nan_and_strided_inputs() {
    let x = uniform(&[3, 4, 5], -1.0, 1.0, 3);
    assert_eq!(x.argmax(1, true).shape(), &[3, 1, 5]);
    assert_eq!(x.argmax(-1, false).shape(), &[3, 4]);
    // On a transposed view the index is along the view's dim.
    let m = t(&[0., 9., 1., 2., 8., 3.], &[2, 3]); // columns: [0,2], [9,8], [1,3]
    assert_eq!(m.t().argmax(1, false).to_vec(), vec![1., 0., 1.]);
    assert_eq!(m.t().argmax(0, false).to_vec(), vec![1., 1.]);
    // NaN is the extreme (as torch.argmax), for both directions.
    let n = t(&[1., f32::NAN, 5.], &[3]);
    assert_eq!((n.argmax(0, false).item(), n.argmin(0, false).item()), (1.0, 1.0));
    // Agrees with max: the value at argmax is the max.
    let idx = x.argmax(2, true);
    assert_eq!(x.gather(2, &idx).squeeze(2).to_vec(), x.max(&[2], false).to_vec());
}
