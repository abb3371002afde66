//! Whole training steps on the GPU against the same steps on the CPU: modules moved with
//! `Module::to_device`, autograd, BatchNorm buffers, LSTM cells, reparameterised sampling
//! (numbers drawn on the CPU and uploaded) and Adam, all unchanged.

use autograd::{Tape, Var};
use nn::optim::{Adam, AdamConfig, Optimizer};
use nn::{ConvEncoder, Gaussian, Mlp, MlpConfig, Module, Norm, ProcessingLstm};
use tensor::{Device, Tensor};
use tests::gpu::gpu_or_skip;
use tests::tolerance::GPU_CHAIN;
use tests::{check_close, rng, uniform};

/// Runs `steps` Adam steps of `loss` on `device`; returns the losses and the final parameters.
fn train(device: &Device, steps: usize, model: &dyn Module, loss: &dyn Fn(&Tape, u64) -> Var) -> Vec<f32> {
    model.to_device(device);
    let mut opt = Adam::new(model.parameters(), AdamConfig { lr: 1e-2, ..Default::default() });
    let mut out = Vec::new();
    for s in 0..steps {
        let tape = Tape::new();
        let l = loss(&tape, s as u64);
        assert_eq!(&l.value().device(), device, "the loss left the device");
        out.push(l.item());
        opt.step(&l.backward());
    }
    for p in model.parameters().iter().chain(model.buffers().iter()) {
        assert_eq!(&p.value().device(), device, "{} left the device", p.name());
        out.extend(p.value().to_vec());
    }
    out
}

fn compare(what: &str, cpu: Vec<f32>, gpu: Vec<f32>) {
    if let Err(e) = check_close(&gpu, &cpu, GPU_CHAIN) {
        panic!("{what}: GPU vs CPU: {e}");
    }
}

#[test]
fn mlp_with_batchnorm_trains_the_same() {
    let Some(gpu) = gpu_or_skip() else { return };
    let (x, y) = (uniform(&[16, 6], -1.0, 1.0, 1), uniform(&[16, 3], -1.0, 1.0, 2));
    let run = |dev: &Device| {
        let cfg = MlpConfig { in_dim: 6, mid_dim: 32, out_dim: 3, num_layers: 2, norm: Norm::Batch, slope: 0.2 };
        let m = Mlp::new("mlp", cfg, &mut rng(0));
        let (x, y) = (x.to(dev), y.to(dev));
        train(dev, 5, &m, &|tape, _| {
            m.forward(tape, &Var::constant(x.clone())).sub(&Var::constant(y.clone())).square().mean_all()
        })
    };
    compare("mlp + batch norm", run(&Device::Cpu), run(&gpu));
}

#[test]
fn lstm_and_gaussian_sampling_train_the_same() {
    let Some(gpu) = gpu_or_skip() else { return };
    let x = uniform(&[4, 5, 3], -1.0, 1.0, 3);
    let run = |dev: &Device| {
        let m = ProcessingLstm::new("lstm", (3, 8, 4), 2, &mut rng(0));
        let x = x.to(dev);
        train(dev, 4, &m, &|tape, step| {
            let out = m.forward(tape, &Var::constant(x.clone()));
            let q = Gaussian::from_params(&out.select(1, 4), f32::INFINITY);
            // The same seed on both devices: samples are drawn on the CPU and uploaded.
            let z = q.rsample(&mut rng(100 + step));
            z.square().mean_all().add(&q.kl(&Gaussian::standard_on(&[4, 2], &x.device())).mean_all())
        })
    };
    compare("lstm + gaussian", run(&Device::Cpu), run(&gpu));
}

#[test]
fn conv_encoder_trains_the_same() {
    let Some(gpu) = gpu_or_skip() else { return };
    let img = uniform(&[2, 3, 32, 32], -1.0, 1.0, 4);
    let run = |dev: &Device| {
        let m = ConvEncoder::new("enc", 32, 3, 4, 8, Norm::Batch, &mut rng(0));
        let img = img.to(dev);
        train(dev, 3, &m, &|tape, _| m.forward(tape, &Var::constant(img.clone())).square().mean_all())
    };
    compare("conv encoder", run(&Device::Cpu), run(&gpu));
}

#[test]
fn moving_a_module_moves_every_tensor() {
    let Some(gpu) = gpu_or_skip() else { return };
    let cfg = MlpConfig { in_dim: 2, mid_dim: 4, out_dim: 1, num_layers: 1, norm: Norm::Batch, slope: 0.2 };
    let m = Mlp::new("mlp", cfg, &mut rng(0));
    let before: Vec<Tensor> = m.state_dict().into_iter().map(|(_, t)| t).collect();
    m.to_device(&gpu);
    assert_eq!(m.device(), gpu);
    assert!(m.state_dict().iter().all(|(_, t)| t.device() == gpu));
    m.to_device(&Device::Cpu);
    for ((_, t), b) in m.state_dict().iter().zip(&before) {
        assert_eq!(t.to_vec(), b.to_vec(), "a round trip through the GPU changed a value");
    }
}
