//! A small convolutional classifier from [`super::conv`]'s units, knowing no
//! lab: for each stage, a 3 × 3 convolution, ReLU and 2 × 2 max pooling;
//! then a dense layer from the flattened features to the logits.
//!
//! `x (n × c·h·w) → [conv → relu → maxpool] × stages → flatten → dense`
//!
//! The interface follows [`Mlp`]'s (rows of `x` are examples, the logits
//! are `n × classes`, [`Cnn::backward`] adds the parameter gradients and
//! returns `∂L/∂x`, [`Cnn::input_gradient`] gives `∂L/∂x` alone for a
//! saliency map or an adversary's step), so a lab can take either model.
//! Every sum goes through the fixed-order matmul or a fixed loop: the page
//! and the CLI train the same bits.

use ndarray::{Array2, ArrayView2};
use rand::Rng;

use super::conv::{pool2, pool2_backward, Conv, ConvCache, Pool, Shape};
use super::mlp::Mlp;
use crate::num::rng::gaussian;

/// The network; see the module docs.
#[derive(Clone, Debug, PartialEq)]
pub struct Cnn {
    /// The input images' channels and sides.
    pub input: (usize, usize, usize),
    pub convs: Vec<Conv>,
    /// One linear layer from the flattened features (no tanh).
    pub head: Mlp,
}

/// What [`Cnn::backward`] needs from a forward pass.
pub struct CnnCache {
    stages: Vec<Stage>,
    head: super::mlp::Cache,
}

struct Stage {
    conv: ConvCache,
    /// The convolution's output after ReLU, its shape, and the pooling's picks.
    relu: Vec<f64>,
    shape: Shape,
    argmax: Vec<usize>,
}

impl Cnn {
    /// Images of `input = (c, h, w)` (sides divisible by 2^stages), one stage
    /// per entry of `channels`, `classes` logits; He-normal convolutions and a
    /// Xavier-normal head from `rng`.
    pub fn init(input: (usize, usize, usize), channels: &[usize], classes: usize, rng: &mut impl Rng) -> Cnn {
        let mut c_in = input.0;
        let convs: Vec<Conv> = channels
            .iter()
            .map(|&c_out| {
                let conv = Conv::he(c_in, c_out, 1, || gaussian(rng));
                c_in = c_out;
                conv
            })
            .collect();
        let shrink = 1 << channels.len();
        assert!(
            input.1.is_multiple_of(shrink) && input.2.is_multiple_of(shrink),
            "sides must halve {} times",
            channels.len()
        );
        let features = c_in * (input.1 / shrink) * (input.2 / shrink);
        Cnn { input, convs, head: Mlp::init(&[features, classes], false, rng) }
    }

    pub fn zeros_like(&self) -> Cnn {
        let convs = self.convs.iter().map(|c| Conv::zeros(c.c_in, c.c_out, c.stride)).collect();
        Cnn { input: self.input, convs, head: self.head.zeros_like() }
    }

    pub fn params(&self) -> usize {
        self.convs.iter().map(|c| c.w.len() + c.b.len()).sum::<usize>() + self.head.params()
    }

    /// Every trainable tensor, the convolutions' (weights, bias) first.
    pub fn tensors_mut(&mut self) -> Vec<&mut [f64]> {
        let mut out: Vec<&mut [f64]> = Vec::new();
        for c in &mut self.convs {
            out.push(c.w.as_slice_mut().expect("standard layout"));
            out.push(&mut c.b);
        }
        out.extend(self.head.tensors_mut());
        out
    }

    /// The head's input for `x`: the last stage's pooled maps, flattened
    /// (the features a linear probe reads).
    pub fn features(&self, x: ArrayView2<f64>) -> Array2<f64> {
        let (c, h, w) = self.input;
        let mut shape = Shape { n: x.nrows(), c, h, w };
        let mut data: Vec<f64> = x.as_standard_layout().iter().copied().collect();
        for conv in &self.convs {
            let (y, _) = conv.forward(&data, shape);
            let out = conv.output(shape);
            let relu: Vec<f64> = y.iter().map(|&v| v.max(0.0)).collect();
            (data, _, shape) = pool2(&relu, out, Pool::Max);
        }
        Array2::from_shape_vec((x.nrows(), shape.c * shape.plane()), data).expect("n × features")
    }

    /// The logits for `x` (`n × c·h·w`), and what the backward pass needs.
    pub fn forward(&self, x: ArrayView2<f64>) -> (Array2<f64>, CnnCache) {
        let (c, h, w) = self.input;
        let n = x.nrows();
        let mut shape = Shape { n, c, h, w };
        let mut data: Vec<f64> = x.as_standard_layout().iter().copied().collect();
        let mut stages = Vec::with_capacity(self.convs.len());
        for conv in &self.convs {
            let (y, cache) = conv.forward(&data, shape);
            let out = conv.output(shape);
            let relu: Vec<f64> = y.iter().map(|&v| v.max(0.0)).collect();
            let (pooled, argmax, pooled_shape) = pool2(&relu, out, Pool::Max);
            stages.push(Stage { conv: cache, relu, shape: out, argmax });
            (data, shape) = (pooled, pooled_shape);
        }
        let features = Array2::from_shape_vec((n, shape.c * shape.plane()), data).expect("n × features");
        let (logits, head) = self.head.forward(features.view());
        (logits, CnnCache { stages, head })
    }

    /// The logits alone.
    pub fn apply(&self, x: ArrayView2<f64>) -> Array2<f64> {
        self.forward(x).0
    }

    /// Adds `∂L/∂θ` to `grad` given `dlogits = ∂L/∂logits`; returns `∂L/∂x` (`n × c·h·w`).
    pub fn backward(&self, cache: &CnnCache, dlogits: Array2<f64>, grad: &mut Cnn) -> Array2<f64> {
        self.backprop(cache, dlogits, Some(grad))
    }

    /// `∂L/∂x` alone (a saliency map, an adversary's step).
    pub fn input_gradient(&self, cache: &CnnCache, dlogits: Array2<f64>) -> Array2<f64> {
        self.backprop(cache, dlogits, None)
    }

    fn backprop(&self, cache: &CnnCache, dlogits: Array2<f64>, mut grad: Option<&mut Cnn>) -> Array2<f64> {
        let n = dlogits.nrows();
        let dfeatures = match grad.as_deref_mut() {
            Some(g) => self.head.backward(&cache.head, dlogits, &mut g.head),
            None => self.head.input_gradient(&cache.head, dlogits),
        };
        let mut d: Vec<f64> = dfeatures.iter().copied().collect();
        for (i, (conv, stage)) in self.convs.iter().zip(&cache.stages).enumerate().rev() {
            let mut dy = pool2_backward(&d, &stage.argmax, stage.shape, Pool::Max);
            for (g, &a) in dy.iter_mut().zip(&stage.relu) {
                if a <= 0.0 {
                    *g = 0.0;
                }
            }
            d = match grad.as_deref_mut() {
                Some(g) => {
                    let layer = &mut g.convs[i];
                    conv.backward(&stage.conv, &dy, &mut layer.w, &mut layer.b)
                }
                None => {
                    let (mut dw, mut db) = (Array2::zeros(conv.w.dim()), vec![0.0; conv.c_out]);
                    conv.backward(&stage.conv, &dy, &mut dw, &mut db)
                }
            };
        }
        let (c, h, w) = self.input;
        Array2::from_shape_vec((n, c * h * w), d).expect("n × c·h·w")
    }
}

/// The convolution benchmark's problem (`benches/conv.rs`, and the wasm
/// build's `ConvBench` timed under Node by `tools/ref/wasm_conv.mjs`): the
/// titration CNN (16 × 16 images, 8 then 16 channels, 6 classes) from seed 1,
/// a batch of 64 images in [0, 1) and their labels.
pub fn benchmark_problem() -> (Cnn, Array2<f64>, Vec<usize>) {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let cnn = Cnn::init((1, 16, 16), &[8, 16], 6, &mut rng);
    let x = Array2::from_shape_fn((64, 256), |_| rng.random_range(0.0..1.0));
    let y = (0..64).map(|i| i % 6).collect();
    (cnn, x, y)
}

/// A classifier that is either a perceptron or a [`Cnn`]: what a lab's
/// `arch=mlp|cnn` knob picks. Both take rows of flattened images.
#[derive(Clone, Debug, PartialEq)]
pub enum Classifier {
    Mlp(Mlp),
    Cnn(Cnn),
}

impl Classifier {
    /// The logits for `x`.
    pub fn apply(&self, x: ArrayView2<f64>) -> Array2<f64> {
        match self {
            Classifier::Mlp(m) => m.apply(x),
            Classifier::Cnn(c) => c.apply(x),
        }
    }

    /// `∂(summed cross-entropy of labels y)/∂x`: the direction of an
    /// adversary's step, and a saliency map.
    pub fn loss_input_gradient(&self, x: ArrayView2<f64>, y: &[usize]) -> Array2<f64> {
        match self {
            Classifier::Mlp(m) => {
                let (logits, cache) = m.forward(x);
                let (_, d) = super::mlp::cross_entropy(&logits, y);
                m.input_gradient(&cache, d)
            }
            Classifier::Cnn(c) => {
                let (logits, cache) = c.forward(x);
                let (_, d) = super::mlp::cross_entropy(&logits, y);
                c.input_gradient(&cache, d)
            }
        }
    }

    /// One Adam step on the batch `(x, y)` with the mean softmax
    /// cross-entropy; returns the batch's loss (not finite: no step taken).
    pub fn train_step(&mut self, x: ArrayView2<f64>, y: &[usize], adam: &mut super::optim::Adam) -> f64 {
        let scale = 1.0 / y.len() as f64;
        let (loss, grads) = match self {
            Classifier::Mlp(m) => {
                let (logits, cache) = m.forward(x);
                let (loss, d) = super::mlp::cross_entropy(&logits, y);
                let mut g = m.zeros_like();
                m.accumulate_gradient(&cache, d * scale, &mut g);
                (loss, g.tensors().iter().map(|t| t.to_vec()).collect::<Vec<_>>())
            }
            Classifier::Cnn(c) => {
                let (logits, cache) = c.forward(x);
                let (loss, d) = super::mlp::cross_entropy(&logits, y);
                let mut g = c.zeros_like();
                c.backward(&cache, d * scale, &mut g);
                (loss, g.tensors_mut().into_iter().map(|t| t.to_vec()).collect::<Vec<_>>())
            }
        };
        if loss.is_finite() {
            let params = match self {
                Classifier::Mlp(m) => m.tensors_mut(),
                Classifier::Cnn(c) => c.tensors_mut(),
            };
            adam.step(params, &grads);
        }
        loss
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::mlp::cross_entropy;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn gradients_match_central_differences_for_every_tensor_and_the_input() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let model = Cnn::init((2, 8, 8), &[3, 4], 5, &mut rng);
        let x = Array2::from_shape_fn((3, 2 * 64), |_| rng.random_range(-1.0..1.0));
        let y = [1, 4, 0];
        let loss = |m: &Cnn, x: &Array2<f64>| cross_entropy(&m.apply(x.view()), &y).0;
        let (logits, cache) = model.forward(x.view());
        let (_, dlogits) = cross_entropy(&logits, &y);
        // cross_entropy's gradient is of the sum; the loss is the mean.
        let dlogits = dlogits / y.len() as f64;
        let mut grad = model.zeros_like();
        let dx = model.backward(&cache, dlogits.clone(), &mut grad);
        assert_eq!(model.input_gradient(&cache, dlogits), dx, "∂L/∂x alone is the same");
        let h = 1e-6;
        let exact: Vec<Vec<f64>> = grad.tensors_mut().into_iter().map(|t| t.to_vec()).collect();
        for (t, values) in exact.iter().enumerate() {
            for i in [0, values.len() / 2, values.len() - 1] {
                let at = |d: f64| {
                    let mut m = model.clone();
                    m.tensors_mut()[t][i] += d;
                    loss(&m, &x)
                };
                let fd = (at(h) - at(-h)) / (2.0 * h);
                assert!((fd - values[i]).abs() < 1e-7 * (1.0 + fd.abs()), "tensor {t}[{i}]: {fd} vs {}", values[i]);
            }
        }
        for (r, c) in [(0, 0), (1, 70), (2, 127)] {
            let at = |d: f64| {
                let mut x = x.clone();
                x[(r, c)] += d;
                loss(&model, &x)
            };
            let fd = (at(h) - at(-h)) / (2.0 * h);
            assert!((fd - dx[(r, c)]).abs() < 1e-7 * (1.0 + fd.abs()), "x[{r},{c}]: {fd} vs {}", dx[(r, c)]);
        }
    }

    #[test]
    fn a_few_adam_steps_fit_a_tiny_batch() {
        use crate::num::optim::Adam;
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut model = Cnn::init((1, 8, 8), &[4], 2, &mut rng);
        // Two classes: a bright left half or a bright right half.
        let x = Array2::from_shape_fn((8, 64), |(i, p)| if (p % 8 < 4) == (i % 2 == 0) { 1.0 } else { 0.0 });
        let y: Vec<usize> = (0..8).map(|i| i % 2).collect();
        let mut adam = Adam::new(0.05);
        let first = cross_entropy(&model.apply(x.view()), &y).0;
        for _ in 0..30 {
            let (logits, cache) = model.forward(x.view());
            let (_, d) = cross_entropy(&logits, &y);
            let mut g = model.zeros_like();
            model.backward(&cache, d / 8.0, &mut g);
            let grads: Vec<Vec<f64>> = g.tensors_mut().into_iter().map(|t| t.to_vec()).collect();
            adam.step(model.tensors_mut(), &grads);
        }
        let last = cross_entropy(&model.apply(x.view()), &y).0;
        // Control: the loss started near ln 2 and training brought it well below.
        assert!(first > 0.3 && last < 0.1 * first, "loss {first} → {last}");
    }
}
