//! `D4rlFile`: reads a data set in D4RL's schema — ours, a real D4RL kitchen file, or a clustering
//! input that holds only `terminals` and `rendered_frames` — checking every key it is asked for.
use super::keys;
use crate::EnvError;
use hdf5::types::{TypeDescriptor, VarLenUnicode};
use hdf5_metno as hdf5;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Ground truth of a generated data set: per-step subtask index (`NO_SUBTASK` for none) and names.
#[derive(Clone, Debug, PartialEq)]
pub struct SubtaskLabels {
    pub labels: Vec<u8>,
    pub names: Vec<String>,
}

/// An open data-set file; its length N is the length of `terminals`, which every consumer needs to
/// split trajectories.
pub struct D4rlFile {
    path: PathBuf,
    file: hdf5::File,
    len: usize,
}

impl D4rlFile {
    /// Opens `path` and reads the length of `terminals`.
    pub fn open(path: &Path) -> Result<Self, EnvError> {
        if !path.is_file() {
            return Err(EnvError::io(path, "no such file"));
        }
        let file =
            hdf5::File::open(path).map_err(|e| EnvError::invalid(path, format!("not a readable HDF5 file ({e})")))?;
        let mut f = D4rlFile { path: path.to_path_buf(), file, len: 0 };
        let shape = f.shape(keys::TERMINALS)?;
        f.len = match shape[..] {
            [n] | [n, 1] => n,
            _ => return Err(f.bad(keys::TERMINALS, format!("shape {shape:?}, expected (N,) or (N, 1)"))),
        };
        Ok(f)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of steps N.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when the file has a dataset `key` (nested keys like `infos/qpos` included).
    pub fn has(&self, key: &str) -> bool {
        self.file.link_exists(key) && self.file.dataset(key).is_ok()
    }

    fn bad(&self, key: &str, message: impl std::fmt::Display) -> EnvError {
        EnvError::invalid(&self.path, format!("`{key}`: {message}"))
    }

    fn dataset(&self, key: &str) -> Result<hdf5::Dataset, EnvError> {
        if !self.file.link_exists(key) {
            return Err(self.bad(key, "missing"));
        }
        self.file.dataset(key).map_err(|e| self.bad(key, format!("not a dataset ({e})")))
    }

    fn shape(&self, key: &str) -> Result<Vec<usize>, EnvError> {
        self.dataset(key)?.get_shape().map_err(|e| self.bad(key, format!("unreadable shape ({e})")))
    }

    /// Checks that `key` has N rows of `row` (an empty `row` means `(N,)`, which `(N, 1)` also passes).
    fn check_rows(&self, key: &str, row: &[usize]) -> Result<hdf5::Dataset, EnvError> {
        let ds = self.dataset(key)?;
        let shape = ds.get_shape().map_err(|e| self.bad(key, format!("unreadable shape ({e})")))?;
        let ok = shape.first() == Some(&self.len) && (shape[1..] == *row || (row.is_empty() && shape[1..] == [1]));
        if !ok {
            let want: Vec<String> = std::iter::once("N".to_string()).chain(row.iter().map(|d| d.to_string())).collect();
            return Err(self.bad(key, format!("shape {shape:?}, expected ({}) with N = {}", want.join(", "), self.len)));
        }
        Ok(ds)
    }

    /// The second dimension of a 2-d `key` with N rows.
    fn width(&self, key: &str) -> Result<usize, EnvError> {
        let shape = self.shape(key)?;
        match shape[..] {
            [n, w] if n == self.len => Ok(w),
            _ => Err(self.bad(key, format!("shape {shape:?}, expected (N, D) with N = {}", self.len))),
        }
    }

    fn read<T: hdf5::H5Type>(&self, key: &str, ds: &hdf5::Dataset) -> Result<Vec<T>, EnvError> {
        ds.read_raw::<T>().map_err(|e| self.bad(key, format!("cannot read as {} ({e})", std::any::type_name::<T>())))
    }

    /// A float matrix `(N, D)` of any float or integer type, as f32, with its width D.
    pub fn matrix_f32(&self, key: &str) -> Result<(Vec<f32>, usize), EnvError> {
        let w = self.width(key)?;
        Ok((self.read::<f32>(key, &self.dataset(key)?)?, w))
    }

    /// Like `matrix_f32` in f64 (simulator states).
    pub fn matrix_f64(&self, key: &str) -> Result<(Vec<f64>, usize), EnvError> {
        let w = self.width(key)?;
        Ok((self.read::<f64>(key, &self.dataset(key)?)?, w))
    }

    /// `observations` (N, D) and D.
    pub fn observations(&self) -> Result<(Vec<f32>, usize), EnvError> {
        self.matrix_f32(keys::OBSERVATIONS)
    }

    /// `actions` (N, A) and A.
    pub fn actions(&self) -> Result<(Vec<f32>, usize), EnvError> {
        self.matrix_f32(keys::ACTIONS)
    }

    /// `rewards` (N,).
    pub fn rewards(&self) -> Result<Vec<f32>, EnvError> {
        let ds = self.check_rows(keys::REWARDS, &[])?;
        self.read(keys::REWARDS, &ds)
    }

    /// `terminals` (N,), from a bool (h5py's enum), integer or float dataset.
    pub fn terminals(&self) -> Result<Vec<bool>, EnvError> {
        self.flags(keys::TERMINALS)
    }

    /// `timeouts` (N,), or `None` when the file has none.
    pub fn timeouts(&self) -> Result<Option<Vec<bool>>, EnvError> {
        if !self.has(keys::TIMEOUTS) {
            return Ok(None);
        }
        self.flags(keys::TIMEOUTS).map(Some)
    }

    fn flags(&self, key: &str) -> Result<Vec<bool>, EnvError> {
        let ds = self.check_rows(key, &[])?;
        let dtype =
            ds.dtype().and_then(|t| t.to_descriptor()).map_err(|e| self.bad(key, format!("unknown type ({e})")))?;
        match dtype {
            TypeDescriptor::Boolean => self.read::<bool>(key, &ds),
            TypeDescriptor::Float(_) => Ok(self.read::<f64>(key, &ds)?.into_iter().map(|v| v != 0.0).collect()),
            TypeDescriptor::Integer(_) | TypeDescriptor::Unsigned(_) => {
                Ok(self.read::<i64>(key, &ds)?.into_iter().map(|v| v != 0).collect())
            }
            TypeDescriptor::Enum(_) => Ok(self.read::<i64>(key, &ds)?.into_iter().map(|v| v != 0).collect()),
            other => Err(self.bad(key, format!("type {other}, expected bool, integer or float"))),
        }
    }

    /// Ground-truth subtask labels (`infos/subtask`) and the names they index, when present.
    pub fn subtasks(&self) -> Result<Option<SubtaskLabels>, EnvError> {
        if !self.has(keys::SUBTASK) {
            return Ok(None);
        }
        let ds = self.check_rows(keys::SUBTASK, &[])?;
        let labels = self.read::<u8>(keys::SUBTASK, &ds)?;
        let names = self.attribute(keys::SUBTASK_NAMES)?.unwrap_or_default();
        let names: Vec<String> = names.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect();
        if let Some(bad) = labels.iter().find(|&&l| l != super::NO_SUBTASK && l as usize >= names.len()) {
            return Err(self.bad(keys::SUBTASK, format!("label {bad} but only {} subtask names", names.len())));
        }
        Ok(Some(SubtaskLabels { labels, names }))
    }

    /// A string attribute of the file, `None` when absent.
    pub fn attribute(&self, name: &str) -> Result<Option<String>, EnvError> {
        let Ok(attr) = self.file.attr(name) else { return Ok(None) };
        let v: VarLenUnicode = attr
            .read_scalar()
            .map_err(|e| EnvError::invalid(&self.path, format!("attribute `{name}`: not a string ({e})")))?;
        Ok(Some(v.as_str().to_string()))
    }

    /// `(height, width)` of `rendered_frames` (checked to be `(N, H, W, 3)` u8), `None` when absent.
    pub fn frame_size(&self) -> Result<Option<(usize, usize)>, EnvError> {
        if !self.has(keys::FRAMES) {
            return Ok(None);
        }
        let shape = self.shape(keys::FRAMES)?;
        match shape[..] {
            [n, h, w, 3] if n == self.len => Ok(Some((h, w))),
            _ => Err(self.bad(keys::FRAMES, format!("shape {shape:?}, expected (N, H, W, 3) with N = {}", self.len))),
        }
    }

    /// Frames `range` of `rendered_frames`, row-major `(len, H, W, 3)` bytes.
    pub fn frames(&self, range: Range<usize>) -> Result<Vec<u8>, EnvError> {
        let key = keys::FRAMES;
        if self.frame_size()?.is_none() {
            return Err(self.bad(key, "missing (render the data set first)"));
        }
        if range.start > range.end || range.end > self.len {
            return Err(self.bad(key, format!("frames {range:?} out of 0..{}", self.len)));
        }
        let ds = self.dataset(key)?;
        let arr: ndarray::Array4<u8> =
            ds.read_slice((range.clone(), .., .., ..)).map_err(|e| self.bad(key, format!("frames {range:?}: {e}")))?;
        Ok(arr.into_raw_vec_and_offset().0)
    }
}
