//! The skill-space SAC agents against PyTorch (`fixtures/gen_hl_agent_fixtures.py` wrote
//! `hl_agent_reference.json`): SPiRL (MC divergence, auto-tuned alpha) and EXTRACT (fixed
//! temperatures with the critic indexed by the stored or the sampled skill; auto-tuned temperatures)
//! reproduce losses, KLs, temperatures, Q targets and every parameter; so does BC-finetune (the
//! SPiRL agent on a BC policy with log pi as the regulariser). Also: image-input smoke
//! updates, zero KL when the policy is the prior, state-dict round trips and refusals, configs.

use extract::models::{
    BcConfig, BcModel, ClusterSkillModel, ExtractConfig, ImageSpec, InputSpec, ObsInput, SpirlConfig, SpirlModel,
};
use extract::rl::agents::{
    CriticSkillIndex, HybridNoise, HybridSacAgent, HybridSacConfig, ObsView, PriorSacConfig, SkillAgent, SpirlNoise,
    SpirlSacAgent,
};
use extract::rl::components::{ObsFeatures, ReplayBatch};
use nn::Module;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;
use std::collections::HashMap;
use tensor::Tensor;

/// Relative tolerance against the f64 references (the agents compute in f32).
const RTOL: f32 = 1e-4;
/// Absolute floor for values near zero.
const ATOL: f32 = 2e-5;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/hl_agent_reference.json")).expect("hl_agent_reference.json parses")
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number") as f32).collect()
}

fn entry(e: &Value) -> Tensor {
    let shape: Vec<usize> = e["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
    Tensor::from_vec(floats(&e["values"]), &shape)
}

fn close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= ATOL + RTOL * w.abs(), "{what}[{i}]: got {g}, PyTorch {w}");
    }
}

/// `shape` with the values of the fixture array `v`.
fn t(v: &Value, shape: &[usize]) -> Tensor {
    Tensor::from_vec(floats(v), shape)
}

fn batch(u: &Value, state_dim: usize, action_dim: usize) -> ReplayBatch {
    let b = floats(&u["batch"]["reward"]).len();
    let x = |k: &str, cols| t(&u["batch"][k], &[b, cols]);
    ReplayBatch {
        obs: x("obs", state_dim),
        action: x("action", action_dim),
        reward: x("reward", 1),
        next_obs: x("next_obs", state_dim),
        done: x("done", 1),
        features: None,
    }
}

/// The fixture's weights into `agent`: networks and temperatures through the state dict (so the
/// names are the state dict's), the frozen prior's parameters by the skill model's names.
fn load_fixture_weights(agent: &mut dyn SkillAgent, prior: &[autograd::Param], fx: &Value) {
    let init = fx["init"].as_object().unwrap();
    let mut state = agent.state_dict();
    let mut used = 0;
    for (k, v) in state.iter_mut() {
        if let Some(e) = init.get(k) {
            *v = entry(e);
            used += 1;
        }
    }
    assert_eq!(used, init.len(), "every fixture tensor names a state-dict entry");
    agent.load_state_dict(&state).unwrap();
    let priors = fx["prior"].as_object().unwrap();
    assert_eq!(prior.len(), priors.len());
    prior.iter().for_each(|p| p.set(entry(&priors[p.name()])));
}

fn check_step(what: &str, agent: &dyn SkillAgent, metrics: &[(&'static str, f32)], want: &Value) {
    let got: HashMap<&str, f32> = metrics.iter().copied().collect();
    for (name, w) in want["metrics"].as_object().unwrap() {
        close(&format!("{what} {name}"), &[got[name.as_str()]], &[w.as_f64().unwrap() as f32]);
    }
    let state: HashMap<String, Tensor> = agent.state_dict().into_iter().collect();
    for (name, w) in want["params"].as_object().unwrap() {
        close(&format!("{what} {name}"), &state[name].to_vec(), &floats(w));
    }
}

fn spirl_agent(fx: &Value, config: PriorSacConfig, seed: u64) -> SpirlSacAgent {
    let cfg: SpirlConfig = serde_json::from_value(fx["model"].clone()).unwrap();
    let s = fx["state_dim"].as_u64().unwrap() as usize;
    let spec = InputSpec { action_dim: 2, state_dim: s, image: None };
    // Equal seeds give equal weights: both copies as if loaded from one skill checkpoint.
    let [p, q] = [(); 2].map(|_| SpirlModel::new(&cfg, &spec, &mut StdRng::seed_from_u64(seed)).unwrap());
    SpirlSacAgent::new(p, q, ObsView::state(s), config, seed).unwrap()
}

fn spirl_reference(fx: &Value, seed: u64) -> SpirlSacAgent {
    let mut agent = spirl_agent(fx, serde_json::from_value(fx["config"].clone()).unwrap(), seed);
    let prior = agent.prior.parameters();
    load_fixture_weights(&mut agent, &prior, fx);
    agent
}

fn spirl_noise(u: &Value, b: usize, z: usize) -> SpirlNoise {
    let n = floats(&u["div_eps"]).len() / (b * z);
    SpirlNoise {
        eps: t(&u["eps"], &[b, z]),
        div_eps: t(&u["div_eps"], &[n, b, z]),
        eps_next: t(&u["eps_next"], &[b, z]),
        div_eps_next: t(&u["div_eps_next"], &[n, b, z]),
    }
}

#[test]
fn spirl_updates_match_pytorch() {
    let fx = &fixture()["spirl"];
    // Twice: the prior evaluated on the batch, and read from stored features (the loop's way).
    for stored in [false, true] {
        let mut agent = spirl_reference(fx, 1);
        let (s, z) = (fx["state_dim"].as_u64().unwrap() as usize, agent.action_dim());
        assert_eq!(agent.obs_features_dim(), 2 * z);
        for (k, want) in fx["updates"].as_array().unwrap().iter().enumerate() {
            let mut b = batch(want, s, z);
            if stored {
                b.features = Some(stored_features(&agent, &b));
            }
            let noise = spirl_noise(want, b.len(), z);
            // The target uses the temperature after this update's alpha step, as the update itself.
            let alpha = want["metrics"]["alpha"].as_f64().unwrap() as f32;
            let target = agent.q_target(&b, (&noise.eps_next, &noise.div_eps_next), alpha);
            let what = format!("SPiRL (stored prior outputs: {stored}) update {k}");
            close(&format!("{what} q_target"), &target.to_vec(), &floats(&want["q_target"]));
            let metrics = agent.update_with_noise(&b, &noise);
            check_step(&what, &agent, &metrics, want);
        }
        assert_eq!(agent.update_steps(), 3);
    }
}

/// The SPiRL agent's update with `regularizer = "entropy"` on a BC policy: log pi in place of the
/// divergence, alpha tuned toward the target.
#[test]
fn bc_finetune_updates_match_pytorch() {
    let fx = &fixture()["bc_finetune"];
    let cfg: BcConfig = serde_json::from_value(fx["model"].clone()).unwrap();
    let s = fx["state_dim"].as_u64().unwrap() as usize;
    let a = floats(&fx["updates"][0]["eps"]).len() / floats(&fx["updates"][0]["batch"]["reward"]).len();
    let spec = InputSpec { action_dim: a, state_dim: s, image: None };
    let [p, q] = [(); 2].map(|_| BcModel::new(&cfg, &spec, &mut StdRng::seed_from_u64(3)).unwrap());
    let config: PriorSacConfig = serde_json::from_value(fx["config"].clone()).unwrap();
    let mut agent = SpirlSacAgent::from_bc(p, q, ObsView::state(s), config, 3).unwrap();
    assert_eq!((agent.name(), agent.action_dim(), agent.obs_features_dim()), ("bc_finetune", a, 0));
    let prior = agent.prior.parameters();
    load_fixture_weights(&mut agent, &prior, fx);
    for (k, want) in fx["updates"].as_array().unwrap().iter().enumerate() {
        let b = batch(want, s, a);
        let noise = spirl_noise(want, b.len(), a);
        let alpha = want["metrics"]["alpha"].as_f64().unwrap() as f32;
        let target = agent.q_target(&b, (&noise.eps_next, &noise.div_eps_next), alpha);
        close(&format!("BC-finetune update {k} q_target"), &target.to_vec(), &floats(&want["q_target"]));
        let metrics = agent.update_with_noise(&b, &noise);
        check_step(&format!("BC-finetune update {k}"), &agent, &metrics, want);
    }
}

fn extract_agent(fx: &Value, config: HybridSacConfig, seed: u64) -> HybridSacAgent {
    let cfg: ExtractConfig = serde_json::from_value(fx["model"].clone()).unwrap();
    let s = fx["state_dim"].as_u64().unwrap() as usize;
    let spec = InputSpec { action_dim: 2, state_dim: s, image: None };
    let [p, q] = [(); 2].map(|_| ClusterSkillModel::new(&cfg, &spec, &mut StdRng::seed_from_u64(seed)).unwrap());
    HybridSacAgent::new(p, q, ObsView::state(s), config, seed).unwrap()
}

fn extract_reference(fx: &Value, config: &Value, seed: u64) -> HybridSacAgent {
    let mut agent = extract_agent(fx, serde_json::from_value(config.clone()).unwrap(), seed);
    let prior = agent.prior.parameters();
    load_fixture_weights(&mut agent, &prior, fx);
    agent
}

fn hybrid_noise(u: &Value, b: usize, z: usize) -> HybridNoise {
    HybridNoise {
        u: t(&u["u"], &[b]),
        eps: t(&u["eps"], &[b, z]),
        u_next: t(&u["u_next"], &[b]),
        eps_next: t(&u["eps_next"], &[b, z]),
    }
}

#[test]
fn extract_updates_match_pytorch_for_both_critic_indices_and_auto_alpha() {
    let fx = &fixture()["extract"];
    let s = fx["state_dim"].as_u64().unwrap() as usize;
    let runs = fx["runs"].as_array().unwrap();
    assert!(runs[1]["stored_vs_sampled_mismatches"].as_u64().unwrap() > 0, "the quirk run must differ");
    // Each run twice: the prior evaluated on the batch, and read from stored features (the loop's way).
    for (r, run, stored) in runs.iter().enumerate().flat_map(|(r, run)| [(r, run, false), (r, run, true)]) {
        let mut agent = extract_reference(fx, &run["config"], 3);
        let a = agent.action_dim();
        for (k, want) in run["updates"].as_array().unwrap().iter().enumerate() {
            let mut b = batch(want, s, a);
            if stored {
                b.features = Some(stored_features(&agent, &b));
            }
            let noise = hybrid_noise(want, b.len(), a - 1);
            let m = &want["metrics"];
            let alphas = (m["alpha_z"].as_f64().unwrap() as f32, m["alpha_d"].as_f64().unwrap() as f32);
            let target = agent.q_target(&b, (&noise.u_next, &noise.eps_next), alphas);
            let what = format!("run {r} (stored prior outputs: {stored}) update {k}");
            close(&format!("{what} q_target"), &target.to_vec(), &floats(&want["q_target"]));
            let metrics = agent.update_with_noise(&b, &noise);
            check_step(&format!("EXTRACT {what}"), &agent, &metrics, want);
        }
    }
}

/// What the training loop stores beside a batch's observations for `agent`.
fn stored_features(agent: &dyn SkillAgent, b: &ReplayBatch) -> ObsFeatures {
    let f = |obs: &Tensor| agent.obs_features(obs).expect("the agent stores features");
    ObsFeatures { obs: f(&b.obs), next_obs: f(&b.next_obs) }
}

/// A random batch of `b` flat observations of width `obs_dim` (values in [-1, 1]) and HL actions.
fn random_batch(b: usize, obs_dim: usize, action: Tensor, rng: &mut StdRng) -> ReplayBatch {
    ReplayBatch {
        obs: Tensor::rand_uniform(&[b, obs_dim], -1.0, 1.0, rng),
        action,
        reward: Tensor::randn(&[b, 1], 0.0, 1.0, rng),
        next_obs: Tensor::rand_uniform(&[b, obs_dim], -1.0, 1.0, rng),
        done: Tensor::zeros(&[b, 1]),
        features: None,
    }
}

fn image_view() -> (ObsView, InputSpec) {
    let image = Some(ImageSpec { frames: 2, res: 16 });
    (ObsView { state_dim: 3, image, input: ObsInput::Image }, InputSpec { action_dim: 2, state_dim: 3, image })
}

/// One update of an image-input agent moves its first critic; acting gives `[b, action_dim]`.
fn smoke(agent: &mut dyn SkillAgent, batch_of: impl Fn(Tensor, &mut StdRng) -> ReplayBatch) {
    let (view, _) = image_view();
    let mut rng = StdRng::seed_from_u64(0);
    let obs = Tensor::rand_uniform(&[4, view.state_dim + view.image_dim()], -1.0, 1.0, &mut rng);
    let action = agent.act(&obs);
    assert_eq!(action.shape(), &[4, agent.action_dim()]);
    let before = agent.state_dict();
    let metrics = agent.update(&batch_of(action, &mut rng));
    assert!(metrics.iter().all(|(_, v)| v.is_finite()), "{metrics:?}");
    let after: HashMap<String, Tensor> = agent.state_dict().into_iter().collect();
    let critic_moved =
        before.iter().filter(|(k, _)| k.starts_with("critics.0.")).any(|(k, v)| v.to_vec() != after[k].to_vec());
    assert!(critic_moved, "{}: one update must change the critic", agent.name());
    assert_eq!(after["update_steps"].item(), 1.0);
}

/// An EXTRACT agent on 2 frames of 16x16 with tiny priors (K 3, Z 3, 16 wide) and critics.
fn tiny_image_hybrid(rng: &mut StdRng) -> HybridSacAgent {
    let (view, spec) = image_view();
    let (z, mid) = (3, 16);
    let cfg = ExtractConfig {
        n_skills: 3,
        nz_vae: z,
        nz_mid: mid,
        nz_enc: mid,
        nz_mid_lstm: mid,
        nz_mid_prior: mid,
        num_prior_net_layers: 1,
        ..ExtractConfig::default()
    };
    let [p, q] = [(); 2].map(|_| ClusterSkillModel::new(&cfg, &spec, rng).unwrap());
    let agent_cfg = HybridSacConfig {
        critic_mid_dim: 16,
        critic_feature_dim: 8,
        critic_vector_num_layers: 1,
        batch_size: 4,
        ..HybridSacConfig::default()
    };
    HybridSacAgent::new(p, q, view, agent_cfg, 2).unwrap()
}

/// The image agent's update with the prior's outputs read from stored features equals the one that
/// runs the prior's conv encoders on the batch.
#[test]
fn extract_update_is_the_same_with_stored_prior_outputs() {
    let [mut net, mut stored] = [(); 2].map(|_| tiny_image_hybrid(&mut StdRng::seed_from_u64(5)));
    let (view, _) = image_view();
    let mut rng = StdRng::seed_from_u64(6);
    let obs = Tensor::rand_uniform(&[8, view.state_dim + view.image_dim()], -1.0, 1.0, &mut rng);
    let action = net.act(&obs);
    let batch = random_batch(8, obs.dim(1), action, &mut rng);
    let with = ReplayBatch { features: Some(stored_features(&stored, &batch)), ..batch.clone() };
    assert_eq!(with.features.as_ref().unwrap().obs.shape(), &[8, stored.obs_features_dim()]);
    assert_eq!(stored.obs_features_dim(), 3 * (1 + 2 * 3));
    for step in 0..2 {
        let noise = net.draw_noise(8);
        let (a, b) = (net.update_with_noise(&batch, &noise), stored.update_with_noise(&with, &noise));
        for ((name, x), (_, y)) in a.iter().zip(&b) {
            assert!((x - y).abs() <= 1e-5 * (1.0 + x.abs()), "update {step} {name}: {x} vs {y}");
        }
    }
    let after: HashMap<String, Tensor> = stored.state_dict().into_iter().collect();
    for (k, v) in net.state_dict() {
        close(&k, &after[&k].to_vec(), &v.to_vec());
    }
}

#[test]
fn image_input_agents_act_and_update() {
    let (view, spec) = image_view();
    let obs_dim = view.state_dim + view.image_dim();
    let mut rng = StdRng::seed_from_u64(1);
    // Tiny priors: Z 3, 16 wide, one hidden block.
    let (z, mid, layers) = (3, 16, 1);
    let cfg = SpirlConfig {
        nz_vae: z,
        nz_mid: mid,
        nz_enc: mid,
        nz_mid_lstm: mid,
        nz_mid_prior: mid,
        num_prior_net_layers: layers,
        ..SpirlConfig::default()
    };
    let [p, q] = [(); 2].map(|_| SpirlModel::new(&cfg, &spec, &mut rng).unwrap());
    let agent_cfg = PriorSacConfig {
        critic_mid_dim: 16,
        critic_feature_dim: 8,
        critic_vector_num_layers: 1,
        batch_size: 4,
        ..PriorSacConfig::default()
    };
    let mut spirl = SpirlSacAgent::new(p, q, view, agent_cfg, 2).unwrap();
    assert!(spirl.state_dict().iter().any(|(k, _)| k.starts_with("critics.0.image_encoder.")));
    smoke(&mut spirl, |a, rng| random_batch(4, obs_dim, a, rng));

    let mut hybrid = tiny_image_hybrid(&mut rng);
    smoke(&mut hybrid, |a, rng| {
        let skills = a.narrow(1, 0, 1).to_vec();
        assert!(skills.iter().all(|d| d.fract() == 0.0 && (0.0..3.0).contains(d)), "{skills:?}");
        random_batch(4, obs_dim, a, rng)
    });
}

#[test]
fn divergences_vanish_when_the_policy_is_the_prior() {
    let fx = fixture();
    let (ex, sp) = (&fx["extract"], &fx["spirl"]);
    // The helpers build both skill-model copies from one seed: the policy starts exactly at the prior.
    let mut agent = extract_agent(ex, HybridSacConfig { critic_mid_dim: 8, ..HybridSacConfig::default() }, 4);
    let want = &ex["runs"][0]["updates"][0];
    let (s, a) = (ex["state_dim"].as_u64().unwrap() as usize, agent.action_dim());
    let b = batch(want, s, a);
    let m: HashMap<&str, f32> = agent.update_with_noise(&b, &hybrid_noise(want, b.len(), a - 1)).into_iter().collect();
    assert_eq!((m["kl_z"], m["kl_d"]), (0.0, 0.0));
    let cfg = PriorSacConfig { critic_mid_dim: 8, ..PriorSacConfig::default() };
    let mut agent = spirl_agent(sp, cfg, 4);
    let want = &sp["updates"][0];
    let b = batch(want, s, agent.action_dim());
    let noise = agent.draw_noise(b.len());
    let m: HashMap<&str, f32> = agent.update_with_noise(&b, &noise).into_iter().collect();
    assert_eq!(m["prior_divergence"], 0.0);
}

#[test]
fn state_dicts_resume_identically_and_refuse_bad_input() {
    let fx = fixture();
    let sp = &fx["spirl"];
    let s = sp["state_dim"].as_u64().unwrap() as usize;
    let mut a = spirl_reference(sp, 1);
    let (u0, u1) = (&sp["updates"][0], &sp["updates"][1]);
    let (b0, b1) = (batch(u0, s, 3), batch(u1, s, 3));
    a.update_with_noise(&b0, &spirl_noise(u0, 4, 3));
    let mut b = spirl_reference(sp, 9);
    b.load_state_dict(&a.state_dict()).unwrap();
    assert_eq!(b.update_steps(), 1);
    let n1 = spirl_noise(u1, 4, 3);
    assert_eq!(a.update_with_noise(&b1, &n1), b.update_with_noise(&b1, &n1));
    for ((ka, va), (kb, vb)) in a.state_dict().iter().zip(b.state_dict().iter()) {
        assert_eq!((ka, va.to_vec()), (kb, vb.to_vec()), "{ka} differs after resuming");
    }

    let ex = &fx["extract"];
    let run = &ex["runs"][2]; // auto_alpha: every optimizer has state
    let mut a = extract_reference(ex, &run["config"], 3);
    let u0 = &run["updates"][0];
    a.update_with_noise(&batch(u0, s, 4), &hybrid_noise(u0, 4, 3));
    let mut b = extract_reference(ex, &run["config"], 8);
    let before = b.state_dict();
    let mut state = a.state_dict();
    state.retain(|(k, _)| k != "critics.1._net.head.linear.bias");
    let err = b.load_state_dict(&state).unwrap_err();
    assert!(err.contains("missing [critics.1._net.head.linear.bias]"), "{err}");
    let mut state = a.state_dict();
    state.iter_mut().find(|(k, _)| k == "policy.p_z.head.linear.weight").unwrap().1 = Tensor::zeros(&[2, 2]);
    let err = b.load_state_dict(&state).unwrap_err();
    assert!(err.contains("policy.p_z.head.linear.weight"), "{err}");
    let mut state = a.state_dict();
    state.retain(|(k, _)| k != "update_steps");
    assert!(b.load_state_dict(&state).unwrap_err().contains("update_steps"));
    let mut state = a.state_dict();
    state.retain(|(k, _)| !k.starts_with("alpha_d_opt."));
    assert!(b.load_state_dict(&state).is_err(), "a missing optimizer state is refused");
    for ((k, x), (_, y)) in before.iter().zip(b.state_dict().iter()) {
        assert_eq!(x.to_vec(), y.to_vec(), "{k} changed by a failed load");
    }
    b.load_state_dict(&a.state_dict()).unwrap();
    let u1 = &run["updates"][0];
    let n = hybrid_noise(u1, 4, 3);
    assert_eq!(a.update_with_noise(&batch(u1, s, 4), &n), b.update_with_noise(&batch(u1, s, 4), &n));
}

#[test]
fn configs_have_upstream_defaults_and_reject_typos() {
    let cfg: PriorSacConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(cfg, PriorSacConfig::default());
    assert_eq!((cfg.n_divergence_samples, cfg.target_divergence, cfg.init_alpha), (10, 5.0, 1.0));
    assert_eq!((cfg.discount, cfg.tau, cfg.policy_lr, cfg.fixed_alpha), (0.99, 5e-3, 3e-4, None));
    let cfg: HybridSacConfig = serde_json::from_str(r#"{"critic_skill_index": "sampled"}"#).unwrap();
    assert_eq!(cfg.critic_skill_index, CriticSkillIndex::Sampled);
    let d = HybridSacConfig::default();
    assert_eq!(
        (d.alpha_z, d.alpha_d, d.auto_alpha, d.critic_skill_index),
        (0.01, 0.1, false, CriticSkillIndex::Stored)
    );
    let err = serde_json::from_str::<HybridSacConfig>(r#"{"alpha_zz": 1}"#).unwrap_err().to_string();
    assert!(err.contains("unknown field `alpha_zz`"), "{err}");
    let err = PriorSacConfig { n_divergence_samples: 0, ..PriorSacConfig::default() }.validate().unwrap_err();
    assert_eq!(err, "SPiRL agent config 'n_divergence_samples' is 0, expected a value >= 1");
    let err = HybridSacConfig { discount: 1.0, ..d }.validate().unwrap_err();
    assert_eq!(err, "EXTRACT agent config 'discount' is 1, expected a value in [0, 1)");
    let fx = fixture();
    let sp = &fx["spirl"];
    let cfg: SpirlConfig = serde_json::from_value(sp["model"].clone()).unwrap();
    let spec = InputSpec { action_dim: 2, state_dim: 4, image: None };
    let mut rng = StdRng::seed_from_u64(0);
    let [p, q] = [(); 2].map(|_| SpirlModel::new(&cfg, &spec, &mut rng).unwrap());
    let err = SpirlSacAgent::new(p, q, ObsView::state(5), PriorSacConfig::default(), 0).err().unwrap();
    assert_eq!(err, "SPiRL agent: the skill model's prior takes a 4-d state, observations have 5");
}
