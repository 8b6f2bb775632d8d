//! Semi-Lagrangian transport of dyes by a field on a periodic grid: the
//! "true flow" the Galerkin transport `exp(−tM)` is compared with, on the
//! GPU (`advect.wgsl`) with its CPU twin [`advect_cpu`].
//!
//! A dye `c` is carried by the flow, `∂c/∂t + v·∇c = 0`, so
//! `c(x, t) = c(X(x), 0)` at the departure point `X(x)` of the trajectory
//! that reaches `x` at time `t`. Each cell traces its trajectory back in
//! midpoint steps (`x_m = x − (Δt/2) v(x)`, `x ← x − Δt v(x_m)`, `v` bilinear
//! on the grid) and reads the initial dye bilinearly once. Reading the dye
//! once, rather than re-interpolating it every step, keeps the numerical
//! diffusion of repeated interpolation out: the error is the trajectory's
//! (second order in Δt, in the grid spacing for the velocity) plus one
//! interpolation. Many dyes share one trajectory per cell.

use std::f64::consts::PI;

use super::torus::Field;
use crate::gpu::{Bindings, Gpu, GpuError, ShaderSpec, WORKGROUP};

pub const WGSL: &str = include_str!("advect.wgsl");
pub const SHADER: ShaderSpec =
    ShaderSpec { file: "advect.wgsl", wgsl: WGSL, uniform_size: std::mem::size_of::<Dims>(), storage: 3 };

/// The velocity of `field` at the cells of a `res × res` grid: `vx` then
/// `vy`, row `b` at `y = 2π b/res`.
pub fn velocity_grid(field: &Field, res: usize) -> Vec<f32> {
    let h = 2.0 * PI / res as f64;
    let mut out = vec![0.0f32; 2 * res * res];
    for b in 0..res {
        for a in 0..res {
            let [vx, vy, _] = field.at(a as f64 * h, b as f64 * h);
            out[b * res + a] = vx as f32;
            out[res * res + b * res + a] = vy as f32;
        }
    }
    out
}

/// A scalar function sampled on the grid, laid out as [`velocity_grid`]'s components.
pub fn sample_grid(res: usize, f: impl Fn(f64, f64) -> f64) -> Vec<f32> {
    let h = 2.0 * PI / res as f64;
    (0..res * res).map(|i| f((i % res) as f64 * h, (i / res) as f64 * h) as f32).collect()
}

fn wrap(i: i32, n: i32) -> usize {
    (((i % n) + n) % n) as usize
}

/// `f` (res² values) bilinear at grid coordinates `(gx, gy)`, periodic.
fn bilinear(f: &[f32], res: usize, gx: f32, gy: f32) -> f32 {
    let n = res as i32;
    let (fx, fy) = (gx.floor(), gy.floor());
    let (tx, ty) = (gx - fx, gy - fy);
    let (i0, j0) = (wrap(fx as i32, n), wrap(fy as i32, n));
    let (i1, j1) = (wrap(fx as i32 + 1, n), wrap(fy as i32 + 1, n));
    let top = f[j0 * res + i0] * (1.0 - tx) + f[j0 * res + i1] * tx;
    let bottom = f[j1 * res + i0] * (1.0 - tx) + f[j1 * res + i1] * tx;
    top * (1.0 - ty) + bottom * ty
}

/// Every dye in `dyes0` (each res² values) carried for `steps` steps of `dt`.
pub fn advect_cpu(vel: &[f32], dyes0: &[f32], res: usize, dt: f32, steps: usize) -> Vec<f32> {
    let cells = res * res;
    let (vx, vy) = vel.split_at(cells);
    let s = dt / (2.0 * std::f32::consts::PI / res as f32);
    let mut out = vec![0.0f32; dyes0.len()];
    for cell in 0..cells {
        let (mut x, mut y) = ((cell % res) as f32, (cell / res) as f32);
        for _ in 0..steps {
            let (mx, my) = (x - 0.5 * s * bilinear(vx, res, x, y), y - 0.5 * s * bilinear(vy, res, x, y));
            let (ux, uy) = (bilinear(vx, res, mx, my), bilinear(vy, res, mx, my));
            x -= s * ux;
            y -= s * uy;
        }
        for (d, dye) in dyes0.chunks(cells).enumerate() {
            out[d * cells + cell] = bilinear(dye, res, x, y);
        }
    }
    out
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Dims {
    res: u32,
    dyes: u32,
    steps: u32,
    s: f32,
}

const VEL: usize = 0;
const DYE0: usize = 1;
const DYE: usize = 2;

/// [`advect_cpu`] on the GPU.
pub struct AdvectKernel {
    pipeline: wgpu::ComputePipeline,
    bindings: Bindings,
}

impl AdvectKernel {
    pub fn new(gpu: &Gpu) -> AdvectKernel {
        AdvectKernel {
            pipeline: gpu.compute_pipeline("advect", WGSL),
            bindings: Bindings::new(gpu, "advect", std::mem::size_of::<Dims>()),
        }
    }

    /// As [`advect_cpu`].
    pub async fn advect(
        &mut self,
        gpu: &Gpu,
        vel: &[f32],
        dyes0: &[f32],
        res: usize,
        dt: f32,
        steps: usize,
    ) -> Result<Vec<f32>, GpuError> {
        gpu.check()?;
        let cells = res * res;
        assert_eq!(vel.len(), 2 * cells, "vx and vy at every cell");
        assert_eq!(dyes0.len() % cells, 0, "whole dyes");
        let n = dyes0.len();
        self.bindings.ensure(gpu, &self.pipeline.get_bind_group_layout(0), &[vel.len(), n, n], n);
        let dims = Dims {
            res: res as u32,
            dyes: (n / cells) as u32,
            steps: steps as u32,
            s: dt / (2.0 * std::f32::consts::PI / res as f32),
        };
        let q = &gpu.queue;
        q.write_buffer(&self.bindings.dims, 0, bytemuck::bytes_of(&dims));
        q.write_buffer(self.bindings.buffer(VEL), 0, bytemuck::cast_slice(vel));
        q.write_buffer(self.bindings.buffer(DYE0), 0, bytemuck::cast_slice(dyes0));
        let mut encoder = self.bindings.encoder(gpu);
        self.bindings.pass(&mut encoder, &[(&self.pipeline, (cells.div_ceil(WORKGROUP) as u32, 1))]);
        self.bindings.submit_and_read(gpu, encoder, DYE, n).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uniform_shift_moves_the_dye_by_whole_cells() {
        // v = (h/dt, 0): each step moves the dye one cell to the right, exactly;
        // the second dye moves with it.
        let res = 16;
        let h = 2.0 * std::f32::consts::PI / res as f32;
        let dt = 0.1f32;
        let mut vel = vec![h / dt; res * res];
        vel.extend(vec![0.0; res * res]);
        let dye: Vec<f32> = (0..res * res).map(|i| (i * 7 % 13) as f32).collect();
        let dyes = [dye.clone(), dye.iter().map(|v| -v).collect()].concat();
        let moved = advect_cpu(&vel, &dyes, res, dt, 3);
        for b in 0..res {
            for a in 0..res {
                let want = dye[b * res + (a + res - 3) % res];
                assert!((moved[b * res + a] - want).abs() < 1e-4, "({a}, {b}): {} vs {want}", moved[b * res + a]);
                assert!((moved[res * res + b * res + a] + want).abs() < 1e-4);
            }
        }
    }
}
