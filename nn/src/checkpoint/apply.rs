//! Putting checkpoint tensors into parameters: `load_into` checks every name and shape first and
//! sets values only when all fit, so a model is never half-loaded; plus module save/load helpers.

use super::error::{CheckpointError, MismatchReport};
use super::{Checkpoint, StoreDtype, load, save};
use crate::Module;
use autograd::Param;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use tensor::Tensor;

/// Which checkpoint entries a `load_into` considers, and whether absent/extra names are errors.
///
/// One file can hold a module and its optimizer (`optim.`-prefixed): load the module with
/// `LoadOptions::default().skip_prefix("optim.")` and the optimizer with
/// `LoadOptions::default().prefix("optim.")`.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Missing and unexpected names are errors (shape mismatches and duplicates always are).
    pub strict: bool,
    /// Only entries whose name starts with this are used, with it removed (`""`: all entries).
    pub prefix: String,
    /// Entries whose (full) name starts with any of these are ignored.
    pub skip_prefixes: Vec<String>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { strict: true, prefix: String::new(), skip_prefixes: Vec::new() }
    }
}

impl LoadOptions {
    /// Tolerates missing and unexpected names: loads the names both sides have.
    pub fn lenient() -> Self {
        LoadOptions { strict: false, ..LoadOptions::default() }
    }

    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    pub fn skip_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.skip_prefixes.push(prefix.into());
        self
    }

    /// The name this entry fills in the model, or `None` when the options exclude it.
    fn select<'a>(&self, name: &'a str) -> Option<&'a str> {
        if self.skip_prefixes.iter().any(|p| name.starts_with(p.as_str())) {
            return None;
        }
        name.strip_prefix(self.prefix.as_str())
    }
}

/// Compares the selected entries with `params` by name and shape.
fn check<'t>(
    params: &[Param],
    tensors: &'t [(String, Tensor)],
    opts: &LoadOptions,
) -> (MismatchReport, HashMap<&'t str, &'t Tensor>) {
    let mut report = MismatchReport::default();
    let mut by_name: HashMap<&str, &Tensor> = HashMap::new();
    for (name, t) in tensors {
        if let Some(key) = opts.select(name)
            && by_name.insert(key, t).is_some()
        {
            report.duplicate.push(name.clone());
        }
    }
    let mut model_names = HashSet::new();
    for p in params {
        if !model_names.insert(p.name()) {
            report.duplicate.push(p.name().to_string());
        }
        match by_name.get(p.name()) {
            None if opts.strict => report.missing.push(p.name().to_string()),
            None => {}
            Some(t) if t.shape() != p.shape().as_slice() => {
                report.shape.push((p.name().to_string(), t.shape().to_vec(), p.shape()))
            }
            Some(_) => {}
        }
    }
    if opts.strict {
        let mut extra: Vec<String> =
            by_name.keys().filter(|k| !model_names.contains(*k)).map(|k| format!("{}{k}", opts.prefix)).collect();
        extra.sort();
        report.unexpected = extra;
    }
    (report, by_name)
}

/// Sets each parameter to the entry of the same name. Everything is checked first; on any
/// missing/unexpected name (when strict), shape mismatch or duplicate, the one error lists them
/// all (naming `source`, the file they came from) and no parameter is changed.
pub fn load_into(
    params: &[Param],
    tensors: &[(String, Tensor)],
    source: impl AsRef<Path>,
    opts: &LoadOptions,
) -> Result<(), CheckpointError> {
    let (report, by_name) = check(params, tensors, opts);
    if !report.is_empty() {
        return Err(CheckpointError::Mismatch { path: source.as_ref().to_path_buf(), report });
    }
    // Loaded values land on the device each parameter lives on (files are read on the CPU).
    for p in params {
        if let Some(t) = by_name.get(p.name()) {
            p.set(t.to(&p.value().device()));
        }
    }
    Ok(())
}

impl Checkpoint {
    /// `load_into` with this checkpoint's tensors, naming its file in errors.
    pub fn load_into(&self, params: &[Param], opts: &LoadOptions) -> Result<(), CheckpointError> {
        load_into(params, &self.tensors, &self.path, opts)
    }
}

/// The parameters followed by the buffers (BatchNorm running statistics) of a module.
pub fn module_slots(module: &dyn Module) -> Vec<Param> {
    module.parameters().into_iter().chain(module.buffers()).collect()
}

/// Saves a module's parameters and buffers (f32, bit-exact) with `metadata`.
pub fn save_module(
    path: impl AsRef<Path>,
    module: &dyn Module,
    metadata: &[(String, String)],
) -> Result<(), CheckpointError> {
    save(path, &module.state_dict(), metadata, StoreDtype::F32)
}

/// Loads every parameter and buffer of `module` from a file written by `save_module` (strict:
/// the file must hold exactly the module's names). Returns the checkpoint for its metadata.
pub fn load_module(path: impl AsRef<Path>, module: &dyn Module) -> Result<Checkpoint, CheckpointError> {
    let ckpt = load(path)?;
    ckpt.load_into(&module_slots(module), &LoadOptions::default())?;
    Ok(ckpt)
}
