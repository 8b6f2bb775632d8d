//! A [`Cnn`]'s convolutional stages in f32 for evaluation and saliency maps
//! of image models on the GPU, knowing no lab.
//!
//! Each stage `conv → relu → 2 × 2 max pool` (see `num::cnn`) runs its 3 × 3
//! convolution as one dispatch of `conv.wgsl` ([`ConvKernel`]); ReLU and the
//! pooling between dispatches run on the host (a few comparisons per pixel,
//! cheaper than another round trip). The backward pass, for `∂L/∂x`, runs
//! the stages in reverse: the pooling's and ReLU's backward on the host,
//! `conv.wgsl`'s `input_gradient` on the GPU.
//!
//! [`Device::Twin`] runs the same stages with the kernel's f32 CPU twins
//! (`conv::forward`, `conv::input_gradient`), which sum in the kernel's
//! order: the page shows the GPU's numbers against the twin's, and the
//! tests check them. The head (a dense layer) is the caller's: a probe or a
//! classifier's last layer.
//!
//! [`Body`] is either kind of classifier below its head, as the labs' GPU
//! checks evaluate it: an MLP's tanh layers (the dense kernel) or a CNN's
//! stages.

use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::conv::{self, ConvKernel, PackedConv};
use super::dense::{pack, DenseKernel, PackedLayer};
use super::{Gpu, GpuError};
use crate::num::cnn::{Classifier, Cnn};
use crate::num::conv::{pool2, pool2_backward, Pool, Shape};

/// A classifier below the layer a head reads, in f32: an MLP's first tanh
/// layers, or a CNN's convolutional stages.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Body {
    Mlp(Vec<PackedLayer>),
    Cnn(PackedCnn),
}

/// The kernels a [`Body`] runs on, made on first use and kept with their buffers.
#[derive(Default)]
pub struct Kernels {
    dense: Option<DenseKernel>,
    conv: Option<ConvKernel>,
}

impl Body {
    /// What gives `model`'s features at an MLP's hidden layer `depth`
    /// (1-based), or a CNN's flattened maps (`depth` unused).
    pub fn of(model: &Classifier, depth: usize) -> Body {
        match model {
            Classifier::Mlp(m) => Body::Mlp(pack(&m.layers[..depth])),
            Classifier::Cnn(c) => Body::Cnn(PackedCnn::new(c)),
        }
    }

    /// `model` below its one-layer linear head, and the head.
    pub fn split(model: &Classifier) -> (Body, PackedLayer) {
        let (body, head) = match model {
            Classifier::Mlp(m) => (Body::of(model, m.layers.len() - 1), pack(&m.layers[m.layers.len() - 1..])),
            Classifier::Cnn(c) => (Body::of(model, 0), pack(&c.head.layers)),
        };
        (body, head.into_iter().next().expect("a one-layer head"))
    }

    /// The features of `x` (rows of the body's input, row-major) on the GPU.
    pub async fn features(&self, gpu: &Gpu, kernels: &mut Kernels, x: &[f32]) -> Result<Vec<f32>, GpuError> {
        match self {
            Body::Mlp(layers) => {
                let kernel = kernels.dense(gpu);
                let rows = x.len() / layers[0].n_in;
                let mut h = Array2::from_shape_vec((rows, layers[0].n_in), x.to_vec()).expect("rows × inputs");
                for l in layers {
                    let w = Array2::from_shape_vec((l.n_out, l.n_in), l.w.clone()).expect("n_out × n_in");
                    h = kernel.run(gpu, w.view(), Array1::from(l.b.clone()).view(), h.view()).await?;
                }
                Ok(h.into_iter().collect())
            }
            Body::Cnn(cnn) => Ok(cnn.features(&mut Device::Gpu(gpu, kernels.conv(gpu)), x).await?.0),
        }
    }
}

impl Kernels {
    pub fn dense(&mut self, gpu: &Gpu) -> &mut DenseKernel {
        self.dense.get_or_insert_with(|| DenseKernel::new(gpu))
    }

    pub fn conv(&mut self, gpu: &Gpu) -> &mut ConvKernel {
        self.conv.get_or_insert_with(|| ConvKernel::new(gpu))
    }
}

/// A [`Cnn`]'s convolutions in f32, and its input's (channels, height, width).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PackedCnn {
    pub input: (usize, usize, usize),
    pub convs: Vec<PackedConv>,
}

/// Where the convolutions run.
pub enum Device<'a> {
    Gpu(&'a Gpu, &'a mut ConvKernel),
    Twin,
}

impl Device<'_> {
    /// `conv(x)` (with its bias) for images `x` of shape `s`.
    pub async fn forward(&mut self, conv: &PackedConv, x: &[f32], s: Shape) -> Result<Vec<f32>, GpuError> {
        match self {
            Device::Gpu(gpu, kernel) => kernel.forward(gpu, conv, x, s).await,
            Device::Twin => Ok(conv::forward(conv, x, s)),
        }
    }

    /// `∂L/∂x` from `dy = ∂L/∂conv(x)`.
    pub async fn input_gradient(&mut self, conv: &PackedConv, dy: &[f32], s: Shape) -> Result<Vec<f32>, GpuError> {
        match self {
            Device::Gpu(gpu, kernel) => kernel.input_gradient(gpu, conv, dy, s).await,
            Device::Twin => Ok(conv::input_gradient(conv, dy, s)),
        }
    }
}

/// What the backward pass needs of each stage: its input's shape, the
/// convolution's output after ReLU, and the pooling's picks.
pub struct Stages {
    stages: Vec<(Shape, Vec<f32>, Vec<usize>)>,
}

impl PackedCnn {
    pub fn new(cnn: &Cnn) -> PackedCnn {
        PackedCnn { input: cnn.input, convs: cnn.convs.iter().map(PackedConv::new).collect() }
    }

    /// The flattened features of the images `x` (`n × c·h·w`, row-major):
    /// `n × features`, as `Cnn::features` computes them in f64; and the
    /// stages, for [`PackedCnn::input_gradient`].
    pub async fn features(&self, device: &mut Device<'_>, x: &[f32]) -> Result<(Vec<f32>, Stages), GpuError> {
        let (c, h, w) = self.input;
        let mut shape = Shape { n: x.len() / (c * h * w), c, h, w };
        assert_eq!(x.len(), shape.len(), "images of {c} × {h} × {w}");
        let mut data = x.to_vec();
        let mut stages = Vec::with_capacity(self.convs.len());
        for conv in &self.convs {
            let y = device.forward(conv, &data, shape).await?;
            let out = conv.output(shape);
            let relu: Vec<f32> = y.iter().map(|&v| v.max(0.0)).collect();
            let (pooled, argmax, pooled_shape) = pool2(&relu, out, Pool::Max);
            stages.push((shape, relu, argmax));
            (data, shape) = (pooled, pooled_shape);
        }
        Ok((data, Stages { stages }))
    }

    /// `∂L/∂x` (`n × c·h·w`) from `dfeatures = ∂L/∂features` of a
    /// [`PackedCnn::features`] pass that gave `stages`.
    pub async fn input_gradient(
        &self,
        device: &mut Device<'_>,
        stages: &Stages,
        dfeatures: Vec<f32>,
    ) -> Result<Vec<f32>, GpuError> {
        let mut d = dfeatures;
        for (conv, (input, relu, argmax)) in self.convs.iter().zip(&stages.stages).rev() {
            let mut dy = pool2_backward(&d, argmax, conv.output(*input), Pool::Max);
            for (g, &a) in dy.iter_mut().zip(relu) {
                if a <= 0.0 {
                    *g = 0.0;
                }
            }
            d = device.input_gradient(conv, &dy, *input).await?;
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// The twin stages against the f64 network they pack: features and
    /// `∂L/∂x` for a linear functional of the features, to f32 rounding.
    #[test]
    fn the_f32_stages_follow_the_f64_network() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let cnn = Cnn::init((1, 8, 8), &[4, 6], 3, &mut rng);
        let n = 3;
        let x = Array2::from_shape_fn((n, 64), |(i, j)| ((i * 64 + j) as f64 * 0.37).sin());
        let packed = PackedCnn::new(&cnn);
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let (features, stages) = pollster::block_on(packed.features(&mut Device::Twin, &x32)).unwrap();
        let want = cnn.features(x.view());
        let err = features.iter().zip(want.iter()).fold(0.0f64, |m, (&a, &b)| m.max((a as f64 - b).abs()));
        assert_eq!(features.len(), want.len());
        assert!(err < 1e-5, "features differ by {err}");
        // L = Σ v ⊙ features, so ∂L/∂features = v.
        let v: Vec<f32> = (0..features.len()).map(|i| ((i as f32) * 0.71).cos()).collect();
        let got = pollster::block_on(packed.input_gradient(&mut Device::Twin, &stages, v.clone())).unwrap();
        // Central differences of L in f64 on a few pixels.
        let l = |x: &Array2<f64>| cnn.features(x.view()).iter().zip(&v).map(|(&f, &w)| f * w as f64).sum::<f64>();
        for k in [0, 17, 70, 150] {
            let (mut up, mut down) = (x.clone(), x.clone());
            up[(k / 64, k % 64)] += 1e-6;
            down[(k / 64, k % 64)] -= 1e-6;
            let numeric = (l(&up) - l(&down)) / 2e-6;
            assert!(
                (got[k] as f64 - numeric).abs() < 1e-3 * (1.0 + numeric.abs()),
                "pixel {k}: {} against {numeric}",
                got[k]
            );
        }
        // Control: a gradient that skipped the ReLU mask would not match.
        let mut wrong = stages;
        wrong.stages.iter_mut().for_each(|(_, relu, _)| relu.iter_mut().for_each(|a| *a = 1.0));
        let bad = pollster::block_on(packed.input_gradient(&mut Device::Twin, &wrong, v)).unwrap();
        assert!(bad.iter().zip(&got).any(|(a, b)| (a - b).abs() > 1e-3));
    }
}
