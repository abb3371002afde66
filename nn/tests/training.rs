//! Training smoke tests with real bounds: an Mlp fits a regression, the LSTM learns a running
//! sum, a RealNVP beats the best Gaussian on a non-Gaussian 2-D data set; plus Polyak averaging.

use autograd::{Tape, Var};
use nn::optim::{Adam, AdamConfig, Optimizer};
use nn::{Linear, Mlp, MlpConfig, Module, Norm, ProcessingLstm, RealNvp, loss, polyak_update};
use tensor::Tensor;
use tensor::rand::{Rng, SeedableRng, rngs::StdRng};

fn adam(m: &dyn Module, lr: f32) -> Adam {
    Adam::new(m.parameters(), AdamConfig { lr, ..Default::default() })
}

#[test]
fn mlp_with_batchnorm_fits_a_regression() {
    let mut rng = StdRng::seed_from_u64(3);
    let x = Tensor::rand_uniform(&[256, 2], -1.0, 1.0, &mut rng);
    let xv = x.to_vec();
    let y: Vec<f32> = xv.chunks(2).map(|p| (3.0 * p[0]).sin() + p[1] * p[1]).collect();
    let y = Tensor::from_vec(y, &[256, 1]);
    let cfg = MlpConfig { in_dim: 2, mid_dim: 64, out_dim: 1, num_layers: 2, norm: Norm::Batch, slope: 0.2 };
    let mut m = Mlp::new("mlp", cfg, &mut rng);
    let mut opt = adam(&m, 3e-3);
    for _ in 0..600 {
        let tape = Tape::new();
        opt.step(&loss::mse(&m.forward(&tape, &Var::constant(x.clone())), &y).backward());
    }
    m.eval();
    let mse = loss::mse(&m.forward(&Tape::no_grad(), &Var::constant(x.clone())), &y).item();
    let var = y.var(&[], false, false).item();
    assert!(mse < 0.02 * var, "eval-mode MSE {mse} vs target variance {var}");
}

#[test]
fn lstm_learns_a_running_sum() {
    let mut rng = StdRng::seed_from_u64(4);
    let m = ProcessingLstm::new("lstm", (1, 32, 1), 1, &mut rng);
    let mut opt = adam(&m, 1e-2);
    let (b, t) = (32, 8);
    let batch = |rng: &mut StdRng| {
        let x = Tensor::rand_uniform(&[b, t, 1], -1.0, 1.0, rng);
        let xv = x.to_vec();
        let y: Vec<f32> = xv
            .chunks(t)
            .flat_map(|row| {
                row.iter()
                    .scan(0.0, |s, v| {
                        *s += v / t as f32;
                        Some(*s)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        (x, Tensor::from_vec(y, &[b, t, 1]))
    };
    let mut last = f32::INFINITY;
    for _ in 0..400 {
        let (x, y) = batch(&mut rng);
        let tape = Tape::new();
        let l = loss::mse(&m.forward(&tape, &Var::constant(x)), &y);
        last = l.item();
        opt.step(&l.backward());
    }
    let (x, y) = batch(&mut rng);
    let test = loss::mse(&m.forward(&Tape::no_grad(), &Var::constant(x)), &y).item();
    let var = y.var(&[], false, false).item();
    assert!(test < 0.05 * var, "held-out MSE {test} (last train {last}) vs target variance {var}");
}

/// Two interleaved half circles with jitter.
fn moons(n: usize, rng: &mut StdRng) -> Tensor {
    let mut v = Vec::with_capacity(2 * n);
    for i in 0..n {
        let a = std::f32::consts::PI * rng.random::<f32>();
        let (x, y) = if i % 2 == 0 { (a.cos(), a.sin()) } else { (1.0 - a.cos(), 0.5 - a.sin()) };
        v.extend([x + 0.05 * rng.random_range(-1.0..1.0), y + 0.05 * rng.random_range(-1.0..1.0)]);
    }
    Tensor::from_vec(v, &[n, 2])
}

#[test]
fn realnvp_beats_the_best_gaussian_on_two_moons() {
    let mut rng = StdRng::seed_from_u64(5);
    let data = moons(512, &mut rng);
    // NLL of the maximum-likelihood diagonal Gaussian: sum_d (log(2 pi var_d) + 1) / 2.
    let var = data.var(&[0], false, false).to_vec();
    let gauss_nll: f32 = var.iter().map(|v| 0.5 * ((2.0 * std::f32::consts::PI * v).ln() + 1.0)).sum();
    let flow = RealNvp::new("flow", 2, 4, 32, &mut rng);
    let mut opt = adam(&flow, 5e-3);
    for _ in 0..400 {
        let tape = Tape::new();
        let nll = flow.log_prob(&tape, &Var::constant(data.clone()), None).mean_all().neg();
        opt.step(&nll.backward());
    }
    let nll = flow.log_prob(&Tape::no_grad(), &Var::constant(data), None).mean_all().neg().item();
    assert!(nll < gauss_nll - 0.4, "flow NLL {nll} vs best Gaussian {gauss_nll}");
    let samples = flow.sample(&Tape::no_grad(), 64, None, &mut rng);
    assert!(samples.value().to_vec().iter().all(|v| v.is_finite()));
}

#[test]
fn polyak_moves_targets_by_tau() {
    let mut rng = StdRng::seed_from_u64(6);
    let (a, b) = (Linear::new("q", 3, 2, true, &mut rng), Linear::new("q", 3, 2, true, &mut rng));
    let (wa, wb) = (a.weight.value(), b.weight.value());
    polyak_update(&a, &b, 0.25);
    let want = wa.mul_scalar(0.75).add(&wb.mul_scalar(0.25)).to_vec();
    let got = a.weight.value().to_vec();
    assert!(got.iter().zip(&want).all(|(g, w)| (g - w).abs() < 1e-6));
}
