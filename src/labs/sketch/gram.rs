//! The bootstrap's Gram matrices on the GPU (`gram.wgsl`), batched over the
//! replicas: `G_b = Yᵀ diag(c_b) Y` for every count vector `c_b` at once.
//! [`grams_cpu`] is its CPU twin in f32 (the same operations in the same
//! order); the lab's own f64 path is `linalg::weighted_gram`.

use crate::gpu::{Bindings, Gpu, GpuError, ShaderSpec, WORKGROUP};

pub const WGSL: &str = include_str!("gram.wgsl");
pub const SHADER: ShaderSpec =
    ShaderSpec { file: "gram.wgsl", wgsl: WGSL, uniform_size: std::mem::size_of::<Dims>(), storage: 3 };

/// Workgroups along x before the dispatch folds over y.
const MAX_X: usize = 65_535;

/// `boots × n × n` Gram matrices of `y` (`l × n`) weighted by `counts` (`boots × l`).
pub fn grams_cpu(y: &[f32], n: usize, counts: &[f32]) -> Vec<f32> {
    let l = y.len() / n;
    let boots = counts.len() / l;
    let mut out = vec![0.0f32; boots * n * n];
    for (b, g) in out.chunks_exact_mut(n * n).enumerate() {
        for (idx, o) in g.iter_mut().enumerate() {
            let (a, c) = (idx / n, idx % n);
            *o = (0..l).fold(0.0f32, |s, i| s + counts[b * l + i] * y[i * n + a] * y[i * n + c]);
        }
    }
    out
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Dims {
    l: u32,
    n: u32,
    boots: u32,
    stride: u32,
}

const Y: usize = 0;
const COUNTS: usize = 1;
const GRAMS: usize = 2;

/// [`grams_cpu`] on the GPU.
pub struct GramKernel {
    pipeline: wgpu::ComputePipeline,
    bindings: Bindings,
}

impl GramKernel {
    pub fn new(gpu: &Gpu) -> GramKernel {
        GramKernel {
            pipeline: gpu.compute_pipeline("gram", WGSL),
            bindings: Bindings::new(gpu, "gram", std::mem::size_of::<Dims>()),
        }
    }

    pub async fn grams(&mut self, gpu: &Gpu, y: &[f32], n: usize, counts: &[f32]) -> Result<Vec<f32>, GpuError> {
        gpu.check()?;
        let l = y.len() / n;
        assert_eq!(counts.len() % l, 0, "whole count vectors");
        let boots = counts.len() / l;
        let total = boots * n * n;
        let groups = total.div_ceil(WORKGROUP).max(1);
        let x = groups.min(MAX_X);
        let dims = Dims { l: l as u32, n: n as u32, boots: boots as u32, stride: (x * WORKGROUP) as u32 };
        self.bindings.ensure(gpu, &self.pipeline.get_bind_group_layout(0), &[y.len(), counts.len(), total], total);
        let q = &gpu.queue;
        q.write_buffer(&self.bindings.dims, 0, bytemuck::bytes_of(&dims));
        q.write_buffer(self.bindings.buffer(Y), 0, bytemuck::cast_slice(y));
        q.write_buffer(self.bindings.buffer(COUNTS), 0, bytemuck::cast_slice(counts));
        let mut encoder = self.bindings.encoder(gpu);
        self.bindings.pass(&mut encoder, &[(&self.pipeline, (x as u32, groups.div_ceil(x) as u32))]);
        self.bindings.submit_and_read(gpu, encoder, GRAMS, total).await
    }
}
