//! Distributions, losses and 10-step optimizer trajectories against PyTorch
//! (fixtures from `fixtures/gen_nn_fixtures.py`).

mod common;

use autograd::{Param, Tape, Var};
use common::{assert_close, fill, fixtures, floats};
use nn::optim::{Adam, AdamConfig, Optimizer, RAdam, RAdamRule, Sgd, SgdConfig};
use nn::{Categorical, Gaussian, TanhGaussian};
use tensor::Tensor;

fn gaussians() -> (Param, Gaussian, Gaussian) {
    let p = Param::new("q", fill(&[3, 8], "gauss_q", 1.5));
    let q = Gaussian::from_params(&Tape::new().param(&p), 2.0);
    let prior = Gaussian::from_params(&Var::constant(fill(&[3, 8], "gauss_p", 1.0)), f32::INFINITY);
    (p, q, prior)
}

#[test]
fn gaussian_log_prob_entropy_kl() {
    let f = fixtures();
    let d = &f["distributions"];
    let (p, q, prior) = gaussians();
    let x = Var::constant(fill(&[3, 4], "gauss_x", 1.0));
    assert_close("log_prob", &q.log_prob(&x).value().to_vec(), &floats(&d["gaussian_log_prob"]));
    assert_close("entropy", &q.entropy().value().to_vec(), &floats(&d["gaussian_entropy"]));
    let kl = q.kl(&prior);
    assert_close("kl", &kl.value().to_vec(), &floats(&d["gaussian_kl"]));
    let grads = kl.sum_all().backward();
    assert_close("kl grad", &grads.get(&p).expect("grad").to_vec(), &floats(&d["gaussian_kl_grad"]));
}

#[test]
fn categorical_log_prob_entropy_kl() {
    let f = fixtures();
    let d = &f["distributions"];
    let q = Categorical::new(Var::constant(fill(&[3, 5], "cat_q", 2.0)));
    let p = Categorical::new(Var::constant(fill(&[3, 5], "cat_p", 2.0)));
    let labels = Tensor::from_vec(vec![0., 3., 4.], &[3]);
    assert_close("log_prob", &q.log_prob(&labels).value().to_vec(), &floats(&d["categorical_log_prob"]));
    assert_close("entropy", &q.entropy().value().to_vec(), &floats(&d["categorical_entropy"]));
    assert_close("kl", &q.kl(&p).value().to_vec(), &floats(&d["categorical_kl"]));
}

#[test]
fn tanh_gaussian_log_prob() {
    let f = fixtures();
    let (_, q, _) = gaussians();
    let t = TanhGaussian { base: q };
    let u = Var::constant(fill(&[3, 4], "tanh_u", 1.0));
    assert_close(
        "tanh log_prob",
        &t.log_prob_of_pre_tanh(&u).value().to_vec(),
        &floats(&f["distributions"]["tanh_log_prob"]),
    );
}

/// 10 steps on `mean((A w - b)^2)` from the same start as the PyTorch script.
fn run(opt_for: impl FnOnce(Vec<Param>) -> Box<dyn Optimizer>) -> Vec<f32> {
    let (a, b) = (fill(&[6, 4], "opt_a", 1.0), fill(&[6], "opt_b", 1.0));
    let w = Param::new("w", fill(&[4], "opt_w", 1.0));
    let mut opt = opt_for(vec![w.clone()]);
    for _ in 0..10 {
        let tape = Tape::new();
        let pred = Var::constant(a.clone()).matmul(&tape.param(&w).reshape(&[4, 1])).reshape(&[6]);
        let loss = pred.sub(&Var::constant(b.clone())).square().mean_all();
        opt.step(&loss.backward());
    }
    w.value().to_vec()
}

#[test]
fn optimizers_match_ten_pytorch_steps() {
    let f = fixtures();
    let want = &f["optimizers"];
    let sgd = SgdConfig { lr: 0.05, momentum: 0.9, weight_decay: 0.01, ..Default::default() };
    assert_close("sgd", &run(|p| Box::new(Sgd::new(p, sgd))), &floats(&want["sgd"]));
    let adam = AdamConfig { lr: 0.05, ..Default::default() };
    assert_close("adam", &run(|p| Box::new(Adam::new(p, adam))), &floats(&want["adam"]));
    assert_close("adamw", &run(|p| Box::new(Adam::new(p, AdamConfig::adamw(0.05)))), &floats(&want["adamw"]));
    assert_close("radam", &run(|p| Box::new(RAdam::new(p, RAdamRule(adam)))), &floats(&want["radam"]));
}
