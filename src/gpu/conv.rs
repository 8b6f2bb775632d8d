//! The batched 3 × 3 convolution of image models on the GPU, and its input
//! gradient: what evaluation, saliency maps and PGD attacks need of a
//! convolutional layer (training stays in f64 on the CPU, `num::conv`).
//!
//! [`forward`] and [`input_gradient`] are the f32 CPU twins of `conv.wgsl`'s
//! two entry points: they sum in the kernel's order (the forward from the
//! bias, then over input channel, kernel row and kernel column; the input
//! gradient from zero over output channel, kernel row and column), so the
//! twins and the kernel differ only where the GPU's compiler contracts a
//! multiply and an add. [`ConvKernel`] makes both pipelines once and keeps
//! its buffers between calls, as `DenseKernel` does.

use crate::gpu::{Bindings, Gpu, GpuError, ShaderSpec, WORKGROUP};
use crate::num::conv::{Conv, Shape};

/// WGSL source of the kernel.
pub const WGSL: &str = include_str!("conv.wgsl");
/// What this side assumes of `conv.wgsl`; the shader tests check naga reads the same.
pub const SHADER: ShaderSpec =
    ShaderSpec { file: "conv.wgsl", wgsl: WGSL, uniform_size: std::mem::size_of::<Dims>(), storage: 4 };
const MAX_GROUPS_PER_DIM: usize = 65_535;

/// A [`Conv`] in f32 for the GPU and its twins.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PackedConv {
    pub c_in: usize,
    pub c_out: usize,
    pub stride: usize,
    /// `c_out × 9·c_in`, row-major, as `Conv::w`.
    pub w: Vec<f32>,
    pub b: Vec<f32>,
}

impl PackedConv {
    pub fn new(conv: &Conv) -> PackedConv {
        PackedConv {
            c_in: conv.c_in,
            c_out: conv.c_out,
            stride: conv.stride,
            w: conv.w.iter().map(|&v| v as f32).collect(),
            b: conv.b.iter().map(|&v| v as f32).collect(),
        }
    }

    /// The output shape for input shape `s`.
    pub fn output(&self, s: Shape) -> Shape {
        Shape { n: s.n, c: self.c_out, h: s.h.div_ceil(self.stride), w: s.w.div_ceil(self.stride) }
    }

    fn weight(&self, o: usize, c: usize, a: usize, e: usize) -> f32 {
        self.w[o * 9 * self.c_in + 9 * c + 3 * a + e]
    }
}

/// The input pixel `stride·i + tap − 1` of an output coordinate `i`, if
/// inside `0..len`.
fn tap(stride: usize, i: usize, tap: usize, len: usize) -> Option<usize> {
    (stride * i + tap).checked_sub(1).filter(|&p| p < len)
}

/// The output coordinate whose window reads input coordinate `p` through
/// kernel tap `tap` (`stride·i = p + 1 − tap`), if any.
fn reader(stride: usize, p: usize, tap: usize, len: usize) -> Option<usize> {
    (p + 1).checked_sub(tap).filter(|t| t % stride == 0).map(|t| t / stride).filter(|&i| i < len)
}

/// CPU twin of `conv.wgsl`'s `forward`: `y = conv(x) + b` for images `x` of shape `s`.
pub fn forward(conv: &PackedConv, x: &[f32], s: Shape) -> Vec<f32> {
    assert_eq!((x.len(), s.c), (s.len(), conv.c_in), "input shape");
    let out = conv.output(s);
    let mut y = Vec::with_capacity(out.len());
    for img in 0..s.n {
        for o in 0..conv.c_out {
            for i in 0..out.h {
                for j in 0..out.w {
                    let mut acc = conv.b[o];
                    for c in 0..s.c {
                        for a in 0..3 {
                            let Some(py) = tap(conv.stride, i, a, s.h) else { continue };
                            for e in 0..3 {
                                let Some(px) = tap(conv.stride, j, e, s.w) else { continue };
                                acc += conv.weight(o, c, a, e) * x[((img * s.c + c) * s.h + py) * s.w + px];
                            }
                        }
                    }
                    y.push(acc);
                }
            }
        }
    }
    y
}

/// CPU twin of `conv.wgsl`'s `input_gradient`: `∂L/∂x` from `dy = ∂L/∂y`
/// for a forward pass on input shape `s` (the bias does not enter).
pub fn input_gradient(conv: &PackedConv, dy: &[f32], s: Shape) -> Vec<f32> {
    let out = conv.output(s);
    assert_eq!(dy.len(), out.len(), "output shape");
    let mut dx = Vec::with_capacity(s.len());
    for img in 0..s.n {
        for c in 0..s.c {
            for py in 0..s.h {
                for px in 0..s.w {
                    let mut acc = 0.0f32;
                    for o in 0..conv.c_out {
                        for a in 0..3 {
                            let Some(i) = reader(conv.stride, py, a, out.h) else { continue };
                            for e in 0..3 {
                                let Some(j) = reader(conv.stride, px, e, out.w) else { continue };
                                acc += conv.weight(o, c, a, e) * dy[((img * conv.c_out + o) * out.h + i) * out.w + j];
                            }
                        }
                    }
                    dx.push(acc);
                }
            }
        }
    }
    dx
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Dims {
    n: u32,
    c_in: u32,
    c_out: u32,
    h: u32,
    w: u32,
    ho: u32,
    wo: u32,
    stride: u32,
    groups_x: u32,
    pad: [u32; 3],
}

const W: usize = 0;
const B: usize = 1;
const SRC: usize = 2;
const DST: usize = 3;

/// `conv.wgsl` on a [`Gpu`]: both pipelines made once, buffers reused.
pub struct ConvKernel {
    layout: wgpu::BindGroupLayout,
    /// `[forward, input_gradient]`
    pipelines: Vec<wgpu::ComputePipeline>,
    bindings: Bindings,
}

impl ConvKernel {
    pub fn new(gpu: &Gpu) -> ConvKernel {
        let (layout, pipelines) = gpu.compute_pipelines("conv", WGSL, &["forward", "input_gradient"], SHADER.storage);
        ConvKernel { layout, pipelines, bindings: Bindings::new(gpu, "conv", std::mem::size_of::<Dims>()) }
    }

    /// [`forward`] on the GPU.
    pub async fn forward(&mut self, gpu: &Gpu, conv: &PackedConv, x: &[f32], s: Shape) -> Result<Vec<f32>, GpuError> {
        assert_eq!((x.len(), s.c), (s.len(), conv.c_in), "input shape");
        self.run(gpu, conv, x, s, 0, conv.output(s).len()).await
    }

    /// [`input_gradient`] on the GPU.
    pub async fn input_gradient(
        &mut self,
        gpu: &Gpu,
        conv: &PackedConv,
        dy: &[f32],
        s: Shape,
    ) -> Result<Vec<f32>, GpuError> {
        assert_eq!(dy.len(), conv.output(s).len(), "output shape");
        self.run(gpu, conv, dy, s, 1, s.len()).await
    }

    /// Runs entry point `entry` on `src`, one invocation per `len` outputs.
    async fn run(
        &mut self,
        gpu: &Gpu,
        conv: &PackedConv,
        src: &[f32],
        s: Shape,
        entry: usize,
        len: usize,
    ) -> Result<Vec<f32>, GpuError> {
        gpu.check()?;
        let out = conv.output(s);
        self.bindings.ensure(gpu, &self.layout, &[conv.w.len(), conv.b.len(), src.len(), len], len);
        let groups = len.div_ceil(WORKGROUP);
        let groups_x = groups.clamp(1, MAX_GROUPS_PER_DIM);
        let groups_y = groups.div_ceil(groups_x).max(1);
        let dims = Dims {
            n: s.n as u32,
            c_in: conv.c_in as u32,
            c_out: conv.c_out as u32,
            h: s.h as u32,
            w: s.w as u32,
            ho: out.h as u32,
            wo: out.w as u32,
            stride: conv.stride as u32,
            groups_x: groups_x as u32,
            pad: [0; 3],
        };
        let q = &gpu.queue;
        q.write_buffer(&self.bindings.dims, 0, bytemuck::bytes_of(&dims));
        q.write_buffer(self.bindings.buffer(W), 0, bytemuck::cast_slice(&conv.w));
        q.write_buffer(self.bindings.buffer(B), 0, bytemuck::cast_slice(&conv.b));
        q.write_buffer(self.bindings.buffer(SRC), 0, bytemuck::cast_slice(src));
        let mut encoder = self.bindings.encoder(gpu);
        self.bindings.pass(&mut encoder, &[(&self.pipelines[entry], (groups_x as u32, groups_y as u32))]);
        self.bindings.submit_and_read(gpu, encoder, DST, len).await
    }
}

/// A random convolution and batch (values in ±1), reproducible from `seed`,
/// for parity checks.
pub fn random_problem(seed: u64, s: Shape, c_out: usize, stride: usize) -> (PackedConv, Vec<f32>) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut conv = Conv::zeros(s.c, c_out, stride);
    conv.w.mapv_inplace(|_| rng.random_range(-1.0..1.0));
    conv.b.iter_mut().for_each(|b| *b = rng.random_range(-1.0..1.0));
    let x = (0..s.len()).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    (PackedConv::new(&conv), x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// The twins against the f64 training path (`num::conv`), on both strides
    /// and an odd side (where stride 2 leaves a partial window).
    #[test]
    fn twins_match_the_f64_convolution_and_its_input_gradient() {
        for (stride, side) in [(1, 8), (2, 8), (2, 7), (1, 5)] {
            let s = Shape { n: 3, c: 2, h: side, w: side };
            let (packed, x) = random_problem(stride as u64 * 10 + side as u64, s, 4, stride);
            let conv = Conv {
                c_in: 2,
                c_out: 4,
                stride,
                w: Array2::from_shape_vec((4, 18), packed.w.iter().map(|&v| v as f64).collect()).unwrap(),
                b: packed.b.iter().map(|&v| v as f64).collect(),
            };
            let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
            let (y64, cache) = conv.forward(&x64, s);
            let y = forward(&packed, &x, s);
            let worst = |a: &[f32], b: &[f64]| a.iter().zip(b).fold(0.0f64, |m, (&p, &q)| m.max((p as f64 - q).abs()));
            assert_eq!(y.len(), y64.len());
            assert!(worst(&y, &y64) < 1e-5, "forward, stride {stride}, side {side}: {}", worst(&y, &y64));
            // ∂L/∂x for L = Σ dy ⊙ y.
            let dy: Vec<f64> = (0..y64.len()).map(|i| ((i as f64) * 0.37).sin()).collect();
            let (mut dw, mut db) = (Array2::zeros(conv.w.raw_dim()), vec![0.0; 4]);
            let dx64 = conv.backward(&cache, &dy, &mut dw, &mut db);
            let dy32: Vec<f32> = dy.iter().map(|&v| v as f32).collect();
            let dx = input_gradient(&packed, &dy32, s);
            assert!(worst(&dx, &dx64) < 1e-5, "input gradient, stride {stride}, side {side}: {}", worst(&dx, &dx64));
            // Control: a gradient read through the wrong kernel tap is caught.
            let mut flipped = packed.clone();
            flipped.w.swap(0, 8);
            assert!(worst(&input_gradient(&flipped, &dy32, s), &dx64) > 1e-3);
        }
    }
}
