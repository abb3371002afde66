//! SPiRL's closed-loop skill VAE training step at kitchen sizes, the workload of
//! `shared/bench/skill_vae.py`: forward + backward + Adam, batch 128, with the per-step LSTM
//! cell (SPiRL's own loop), BatchNorm off and on. Reports steps/s and peak RSS.

use super::timing::{bench, device_fields, emit, pool, sync};
use autograd::{Param, Tape, Var};
use nn::optim::{Adam, AdamConfig, Optimizer};
use nn::{BatchNorm, Linear, LstmCell, Module};
use serde_json::json;
use tensor::rand::{SeedableRng, rngs::StdRng};
use tensor::{Device, Tensor};

const B: usize = 128;
const T: usize = 10;
const S: usize = 60;
const A: usize = 9;
const NZ: usize = 10;
const H: usize = 128;

/// The peer's MLP: `Linear(in, mid) + act`, `n_hidden x [Linear(mid, mid) (+ BatchNorm) + act]`,
/// `Linear(mid, out)`; act = LeakyReLU(0.2); every Linear keeps its bias (as `nn.Linear`).
pub struct BenchMlp {
    layers: Vec<(Linear, Option<BatchNorm>)>,
}

impl BenchMlp {
    pub fn new(dims: (usize, usize, usize), n_hidden: usize, bn: bool, rng: &mut StdRng) -> BenchMlp {
        let (i, mid, o) = dims;
        let mut layers = vec![(Linear::new("in", i, mid, true, rng), None)];
        for k in 0..n_hidden {
            layers.push((Linear::new(&format!("h{k}"), mid, mid, true, rng), bn.then(|| BatchNorm::new("bn", mid))));
        }
        layers.push((Linear::new("out", mid, o, true, rng), None));
        BenchMlp { layers }
    }

    pub fn forward(&self, tape: &Tape, x: &Var, act: impl Fn(&Var) -> Var) -> Var {
        let last = self.layers.len() - 1;
        self.layers.iter().enumerate().fold(x.clone(), |h, (i, (lin, bn))| {
            let mut y = lin.forward(tape, &h);
            if let Some(bn) = bn {
                y = bn.forward(tape, &y);
            }
            if i < last { act(&y) } else { y }
        })
    }

    /// Moves every parameter and BatchNorm buffer to `dev`.
    pub fn to_device(&self, dev: &Device) {
        for (l, bn) in &self.layers {
            l.to_device(dev);
            if let Some(bn) = bn {
                bn.to_device(dev);
            }
        }
    }

    /// BatchNorm layers switch to their running statistics (a frozen prior).
    pub fn eval(&mut self) {
        self.layers.iter_mut().filter_map(|(_, bn)| bn.as_mut()).for_each(|b| b.training = false);
    }

    pub fn parameters(&self) -> Vec<Param> {
        self.layers
            .iter()
            .flat_map(|(l, bn)| l.parameters().into_iter().chain(bn.iter().flat_map(|b| b.parameters())))
            .collect()
    }
}

struct SkillVae {
    embed: Linear,
    cell: LstmCell,
    enc_out: Linear,
    q: Linear,
    decoder: BenchMlp,
    prior: BenchMlp,
}

impl SkillVae {
    fn new(bn: bool, rng: &mut StdRng) -> SkillVae {
        SkillVae {
            embed: Linear::new("embed", A + S, H, true, rng),
            cell: LstmCell::new("cell", H, H, rng),
            enc_out: Linear::new("enc_out", H, H, true, rng),
            q: Linear::new("q", H, 2 * NZ, true, rng),
            decoder: BenchMlp::new((S + NZ, H, A), 5, bn, rng),
            prior: BenchMlp::new((S, H, 2 * NZ), 6, bn, rng),
        }
    }

    fn parameters(&self) -> Vec<Param> {
        let mut p: Vec<Param> = [&self.embed, &self.enc_out, &self.q].iter().flat_map(|l| l.parameters()).collect();
        p.extend(self.cell.parameters());
        p.extend(self.decoder.parameters());
        p.extend(self.prior.parameters());
        p
    }

    fn to_device(&self, dev: &Device) {
        [&self.embed, &self.enc_out, &self.q].iter().for_each(|l| l.to_device(dev));
        self.cell.to_device(dev);
        self.decoder.to_device(dev);
        self.prior.to_device(dev);
    }

    fn loss(&self, tape: &Tape, states: &Tensor, actions: &Tensor, rng: &mut StdRng) -> Var {
        let dev = states.device();
        let lrelu = |v: &Var| v.leaky_relu(0.2);
        let s_in = Var::constant(states.narrow(1, 0, T));
        let e = self.embed.forward(tape, &Var::cat(&[Var::constant(actions.clone()), s_in.clone()], 2));
        let (mut h, mut c) =
            (Var::constant(Tensor::zeros_on(&[B, H], &dev)), Var::constant(Tensor::zeros_on(&[B, H], &dev)));
        let mut last = h.clone();
        for t in 0..T {
            (h, c) = self.cell.step(tape, &e.select(1, t), &h, &c);
            last = self.enc_out.forward(tape, &h);
        }
        let q = self.q.forward(tape, &last);
        let (mu, log_sig) = (q.narrow(1, 0, NZ), q.narrow(1, NZ, NZ));
        let z = mu.add(&log_sig.exp().mul(&Var::constant(Tensor::randn_on(&[B, NZ], 0.0, 1.0, rng, &dev))));
        let dec_in = Var::cat(&[s_in, z.unsqueeze(1).broadcast_to(&[B, T, NZ])], 2).reshape(&[B * T, S + NZ]);
        let recon = self.decoder.forward(tape, &dec_in, lrelu).reshape(&[B, T, A]);
        let rec = recon.binary_const(tensor::BinaryOp::Sub, actions).square().mean_all();
        let kl = mu.square().add(&log_sig.mul_scalar(2.0).exp()).add_scalar(-1.0).sub(&log_sig.mul_scalar(2.0));
        let kl = kl.sum(&[-1], false).mean_all().mul_scalar(0.5);
        let p = self.prior.forward(tape, &Var::constant(states.select(1, 0)), lrelu);
        let (p_mu, p_ls) = (p.narrow(1, 0, NZ), p.narrow(1, NZ, NZ));
        let zd = z.detach().sub(&p_mu).mul(&p_ls.neg().exp());
        let nll = zd.square().mul_scalar(0.5).add(&p_ls).add_scalar(0.918_938_5).sum(&[-1], false).mean_all();
        rec.add(&kl.mul_scalar(5e-4)).add(&nll)
    }
}

/// Peak resident set size of this process in MiB (`VmHWM`).
pub fn peak_rss_mib() -> f64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb =
        text.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok());
    kb.unwrap_or(0.0) / 1024.0
}

/// Training steps per second for BatchNorm off and on, one JSON line per thread count.
pub fn run(threads: &[usize], dev: &Device) {
    for bn in [false, true] {
        for &t in threads {
            let mut rng = StdRng::seed_from_u64(0);
            let model = SkillVae::new(bn, &mut rng);
            model.to_device(dev);
            let mut opt = Adam::new(model.parameters(), AdamConfig::default());
            let states = Tensor::randn(&[B, T + 1, S], 0.0, 1.0, &mut rng).to(dev);
            let actions = Tensor::randn(&[B, T, A], 0.0, 1.0, &mut rng).tanh().to(dev);
            let step = || {
                let tape = Tape::new();
                let grads = model.loss(&tape, &states, &actions, &mut rng).backward();
                opt.step(&grads);
                sync(dev);
            };
            let timing = pool(t).install(|| bench(step, 20));
            let cfg = if bn { "cell-bn1" } else { "cell-bn0" };
            let mut fields = json!({"bench": "skill_vae_step", "config": cfg, "batch": B, "steps_per_s": 1.0 / timing.sec,
                "params": model.parameters().iter().map(|p| p.value().numel()).sum::<usize>(), "peak_rss_mib": peak_rss_mib()});
            fields.as_object_mut().expect("object").extend(device_fields(dev).as_object().expect("object").clone());
            emit(fields, timing, t);
        }
    }
}
