//! What a torch pickle means: persistent ids naming typed storages, `_rebuild_tensor_v2` calls
//! (storage, offset, size, stride) turned into dense f32 tensors, and nested dicts flattened to
//! dotted names. Shared by both `.pth` container formats.

use super::pickle::Value;
use super::safetensors_io::decode;
use safetensors::tensor::Dtype;
use std::collections::HashMap;
use std::rc::Rc;
use tensor::Tensor;

/// A storage reference from a persistent id `('storage', torch.FloatStorage, key, location, numel[, view])`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StorageRef {
    pub key: String,
    pub dtype: Dtype,
    /// Element offset into the root storage (legacy "views"; 0 otherwise).
    pub view_offset: usize,
}

/// Element type of a torch storage class (`torch.HalfStorage`, …), in safetensors' dtype names.
fn storage_dtype(class: &str) -> Option<Dtype> {
    Some(match class {
        "FloatStorage" => Dtype::F32,
        "HalfStorage" => Dtype::F16,
        "BFloat16Storage" => Dtype::BF16,
        "DoubleStorage" => Dtype::F64,
        "LongStorage" => Dtype::I64,
        "IntStorage" => Dtype::I32,
        "ShortStorage" => Dtype::I16,
        "CharStorage" => Dtype::I8,
        "ByteStorage" | "UntypedStorage" => Dtype::U8,
        "BoolStorage" => Dtype::BOOL,
        _ => return None,
    })
}

pub(crate) fn element_size(dtype: Dtype) -> usize {
    dtype.bitsize() / 8
}

fn int(v: &Value, what: &str) -> Result<usize, String> {
    match v {
        Value::Int(i) => usize::try_from(*i).map_err(|_| format!("{what} is negative ({i})")),
        other => Err(format!("{what} is a {}, expected an int", other.kind())),
    }
}

fn ints(v: &Value, what: &str) -> Result<Vec<usize>, String> {
    match v {
        Value::Tuple(items) | Value::List(items) => items.iter().map(|i| int(i, what)).collect(),
        other => Err(format!("{what} is a {}, expected a tuple of ints", other.kind())),
    }
}

/// Parses a persistent id.
pub(crate) fn storage_ref(pid: &Value) -> Result<StorageRef, String> {
    let Value::Tuple(items) = pid else {
        return Err(format!("persistent id is a {}, expected a tuple", pid.kind()));
    };
    let (Some(Value::Str(tag)), Some(class), Some(key)) = (items.first(), items.get(1), items.get(2)) else {
        return Err("persistent id is not ('storage', type, key, …)".into());
    };
    let key = match key {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        other => return Err(format!("storage key is a {}", other.kind())),
    };
    let dtype = match class {
        Value::Global(m, n) if tag == "storage" && m == "torch" => storage_dtype(n),
        _ => None,
    };
    let dtype =
        dtype.ok_or_else(|| format!("persistent id names {} {}, not a torch storage type", tag, class.kind()))?;
    let view_offset = match items.get(5) {
        Some(Value::Tuple(view)) => int(view.get(1).unwrap_or(&Value::None), "storage view offset")?,
        _ => 0,
    };
    Ok(StorageRef { key, dtype, view_offset })
}

/// Every storage a pickled object refers to, by key (the legacy format needs their dtypes to
/// know how many bytes each stored storage occupies).
pub(crate) fn collect_storages(v: &Value, out: &mut HashMap<String, Dtype>) -> Result<(), String> {
    match v {
        Value::PersId(pid) => {
            let s = storage_ref(pid)?;
            out.insert(s.key, s.dtype);
        }
        Value::Tuple(items) | Value::List(items) => items.iter().try_for_each(|i| collect_storages(i, out))?,
        Value::Dict(kv) => kv.iter().try_for_each(|(_, i)| collect_storages(i, out))?,
        Value::Reduce(a, b) | Value::Build(a, b) => [a, b].iter().try_for_each(|i| collect_storages(i, out))?,
        _ => {}
    }
    Ok(())
}

/// Turns a torch pickle into named tensors, decoding each storage once.
pub(crate) struct Rebuilder<'a> {
    /// Raw storage bytes by key, in the file's byte order.
    storages: &'a HashMap<String, &'a [u8]>,
    big_endian: bool,
    decoded: HashMap<String, Rc<Vec<f32>>>,
}

impl<'a> Rebuilder<'a> {
    pub(crate) fn new(storages: &'a HashMap<String, &'a [u8]>, big_endian: bool) -> Self {
        Rebuilder { storages, big_endian, decoded: HashMap::new() }
    }

    /// Walks `v`: tensors become entries named by their dotted path; dicts (string or int keys),
    /// lists and tuples are descended; every other leaf is skipped.
    pub(crate) fn flatten(&mut self, v: &Value, name: &str, out: &mut Vec<(String, Tensor)>) -> Result<(), String> {
        if let Some(t) = self.tensor(v).map_err(|e| format!("{}: {e}", display_name(name)))? {
            out.push((name.to_string(), t));
            return Ok(());
        }
        let join = |k: &str| if name.is_empty() { k.to_string() } else { format!("{name}.{k}") };
        match v {
            Value::Dict(kv) => {
                for (k, item) in kv {
                    let key = match k {
                        Value::Str(s) => s.clone(),
                        Value::Int(i) => i.to_string(),
                        _ => continue,
                    };
                    self.flatten(item, &join(&key), out)?;
                }
            }
            Value::List(items) | Value::Tuple(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.flatten(item, &join(&i.to_string()), out)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The tensor `v` rebuilds to, `None` when it is not a tensor.
    fn tensor(&mut self, v: &Value) -> Result<Option<Tensor>, String> {
        let Value::Reduce(func, args) = v else { return Ok(None) };
        let Value::Global(module, name) = func.as_ref() else { return Ok(None) };
        let Value::Tuple(args) = args.as_ref() else { return Ok(None) };
        match (module.as_str(), name.as_str()) {
            ("torch._utils", "_rebuild_tensor_v2" | "_rebuild_tensor") => self.rebuild(args).map(Some),
            // nn.Parameter(data, requires_grad, hooks): the data is the tensor.
            ("torch._utils", "_rebuild_parameter" | "_rebuild_parameter_with_state") => match args.first() {
                Some(data) => self.tensor(data),
                None => Err("_rebuild_parameter without arguments".into()),
            },
            ("torch._utils", other) if other.starts_with("_rebuild") => {
                Err(format!("torch._utils.{other} tensors (sparse, quantized, …) are not supported"))
            }
            _ => Ok(None),
        }
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, …)`.
    fn rebuild(&mut self, args: &[Value]) -> Result<Tensor, String> {
        let (Some(Value::PersId(pid)), Some(offset), Some(size), Some(stride)) =
            (args.first(), args.get(1), args.get(2), args.get(3))
        else {
            return Err("_rebuild_tensor_v2 arguments are not (storage, offset, size, stride, …)".into());
        };
        let storage = storage_ref(pid)?;
        let data = self.storage(&storage)?;
        let offset = int(offset, "storage offset")?.checked_add(storage.view_offset).ok_or("offset overflows")?;
        let (size, stride) = (ints(size, "size")?, ints(stride, "stride")?);
        if size.len() != stride.len() {
            return Err(format!("size {size:?} and stride {stride:?} differ in rank"));
        }
        let values = gather(&data, offset, &size, &stride)?;
        Tensor::try_from_vec(values, &size)
    }

    fn storage(&mut self, s: &StorageRef) -> Result<Rc<Vec<f32>>, String> {
        if let Some(d) = self.decoded.get(&s.key) {
            return Ok(d.clone());
        }
        let raw = *self.storages.get(&s.key).ok_or_else(|| format!("storage {} is not in the file", s.key))?;
        let size = element_size(s.dtype);
        let values = if self.big_endian && size > 1 {
            let swapped: Vec<u8> = raw.chunks(size).flat_map(|c| c.iter().rev().copied()).collect();
            decode(s.dtype, &swapped)
        } else {
            decode(s.dtype, raw)
        };
        let values = Rc::new(values.map_err(|e| format!("storage {}: {e}", s.key))?);
        self.decoded.insert(s.key.clone(), values.clone());
        Ok(values)
    }
}

fn display_name(name: &str) -> &str {
    if name.is_empty() { "<top-level tensor>" } else { name }
}

/// The elements `data[offset + Σ i_d * stride_d]` in row-major order of `size`; every index is
/// checked against the storage first, so strided (transposed, sliced) views read correctly.
pub(crate) fn gather(data: &[f32], offset: usize, size: &[usize], stride: &[usize]) -> Result<Vec<f32>, String> {
    let numel = size.iter().try_fold(1usize, |a, &n| a.checked_mul(n)).ok_or("size overflows")?;
    if numel == 0 {
        return Ok(Vec::new());
    }
    let last = size
        .iter()
        .zip(stride)
        .try_fold(offset, |acc, (&n, &s)| (n - 1).checked_mul(s).and_then(|x| acc.checked_add(x)));
    match last {
        Some(last) if last < data.len() => {}
        _ => {
            let n = data.len();
            return Err(format!("size {size:?}, stride {stride:?}, offset {offset} read past its storage of {n}"));
        }
    }
    let mut out = Vec::new();
    out.try_reserve_exact(numel).map_err(|_| format!("cannot allocate {numel} elements"))?;
    let mut index = vec![0usize; size.len()];
    let mut pos = offset;
    for _ in 0..numel {
        out.push(*data.get(pos).ok_or("index past storage")?);
        // Odometer step: bump the last dimension, carrying into earlier ones.
        for d in (0..size.len()).rev() {
            // Wrapping: the carried-out position may step past the storage before coming back.
            index[d] += 1;
            pos = pos.wrapping_add(stride[d]);
            if index[d] < size[d] {
                break;
            }
            pos = pos.wrapping_sub(stride[d].wrapping_mul(size[d]));
            index[d] = 0;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_honours_strides_and_offsets() {
        let data: Vec<f32> = (0..12).map(|i| i as f32).collect();
        // A [3, 4] matrix viewed transposed: size [4, 3], stride [1, 4].
        let t = gather(&data, 0, &[4, 3], &[1, 4]).unwrap();
        assert_eq!(t, vec![0., 4., 8., 1., 5., 9., 2., 6., 10., 3., 7., 11.]);
        assert_eq!(gather(&data, 5, &[], &[]).unwrap(), vec![5.0]);
        assert_eq!(gather(&data, 2, &[2, 2], &[4, 1]).unwrap(), vec![2., 3., 6., 7.]);
        assert!(gather(&data, 0, &[4, 4], &[4, 1]).is_err());
        assert!(gather(&data, 0, &[usize::MAX, 2], &[1, 1]).is_err());
        assert!(gather(&data, 0, &[0, 7], &[99, 99]).unwrap().is_empty());
    }
}
