//! Flat SAC against PyTorch (`fixtures/gen_sac_fixtures.py` wrote `sac_reference.json`): three
//! updates of a tiny agent with injected noise reproduce the losses, temperature, Q targets and
//! every parameter; the state dict (networks, log alpha, optimizer moments) resumes bit-identically;
//! configs reject unknown keys.

use extract::rl::agents::{SacAgent, SacConfig, SacMetrics};
use extract::rl::components::ReplayBatch;
use nn::Module;
use nn::checkpoint::{self, StoreDtype};
use serde_json::Value;
use tensor::Tensor;

/// Relative tolerance against the f64 references (the agent computes in f32).
const RTOL: f32 = 1e-4;
/// Absolute floor for values near zero.
const ATOL: f32 = 2e-5;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/sac_reference.json")).expect("sac_reference.json parses")
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number") as f32).collect()
}

fn close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= ATOL + RTOL * w.abs(), "{what}[{i}]: got {g}, PyTorch {w}");
    }
}

/// Every named parameter of the agent (networks, targets, log alpha).
fn params(agent: &SacAgent) -> Vec<autograd::Param> {
    let mut p = agent.policy.parameters();
    agent.critics.iter().chain(&agent.critic_targets).for_each(|c| p.extend(c.parameters()));
    p.push(agent.log_alpha.clone());
    p
}

/// The fixture's agent: its config (through serde) and initial weights, set by name.
fn reference_agent(fx: &Value) -> SacAgent {
    let cfg: SacConfig = serde_json::from_value(fx["config"].clone()).expect("fixture config deserialises");
    let dims = (fx["obs_dim"].as_u64().unwrap() as usize, fx["action_dim"].as_u64().unwrap() as usize);
    let agent = SacAgent::new(dims.0, dims.1, cfg, 123);
    let init = fx["init"].as_object().unwrap();
    let ps = params(&agent);
    assert_eq!(ps.len(), init.len(), "the agent and the fixture name the same parameters");
    for p in ps {
        let e = init.get(p.name()).unwrap_or_else(|| panic!("fixture lacks {}", p.name()));
        let shape: Vec<usize> = e["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
        p.set(Tensor::from_vec(floats(&e["values"]), &shape));
    }
    agent
}

/// Update `k`'s batch and noise `(batch, eps, eps_next)`.
fn inputs(fx: &Value, k: usize) -> (ReplayBatch, Tensor, Tensor) {
    let u = &fx["updates"][k];
    let (o, a) = (fx["obs_dim"].as_u64().unwrap() as usize, fx["action_dim"].as_u64().unwrap() as usize);
    let t = |key: &str, cols: usize| {
        let v = floats(&u["batch"][key]);
        let n = v.len() / cols;
        Tensor::from_vec(v, &[n, cols])
    };
    let batch = ReplayBatch {
        obs: t("obs", o),
        action: t("action", a),
        reward: t("reward", 1),
        next_obs: t("next_obs", o),
        done: t("done", 1),
        features: None,
    };
    let n = batch.len();
    (batch, Tensor::from_vec(floats(&u["eps"]), &[n, a]), Tensor::from_vec(floats(&u["eps_next"]), &[n, a]))
}

fn check_metrics(k: usize, m: &SacMetrics, want: &Value) {
    let fields = [
        ("policy_loss", m.policy_loss),
        ("alpha_loss", m.alpha_loss),
        ("critic_loss_1", m.critic_loss_1),
        ("critic_loss_2", m.critic_loss_2),
        ("alpha", m.alpha),
        ("pi_log_prob", m.pi_log_prob),
        ("q_1", m.q_1),
        ("q_2", m.q_2),
    ];
    for (name, got) in fields {
        close(&format!("update {k} {name}"), &[got], &[want[name].as_f64().unwrap() as f32]);
    }
    let targets = floats(&want["q_target"]);
    close(&format!("update {k} mean q_target"), &[m.q_target], &[targets.iter().sum::<f32>() / targets.len() as f32]);
}

#[test]
fn three_updates_match_pytorch() {
    let fx = fixture();
    let mut agent = reference_agent(&fx);
    for k in 0..3 {
        let want = &fx["updates"][k];
        let (batch, eps, eps_next) = inputs(&fx, k);
        // The target uses the temperature after this update's alpha step, as in the update itself.
        let alpha = want["alpha"].as_f64().unwrap() as f32;
        let target = agent.q_target(&batch, &eps_next, alpha);
        close(&format!("update {k} q_target"), &target.to_vec(), &floats(&want["q_target"]));
        let metrics = agent.update_with_noise(&batch, &eps, &eps_next);
        check_metrics(k, &metrics, want);
        for p in params(&agent) {
            close(&format!("update {k} {}", p.name()), &p.value().to_vec(), &floats(&want["params"][p.name()]));
        }
    }
    assert_eq!(agent.update_steps(), 3);
    let clipped: u64 = fx["updates"].as_array().unwrap().iter().map(|u| u["clipped"].as_u64().unwrap()).sum();
    assert!(clipped > 0, "the fixture must exercise the Q-target clip");
}

#[test]
fn state_dict_resumes_bit_identically() {
    let fx = fixture();
    let mut a = reference_agent(&fx);
    let (batch, eps, eps_next) = inputs(&fx, 0);
    a.update_with_noise(&batch, &eps, &eps_next);
    let path = std::env::temp_dir().join(format!("extract-sac-state-{}.safetensors", std::process::id()));
    checkpoint::save(&path, &a.state_dict(), &[], StoreDtype::F32).unwrap();
    let mut b = SacAgent::new(3, 2, a.config.clone(), 999);
    b.load_state_dict(&checkpoint::load(&path).unwrap().tensors).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(b.update_steps(), 1);
    let (batch, eps, eps_next) = inputs(&fx, 1);
    let (ma, mb) = (a.update_with_noise(&batch, &eps, &eps_next), b.update_with_noise(&batch, &eps, &eps_next));
    assert_eq!(ma, mb);
    for ((ka, va), (kb, vb)) in a.state_dict().iter().zip(b.state_dict().iter()) {
        assert_eq!(ka, kb);
        assert_eq!(va.to_vec(), vb.to_vec(), "{ka} differs after resuming");
    }
}

#[test]
fn state_dict_errors_name_the_entry_and_change_nothing() {
    let fx = fixture();
    let a = reference_agent(&fx);
    let mut b = SacAgent::new(3, 2, a.config.clone(), 5);
    let before = b.state_dict();
    let mut state = a.state_dict();
    state.retain(|(k, _)| k != "critics.1._net.head.linear.bias");
    let err = b.load_state_dict(&state).unwrap_err();
    assert!(err.contains("missing [critics.1._net.head.linear.bias]"), "{err}");
    let mut state = a.state_dict();
    state.iter_mut().find(|(k, _)| k == "log_alpha").unwrap().1 = Tensor::zeros(&[2]);
    let err = b.load_state_dict(&state).unwrap_err();
    assert!(err.contains("log_alpha: file [2] vs model [1]"), "{err}");
    let wider = SacAgent::new(3, 2, SacConfig { critic_mid_dim: 16, ..a.config.clone() }, 5);
    assert!(b.load_state_dict(&wider.state_dict()).is_err());
    for ((k, x), (_, y)) in before.iter().zip(b.state_dict().iter()) {
        assert_eq!(x.to_vec(), y.to_vec(), "{k} changed by a failed load");
    }
}

#[test]
fn config_has_upstream_defaults_and_rejects_unknown_keys() {
    let cfg: SacConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(cfg, SacConfig::default());
    assert_eq!((cfg.discount, cfg.tau, cfg.batch_size, cfg.clip_q_target), (0.99, 5e-3, 256, true));
    assert_eq!((cfg.policy_lr, cfg.critic_lr, cfg.alpha_lr), (3e-4, 3e-4, 3e-4));
    let err = serde_json::from_str::<SacConfig>(r#"{"discont": 0.9}"#).unwrap_err().to_string();
    assert!(err.contains("unknown field `discont`"), "{err}");
    let err = SacConfig { discount: 1.0, ..SacConfig::default() }.validate().unwrap_err();
    assert_eq!(err, "SAC config 'discount' is 1, expected a value in [0, 1)");
}

#[test]
fn act_stays_in_the_unit_box_and_is_deterministic_on_request() {
    let cfg = SacConfig { policy_mid_dim: 16, policy_num_layers: 1, critic_mid_dim: 16, ..SacConfig::default() };
    let mut agent = SacAgent::new(3, 2, cfg, 0);
    let obs = [0.3, -0.2, 1.5];
    assert_eq!(agent.act(&obs, true), agent.act(&obs, true));
    let samples: Vec<Vec<f32>> = (0..50).map(|_| agent.act(&obs, false)).collect();
    assert!(samples.iter().flatten().all(|a| a.abs() < 1.0));
    assert!(samples.windows(2).any(|w| w[0] != w[1]), "stochastic actions must vary");
}
