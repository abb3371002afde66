//! One SAC update (twin critics, actor, temperature, Polyak targets), the workload of
//! `shared/bench/sac.py`: `2x256` classic SAC and `spirl5x256` (SPiRL's high-level agent with an
//! analytic KL to a frozen BatchNorm prior). Obs 60, action 10, batch 256. Reports updates/s.

use super::skill_vae::{BenchMlp, peak_rss_mib};
use super::timing::{bench, device_fields, emit, pool, sync};
use autograd::{Param, Tape, Var};
use nn::optim::{Adam, AdamConfig, Optimizer};
use serde_json::json;
use tensor::rand::{SeedableRng, rngs::StdRng};
use tensor::{Device, Tensor};

const B: usize = 256;
const OBS: usize = 60;
const ACT: usize = 10;

struct Agent {
    spirl: bool,
    actor: BenchMlp,
    qs: [BenchMlp; 2],
    targets: [BenchMlp; 2],
    prior: Option<BenchMlp>,
    log_alpha: Param,
    opt_a: Adam,
    opt_q: Adam,
    opt_alpha: Adam,
    target: f32,
}

fn act(spirl: bool) -> impl Fn(&Var) -> Var {
    move |v: &Var| if spirl { v.leaky_relu(0.2) } else { v.relu() }
}

impl Agent {
    fn new(spirl: bool, rng: &mut StdRng, dev: &Device) -> Agent {
        // 2x256: Linear(in, 256), 1 hidden Linear(256, 256), head; spirl5x256: 5 hidden.
        let hidden = if spirl { 5 } else { 1 };
        let mut make = |i: usize, o: usize| BenchMlp::new((i, 256, o), hidden, false, rng);
        let actor = make(OBS, 2 * ACT);
        let qs = [make(OBS + ACT, 1), make(OBS + ACT, 1)];
        let targets = [make(OBS + ACT, 1), make(OBS + ACT, 1)];
        for (t, q) in targets.iter().zip(&qs) {
            t.parameters().iter().zip(q.parameters()).for_each(|(a, b)| a.set(b.value()));
        }
        let prior = spirl.then(|| {
            let mut p = BenchMlp::new((OBS, 128, 2 * ACT), 6, true, rng);
            p.eval();
            p
        });
        for net in [&actor].into_iter().chain(&qs).chain(&targets).chain(&prior) {
            net.to_device(dev);
        }
        let adam = |p: Vec<Param>| Adam::new(p, AdamConfig { lr: 3e-4, ..Default::default() });
        let log_alpha = Param::new("log_alpha", Tensor::zeros_on(&[1], dev));
        Agent {
            spirl,
            opt_a: adam(actor.parameters()),
            opt_q: adam(qs.iter().flat_map(|q| q.parameters()).collect()),
            opt_alpha: adam(vec![log_alpha.clone()]),
            actor,
            qs,
            targets,
            prior,
            log_alpha,
            target: if spirl { 5.0 } else { -(ACT as f32) },
        }
    }

    /// Action and per-sample regulariser (log-prob for SAC, KL to the prior for SPiRL).
    fn policy(&self, tape: &Tape, obs: &Var, rng: &mut StdRng) -> (Var, Var) {
        let out = self.actor.forward(tape, obs, act(self.spirl));
        let (mu, log_std) = (out.narrow(1, 0, ACT), out.narrow(1, ACT, ACT).clamp(-20.0, 2.0));
        let eps = Var::constant(Tensor::randn_on(&[B, ACT], 0.0, 1.0, rng, &obs.value().device()));
        let u = mu.add(&log_std.exp().mul(&eps));
        if let Some(prior) = &self.prior {
            let p = prior.forward(&Tape::no_grad(), obs, act(true));
            let (p_mu, p_ls) = (p.narrow(1, 0, ACT), p.narrow(1, ACT, ACT));
            let num = log_std.mul_scalar(2.0).exp().add(&mu.sub(&p_mu).square());
            let kl = p_ls.sub(&log_std).add(&num.div(&p_ls.mul_scalar(2.0).exp().mul_scalar(2.0))).add_scalar(-0.5);
            return (u.tanh().mul_scalar(2.0), kl.sum(&[-1], true));
        }
        let a = u.tanh();
        let log_det = a.square().neg().add_scalar(1.0 + 1e-6).log();
        let logp = eps.square().mul_scalar(-0.5).sub(&log_std).add_scalar(-0.918_938_5).sub(&log_det);
        (a, logp.sum(&[-1], true))
    }

    fn twin_min(&self, nets: &[BenchMlp; 2], tape: &Tape, x: &Var) -> Var {
        let f = act(self.spirl);
        nets[0].forward(tape, x, &f).minimum(&nets[1].forward(tape, x, &f))
    }

    fn update(&mut self, batch: &[Tensor; 5], rng: &mut StdRng) {
        let [obs, act_t, rew, obs2, done] = batch;
        let alpha = self.log_alpha.value().exp();
        let ng = Tape::no_grad();
        let (a2, reg2) = self.policy(&ng, &Var::constant(obs2.clone()), rng);
        let x2 = Var::cat(&[Var::constant(obs2.clone()), a2], 1);
        let q_next = self.twin_min(&self.targets, &ng, &x2).value().sub(&reg2.value().mul(&alpha));
        let target = rew.add(&done.neg().add_scalar(1.0).mul(&q_next).mul_scalar(0.99));
        let tape = Tape::new();
        let x = Var::cat(&[Var::constant(obs.clone()), Var::constant(act_t.clone())], 1);
        let f = act(self.spirl);
        let q_loss = self.qs.iter().map(|q| {
            q.forward(&tape, &x, &f).binary_const(tensor::BinaryOp::Sub, &target).square().mean_all().mul_scalar(0.5)
        });
        let q_loss = q_loss.reduce(|a, b| a.add(&b)).expect("two critics");
        self.opt_q.step(&q_loss.backward());
        let tape = Tape::new();
        let o = Var::constant(obs.clone());
        let (a, reg) = self.policy(&tape, &o, rng);
        let q = self.twin_min(&self.qs, &tape, &Var::cat(&[o, a], 1));
        let a_loss = reg.mul(&Var::constant(alpha.clone())).sub(&q).mean_all();
        self.opt_a.step(&a_loss.backward());
        let r = reg.value();
        let gap = if self.spirl { r.neg().add_scalar(self.target) } else { r.add_scalar(self.target).neg() };
        let tape = Tape::new();
        let alpha_loss = tape.param(&self.log_alpha).exp().mul(&Var::constant(gap)).mean_all();
        self.opt_alpha.step(&alpha_loss.backward());
        for (t, q) in self.targets.iter().zip(&self.qs) {
            for (pt, p) in t.parameters().iter().zip(q.parameters()) {
                pt.set(pt.value().mul_scalar(0.995).add(&p.value().mul_scalar(0.005)));
            }
        }
    }
}

/// Updates per second for both configs, one JSON line per thread count.
pub fn run(threads: &[usize], dev: &Device) {
    for spirl in [false, true] {
        for &t in threads {
            let mut rng = StdRng::seed_from_u64(0);
            let mut agent = Agent::new(spirl, &mut rng, dev);
            let batch = [
                Tensor::randn(&[B, OBS], 0.0, 1.0, &mut rng).to(dev),
                Tensor::randn(&[B, ACT], 0.0, 1.0, &mut rng).tanh().to(dev),
                Tensor::randn(&[B, 1], 0.0, 1.0, &mut rng).to(dev),
                Tensor::randn(&[B, OBS], 0.0, 1.0, &mut rng).to(dev),
                Tensor::zeros_on(&[B, 1], dev),
            ];
            let update = || {
                agent.update(&batch, &mut rng);
                sync(dev);
            };
            let timing = pool(t).install(|| bench(update, 50));
            let cfg = if spirl { "spirl5x256" } else { "2x256" };
            let mut fields = json!({"bench": "sac_update", "config": cfg, "batch": B, "updates_per_s": 1.0 / timing.sec,
                "peak_rss_mib": peak_rss_mib()});
            fields.as_object_mut().expect("object").extend(device_fields(dev).as_object().expect("object").clone());
            emit(fields, timing, t);
        }
    }
}
