//! `Tensor`: an immutable, cheaply cloned view (`Layout`) over shared storage, plus constructors,
//! accessors and the zero-copy view operations.

use crate::layout::{Layout, contiguous_strides, normalize_dim};
use crate::storage::{Device, Storage};
use std::sync::Arc;

/// An n-dimensional f32 array. Cloning shares the data; every op returns a new tensor.
#[derive(Clone)]
pub struct Tensor {
    pub(crate) storage: Arc<Storage>,
    pub(crate) layout: Layout,
}

impl Tensor {
    /// Wraps a dense row-major buffer; panics if `data.len()` does not match `shape`.
    pub fn from_vec(data: Vec<f32>, shape: &[usize]) -> Tensor {
        let n: usize = shape.iter().product();
        assert_eq!(data.len(), n, "from_vec: {} values cannot fill shape {shape:?}", data.len());
        Tensor { storage: Arc::new(Storage::Cpu(data)), layout: Layout::contiguous(shape) }
    }

    /// Like `from_vec` but returns an error message instead of panicking (for data from outside).
    pub fn try_from_vec(data: Vec<f32>, shape: &[usize]) -> Result<Tensor, String> {
        let n: usize = shape.iter().product();
        if data.len() != n {
            return Err(format!("expected {n} values for shape {shape:?}, got {}", data.len()));
        }
        Ok(Tensor::from_vec(data, shape))
    }

    pub fn from_slice(data: &[f32], shape: &[usize]) -> Tensor {
        Tensor::from_vec(data.to_vec(), shape)
    }

    /// A 0-dimensional tensor holding `v`.
    pub fn scalar(v: f32) -> Tensor {
        Tensor::from_vec(vec![v], &[])
    }

    pub fn full(shape: &[usize], v: f32) -> Tensor {
        Tensor::from_vec(vec![v; shape.iter().product()], shape)
    }

    pub fn zeros(shape: &[usize]) -> Tensor {
        Tensor::full(shape, 0.0)
    }

    pub fn ones(shape: &[usize]) -> Tensor {
        Tensor::full(shape, 1.0)
    }

    /// Zeros of this tensor's shape, on its device.
    pub fn zeros_like(&self) -> Tensor {
        Tensor::zeros_on(self.shape(), &self.device())
    }

    /// Ones of this tensor's shape, on its device.
    pub fn ones_like(&self) -> Tensor {
        Tensor::ones_on(self.shape(), &self.device())
    }

    /// `[0, 1, ..., n-1]`.
    pub fn arange(n: usize) -> Tensor {
        Tensor::from_vec((0..n).map(|i| i as f32).collect(), &[n])
    }

    /// `n x n` identity matrix.
    pub fn eye(n: usize) -> Tensor {
        let mut v = vec![0.0; n * n];
        for i in 0..n {
            v[i * n + i] = 1.0;
        }
        Tensor::from_vec(v, &[n, n])
    }

    pub(crate) fn from_storage(storage: Storage, layout: Layout) -> Tensor {
        Tensor { storage: Arc::new(storage), layout }
    }

    /// A new tensor sharing this one's storage under another layout.
    pub(crate) fn with_layout(&self, layout: Layout) -> Tensor {
        Tensor { storage: self.storage.clone(), layout }
    }

    pub fn shape(&self) -> &[usize] {
        &self.layout.shape
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn strides(&self) -> &[usize] {
        &self.layout.strides
    }

    pub fn rank(&self) -> usize {
        self.layout.rank()
    }

    pub fn numel(&self) -> usize {
        self.layout.numel()
    }

    pub fn device(&self) -> Device {
        self.storage.device()
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Size of dimension `dim` (negative counts from the end).
    pub fn dim(&self, dim: isize) -> usize {
        self.shape()[normalize_dim(dim, self.rank(), "dim")]
    }

    pub fn is_contiguous(&self) -> bool {
        self.layout.is_contiguous()
    }

    /// True when both tensors view the same storage.
    pub fn same_storage(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.storage, &other.storage)
    }

    /// The elements in row-major order (read back from a GPU, waiting for it; panics with the
    /// device's message if the GPU failed: see `try_to_vec`).
    pub fn to_vec(&self) -> Vec<f32> {
        self.try_to_vec().unwrap_or_else(|e| panic!("to_vec: {e}"))
    }

    /// The single value of a one-element tensor.
    pub fn item(&self) -> f32 {
        assert_eq!(
            self.numel(),
            1,
            "item: tensor of shape {:?} has {} elements, expected 1",
            self.shape(),
            self.numel()
        );
        match self.storage.as_ref() {
            Storage::Cpu(v) => v[self.layout.offset],
            Storage::Gpu(_) => self.to_vec()[0],
        }
    }

    /// A dense copy (or `self` when already dense).
    pub fn contiguous(&self) -> Tensor {
        if self.is_contiguous() {
            return self.clone();
        }
        match self.storage.as_ref() {
            Storage::Cpu(_) => Tensor::from_vec(self.to_vec(), self.shape()),
            Storage::Gpu(_) => self.gpu_dense("contiguous"),
        }
    }

    /// Same elements under a new shape: a view when the strides allow it, otherwise a copy. Panics if the element counts differ.
    pub fn reshape(&self, shape: &[usize]) -> Tensor {
        let n: usize = shape.iter().product();
        assert_eq!(n, self.numel(), "reshape: cannot view shape {:?} as {shape:?}", self.shape());
        match self.layout.reshape(shape) {
            Some(l) => self.with_layout(l),
            None => self.contiguous().with_layout(Layout::contiguous(shape)),
        }
    }

    /// `reshape` where one dim given as -1 is inferred.
    pub fn reshape_infer(&self, shape: &[isize]) -> Tensor {
        let known: usize = shape.iter().filter(|&&s| s >= 0).map(|&s| s as usize).product();
        let dims: Vec<usize> =
            shape.iter().map(|&s| if s < 0 { self.numel() / known.max(1) } else { s as usize }).collect();
        self.reshape(&dims)
    }

    /// All dims merged into one.
    pub fn flatten(&self) -> Tensor {
        self.reshape(&[self.numel()])
    }

    /// Reorders dims: result dim `i` is source dim `perm[i]`.
    pub fn permute(&self, perm: &[usize]) -> Tensor {
        let mut seen = perm.to_vec();
        seen.sort_unstable();
        assert!(
            seen == (0..self.rank()).collect::<Vec<_>>(),
            "permute: {perm:?} is not a permutation of the dims of shape {:?}",
            self.shape()
        );
        self.with_layout(self.layout.permute(perm))
    }

    /// Swaps two dims (negative indices allowed).
    pub fn transpose(&self, d0: isize, d1: isize) -> Tensor {
        let (a, b) = (normalize_dim(d0, self.rank(), "transpose"), normalize_dim(d1, self.rank(), "transpose"));
        let mut perm: Vec<usize> = (0..self.rank()).collect();
        perm.swap(a, b);
        self.permute(&perm)
    }

    /// Transpose of the last two dims.
    pub fn t(&self) -> Tensor {
        self.transpose(-2, -1)
    }

    /// `len` entries of `dim` starting at `start` (a view).
    pub fn narrow(&self, dim: isize, start: usize, len: usize) -> Tensor {
        let d = normalize_dim(dim, self.rank(), "narrow");
        assert!(
            start + len <= self.shape()[d],
            "narrow: range {start}..{} out of bounds for dim {d} of shape {:?}",
            start + len,
            self.shape()
        );
        self.with_layout(self.layout.narrow(d, start, len))
    }

    /// Entry `index` of `dim`, with that dim removed (a view).
    pub fn select(&self, dim: isize, index: usize) -> Tensor {
        let d = normalize_dim(dim, self.rank(), "select");
        self.narrow(d as isize, index, 1).squeeze(d as isize)
    }

    /// Broadcast view to `shape` (size-1 or missing leading dims repeat with stride 0).
    pub fn broadcast_to(&self, shape: &[usize]) -> Tensor {
        match self.layout.broadcast_to(shape) {
            Some(l) => self.with_layout(l),
            None => panic!("broadcast_to: cannot broadcast shape {:?} to {shape:?}", self.shape()),
        }
    }

    /// PyTorch's name for `broadcast_to`.
    pub fn expand(&self, shape: &[usize]) -> Tensor {
        self.broadcast_to(shape)
    }

    /// Removes size-1 dim `dim`.
    pub fn squeeze(&self, dim: isize) -> Tensor {
        let d = normalize_dim(dim, self.rank(), "squeeze");
        assert_eq!(self.shape()[d], 1, "squeeze: dim {d} of shape {:?} is not 1", self.shape());
        let mut l = self.layout.clone();
        l.shape.remove(d);
        l.strides.remove(d);
        self.with_layout(l)
    }

    /// Inserts a size-1 dim at `dim` (0..=rank; negative counts from the end).
    pub fn unsqueeze(&self, dim: isize) -> Tensor {
        let r = self.rank() as isize + 1;
        let d = if dim < 0 { dim + r } else { dim };
        assert!((0..r).contains(&d), "unsqueeze: dim {dim} out of range for shape {:?}", self.shape());
        let d = d as usize;
        let mut l = self.layout.clone();
        let stride = if d < l.rank() { l.strides[d] * l.shape[d] } else { 1 };
        l.shape.insert(d, 1);
        l.strides.insert(d, stride);
        self.with_layout(l)
    }

    /// Row-major strides a dense tensor of this shape would have.
    pub fn dense_strides(&self) -> Vec<usize> {
        contiguous_strides(self.shape())
    }
}
