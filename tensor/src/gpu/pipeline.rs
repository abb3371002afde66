//! Compute pipelines, built once per (kernel, override constants) and cached.

use shaders::Kernel;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A pipeline's identity: the kernel and the value of its `OP` override (if it has one).
type Key = (Kernel, Option<u32>);

/// A compiled kernel and its bind group layout (asked of the pipeline once, not per dispatch).
pub(crate) struct Pipeline {
    pub(crate) pipeline: wgpu::ComputePipeline,
    pub(crate) layout: wgpu::BindGroupLayout,
}

/// Cached shader modules (one per WGSL file) and pipelines.
#[derive(Default)]
pub(crate) struct PipelineCache {
    modules: Mutex<HashMap<&'static str, Arc<wgpu::ShaderModule>>>,
    pipelines: Mutex<HashMap<Key, Arc<Pipeline>>>,
}

impl PipelineCache {
    pub(crate) fn get(&self, device: &wgpu::Device, kernel: Kernel, op: Option<u32>) -> Arc<Pipeline> {
        if let Some(p) = super::device::lock(&self.pipelines).get(&(kernel, op)) {
            return p.clone();
        }
        let module = self.module(device, kernel);
        let constants: Vec<(&str, f64)> = op.map(|v| vec![("OP", v as f64)]).unwrap_or_default();
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(kernel.name()),
            layout: None,
            module: &module,
            entry_point: Some(kernel.entry_point()),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &constants,
                zero_initialize_workgroup_memory: false,
            },
            cache: None,
        });
        let layout = pipeline.get_bind_group_layout(0);
        let p = Arc::new(Pipeline { pipeline, layout });
        super::device::lock(&self.pipelines).insert((kernel, op), p.clone());
        p
    }

    fn module(&self, device: &wgpu::Device, kernel: Kernel) -> Arc<wgpu::ShaderModule> {
        let mut modules = super::device::lock(&self.modules);
        modules
            .entry(kernel.file())
            .or_insert_with(|| {
                Arc::new(device.create_shader_module(wgpu::ShaderModuleDescriptor {
                    label: Some(kernel.file()),
                    source: wgpu::ShaderSource::Wgsl(kernel.source().into()),
                }))
            })
            .clone()
    }
}
