//! PyTorch fixtures: the JSON that `fixtures/gen_tensor_fixtures.py` writes, read with serde.
//!
//! Each case names an op, its integer/bool parameters, its inputs (shape + row-major data, made
//! by the script from a fixed seed) and the expected outputs: `out`, and `grad_<input>` for
//! cases that also carry an upstream gradient `gy`.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tensor::Tensor;

/// The whole fixture file.
#[derive(Deserialize, Debug)]
pub struct FixtureFile {
    /// How the file was made (script path and command).
    pub generator: String,
    pub torch_version: String,
    pub seed: u64,
    pub cases: Vec<Case>,
}

/// One op applied to fixed inputs, with PyTorch's results.
#[derive(Deserialize, Debug)]
pub struct Case {
    pub name: String,
    pub op: String,
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
    pub inputs: BTreeMap<String, TensorData>,
    pub expected: BTreeMap<String, TensorData>,
}

/// A dense tensor as stored in JSON.
#[derive(Deserialize, Debug, Clone)]
pub struct TensorData {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl TensorData {
    pub fn to_tensor(&self) -> Result<Tensor, String> {
        Tensor::try_from_vec(self.data.clone(), &self.shape)
    }
}

impl Case {
    fn param(&self, key: &str) -> &Value {
        self.params.get(key).unwrap_or_else(|| panic!("fixture case {}: missing param {key:?}", self.name))
    }

    /// A non-negative integer parameter.
    pub fn usize(&self, key: &str) -> usize {
        let v = self.param(key).as_u64();
        v.unwrap_or_else(|| panic!("fixture case {}: param {key:?} is not a non-negative integer", self.name)) as usize
    }

    /// A signed integer parameter (a dim).
    pub fn isize(&self, key: &str) -> isize {
        let v = self.param(key).as_i64();
        v.unwrap_or_else(|| panic!("fixture case {}: param {key:?} is not an integer", self.name)) as isize
    }

    /// A boolean parameter; `false` when absent.
    pub fn flag(&self, key: &str) -> bool {
        self.params.get(key).and_then(Value::as_bool).unwrap_or(false)
    }

    /// A list of dims (`[]` = all dims).
    pub fn dims(&self, key: &str) -> Vec<isize> {
        let list = self.param(key).as_array();
        let list = list.unwrap_or_else(|| panic!("fixture case {}: param {key:?} is not a list", self.name));
        list.iter().map(|v| v.as_i64().expect("integer dim") as isize).collect()
    }

    /// The named input, or a panic naming the case.
    pub fn input(&self, key: &str) -> Tensor {
        let data = self.inputs.get(key).unwrap_or_else(|| panic!("fixture case {}: missing input {key:?}", self.name));
        data.to_tensor().unwrap_or_else(|e| panic!("fixture case {}: input {key:?}: {e}", self.name))
    }

    /// The named expected output, or a panic naming the case.
    pub fn expected(&self, key: &str) -> Tensor {
        let data =
            self.expected.get(key).unwrap_or_else(|| panic!("fixture case {}: missing expected {key:?}", self.name));
        data.to_tensor().unwrap_or_else(|e| panic!("fixture case {}: expected {key:?}: {e}", self.name))
    }
}

/// Path of a committed fixture file, e.g. `tensor_ops.json`.
pub fn fixture_path(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(file)
}

/// Reads and parses a fixture file; the error names the file and what went wrong.
pub fn load(path: &Path) -> Result<FixtureFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
