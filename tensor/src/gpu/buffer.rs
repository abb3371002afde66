//! `GpuBuffer`: a storage buffer of f32s on one device, handed back to the device's pool when
//! dropped.

use super::device::{GpuDevice, lock};
use std::fmt;

/// `len` f32s in a wgpu storage buffer (the allocation may be larger: sizes are rounded so
/// the pool can reuse them).
pub struct GpuBuffer {
    pub(crate) buffer: Option<wgpu::Buffer>,
    pub(crate) len: usize,
    pub(crate) device: GpuDevice,
}

impl GpuBuffer {
    /// Number of f32 elements.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn device(&self) -> &GpuDevice {
        &self.device
    }

    pub(crate) fn raw(&self) -> &wgpu::Buffer {
        self.buffer.as_ref().expect("a GpuBuffer holds its buffer until dropped")
    }

    /// The `n` elements starting at element `offset`, read back to the host (waits for the GPU).
    pub fn read(&self, offset: usize, n: usize) -> Result<Vec<f32>, super::GpuError> {
        self.device.read(self.raw(), offset, n)
    }
}

impl Drop for GpuBuffer {
    fn drop(&mut self) {
        if let Some(b) = self.buffer.take() {
            // Commands already recorded in the open batch may still use this buffer, so it is
            // only reusable once that batch is submitted (see `Batch::retire`).
            lock(&self.device.inner.batch).retire(b, false);
        }
    }
}

impl fmt::Debug for GpuBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GpuBuffer({} f32 on {:?})", self.len, self.device)
    }
}
