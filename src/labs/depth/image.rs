//! The depth lab on images: a convolutional ODE block,
//! `dh/dt = conv(tanh(conv(h; θ₁(t))); θ₂(t))`, between a convolutional
//! lift and a global-average-pooled readout (ContinuousNet's and the
//! Stateful ODE-Nets' image models, at the scale of 8 × 8 digits).
//!
//! **State.** A batch of `c`-channel `side × side` feature maps, one image
//! per row of an `Array2` in `[c][h][w]` order, so the Runge–Kutta
//! recurrences of [`super::rk`] treat it as they treat the dense state.
//!
//! **Weights in depth.** Each of the four tensors (the two 3 × 3 kernels
//! `c × 9c` and their biases) is `K` coefficient rows in the block's basis:
//! `θ(t) = Σ_k φ_k(t) θ[k]`, summed in order of `k`. Projection onto
//! another basis maps the rows by the L² projection matrix (through the
//! fixed-order `matmul`), as for the dense block.
//!
//! **Memory.** A stage keeps only its input and its hidden activation; the
//! backward pass rebuilds the im2col matrices from them ([`Conv::cache`]),
//! which costs a gather, not a product.
//!
//! **Precision.** The weights Adam updates, the projections and everything
//! the page shows of them stay in f64 ([`ImageModel`]); each batch and each
//! evaluation runs on an f32 copy ([`ImageModel::fast`], in [`Compute`]),
//! whose gradients come back to f64, as the noisy RNN does. The products
//! are most of the work and f32 gives them twice the lanes per register;
//! the paper's PyTorch models train in f32 too. The model is generic over
//! the float, so the tests check its gradients in f64 by central differences.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::Rng;

use super::rk::{self, Blowup, Field, Tape};
use crate::num::basis::{projection, Basis, Family};
use crate::num::conv::{global_average, global_average_backward, Conv, Shape};
use crate::num::mlp::{matmul, Real};
use crate::num::ode::Tableau;
use crate::num::rng::gaussian;

/// The float the image models train and are evaluated in.
pub type Compute = f32;

/// The convolutional ODE block (see the module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct ConvBlock<T: Real = f64> {
    pub basis: Basis,
    /// Channels of the state (and of the hidden activation).
    pub c: usize,
    /// Side of the square feature maps.
    pub side: usize,
    /// Coefficients, `K` rows each: `[w1 (c·9c), b1 (c), w2 (c·9c), b2 (c)]`;
    /// a kernel's row is `Conv::w` (`c_out × 9·c_in`) flattened.
    pub theta: [Array2<T>; 4],
}

/// One recorded stage: the basis values, the stage's input state and its
/// hidden activation `a = tanh(conv₁(y))`.
pub struct ConvStage<T: Real> {
    phi: Vec<f64>,
    y: Array2<T>,
    a: Vec<T>,
}

/// `values` as `K` coefficient rows of a function constant in depth: in
/// every row for nodal families (their functions sum to one), in the
/// constant row alone for the orthonormal ones.
fn constant_in_depth(basis: Basis, values: &[f64]) -> Array2<f64> {
    let nodal = !matches!(basis.family, Family::Legendre | Family::Fourier);
    Array2::from_shape_fn((basis.k, values.len()), |(k, i)| if nodal || k == 0 { values[i] } else { 0.0 })
}

impl ConvBlock {
    /// Random kernels `N(0, 1/(9c))`, hidden biases `N(0, 0.1²)`, output
    /// biases zero, all constant in depth (as the dense block starts, and
    /// for the same reason: training moves depths apart only as far as the
    /// data asks, which keeps θ(t) smooth).
    pub fn init(basis: Basis, c: usize, side: usize, rng: &mut impl Rng) -> ConvBlock {
        let sd = 1.0 / ((9 * c) as f64).sqrt();
        let w1: Vec<f64> = (0..9 * c * c).map(|_| sd * gaussian(rng)).collect();
        let b1: Vec<f64> = (0..c).map(|_| 0.1 * gaussian(rng)).collect();
        let w2: Vec<f64> = (0..9 * c * c).map(|_| sd * gaussian(rng)).collect();
        let theta = [
            constant_in_depth(basis, &w1),
            constant_in_depth(basis, &b1),
            constant_in_depth(basis, &w2),
            Array2::zeros((basis.k, c)),
        ];
        ConvBlock { basis, c, side, theta }
    }

    /// The block with every coefficient tensor projected onto `to` (L²).
    pub fn project(&self, to: Basis) -> ConvBlock {
        let p = projection(&self.basis, &to);
        ConvBlock { basis: to, theta: self.theta.clone().map(|t| matmul(p.view(), t.view())), ..self.clone() }
    }

    /// How far training moved θ(t) from constant in depth, `‖θ − θ̄‖ / ‖θ̄‖`
    /// in L²(0, 1) over every weight, by the midpoint rule on 256 depths
    /// (the dense block's measure, `Block::theta_variation`).
    pub fn theta_variation(&self) -> f64 {
        let one = Basis::new(Family::Pwc, 1).expect("one piece is a valid basis");
        rk::variation(&self.basis, &self.project(one).at(&[1.0]).concat(), |phi| self.at(phi).concat())
    }

    /// One filter's weight function: entry `index` of tensor `tensor` of
    /// θ(t) at each depth of `t`.
    pub fn weight_function(&self, tensor: usize, index: usize, t: &[f64]) -> Vec<f64> {
        let mut phi = vec![0.0; self.basis.k];
        t.iter()
            .map(|&tt| {
                self.basis.eval(tt, &mut phi);
                phi.iter().zip(self.theta[tensor].column(index)).map(|(p, v)| p * v).sum()
            })
            .collect()
    }
}

impl<T: Real> ConvBlock<T> {
    /// The block with every coefficient rounded to `U`.
    pub fn cast<U: Real>(&self) -> ConvBlock<U> {
        let theta = self.theta.clone().map(|t| t.mapv(T::to_real));
        ConvBlock { basis: self.basis, c: self.c, side: self.side, theta }
    }

    pub fn zeros_like(&self) -> ConvBlock<T> {
        ConvBlock { theta: self.theta.clone().map(|t| Array2::zeros(t.raw_dim())), ..self.clone() }
    }

    pub fn params(&self) -> usize {
        self.theta.iter().map(|t| t.len()).sum()
    }

    /// θ(t) for basis values `phi`: each tensor's `Σ_k φ_k θ[k]`, in order of `k`.
    pub fn at(&self, phi: &[f64]) -> [Vec<T>; 4] {
        self.theta.clone().map(|t| {
            let mut out = vec![T::zero(); t.ncols()];
            for (row, &p) in t.rows().into_iter().zip(phi) {
                if p != 0.0 {
                    let p = T::of(p);
                    out.iter_mut().zip(row).for_each(|(o, &v)| *o += p * v);
                }
            }
            out
        })
    }

    /// The two convolutions of θ(t).
    pub fn convs(&self, phi: &[f64]) -> [Conv<T>; 2] {
        let [w1, b1, w2, b2] = self.at(phi);
        let conv = |w: Vec<T>, b: Vec<T>| Conv {
            c_in: self.c,
            c_out: self.c,
            stride: 1,
            w: Array2::from_shape_vec((self.c, 9 * self.c), w).expect("c × 9c"),
            b,
        };
        [conv(w1, b1), conv(w2, b2)]
    }

    fn shape(&self, n: usize) -> Shape {
        Shape { n, c: self.c, h: self.side, w: self.side }
    }
}

impl<T: Real> Field for ConvBlock<T> {
    type Elem = T;
    type Stage = ConvStage<T>;

    fn basis(&self) -> &Basis {
        &self.basis
    }

    fn stage(&self, phi: &[f64], y: Array2<T>, train: bool) -> (Array2<T>, Option<ConvStage<T>>) {
        let s = self.shape(y.nrows());
        let [conv1, conv2] = self.convs(phi);
        let (mut a, _) = conv1.forward(y.as_slice().expect("a fresh state is contiguous"), s);
        T::tanh_in_place(&mut a);
        let (k, _) = conv2.forward(&a, s);
        let k = Array2::from_shape_vec(y.raw_dim(), k).expect("the state's shape");
        (k, train.then(|| ConvStage { phi: phi.to_vec(), y, a }))
    }

    fn stage_backward(&self, stage: &ConvStage<T>, gk: &Array2<T>, grad: &mut ConvBlock<T>) -> Array2<T> {
        let ConvStage { phi, y, a } = stage;
        let s = self.shape(y.nrows());
        let [conv1, conv2] = self.convs(phi);
        let (mut dw1, mut db1) = (Array2::zeros(conv1.w.raw_dim()), vec![T::zero(); self.c]);
        let (mut dw2, mut db2) = (Array2::zeros(conv2.w.raw_dim()), vec![T::zero(); self.c]);
        let gk = gk.as_standard_layout();
        let mut dz = conv2.backward(&conv2.cache(a, s), gk.as_slice().expect("standard layout"), &mut dw2, &mut db2);
        // a = tanh z
        dz.iter_mut().zip(a).for_each(|(g, &a)| *g *= T::one() - a * a);
        let y_flat = y.as_slice().expect("a recorded state is contiguous");
        let gy = conv1.backward(&conv1.cache(y_flat, s), &dz, &mut dw1, &mut db1);
        let parts = [dw1.as_slice().expect("fresh"), &db1[..], dw2.as_slice().expect("fresh"), &db2[..]];
        for (k, &p) in phi.iter().enumerate() {
            if p != 0.0 {
                let p = T::of(p);
                for (theta, part) in grad.theta.iter_mut().zip(parts) {
                    theta.row_mut(k).iter_mut().zip(part).for_each(|(t, &g)| *t += p * g);
                }
            }
        }
        Array2::from_shape_vec(y.raw_dim(), gy).expect("the state's shape")
    }
}

/// The image classifier: images (`n × side²`, one channel) → 3 × 3 conv
/// lift to `c` channels (stride 2 for images wider than 8 px, so the block
/// runs on at most 8 × 8 maps) → [`ConvBlock`] over t ∈ [0, 1] → global
/// average pool → dense readout → class scores.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageModel<T: Real = f64> {
    /// Side of the input images.
    pub side: usize,
    pub lift: Conv<T>,
    pub block: ConvBlock<T>,
    /// `classes × c`
    pub out_w: Array2<T>,
    pub out_b: Array1<T>,
}

/// What the loss's forward pass keeps: the block's tape (the lift's input
/// is the batch itself).
pub struct ImageTape<T: Real = Compute> {
    block: Tape<ConvStage<T>>,
}

impl<T: Real> Default for ImageTape<T> {
    fn default() -> Self {
        ImageTape { block: Tape::default() }
    }
}

impl ImageModel {
    pub fn init(basis: Basis, c: usize, side: usize, classes: usize, rng: &mut impl Rng) -> ImageModel {
        let stride = if side > 8 { 2 } else { 1 };
        let lift = Conv::he(1, c, stride, || gaussian(rng));
        let inner = side.div_ceil(stride);
        let block = ConvBlock::init(basis, c, inner, rng);
        let out_w = Array2::from_shape_fn((classes, c), |_| gaussian(rng) / (c as f64).sqrt());
        ImageModel { side, lift, block, out_w, out_b: Array1::zeros(classes) }
    }

    /// The model in [`Compute`], the width it trains and is evaluated in.
    pub fn fast(&self) -> ImageModel<Compute> {
        self.cast()
    }

    /// Every parameter, in a fixed order, for the optimizer.
    pub fn tensors_mut(&mut self) -> Vec<&mut [f64]> {
        let mut out: Vec<&mut [f64]> = vec![
            self.lift.w.as_slice_mut().expect("standard layout"),
            &mut self.lift.b,
            self.out_w.as_slice_mut().expect("standard layout"),
            self.out_b.as_slice_mut().expect("standard layout"),
        ];
        out.extend(self.block.theta.iter_mut().map(|t| t.as_slice_mut().expect("standard layout")));
        out
    }

    pub fn project(&self, to: Basis) -> ImageModel {
        ImageModel { block: self.block.project(to), ..self.clone() }
    }

    /// Class scores for images `x` (`n × side²`), computed in [`Compute`].
    pub fn logits(&self, x: ArrayView2<f64>, tab: &Tableau, steps: usize) -> Result<Array2<f64>, Blowup> {
        Ok(self.fast().logits_in(x.mapv(Compute::of).view(), tab, steps)?.mapv(f64::from))
    }

    /// Mean cross-entropy of a batch and its gradient, computed in
    /// [`Compute`] (the gradient widened to f64), keeping the forward pass
    /// in `tape`.
    pub fn loss_grad_tape(
        &self,
        x: ArrayView2<f64>,
        y: &[usize],
        tab: &Tableau,
        steps: usize,
        tape: &mut ImageTape,
    ) -> Result<(f64, ImageModel), Blowup> {
        let (loss, grad) = self.fast().loss_grad_in(x.mapv(Compute::of).view(), y, tab, steps, tape)?;
        Ok((loss, grad.cast()))
    }
}

impl<T: Real> ImageModel<T> {
    /// The same model with every parameter rounded to `U`.
    pub fn cast<U: Real>(&self) -> ImageModel<U> {
        ImageModel {
            side: self.side,
            lift: self.lift.cast(),
            block: self.block.cast(),
            out_w: self.out_w.mapv(T::to_real),
            out_b: self.out_b.mapv(T::to_real),
        }
    }

    pub fn zeros_like(&self) -> ImageModel<T> {
        let lift =
            Conv { w: Array2::zeros(self.lift.w.raw_dim()), b: vec![T::zero(); self.lift.c_out], ..self.lift.clone() };
        ImageModel {
            lift,
            block: self.block.zeros_like(),
            out_w: Array2::zeros(self.out_w.raw_dim()),
            out_b: Array1::zeros(self.out_b.raw_dim()),
            ..self.clone()
        }
    }

    pub fn params(&self) -> usize {
        self.lift.w.len() + self.lift.b.len() + self.block.params() + self.out_w.len() + self.out_b.len()
    }

    fn input(&self, n: usize) -> Shape {
        Shape { n, c: 1, h: self.side, w: self.side }
    }

    /// The lifted state `h(0)` (`n × c·side'²`).
    fn lift(&self, x: ArrayView2<T>) -> Array2<T> {
        let x = x.as_standard_layout();
        let (h0, _) = self.lift.forward(x.as_slice().expect("standard layout"), self.input(x.nrows()));
        Array2::from_shape_vec((x.nrows(), h0.len() / x.nrows().max(1)), h0).expect("n rows")
    }

    /// Class scores from the block's output.
    fn readout(&self, h1: &Array2<T>) -> (Array2<T>, Array2<T>) {
        let pooled = global_average(h1.as_slice().expect("contiguous"), self.block.shape(h1.nrows()));
        let mut z = matmul(pooled.view(), self.out_w.t());
        z += &self.out_b;
        (z, pooled)
    }

    /// Class scores for images `x` (`n × side²`), in `T`.
    pub fn logits_in(&self, x: ArrayView2<T>, tab: &Tableau, steps: usize) -> Result<Array2<T>, Blowup> {
        let h1 = rk::forward(&self.block, tab, steps, 1.0, self.lift(x).view(), None)?;
        Ok(self.readout(&h1).0)
    }

    /// Mean cross-entropy of a batch and its gradient, in `T` (the loss
    /// itself in f64), keeping the forward pass in `tape`.
    pub fn loss_grad_in(
        &self,
        x: ArrayView2<T>,
        y: &[usize],
        tab: &Tableau,
        steps: usize,
        tape: &mut ImageTape<T>,
    ) -> Result<(f64, ImageModel<T>), Blowup> {
        let h0 = self.lift(x);
        let h1 = rk::forward(&self.block, tab, steps, 1.0, h0.view(), Some(&mut tape.block))?;
        let (z, pooled) = self.readout(&h1);
        let (loss, gz) = super::loss::softmax_cross_entropy(z.mapv(T::to_real), y)?;
        let gz = gz.mapv(T::of);
        let mut grad = self.zeros_like();
        grad.out_w = matmul(gz.t(), pooled.view());
        grad.out_b = gz.sum_axis(Axis(0));
        let gpooled = matmul(gz.view(), self.out_w.view());
        let gh1 = global_average_backward(gpooled.view(), self.block.shape(x.nrows()));
        let gh1 = Array2::from_shape_vec(h1.raw_dim(), gh1).expect("the state's shape");
        let gh0 = rk::backward(&self.block, tab, steps, 1.0, &tape.block, gh1, &mut grad.block);
        let x = x.as_standard_layout();
        let cache = self.lift.cache(x.as_slice().expect("standard layout"), self.input(x.nrows()));
        let mut gb = vec![T::zero(); self.lift.c_out];
        self.lift.backward(&cache, gh0.as_slice().expect("fresh"), &mut grad.lift.w, &mut gb);
        grad.lift.b = gb;
        Ok((loss, grad))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::ode;
    use rand::SeedableRng;

    fn model(family: Family, k: usize, side: usize) -> ImageModel {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let mut m = ImageModel::init(Basis::new(family, k).unwrap(), 2, side, 3, &mut rng);
        // Move every coefficient so that no gradient is trivially zero and
        // θ(t) varies in depth.
        for (t, values) in m.tensors_mut().into_iter().enumerate() {
            for (i, v) in values.iter_mut().enumerate() {
                *v += 0.2 * ((i as f64 * 1.3 + t as f64).sin());
            }
        }
        m
    }

    #[test]
    fn gradients_match_central_differences_for_every_tensor() {
        for (tab, family, side) in [(&ode::RK4, Family::Legendre, 6), (&ode::EULER, Family::Pwc, 10)] {
            let m = model(family, 3, side);
            let x = Array2::from_shape_fn((3, side * side), |(i, p)| ((i * 31 + p) as f64 * 0.37).sin());
            let y = [2, 0, 1];
            // In f64, where central differences are precise enough (the lab computes in f32).
            let (_, mut grad) = m.loss_grad_in(x.view(), &y, tab, 2, &mut ImageTape::default()).unwrap();
            let exact: Vec<Vec<f64>> = grad.tensors_mut().into_iter().map(|t| t.to_vec()).collect();
            let loss = |m: &ImageModel| m.loss_grad_in(x.view(), &y, tab, 2, &mut ImageTape::default()).unwrap().0;
            let h = 1e-6;
            for (t, values) in exact.iter().enumerate() {
                for i in [0, values.len() / 3, values.len() - 1] {
                    let at = |d: f64| {
                        let mut p = m.clone();
                        p.tensors_mut()[t][i] += d;
                        loss(&p)
                    };
                    let fd = (at(h) - at(-h)) / (2.0 * h);
                    assert!(
                        (fd - values[i]).abs() < 1e-6 * (1.0 + fd.abs()),
                        "{} side {side} tensor {t}[{i}]: {fd} vs {}",
                        tab.name,
                        values[i]
                    );
                }
            }
        }
    }

    #[test]
    fn euler_with_pwc_is_a_convolutional_resnet_bit_for_bit() {
        let steps = 3;
        let m = model(Family::Pwc, steps, 8);
        let x = Array2::from_shape_fn((2, 64), |(i, p)| ((i * 7 + p) as f64 * 0.21).cos());
        // The ResNet: h ← h + (1/steps) conv₂(tanh(conv₁(h))), layer n with slice n.
        let mut h = m.lift(x.view());
        let s = m.block.shape(2);
        for n in 0..steps {
            let mut phi = vec![0.0; steps];
            phi[n] = 1.0;
            let [c1, c2] = m.block.convs(&phi);
            let (mut a, _) = c1.forward(h.as_slice().unwrap(), s);
            crate::num::elementary::tanh_in_place(&mut a);
            let (f, _) = c2.forward(&a, s);
            h.iter_mut().zip(&f).for_each(|(v, &g)| *v += (1.0 / steps as f64) * g);
        }
        let want = m.readout(&h).0;
        let got = m.logits_in(x.view(), &ode::EULER, steps).unwrap();
        // Control: with RK4 the same weights give another function.
        let other = m.logits_in(x.view(), &ode::RK4, steps).unwrap();
        assert_eq!(got, want);
        assert_ne!(other, want);
    }

    #[test]
    fn the_f32_model_is_the_f64_model_to_f32_precision() {
        let m = model(Family::Fem, 3, 8);
        let x = Array2::from_shape_fn((4, 64), |(i, p)| ((i * 5 + p) as f64 * 0.3).sin());
        let wide = m.logits_in(x.view(), &ode::RK4, 4).unwrap();
        let narrow = m.logits(x.view(), &ode::RK4, 4).unwrap();
        let gap = (&wide - &narrow).iter().fold(0.0f64, |g, v| g.max(v.abs()));
        let scale = wide.iter().fold(0.0f64, |g, v| g.max(v.abs()));
        assert!(gap < 1e-5 * scale, "f32 logits differ from f64 by {gap} (scale {scale})");
        // Control: the f32 model does round (it is not the f64 one by another name).
        assert!(gap > 0.0);
        let y = [1, 0, 2, 1];
        let (l64, g64) = m.loss_grad_in(x.view(), &y, &ode::RK4, 4, &mut ImageTape::default()).unwrap();
        let (l32, g32) = m.loss_grad_tape(x.view(), &y, &ode::RK4, 4, &mut ImageTape::default()).unwrap();
        assert!((l64 - l32).abs() < 1e-5 * l64.abs());
        let flat = |mut g: ImageModel| -> Vec<f64> { g.tensors_mut().into_iter().flatten().map(|v| *v).collect() };
        let (a, b) = (flat(g64), flat(g32));
        let norm = a.iter().fold(0.0f64, |n, v| n.max(v.abs()));
        assert!(a.iter().zip(&b).all(|(u, v)| (u - v).abs() < 1e-4 * norm), "f32 gradients differ from f64");
    }

    #[test]
    fn projection_onto_the_same_basis_keeps_the_model_and_onto_one_piece_keeps_the_mean() {
        let m = model(Family::Fem, 4, 8);
        let x = Array2::from_shape_fn((2, 64), |(i, p)| ((i + p) as f64 * 0.13).sin());
        let same = m.project(m.block.basis);
        let (a, b) = (m.logits_in(x.view(), &ode::RK4, 4).unwrap(), same.logits_in(x.view(), &ode::RK4, 4).unwrap());
        assert!((&a - &b).iter().all(|v| v.abs() < 1e-12));
        assert!(m.block.theta_variation() > 0.01, "the test model varies in depth");
        let flat = m.project(Basis::new(Family::Pwc, 1).unwrap());
        assert!(flat.block.theta_variation() < 1e-12);
    }
}
