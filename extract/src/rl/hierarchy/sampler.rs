//! `HierarchicalSampler` (upstream `HierarchicalSampler` + `MixedIntervalHierarchicalAgent`): runs
//! one env, asking the HL agent for a skill whenever the LL plan is empty, and turns each executed
//! skill into one HL transition.
//!
//! ```text
//! HL transition = (obs at the decision, HL action, sum of the env rewards while the skill ran,
//!                  obs at the next decision (or the episode's last obs), done)
//! ```
//! `done` is set when the episode terminates, and also on time-outs when `timeout_is_done` (upstream
//! stores every episode end as done). `obs_offset_quirk` reproduces upstream's bookkeeping (spec §9):
//! except for an episode's first decision, the stored obs is the one *after* the skill's first action
//! and next-obs the one after the next skill's first action (rewards are summed correctly either way).

use super::low_level::ActionPlanner;
use super::observe::{FrameSource, Observer, TaskInfo};
use crate::rl::agents::SkillAgent;
use envs::Env;
use std::collections::VecDeque;
use tensor::Tensor;

/// Sampler switches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SamplerConfig {
    /// Store time-outs as done (upstream) instead of bootstrapping through them.
    pub timeout_is_done: bool,
    /// Upstream's one-step observation offset (spec §9), off by default.
    pub obs_offset_quirk: bool,
}

/// One skill-level transition.
#[derive(Clone, Debug, PartialEq)]
pub struct HlTransition {
    pub obs: Vec<f32>,
    pub action: Vec<f32>,
    pub reward: f32,
    pub next_obs: Vec<f32>,
    pub done: bool,
    /// Env steps the skill ran.
    pub steps: usize,
}

/// How one episode went.
#[derive(Clone, Debug, PartialEq)]
pub struct EpisodeEnd {
    pub ret: f64,
    pub length: usize,
    /// Skills (HL decisions) taken.
    pub skills: usize,
    pub completed: Vec<String>,
}

/// A skill that is running: its transition so far.
pub(super) struct Open {
    pub(super) obs: Vec<f32>,
    pub(super) action: Vec<f32>,
    pub(super) reward: f32,
    pub(super) steps: usize,
}

impl Open {
    fn close(self, next_obs: &[f32], done: bool) -> HlTransition {
        HlTransition {
            obs: self.obs,
            action: self.action,
            reward: self.reward,
            next_obs: next_obs.to_vec(),
            done,
            steps: self.steps,
        }
    }
}

/// One env driven by an HL agent and a frozen LL decoder.
pub struct HierarchicalSampler<E: Env, O: Observer<E>> {
    pub env: E,
    pub(super) observer: O,
    cfg: SamplerConfig,
    pub(super) plan: VecDeque<Vec<f32>>,
    pub(super) open: Option<Open>,
    /// Quirk mode: the previous skill, closed after the next env step.
    pub(super) closing: Option<Open>,
    pub(super) episode: EpisodeEnd,
    /// Env steps taken in total.
    pub env_steps: usize,
    /// Decide skills with [`SkillAgent::act_warmup`] (set by the loop before the first update).
    pub warmup: bool,
    /// Episodes finished since the last `take_episodes`.
    pub(super) finished: Vec<EpisodeEnd>,
    /// Renders video frames of recorded episodes.
    recorder: Option<Box<dyn FrameSource<E>>>,
    /// Frames of the episode being recorded.
    recording: Option<Vec<Vec<u8>>>,
}

impl<E: Env, O: Observer<E>> HierarchicalSampler<E, O>
where
    E::Info: TaskInfo,
{
    /// Starts the first episode with `reset(Some(seed))`; later episodes continue the env's stream.
    pub fn new(mut env: E, mut observer: O, cfg: SamplerConfig, seed: u64) -> Result<Self, String> {
        let (o, _) = env.reset(Some(seed));
        observer.reset(&env, &o)?;
        let episode = EpisodeEnd { ret: 0.0, length: 0, skills: 0, completed: vec![] };
        let (plan, open, closing, finished) = (VecDeque::new(), None, None, Vec::new());
        Ok(HierarchicalSampler {
            env,
            observer,
            cfg,
            plan,
            open,
            closing,
            episode,
            env_steps: 0,
            warmup: false,
            finished,
            recorder: None,
            recording: None,
        })
    }

    /// Lets [`HierarchicalSampler::recorded_episode`] film episodes with `recorder`.
    pub fn with_recorder(mut self, recorder: Box<dyn FrameSource<E>>) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// True when a recorder is attached.
    pub fn can_record(&self) -> bool {
        self.recorder.is_some()
    }

    /// [`HierarchicalSampler::episode`], also returning its frames (first state, then one per step;
    /// empty without a recorder).
    pub fn recorded_episode(
        &mut self,
        agent: &mut dyn SkillAgent,
        ll: &dyn ActionPlanner,
        seed: u64,
    ) -> Result<(EpisodeEnd, Vec<Vec<u8>>), String> {
        self.recording = self.recorder.is_some().then(Vec::new);
        let end = self.episode(agent, ll, seed);
        let frames = self.recording.take().unwrap_or_default();
        Ok((end?, frames))
    }

    fn film(&mut self) -> Result<(), String> {
        if let (Some(rec), Some(frames)) = (self.recorder.as_mut(), self.recording.as_mut()) {
            frames.push(rec.render(&self.env)?);
        }
        Ok(())
    }

    /// Width of the flat observations.
    pub fn obs_dim(&self) -> usize {
        self.observer.dim(&self.env)
    }

    /// Runs the env until `n` HL transitions are complete; returns them (in order).
    pub fn collect(
        &mut self,
        agent: &mut dyn SkillAgent,
        ll: &dyn ActionPlanner,
        n: usize,
    ) -> Result<Vec<HlTransition>, String> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            self.env_step(agent, ll, &mut out)?;
        }
        Ok(out)
    }

    /// Runs one whole episode from `reset(Some(seed))` and returns how it went (the transitions
    /// are dropped: evaluation). The sampler is left at the start of a fresh episode.
    pub fn episode(
        &mut self,
        agent: &mut dyn SkillAgent,
        ll: &dyn ActionPlanner,
        seed: u64,
    ) -> Result<EpisodeEnd, String> {
        self.restart(Some(seed))?;
        self.film()?;
        let mut sink = Vec::new();
        while self.finished.is_empty() {
            self.env_step(agent, ll, &mut sink)?;
        }
        Ok(self.finished.remove(0))
    }

    /// Episodes finished since the last call.
    pub fn take_episodes(&mut self) -> Vec<EpisodeEnd> {
        std::mem::take(&mut self.finished)
    }

    /// Drops the running episode (no transition) and resets.
    pub fn restart(&mut self, seed: Option<u64>) -> Result<(), String> {
        let (o, _) = self.env.reset(seed);
        self.observer.reset(&self.env, &o)?;
        (self.plan, self.open, self.closing) = (VecDeque::new(), None, None);
        self.episode = EpisodeEnd { ret: 0.0, length: 0, skills: 0, completed: vec![] };
        self.finished.clear();
        Ok(())
    }

    /// One env step, deciding a new skill first when the plan is empty; closed transitions go to `out`.
    fn env_step(
        &mut self,
        agent: &mut dyn SkillAgent,
        ll: &dyn ActionPlanner,
        out: &mut Vec<HlTransition>,
    ) -> Result<(), String> {
        if self.plan.is_empty() {
            let obs = self.observer.current()?;
            let obs_row = Tensor::from_slice(&obs, &[1, obs.len()]);
            let action = match self.warmup {
                true => agent.act_warmup(&obs_row),
                false => agent.act(&obs_row),
            }
            .to_vec();
            self.plan = ll.plan(&action).into();
            if self.plan.is_empty() {
                return Err("the low level returned an empty action plan".into());
            }
            let fresh = Open { obs: obs.clone(), action, reward: 0.0, steps: 0 };
            if let Some(prev) = self.open.replace(fresh) {
                match self.cfg.obs_offset_quirk {
                    true => self.closing = Some(prev),
                    false => out.push(prev.close(&obs, false)),
                }
            }
            self.episode.skills += 1;
        }
        let Some(action) = self.plan.pop_front() else { unreachable!("plans are checked to be non-empty") };
        let r = self.env.step(&action);
        self.env_steps += 1;
        self.episode.ret += r.reward as f64;
        self.episode.length += 1;
        self.observer.step(&self.env, &r.obs)?;
        if !r.done() {
            self.film()?;
        }
        let open = self.open.as_mut().expect("a skill is running");
        open.reward += r.reward;
        open.steps += 1;
        if let Some(prev) = self.closing.take() {
            // Upstream's offset: the previous skill ends, and the running one "starts", one step late.
            let obs = self.observer.current()?;
            out.push(prev.close(&obs, false));
            open.obs = obs;
        }
        if r.done() {
            let done = r.terminated || (r.truncated && self.cfg.timeout_is_done);
            let obs = self.observer.current()?;
            out.push(self.open.take().expect("a skill is running").close(&obs, done));
            let mut ended =
                std::mem::replace(&mut self.episode, EpisodeEnd { ret: 0.0, length: 0, skills: 0, completed: vec![] });
            ended.completed = r.info.completed_tasks().into_iter().map(String::from).collect();
            self.finished.push(ended);
            let (o, _) = self.env.reset(None);
            self.observer.reset(&self.env, &o)?;
            self.plan.clear();
        }
        Ok(())
    }
}
