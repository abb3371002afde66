//! Where tensor data lives: `Storage` is an enum over backends, `Device` names one.

use crate::gpu::{GpuBuffer, GpuDevice};
use std::fmt;

/// A compute device a tensor can live on. Constructors (`from_vec`, `zeros`, ...) build CPU
/// tensors; `Tensor::to` moves data, and ops run where their operands are.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Device {
    #[default]
    Cpu,
    Gpu(GpuDevice),
}

impl Device {
    /// The process-wide GPU when a hardware wgpu adapter is present, the CPU otherwise. A software
    /// adapter (Mesa's lavapipe reports device type `Cpu`) is never chosen here: it runs our kernels
    /// at ~1 GFLOP/s, far below the CPU backend; `Device::gpu()` still opens it when asked.
    pub fn auto() -> Device {
        match GpuDevice::shared() {
            Some(g) if !g.info().software => Device::Gpu(g),
            _ => Device::Cpu,
        }
    }

    /// The process-wide GPU, or an error saying why there is none.
    pub fn gpu() -> Result<Device, crate::gpu::GpuError> {
        GpuDevice::shared().map(Device::Gpu).ok_or_else(|| {
            crate::gpu::GpuError("no wgpu adapter (no GPU driver, or no Vulkan/Metal/DX12 loader)".into())
        })
    }

    /// `cpu`, `gpu` or `auto` (as a command line takes it).
    pub fn parse(name: &str) -> Result<Device, String> {
        match name {
            "cpu" => Ok(Device::Cpu),
            "gpu" => Device::gpu().map_err(|e| e.to_string()),
            "auto" => Ok(Device::auto()),
            other => Err(format!("unknown device {other:?}: expected cpu, gpu or auto")),
        }
    }

    pub fn is_gpu(&self) -> bool {
        matches!(self, Device::Gpu(_))
    }

    /// Waits until every queued GPU command has run (a no-op on the CPU); for timing.
    pub fn sync(&self) -> Result<(), crate::gpu::GpuError> {
        match self {
            Device::Cpu => Ok(()),
            Device::Gpu(g) => g.sync(),
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => write!(f, "cpu"),
            Device::Gpu(g) => write!(f, "{g}"),
        }
    }
}

/// The data behind one or more tensors (shared through `Arc`, never mutated after creation).
#[derive(Debug)]
pub enum Storage {
    Cpu(Vec<f32>),
    Gpu(GpuBuffer),
}

impl Storage {
    pub fn device(&self) -> Device {
        match self {
            Storage::Cpu(_) => Device::Cpu,
            Storage::Gpu(b) => Device::Gpu(b.device().clone()),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Storage::Cpu(v) => v.len(),
            Storage::Gpu(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The host slice of a CPU storage; panics for GPU storage (ops dispatch on the device
    /// before they get here).
    pub fn as_cpu(&self) -> &[f32] {
        match self {
            Storage::Cpu(v) => v,
            Storage::Gpu(b) => panic!("as_cpu: storage lives on {}, not the CPU", b.device()),
        }
    }

    /// The buffer of a GPU storage, or `None` on the CPU.
    pub fn as_gpu(&self) -> Option<&GpuBuffer> {
        match self {
            Storage::Gpu(b) => Some(b),
            Storage::Cpu(_) => None,
        }
    }
}
