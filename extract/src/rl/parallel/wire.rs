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

use crate::rl::hierarchy::{EpisodeEnd, HlTransition};
use tensor::Tensor;

/// What one worker did in one iteration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub env_steps: usize,
    pub transitions: Vec<HlTransition>,
    pub episodes: Vec<EpisodeEnd>,
}

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn u64(&mut self, v: usize) {
        self.0.extend_from_slice(&(v as u64).to_le_bytes());
    }
    fn f32s(&mut self, v: &[f32]) {
        self.u64(v.len());
        self.0.reserve(4 * v.len());
        v.iter().for_each(|x| self.0.extend_from_slice(&x.to_le_bytes()));
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        if self.bytes.len() < n {
            return Err(format!("a worker message ends early ({} bytes left, {n} wanted)", self.bytes.len()));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }
    fn u64(&mut self) -> Result<usize, String> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().unwrap_or_else(|_| unreachable!("8 bytes"))) as usize)
    }
    fn f32(&mut self) -> Result<f32, String> {
        Ok(f32::from_le_bytes(self.take(4)?.try_into().unwrap_or_else(|_| unreachable!("4 bytes"))))
    }
    fn f32s(&mut self) -> Result<Vec<f32>, String> {
        let n = self.u64()?;
        let b = self.take(n.checked_mul(4).ok_or("a worker message has an absurd length")?)?;
        Ok(b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }
}

impl Report {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u64(self.env_steps);
        w.u64(self.transitions.len());
        w.u64(self.episodes.len());
        for t in &self.transitions {
            w.f32s(&t.obs);
            w.f32s(&t.action);
            w.0.extend_from_slice(&t.reward.to_le_bytes());
            w.f32s(&t.next_obs);
            w.0.push(t.done as u8);
            w.u64(t.steps);
        }
        for e in &self.episodes {
            w.0.extend_from_slice(&e.ret.to_le_bytes());
            w.u64(e.length);
            w.u64(e.skills);
            w.u64(e.completed.len());
            for name in &e.completed {
                w.u64(name.len());
                w.0.extend_from_slice(name.as_bytes());
            }
        }
        w.0
    }

    /// `(env_steps, transitions)` of an encoded report, without decoding the rest.
    pub fn counts(bytes: &[u8]) -> Result<(usize, usize), String> {
        let mut r = Reader { bytes };
        Ok((r.u64()?, r.u64()?))
    }

    pub fn decode(bytes: &[u8]) -> Result<Report, String> {
        let mut r = Reader { bytes };
        let (env_steps, n_t, n_e) = (r.u64()?, r.u64()?, r.u64()?);
        let mut transitions = Vec::with_capacity(n_t.min(1 << 16));
        for _ in 0..n_t {
            let (obs, action, reward, next_obs) = (r.f32s()?, r.f32s()?, r.f32()?, r.f32s()?);
            let done = r.take(1)?[0] != 0;
            transitions.push(HlTransition { obs, action, reward, next_obs, done, steps: r.u64()? });
        }
        let mut episodes = Vec::with_capacity(n_e.min(1 << 16));
        for _ in 0..n_e {
            let ret = f64::from_le_bytes(r.take(8)?.try_into().unwrap_or_else(|_| unreachable!("8 bytes")));
            let (length, skills, n) = (r.u64()?, r.u64()?, r.u64()?);
            let completed = (0..n)
                .map(|_| {
                    let len = r.u64()?;
                    String::from_utf8(r.take(len)?.to_vec()).map_err(|_| "a subtask name is not UTF-8".to_string())
                })
                .collect::<Result<_, String>>()?;
            episodes.push(EpisodeEnd { ret, length, skills, completed });
        }
        if !r.bytes.is_empty() {
            return Err(format!("a worker message has {} bytes past its end", r.bytes.len()));
        }
        Ok(Report { env_steps, transitions, episodes })
    }
}

/// The values of `state`'s tensors, in order.
pub fn encode_params(state: &[(String, Tensor)]) -> Vec<u8> {
    let mut w = Writer::default();
    state.iter().for_each(|(_, t)| w.f32s(&t.to_vec()));
    w.0
}

/// Tensors named and shaped like `template` holding the values of `bytes`; the counts must match.
pub fn decode_params(template: &[(String, Tensor)], bytes: &[u8]) -> Result<Vec<(String, Tensor)>, String> {
    let mut r = Reader { bytes };
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
    match r.bytes.is_empty() {
        true => Ok(out),
        false => Err(format!("the parameter message has {} bytes more than this agent's parameters", r.bytes.len())),
    }
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
        assert!(Report::decode(&bytes[..bytes.len() - 1]).unwrap_err().contains("ends early"));
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
        assert!(decode_params(&short, &encode_params(&state)).unwrap_err().contains("bytes more"));
    }
}
