//! The depth model's forward pass over many points in f32 — the decision
//! boundary grid and trajectories through depth — as a WGSL kernel
//! (`kernel.wgsl`) and its CPU twin [`eval_cpu`].
//!
//! Training stays in f64 on the CPU (`depth`); this path only evaluates. The
//! block's weights are sampled at every stage's depth once, on the CPU, into
//! a [`Packed`] model, which both the kernel and the twin read identically.

use crate::gpu::{read_back, Bindings, Gpu, GpuError, ShaderSpec, WORKGROUP};
use crate::labs::depth::Model;
use crate::num::lanes::{axpy, rk_step, tanh_block, Lanes, Slope, LANES};
use crate::num::ode::Tableau;

pub const WGSL: &str = include_str!("kernel.wgsl");
/// What this side assumes of `kernel.wgsl`; the shader tests check naga reads the same.
pub const SHADER: ShaderSpec =
    ShaderSpec { file: "depth/kernel.wgsl", wgsl: WGSL, uniform_size: std::mem::size_of::<Dims>(), storage: 6 };
/// Largest state dimension the kernel holds in registers.
pub const MAX_D: usize = 16;
const MAX_GROUPS_PER_DIM: usize = 65_535;

/// A trained model flattened for evaluation with one tableau and step count.
/// Serializable, so one wasm instance (the training worker) can hand it to
/// another (the page, which owns the GPU).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Packed {
    pub d: usize,
    pub w: usize,
    pub c: usize,
    pub steps: usize,
    pub stages: usize,
    /// Step size 1 / steps.
    pub h: f32,
    /// `[lift W (d×2), lift b (d), out W (c×d), out b (c)]`
    pub fixed: Vec<f32>,
    /// Per (step, stage): `[W1 (w×d), b1 (w), W2 (d×w), b2 (d)]` at that stage's depth.
    pub stage_weights: Vec<f32>,
    /// `[a (4×4), b (4)]`, zero-padded.
    pub tableau: [f32; 20],
}

impl Packed {
    pub fn new(model: &Model, tab: &Tableau, steps: usize) -> Packed {
        let block = &model.block;
        let (d, w, c) = (block.d, block.w, model.out_w.nrows());
        assert!(d <= MAX_D, "the kernel holds at most {MAX_D} state dimensions");
        let f = |v: &f64| *v as f32;
        let mut fixed: Vec<f32> = model.lift_w.iter().map(f).collect();
        fixed.extend(model.lift_b.iter().map(f));
        fixed.extend(model.out_w.iter().map(f));
        fixed.extend(model.out_b.iter().map(f));
        let dt = 1.0 / steps as f64;
        let mut phi = vec![0.0; block.basis.k];
        let mut stage_weights = Vec::with_capacity(steps * tab.stages() * (2 * w * d + w + d));
        for n in 0..steps {
            for i in 0..tab.stages() {
                block.basis.eval(tab.stage_time(i, n as f64 * dt, dt), &mut phi);
                // Normalization, if any, is folded into W1 and b1.
                let at = block.at_eval(&phi);
                stage_weights.extend(at.w1.iter().map(f));
                stage_weights.extend(at.b1.iter().map(f));
                stage_weights.extend(at.w2.iter().map(f));
                stage_weights.extend(at.b2.iter().map(f));
            }
        }
        let mut tableau = [0.0f32; 20];
        for (i, row) in tab.a.iter().enumerate() {
            for (j, a) in row.iter().enumerate() {
                tableau[i * 4 + j] = *a as f32;
            }
        }
        for (i, b) in tab.b.iter().enumerate() {
            tableau[16 + i] = *b as f32;
        }
        Packed { d, w, c, steps, stages: tab.stages(), h: dt as f32, fixed, stage_weights, tableau }
    }
}

/// What an evaluation returns: `n × c` logits, and with `record`, the states
/// at every step boundary, `(steps + 1) × n × d`.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    pub logits: Vec<f32>,
    pub trajectory: Option<Vec<f32>>,
}

/// CPU twin of `kernel.wgsl`: the same loops in the same order, in f32, for
/// [`LANES`] points at a time (see [`crate::num::lanes`]: the same bits
/// natively and in wasm, tanh included). `points` is `n × 2`, row-major.
///
/// Natively the groups of points are spread over the cores (each point's
/// arithmetic is independent and its order fixed, so the result does not
/// depend on the split) and run with AVX2 where the CPU has it.
pub fn eval_cpu(m: &Packed, points: &[f32], record: bool) -> Output {
    let n = points.len() / 2;
    let c = m.c;
    let groups = n.div_ceil(LANES);
    let mut logits = vec![0.0f32; groups * LANES * c];
    if record {
        let d = m.d;
        let mut traj = vec![0.0f32; (m.steps + 1) * n * d];
        for (g, out) in logits.chunks_mut(LANES * c).enumerate() {
            eval_group(m, points, g, out, &mut |step, h| {
                for l in 0..LANES.min(n - g * LANES) {
                    let at = (step * n + g * LANES + l) * d;
                    for o in 0..d {
                        traj[at + o] = h[o][l];
                    }
                }
            });
        }
        logits.truncate(n * c);
        return Output { logits, trajectory: Some(traj) };
    }
    let len = BLOCK * LANES * c;
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        let blocks = logits.par_chunks_mut(len).enumerate();
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            blocks.for_each(|(b, block)| unsafe { eval_block_avx2(m, points, b, block) });
        } else {
            blocks.for_each(|(b, block)| eval_block(m, points, b, block));
        }
        #[cfg(not(target_arch = "x86_64"))]
        blocks.for_each(|(b, block)| eval_block(m, points, b, block));
    }
    #[cfg(target_arch = "wasm32")]
    for (b, block) in logits.chunks_mut(len).enumerate() {
        eval_block(m, points, b, block);
    }
    logits.truncate(n * c);
    Output { logits, trajectory: None }
}

/// Groups of points per parallel task.
const BLOCK: usize = 32;

/// The logits of block `b` (up to [`BLOCK`] groups of points) into `out`.
#[inline(always)]
fn eval_block(m: &Packed, points: &[f32], b: usize, out: &mut [f32]) {
    for (i, group) in out.chunks_mut(LANES * m.c).enumerate() {
        eval_group(m, points, b * BLOCK + i, group, &mut |_, _| {});
    }
}

/// [`eval_block`] compiled for AVX2: the same operations on 8-wide
/// registers (no FMA: the bits are those of every other build).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn eval_block_avx2(m: &Packed, points: &[f32], b: usize, out: &mut [f32]) {
    eval_block(m, points, b, out);
}

/// Evaluates group `g` of [`LANES`] points (the last group padded with the
/// origin) into `out` (`LANES × c` logits), calling `on_step(step, h)` with the
/// states at every step boundary.
#[inline(always)]
fn eval_group(m: &Packed, points: &[f32], g: usize, out: &mut [f32], on_step: &mut dyn FnMut(usize, &[Lanes; MAX_D])) {
    let n = points.len() / 2;
    let (d, w, c) = (m.d, m.w, m.c);
    let (fx, st, tb) = (&m.fixed, &m.stage_weights, &m.tableau);
    let (mut x0, mut x1) = ([0.0f32; LANES], [0.0f32; LANES]);
    for l in 0..LANES.min(n - g * LANES) {
        x0[l] = points[2 * (g * LANES + l)];
        x1[l] = points[2 * (g * LANES + l) + 1];
    }
    let mut h = [[0.0f32; LANES]; MAX_D];
    let mut k = [[[0.0f32; LANES]; MAX_D]; 4];
    for o in 0..d {
        for l in 0..LANES {
            h[o][l] = fx[2 * d + o] + fx[2 * o] * x0[l] + fx[2 * o + 1] * x1[l];
        }
    }
    on_step(0, &h);
    for step in 0..m.steps {
        // Stage i's slope: the block W2 tanh(W1 y + b1) + b2 at that stage's depth.
        rk_step(&mut h, d, m.stages, m.h, tb, &mut k, BlockAt { weights: st, step, stages: m.stages, d, w });
        on_step(step + 1, &h);
    }
    let (ow, ob) = (3 * d, 3 * d + c * d);
    for cc in 0..c {
        let mut acc = [fx[ob + cc]; LANES];
        for o in 0..d {
            axpy(&mut acc, fx[ow + cc * d + o], &h[o]);
        }
        for l in 0..LANES {
            out[l * c + cc] = acc[l];
        }
    }
}

/// The depth block at one step's stages, as [`rk_step`]'s slope: stage i is
/// `W2 tanh(W1 y + b1) + b2` with that stage's packed weights. A type, not a
/// closure, so that it is inlined into (and built for) the AVX2 copy.
struct BlockAt<'a> {
    weights: &'a [f32],
    step: usize,
    stages: usize,
    d: usize,
    w: usize,
}

impl Slope<MAX_D> for BlockAt<'_> {
    #[inline(always)]
    fn slope(&mut self, i: usize, y: &[Lanes; MAX_D], k: &mut [Lanes; MAX_D]) {
        let per_stage = 2 * self.w * self.d + self.w + self.d;
        let base = (self.step * self.stages + i) * per_stage;
        tanh_block(y, self.d, self.w, &self.weights[base..base + per_stage], k);
    }
}

/// The forward-pass benchmark's problem, the same in `cargo bench --bench
/// depth` and in the wasm build (`depthForwardBench`): a seeded model with
/// d = 2, w = 32, two classes, K = 16 piecewise-constant weights, packed for
/// RK4 with 16 steps, over the 256² grid of [-1.5, 1.5]² (65,536 points).
pub fn benchmark_problem() -> (Packed, Vec<f32>) {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let basis = crate::num::basis::Basis::new(crate::num::basis::Family::Pwc, 16).expect("a valid basis");
    let model = Model::init(basis, 2, 32, 2, &mut rng);
    (Packed::new(&model, &crate::num::ode::RK4, 16), grid(256, -1.5, 1.5))
}

/// Rows `part` of `parts` of a grid with `res` rows: the same split wherever
/// a grid is shared out (the page's worker pool, the wasm benchmark).
pub fn row_share(res: usize, part: usize, parts: usize) -> std::ops::Range<usize> {
    part * res / parts..(part + 1) * res / parts
}

/// The points of a `res × res` grid over `[lo, hi]²`, row by row from the top
/// (largest second coordinate) so the result maps straight onto an image.
pub fn grid(res: usize, lo: f32, hi: f32) -> Vec<f32> {
    grid_rows(res, lo, hi, 0..res)
}

/// Rows `rows` of [`grid`] (the points of one share of it).
pub fn grid_rows(res: usize, lo: f32, hi: f32, rows: std::ops::Range<usize>) -> Vec<f32> {
    let step = (hi - lo) / (res.max(2) - 1) as f32;
    let mut out = Vec::with_capacity(rows.len() * res * 2);
    for row in rows {
        for col in 0..res {
            out.push(lo + col as f32 * step);
            out.push(hi - row as f32 * step);
        }
    }
    out
}

pub use crate::gpu::parity_error;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Dims {
    n: u32,
    d: u32,
    w: u32,
    c: u32,
    steps: u32,
    stages: u32,
    record: u32,
    groups_x: u32,
    h: f32,
    _pad: [f32; 3],
}

/// `kernel.wgsl` on a [`Gpu`]: the pipeline made once; each buffer kept and
/// regrown only when a larger input arrives.
pub struct DepthKernel {
    pipeline: wgpu::ComputePipeline,
    bindings: Bindings,
}

const POINTS: usize = 0;
const FIXED: usize = 1;
const STAGES: usize = 2;
const TABLEAU: usize = 3;
const LOGITS: usize = 4;
const TRAJ: usize = 5;

impl DepthKernel {
    pub fn new(gpu: &Gpu) -> DepthKernel {
        let pipeline = gpu.compute_pipeline("depth", WGSL);
        let bindings = Bindings::new(gpu, "depth", std::mem::size_of::<Dims>());
        DepthKernel { pipeline, bindings }
    }

    /// Evaluates `m` at `points` (`n × 2`) on the GPU; see [`eval_cpu`].
    pub async fn eval(&mut self, gpu: &Gpu, m: &Packed, points: &[f32], record: bool) -> Result<Output, GpuError> {
        gpu.check()?;
        let n = points.len() / 2;
        let traj_len = if record { (m.steps + 1) * n * m.d } else { 1 };
        let lens = [points.len(), m.fixed.len(), m.stage_weights.len(), 20, n * m.c, traj_len];
        self.bindings.ensure(gpu, &self.pipeline.get_bind_group_layout(0), &lens, n * m.c + traj_len);
        let groups = n.div_ceil(WORKGROUP).max(1);
        let groups_x = groups.min(MAX_GROUPS_PER_DIM);
        let dims = Dims {
            n: n as u32,
            d: m.d as u32,
            w: m.w as u32,
            c: m.c as u32,
            steps: m.steps as u32,
            stages: m.stages as u32,
            record: record as u32,
            groups_x: groups_x as u32,
            h: m.h,
            _pad: [0.0; 3],
        };
        let q = &gpu.queue;
        let buffer = |i| self.bindings.buffer(i);
        q.write_buffer(&self.bindings.dims, 0, bytemuck::bytes_of(&dims));
        q.write_buffer(buffer(POINTS), 0, bytemuck::cast_slice(points));
        q.write_buffer(buffer(FIXED), 0, bytemuck::cast_slice(&m.fixed));
        q.write_buffer(buffer(STAGES), 0, bytemuck::cast_slice(&m.stage_weights));
        q.write_buffer(buffer(TABLEAU), 0, bytemuck::cast_slice(&m.tableau));

        let mut encoder = gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("depth") });
        {
            let mut pass = encoder
                .begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("depth"), timestamp_writes: None });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, self.bindings.group(), &[]);
            pass.dispatch_workgroups(groups_x as u32, groups.div_ceil(groups_x) as u32, 1);
        }
        let logits_bytes = (n * m.c * 4) as u64;
        let staging = self.bindings.staging();
        encoder.copy_buffer_to_buffer(buffer(LOGITS), 0, staging, 0, logits_bytes);
        if record {
            encoder.copy_buffer_to_buffer(buffer(TRAJ), 0, staging, logits_bytes, (traj_len * 4) as u64);
        }
        q.submit([encoder.finish()]);
        let mut data = read_back(gpu, staging, n * m.c + if record { traj_len } else { 0 }).await?;
        let trajectory = record.then(|| data.split_off(n * m.c));
        Ok(Output { logits: data, trajectory })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::basis::{Basis, Family};
    use crate::num::ode;
    use ndarray::Array2;
    use rand::SeedableRng;

    /// The page shares the boundary's rows out to a pool of workers: the
    /// shares, put together, are the whole grid's logits bit for bit, for
    /// any number of workers.
    #[test]
    fn grid_shares_put_together_are_the_whole_grid() {
        let (packed, _) = benchmark_problem();
        let res = 37;
        let points = grid(res, -1.5, 1.5);
        let whole = eval_cpu(&packed, &points, false).logits;
        for parts in 1..=4 {
            let mut joined = Vec::new();
            for part in 0..parts {
                let rows = row_share(res, part, parts);
                joined.extend(eval_cpu(&packed, &grid_rows(res, -1.5, 1.5, rows), false).logits);
            }
            assert_eq!(joined, whole, "{parts} parts");
        }
        assert_eq!(row_share(res, 2, 3), 24..37);
    }

    #[test]
    fn cpu_twin_matches_the_f64_model() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let model = Model::init(Basis::new(Family::Legendre, 3).unwrap(), 4, 8, 3, &mut rng);
        let points = grid(7, -1.0, 1.0);
        let x = Array2::from_shape_fn((49, 2), |(i, j)| points[2 * i + j] as f64);
        for tab in ode::ALL {
            let want = model.logits(x.view(), tab, 5).unwrap();
            let got = eval_cpu(&Packed::new(&model, tab, 5), &points, true);
            let want: Vec<f32> = want.iter().map(|v| *v as f32).collect();
            assert!(parity_error(&got.logits, &want) < 1e-5, "{}", tab.name);
            let traj = got.trajectory.unwrap();
            assert_eq!(traj.len(), 6 * 49 * 4);
            let feats = model.features(x.view(), tab, 5).unwrap();
            let last: Vec<f32> = feats.iter().map(|v| *v as f32).collect();
            assert!(parity_error(&traj[5 * 49 * 4..], &last) < 1e-5);
        }
    }

    #[test]
    fn cpu_twin_folds_fitted_normalization() {
        let link = crate::core::link::parse_with(
            "#lab=depth&norm=batch&epochs=2&data=moons&basis=fem&K=4&dim=4&width=8",
            &[&crate::labs::depth::lab::LAB],
        );
        let mut trainer: crate::labs::depth::Trainer =
            crate::labs::depth::Trainer::new(crate::labs::depth::Config::from_link(&link.link).unwrap().0).unwrap();
        while trainer.epoch().is_some() {}
        assert!(trainer.model.block.norm.as_ref().unwrap().stats.is_some());
        let points = grid(9, -1.5, 1.5);
        let x = Array2::from_shape_fn((81, 2), |(i, j)| points[2 * i + j] as f64);
        let want: Vec<f32> = trainer.model.logits(x.view(), &ode::RK4, 8).unwrap().iter().map(|v| *v as f32).collect();
        let got = eval_cpu(&Packed::new(&trainer.model, &ode::RK4, 8), &points, false);
        assert!(parity_error(&got.logits, &want) < 1e-5);
    }

    #[test]
    fn grid_runs_top_row_first() {
        let g = grid(3, -1.0, 1.0);
        assert_eq!(&g[..6], &[-1.0, 1.0, 0.0, 1.0, 1.0, 1.0]);
        assert_eq!(&g[12..], &[-1.0, -1.0, 0.0, -1.0, 1.0, -1.0]);
    }
}
