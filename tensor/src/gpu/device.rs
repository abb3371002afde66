//! `GpuDevice`: one wgpu adapter's device and queue, what we know about it (name, limits,
//! `shader-f16`), and the shared state behind it (buffer pool, pipeline cache, open batch).

use super::kernels::matmul::MatmulKernel;
use super::pipeline::PipelineCache;
use super::submit::Batch;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// A GPU failure a caller can act on: no adapter, out of memory, a size over a device limit,
/// a lost device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GpuError(pub String);

impl fmt::Display for GpuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gpu: {}", self.0)
    }
}

impl std::error::Error for GpuError {}

/// What the adapter says about itself.
#[derive(Clone, Debug)]
pub struct GpuInfo {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
    /// A software rasteriser rather than a GPU (device type `Cpu`, e.g. Mesa's lavapipe).
    pub software: bool,
    /// The adapter can run WGSL `f16` arithmetic (`shader-f16`).
    pub shader_f16: bool,
    pub max_storage_buffer_binding_size: u64,
    pub max_buffer_size: u64,
    pub max_compute_workgroups_per_dimension: u32,
}

pub(crate) struct Inner {
    pub(crate) id: u64,
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    pub(crate) info: GpuInfo,
    pub(crate) pipelines: PipelineCache,
    pub(crate) batch: Mutex<Batch>,
    /// The first uncaptured wgpu error or device loss; every later operation reports it.
    pub(crate) failure: Arc<Mutex<Option<String>>>,
    /// Offsets of uniform bindings must be multiples of this (the adapter's limit).
    pub(crate) uniform_align: usize,
    /// The matmul kernel setting (`Auto` unless forced) and whether f16 compute is on.
    matmul: Mutex<(MatmulKernel, bool)>,
}

/// A handle to one GPU (cheap to clone; clones share the device, pool and caches).
#[derive(Clone)]
pub struct GpuDevice {
    pub(crate) inner: Arc<Inner>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

impl GpuDevice {
    /// Opens the default (high-performance) adapter, or `None` when there is none or it cannot
    /// give us a device. Asks for the adapter's own limits, so big buffers are allowed.
    pub fn try_new() -> Option<GpuDevice> {
        GpuDevice::open().ok()
    }

    /// `try_new` with the reason on failure.
    pub fn open() -> Result<GpuDevice, GpuError> {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let options = wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            force_fallback_adapter: false,
            compatible_surface: None,
            apply_limit_buckets: false,
        };
        let adapter = pollster::block_on(instance.request_adapter(&options))
            .map_err(|e| GpuError(format!("no wgpu adapter: {e}")))?;
        let features = adapter.features() & wgpu::Features::SHADER_F16;
        let limits = adapter.limits();
        let desc = wgpu::DeviceDescriptor {
            label: Some("tensor"),
            required_features: features,
            required_limits: limits.clone(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        };
        let (device, queue) = pollster::block_on(adapter.request_device(&desc))
            .map_err(|e| GpuError(format!("adapter {} gave no device: {e}", adapter.get_info().name)))?;
        let a = adapter.get_info();
        let info = GpuInfo {
            name: a.name.clone(),
            backend: format!("{:?}", a.backend),
            device_type: format!("{:?}", a.device_type),
            software: a.device_type == wgpu::DeviceType::Cpu,
            driver: format!("{} {}", a.driver, a.driver_info).trim().to_string(),
            shader_f16: features.contains(wgpu::Features::SHADER_F16),
            max_storage_buffer_binding_size: limits.max_storage_buffer_binding_size,
            max_buffer_size: limits.max_buffer_size,
            max_compute_workgroups_per_dimension: limits.max_compute_workgroups_per_dimension,
        };
        let failure = Arc::new(Mutex::new(None));
        let f = failure.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| record(&f, format!("{e}"))));
        let f = failure.clone();
        device.set_device_lost_callback(move |reason, msg| record(&f, format!("device lost ({reason:?}): {msg}")));
        let inner = Inner {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            device,
            queue,
            info,
            pipelines: PipelineCache::default(),
            batch: Mutex::new(Batch::default()),
            failure,
            uniform_align: limits.min_uniform_buffer_offset_alignment.max(16) as usize,
            matmul: Mutex::new((MatmulKernel::Auto, false)),
        };
        Ok(GpuDevice { inner: Arc::new(inner) })
    }

    /// One device per process, opened on first use (`None` without an adapter).
    pub fn shared() -> Option<GpuDevice> {
        static SHARED: OnceLock<Option<GpuDevice>> = OnceLock::new();
        SHARED.get_or_init(GpuDevice::try_new).clone()
    }

    pub fn info(&self) -> &GpuInfo {
        &self.inner.info
    }

    /// Forces one matmul kernel on this device (benchmarks and tests); `MatmulKernel::Auto`, the
    /// default, picks by the product's size.
    pub fn set_matmul_kernel(&self, kernel: MatmulKernel) {
        lock(&self.inner.matmul).0 = kernel;
    }

    /// The matmul kernel setting (`Auto` unless forced).
    pub fn matmul_kernel(&self) -> MatmulKernel {
        lock(&self.inner.matmul).0
    }

    /// Opt-in f16 arithmetic: products that run on the wide matmul kernel round their inputs to
    /// f16 and sum 16 products at a time in f16 (error about 1e-3 of sum |a||b| per output; see
    /// `matrix/matmul_wide_f16.wgsl`). Data stays f32 in memory. Fails on an adapter without
    /// `shader-f16`.
    pub fn set_f16_compute(&self, on: bool) -> Result<(), GpuError> {
        if on && !self.inner.info.shader_f16 {
            return Err(GpuError(format!("f16 compute: adapter {} has no shader-f16", self.inner.info.name)));
        }
        lock(&self.inner.matmul).1 = on;
        Ok(())
    }

    /// Whether f16 compute is on.
    pub fn f16_compute(&self) -> bool {
        lock(&self.inner.matmul).1
    }

    /// A number unique to this device within the process (`Device` equality uses it).
    pub fn id(&self) -> u64 {
        self.inner.id
    }

    /// `Err` once the device has reported an error (out of memory, validation, device lost);
    /// every later GPU operation fails with the same message.
    pub fn status(&self) -> Result<(), GpuError> {
        match lock(&self.inner.failure).as_ref() {
            Some(msg) => Err(GpuError(msg.clone())),
            None => Ok(()),
        }
    }

    /// Submits the open batch of commands and waits until the GPU has run everything.
    pub fn sync(&self) -> Result<(), GpuError> {
        self.flush();
        self.inner
            .device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError(format!("waiting for the device: {e}")))?;
        self.status()
    }
}

fn record(slot: &Mutex<Option<String>>, msg: String) {
    let mut s = lock(slot);
    if s.is_none() {
        *s = Some(msg);
    }
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it (the state stays
/// consistent: every critical section leaves it valid before anything can panic).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl PartialEq for GpuDevice {
    fn eq(&self, other: &Self) -> bool {
        self.inner.id == other.inner.id
    }
}

impl Eq for GpuDevice {}

impl fmt::Debug for GpuDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gpu:{} ({}, {})", self.inner.id, self.inner.info.name, self.inner.info.backend)
    }
}

impl fmt::Display for GpuDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gpu:{}", self.inner.id)
    }
}
