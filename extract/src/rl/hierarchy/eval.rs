//! Evaluation episodes of the hierarchical loop: return and per-subtask completion from fixed
//! initial states, the first episode filmed to an animated PNG.

use super::config::HrlConfig;
use super::low_level::ActionPlanner;
use super::observe::{Observer, TaskInfo};
use super::sampler::{EpisodeEnd, HierarchicalSampler};
use super::train::HrlRun;
use super::video::write_apng;
use crate::rl::agents::SkillAgent;
use crate::rl::train::EVAL_SEED;
use envs::Env;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One evaluation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HrlEval {
    pub step: usize,
    pub return_mean: f64,
    pub return_std: f64,
    pub returns: Vec<f64>,
    /// Fraction of the evaluation episodes that completed each subtask.
    pub completion: BTreeMap<String, f64>,
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    (mean, (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt())
}

/// Frames per second of evaluation videos (one env step is 0.08 s in the kitchen).
pub const VIDEO_FPS: u16 = 12;

/// `eval_episodes` episodes from the fixed initial states, summarised; the first is filmed to
/// `video = (path, res)` when given and the sampler has a recorder.
pub fn evaluate<E: Env, O: Observer<E>>(
    agent: &mut dyn SkillAgent,
    ll: &dyn ActionPlanner,
    sampler: &mut HierarchicalSampler<E, O>,
    episodes: usize,
    step: usize,
    video: Option<(&Path, usize)>,
) -> Result<HrlEval, String>
where
    E::Info: TaskInfo,
{
    let mut ends: Vec<EpisodeEnd> = Vec::with_capacity(episodes);
    for i in 0..episodes as u64 {
        if i == 0 && video.is_some() && sampler.can_record() {
            let (end, frames) = sampler.recorded_episode(agent, ll, EVAL_SEED)?;
            if let Some((path, res)) = video {
                write_apng(path, &frames, res, VIDEO_FPS)?;
            }
            ends.push(end);
        } else {
            ends.push(sampler.episode(agent, ll, EVAL_SEED + i)?);
        }
    }
    let returns: Vec<f64> = ends.iter().map(|e| e.ret).collect();
    let (return_mean, return_std) = mean_std(&returns);
    let mut completion = BTreeMap::new();
    for task in ends.iter().flat_map(|e| e.completed.iter()) {
        *completion.entry(task.clone()).or_insert(0.0) += 1.0 / episodes.max(1) as f64;
    }
    Ok(HrlEval { step, return_mean, return_std, returns, completion })
}

/// Where the video of the evaluation at `step` goes (`videos/eval_step{N}.png`), if the run films.
pub(super) fn video(run: &HrlRun, cfg: &HrlConfig, step: usize) -> Option<(PathBuf, usize)> {
    let res = (cfg.video_res > 0).then_some(cfg.video_res)?;
    let dir = run.dir.join("videos");
    std::fs::create_dir_all(&dir).ok()?;
    Some((dir.join(format!("eval_step{step}.png")), res))
}

pub(super) fn write_eval(run: &mut HrlRun, e: &HrlEval, t0: &Instant) -> Result<(), String> {
    let line = json!({"kind": "eval", "step": e.step, "return_mean": e.return_mean, "return_std": e.return_std,
        "returns": e.returns, "completion": e.completion, "wall_s": t0.elapsed().as_secs_f64()});
    run.metrics.write(&line).map_err(|e| e.to_string())
}
