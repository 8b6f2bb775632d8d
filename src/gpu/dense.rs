//! The batched dense layer `y = tanh(W x + b)`: the building block of the
//! depth lab's vector field, and the first kernel that proves the GPU path.
//!
//! [`forward`] is the CPU reference; [`DenseKernel`] runs `dense.wgsl`
//! and must agree with it (see [`parity_error`]). The kernel makes its
//! pipeline once and keeps its buffers between calls, growing them only when a
//! larger batch arrives — the pattern of wgpu's `repeated_compute` example.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::{Rng, SeedableRng};

use crate::gpu::{read_back, Bindings, Gpu, GpuError, ShaderSpec, WORKGROUP};
use crate::num::mlp::Layer;

/// WGSL source of the kernel.
pub const WGSL: &str = include_str!("dense.wgsl");
/// What this side assumes of `dense.wgsl`; the shader tests check naga reads the same.
pub const SHADER: ShaderSpec =
    ShaderSpec { file: "dense.wgsl", wgsl: WGSL, uniform_size: std::mem::size_of::<Dims>(), storage: 4 };
const MAX_GROUPS_PER_DIM: usize = 65_535;

/// A dense layer of a `num::mlp::Mlp`, `n_out × n_in` row-major, in f32
/// for the GPU (tanh layers run here; a linear head is the host's).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PackedLayer {
    pub n_in: usize,
    pub n_out: usize,
    pub w: Vec<f32>,
    pub b: Vec<f32>,
}

/// `layers` in f32.
pub fn pack(layers: &[Layer]) -> Vec<PackedLayer> {
    layers
        .iter()
        .map(|l| PackedLayer {
            n_in: l.w.ncols(),
            n_out: l.w.nrows(),
            w: l.w.iter().map(|&v| v as f32).collect(),
            b: l.b.iter().map(|&v| v as f32).collect(),
        })
        .collect()
}

/// CPU twin of `dense.wgsl`: `x` is `batch × n_in`, `w` is `n_out × n_in`,
/// `b` has `n_out` entries; returns `batch × n_out`. Sums in the kernel's
/// order (bias first, then inputs in order) so the two differ only by
/// rounding inside `tanh`.
pub fn forward(w: ArrayView2<f32>, b: ArrayView1<f32>, x: ArrayView2<f32>) -> Array2<f32> {
    let (n_out, n_in) = w.dim();
    assert_eq!(x.ncols(), n_in, "x has {} columns, W expects {n_in}", x.ncols());
    assert_eq!(b.len(), n_out, "b has {} entries, W has {n_out} rows", b.len());
    Array2::from_shape_fn((x.nrows(), n_out), |(n, o)| {
        let mut acc = b[o];
        for i in 0..n_in {
            acc += w[(o, i)] * x[(n, i)];
        }
        acc.tanh()
    })
}

/// A random layer and batch, reproducible from `seed`, for parity checks.
pub fn random_problem(seed: u64, batch: usize, n_in: usize, n_out: usize) -> (Array2<f32>, Array1<f32>, Array2<f32>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let scale = 1.0 / (n_in as f32).sqrt();
    let w = Array2::from_shape_fn((n_out, n_in), |_| rng.random_range(-1.0..1.0) * scale * 2.0);
    let b = Array1::from_shape_fn(n_out, |_| rng.random_range(-0.5..0.5));
    let x = Array2::from_shape_fn((batch, n_in), |_| rng.random_range(-2.0..2.0));
    (w, b, x)
}

/// [`crate::gpu::parity_error`] between two outputs of the same shape.
pub fn parity_error(gpu: &Array2<f32>, cpu: &Array2<f32>) -> f32 {
    assert_eq!(gpu.dim(), cpu.dim());
    let flat = |a: &Array2<f32>| a.iter().copied().collect::<Vec<f32>>();
    crate::gpu::parity_error(&flat(gpu), &flat(cpu))
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Dims {
    batch: u32,
    n_in: u32,
    n_out: u32,
    groups_x: u32,
}

/// `dense.wgsl` on a [`Gpu`]: pipeline made once, buffers reused.
pub struct DenseKernel {
    pipeline: wgpu::ComputePipeline,
    bindings: Bindings,
}

const W: usize = 0;
const B: usize = 1;
const X: usize = 2;
const Y: usize = 3;

impl DenseKernel {
    pub fn new(gpu: &Gpu) -> DenseKernel {
        let pipeline = gpu.compute_pipeline("dense", WGSL);
        let bindings = Bindings::new(gpu, "dense", std::mem::size_of::<Dims>());
        DenseKernel { pipeline, bindings }
    }

    /// `tanh(W x + b)` on the GPU; shapes as in [`forward`].
    pub async fn run(
        &mut self,
        gpu: &Gpu,
        w: ArrayView2<'_, f32>,
        b: ArrayView1<'_, f32>,
        x: ArrayView2<'_, f32>,
    ) -> Result<Array2<f32>, GpuError> {
        gpu.check()?;
        let (n_out, n_in) = w.dim();
        let batch = x.nrows();
        assert_eq!(x.ncols(), n_in);
        assert_eq!(b.len(), n_out);
        let y_len = batch * n_out;
        self.bindings.ensure(gpu, &self.pipeline.get_bind_group_layout(0), &[w.len(), b.len(), x.len(), y_len], y_len);

        let groups = y_len.div_ceil(WORKGROUP);
        let groups_x = groups.clamp(1, MAX_GROUPS_PER_DIM);
        let groups_y = groups.div_ceil(groups_x).max(1);
        let dims = Dims { batch: batch as u32, n_in: n_in as u32, n_out: n_out as u32, groups_x: groups_x as u32 };
        let q = &gpu.queue;
        q.write_buffer(&self.bindings.dims, 0, bytemuck::bytes_of(&dims));
        q.write_buffer(self.bindings.buffer(W), 0, bytemuck::cast_slice(&contiguous(w)));
        q.write_buffer(self.bindings.buffer(B), 0, bytemuck::cast_slice(&b.to_vec()));
        q.write_buffer(self.bindings.buffer(X), 0, bytemuck::cast_slice(&contiguous(x)));

        let mut encoder = gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("dense") });
        {
            let mut pass = encoder
                .begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("dense"), timestamp_writes: None });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, self.bindings.group(), &[]);
            pass.dispatch_workgroups(groups_x as u32, groups_y as u32, 1);
        }
        encoder.copy_buffer_to_buffer(
            self.bindings.buffer(Y),
            0,
            self.bindings.staging(),
            0,
            (y_len.max(1) * 4) as u64,
        );
        q.submit([encoder.finish()]);

        let data = read_back(gpu, self.bindings.staging(), y_len).await?;
        Ok(Array2::from_shape_vec((batch, n_out), data).expect("shape matches the readback"))
    }
}

/// Row-major data of a matrix view, copying only when it is not already so.
fn contiguous(a: ArrayView2<f32>) -> Vec<f32> {
    a.as_standard_layout().iter().copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn forward_matches_a_hand_computation() {
        let w = array![[1.0f32, -2.0], [0.5, 0.25]];
        let b = array![0.1f32, -0.3];
        let x = array![[1.0f32, 1.0], [0.0, 2.0], [-1.0, 0.5]];
        let y = forward(w.view(), b.view(), x.view());
        for n in 0..3 {
            let h0 = 0.1 + x[(n, 0)] - 2.0 * x[(n, 1)];
            let h1 = -0.3 + 0.5 * x[(n, 0)] + 0.25 * x[(n, 1)];
            assert_eq!(y[(n, 0)], h0.tanh());
            assert_eq!(y[(n, 1)], h1.tanh());
        }
    }

    #[test]
    fn parity_error_sees_a_single_wrong_entry() {
        let a = Array2::<f32>::zeros((4, 3));
        let mut b = a.clone();
        assert_eq!(parity_error(&a, &b), 0.0);
        b[(2, 1)] = 1e-3;
        assert!(parity_error(&b, &a) >= 1e-3);
        b[(2, 1)] = f32::NAN;
        assert!(parity_error(&b, &a).is_infinite());
    }
}
