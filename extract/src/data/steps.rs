//! `StepData`: every step of a data set held in RAM once — observations (frames resized to the model's
//! resolution and kept as u8, or f32 states), actions, trajectory ranges and cluster labels — and the
//! conversion of a frame stack to the models' `[3F, res, res]` input in [-1, 1].

use super::config::DataConfig;
use super::resize::Resizer;
use envs::dataset::{D4rlFile, read_labels, trajectory_ranges};
use hdf5_metno as hdf5;
use std::ops::RangeInclusive;
use std::path::Path;

/// Frames read (and resized) per HDF5 read: 256 frames of 128x128 RGB are 12.6 MB.
const FRAME_CHUNK: usize = 256;

/// The observation of every step.
#[derive(Clone, Debug)]
pub enum Observations {
    /// `[N, res, res, 3]` RGB bytes (HWC, as in the file).
    Frames { data: Vec<u8>, res: usize },
    /// `[N, dim]` states.
    States { data: Vec<f32>, dim: usize },
}

/// All steps of one data-set file, in file order.
#[derive(Clone, Debug)]
pub struct StepData {
    pub obs: Observations,
    /// `[N, action_dim]`.
    pub actions: Vec<f32>,
    pub action_dim: usize,
    /// Trajectories as inclusive step ranges (`envs::dataset::trajectory_ranges`).
    pub trajectories: Vec<RangeInclusive<usize>>,
    /// Per-step cluster label, when a labels file was given.
    pub labels: Option<Vec<u8>>,
    /// Per-step cluster log-probabilities `[N, K]` and K, when the labels file has `logprobs`.
    pub logprobs: Option<(Vec<f32>, usize)>,
}

/// `u8 / 255 * 2 - 1` in f32, as upstream scales images (table lookup on the hot path).
fn unit_range_table() -> [f32; 256] {
    std::array::from_fn(|v| v as f32 / 255.0 * 2.0 - 1.0)
}

impl StepData {
    /// Reads `cfg.data_file` (and `cfg.labels_file`) once; frames are read in chunks of
    /// `FRAME_CHUNK` and resized to `cfg.resolution`, so peak memory is the result plus one chunk.
    pub fn load(cfg: &DataConfig) -> Result<StepData, String> {
        for (key, path) in [("data_file", Some(&cfg.data_file)), ("labels_file", cfg.labels_file.as_ref())] {
            if let Some(p) = path
                && !p.is_file()
            {
                return Err(format!("{}: no such file (data.{key})", p.display()));
            }
        }
        let file = D4rlFile::open(&cfg.data_file).map_err(|e| e.to_string())?;
        let (actions, action_dim) = file.actions().map_err(|e| e.to_string())?;
        let terminals = file.terminals().map_err(|e| e.to_string())?;
        let obs = if cfg.use_image {
            load_frames(&file, cfg.resolution)?
        } else {
            let (data, dim) = file.observations().map_err(|e| e.to_string())?;
            Observations::States { data, dim }
        };
        let (labels, logprobs) = match &cfg.labels_file {
            Some(path) => {
                let labels = read_labels(path, Some(file.len())).map_err(|e| e.to_string())?;
                (Some(labels), read_logprobs(path, file.len())?)
            }
            None => (None, None),
        };
        let trajectories = trajectory_ranges(&terminals);
        Ok(StepData { obs, actions, action_dim, trajectories, labels, logprobs })
    }

    /// Number of steps N.
    pub fn len(&self) -> usize {
        self.actions.len() / self.action_dim.max(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The action of step `i`, `[action_dim]`.
    pub fn action(&self, i: usize) -> &[f32] {
        &self.actions[i * self.action_dim..(i + 1) * self.action_dim]
    }

    /// Values of one observation: `3F · res²` for a stack of F frames, `dim` for a state.
    pub fn obs_len(&self, frames: usize) -> usize {
        match &self.obs {
            Observations::Frames { res, .. } => 3 * frames * res * res,
            Observations::States { dim, .. } => *dim,
        }
    }

    /// Writes the observation made of `steps` into `out` (`obs_len(steps.len())` values): frames
    /// stacked on channels, frame-major then RGB, `[3F, res, res]` in [-1, 1]; or the state of the
    /// single step.
    pub fn write_obs(&self, steps: &[usize], out: &mut [f32]) {
        assert_eq!(out.len(), self.obs_len(steps.len()), "write_obs: output size for {} steps", steps.len());
        match &self.obs {
            Observations::Frames { data, res } => {
                let table = unit_range_table();
                let plane = res * res;
                for (f, &step) in steps.iter().enumerate() {
                    let frame = &data[step * plane * 3..(step + 1) * plane * 3];
                    let stack = &mut out[f * 3 * plane..(f + 1) * 3 * plane];
                    // HWC -> CHW, one output plane at a time (sequential writes).
                    for (c, dst) in stack.chunks_exact_mut(plane).enumerate() {
                        dst.iter_mut().zip(frame.chunks_exact(3)).for_each(|(d, rgb)| *d = table[rgb[c] as usize]);
                    }
                }
            }
            Observations::States { data, dim } => {
                assert_eq!(steps.len(), 1, "write_obs: a state observation is one step, got {}", steps.len());
                out.copy_from_slice(&data[steps[0] * dim..(steps[0] + 1) * dim]);
            }
        }
    }
}

/// `rendered_frames` `(N, H, W, 3)` resized to `[N, res, res, 3]`. A reader thread decompresses chunk
/// k + 1 of `FRAME_CHUNK` frames while this one resizes chunk k (at most two chunks in flight).
fn load_frames(file: &D4rlFile, res: usize) -> Result<Observations, String> {
    let path = file.path().display();
    let Some((h, w)) = file.frame_size().map_err(|e| e.to_string())? else {
        return Err(format!("{path}: `rendered_frames`: missing, but data.use_image is true (render the data set)"));
    };
    let resizer = Resizer::new((h, w), (res, res));
    let (n, in_frame, out_frame) = (file.len(), h * w * 3, res * res * 3);
    let mut data = vec![0u8; n * out_frame];
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        scope.spawn(move || {
            for start in (0..n).step_by(FRAME_CHUNK) {
                let chunk = file.frames(start..(start + FRAME_CHUNK).min(n)).map_err(|e| e.to_string());
                let failed = chunk.is_err();
                if tx.send((start, chunk)).is_err() || failed {
                    break;
                }
            }
        });
        for (start, chunk) in rx {
            let out = &mut data[start * out_frame..];
            for (frame, out) in chunk?.chunks_exact(in_frame).zip(out.chunks_exact_mut(out_frame)) {
                if (h, w) == (res, res) {
                    out.copy_from_slice(frame);
                } else {
                    resizer.resize_u8(frame, 3, out);
                }
            }
        }
        Ok::<(), String>(())
    })?;
    Ok(Observations::Frames { data, res })
}

/// `logprobs` `(K, N)` of a labels file as `[N, K]`; `None` when the file has no such dataset.
fn read_logprobs(path: &Path, n: usize) -> Result<Option<(Vec<f32>, usize)>, String> {
    let bad = |why: String| format!("{}: `logprobs`: {why}", path.display());
    let file = hdf5::File::open(path).map_err(|e| bad(format!("cannot open ({e})")))?;
    if !file.link_exists("logprobs") {
        return Ok(None);
    }
    let ds = file.dataset("logprobs").map_err(|e| bad(format!("not a dataset ({e})")))?;
    let shape = ds.shape();
    let k = match shape[..] {
        [k, m] if m == n && k > 0 => k,
        _ => return Err(bad(format!("shape {shape:?}, expected (K, {n}) to match the data set"))),
    };
    let raw: Vec<f32> = ds.read_raw().map_err(|e| bad(format!("cannot read as f32 ({e})")))?;
    let mut out = vec![0.0f32; n * k];
    for (c, row) in raw.chunks_exact(n).enumerate() {
        for (i, v) in row.iter().enumerate() {
            out[i * k + c] = *v;
        }
    }
    Ok(Some((out, k)))
}
