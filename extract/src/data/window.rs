//! `Window`: one training sample as indices into `StepData`, and `collate`, which turns windows into a
//! right-padded `Batch` (upstream's `pad_sequence` collate).

use super::batch::Batch;
use super::steps::{Observations, StepData};
use std::ops::Range;
use tensor::Tensor;

/// One sample: which steps make its observation, which actions are its targets, and its labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// Steps whose observations form the prior input, oldest first: F frames, or one state.
    pub obs_steps: Vec<usize>,
    /// Per regression target, the step whose action it is; `None` is a zero pad action (only under
    /// `quirk_pad_actions_in_targets`).
    pub targets: Vec<Option<usize>>,
    /// Skill-progress target per regression target (zeros outside EXTRACT).
    pub progress: Vec<f32>,
    /// Skill id of the window (0 outside EXTRACT).
    pub skill: u32,
    /// Real steps the window covers, over which `skill_logprobs` are averaged.
    pub steps: Range<usize>,
}

impl Window {
    /// Number of regression targets.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }
}

/// Stacks `windows` into a batch: `T` = the longest window's target count; shorter windows are
/// right-padded with zero actions, zero progress and mask 0; `last_action_index` = own length - 1.
pub fn collate(data: &StepData, windows: &[Window]) -> Batch {
    assert!(!windows.is_empty(), "collate: no windows");
    let b = windows.len();
    let t = windows.iter().map(Window::len).max().unwrap_or(0);
    assert!(t > 0, "collate: a batch without regression targets");
    let a = data.action_dim;
    let frames = windows[0].obs_steps.len();
    let obs_len = data.obs_len(frames);
    let mut obs = vec![0.0f32; b * obs_len];
    let mut actions = vec![0.0f32; b * t * a];
    let mut mask = vec![0.0f32; b * t];
    let mut progress = vec![0.0f32; b * t];
    for (i, w) in windows.iter().enumerate() {
        assert_eq!(w.obs_steps.len(), frames, "collate: windows with different observation lengths");
        assert_eq!(w.progress.len(), w.len(), "collate: progress and targets differ in length");
        data.write_obs(&w.obs_steps, &mut obs[i * obs_len..(i + 1) * obs_len]);
        for (k, target) in w.targets.iter().enumerate() {
            if let Some(step) = target {
                actions[(i * t + k) * a..(i * t + k + 1) * a].copy_from_slice(data.action(*step));
            }
            mask[i * t + k] = 1.0;
            progress[i * t + k] = w.progress[k];
        }
    }
    let obs_shape = match &data.obs {
        Observations::Frames { res, .. } => vec![b, 3 * frames, *res, *res],
        Observations::States { dim, .. } => vec![b, *dim],
    };
    let skills: Vec<f32> = windows.iter().map(|w| w.skill as f32).collect();
    let last: Vec<f32> = windows.iter().map(|w| (w.len() - 1) as f32).collect();
    Batch {
        obs: Tensor::from_vec(obs, &obs_shape),
        actions: Tensor::from_vec(actions, &[b, t, a]),
        action_mask: Tensor::from_vec(mask, &[b, t]),
        progress: Tensor::from_vec(progress, &[b, t]),
        skills: Tensor::from_vec(skills, &[b]),
        last_action_index: Tensor::from_vec(last, &[b]),
        skill_logprobs: mean_logprobs(data, windows),
    }
}

/// `[B, K]`: per window, the mean of the per-step cluster log-probabilities over its real steps.
fn mean_logprobs(data: &StepData, windows: &[Window]) -> Option<Tensor> {
    let (lp, k) = data.logprobs.as_ref()?;
    let mut out = vec![0.0f32; windows.len() * k];
    for (i, w) in windows.iter().enumerate() {
        let row = &mut out[i * k..(i + 1) * k];
        for step in w.steps.clone() {
            row.iter_mut().zip(&lp[step * k..(step + 1) * k]).for_each(|(r, v)| *r += v);
        }
        let n = w.steps.len().max(1) as f32;
        row.iter_mut().for_each(|r| *r /= n);
    }
    Some(Tensor::from_vec(out, &[windows.len(), *k]))
}
