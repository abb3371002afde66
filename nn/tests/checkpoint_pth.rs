//! PyTorch `.pth` import against files torch itself wrote (tests/fixtures/gen_checkpoint_fixtures.py):
//! both container formats give the expected names, shapes and values; damaged files give errors.

use autograd::Param;
use nn::checkpoint::{LoadOptions, import_pth, import_pth_bytes, load_into, strip_prefix};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use tensor::Tensor;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// `(name, shape, dtype, values)` for every tensor PyTorch says the file holds, in order.
fn expected() -> Vec<(String, Vec<usize>, String, Vec<f32>)> {
    let text = std::fs::read_to_string(fixture("checkpoint_expected.json")).unwrap();
    let json: Json = serde_json::from_str(&text).unwrap();
    let list = json["tensors"].as_array().unwrap();
    list.iter()
        .map(|t| {
            let shape = t["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
            // JSON holds each float32 value exactly (as a double); `as f32` recovers it bit for bit.
            let values = t["values"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
            (t["name"].as_str().unwrap().to_string(), shape, t["dtype"].as_str().unwrap().to_string(), values)
        })
        .collect()
}

fn assert_matches_torch(file: &str) {
    let got = import_pth(fixture(file)).unwrap_or_else(|e| panic!("{e}"));
    let want = expected();
    let got_names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    let want_names: Vec<&str> = want.iter().map(|(n, ..)| n.as_str()).collect();
    assert_eq!(got_names, want_names, "{file}: names or order differ");
    for ((name, t), (_, shape, dtype, values)) in got.iter().zip(&want) {
        assert_eq!(t.shape(), shape.as_slice(), "{file}: {name} shape");
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&t.to_vec()), bits(values), "{file}: {name} ({dtype}) values");
    }
}

#[test]
fn zip_format_matches_torch() {
    assert_matches_torch("checkpoint_zip.pth");
}

#[test]
fn legacy_format_matches_torch() {
    assert_matches_torch("checkpoint_legacy.pth");
}

#[test]
fn fixture_covers_strides_offsets_and_dtypes() {
    let want = expected();
    let dtypes: Vec<&str> = want.iter().map(|(_, _, d, _)| d.as_str()).collect();
    for d in ["float32", "float16", "bfloat16", "float64", "int64", "int32"] {
        assert!(dtypes.contains(&d), "fixture lacks a {d} tensor");
    }
    let get = |n: &str| want.iter().find(|(name, ..)| name == n).unwrap().3.clone();
    let (base, transposed, row) =
        (get("state_dict.extra.base"), get("state_dict.extra.transposed"), get("state_dict.extra.row"));
    // base is [3, 5]; transposed is [5, 3] with transposed[i][j] = base[j][i]; row = base[1].
    for (i, j) in (0..5).flat_map(|i| (0..3).map(move |j| (i, j))) {
        assert_eq!(transposed[i * 3 + j], base[j * 5 + i]);
    }
    assert_eq!(row, base[5..10].to_vec());
    // Non-tensor leaves ("epoch", "note") are skipped; list items are named by index.
    assert!(want.iter().all(|(n, ..)| n != "epoch" && n != "note"));
    assert!(want.iter().any(|(n, ..)| n == "history.1"));
}

#[test]
fn imported_state_dict_loads_into_params_by_name() {
    let imported = import_pth(fixture("checkpoint_zip.pth")).unwrap();
    let lin = strip_prefix(&imported, "state_dict.lin.");
    let params = [Param::new("weight", Tensor::zeros(&[8, 6])), Param::new("bias", Tensor::zeros(&[8]))];
    load_into(&params, &lin, fixture("checkpoint_zip.pth"), &LoadOptions::default()).unwrap();
    let want = expected();
    let weight = &want.iter().find(|(n, ..)| n == "state_dict.lin.weight").unwrap().3;
    assert_eq!(&params[0].value().to_vec(), weight);
}

/// Every strict prefix of a valid file must give an error naming the file, and every single-byte
/// corruption a result (Ok with a changed value, or Err), never a panic.
fn assert_damage_is_reported(file: &str) {
    let bytes = std::fs::read(fixture(file)).unwrap();
    for n in 0..bytes.len() {
        let err = import_pth_bytes(&bytes[..n], file).err();
        let msg = err.unwrap_or_else(|| panic!("{file} cut to {n} bytes was accepted")).to_string();
        assert!(msg.contains(file) && !msg.contains('\n'), "{msg}");
    }
    let mut copy = bytes.clone();
    for i in 0..bytes.len() {
        copy[i] ^= 0xff;
        let _ = import_pth_bytes(&copy, file);
        copy[i] ^= 0xff;
    }
}

#[test]
fn truncated_or_corrupt_zip_gives_errors_not_panics() {
    assert_damage_is_reported("checkpoint_zip.pth");
}

#[test]
fn truncated_or_corrupt_legacy_gives_errors_not_panics() {
    assert_damage_is_reported("checkpoint_legacy.pth");
}

#[test]
fn non_torch_files_are_named_in_the_error() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("not-a-checkpoint.pth");
    std::fs::write(&path, b"hello world").unwrap();
    let msg = import_pth(&path).unwrap_err().to_string();
    assert!(msg.contains("not-a-checkpoint.pth") && msg.contains("neither a zip archive nor a pickle"), "{msg}");
    let msg = import_pth(dir.join("does-not-exist.pth")).unwrap_err().to_string();
    assert!(msg.contains("does-not-exist.pth") && msg.contains("cannot read"), "{msg}");
}
