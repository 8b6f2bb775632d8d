//! `lbm.wgsl` on a [`Gpu`]: the lattice-Boltzmann flow past a body
//! in f32. [`Lbm`] (f64) is its CPU twin and also supplies the initial state:
//! [`LbmKernel::load`] uploads an [`Lbm`]'s body and populations.

use crate::gpu::{Bindings, Gpu, GpuError, ShaderSpec, WORKGROUP};
use crate::num::lbm::{self, Lbm, Q};

pub const WGSL: &str = include_str!("lbm.wgsl");
/// What this side assumes of `lbm.wgsl`; the shader tests check naga reads the same.
pub const SHADER: ShaderSpec =
    ShaderSpec { file: "lbm.wgsl", wgsl: WGSL, uniform_size: std::mem::size_of::<Dims>(), storage: 4 };

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Dims {
    nx: u32,
    ny: u32,
    inflow: u32,
    omega: f32,
    u0: f32,
    _pad: [u32; 3],
}

const SOLID: usize = 0;
const F: usize = 1;
const NEXT: usize = 2;
const VEL: usize = 3;

pub struct LbmKernel {
    layout: wgpu::BindGroupLayout,
    step: wgpu::ComputePipeline,
    velocity: wgpu::ComputePipeline,
    bindings: Bindings,
    cells: usize,
    /// Steps taken since `load`, counting from the loaded lattice's own.
    pub steps: usize,
}

impl LbmKernel {
    pub fn new(gpu: &Gpu) -> LbmKernel {
        let (layout, mut pipelines) = gpu.compute_pipelines("lbm", WGSL, &["step", "velocity"], SHADER.storage);
        let velocity = pipelines.pop().expect("two pipelines");
        let step = pipelines.pop().expect("two pipelines");
        let bindings = Bindings::new(gpu, "lbm", std::mem::size_of::<Dims>());
        LbmKernel { layout, step, velocity, bindings, cells: 0, steps: 0 }
    }

    /// Takes `lbm`'s geometry, parameters and populations.
    pub fn load(&mut self, gpu: &Gpu, lbm: &Lbm) {
        let cells = lbm.nx * lbm.ny;
        self.bindings.ensure(gpu, &self.layout, &[cells, Q * cells, Q * cells, 2 * cells], Q * cells);
        let dims = Dims {
            nx: lbm.nx as u32,
            ny: lbm.ny as u32,
            inflow: lbm.inflow as u32,
            omega: (1.0 / lbm.tau) as f32,
            u0: lbm::U0 as f32,
            _pad: [0; 3],
        };
        let q = &gpu.queue;
        q.write_buffer(&self.bindings.dims, 0, bytemuck::bytes_of(&dims));
        let solid: Vec<f32> = lbm.solid.iter().map(|&s| s as u8 as f32).collect();
        q.write_buffer(self.bindings.buffer(SOLID), 0, bytemuck::cast_slice(&solid));
        let f: Vec<f32> = lbm.f.iter().map(|&v| v as f32).collect();
        q.write_buffer(self.bindings.buffer(F), 0, bytemuck::cast_slice(&f));
        self.cells = cells;
        self.steps = lbm.steps;
    }

    /// Queues `count` steps (one submission; nothing is read back).
    pub fn advance(&mut self, gpu: &Gpu, count: usize) -> Result<(), GpuError> {
        gpu.check()?;
        let bytes = (Q * self.cells * 4) as u64;
        let groups = (self.cells.div_ceil(WORKGROUP) as u32, 1);
        let mut encoder = self.bindings.encoder(gpu);
        for _ in 0..count {
            self.bindings.pass(&mut encoder, &[(&self.step, groups)]);
            encoder.copy_buffer_to_buffer(self.bindings.buffer(NEXT), 0, self.bindings.buffer(F), 0, bytes);
        }
        gpu.queue.submit([encoder.finish()]);
        self.steps += count;
        Ok(())
    }

    /// The velocity field (u, v) in free-stream units, as [`Lbm::velocity`].
    pub async fn velocity(&self, gpu: &Gpu) -> Result<(Vec<f64>, Vec<f64>), GpuError> {
        gpu.check()?;
        let mut encoder = self.bindings.encoder(gpu);
        self.bindings.pass(&mut encoder, &[(&self.velocity, (self.cells.div_ceil(WORKGROUP) as u32, 1))]);
        let vel = self.bindings.submit_and_read(gpu, encoder, VEL, 2 * self.cells).await?;
        Ok((
            vel.iter().step_by(2).map(|&v| v as f64).collect(),
            vel.iter().skip(1).step_by(2).map(|&v| v as f64).collect(),
        ))
    }

    /// The populations, `f[q * cells + p]`.
    pub async fn populations(&self, gpu: &Gpu) -> Result<Vec<f32>, GpuError> {
        gpu.check()?;
        self.bindings.submit_and_read(gpu, self.bindings.encoder(gpu), F, Q * self.cells).await
    }
}
