//! Checkpoints: safetensors save/load of named tensors (parameters, buffers, optimizer state), safe
//! loading into a model, and import of PyTorch `.pth` state dicts (zip and legacy formats) without
//! Python.
//!
//! ```text
//! save(path, &tensors, &metadata, StoreDtype::F32)   atomic write (temp file + fsync + rename)
//! load(path) -> Checkpoint { tensors, metadata }      f16 / bf16 / f64 / integers come back as f32
//! ckpt.load_into(&params, &LoadOptions)               all names and shapes checked before any set
//! import_pth(path) -> Vec<(String, Tensor)>           nested dicts flattened to dotted names
//! ```
//!
//! Every error is a [`CheckpointError`] whose `Display` is one line naming the file; nothing in
//! here panics on file contents.

mod apply;
mod atomic;
mod error;
mod pickle;
mod pth;
mod safetensors_io;
mod torch;
mod unpickler;
#[cfg(test)]
mod unpickler_tests;

pub use apply::{LoadOptions, load_into, load_module, module_slots, save_module};
pub use error::{CheckpointError, MismatchReport};
pub use pth::{import_pth, import_pth_bytes, strip_prefix};
pub use safetensors_io::{load, save};

use std::path::PathBuf;
use tensor::Tensor;

/// How tensors are stored on disk by [`save`]; compute is always f32.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreDtype {
    /// Bit-exact.
    F32,
    /// IEEE half: half the size, ~3 significant digits; magnitudes past 65504 become ±inf.
    F16,
    /// bfloat16: half the size, f32's range, ~2 significant digits.
    BF16,
}

/// A loaded safetensors file.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// The file it was read from (named in errors).
    pub path: PathBuf,
    /// Tensors in file order.
    pub tensors: Vec<(String, Tensor)>,
    /// String metadata, sorted by key.
    pub metadata: Vec<(String, String)>,
}

impl Checkpoint {
    /// The tensor called `name`.
    pub fn get(&self, name: &str) -> Option<&Tensor> {
        self.tensors.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }

    /// The metadata value for `key`.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The entries under `prefix`, with it removed (e.g. `"optim."` for optimizer state).
    pub fn with_prefix(&self, prefix: &str) -> Vec<(String, Tensor)> {
        strip_prefix(&self.tensors, prefix)
    }
}
