//! The bytes the workers exchange: one [`Report`] per worker per iteration (gathered), and the
//! learner's policy parameters (broadcast). Little-endian, lengths as u64, floats as f32 bit
//! patterns, so values arrive exactly.
//!
//! ```text
//! report  = env_steps u64 | n_transitions u64 | n_episodes u64 | transition* | episode*
//! transition = obs f32[] | action f32[] | reward f32 | next_obs f32[] | done u8 | steps u64
//! episode = return f64 | length u64 | skills u64 | completed (utf8[])      (x[] = count u64, items)
//! params  = every tensor's values in the receiver's own `acting_state` order (f32[] per tensor)
//! ```

use crate::rl::hierarchy::{EpisodeEnd, HlTransition, read_episode, write_episode};
use envs::snapshot::{StateReader, StateWriter};
use tensor::Tensor;

/// What one worker did in one iteration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub env_steps: usize,
    pub transitions: Vec<HlTransition>,
    pub episodes: Vec<EpisodeEnd>,
}

const REPORT: &str = "a worker's report";

impl Report {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = StateWriter::default();
        w.usize(self.env_steps);
        w.usize(self.transitions.len());
        w.usize(self.episodes.len());
        for t in &self.transitions {
            w.f32s(&t.obs);
            w.f32s(&t.action);
            w.f32(t.reward);
            w.f32s(&t.next_obs);
            w.bool(t.done);
            w.usize(t.steps);
        }
        self.episodes.iter().for_each(|e| write_episode(&mut w, e));
        w.0
    }

    /// `(env_steps, transitions)` of an encoded report, without decoding the rest.
    pub fn counts(bytes: &[u8]) -> Result<(usize, usize), String> {
        let mut r = StateReader::new(bytes, REPORT);
        Ok((r.usize()?, r.usize()?))
    }

    pub fn decode(bytes: &[u8]) -> Result<Report, String> {
        let mut r = StateReader::new(bytes, REPORT);
        let (env_steps, n_t, n_e) = (r.usize()?, r.usize()?, r.usize()?);
        let mut transitions = Vec::with_capacity(n_t.min(1 << 16));
        for _ in 0..n_t {
            let (obs, action, reward, next_obs) = (r.f32s()?, r.f32s()?, r.f32()?, r.f32s()?);
            transitions.push(HlTransition { obs, action, reward, next_obs, done: r.bool()?, steps: r.usize()? });
        }
        let episodes = (0..n_e).map(|_| read_episode(&mut r)).collect::<Result<_, _>>()?;
        r.finish()?;
        Ok(Report { env_steps, transitions, episodes })
    }
}

/// The values of `state`'s tensors, in order.
pub fn encode_params(state: &[(String, Tensor)]) -> Vec<u8> {
    let mut w = StateWriter::default();
    state.iter().for_each(|(_, t)| w.f32s(&t.to_vec()));
    w.0
}

/// Tensors named and shaped like `template` holding the values of `bytes`; the counts must match.
pub fn decode_params(template: &[(String, Tensor)], bytes: &[u8]) -> Result<Vec<(String, Tensor)>, String> {
    let mut r = StateReader::new(bytes, "the parameter message");
    let out = template
        .iter()
        .map(|(name, t)| {
            let v = r.f32s()?;
            if v.len() != t.numel() {
                return Err(format!("parameter {name}: {} values received, {} expected", v.len(), t.numel()));
            }
            Ok((name.clone(), Tensor::from_vec(v, t.shape())))
        })
        .collect::<Result<Vec<_>, String>>()?;
    r.finish().map_err(|e| format!("{e} (more than this agent's parameters)"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_round_trip_exactly() {
        let t = |x: f32, done| HlTransition {
            obs: vec![x, -0.0, f32::MIN_POSITIVE],
            action: vec![3.0, x / 7.0],
            reward: x * 0.1,
            next_obs: vec![x + 1.0; 3],
            done,
            steps: 17,
        };
        let e = EpisodeEnd { ret: 2.0, length: 280, skills: 11, completed: vec!["microwave".into(), "kettle".into()] };
        let report = Report { env_steps: 42, transitions: vec![t(1.5, false), t(-2.25, true)], episodes: vec![e] };
        let bytes = report.encode();
        assert_eq!(Report::counts(&bytes).unwrap(), (42, 2));
        assert_eq!(Report::decode(&bytes).unwrap(), report);
        assert!(Report::decode(&bytes[..bytes.len() - 1]).unwrap_err().contains("a worker's report"));
    }

    #[test]
    fn params_round_trip_and_check_counts() {
        let state = vec![
            ("a".to_string(), Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])),
            ("b".to_string(), Tensor::from_vec(vec![5.0], &[1])),
        ];
        let back = decode_params(&state, &encode_params(&state)).unwrap();
        assert_eq!(
            back.iter().map(|(n, t)| (n.clone(), t.to_vec())).collect::<Vec<_>>(),
            vec![("a".to_string(), vec![1.0, 2.0, 3.0, 4.0]), ("b".to_string(), vec![5.0])]
        );
        let short = vec![state[0].clone()];
        assert!(decode_params(&state, &encode_params(&short)).is_err());
        assert!(decode_params(&short, &encode_params(&state)).unwrap_err().contains("past its end"));
    }
}
