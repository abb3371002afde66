//! The GPU device for tests, or a skip: `EXTRACT_REQUIRE_GPU=1` makes a missing wgpu adapter a
//! failure (CI sets it and installs lavapipe, so every kernel runs there); without it a machine
//! with no adapter prints `skipped: no wgpu adapter` and the test passes.

use tensor::{Device, GpuDevice};

/// The shared GPU as a `Device`, or `None` (after printing the skip line) when there is none.
/// Panics when `EXTRACT_REQUIRE_GPU=1` and no adapter is found.
pub fn gpu_or_skip() -> Option<Device> {
    if let Some(g) = GpuDevice::shared() {
        return Some(Device::Gpu(g));
    }
    let required = std::env::var("EXTRACT_REQUIRE_GPU").is_ok_and(|v| v == "1");
    if required {
        let why = GpuDevice::open().err().map(|e| e.to_string()).unwrap_or_default();
        panic!("EXTRACT_REQUIRE_GPU=1 but no wgpu adapter was found ({why})");
    }
    println!("skipped: no wgpu adapter");
    None
}
