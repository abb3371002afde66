//! Distributions, losses and 10-step optimizer trajectories against PyTorch
//! (fixtures from `fixtures/gen_nn_fixtures.py`), on the CPU and again on the GPU when there is one.

mod common;

use autograd::{Param, Tape, Var};
use common::{assert_close, fill, fixtures, floats, gpu_or_skip};
use nn::optim::{Adam, AdamConfig, Optimizer, RAdam, RAdamRule, Sgd, SgdConfig};
use nn::{Categorical, Gaussian, TanhGaussian};
use tensor::{Device, Tensor};

/// The CPU, then the GPU if there is one.
fn devices() -> Vec<Device> {
    std::iter::once(Device::Cpu).chain(gpu_or_skip()).collect()
}

fn gaussians(dev: &Device) -> (Param, Gaussian, Gaussian) {
    let p = Param::new("q", fill(&[3, 8], "gauss_q", 1.5).to(dev));
    let q = Gaussian::from_params(&Tape::new().param(&p), 2.0);
    let prior = Gaussian::from_params(&Var::constant(fill(&[3, 8], "gauss_p", 1.0).to(dev)), f32::INFINITY);
    (p, q, prior)
}

#[test]
fn gaussian_log_prob_entropy_kl() {
    for dev in devices() {
        gaussian_case(&dev);
    }
}

fn gaussian_case(dev: &Device) {
    let f = fixtures();
    let d = &f["distributions"];
    let (p, q, prior) = gaussians(dev);
    let x = Var::constant(fill(&[3, 4], "gauss_x", 1.0).to(dev));
    assert_close("log_prob", &q.log_prob(&x).value().to_vec(), &floats(&d["gaussian_log_prob"]));
    assert_close("entropy", &q.entropy().value().to_vec(), &floats(&d["gaussian_entropy"]));
    let kl = q.kl(&prior);
    assert_close("kl", &kl.value().to_vec(), &floats(&d["gaussian_kl"]));
    let grads = kl.sum_all().backward();
    assert_close("kl grad", &grads.get(&p).expect("grad").to_vec(), &floats(&d["gaussian_kl_grad"]));
}

#[test]
fn categorical_log_prob_entropy_kl() {
    for dev in devices() {
        categorical_case(&dev);
    }
}

fn categorical_case(dev: &Device) {
    let f = fixtures();
    let d = &f["distributions"];
    let q = Categorical::new(Var::constant(fill(&[3, 5], "cat_q", 2.0).to(dev)));
    let p = Categorical::new(Var::constant(fill(&[3, 5], "cat_p", 2.0).to(dev)));
    let labels = Tensor::from_vec(vec![0., 3., 4.], &[3]).to(dev);
    assert_close("log_prob", &q.log_prob(&labels).value().to_vec(), &floats(&d["categorical_log_prob"]));
    assert_close("entropy", &q.entropy().value().to_vec(), &floats(&d["categorical_entropy"]));
    assert_close("kl", &q.kl(&p).value().to_vec(), &floats(&d["categorical_kl"]));
}

#[test]
fn tanh_gaussian_log_prob() {
    for dev in devices() {
        tanh_case(&dev);
    }
}

fn tanh_case(dev: &Device) {
    let f = fixtures();
    let (_, q, _) = gaussians(dev);
    let t = TanhGaussian { base: q };
    let u = Var::constant(fill(&[3, 4], "tanh_u", 1.0).to(dev));
    assert_close(
        "tanh log_prob",
        &t.log_prob_of_pre_tanh(&u).value().to_vec(),
        &floats(&f["distributions"]["tanh_log_prob"]),
    );
}

/// 10 steps on `mean((A w - b)^2)` from the same start as the PyTorch script.
fn run(dev: &Device, opt_for: impl FnOnce(Vec<Param>) -> Box<dyn Optimizer>) -> Vec<f32> {
    let (a, b) = (fill(&[6, 4], "opt_a", 1.0).to(dev), fill(&[6], "opt_b", 1.0).to(dev));
    let w = Param::new("w", fill(&[4], "opt_w", 1.0).to(dev));
    let mut opt = opt_for(vec![w.clone()]);
    for _ in 0..10 {
        let tape = Tape::new();
        let pred = Var::constant(a.clone()).matmul(&tape.param(&w).reshape(&[4, 1])).reshape(&[6]);
        let loss = pred.sub(&Var::constant(b.clone())).square().mean_all();
        opt.step(&loss.backward());
    }
    assert_eq!(&w.value().device(), dev, "the optimizer moved the parameter off its device");
    w.value().to_vec()
}

#[test]
fn optimizers_match_ten_pytorch_steps() {
    for dev in devices() {
        optimizer_case(&dev);
    }
}

fn optimizer_case(dev: &Device) {
    let f = fixtures();
    let want = &f["optimizers"];
    let sgd = SgdConfig { lr: 0.05, momentum: 0.9, weight_decay: 0.01, ..Default::default() };
    assert_close("sgd", &run(dev, |p| Box::new(Sgd::new(p, sgd))), &floats(&want["sgd"]));
    let adam = AdamConfig { lr: 0.05, ..Default::default() };
    assert_close("adam", &run(dev, |p| Box::new(Adam::new(p, adam))), &floats(&want["adam"]));
    assert_close("adamw", &run(dev, |p| Box::new(Adam::new(p, AdamConfig::adamw(0.05)))), &floats(&want["adamw"]));
    assert_close("radam", &run(dev, |p| Box::new(RAdam::new(p, RAdamRule(adam)))), &floats(&want["radam"]));
}
