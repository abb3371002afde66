//! Tape semantics: a parameter used twice accumulates, `no_grad` and `detach` stop gradients,
//! comparisons are constant masks, ties split gradients as PyTorch does, and `Grads` helpers.

use autograd::{Param, Tape, Var};
use tensor::Tensor;
use tests::tolerance::STRIDED;
use tests::{assert_close, uniform};

fn t(v: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_slice(v, shape)
}

/// Gradient of `f(p)` with respect to `p`, on a fresh tape.
fn grad_of(p: &Param, f: impl Fn(&Var) -> Var) -> Tensor {
    let tape = Tape::new();
    let loss = f(&tape.param(p));
    loss.backward().get(p).expect("gradient").clone()
}

#[test]
fn param_used_twice_accumulates() {
    let p = Param::new("p", t(&[1.0, -2.0, 3.0], &[3]));
    let tape = Tape::new();
    let (a, b) = (tape.param(&p), tape.param(&p));
    let grads = a.mul(&b).sum_all().backward();
    assert_eq!(grads.len(), 1, "one parameter, one gradient entry");
    assert_eq!(grads.get(&p).expect("grad").to_vec(), vec![2.0, -4.0, 6.0]);
}

/// A critic on two batches in one step: the gradient is the sum of the two separate ones.
#[test]
fn one_param_on_two_batches_sums_gradients() {
    let w = Param::new("w", uniform(&[4, 2], -1.0, 1.0, 1));
    let (x1, x2) = (uniform(&[3, 4], -1.0, 1.0, 2), uniform(&[5, 4], -1.0, 1.0, 3));
    let loss = |w: &Var, x: &Tensor| Var::constant(x.clone()).matmul(w).tanh().sum_all();
    let together = grad_of(&w, |v| loss(v, &x1).add(&loss(v, &x2)));
    let separate = grad_of(&w, |v| loss(v, &x1)).add(&grad_of(&w, |v| loss(v, &x2)));
    assert_close(&together, &separate, STRIDED, "summed gradient");
}

#[test]
fn no_grad_tape_records_nothing() {
    let p = Param::new("p", t(&[1.0, 2.0], &[2]));
    let tape = Tape::no_grad();
    assert!(!tape.is_recording());
    let x = tape.param(&p);
    assert!(!x.requires_grad());
    let loss = x.square().sum_all();
    assert!(!loss.requires_grad());
    assert_eq!(loss.item(), 5.0);
    assert!(loss.backward().is_empty());
}

#[test]
fn detach_stops_gradients() {
    let p = Param::new("p", t(&[3.0, -1.0], &[2]));
    // d/dp (stop(p) * p) = stop(p) = p, where without the detach it would be 2p.
    let g = grad_of(&p, |x| x.detach().mul(x).sum_all());
    assert_eq!(g.to_vec(), vec![3.0, -1.0]);
    let tape = Tape::new();
    let only_detached = tape.param(&p).detach().sum_all();
    assert!(!only_detached.requires_grad());
    assert!(only_detached.backward().get(&p).is_none());
}

#[test]
fn comparisons_are_constant_masks() {
    let p = Param::new("p", t(&[-1.0, 0.5, 2.0, 0.0], &[4]));
    let tape = Tape::new();
    let x = tape.param(&p);
    let mask = x.gt(&Var::constant(Tensor::scalar(0.0)));
    assert!(!mask.requires_grad());
    assert_eq!(mask.value().to_vec(), vec![0.0, 1.0, 1.0, 0.0]);
    // Gradient flows only through the multiplied operand: d/dx sum(x * mask) = mask.
    let grads = x.mul(&mask).sum_all().backward();
    assert_eq!(grads.get(&p).expect("grad").to_vec(), vec![0.0, 1.0, 1.0, 0.0]);
    for m in [x.lt(&x), x.le(&x), x.ge(&x), x.eq(&x), x.ne(&x)] {
        assert!(!m.requires_grad());
    }
}

#[test]
fn unused_param_gets_no_gradient() {
    let (p, q) = (Param::new("p", t(&[1.0], &[1])), Param::new("q", t(&[1.0], &[1])));
    let tape = Tape::new();
    let _unused = tape.param(&q);
    let grads = tape.param(&p).exp().sum_all().backward();
    assert!(grads.get(&p).is_some());
    assert!(grads.get(&q).is_none());
}

/// Ties share the gradient evenly: torch.amax([1, 3, 3]).backward() gives [0, .5, .5], and
/// torch.maximum(a, a) gives .5 to each operand.
#[test]
fn ties_split_gradients_like_pytorch() {
    let p = Param::new("p", t(&[1.0, 3.0, 3.0], &[3]));
    assert_eq!(grad_of(&p, |x| x.max(&[], false)).to_vec(), vec![0.0, 0.5, 0.5]);
    assert_eq!(grad_of(&p, |x| x.min(&[0], false)).to_vec(), vec![1.0, 0.0, 0.0]);
    let q = Param::new("q", t(&[2.0, 5.0], &[2]));
    let other = Var::constant(t(&[2.0, 1.0], &[2]));
    assert_eq!(grad_of(&q, |x| x.maximum(&other).sum_all()).to_vec(), vec![0.5, 1.0]);
    assert_eq!(grad_of(&q, |x| x.minimum(&other).sum_all()).to_vec(), vec![0.5, 0.0]);
}

#[test]
fn where_sends_no_gradient_to_the_unpicked_side() {
    let (p, q) = (Param::new("p", t(&[1.0, 2.0], &[2])), Param::new("q", t(&[3.0, 4.0], &[2])));
    let tape = Tape::new();
    let cond = t(&[1.0, 0.0], &[2]);
    let grads = Var::where_cond(&cond, &tape.param(&p), &tape.param(&q)).sum_all().backward();
    assert_eq!(grads.get(&p).expect("p").to_vec(), vec![1.0, 0.0]);
    assert_eq!(grads.get(&q).expect("q").to_vec(), vec![0.0, 1.0]);
}

#[test]
fn backward_with_seeds_the_output_gradient() {
    let p = Param::new("p", t(&[1.0, 2.0], &[2]));
    let tape = Tape::new();
    let y = tape.param(&p).mul_scalar(3.0);
    let grads = y.backward_with(t(&[10.0, -1.0], &[2]));
    assert_eq!(grads.get(&p).expect("grad").to_vec(), vec![30.0, -3.0]);
}

#[test]
fn param_set_is_seen_by_the_next_tape_only() {
    let p = Param::new("p", t(&[1.0], &[1]));
    let before = p.value();
    p.set(t(&[4.0], &[1]));
    assert_eq!(before.to_vec(), vec![1.0], "an earlier value handle is immutable");
    assert_eq!(grad_of(&p, |x| x.square().sum_all()).to_vec(), vec![8.0]);
}

#[test]
fn grads_global_norm_and_clipping() {
    let (p, q) = (Param::new("p", t(&[3.0], &[1])), Param::new("q", t(&[4.0], &[1])));
    let tape = Tape::new();
    let loss = tape.param(&p).mul_scalar(3.0).add(&tape.param(&q).mul_scalar(4.0)).sum_all();
    let mut grads = loss.backward();
    assert_eq!(grads.global_norm(), 5.0);
    assert_eq!(grads.clip_global_norm(1.0), 5.0);
    assert!((grads.global_norm() - 1.0).abs() < 1e-6);
    assert!((grads.get(&p).expect("p").item() - 0.6).abs() < 1e-6);
    // Below the limit nothing changes.
    assert!((grads.clip_global_norm(10.0) - 1.0).abs() < 1e-6);
    assert!((grads.get(&q).expect("q").item() - 0.8).abs() < 1e-6);
}
