//! A sampler's whole state as bytes, for checkpoints that continue bit for bit: the env's own
//! state (`Env::save_state`), what the observer records, the plan of the running skill, the open
//! (and, in quirk mode, closing) transitions and the episode's bookkeeping.
//!
//! ```text
//! state = env bytes | observer | env_steps u64 | plan (f32[])[] | open? | closing? | episode
//!         | finished episode[]          open = obs f32[] | action f32[] | reward f32 | steps u64
//!         episode = return f64 | length u64 | skills u64 | completed (utf8)[]   (x? = flag u8, x)
//! ```

use super::observe::{Observer, TaskInfo};
use super::sampler::{EpisodeEnd, HierarchicalSampler, Open};
use envs::Env;
use envs::snapshot::{StateReader, StateWriter};

/// Appends `e` (also the wire format of finished episodes).
pub fn write_episode(w: &mut StateWriter, e: &EpisodeEnd) {
    w.f64(e.ret);
    w.usize(e.length);
    w.usize(e.skills);
    w.usize(e.completed.len());
    e.completed.iter().for_each(|name| w.str(name));
}

/// Reads what [`write_episode`] wrote.
pub fn read_episode(r: &mut StateReader) -> Result<EpisodeEnd, String> {
    let (ret, length, skills, n) = (r.f64()?, r.usize()?, r.usize()?, r.usize()?);
    let completed = (0..n).map(|_| r.str()).collect::<Result<_, _>>()?;
    Ok(EpisodeEnd { ret, length, skills, completed })
}

fn write_open(w: &mut StateWriter, open: &Option<Open>) {
    w.bool(open.is_some());
    if let Some(o) = open {
        w.f32s(&o.obs);
        w.f32s(&o.action);
        w.f32(o.reward);
        w.usize(o.steps);
    }
}

fn read_open(r: &mut StateReader) -> Result<Option<Open>, String> {
    if !r.bool()? {
        return Ok(None);
    }
    Ok(Some(Open { obs: r.f32s()?, action: r.f32s()?, reward: r.f32()?, steps: r.usize()? }))
}

impl<E: Env, O: Observer<E>> HierarchicalSampler<E, O>
where
    E::Info: TaskInfo,
{
    /// Everything the next steps depend on; `None` when the env cannot save its state.
    pub fn save_state(&self) -> Option<Vec<u8>> {
        let mut w = StateWriter::default();
        w.bytes(&self.env.save_state()?);
        self.observer.save(&mut w);
        w.usize(self.env_steps);
        w.usize(self.plan.len());
        self.plan.iter().for_each(|a| w.f32s(a));
        write_open(&mut w, &self.open);
        write_open(&mut w, &self.closing);
        write_episode(&mut w, &self.episode);
        w.usize(self.finished.len());
        self.finished.iter().for_each(|e| write_episode(&mut w, e));
        Some(w.0)
    }

    /// Restores [`HierarchicalSampler::save_state`] (from a sampler built with the same env,
    /// observer and config). After an error the sampler is in no defined state: `restart` it.
    pub fn load_state(&mut self, bytes: &[u8]) -> Result<(), String> {
        let mut r = StateReader::new(bytes, "a saved sampler state");
        let env = r.bytes()?;
        self.observer.load(&mut r)?;
        let env_steps = r.usize()?;
        let n = r.usize()?;
        let plan = (0..n).map(|_| r.f32s()).collect::<Result<_, _>>()?;
        let (open, closing, episode) = (read_open(&mut r)?, read_open(&mut r)?, read_episode(&mut r)?);
        let n = r.usize()?;
        let finished = (0..n).map(|_| read_episode(&mut r)).collect::<Result<_, _>>()?;
        r.finish()?;
        self.env.load_state(env).map_err(|e| e.to_string())?;
        (self.env_steps, self.plan, self.open, self.closing) = (env_steps, plan, open, closing);
        (self.episode, self.finished) = (episode, finished);
        Ok(())
    }
}
