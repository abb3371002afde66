//! `Param`: a named trainable tensor with a stable identity, shared by modules and optimizers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use tensor::Tensor;

/// Process-unique identity of a parameter; gradients are keyed by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParamId(u64);

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

struct ParamInner {
    id: ParamId,
    name: String,
    value: RwLock<Tensor>,
}

/// A trainable tensor. Clones are handles to the same parameter (same id, same value).
#[derive(Clone)]
pub struct Param(Arc<ParamInner>);

impl Param {
    pub fn new(name: impl Into<String>, value: Tensor) -> Param {
        let id = ParamId(NEXT_ID.fetch_add(1, Ordering::Relaxed));
        Param(Arc::new(ParamInner { id, name: name.into(), value: RwLock::new(value) }))
    }

    pub fn id(&self) -> ParamId {
        self.0.id
    }

    /// Dotted name, e.g. `encoder.lstm.cell0.weight_ih`.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The current value (a cheap handle; later `set`s do not change it).
    pub fn value(&self) -> Tensor {
        self.0.value.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn shape(&self) -> Vec<usize> {
        self.value().shape().to_vec()
    }

    /// Replaces the value; panics if the shape changes (a parameter keeps its shape for life).
    pub fn set(&self, value: Tensor) {
        let mut v = self.0.value.write().unwrap_or_else(|e| e.into_inner());
        assert_eq!(
            v.shape(),
            value.shape(),
            "Param::set: {} has shape {:?}, got {:?}",
            self.0.name,
            v.shape(),
            value.shape()
        );
        *v = value;
    }
}

impl std::fmt::Debug for Param {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Param({}, {:?}, shape={:?})", self.name(), self.id(), self.shape())
    }
}
