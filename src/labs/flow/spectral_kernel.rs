//! `spectral_kernel.wgsl` on a [`Gpu`]: decaying turbulence stepped in f32
//! on the GPU, FFTs included. [`Turbulence`] (f64, num::fft) is the CPU twin
//! and supplies the initial field, time step and viscosity
//! ([`SpectralKernel::load`]); the Runge–Kutta coefficients are the same
//! [`ode`] tableau's.
//!
//! Each entry point reads its parameters (FFT direction, which fields, which
//! RK stage and its coefficients) from the uniform block. All variants are
//! written once to a buffer at load, and the host copies the one a pass
//! needs into the uniform between passes, so a whole run of steps is one
//! submission.

use crate::gpu::{Bindings, Gpu, GpuError, ShaderSpec, WORKGROUP};
use crate::labs::flow::spectral::{Turbulence, SCHEME};
use crate::num::ode::Tableau;

pub const WGSL: &str = include_str!("spectral_kernel.wgsl");
/// What this side assumes of `spectral_kernel.wgsl`; the shader tests check naga reads the same.
pub const SHADER: ShaderSpec =
    ShaderSpec { file: "spectral_kernel.wgsl", wgsl: WGSL, uniform_size: std::mem::size_of::<Dims>(), storage: 4 };
/// The largest line the FFT holds in workgroup memory.
pub const MAX_N: usize = 512;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
struct Dims {
    n: u32,
    log2n: u32,
    sign: f32,
    field0: u32,
    stage: u32,
    nu: f32,
    _pad: [u32; 2],
    c: [f32; 4],
}

const Y: usize = 0;
const WORK: usize = 3;

const ENTRY_POINTS: [&str; 8] = ["combine", "finish", "prepare", "fft_rows", "fft_cols", "product", "rhs", "unpack"];
const COMBINE: usize = 0;
const FINISH: usize = 1;
const PREPARE: usize = 2;
const FFT_ROWS: usize = 3;
const FFT_COLS: usize = 4;
const PRODUCT: usize = 5;
const RHS: usize = 6;
const UNPACK: usize = 7;

pub struct SpectralKernel {
    layout: wgpu::BindGroupLayout,
    pipelines: Vec<wgpu::ComputePipeline>,
    bindings: Bindings,
    variants: Option<wgpu::Buffer>,
    n: usize,
    stages: usize,
    /// Simulated time and step, carried from the loaded flow.
    pub t: f64,
    pub dt: f64,
}

/// The uniform variants for one step of `tab` with step `h`: for stage i,
/// [2i] inverse FFTs of fields 0–1 and [2i + 1] the forward FFT of field 2,
/// both with c = h a_i; then [2s] the update with c = h b.
fn variants(n: usize, nu: f64, h: f64, tab: &Tableau) -> Vec<Dims> {
    let s = tab.stages();
    assert!(s <= 4, "the kernel holds four stages");
    let base = Dims { n: n as u32, log2n: n.trailing_zeros(), nu: nu as f32, ..Default::default() };
    let coefficients = |row: &[f64]| {
        let mut c = [0.0f32; 4];
        row.iter().enumerate().for_each(|(j, a)| c[j] = (h * a) as f32);
        c
    };
    let mut out = Vec::new();
    for i in 0..s {
        let c = coefficients(tab.a[i]);
        out.push(Dims { sign: 1.0, field0: 0, stage: i as u32, c, ..base });
        out.push(Dims { sign: -1.0, field0: 2, stage: i as u32, c, ..base });
    }
    out.push(Dims { c: coefficients(tab.b), ..base });
    out
}

impl SpectralKernel {
    pub fn new(gpu: &Gpu) -> SpectralKernel {
        let (layout, pipelines) = gpu.compute_pipelines("spectral", WGSL, &ENTRY_POINTS, SHADER.storage);
        let bindings = Bindings::new(gpu, "spectral", std::mem::size_of::<Dims>());
        SpectralKernel { layout, pipelines, bindings, variants: None, n: 0, stages: 0, t: 0.0, dt: 0.0 }
    }

    /// Takes `flow`'s field, time step, viscosity and clock.
    pub fn load(&mut self, gpu: &Gpu, flow: &Turbulence) {
        let n = flow.grid.n;
        assert!(n <= MAX_N, "resolution {n} is above the kernel's {MAX_N}");
        let m = 2 * n * n;
        self.bindings.ensure(gpu, &self.layout, &[m, m, 4 * m, 3 * m], m);
        let w: Vec<f32> = flow.w_hat.iter().map(|&v| v as f32).collect();
        gpu.queue.write_buffer(self.bindings.buffer(Y), 0, bytemuck::cast_slice(&w));
        let variants = variants(n, flow.grid.nu, flow.dt, SCHEME);
        let buffer = gpu.storage_buffer("spectral variants", variants.len() * std::mem::size_of::<Dims>() / 4);
        gpu.queue.write_buffer(&buffer, 0, bytemuck::cast_slice(&variants));
        self.variants = Some(buffer);
        (self.n, self.stages, self.t, self.dt) = (n, SCHEME.stages(), flow.t, flow.dt);
    }

    fn use_variant(&self, encoder: &mut wgpu::CommandEncoder, i: usize) {
        let size = std::mem::size_of::<Dims>() as u64;
        let variants = self.variants.as_ref().expect("load() first");
        encoder.copy_buffer_to_buffer(variants, i as u64 * size, &self.bindings.dims, 0, size);
    }

    /// One pass running `entries`, each with its workgroup counts.
    fn pass(&self, encoder: &mut wgpu::CommandEncoder, entries: &[(usize, (u32, u32))]) {
        let dispatches: Vec<_> = entries.iter().map(|&(entry, groups)| (&self.pipelines[entry], groups)).collect();
        self.bindings.pass(encoder, &dispatches);
    }

    /// Queues `count` time steps (one submission).
    pub fn advance(&mut self, gpu: &Gpu, count: usize) -> Result<(), GpuError> {
        gpu.check()?;
        let n = self.n as u32;
        let cells = ((self.n * self.n).div_ceil(WORKGROUP) as u32, 1);
        let mut encoder = self.bindings.encoder(gpu);
        for _ in 0..count {
            for i in 0..self.stages {
                self.use_variant(&mut encoder, 2 * i);
                self.pass(
                    &mut encoder,
                    &[(COMBINE, cells), (PREPARE, cells), (FFT_ROWS, (n, 2)), (FFT_COLS, (n, 2)), (PRODUCT, cells)],
                );
                self.use_variant(&mut encoder, 2 * i + 1);
                self.pass(&mut encoder, &[(FFT_ROWS, (n, 1)), (FFT_COLS, (n, 1)), (RHS, cells)]);
            }
            self.use_variant(&mut encoder, 2 * self.stages);
            self.pass(&mut encoder, &[(FINISH, cells)]);
        }
        gpu.queue.submit([encoder.finish()]);
        self.t += count as f64 * self.dt;
        Ok(())
    }

    /// ω̂ (interleaved re, im), as [`Turbulence::w_hat`].
    pub async fn w_hat(&self, gpu: &Gpu) -> Result<Vec<f32>, GpuError> {
        gpu.check()?;
        self.bindings.submit_and_read(gpu, self.bindings.encoder(gpu), Y, 2 * self.n * self.n).await
    }

    /// The vorticity field in space, as [`Turbulence::vorticity`], by an
    /// inverse FFT on the GPU.
    pub async fn vorticity(&self, gpu: &Gpu) -> Result<Vec<f64>, GpuError> {
        gpu.check()?;
        let (n, m) = (self.n as u32, self.n * self.n);
        let cells = (m.div_ceil(WORKGROUP) as u32, 1);
        let mut encoder = self.bindings.encoder(gpu);
        self.use_variant(&mut encoder, 0);
        self.pass(&mut encoder, &[(UNPACK, cells), (FFT_ROWS, (n, 1)), (FFT_COLS, (n, 1))]);
        let field = self.bindings.submit_and_read(gpu, encoder, WORK, 2 * m).await?;
        Ok(field.iter().step_by(2).map(|&v| v as f64).collect())
    }
}
