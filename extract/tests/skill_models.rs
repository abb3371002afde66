//! `extract::models` against PyTorch (`fixtures/skill_models.json`, made by the committed
//! `fixtures/gen_skill_model_fixtures.py`): parameter names and shapes, every loss, every gradient of
//! the total loss, BatchNorm statistics, decodes and the priors in eval mode — for SPiRL, EXTRACT and
//! BC with state and image inputs. Weights, observations and noise use the script's closed-form fill.

mod models_common;

use autograd::Tape;
use extract::data::Batch;
use extract::models::{BcModel, ClusterSkillModel, ImageSpec, InputSpec, ModelConfig, SkillModel, SpirlModel};
use models_common::{assert_close, assert_summary, fill, fill_params, floats, gpu_or_skip, usizes};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;
use std::collections::BTreeMap;
use tensor::{Device, Tensor};

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/skill_models.json")).expect("skill_models.json parses")
}

/// One built model, typed, so the kind-specific outputs (priors, decodes) can be checked.
enum Built {
    Spirl(SpirlModel),
    Extract(ClusterSkillModel),
    Bc(BcModel),
}

impl Built {
    fn model(&self) -> &dyn SkillModel {
        match self {
            Built::Spirl(m) => m,
            Built::Extract(m) => m,
            Built::Bc(m) => m,
        }
    }

    fn model_mut(&mut self) -> &mut dyn SkillModel {
        match self {
            Built::Spirl(m) => m,
            Built::Extract(m) => m,
            Built::Bc(m) => m,
        }
    }
}

fn spec_of(case: &Value) -> InputSpec {
    let s = &case["spec"];
    let image = s["image"].as_array().map(|v| ImageSpec {
        frames: v[0].as_u64().expect("frames") as usize,
        res: v[1].as_u64().expect("res") as usize,
    });
    InputSpec {
        action_dim: s["action_dim"].as_u64().unwrap() as usize,
        state_dim: s["state_dim"].as_u64().unwrap() as usize,
        image,
    }
}

fn build(case: &Value) -> Built {
    let cfg: ModelConfig = serde_json::from_value(case["config"].clone()).expect("fixture config is a ModelConfig");
    let (spec, rng) = (spec_of(case), &mut StdRng::seed_from_u64(0));
    let built = match &cfg {
        ModelConfig::Spirl(c) => Built::Spirl(SpirlModel::new(c, &spec, rng).expect("builds")),
        ModelConfig::Extract(c) => Built::Extract(ClusterSkillModel::new(c, &spec, rng).expect("builds")),
        ModelConfig::Bc(c) => Built::Bc(BcModel::new(c, &spec, rng).expect("builds")),
    };
    fill_params(built.model());
    built
}

/// The fixture batch: observations from the fill pattern, the rest stored.
fn batch_of(case: &Value) -> Batch {
    let b = &case["batch"];
    let shape = usizes(&b["actions"]["shape"]);
    let (n, t) = (shape[0], shape[1]);
    let last: Vec<f32> = usizes(&b["last_action_index"]).into_iter().map(|v| v as f32).collect();
    Batch {
        obs: fill(&usizes(&case["obs_shape"]), "obs", 1.0),
        actions: Tensor::from_vec(floats(&b["actions"]["data"]), &shape),
        action_mask: Tensor::from_vec(floats(&b["action_mask"]), &[n, t]),
        progress: Tensor::from_vec(floats(&b["progress"]), &[n, t]),
        skills: Tensor::from_vec(floats(&b["skills"]), &[n]),
        last_action_index: Tensor::from_vec(last, &[n]),
        skill_logprobs: None,
    }
}

/// Names and shapes of parameters and buffers, as PyTorch's `named_parameters` / `named_buffers`.
fn check_names(case: &Value, m: &dyn SkillModel) {
    let ours = |ps: Vec<autograd::Param>| -> BTreeMap<String, Vec<usize>> {
        ps.iter().map(|p| (p.name().to_string(), p.shape())).collect()
    };
    let theirs = |v: &Value| -> BTreeMap<String, Vec<usize>> {
        v.as_object().expect("map").iter().map(|(k, s)| (k.clone(), usizes(s))).collect()
    };
    assert_eq!(ours(m.parameters()), theirs(&case["params"]), "parameter names/shapes vs PyTorch");
    assert_eq!(ours(m.buffers()), theirs(&case["buffers"]), "buffer names/shapes vs PyTorch");
}

/// Losses, total, gradients and BatchNorm statistics after one training forward on `dev`.
fn check_training_step(case: &Value, built: &Built, dev: &Device) {
    let m = built.model();
    let batch = batch_of(case);
    let eps = Tensor::from_vec(floats(&case["eps"]), &m.noise_shape(&batch));
    let tape = Tape::new();
    let losses = m.losses_with_noise(&tape, &batch, &eps);
    let want = case["losses"].as_object().expect("losses");
    assert_eq!(losses.terms.len(), want.len(), "number of loss terms");
    for t in &losses.terms {
        let w = &want.get(t.name).unwrap_or_else(|| panic!("PyTorch has no loss {}", t.name));
        assert_close(&format!("{} on {dev}", t.name), &[t.value.item()], &[w["value"].as_f64().unwrap() as f32]);
        assert_eq!(t.weight, w["weight"].as_f64().unwrap() as f32, "weight of {}", t.name);
    }
    let total = losses.total();
    assert_close(&format!("total on {dev}"), &[total.item()], &[case["total"].as_f64().unwrap() as f32]);
    let grads = total.backward();
    let want = case["grads"].as_object().expect("grads");
    for p in m.parameters() {
        let g = grads.get(&p).unwrap_or_else(|| panic!("no gradient for {}", p.name()));
        assert_summary(&format!("grad {} on {dev}", p.name()), g, &want[p.name()]);
    }
    for b in m.buffers().iter().filter(|b| !b.name().ends_with("num_batches_tracked")) {
        assert_close(&format!("{} on {dev}", b.name()), &b.value().to_vec(), &floats(&case["buffers_after"][b.name()]));
    }
}

/// Decodes of the posterior mean and of fixed prior noise, and the priors in eval mode.
fn check_outputs(case: &Value, built: &mut Built) {
    let batch = batch_of(case);
    let tape = Tape::no_grad();
    let (b, t) = (batch.len(), batch.steps());
    let prior_eps = || {
        autograd::Var::constant(Tensor::from_vec(
            floats(&case["prior_eps"]),
            &[b, floats(&case["prior_eps"]).len() / b],
        ))
    };
    match &*built {
        Built::Spirl(m) => {
            assert_close("reconstruct", &m.reconstruct(&tape, &batch).to_vec(), &floats(&case["reconstruct"]));
            assert_close(
                "decode prior",
                &m.decode(&tape, &prior_eps(), t).value().to_vec(),
                &floats(&case["decode_prior"]),
            );
        }
        Built::Extract(m) => {
            assert_close("reconstruct", &m.reconstruct(&tape, &batch).to_vec(), &floats(&case["reconstruct"]));
            let dec = m.decode(&tape, &prior_eps(), &batch.skills, t).narrow(2, 0, m.action_dim);
            assert_close("decode prior", &dec.value().to_vec(), &floats(&case["decode_prior"]));
        }
        Built::Bc(_) => {}
    }
    built.model_mut().eval();
    let e = &case["eval"];
    match &*built {
        Built::Spirl(m) => {
            let p = m.learned_prior(&tape, &batch.obs);
            assert_close("learned prior mu", &p.mu.value().to_vec(), &floats(&e["learned_prior_mu"]));
            assert_close(
                "learned prior log sigma",
                &p.log_sigma.value().to_vec(),
                &floats(&e["learned_prior_log_sigma"]),
            );
        }
        Built::Extract(m) => {
            let logits = m.skill_prior(&tape, &batch.obs).logits;
            assert_close("skill prior logits", &logits.value().to_vec(), &floats(&e["skill_prior_logits"]));
            let p = m.argument_prior(&tape, &batch.obs, &batch.skills);
            assert_close("argument prior mu", &p.mu.value().to_vec(), &floats(&e["argument_prior_mu"]));
            assert_close(
                "argument prior log sigma",
                &p.log_sigma.value().to_vec(),
                &floats(&e["argument_prior_log_sigma"]),
            );
        }
        Built::Bc(m) => {
            let p = m.policy(&tape, &batch.obs);
            assert_close("policy mu", &p.mu.value().to_vec(), &floats(&e["policy_mu"]));
            assert_close("policy log sigma", &p.log_sigma.value().to_vec(), &floats(&e["policy_log_sigma"]));
        }
    }
}

fn check_case(name: &str) {
    let all = fixtures();
    let case = &all["cases"][name];
    let mut built = build(case);
    check_names(case, built.model());
    check_training_step(case, &built, &Device::Cpu);
    check_outputs(case, &mut built);
    // The same training step with the model on the GPU (the batch stays on the host, as the loader makes it).
    if let Some(gpu) = gpu_or_skip() {
        let built = build(case);
        built.model().to_device(&gpu);
        check_training_step(case, &built, &gpu);
    }
}

#[test]
fn extract_image_matches_pytorch() {
    check_case("extract_image");
}

#[test]
fn extract_state_matches_pytorch() {
    check_case("extract_state");
}

#[test]
fn spirl_image_matches_pytorch() {
    check_case("spirl_image");
}

#[test]
fn spirl_state_two_lstm_layers_matches_pytorch() {
    check_case("spirl_state");
}

#[test]
fn bc_image_matches_pytorch() {
    check_case("bc_image");
}

#[test]
fn bc_state_matches_pytorch() {
    check_case("bc_state");
}
