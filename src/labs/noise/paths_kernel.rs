//! The stabilisation paths on the GPU (`paths_kernel.wgsl`): one invocation per
//! path, every step in one dispatch. Its CPU twin is [`super::paths::advance_cpu`].

use super::paths::Sde;
use crate::gpu::{Bindings, Gpu, GpuError, ShaderSpec, WORKGROUP};

pub const WGSL: &str = include_str!("paths_kernel.wgsl");
pub const SHADER: ShaderSpec =
    ShaderSpec { file: "paths_kernel.wgsl", wgsl: WGSL, uniform_size: std::mem::size_of::<Dims>(), storage: 1 };

/// Workgroups along x (the dispatch does not fold: at most 64 × 65,535 paths).
pub const MAX_PATHS: usize = 65_535 * WORKGROUP;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Dims {
    paths: u32,
    steps: u32,
    records: u32,
    key0: u32,
    key1: u32,
    a_dt: f32,
    s: f32,
    pad: u32,
}

/// [`super::paths::advance_cpu`] for every path, on the GPU.
pub struct PathsKernel {
    pipeline: wgpu::ComputePipeline,
    bindings: Bindings,
}

impl PathsKernel {
    pub fn new(gpu: &Gpu) -> PathsKernel {
        PathsKernel {
            pipeline: gpu.compute_pipeline("paths", WGSL),
            bindings: Bindings::new(gpu, "paths", std::mem::size_of::<Dims>()),
        }
    }

    /// `log|X|` of every path at every checkpoint (`paths × (records + 1)`).
    pub async fn run(&mut self, gpu: &Gpu, sde: &Sde) -> Result<Vec<f32>, GpuError> {
        gpu.check()?;
        assert!(sde.paths <= MAX_PATHS, "at most {MAX_PATHS} paths");
        let (a_dt, s) = sde.coefficients();
        let key = sde.key();
        let records = sde.records();
        let dims = Dims {
            paths: sde.paths as u32,
            steps: sde.steps() as u32,
            records: records as u32,
            key0: key[0],
            key1: key[1],
            a_dt,
            s,
            pad: 0,
        };
        let len = sde.paths * (records + 1);
        self.bindings.ensure(gpu, &self.pipeline.get_bind_group_layout(0), &[len], len);
        gpu.queue.write_buffer(&self.bindings.dims, 0, bytemuck::bytes_of(&dims));
        let mut encoder = self.bindings.encoder(gpu);
        self.bindings.pass(&mut encoder, &[(&self.pipeline, (sde.paths.div_ceil(WORKGROUP) as u32, 1))]);
        self.bindings.submit_and_read(gpu, encoder, 0, len).await
    }
}
