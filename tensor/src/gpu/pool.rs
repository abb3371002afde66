//! Buffer reuse: freed storage buffers wait in a pool keyed by their byte size, so a training
//! loop (the same shapes every step) stops allocating after its first step.

use std::collections::HashMap;

/// Pooled bytes beyond this are released to the driver instead of kept.
const MAX_POOLED_BYTES: u64 = 1 << 30;

/// Idle buffers by (byte size, uniform?).
#[derive(Default)]
pub(crate) struct Pool {
    free: HashMap<(u64, bool), Vec<wgpu::Buffer>>,
    bytes: u64,
}

impl Pool {
    pub(crate) fn take(&mut self, bytes: u64, uniform: bool) -> Option<wgpu::Buffer> {
        let b = self.free.get_mut(&(bytes, uniform))?.pop()?;
        self.bytes -= bytes;
        Some(b)
    }

    pub(crate) fn put(&mut self, buffer: wgpu::Buffer, uniform: bool) {
        let bytes = buffer.size();
        if self.bytes + bytes > MAX_POOLED_BYTES {
            return; // dropping the handle frees the memory
        }
        self.bytes += bytes;
        self.free.entry((bytes, uniform)).or_default().push(buffer);
    }
}

/// Allocation size for `n` f32s: a multiple of 256 bytes (so near sizes share pool slots),
/// never zero (bindings must not be empty).
pub(crate) fn rounded_bytes(n: usize) -> u64 {
    ((n.max(1) * 4) as u64).div_ceil(256) * 256
}
