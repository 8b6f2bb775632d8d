//! `lbm.wgsl` on a [`Gpu`]: the lattice-Boltzmann flow past a body
//! in f32. [`Lbm`] (f64) is its CPU twin and also supplies the initial state:
//! [`LbmKernel::load`] uploads an [`Lbm`]'s body and populations.
//!
//! Streaming is a gather through a table the CPU builds once per lattice
//! ([`gather_table`], from [`Lbm::source`], the CPU twin's own statement of
//! the boundaries): the shader then runs the same straight-line code in every
//! fluid cell, with no boundary branches. On SwiftShader (Chromium's WebGPU
//! on a machine without a GPU) that made a step of the 128 × 64 wake about
//! four times as fast as branching per population. Steps ping-pong between
//! two population buffers (two bind groups) rather than copying one over the
//! other after each step.

use crate::gpu::{Bindings, Gpu, GpuError, ShaderSpec, WORKGROUP};
use crate::num::lbm::{self, Lbm, Source, Q};

pub const WGSL: &str = include_str!("lbm.wgsl");
/// What this side assumes of `lbm.wgsl`; the shader tests check naga reads the same.
pub const SHADER: ShaderSpec =
    ShaderSpec { file: "lbm.wgsl", wgsl: WGSL, uniform_size: std::mem::size_of::<Dims>(), storage: 4 };

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Dims {
    nx: u32,
    ny: u32,
    omega: f32,
    u0: f32,
    _pad: [u32; 4],
}

const TABLE: usize = 0;
const F: usize = 1;
const NEXT: usize = 2;
const VEL: usize = 3;

/// The gather table `lbm.wgsl` streams through, `(Q + 1) × cells` u32s:
/// entry `q · cells + p` is the index into the populations that population
/// `q` of cell `p` is pulled from ([`Lbm::source`]), or `Q · cells` (one
/// past them) for the inlet's equilibrium; a solid cell keeps its own. The
/// last plane marks the solid cells (1).
pub fn gather_table(lbm: &Lbm) -> Vec<u32> {
    let cells = lbm.nx * lbm.ny;
    let mut table = vec![0u32; (Q + 1) * cells];
    for p in 0..cells {
        let (x, y) = (p % lbm.nx, p / lbm.nx);
        for q in 0..Q {
            let from = if lbm.solid[p] {
                q * cells + p
            } else {
                match lbm.source(q, x, y) {
                    Source::Population(s) => s,
                    Source::Inlet => Q * cells,
                }
            };
            table[q * cells + p] = from as u32;
        }
        table[Q * cells + p] = lbm.solid[p] as u32;
    }
    table
}

pub struct LbmKernel {
    layout: wgpu::BindGroupLayout,
    step: wgpu::ComputePipeline,
    velocity: wgpu::ComputePipeline,
    bindings: Bindings,
    /// The bind group that reads `next` and writes `f` (the bindings' own
    /// reads `f` and writes `next`).
    swapped: Option<wgpu::BindGroup>,
    /// Whether the current populations are in `next` (an odd number of steps since `load`).
    flipped: bool,
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
        LbmKernel { layout, step, velocity, bindings, swapped: None, flipped: false, cells: 0, steps: 0 }
    }

    /// Takes `lbm`'s geometry, parameters and populations.
    pub fn load(&mut self, gpu: &Gpu, lbm: &Lbm) {
        let cells = lbm.nx * lbm.ny;
        self.bindings.ensure(gpu, &self.layout, &[(Q + 1) * cells, Q * cells, Q * cells, 2 * cells], Q * cells);
        self.swapped = Some(self.bindings.group_over(gpu, &self.layout, &[TABLE, NEXT, F, VEL]));
        self.flipped = false;
        let dims = Dims {
            nx: lbm.nx as u32,
            ny: lbm.ny as u32,
            omega: (1.0 / lbm.tau) as f32,
            u0: lbm::U0 as f32,
            _pad: [0; 4],
        };
        let q = &gpu.queue;
        q.write_buffer(&self.bindings.dims, 0, bytemuck::bytes_of(&dims));
        q.write_buffer(self.bindings.buffer(TABLE), 0, bytemuck::cast_slice(&gather_table(lbm)));
        let f: Vec<f32> = lbm.f.iter().map(|&v| v as f32).collect();
        q.write_buffer(self.bindings.buffer(F), 0, bytemuck::cast_slice(&f));
        self.cells = cells;
        self.steps = lbm.steps;
    }

    /// The bind group of the `i`-th step from now: the one whose `f` holds
    /// the populations then (`i = 0`: the current ones).
    fn group_at(&self, i: usize) -> &wgpu::BindGroup {
        if (self.flipped as usize + i) % 2 == 1 {
            self.swapped.as_ref().expect("load() first")
        } else {
            self.bindings.group()
        }
    }

    /// Queues `count` steps (one submission; nothing is read back).
    pub fn advance(&mut self, gpu: &Gpu, count: usize) -> Result<(), GpuError> {
        gpu.check()?;
        let groups = (self.cells.div_ceil(WORKGROUP) as u32, 1);
        let mut encoder = self.bindings.encoder(gpu);
        let dispatches: Vec<_> = (0..count).map(|i| (self.group_at(i), &self.step, groups)).collect();
        self.bindings.pass_over(&mut encoder, &dispatches);
        gpu.queue.submit([encoder.finish()]);
        self.flipped ^= count % 2 == 1;
        self.steps += count;
        Ok(())
    }

    /// The velocity field (u, v) in free-stream units, as [`Lbm::velocity`].
    pub async fn velocity(&self, gpu: &Gpu) -> Result<(Vec<f64>, Vec<f64>), GpuError> {
        gpu.check()?;
        let mut encoder = self.bindings.encoder(gpu);
        let groups = (self.cells.div_ceil(WORKGROUP) as u32, 1);
        self.bindings.pass_over(&mut encoder, &[(self.group_at(0), &self.velocity, groups)]);
        let vel = self.bindings.submit_and_read(gpu, encoder, VEL, 2 * self.cells).await?;
        Ok((
            vel.iter().step_by(2).map(|&v| v as f64).collect(),
            vel.iter().skip(1).step_by(2).map(|&v| v as f64).collect(),
        ))
    }

    /// The populations, `f[q * cells + p]`.
    pub async fn populations(&self, gpu: &Gpu) -> Result<Vec<f32>, GpuError> {
        gpu.check()?;
        let current = if self.flipped { NEXT } else { F };
        self.bindings.submit_and_read(gpu, self.bindings.encoder(gpu), current, Q * self.cells).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::lbm::{equilibrium, Body, U0};

    /// `lbm.wgsl`'s step, in f64 on the CPU: gather through the table, then
    /// the moments and collision in the shader's order.
    fn step_through(table: &[u32], f: &[f64], omega: f64) -> Vec<f64> {
        let cells = f.len() / Q;
        let mut next = f.to_vec();
        for p in 0..cells {
            if table[Q * cells + p] != 0 {
                continue;
            }
            let fin: [f64; Q] = std::array::from_fn(|q| {
                let s = table[q * cells + p] as usize;
                if s >= Q * cells {
                    equilibrium(q, 1.0, U0, 0.0)
                } else {
                    f[s]
                }
            });
            let rho = fin.iter().sum::<f64>();
            let u = (fin[1] - fin[3] + fin[5] - fin[6] - fin[7] + fin[8]) / rho;
            let v = (fin[2] - fin[4] + fin[5] + fin[6] - fin[7] - fin[8]) / rho;
            for q in 0..Q {
                next[q * cells + p] = fin[q] + omega * (equilibrium(q, rho, u, v) - fin[q]);
            }
        }
        next
    }

    /// The gather table streams as [`Lbm::step`] does, bit for bit in f64:
    /// with the inlet and outlet, off a cylinder and an airfoil, and in the
    /// closed (periodic) box. Control: the closed box's table on the open
    /// channel gives other populations, so the comparison sees boundaries.
    #[test]
    fn the_gather_table_steps_as_the_cpu_twin() {
        for (body, inflow) in [(Body::Cylinder, true), (Body::Airfoil, true), (Body::Cylinder, false)] {
            let mut cpu = Lbm::new(32, body, 40.0, 2);
            cpu.inflow = inflow;
            let table = gather_table(&cpu);
            let mut f = cpu.f.clone();
            for _ in 0..40 {
                cpu.step();
                f = step_through(&table, &f, 1.0 / cpu.tau);
            }
            assert!(f == cpu.f, "{body:?}, inflow {inflow}: the table's step differs from Lbm::step");
        }
        let mut open = Lbm::new(32, Body::Cylinder, 40.0, 2);
        let mut closed = Lbm::new(32, Body::Cylinder, 40.0, 2);
        closed.inflow = false;
        let f = step_through(&gather_table(&closed), &open.f, 1.0 / open.tau);
        open.step();
        assert!(f != open.f, "the closed box's table streams the open channel's inlet and outlet");
    }
}
