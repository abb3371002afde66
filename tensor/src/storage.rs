//! Where tensor data lives: `Storage` is an enum over backends, `Device` names one.
//!
//! Only the CPU backend exists so far; the wgpu backend (issue "GPU backend") adds
//! `Storage::Gpu` and `Device::Gpu` here, and nothing above `tensor` changes.

use std::fmt;

/// A compute device a tensor can live on.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Device {
    #[default]
    Cpu,
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => write!(f, "cpu"),
        }
    }
}

/// The data behind one or more tensors (shared through `Arc`, never mutated after creation).
#[derive(Debug)]
pub enum Storage {
    Cpu(Vec<f32>),
}

impl Storage {
    pub fn device(&self) -> Device {
        match self {
            Storage::Cpu(_) => Device::Cpu,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Storage::Cpu(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The host slice of a CPU storage.
    pub fn as_cpu(&self) -> &[f32] {
        match self {
            Storage::Cpu(v) => v,
        }
    }
}
