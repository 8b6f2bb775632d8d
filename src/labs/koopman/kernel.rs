//! Long-horizon rollouts of a trained Koopman autoencoder from many initial
//! conditions at once, in f32 — the GPU's part of the Koopman lab, where it
//! pays: n initial conditions × steps decodes (256 × 1000 is 256 000 decoder
//! passes). `kernel.wgsl` is the kernel, [`rollout_cpu`] its twin.
//!
//! Initial conditions are encoded on the CPU (once each); the kernel steps the
//! latent state, decodes, and keeps only the (θ, θ̇) each prediction stands
//! for, so its output is `n × steps × 2` whatever the snapshot size.

use ndarray::{Array2, Axis};

use crate::gpu::{Bindings, Gpu, GpuError, ShaderSpec, WORKGROUP};
use crate::labs::koopman::{Data, Model, HIDDEN};

pub const WGSL: &str = include_str!("kernel.wgsl");
/// What this side assumes of `kernel.wgsl`; the shader tests check naga reads the same.
pub const SHADER: ShaderSpec =
    ShaderSpec { file: "koopman/kernel.wgsl", wgsl: WGSL, uniform_size: std::mem::size_of::<Dims>(), storage: 3 };
/// Largest latent size the kernel holds in registers.
pub const MAX_B: usize = 32;
/// Steps per dispatch (see the shader's header).
const CHUNK: usize = 100;

/// A trained model and its initial conditions flattened for the kernel.
/// Serializable, so the training worker can hand it to the page, which owns the GPU.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Packed {
    pub n: usize,
    pub b: usize,
    pub m: usize,
    pub steps: usize,
    /// `[C (b×b), W1 (16×b), b1, W2 (16×16), b2, W3 (m×16), b3, P (m×2), offset (2)]`
    pub params: Vec<f32>,
    /// `n × b` encoded initial conditions.
    pub z0: Vec<f32>,
}

impl Packed {
    /// Rollouts of `steps` from the clean snapshots at `starts`.
    pub fn new(model: &Model, data: &Data, starts: &[usize], steps: usize) -> Packed {
        let b = model.c.nrows();
        let m = data.clean.ncols();
        assert!(b <= MAX_B, "the kernel holds at most {MAX_B} latent dimensions");
        assert!(model.dec.layers.len() == 3 && model.dec.layers[0].w.nrows() == HIDDEN, "decoder b → 16 → 16 → m");
        // The model trains in f32 (`F`) already: its parameters go over as they are.
        let mut params: Vec<f32> = model.c.iter().copied().collect();
        for layer in &model.dec.layers {
            params.extend(layer.w.iter());
            params.extend(layer.b.iter());
        }
        // state = lifted · Q with lifted = (x̂ + 1) span / 2 + lo.
        let half = data.span / 2.0;
        let projection = &data.q * half;
        params.extend(projection.iter().map(|&v| v as f32));
        let sums = data.q.sum_axis(Axis(0));
        params.extend(sums.iter().map(|s| (s * (half + data.lo)) as f32));
        let x0 = data.clean.select(Axis(0), starts);
        let z0 = model.enc.apply(x0.view()).into_raw_vec_and_offset().0;
        Packed { n: starts.len(), b, m, steps, params, z0 }
    }
}

/// The kernel's twin: `n × steps × 2` predicted (θ, θ̇), in the kernel's order of operations.
pub fn rollout_cpu(p: &Packed) -> Vec<f32> {
    let (b, m, h) = (p.b, p.m, HIDDEN);
    let ow1 = b * b;
    let ob1 = ow1 + h * b;
    let ow2 = ob1 + h;
    let ob2 = ow2 + h * h;
    let ow3 = ob2 + h;
    let ob3 = ow3 + m * h;
    let op = ob3 + m;
    let ooff = op + 2 * m;
    let w = &p.params;
    let mut out = vec![0.0f32; p.n * p.steps * 2];
    let (mut z, mut next, mut h1, mut h2) = (vec![0.0f32; b], vec![0.0f32; b], vec![0.0f32; h], vec![0.0f32; h]);
    for q in 0..p.n {
        z.copy_from_slice(&p.z0[q * b..(q + 1) * b]);
        for k in 0..p.steps {
            for i in 0..b {
                next[i] = (0..b).fold(0.0, |acc, j| acc + w[i * b + j] * z[j]);
            }
            z.copy_from_slice(&next);
            for u in 0..h {
                h1[u] = (0..b).fold(w[ob1 + u], |acc, j| acc + w[ow1 + u * b + j] * z[j]).tanh();
            }
            for u in 0..h {
                h2[u] = (0..h).fold(w[ob2 + u], |acc, j| acc + w[ow2 + u * h + j] * h1[j]).tanh();
            }
            let (mut s0, mut s1) = (w[ooff], w[ooff + 1]);
            for i in 0..m {
                let x = (0..h).fold(w[ob3 + i], |acc, j| acc + w[ow3 + i * h + j] * h2[j]).tanh();
                s0 += x * w[op + 2 * i];
                s1 += x * w[op + 2 * i + 1];
            }
            out[(q * p.steps + k) * 2] = s0;
            out[(q * p.steps + k) * 2 + 1] = s1;
        }
    }
    out
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Dims {
    n: u32,
    b: u32,
    m: u32,
    steps: u32,
    first: u32,
    last: u32,
    _pad: [u32; 2],
}

const PARAMS: usize = 0;
const Z0: usize = 1;
const OUT: usize = 2;

/// `kernel.wgsl` on a [`Gpu`]: the pipeline made once, buffers regrown only
/// when a larger input arrives.
pub struct KoopmanKernel {
    pipeline: wgpu::ComputePipeline,
    bindings: Bindings,
}

impl KoopmanKernel {
    pub fn new(gpu: &Gpu) -> KoopmanKernel {
        let pipeline = gpu.compute_pipeline("koopman", WGSL);
        let bindings = Bindings::new(gpu, "koopman", std::mem::size_of::<Dims>());
        KoopmanKernel { pipeline, bindings }
    }

    /// As [`rollout_cpu`], on the GPU.
    pub async fn rollout(&mut self, gpu: &Gpu, p: &Packed) -> Result<Vec<f32>, GpuError> {
        gpu.check()?;
        let out_len = p.n * p.steps * 2;
        self.bindings.ensure(
            gpu,
            &self.pipeline.get_bind_group_layout(0),
            &[p.params.len(), p.z0.len(), out_len],
            out_len,
        );
        let q = &gpu.queue;
        q.write_buffer(self.bindings.buffer(PARAMS), 0, bytemuck::cast_slice(&p.params));
        q.write_buffer(self.bindings.buffer(Z0), 0, bytemuck::cast_slice(&p.z0));
        // One submission per chunk: each sees its own `dims` (writes and
        // submissions run in queue order), and carries the latent state on.
        for first in (0..p.steps).step_by(CHUNK) {
            let dims = Dims {
                n: p.n as u32,
                b: p.b as u32,
                m: p.m as u32,
                steps: p.steps as u32,
                first: first as u32,
                last: (first + CHUNK).min(p.steps) as u32,
                _pad: [0; 2],
            };
            q.write_buffer(&self.bindings.dims, 0, bytemuck::bytes_of(&dims));
            let mut encoder = self.bindings.encoder(gpu);
            self.bindings.pass(&mut encoder, &[(&self.pipeline, (p.n.div_ceil(WORKGROUP).max(1) as u32, 1))]);
            q.submit([encoder.finish()]);
        }
        self.bindings.submit_and_read(gpu, self.bindings.encoder(gpu), OUT, out_len).await
    }
}

/// Evenly spread clean snapshots from the test part to start `n` rollouts of
/// `steps` from (so every rollout's truth exists).
pub fn starts(n: usize, steps: usize) -> Vec<usize> {
    let first = crate::labs::koopman::TRAIN;
    let room = (crate::labs::koopman::SNAPSHOTS - 1 - steps).saturating_sub(first).max(1);
    (0..n).map(|j| first + j * room / n.max(1)).collect()
}

/// The model's own (θ, θ̇) predictions (its rollout through `Mlp` and
/// [`crate::num::mlp::matmul`], another order of sums than the kernel's),
/// for checking the twin.
pub fn rollout_states(model: &Model, data: &Data, starts: &[usize], steps: usize) -> Array2<f64> {
    let x0 = data.clean.select(Axis(0), starts);
    let predictions = model.rollout(x0.view(), steps);
    let mut out = Array2::zeros((starts.len() * steps, 2));
    for (k, pred) in predictions.iter().enumerate() {
        for q in 0..starts.len() {
            let s = data.state_of(pred.row(q));
            out[[q * steps + k, 0]] = s[0];
            out[[q * steps + k, 1]] = s[1];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::parity_error;
    use crate::labs::koopman::{Config, Trainer};
    /// Reads a link against this lab alone.
    fn parse(input: &str) -> crate::core::link::Parsed {
        crate::core::link::parse_with(input, &[&crate::labs::koopman::lab::LAB])
    }

    #[test]
    fn cpu_twin_matches_the_model() {
        let mut t = Trainer::from_config(Config::from_link(&parse("#lab=koopman&epochs=3&b=5").link).unwrap()).unwrap();
        while t.epoch().is_some() {}
        let starts = starts(7, 50);
        assert!(starts.iter().all(|&s| s + 50 < crate::labs::koopman::SNAPSHOTS));
        let packed = Packed::new(&t.model, &t.data, &starts, 50);
        let got = rollout_cpu(&packed);
        let want: Vec<f32> = rollout_states(&t.model, &t.data, &starts, 50).iter().map(|&v| v as f32).collect();
        assert_eq!(got.len(), 7 * 50 * 2);
        let err = parity_error(&got, &want);
        assert!(err < 1e-4, "the twin against the model's own rollout: {err:e}");
    }
}
