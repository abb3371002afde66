//! `clusters.h5`: per-step skill labels of one data-set file, as EXTRACT's clustering writes them
//! (`clusters` uint8 (N,), optional `logprobs` float (K, N)), plus string attributes (provenance).
use crate::EnvError;
use hdf5::types::VarLenUnicode;
use hdf5_metno as hdf5;
use std::path::Path;

/// Writes `clusters` (and `logprobs`, `k × n` row-major) to `path` through a temporary file + rename.
pub fn write_labels(
    path: &Path,
    clusters: &[u8],
    logprobs: Option<(&[f32], usize)>,
    attributes: &[(String, String)],
) -> Result<(), EnvError> {
    if let Some((lp, k)) = logprobs
        && lp.len() != k * clusters.len()
    {
        let msg = format!("logprobs has {} values, expected {k} x {}", lp.len(), clusters.len());
        return Err(EnvError::invalid(path, msg));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| EnvError::io(dir, e))?;
    }
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let write = || -> hdf5::Result<()> {
        let f = hdf5::File::create(&tmp)?;
        f.new_dataset_builder().with_data(clusters).create("clusters")?;
        if let Some((lp, k)) = logprobs {
            let arr = ndarray::ArrayView2::from_shape((k, clusters.len()), lp).map_err(|e| e.to_string())?;
            f.new_dataset_builder().with_data(&arr).create("logprobs")?;
        }
        for (key, value) in attributes {
            let v: VarLenUnicode = value.parse().map_err(|e| format!("attribute {key}: {e}"))?;
            f.new_attr::<VarLenUnicode>().shape(()).create(key.as_str())?.write_scalar(&v)?;
        }
        f.close()
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(EnvError::invalid(path, format!("writing labels: {e}")));
    }
    std::fs::rename(&tmp, path).map_err(|e| EnvError::io(path, e))
}

/// Reads `clusters` of a labels file, checking it has `expected_len` steps when given.
pub fn read_labels(path: &Path, expected_len: Option<usize>) -> Result<Vec<u8>, EnvError> {
    if !path.is_file() {
        return Err(EnvError::io(path, "no such file"));
    }
    let f = hdf5::File::open(path).map_err(|e| EnvError::invalid(path, format!("not a readable HDF5 file ({e})")))?;
    let ds = f.dataset("clusters").map_err(|_| EnvError::invalid(path, "`clusters`: missing"))?;
    let labels: Vec<u8> = ds.read_raw().map_err(|e| EnvError::invalid(path, format!("`clusters`: {e}")))?;
    match expected_len {
        Some(n) if n != labels.len() || ds.ndim() != 1 => Err(EnvError::invalid(
            path,
            format!("`clusters`: shape {:?}, expected ({n},) to match the data set", ds.shape()),
        )),
        _ => Ok(labels),
    }
}
