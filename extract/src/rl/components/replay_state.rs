//! Saving and restoring a `ReplayBuffer`: a state dict of named f32 tensors (to put into a
//! training checkpoint beside the agent's) and a compact file of its own (image bytes as u8).
//!
//! Entries (only the filled rows, in storage order, so a restored buffer continues exactly):
//! `capacity`, `cursor`, `len` (scalars), `obs.state [len, state_dim]`, `obs.image [len, image_dim]`
//! (byte values 0..=255), the same for `next_obs.*`, `action [len, action_dim]`, `reward [len]`,
//! `done [len]`, and with features `obs.features`, `next_obs.features [len, feature_dim]`. Image,
//! state or feature entries are left out when that part has no coordinates.

use super::obs_store::ObsStore;
use super::replay_buffer::ReplayBuffer;
use safetensors::tensor::{Dtype, View};
use std::borrow::Cow;
use std::path::Path;
use tensor::Tensor;

/// Counts travel as f32 scalars: exact up to 2^24.
const MAX_EXACT: usize = 1 << 24;

fn find<'a>(state: &'a [(String, Tensor)], key: &str) -> Result<&'a Tensor, String> {
    state.iter().find(|(k, _)| k == key).map(|(_, t)| t).ok_or_else(|| format!("replay state has no '{key}' entry"))
}

fn count(state: &[(String, Tensor)], key: &str) -> Result<usize, String> {
    let v = find(state, key)?.to_vec();
    match v.as_slice() {
        [x] if *x >= 0.0 && x.fract() == 0.0 => Ok(*x as usize),
        _ => Err(format!("replay state '{key}' is {v:?}, expected one non-negative integer")),
    }
}

/// The f32 values of `key`, checked to have shape `[rows, cols]` (`[rows]` when `cols` is `None`).
fn rows_of(state: &[(String, Tensor)], key: &str, rows: usize, cols: Option<usize>) -> Result<Vec<f32>, String> {
    let t = find(state, key)?;
    let want: Vec<usize> = std::iter::once(rows).chain(cols).collect();
    if t.shape() != want.as_slice() {
        return Err(format!("replay state '{key}' has shape {:?}, expected {want:?}", t.shape()));
    }
    Ok(t.to_vec())
}

impl ObsStore {
    fn entries(&self, prefix: &str, len: usize, out: &mut Vec<(String, Tensor)>) {
        let (s, i) = (self.layout.state_dim, self.layout.image_dim);
        if s > 0 {
            out.push((format!("{prefix}.state"), Tensor::from_slice(&self.state[..len * s], &[len, s])));
        }
        if i > 0 {
            let bytes: Vec<f32> = self.image[..len * i].iter().map(|&b| b as f32).collect();
            out.push((format!("{prefix}.image"), Tensor::from_vec(bytes, &[len, i])));
        }
        let f = self.feature_dim;
        if f > 0 {
            out.push((format!("{prefix}.features"), Tensor::from_slice(&self.features[..len * f], &[len, f])));
        }
    }

    /// The `prefix.*` rows of `state`, checked against this store's layout.
    fn read(&self, state: &[(String, Tensor)], prefix: &str, len: usize) -> Result<ObsRows, String> {
        let (s, i) = (self.layout.state_dim, self.layout.image_dim);
        let st = if s > 0 { rows_of(state, &format!("{prefix}.state"), len, Some(s))? } else { Vec::new() };
        let mut image = Vec::new();
        if i > 0 {
            let key = format!("{prefix}.image");
            let v = rows_of(state, &key, len, Some(i))?;
            if let Some(bad) = v.iter().find(|b| !(0.0..=255.0).contains(*b) || b.fract() != 0.0) {
                return Err(format!("replay state '{key}' holds {bad}, expected bytes 0..=255"));
            }
            image = v.into_iter().map(|b| b as u8).collect();
        }
        // Features are optional: a state saved without them (an older run) leaves them to the caller.
        let (f, key) = (self.feature_dim, format!("{prefix}.features"));
        let present = f > 0 && state.iter().any(|(k, _)| *k == key);
        let features = if present { Some(rows_of(state, &key, len, Some(f))?) } else { None };
        Ok(ObsRows { state: st, image, features })
    }

    /// Writes checked rows into the first rows of the store.
    fn fill(&mut self, rows: ObsRows) {
        self.state[..rows.state.len()].copy_from_slice(&rows.state);
        self.image[..rows.image.len()].copy_from_slice(&rows.image);
        if let Some(f) = &rows.features {
            self.features[..f.len()].copy_from_slice(f);
        }
    }
}

/// Checked rows of one observation column, waiting to be written.
struct ObsRows {
    state: Vec<f32>,
    image: Vec<u8>,
    features: Option<Vec<f32>>,
}

impl ReplayBuffer {
    /// The filled rows and the ring position as named f32 tensors (see the module doc).
    pub fn state_dict(&self) -> Vec<(String, Tensor)> {
        assert!(self.capacity <= MAX_EXACT, "ReplayBuffer::state_dict: capacity {} exceeds 2^24", self.capacity);
        let n = self.len;
        let mut out = vec![
            ("capacity".to_string(), Tensor::scalar(self.capacity as f32)),
            ("cursor".to_string(), Tensor::scalar(self.cursor as f32)),
            ("len".to_string(), Tensor::scalar(n as f32)),
        ];
        self.obs.entries("obs", n, &mut out);
        self.next_obs.entries("next_obs", n, &mut out);
        out.push(("action".into(), Tensor::from_slice(&self.action[..n * self.action_dim], &[n, self.action_dim])));
        out.push(("reward".into(), Tensor::from_slice(&self.reward[..n], &[n])));
        out.push(("done".into(), Tensor::from_slice(&self.done[..n], &[n])));
        out
    }

    /// Restores `state_dict` output into this buffer, which must have the same capacity, layout and
    /// action size. Everything is checked before anything is written; errors name the entry. A
    /// state without the feature entries this buffer keeps loads with
    /// [`ReplayBuffer::features_missing`] set, for the caller to recompute them.
    pub fn load_state_dict(&mut self, state: &[(String, Tensor)]) -> Result<(), String> {
        let (capacity, cursor, len) = (count(state, "capacity")?, count(state, "cursor")?, count(state, "len")?);
        if capacity != self.capacity {
            return Err(format!("replay state 'capacity' is {capacity}, this buffer's is {}", self.capacity));
        }
        if len > capacity || cursor >= capacity || (len < capacity && cursor != len) {
            return Err(format!("replay state: cursor {cursor} and len {len} do not fit capacity {capacity}"));
        }
        // Read and check every entry before writing any, so a failed load changes nothing.
        let (obs, next_obs) = (self.obs.read(state, "obs", len)?, self.next_obs.read(state, "next_obs", len)?);
        let action = rows_of(state, "action", len, Some(self.action_dim))?;
        let (reward, done) = (rows_of(state, "reward", len, None)?, rows_of(state, "done", len, None)?);
        self.features_missing = self.feature_dim() > 0 && (obs.features.is_none() || next_obs.features.is_none());
        self.obs.fill(obs);
        self.next_obs.fill(next_obs);
        self.action[..action.len()].copy_from_slice(&action);
        self.reward[..len].copy_from_slice(&reward);
        self.done[..len].copy_from_slice(&done);
        (self.cursor, self.len) = (cursor, len);
        Ok(())
    }

    /// Writes the buffer to a safetensors file (image entries as u8, the rest f32), atomically:
    /// `<path>.tmp`, then a rename.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), String> {
        let path = path.as_ref();
        let encoded: Vec<(String, Encoded)> =
            self.state_dict().into_iter().map(|(k, t)| (k.clone(), Encoded::new(&t, k.ends_with(".image")))).collect();
        let meta = [("format".to_string(), "extract.replay_buffer".to_string())].into_iter().collect();
        let bytes = safetensors::serialize(encoded.iter().map(|(k, e)| (k.as_str(), e)), Some(meta))
            .map_err(|e| format!("replay buffer {}: cannot encode: {e}", path.display()))?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, bytes)
            .and_then(|_| std::fs::rename(&tmp, path))
            .map_err(|e| format!("replay buffer {}: cannot write: {e}", path.display()))
    }

    /// Restores a file written by [`ReplayBuffer::save`] into this buffer (same capacity, layout
    /// and action size); nothing changes on error.
    pub fn load(&mut self, path: impl AsRef<Path>) -> Result<(), String> {
        let path = path.as_ref();
        let ckpt = nn::checkpoint::load(path).map_err(|e| e.to_string())?;
        self.load_state_dict(&ckpt.tensors).map_err(|e| format!("replay buffer {}: {e}", path.display()))
    }
}

/// One tensor as little-endian bytes for the safetensors writer.
struct Encoded {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl Encoded {
    fn new(t: &Tensor, as_u8: bool) -> Encoded {
        let v = t.to_vec();
        let (dtype, bytes) = if as_u8 {
            (Dtype::U8, v.iter().map(|&b| b as u8).collect())
        } else {
            (Dtype::F32, v.iter().flat_map(|x| x.to_le_bytes()).collect())
        };
        Encoded { dtype, shape: t.shape().to_vec(), bytes }
    }
}

impl View for &Encoded {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }
    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}
