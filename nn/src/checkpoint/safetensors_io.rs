//! safetensors files: `save` (f32, f16 or bf16 on disk, written atomically) and `load` (any float
//! or integer dtype back to f32), through the `safetensors` crate's validated header parser.

use super::atomic::write_atomic;
use super::error::CheckpointError;
use super::{Checkpoint, StoreDtype};
use safetensors::tensor::{Dtype, Metadata, SafeTensors, View};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use tensor::Tensor;
use tensor::half::{bf16, f16};

const FORMAT: &str = "safetensors";

/// One tensor already encoded to little-endian bytes, as the crate's serializer wants it.
struct Encoded {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
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

fn encode(t: &Tensor, dtype: StoreDtype) -> Encoded {
    let bytes: Vec<u8> = match dtype {
        StoreDtype::F32 => t.to_vec().iter().flat_map(|v| v.to_le_bytes()).collect(),
        StoreDtype::F16 => t.to_f16().iter().flat_map(|v| v.to_le_bytes()).collect(),
        StoreDtype::BF16 => t.to_bf16().iter().flat_map(|v| v.to_le_bytes()).collect(),
    };
    let dtype = match dtype {
        StoreDtype::F32 => Dtype::F32,
        StoreDtype::F16 => Dtype::F16,
        StoreDtype::BF16 => Dtype::BF16,
    };
    Encoded { dtype, shape: t.shape().to_vec(), bytes }
}

/// Writes `tensors` (any names: module parameters, buffers, `optim.`-prefixed optimizer state, …)
/// and string `metadata` to a safetensors file, atomically. Values are rounded to `dtype` on disk.
/// The file orders tensors by name; names must be unique.
pub fn save(
    path: impl AsRef<Path>,
    tensors: &[(String, Tensor)],
    metadata: &[(String, String)],
    dtype: StoreDtype,
) -> Result<(), CheckpointError> {
    let path = path.as_ref();
    let mut seen = HashSet::new();
    if let Some((dup, _)) = tensors.iter().find(|(n, _)| !seen.insert(n.as_str())) {
        return Err(CheckpointError::Invalid { path: path.to_path_buf(), detail: format!("tensor name {dup} twice") });
    }
    let encoded: Vec<(&str, Encoded)> = tensors.iter().map(|(n, t)| (n.as_str(), encode(t, dtype))).collect();
    let info: HashMap<String, String> = metadata.iter().cloned().collect();
    let info = if info.is_empty() { None } else { Some(info) };
    let bytes = safetensors::serialize(encoded.iter().map(|(n, e)| (*n, e)), info)
        .map_err(|e| CheckpointError::Invalid { path: path.to_path_buf(), detail: e.to_string() })?;
    write_atomic(path, &bytes)
}

/// Reads a safetensors file: tensors in file order (by data offset), metadata sorted by key.
pub fn load(path: impl AsRef<Path>) -> Result<Checkpoint, CheckpointError> {
    let path = path.as_ref();
    let buffer = std::fs::read(path).map_err(|e| CheckpointError::io(path, "read", e))?;
    let (tensors, metadata) = parse(&buffer).map_err(|detail| CheckpointError::corrupt(path, FORMAT, detail))?;
    Ok(Checkpoint { path: path.to_path_buf(), tensors, metadata })
}

type Parsed = (Vec<(String, Tensor)>, Vec<(String, String)>);

/// Decodes a whole safetensors file held in memory.
fn parse(buffer: &[u8]) -> Result<Parsed, String> {
    // `read_metadata` validates the header: offsets contiguous, sizes = shape x dtype, and the data
    // section exactly filling the rest of the file (so truncation is caught here).
    let (header_len, meta) = SafeTensors::read_metadata(buffer).map_err(|e| e.to_string())?;
    let data = buffer.get(8 + header_len..).ok_or("data section missing")?;
    let tensors =
        meta.offset_keys().into_iter().map(|name| decode_entry(&meta, data, name)).collect::<Result<_, _>>()?;
    let mut info: Vec<(String, String)> = meta.metadata().clone().unwrap_or_default().into_iter().collect();
    info.sort();
    Ok((tensors, info))
}

fn decode_entry(meta: &Metadata, data: &[u8], name: String) -> Result<(String, Tensor), String> {
    let info = meta.info(&name).ok_or_else(|| format!("tensor {name} listed but not described"))?;
    let (start, end) = info.data_offsets;
    let bytes = data.get(start..end).ok_or_else(|| format!("tensor {name} lies past the end of the file"))?;
    let values = decode(info.dtype, bytes).map_err(|e| format!("tensor {name}: {e}"))?;
    let t = Tensor::try_from_vec(values, &info.shape).map_err(|e| format!("tensor {name}: {e}"))?;
    Ok((name, t))
}

/// Little-endian elements of `dtype` to f32 (integers and f64 are rounded to the nearest f32).
pub(crate) fn decode(dtype: Dtype, bytes: &[u8]) -> Result<Vec<f32>, String> {
    fn each<const N: usize>(bytes: &[u8], f: impl Fn([u8; N]) -> f32) -> Result<Vec<f32>, String> {
        if !bytes.len().is_multiple_of(N) {
            return Err(format!("{} bytes is not a whole number of {N}-byte elements", bytes.len()));
        }
        Ok(bytes.chunks_exact(N).map(|c| f(c.try_into().unwrap_or([0; N]))).collect())
    }
    match dtype {
        Dtype::F32 => each(bytes, f32::from_le_bytes),
        Dtype::F16 => each(bytes, |b| f16::from_le_bytes(b).to_f32()),
        Dtype::BF16 => each(bytes, |b| bf16::from_le_bytes(b).to_f32()),
        Dtype::F64 => each(bytes, |b| f64::from_le_bytes(b) as f32),
        Dtype::I64 => each(bytes, |b| i64::from_le_bytes(b) as f32),
        Dtype::I32 => each(bytes, |b| i32::from_le_bytes(b) as f32),
        Dtype::I16 => each(bytes, |b| i16::from_le_bytes(b) as f32),
        Dtype::I8 => each(bytes, |b: [u8; 1]| b[0] as i8 as f32),
        Dtype::U64 => each(bytes, |b| u64::from_le_bytes(b) as f32),
        Dtype::U32 => each(bytes, |b| u32::from_le_bytes(b) as f32),
        Dtype::U16 => each(bytes, |b| u16::from_le_bytes(b) as f32),
        Dtype::U8 | Dtype::BOOL => each(bytes, |b: [u8; 1]| b[0] as f32),
        other => Err(format!("dtype {other} is not supported (expected a float or integer type)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_rejects_ragged_bytes_and_exotic_dtypes() {
        assert!(decode(Dtype::F32, &[0, 0, 128]).is_err());
        assert!(decode(Dtype::F8_E4M3, &[0]).unwrap_err().contains("F8_E4M3"));
        assert_eq!(decode(Dtype::I64, &(-3i64).to_le_bytes()).unwrap(), vec![-3.0]);
        assert_eq!(decode(Dtype::F64, &0.5f64.to_le_bytes()).unwrap(), vec![0.5]);
    }

    #[test]
    fn parse_never_panics_on_prefixes_of_a_valid_file() {
        let t = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]);
        let enc = encode(&t, StoreDtype::F32);
        let bytes = safetensors::serialize([("a", &enc)], None).unwrap();
        assert!(parse(&bytes).is_ok());
        for n in 0..bytes.len() {
            assert!(parse(&bytes[..n]).is_err(), "prefix of {n} bytes accepted");
        }
    }
}
