//! `D4rlWriter`: appends episodes to a new HDF5 file in D4RL's schema, one episode at a time (frames
//! never need to fit in memory all at once). The data go to a temporary file beside the target, which
//! is renamed into place by `finish`; a writer dropped before `finish` deletes it, so a crash never
//! leaves a half-written data set under the final name.
use super::{Episode, keys};
use crate::EnvError;
use hdf5::types::VarLenUnicode;
use hdf5_metno as hdf5;
use ndarray::{ArrayView, IxDyn};
use std::path::{Path, PathBuf};

/// Shapes of the per-step records and what else goes into the file.
#[derive(Clone, Debug, PartialEq)]
pub struct WriterOptions {
    pub obs_dim: usize,
    pub act_dim: usize,
    pub nq: usize,
    pub nv: usize,
    /// Side of the square `rendered_frames`, or `None` to write no frames.
    pub frame_size: Option<usize>,
    /// Names that `infos/subtask` indexes (stored as the `subtask_names` attribute).
    pub subtask_names: Vec<String>,
    /// Extra string attributes on the file (provenance: generator settings, seed, commit).
    pub attributes: Vec<(String, String)>,
    /// gzip level of `rendered_frames` (0–9).
    pub frame_compression: u8,
}

impl WriterOptions {
    /// The kitchen's record shapes (60-d observation, 9-d action, 30 `qpos`, 29 `qvel`).
    pub fn kitchen(frame_size: Option<usize>, subtask_names: Vec<String>) -> Self {
        WriterOptions {
            obs_dim: 60,
            act_dim: 9,
            nq: 30,
            nv: 29,
            frame_size,
            subtask_names,
            attributes: Vec::new(),
            frame_compression: 4,
        }
    }
}

/// Streams episodes into `path` (see the module docs of `dataset` for the schema).
pub struct D4rlWriter {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<hdf5::File>,
    opts: WriterOptions,
    steps: usize,
    episodes: usize,
}

impl D4rlWriter {
    /// Creates the temporary file and the (empty, growable) datasets.
    pub fn create(path: &Path, opts: WriterOptions) -> Result<Self, EnvError> {
        let name = path.file_name().ok_or_else(|| EnvError::invalid(path, "not a file path"))?;
        let tmp = path.with_file_name(format!(".{}.partial-{}", name.to_string_lossy(), std::process::id()));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| EnvError::io(dir, e))?;
        }
        let file = hdf5::File::create(&tmp).map_err(|e| EnvError::io(&tmp, e))?;
        let mut w = D4rlWriter { path: path.to_path_buf(), tmp, file: Some(file), opts, steps: 0, episodes: 0 };
        w.create_datasets().map_err(|e| EnvError::invalid(&w.path, format!("creating datasets: {e}")))?;
        Ok(w)
    }

    fn create_datasets(&mut self) -> hdf5::Result<()> {
        let o = &self.opts;
        let file = self.file.as_ref().expect("open until finish");
        file.create_group("infos")?;
        grow_2d::<f32>(file, keys::OBSERVATIONS, o.obs_dim)?;
        grow_2d::<f32>(file, keys::ACTIONS, o.act_dim)?;
        grow_1d::<f32>(file, keys::REWARDS)?;
        grow_1d::<bool>(file, keys::TERMINALS)?;
        grow_1d::<bool>(file, keys::TIMEOUTS)?;
        grow_2d::<f64>(file, keys::QPOS, o.nq)?;
        grow_2d::<f64>(file, keys::QVEL, o.nv)?;
        grow_1d::<u8>(file, keys::SUBTASK)?;
        if let Some(size) = o.frame_size {
            file.new_dataset::<u8>()
                .chunk((16, size, size, 3))
                .shape((0.., size, size, 3))
                .deflate(o.frame_compression.min(9))
                .create(keys::FRAMES)?;
        }
        write_str_attr(file, keys::SUBTASK_NAMES, &o.subtask_names.join(","))?;
        for (k, v) in &o.attributes {
            write_str_attr(file, k, v)?;
        }
        Ok(())
    }

    /// Steps written so far.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Episodes written so far.
    pub fn episodes(&self) -> usize {
        self.episodes
    }

    /// Appends one episode; its arrays must all have its length (checked, named in the error).
    pub fn append(&mut self, ep: &Episode) -> Result<(), EnvError> {
        self.check(ep)?;
        self.write(ep).map_err(|e| EnvError::invalid(&self.tmp, format!("writing episode {}: {e}", self.episodes)))?;
        self.steps += ep.len();
        self.episodes += 1;
        Ok(())
    }

    fn check(&self, ep: &Episode) -> Result<(), EnvError> {
        let t = ep.len();
        let o = &self.opts;
        let frame = o.frame_size.map_or(0, |s| s * s * 3);
        let fields = [
            (keys::OBSERVATIONS, ep.observations.len(), t * o.obs_dim),
            (keys::ACTIONS, ep.actions.len(), t * o.act_dim),
            (keys::QPOS, ep.qpos.len(), t * o.nq),
            (keys::QVEL, ep.qvel.len(), t * o.nv),
            (keys::SUBTASK, ep.subtask.len(), t),
            (keys::FRAMES, ep.frames.len(), t * frame),
        ];
        if t == 0 {
            return Err(EnvError::invalid(&self.path, format!("episode {} is empty", self.episodes)));
        }
        match fields.iter().find(|(_, got, want)| got != want) {
            Some((key, got, want)) => Err(EnvError::invalid(
                &self.path,
                format!("episode {} of {t} steps: `{key}` has {got} values, expected {want}", self.episodes),
            )),
            None => Ok(()),
        }
    }

    fn write(&mut self, ep: &Episode) -> hdf5::Result<()> {
        let file = self.file.as_ref().expect("open until finish");
        let (n, t) = (self.steps, ep.len());
        let o = &self.opts;
        let mut terminals = vec![false; t];
        terminals[t - 1] = true;
        let mut timeouts = vec![false; t];
        timeouts[t - 1] = ep.truncated;
        append(file, keys::OBSERVATIONS, n, &ep.observations, &[t, o.obs_dim])?;
        append(file, keys::ACTIONS, n, &ep.actions, &[t, o.act_dim])?;
        append(file, keys::REWARDS, n, &ep.rewards, &[t])?;
        append(file, keys::TERMINALS, n, &terminals, &[t])?;
        append(file, keys::TIMEOUTS, n, &timeouts, &[t])?;
        append(file, keys::QPOS, n, &ep.qpos, &[t, o.nq])?;
        append(file, keys::QVEL, n, &ep.qvel, &[t, o.nv])?;
        append(file, keys::SUBTASK, n, &ep.subtask, &[t])?;
        if let Some(size) = o.frame_size {
            append(file, keys::FRAMES, n, &ep.frames, &[t, size, size, 3])?;
        }
        Ok(())
    }

    /// Flushes, closes and renames the file into place; returns its path.
    pub fn finish(mut self) -> Result<PathBuf, EnvError> {
        let file = self.file.take().expect("open until finish");
        file.flush().map_err(|e| EnvError::io(&self.tmp, e))?;
        file.close().map_err(|e| EnvError::io(&self.tmp, e))?;
        std::fs::rename(&self.tmp, &self.path).map_err(|e| EnvError::io(&self.path, e))?;
        Ok(self.path.clone())
    }
}

impl Drop for D4rlWriter {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            drop(file);
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn grow_1d<T: hdf5::H5Type>(file: &hdf5::File, key: &str) -> hdf5::Result<()> {
    file.new_dataset::<T>().chunk(4096).shape(0..).create(key)?;
    Ok(())
}

fn grow_2d<T: hdf5::H5Type>(file: &hdf5::File, key: &str, width: usize) -> hdf5::Result<()> {
    file.new_dataset::<T>().chunk((1024, width)).shape((0.., width)).create(key)?;
    Ok(())
}

/// Grows `key` along its first axis to `start + shape[0]` and writes `data` (row-major `shape`) there.
fn append<T: hdf5::H5Type>(
    file: &hdf5::File,
    key: &str,
    start: usize,
    data: &[T],
    shape: &[usize],
) -> hdf5::Result<()> {
    let ds = file.dataset(key)?;
    let mut full = ds.shape();
    let rows = start..start + shape[0];
    full[0] = rows.end;
    ds.resize(full)?;
    let view = ArrayView::from_shape(IxDyn(shape), data).map_err(|e| hdf5::Error::from(e.to_string()))?;
    match shape.len() {
        1 => ds.write_slice(&view, rows),
        2 => ds.write_slice(&view, (rows, ..)),
        4 => ds.write_slice(&view, (rows, .., .., ..)),
        r => Err(hdf5::Error::from(format!("rank {r} not supported"))),
    }
}

fn write_str_attr(file: &hdf5::File, name: &str, value: &str) -> hdf5::Result<()> {
    let v: VarLenUnicode = value.parse().map_err(|e| hdf5::Error::from(format!("attribute {name}: {e}")))?;
    file.new_attr::<VarLenUnicode>().shape(()).create(name)?.write_scalar(&v)
}
