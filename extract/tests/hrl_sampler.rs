//! Skill-level bookkeeping of the hierarchical sampler on a scripted toy env: rewards summed over a
//! skill, observations at decisions, done on termination vs time-out, upstream's observation offset,
//! frame stacks, and a saved sampler continuing exactly.

use envs::snapshot::StateRng;
use envs::{BoxSpace, Env, EnvError, StepResult};
use extract::rl::agents::SkillAgent;
use extract::rl::components::ReplayBatch;
use extract::rl::hierarchy::{
    ActionPlanner, FrameSource, FrameStackObserver, HierarchicalSampler, SamplerConfig, StateObserver,
};
use tensor::rand::SeedableRng;
use tensor::{Device, Tensor};

/// obs = [t]; reward = t after step t (so sums identify the steps); terminates after `term` steps,
/// truncates after `limit`.
struct Counter {
    t: usize,
    term: usize,
    limit: usize,
    space: BoxSpace,
}

impl Counter {
    fn new(term: usize, limit: usize) -> Counter {
        Counter { t: 0, term, limit, space: BoxSpace::uniform(1, -1e6, 1e6) }
    }
}

impl Env for Counter {
    type Info = ();
    fn observation_space(&self) -> &BoxSpace {
        &self.space
    }
    fn action_space(&self) -> &BoxSpace {
        &self.space
    }
    fn reset(&mut self, _: Option<u64>) -> (Vec<f32>, ()) {
        self.t = 0;
        (vec![0.0], ())
    }
    fn step(&mut self, _: &[f32]) -> StepResult<()> {
        self.t += 1;
        let t = self.t;
        StepResult {
            obs: vec![t as f32],
            reward: t as f32,
            terminated: t >= self.term,
            truncated: t >= self.limit,
            info: (),
        }
    }
    fn save_state(&self) -> Option<Vec<u8>> {
        Some((self.t as u64).to_le_bytes().to_vec())
    }
    fn load_state(&mut self, bytes: &[u8]) -> Result<(), EnvError> {
        let b: [u8; 8] = bytes.try_into().map_err(|_| EnvError::State("8 bytes".into()))?;
        self.t = u64::from_le_bytes(b) as usize;
        Ok(())
    }
}

/// HL action = [number of decisions so far]; skills last 3 steps.
struct Scripted {
    decisions: usize,
    rng: StateRng,
}

impl Scripted {
    fn new() -> Scripted {
        Scripted { decisions: 0, rng: StateRng::seed_from_u64(0) }
    }
}

impl SkillAgent for Scripted {
    fn name(&self) -> &'static str {
        "scripted"
    }
    fn action_dim(&self) -> usize {
        1
    }
    fn act(&mut self, obs: &Tensor) -> Tensor {
        assert_eq!(obs.shape()[0], 1);
        self.decisions += 1;
        Tensor::from_vec(vec![self.decisions as f32], &[1, 1])
    }
    fn act_warmup(&mut self, _: &Tensor) -> Tensor {
        Tensor::from_vec(vec![-1.0], &[1, 1])
    }
    fn update(&mut self, _: &ReplayBatch) -> Vec<(&'static str, f32)> {
        vec![]
    }
    fn state_dict(&self) -> Vec<(String, Tensor)> {
        vec![]
    }
    fn load_state_dict(&mut self, _: &[(String, Tensor)]) -> Result<(), String> {
        Ok(())
    }
    fn to_device(&self, _: &Device) {}
    fn rng_mut(&mut self) -> &mut StateRng {
        &mut self.rng
    }
}

struct ThreeSteps;

impl ActionPlanner for ThreeSteps {
    fn plan(&self, _: &[f32]) -> Vec<Vec<f32>> {
        vec![vec![0.0]; 3]
    }
}

fn sampler(term: usize, limit: usize, cfg: SamplerConfig) -> HierarchicalSampler<Counter, StateObserver> {
    HierarchicalSampler::new(Counter::new(term, limit), StateObserver::default(), cfg, 0).unwrap()
}

#[test]
fn skills_sum_their_rewards_and_end_at_the_next_decision() {
    let mut s = sampler(7, 100, SamplerConfig::default());
    let mut agent = Scripted::new();
    let ts = s.collect(&mut agent, &ThreeSteps, 3).unwrap();
    // Skills: steps 1-3, 4-6, then 7 (the episode terminates after one step of the third skill).
    let got: Vec<_> = ts.iter().map(|t| (t.obs[0], t.action[0], t.reward, t.next_obs[0], t.done, t.steps)).collect();
    assert_eq!(
        got,
        vec![(0.0, 1.0, 6.0, 3.0, false, 3), (3.0, 2.0, 15.0, 6.0, false, 3), (6.0, 3.0, 7.0, 7.0, true, 1)]
    );
    let eps = s.take_episodes();
    assert_eq!(eps.len(), 1);
    assert_eq!((eps[0].ret, eps[0].length, eps[0].skills), (28.0, 7, 3));
    // The next episode starts from a reset with a fresh skill.
    let t = s.collect(&mut agent, &ThreeSteps, 1).unwrap().remove(0);
    assert_eq!((t.obs[0], t.action[0], t.reward, t.next_obs[0]), (0.0, 4.0, 6.0, 3.0));
    // A skill closes when the next one is decided, just before its first step.
    assert_eq!(s.env_steps, 11);
}

#[test]
fn warm_up_decisions_come_from_act_warmup() {
    let mut s = sampler(100, 100, SamplerConfig::default());
    let mut agent = Scripted::new();
    s.warmup = true;
    let warm = s.collect(&mut agent, &ThreeSteps, 2).unwrap();
    s.warmup = false;
    let after = s.collect(&mut agent, &ThreeSteps, 1).unwrap();
    let actions: Vec<f32> = warm.iter().chain(&after).map(|t| t.action[0]).collect();
    // The third skill was decided (with warm-up on) when the second closed; the fourth by the policy.
    assert_eq!(actions, vec![-1.0, -1.0, -1.0]);
    assert_eq!(s.collect(&mut agent, &ThreeSteps, 1).unwrap()[0].action, vec![1.0]);
}

#[test]
fn timeouts_are_done_only_when_asked() {
    for (timeout_is_done, want) in [(false, false), (true, true)] {
        let mut s = sampler(100, 5, SamplerConfig { timeout_is_done, ..Default::default() });
        let ts = s.collect(&mut Scripted::new(), &ThreeSteps, 2).unwrap();
        assert_eq!((ts[1].reward, ts[1].steps, ts[1].done), (9.0, 2, want));
    }
}

#[test]
fn upstream_offset_quirk_shifts_observations_by_one_step() {
    let cfg = SamplerConfig { obs_offset_quirk: true, ..Default::default() };
    let mut s = sampler(100, 100, cfg);
    let ts = s.collect(&mut Scripted::new(), &ThreeSteps, 2).unwrap();
    // First decision of the episode: obs s_0, next obs s_4 (after the next skill's first action).
    assert_eq!((ts[0].obs[0], ts[0].reward, ts[0].next_obs[0]), (0.0, 6.0, 4.0));
    // Later decisions: obs s_4 (one step late), next obs s_7; rewards still r_4..r_6.
    assert_eq!((ts[1].obs[0], ts[1].reward, ts[1].next_obs[0]), (4.0, 15.0, 7.0));
}

/// A 2x2 "image" whose pixels all hold the env's step count; counts the frames it draws.
#[derive(Default)]
struct CountFrames {
    drawn: std::rc::Rc<std::cell::Cell<usize>>,
}

impl FrameSource<Counter> for CountFrames {
    fn capture(&self, env: &Counter) -> Vec<f64> {
        vec![env.t as f64]
    }
    fn render_state(&mut self, state: &[f64]) -> Result<Vec<u8>, String> {
        self.drawn.set(self.drawn.get() + 1);
        Ok(vec![state[0] as u8; 2 * 2 * 3])
    }
    fn res(&self) -> usize {
        2
    }
}

#[test]
fn frame_stacks_start_with_copies_of_the_first_frame_and_keep_the_newest_last() {
    let obs = FrameStackObserver::new(CountFrames::default(), 3);
    let mut s = HierarchicalSampler::new(Counter::new(100, 100), obs, SamplerConfig::default(), 0).unwrap();
    assert_eq!(s.obs_dim(), 1 + 3 * 12);
    let ts = s.collect(&mut Scripted::new(), &ThreeSteps, 2).unwrap();
    let frame_values = |o: &[f32]| -> Vec<f32> { o[1..].chunks(12).map(|f| f[0]).collect() };
    let px = |t: u8| t as f32 / 127.5 - 1.0;
    assert_eq!(frame_values(&ts[0].obs), vec![px(0); 3]);
    assert_eq!(frame_values(&ts[0].next_obs), vec![px(1), px(2), px(3)]);
    assert_eq!(frame_values(&ts[1].next_obs), vec![px(4), px(5), px(6)]);
    assert!(ts[1].next_obs[1..].chunks(12).all(|f| f.iter().all(|&v| v == f[0])));
}

struct EightSteps;

impl ActionPlanner for EightSteps {
    fn plan(&self, _: &[f32]) -> Vec<Vec<f32>> {
        vec![vec![0.0]; 8]
    }
}

#[test]
fn frames_are_drawn_only_when_a_decision_or_an_episode_end_reads_them() {
    let source = CountFrames::default();
    let drawn = source.drawn.clone();
    let obs = FrameStackObserver::new(source, 3);
    // Terminates at step 20, in the middle of the third skill.
    let mut s = HierarchicalSampler::new(Counter::new(20, 100), obs, SamplerConfig::default(), 0).unwrap();
    let ts = s.collect(&mut Scripted::new(), &EightSteps, 3).unwrap();
    let frame_values = |o: &[f32]| -> Vec<f32> { o[1..].chunks(12).map(|f| f[0]).collect() };
    let px = |t: u8| t as f32 / 127.5 - 1.0;
    assert_eq!(frame_values(&ts[0].next_obs), vec![px(6), px(7), px(8)]);
    assert_eq!(frame_values(&ts[1].next_obs), vec![px(14), px(15), px(16)]);
    assert_eq!(frame_values(&ts[2].next_obs), vec![px(18), px(19), px(20)]);
    assert!(ts[2].done);
    // The reset frame, then 3 per decision and 3 at the episode's end (the next reset draws one
    // more); rendering every step would have drawn 21 + 1.
    assert_eq!(drawn.get(), 1 + 3 + 3 + 3 + 1);
}

#[test]
fn a_saved_sampler_continues_exactly_in_the_middle_of_a_skill() {
    for obs_offset_quirk in [false, true] {
        let cfg = SamplerConfig { obs_offset_quirk, ..Default::default() };
        let make = || {
            let obs = FrameStackObserver::new(CountFrames::default(), 3);
            HierarchicalSampler::new(Counter::new(20, 100), obs, cfg, 0).unwrap()
        };
        let mut s = make();
        let mut agent = Scripted::new();
        s.collect(&mut agent, &EightSteps, 1).unwrap();
        let saved = s.save_state().expect("the toy env saves its state");
        let decisions = agent.decisions;
        // Across the episode's end (step 20) and into the next episode.
        let straight = (s.collect(&mut agent, &EightSteps, 4).unwrap(), s.take_episodes(), s.env_steps);
        let mut other = make();
        other.collect(&mut Scripted::new(), &ThreeSteps, 2).unwrap();
        other.load_state(&saved).unwrap();
        let mut agent = Scripted { decisions, ..Scripted::new() };
        let resumed = (other.collect(&mut agent, &EightSteps, 4).unwrap(), other.take_episodes(), other.env_steps);
        assert_eq!(straight, resumed, "obs_offset_quirk = {obs_offset_quirk}");
        assert_eq!(straight.1.len(), 1);
        assert!(other.load_state(&saved[..saved.len() - 1]).is_err());
    }
}
