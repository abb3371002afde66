//! Moving tensors between devices, building tensors on a given device, and the one rule every
//! op follows to pick a backend: all operands on the CPU run there, all on one GPU run there,
//! anything else is a panic naming the op and both devices.

use crate::gpu::{GpuBuffer, GpuDevice, GpuError};
use crate::layout::Layout;
use crate::storage::{Device, Storage};
use crate::tensor::Tensor;

/// Where an op runs.
pub(crate) enum On {
    Cpu,
    Gpu(GpuDevice),
}

/// The backend for an op over `ts`; panics when they live on different devices.
pub(crate) fn placement(op: &str, ts: &[&Tensor]) -> On {
    let mut gpu: Option<&GpuDevice> = None;
    let mut cpu: Option<&Tensor> = None;
    for t in ts {
        match t.storage.as_ref() {
            Storage::Cpu(_) => cpu = cpu.or(Some(t)),
            Storage::Gpu(b) => match gpu {
                Some(g) if g != b.device() => panic!("{op}: operands on two devices: {g} and {}", b.device()),
                _ => gpu = Some(b.device()),
            },
        }
    }
    match (gpu, cpu) {
        (None, _) => On::Cpu,
        (Some(g), None) => On::Gpu(g.clone()),
        (Some(g), Some(c)) => {
            panic!("{op}: operands on two devices: cpu (shape {:?}) and {g}; move one with `.to(&device)`", c.shape())
        }
    }
}

/// The value of a GPU step, or a panic naming the op (out of memory, a limit, a lost device).
pub(crate) fn gpu_ok<T>(op: &str, r: Result<T, GpuError>) -> T {
    r.unwrap_or_else(|e| panic!("{op}: {e}"))
}

impl Tensor {
    /// This tensor's data on `device` (shares storage when it is already there).
    pub fn to(&self, device: &Device) -> Tensor {
        self.try_to(device).unwrap_or_else(|e| panic!("to({device}): {e}"))
    }

    /// `to` that reports GPU failures (no memory, a limit, a lost device) as an error.
    pub fn try_to(&self, device: &Device) -> Result<Tensor, GpuError> {
        if &self.device() == device {
            return Ok(self.clone());
        }
        let data = self.try_to_vec()?;
        match device {
            Device::Cpu => Ok(Tensor::from_vec(data, self.shape())),
            Device::Gpu(g) => Ok(Tensor::from_gpu(g.upload(&data)?, self.shape())),
        }
    }

    /// The elements in row-major order; GPU failures come back as an error.
    pub fn try_to_vec(&self) -> Result<Vec<f32>, GpuError> {
        match self.storage.as_ref() {
            Storage::Cpu(v) => Ok(crate::cpu::elementwise::copy_strided(v, &self.layout)),
            Storage::Gpu(b) => {
                if self.is_contiguous() {
                    return b.read(self.layout.offset, self.numel());
                }
                let dense = b.device().copy_strided(b, &self.layout)?;
                dense.read(0, self.numel())
            }
        }
    }

    /// A tensor of `shape` filled with `v` on `device`.
    pub fn full_on(shape: &[usize], v: f32, device: &Device) -> Tensor {
        match device {
            Device::Cpu => Tensor::full(shape, v),
            Device::Gpu(g) if v == 0.0 => Tensor::from_gpu(gpu_ok("zeros", g.zeros(shape.iter().product())), shape),
            Device::Gpu(_) => Tensor::full(shape, v).to(device),
        }
    }

    pub fn zeros_on(shape: &[usize], device: &Device) -> Tensor {
        Tensor::full_on(shape, 0.0, device)
    }

    pub fn ones_on(shape: &[usize], device: &Device) -> Tensor {
        Tensor::full_on(shape, 1.0, device)
    }

    /// A 0-d tensor holding `v` on `device`.
    pub fn scalar_on(v: f32, device: &Device) -> Tensor {
        Tensor::full_on(&[], v, device)
    }

    /// A 0-d tensor holding `v` on this tensor's device (for constants in expressions).
    pub fn scalar_like(&self, v: f32) -> Tensor {
        Tensor::scalar_on(v, &self.device())
    }

    /// A dense tensor on the GPU wrapping `buf` (which holds exactly `shape`'s elements).
    pub(crate) fn from_gpu(buf: GpuBuffer, shape: &[usize]) -> Tensor {
        Tensor::from_storage(Storage::Gpu(buf), Layout::contiguous(shape))
    }

    /// The GPU buffer behind this tensor (callers checked the placement).
    pub(crate) fn gpu_buf(&self) -> &GpuBuffer {
        self.storage
            .as_gpu()
            .unwrap_or_else(|| panic!("internal: expected a GPU tensor, got shape {:?} on the cpu", self.shape()))
    }

    /// This GPU tensor dense from element 0 of its buffer (copied if needed), for kernels that
    /// take plain arrays.
    pub(crate) fn gpu_dense(&self, op: &str) -> Tensor {
        if self.is_contiguous() && self.layout.offset == 0 {
            return self.clone();
        }
        let b = self.gpu_buf();
        Tensor::from_gpu(gpu_ok(op, b.device().copy_strided(b, &self.layout)), self.shape())
    }
}
