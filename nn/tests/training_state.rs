//! A whole training state (module parameters, BatchNorm buffers and optimizer moments) saved to
//! one safetensors file and restored into fresh objects continues bit-identically; GMM sampling
//! follows its mixture.

use autograd::{Tape, Var};
use nn::checkpoint::{self, LoadOptions, StoreDtype, module_slots};
use nn::optim::{Adam, AdamConfig, Optimizer};
use nn::{Mlp, MlpConfig, Module, Norm};
use tensor::Tensor;
use tensor::rand::{SeedableRng, rngs::StdRng};

fn setup(seed: u64) -> (Mlp, Adam) {
    let cfg = MlpConfig { in_dim: 3, mid_dim: 8, out_dim: 2, num_layers: 1, norm: Norm::Batch, slope: 0.2 };
    let m = Mlp::new("mlp", cfg, &mut StdRng::seed_from_u64(seed));
    let opt = Adam::new(m.parameters(), AdamConfig::adamw(1e-2));
    (m, opt)
}

fn train_step(m: &Mlp, opt: &mut Adam, x: &Tensor) {
    let tape = Tape::new();
    opt.step(&m.forward(&tape, &Var::constant(x.clone())).square().mean_all().backward());
}

#[test]
fn module_and_optimizer_state_round_trip_through_one_file() {
    let x = Tensor::randn(&[16, 3], 0.0, 1.0, &mut StdRng::seed_from_u64(9));
    let (m, mut opt) = setup(1);
    for _ in 0..3 {
        train_step(&m, &mut opt, &x);
    }
    let mut entries = m.state_dict();
    entries.extend(opt.state_dict().into_iter().map(|(k, v)| (format!("optim.{k}"), v)));
    let path = std::env::temp_dir().join(format!("nn-training-state-{}.safetensors", std::process::id()));
    checkpoint::save(&path, &entries, &[("epoch".into(), "3".into())], StoreDtype::F32).unwrap();

    let (m2, mut opt2) = setup(2);
    let ck = checkpoint::load(&path).unwrap();
    ck.load_into(&module_slots(&m2), &LoadOptions::default().skip_prefix("optim.")).unwrap();
    opt2.load_state_dict(&ck.with_prefix("optim.")).unwrap();
    assert_eq!(ck.meta("epoch"), Some("3"));
    assert_eq!(opt2.steps(), 3);
    train_step(&m, &mut opt, &x);
    train_step(&m2, &mut opt2, &x);
    for (a, b) in m.state_dict().iter().zip(m2.state_dict()) {
        assert_eq!(a.0, b.0);
        assert_eq!(a.1.to_vec(), b.1.to_vec(), "{} differs after resuming", a.0);
    }
    let _ = std::fs::remove_file(path);
}

#[test]
fn gmm_samples_follow_the_mixture() {
    // Two well-separated components with weights 0.25 / 0.75 at -4 and +4 (sigma 0.5).
    let n = 4000;
    let log_pi = Tensor::from_vec(vec![0.25f32.ln(), 0.75f32.ln()], &[1, 2]).broadcast_to(&[n, 2]).contiguous();
    let mu = Tensor::from_vec(vec![-4.0, 4.0], &[1, 2, 1]).broadcast_to(&[n, 2, 1]).contiguous();
    let log_sigma = Tensor::full(&[n, 2, 1], 0.5f32.ln());
    let gmm = nn::Gmm { log_pi: Var::constant(log_pi), mu: Var::constant(mu), log_sigma: Var::constant(log_sigma) };
    let s = gmm.sample(&mut StdRng::seed_from_u64(3)).to_vec();
    let right = s.iter().filter(|&&v| v > 0.0).count() as f32 / n as f32;
    assert!((right - 0.75).abs() < 0.03, "share of the +4 component: {right}");
    let mean_right: f32 = s.iter().filter(|&&v| v > 0.0).sum::<f32>() / s.iter().filter(|&&v| v > 0.0).count() as f32;
    assert!((mean_right - 4.0).abs() < 0.05, "mean of the +4 component: {mean_right}");
}
