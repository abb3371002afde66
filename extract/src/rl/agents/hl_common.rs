//! Pieces shared by the two skill-space SAC agents: config checks, the temperature (dual) step,
//! Polyak updates of twin critics, and all-or-nothing state dicts with prefixed network groups.

use super::skill_agent::ObsView;
use crate::models::ObsInput;
use crate::rl::components::{SkillCritic, soft_update};
use autograd::{Param, Tape, Var};
use nn::Module;
use nn::checkpoint::{CheckpointError, LoadOptions, load_into, strip_prefix};
use nn::optim::{Adam, AdamConfig, Optimizer};
use tensor::Tensor;

/// Checks sizes (>= 1), positive reals and `(discount, tau, adam_beta1)`; errors name `what`'s field.
pub(crate) fn check_common(
    what: &str,
    sizes: &[(&str, usize)],
    positive: &[(&str, f32)],
    (discount, tau, beta1): (f32, f32, f32),
) -> Result<(), String> {
    if let Some((k, v)) = sizes.iter().find(|(_, v)| *v == 0) {
        return Err(format!("{what} config '{k}' is {v}, expected a value >= 1"));
    }
    if let Some((k, v)) = positive.iter().find(|(_, v)| !v.is_finite() || *v <= 0.0) {
        return Err(format!("{what} config '{k}' is {v}, expected a positive value"));
    }
    let ranges = [
        ("discount", discount, (0.0..1.0).contains(&discount), "[0, 1)"),
        ("tau", tau, tau > 0.0 && tau <= 1.0, "(0, 1]"),
        ("adam_beta1", beta1, (0.0..1.0).contains(&beta1), "[0, 1)"),
    ];
    match ranges.iter().find(|r| !r.2) {
        Some((k, v, _, want)) => Err(format!("{what} config '{k}' is {v}, expected a value in {want}")),
        None => Ok(()),
    }
}

/// Adam with learning rate `lr` and beta1 `beta1` over `params`.
pub(crate) fn adam(params: Vec<Param>, lr: f32, beta1: f32) -> Adam {
    Adam::new(params, AdamConfig { lr, beta1, ..Default::default() })
}

/// `alpha = max(exp(log_alpha), floor)`.
pub(crate) fn alpha_of(log_alpha: &Param, floor: f32) -> f32 {
    log_alpha.value().exp().item().max(floor)
}

/// One dual step of a temperature: `L = mean(alpha * gap)` with `gap = (target - divergence)`
/// already detached (`[b, 1]`) and `alpha = max(exp(log_alpha), floor)`, so alpha grows while the
/// divergence exceeds its target. Returns `L`.
pub(crate) fn temperature_step(log_alpha: &Param, opt: &mut Adam, gap: &Tensor, floor: f32) -> f32 {
    let tape = Tape::new();
    let alpha = tape.param(log_alpha).exp().clamp(floor, f32::MAX);
    let loss = alpha.mul(&Var::constant(gap.clone())).mean_all();
    let value = loss.item();
    opt.step(&loss.backward());
    value
}

/// `0.5 mean((q - y)^2)` per critic (each `q: [b, 1]`), their sum on one tape, the two losses and the
/// mean Q of each critic (the critics share no parameters, so each optimizer sees its own loss).
pub(crate) fn twin_critic_losses(qs: [Var; 2], target: &Tensor) -> (Var, [f32; 2], [f32; 2]) {
    let losses =
        qs.each_ref().map(|q| q.binary_const(tensor::BinaryOp::Sub, target).square().mean_all().mul_scalar(0.5));
    let values = losses.each_ref().map(Var::item);
    let means = qs.each_ref().map(|q| q.value().mean_all().item());
    (losses[0].add(&losses[1]), values, means)
}

/// Polyak `Qbar_i <- tau Q_i + (1 - tau) Qbar_i` for both critics.
pub(crate) fn polyak(targets: &[SkillCritic; 2], critics: &[SkillCritic; 2], tau: f32) {
    targets.iter().zip(critics).for_each(|(t, q)| soft_update(t, q, tau));
}

/// Clamps a Q target to ±1/(1 - gamma) when `clip`.
pub(crate) fn clip_target(target: Tensor, clip: bool, discount: f32) -> Tensor {
    match clip {
        true => target.clamp(-1.0 / (1.0 - discount), 1.0 / (1.0 - discount)),
        false => target,
    }
}

/// Slots (parameters and buffers) saved as `{prefix}{slot name}`.
pub(crate) struct SlotGroup {
    pub prefix: &'static str,
    pub slots: Vec<Param>,
}

/// An optimizer saved under `{prefix}` with the parameters it steps (to rebuild it on load).
pub(crate) struct OptSlot<'a> {
    pub prefix: &'static str,
    pub opt: &'a Adam,
    pub params: Vec<Param>,
}

/// Every group's slots, `update_steps` and every optimizer's state, as named tensors.
pub(crate) fn save_state(groups: &[SlotGroup], steps: u64, opts: &[OptSlot]) -> Vec<(String, Tensor)> {
    let mut out: Vec<(String, Tensor)> =
        groups.iter().flat_map(|g| g.slots.iter().map(|p| (format!("{}{}", g.prefix, p.name()), p.value()))).collect();
    out.push(("update_steps".into(), Tensor::scalar(steps as f32)));
    for o in opts {
        out.extend(o.opt.state_dict().into_iter().map(|(k, v)| (format!("{}{k}", o.prefix), v)));
    }
    out
}

/// Checks `state` against `groups` and `opts` (names, shapes, optimizer state) and, only when all
/// fit, sets every slot. Returns the restored optimizers (in `opts` order) and update count for the
/// caller to install; on error nothing has changed.
pub(crate) fn load_state(
    what: &str,
    groups: &[SlotGroup],
    opts: &[OptSlot],
    state: &[(String, Tensor)],
) -> Result<(Vec<Adam>, u64), String> {
    let steps = state.iter().find(|(k, _)| k == "update_steps").ok_or(format!("{what} has no 'update_steps' entry"))?;
    if steps.1.numel() != 1 || steps.1.item().is_nan() || steps.1.item() < 0.0 {
        return Err(format!("{what} 'update_steps' is not one count >= 0 (shape {:?})", steps.1.shape()));
    }
    let mut options = LoadOptions::default().skip_prefix("update_steps");
    let mut fresh = Vec::with_capacity(opts.len());
    for o in opts {
        // Loaded into fresh optimizers first, so a failure leaves the agent untouched.
        let mut new = Adam::new(o.params.clone(), o.opt.config);
        new.load_state_dict(&strip_prefix(state, o.prefix)).map_err(|e| format!("{what} {}*: {e}", o.prefix))?;
        fresh.push(new);
        options = options.skip_prefix(o.prefix);
    }
    // Stand-in slots carry the saved names; the real slots are set only after every entry fitted.
    let pairs: Vec<(Param, Param)> = groups
        .iter()
        .flat_map(|g| g.slots.iter().map(|p| (Param::new(format!("{}{}", g.prefix, p.name()), p.value()), p.clone())))
        .collect();
    let stand_ins: Vec<Param> = pairs.iter().map(|(s, _)| s.clone()).collect();
    load_into(&stand_ins, state, what, &options).map_err(|e| match e {
        CheckpointError::Mismatch { report, .. } => format!("{what} does not fit the agent: {report}"),
        other => other.to_string(),
    })?;
    pairs.iter().for_each(|(s, p)| p.set(s.value().to(&p.value().device())));
    Ok((fresh, steps.1.item() as u64))
}

/// A module's parameters and buffers as `(name, value)`: an agent's acting state.
pub(crate) fn module_state(m: &dyn Module) -> Vec<(String, Tensor)> {
    m.parameters().into_iter().chain(m.buffers()).map(|p| (p.name().to_string(), p.value())).collect()
}

/// Sets `m`'s parameters and buffers from `state` (as [`module_state`] lists them), after checking
/// every name and shape.
pub(crate) fn load_module_state(what: &str, m: &dyn Module, state: &[(String, Tensor)]) -> Result<(), String> {
    let slots: Vec<Param> = m.parameters().into_iter().chain(m.buffers()).collect();
    if slots.len() != state.len() {
        return Err(format!("{what}: {} tensors received, the policy has {}", state.len(), slots.len()));
    }
    for (p, (name, t)) in slots.iter().zip(state) {
        if p.name() != name || p.value().shape() != t.shape() {
            return Err(format!(
                "{what}: received {name} {:?} where the policy has {} {:?}",
                t.shape(),
                p.name(),
                p.value().shape()
            ));
        }
    }
    slots.iter().zip(state).for_each(|(p, (_, t))| p.set(t.to(&p.value().device())));
    Ok(())
}

/// Checks that `view` shows the skill model's priors what they were trained on: the same input kind,
/// frames for image input, and (state input) a state of the width the prior's first layer takes
/// (`prior_in_dim`, without extra inputs).
pub(crate) fn check_view(what: &str, view: &ObsView, input: ObsInput, prior_in_dim: usize) -> Result<(), String> {
    match (input, view.input, view.image) {
        (a, b, _) if a != b => Err(format!("{what}: the skill model reads {a:?} input, the observation view {b:?}")),
        (ObsInput::Image, _, None) => Err(format!("{what}: image-input skill model, observations without frames")),
        (ObsInput::State, _, _) if prior_in_dim != view.state_dim => Err(format!(
            "{what}: the skill model's prior takes a {prior_in_dim}-d state, observations have {}",
            view.state_dim
        )),
        _ => Ok(()),
    }
}
