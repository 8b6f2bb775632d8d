//! Saliency maps (input gradients of the loss) of a source on the GPU:
//! the forward pass through the tanh layers with the dense kernel
//! (`gpu/dense.wgsl`), the small linear head and the softmax on the host,
//! then `saliency.wgsl` once per tanh layer, top to bottom. [`saliency_cpu`]
//! is the f32 twin (`dense::forward`, [`backprop_cpu`]); the lab's own maps
//! are the f64 ones of `Source::saliency`.

use ndarray::{Array2, ArrayView2};

use super::PackedLayer;
use crate::gpu::dense::{forward, DenseKernel};
use crate::gpu::{Bindings, Gpu, GpuError, ShaderSpec, WORKGROUP};

pub const WGSL: &str = include_str!("saliency.wgsl");
pub const SHADER: ShaderSpec =
    ShaderSpec { file: "saliency.wgsl", wgsl: WGSL, uniform_size: std::mem::size_of::<Dims>(), storage: 4 };

const MAX_X: usize = 65_535;

/// `(g ⊙ (1 − a²)) W` for `g`, `a` (`batch × n_out`) and `W` (`n_out × n_in`).
pub fn backprop_cpu(g: &[f32], a: &[f32], layer: &PackedLayer) -> Vec<f32> {
    let batch = g.len() / layer.n_out;
    let mut out = vec![0.0f32; batch * layer.n_in];
    for (id, o) in out.iter_mut().enumerate() {
        let (row, j) = (id / layer.n_in, id % layer.n_in);
        *o = (0..layer.n_out).fold(0.0f32, |s, k| {
            let i = row * layer.n_out + k;
            s + g[i] * (1.0 - a[i] * a[i]) * layer.w[k * layer.n_in + j]
        });
    }
    out
}

/// The gradient of the summed cross-entropy at the head's input: the head
/// (`linear`, on the last hidden activations `h`) and the softmax in f32.
pub(super) fn head_gradient(h: &[f32], linear: &PackedLayer, y: &[usize]) -> Vec<f32> {
    let (n_in, n_out) = (linear.n_in, linear.n_out);
    let mut g = vec![0.0f32; y.len() * n_in];
    for (row, &label) in y.iter().enumerate() {
        let logits: Vec<f32> = (0..n_out)
            .map(|o| (0..n_in).fold(linear.b[o], |s, k| s + linear.w[o * n_in + k] * h[row * n_in + k]))
            .collect();
        let max = logits.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let sum: f32 = logits.iter().map(|v| (v - max).exp()).sum();
        for (o, l) in logits.iter().enumerate() {
            let d = (l - max).exp() / sum - if o == label { 1.0 } else { 0.0 };
            for k in 0..n_in {
                g[row * n_in + k] += d * linear.w[o * n_in + k];
            }
        }
    }
    g
}

fn view(layer: &PackedLayer) -> (Array2<f32>, ndarray::Array1<f32>) {
    (
        Array2::from_shape_vec((layer.n_out, layer.n_in), layer.w.clone()).expect("n_out × n_in"),
        ndarray::Array1::from(layer.b.clone()),
    )
}

/// Saliency maps of `x` (`batch × n_in`) with labels `y`, in f32 on the CPU:
/// `hidden` tanh layers, then the linear `head`.
pub fn saliency_cpu(hidden: &[PackedLayer], head: &PackedLayer, x: ArrayView2<f32>, y: &[usize]) -> Vec<f32> {
    let mut acts = vec![x.to_owned()];
    for layer in hidden {
        let (w, b) = view(layer);
        let next = forward(w.view(), b.view(), acts.last().expect("input").view());
        acts.push(next);
    }
    let mut g = head_gradient(acts.last().expect("features").as_slice().expect("standard"), head, y);
    for (i, layer) in hidden.iter().enumerate().rev() {
        g = backprop_cpu(&g, acts[i + 1].as_slice().expect("standard"), layer);
    }
    g
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Dims {
    batch: u32,
    n_in: u32,
    n_out: u32,
    stride: u32,
}

/// [`saliency_cpu`] on the GPU.
pub struct SaliencyKernel {
    dense: DenseKernel,
    pipeline: wgpu::ComputePipeline,
    bindings: Bindings,
}

impl SaliencyKernel {
    pub fn new(gpu: &Gpu) -> SaliencyKernel {
        SaliencyKernel {
            dense: DenseKernel::new(gpu),
            pipeline: gpu.compute_pipeline("backprop", WGSL),
            bindings: Bindings::new(gpu, "backprop", std::mem::size_of::<Dims>()),
        }
    }

    async fn backprop(&mut self, gpu: &Gpu, g: &[f32], a: &[f32], layer: &PackedLayer) -> Result<Vec<f32>, GpuError> {
        let batch = g.len() / layer.n_out;
        let total = batch * layer.n_in;
        let groups = total.div_ceil(WORKGROUP).max(1);
        let x = groups.min(MAX_X);
        let dims = Dims {
            batch: batch as u32,
            n_in: layer.n_in as u32,
            n_out: layer.n_out as u32,
            stride: (x * WORKGROUP) as u32,
        };
        self.bindings.ensure(
            gpu,
            &self.pipeline.get_bind_group_layout(0),
            &[g.len(), a.len(), layer.w.len(), total],
            total,
        );
        let q = &gpu.queue;
        q.write_buffer(&self.bindings.dims, 0, bytemuck::bytes_of(&dims));
        q.write_buffer(self.bindings.buffer(0), 0, bytemuck::cast_slice(g));
        q.write_buffer(self.bindings.buffer(1), 0, bytemuck::cast_slice(a));
        q.write_buffer(self.bindings.buffer(2), 0, bytemuck::cast_slice(&layer.w));
        let mut encoder = self.bindings.encoder(gpu);
        self.bindings.pass(&mut encoder, &[(&self.pipeline, (x as u32, groups.div_ceil(x) as u32))]);
        self.bindings.submit_and_read(gpu, encoder, 3, total).await
    }

    /// As [`saliency_cpu`].
    pub async fn saliency(
        &mut self,
        gpu: &Gpu,
        hidden: &[PackedLayer],
        head: &PackedLayer,
        x: ArrayView2<'_, f32>,
        y: &[usize],
    ) -> Result<Vec<f32>, GpuError> {
        let mut acts = vec![x.to_owned()];
        for layer in hidden {
            let (w, b) = view(layer);
            let next = self.dense.run(gpu, w.view(), b.view(), acts.last().expect("input").view()).await?;
            acts.push(next);
        }
        let mut g = head_gradient(acts.last().expect("features").as_slice().expect("standard"), head, y);
        for (i, layer) in hidden.iter().enumerate().rev() {
            g = self.backprop(gpu, &g, acts[i + 1].as_slice().expect("standard"), layer).await?;
        }
        Ok(g)
    }
}
