//! The noisy Lipschitz RNN (Lim, Erichson, Hodgkinson & Mahoney, NeurIPS
//! 2021; the reference code is `erichson/NoisyRNN`, `models.py`), with exact
//! gradients through time.
//!
//! The hidden state `h` (a row of `n` numbers) follows the drift
//!
//! ```text
//! f(h, x) = α·h A + tanh(h W + x E + b),
//! A = β(B − Bᵀ) + (1 − β)(B + Bᵀ) − γ I,   W = β(C − Cᵀ) + (1 − β)(C + Cᵀ) − γ I,
//! ```
//!
//! a "Lipschitz RNN": `β` weighs the skew (norm-keeping) part of each matrix
//! against its symmetric part, and `γ` shifts the spectrum of the symmetric
//! part left. The deterministic model takes Euler steps `h ← h + ε f`. The
//! noisy model is the Euler–Maruyama discretisation of an SDE: while
//! training, `h ← h + d ⊙ m ⊙ f + σ_add ξ` with `m ~ U[1 − σ_mult, 1)` per
//! unit and step, `ξ ~ N(0, I)`, and `d` a learned per-unit step that starts
//! at `ε`; it is evaluated without noise, `h ← h + d ⊙ f`. The readout is a
//! linear layer on the last state, trained with softmax cross-entropy. The
//! paper's point: the noise acts as an implicit regulariser that favours
//! stabler dynamics, and the trained model is more robust to perturbed
//! inputs.
//!
//! The noise is drawn from xoshiro256++ with ziggurat normals
//! ([`crate::num::rng`]): a normal and a uniform per unit and step are
//! millions an epoch, and these are several times cheaper than ChaCha8
//! with the polar method, with the same bits in the page and the CLI.
//!
//! Initialisation as the reference driver: `B`, `C` with entries
//! `N(0, (0.1/n)²)`; `E` and `b` uniform on (−1, 1) (a linear layer from one
//! input); the readout uniform on ±1/√n.
//!
//! Gradients, for `g_t = ∂L/∂h_t`, `s_t` the step (`ε`, or `d ⊙ m_t`),
//! `q = g_t ⊙ s_t` and `q_u = q ⊙ (1 − tanh²(u_t))`:
//! `∂L/∂A += α h_{t−1}ᵀ q`, `∂L/∂W += h_{t−1}ᵀ q_u`, `∂L/∂d += Σ g_t ⊙ m_t ⊙ f_t`,
//! `g_{t−1} = g_t + α q Aᵀ + q_u Wᵀ`; then `∂L/∂B = β(G − Gᵀ) + (1 − β)(G + Gᵀ)`
//! for `G = ∂L/∂A` (and the same for `C`). The tests check them against
//! central differences in f64.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::ecg::{Beats, CLASSES, LENGTH};
use crate::core::driver::Divergence;
use crate::num::mlp::{accuracy, cross_entropy, matmul, Real};
use crate::num::optim::Adam;
use crate::num::rng::{fill_gaussian, gaussian, Xoshiro256};

/// Sequences per training batch.
pub const BATCH: usize = 32;
/// Epochs after which a training accuracy below 0.6 means training failed.
pub const MIN_EPOCHS_TO_JUDGE: usize = 10;
/// Scale of the recurrent matrices' initial entries (times 1/n), as the reference driver's `init_std`.
const INIT_STD: f64 = 0.1;

/// The model's settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Settings {
    pub units: usize,
    pub beta: f64,
    pub gamma: f64,
    pub alpha: f64,
    /// Euler step ε (and the noisy model's initial `d`).
    pub eps: f64,
}

/// Training noise (zero for the deterministic model).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Noise {
    pub add: f64,
    pub mult: f64,
}

/// The width the models train and evaluate in. The weights Adam updates
/// stay in f64 ([`Trainer::model`]); each batch runs on an f32 copy of them
/// ([`Rnn::cast`]), and its gradients come back to f64. f32 halves the time
/// of the matrix products (twice the lanes per register) and is what the
/// paper's PyTorch code computes in; the generic model is also run in f64,
/// where the tests check its gradients by central differences.
pub type Compute = f32;

/// Parameters of one model, in `T` (f64 unless said).
#[derive(Clone, Debug)]
pub struct Rnn<T: Real = f64> {
    pub settings: Settings,
    /// Learns `d` and injects noise while training.
    pub noisy: bool,
    pub b: Array2<T>,
    pub c: Array2<T>,
    /// Input weights and bias (`n` each: the input is one number per step).
    pub e: Array1<T>,
    pub bias: Array1<T>,
    /// Readout, `n × CLASSES`, and its bias.
    pub out: Array2<T>,
    pub out_bias: Array1<T>,
    /// The per-unit step (fixed at ε for the deterministic model).
    pub d: Array1<T>,
}

/// What the backward pass needs of the forward pass.
pub struct Cache<T: Real = f64> {
    /// `h_0 … h_T`, each `batch × n`.
    hs: Vec<Array2<T>>,
    /// `tanh(u_t)` and `f_t`, `t = 1 … T`.
    th: Vec<Array2<T>>,
    fs: Vec<Array2<T>>,
    /// `m_t` when multiplicative noise was drawn.
    ms: Vec<Option<Array2<T>>>,
    a: Array2<T>,
    w: Array2<T>,
}

fn lipschitz<T: Real>(m: &Array2<T>, beta: f64, gamma: f64) -> Array2<T> {
    let mt = m.t();
    let n = m.nrows();
    let mut out = (m - &mt) * T::of(beta) + (m + &mt) * T::of(1.0 - beta);
    for i in 0..n {
        out[[i, i]] -= T::of(gamma);
    }
    out
}

/// `β(G − Gᵀ) + (1 − β)(G + Gᵀ)`: the gradient with respect to `B` of a
/// function of `A` whose gradient is `G`.
fn pull_back<T: Real>(g: &Array2<T>, beta: f64) -> Array2<T> {
    let gt = g.t();
    (g - &gt) * T::of(beta) + (g + &gt) * T::of(1.0 - beta)
}

impl Rnn<f64> {
    pub fn init(settings: Settings, noisy: bool, rng: &mut impl Rng) -> Rnn {
        let n = settings.units;
        let sd = INIT_STD / n as f64;
        let b = Array2::from_shape_fn((n, n), |_| sd * gaussian(rng));
        let c = Array2::from_shape_fn((n, n), |_| sd * gaussian(rng));
        let e = Array1::from_shape_fn(n, |_| rng.random_range(-1.0..1.0));
        let bias = Array1::from_shape_fn(n, |_| rng.random_range(-1.0..1.0));
        let bound = 1.0 / (n as f64).sqrt();
        let out = Array2::from_shape_fn((n, CLASSES), |_| rng.random_range(-bound..bound));
        let out_bias = Array1::from_shape_fn(CLASSES, |_| rng.random_range(-bound..bound));
        Rnn { settings, noisy, b, c, e, bias, out, out_bias, d: Array1::from_elem(n, settings.eps) }
    }

    /// The parameters Adam updates, in a fixed order (`d` last, noisy model only).
    pub fn tensors_mut(&mut self) -> Vec<&mut [f64]> {
        let mut out: Vec<&mut [f64]> = vec![
            self.b.as_slice_mut().expect("standard"),
            self.c.as_slice_mut().expect("standard"),
            self.e.as_slice_mut().expect("standard"),
            self.bias.as_slice_mut().expect("standard"),
            self.out.as_slice_mut().expect("standard"),
            self.out_bias.as_slice_mut().expect("standard"),
        ];
        if self.noisy {
            out.push(self.d.as_slice_mut().expect("standard"));
        }
        out
    }

    /// The model in [`Compute`], the width it trains and is evaluated in.
    pub fn fast(&self) -> Rnn<Compute> {
        self.cast()
    }
}

impl<T: Real> Rnn<T> {
    /// The same model with every parameter rounded to `U`.
    pub fn cast<U: Real>(&self) -> Rnn<U> {
        let to1 = |v: &Array1<T>| v.mapv(T::to_real);
        let to2 = |v: &Array2<T>| v.mapv(T::to_real);
        Rnn {
            settings: self.settings,
            noisy: self.noisy,
            b: to2(&self.b),
            c: to2(&self.c),
            e: to1(&self.e),
            bias: to1(&self.bias),
            out: to2(&self.out),
            out_bias: to1(&self.out_bias),
            d: to1(&self.d),
        }
    }

    /// `A` (the linear part of the drift, without α).
    pub fn a(&self) -> Array2<T> {
        lipschitz(&self.b, self.settings.beta, self.settings.gamma)
    }

    pub fn w(&self) -> Array2<T> {
        lipschitz(&self.c, self.settings.beta, self.settings.gamma)
    }

    /// The states of a batch of sequences `x` (`batch × T`), and the logits
    /// of the last. With `noise` (training), the noisy model's steps are
    /// perturbed as the module docs say; without, every model is
    /// deterministic.
    pub fn forward(&self, x: ArrayView2<T>, noise: Option<(Noise, &mut Xoshiro256)>) -> (Array2<T>, Cache<T>) {
        self.run(x, noise, true)
    }

    /// [`forward`](Self::forward); with `record` false the cache stays
    /// empty (evaluation needs only the logits, and keeping every step's
    /// states of a large batch costs more than computing them).
    fn run(&self, x: ArrayView2<T>, noise: Option<(Noise, &mut Xoshiro256)>, record: bool) -> (Array2<T>, Cache<T>) {
        let (rows, steps) = x.dim();
        let n = self.settings.units;
        let (a, w) = (self.a(), self.w());
        let alpha = T::of(self.settings.alpha);
        let mut noise = if self.noisy { noise } else { None };
        let mut h = Array2::<T>::zeros((rows, n));
        // This step's additive kicks, one normal per state entry.
        let mut kicks = vec![0.0; if noise.is_some() { rows * n } else { 0 }];
        let mut cache =
            Cache { hs: Vec::new(), th: Vec::new(), fs: Vec::new(), ms: Vec::new(), a: a.clone(), w: w.clone() };
        if record {
            cache.hs.push(h.clone());
        }
        // The step per unit: the learned `d` (noisy model) or ε.
        let step: Vec<T> = if self.noisy { self.d.to_vec() } else { vec![T::of(self.settings.eps); n] };
        let (e, bias) = (self.e.as_slice().expect("standard"), self.bias.as_slice().expect("standard"));
        for t in 0..steps {
            let mut u = matmul(h.view(), w.view());
            for (i, row) in u.as_slice_mut().expect("standard layout").chunks_exact_mut(n).enumerate() {
                let xt = x[[i, t]];
                for ((u, &e), &b) in row.iter_mut().zip(e).zip(bias) {
                    *u = (*u + xt * e) + b;
                }
            }
            T::tanh_in_place(u.as_slice_mut().expect("standard layout"));
            let mut f = matmul(h.view(), a.view());
            f.zip_mut_with(&u, |f, &th| *f = alpha * *f + th);
            let fs = f.as_slice().expect("standard layout");
            let hs = h.as_slice_mut().expect("standard layout");
            let mut m = None;
            match noise.as_mut() {
                Some((level, rng)) => {
                    // Draw order: every multiplier (row by row), then every kick.
                    let mult = (level.mult > 0.0)
                        .then(|| Array2::from_shape_fn((rows, n), |_| T::of(1.0 - level.mult * rng.random::<f64>())));
                    if level.add > 0.0 {
                        fill_gaussian(rng, &mut kicks);
                    }
                    let ms = mult.as_ref().map(|m| m.as_slice().expect("standard layout"));
                    for (r, (hr, fr)) in hs.chunks_exact_mut(n).zip(fs.chunks_exact(n)).enumerate() {
                        let mr = ms.map(|m| &m[r * n..(r + 1) * n]);
                        for j in 0..n {
                            let s = step[j] * mr.map_or(T::one(), |m| m[j]);
                            hr[j] += s * fr[j];
                            if level.add > 0.0 {
                                hr[j] += T::of(level.add * kicks[r * n + j]);
                            }
                        }
                    }
                    m = mult;
                }
                None => {
                    for (hr, fr) in hs.chunks_exact_mut(n).zip(fs.chunks_exact(n)) {
                        for ((h, &s), &f) in hr.iter_mut().zip(&step).zip(fr) {
                            *h += s * f;
                        }
                    }
                }
            }
            if record {
                cache.th.push(u);
                cache.fs.push(f);
                cache.ms.push(m);
                cache.hs.push(h.clone());
            }
        }
        let mut logits = matmul(h.view(), self.out.view());
        logits += &self.out_bias;
        (logits, cache)
    }

    /// The logits of `x` with no noise.
    pub fn logits(&self, x: ArrayView2<T>) -> Array2<T> {
        self.run(x, None, false).0
    }

    /// Gradients of the mean loss whose gradient at the logits is `dlogits`
    /// (already divided by the batch), in [`Rnn::tensors_mut`]'s order.
    pub fn backward(&self, x: ArrayView2<T>, cache: &Cache<T>, dlogits: &Array2<T>) -> Vec<Vec<T>> {
        self.backprop(x, cache, dlogits).0
    }

    /// `∂L/∂x` (`batch × T`) of the loss whose gradient at the logits is
    /// `dlogits`: `∂L/∂x_t = q_u · E`.
    pub fn input_gradient(&self, x: ArrayView2<T>, cache: &Cache<T>, dlogits: &Array2<T>) -> Array2<T> {
        self.backprop(x, cache, dlogits).1
    }

    fn backprop(&self, x: ArrayView2<T>, cache: &Cache<T>, dlogits: &Array2<T>) -> (Vec<Vec<T>>, Array2<T>) {
        let n = self.settings.units;
        let alpha = T::of(self.settings.alpha);
        let eps = T::of(self.settings.eps);
        let steps = cache.fs.len();
        let last = &cache.hs[steps];
        let d_out = matmul(last.t(), dlogits.view());
        let d_out_bias = dlogits.sum_axis(Axis(0));
        let mut g = matmul(dlogits.view(), self.out.t());
        // Row-major copies (`to_owned` would keep the transposed order, and
        // every product below would copy them again).
        let (at, wt) = (cache.a.t().as_standard_layout().into_owned(), cache.w.t().as_standard_layout().into_owned());
        let mut ga = Array2::<T>::zeros((n, n));
        let mut gw = Array2::<T>::zeros((n, n));
        let mut ge = Array1::<T>::zeros(n);
        let mut gb = Array1::<T>::zeros(n);
        let mut gd = vec![T::zero(); n];
        let d = self.d.as_slice().expect("standard");
        let mut dx = Array2::<T>::zeros(x.dim());
        for t in (0..steps).rev() {
            let (th, f, prev) = (&cache.th[t], &cache.fs[t], &cache.hs[t]);
            let mut q = g.clone();
            let qs = q.as_slice_mut().expect("standard layout");
            if self.noisy {
                // s_t = d ⊙ m_t, with m_t = 1 where no multipliers were drawn.
                let ms = cache.ms[t].as_ref().map(|m| m.as_slice().expect("standard layout"));
                let fs = f.as_slice().expect("standard layout");
                for (r, (qr, fr)) in qs.chunks_exact_mut(n).zip(fs.chunks_exact(n)).enumerate() {
                    let mr = ms.map(|m| &m[r * n..(r + 1) * n]);
                    for j in 0..n {
                        let m = mr.map_or(T::one(), |m| m[j]);
                        gd[j] += qr[j] * m * fr[j];
                        qr[j] *= d[j] * m;
                    }
                }
            } else {
                for q in qs.iter_mut() {
                    *q *= eps;
                }
            }
            let mut qu = q.clone();
            qu.zip_mut_with(th, |q, &th| *q *= T::one() - th * th);
            ga += &(matmul(prev.t(), q.view()) * alpha);
            gw += &matmul(prev.t(), qu.view());
            for (i, row) in qu.rows().into_iter().enumerate() {
                let xt = x[[i, t]];
                ge.zip_mut_with(&row, |e, &q| *e += q * xt);
                gb += &row;
                dx[[i, t]] = row.dot(&self.e);
            }
            g += &(matmul(q.view(), at.view()) * alpha);
            g += &matmul(qu.view(), wt.view());
        }
        let beta = self.settings.beta;
        let mut out = vec![
            pull_back(&ga, beta).into_raw_vec_and_offset().0,
            pull_back(&gw, beta).into_raw_vec_and_offset().0,
            ge.to_vec(),
            gb.to_vec(),
            d_out.into_raw_vec_and_offset().0,
            d_out_bias.to_vec(),
        ];
        if self.noisy {
            out.push(gd);
        }
        (out, dx)
    }

    /// How strongly the decision reacts to the input, on the rows of `x`:
    /// the mean of `‖∇‖₂`, the input gradient of the margin
    /// `m = z_label − z_other` (two classes), and the median of `m / ‖∇‖`,
    /// the first-order distance to the decision boundary. White noise of σ
    /// moves `m` by about `σ‖∇‖`, so a smaller gradient alone does not make
    /// a model more robust: the margin has to stay as large.
    pub fn sensitivity(&self, x: ArrayView2<T>, y: &[usize]) -> Sensitivity {
        let (logits, cache) = self.forward(x, None);
        let mut d = Array2::<T>::zeros((y.len(), CLASSES));
        for (i, &label) in y.iter().enumerate() {
            d.row_mut(i).fill(T::of(-1.0 / (CLASSES - 1) as f64));
            d[[i, label]] = T::one();
        }
        let g = wide(&self.input_gradient(x, &cache, &d));
        let logits = wide(&logits);
        let norms: Vec<f64> = g.rows().into_iter().map(|r| r.dot(&r).sqrt()).collect();
        let mut distances: Vec<f64> = logits
            .rows()
            .into_iter()
            .zip(y)
            .zip(&norms)
            .map(|((z, &label), &n)| (2.0 * z[label] - z.sum()) / n.max(1e-300))
            .collect();
        distances.sort_by(f64::total_cmp);
        Sensitivity {
            gradient: norms.iter().sum::<f64>() / y.len().max(1) as f64,
            distance: distances.get(distances.len() / 2).copied().unwrap_or(0.0),
        }
    }
}

/// `m` in f64.
pub fn wide<T: Real>(m: &Array2<T>) -> Array2<f64> {
    m.mapv(T::to_real)
}

/// `m` in [`Compute`].
pub fn narrow(m: &Array2<f64>) -> Array2<Compute> {
    m.mapv(|v| v as Compute)
}

pub fn argmax<T: PartialOrd>(v: &[T]) -> usize {
    (0..v.len()).fold(0, |b, k| if v[k] > v[b] { k } else { b })
}

/// Rows `idx` of `data` as a `batch × T` matrix, and their labels.
pub fn batch(data: &Beats, idx: &[usize]) -> (Array2<f64>, Vec<usize>) {
    let mut x = Array2::zeros((idx.len(), LENGTH));
    for (mut row, &i) in x.rows_mut().into_iter().zip(idx) {
        row.as_slice_mut().expect("row").copy_from_slice(data.sequence(i));
    }
    (x, idx.iter().map(|&i| data.y[i]).collect())
}

/// See [`Rnn::sensitivity`].
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Sensitivity {
    pub gradient: f64,
    pub distance: f64,
}

/// One epoch's numbers.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct EpochStats {
    pub epoch: usize,
    pub loss: f64,
    /// On the training batches as trained (with noise, for the noisy model).
    pub train_accuracy: f64,
}

/// A trained model as it travels between workers ([`Trainer::trained`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrainedModel {
    pub weights: Vec<Vec<f64>>,
    pub epoch: usize,
    pub history: Vec<EpochStats>,
    pub diverged: Option<Divergence>,
}

/// A model in training: its optimiser, batch order and noise stream.
#[derive(Clone)]
pub struct Trainer {
    pub model: Rnn,
    pub noise: Noise,
    pub epoch: usize,
    pub epochs: usize,
    pub history: Vec<EpochStats>,
    pub diverged: Option<Divergence>,
    adam: Adam,
    order: Vec<usize>,
    /// Next batch of the epoch (index into `order` by BATCH).
    next: usize,
    sums: (f64, f64),
    shuffle: ChaCha8Rng,
    noise_rng: Xoshiro256,
}

impl Trainer {
    /// Both models of a seed start from the same weights and see the same
    /// batches in the same order; only the noisy one draws noise.
    pub fn new(settings: Settings, noise: Noise, lr: f64, epochs: usize, seed: u64) -> Trainer {
        let noisy = noise.add > 0.0 || noise.mult > 0.0;
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_0001);
        let model = Rnn::init(settings, noisy, &mut rng);
        Trainer {
            model,
            noise,
            epoch: 0,
            epochs,
            history: Vec::new(),
            diverged: None,
            adam: Adam::new(lr),
            order: Vec::new(),
            next: 0,
            sums: (0.0, 0.0),
            shuffle: ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_0002),
            noise_rng: Xoshiro256::seed_from_u64(seed ^ 0x5eed_0003),
        }
    }

    pub fn done(&self) -> bool {
        self.epoch >= self.epochs || self.diverged.is_some()
    }

    /// No batch trained yet.
    pub fn is_new(&self) -> bool {
        self.epoch == 0 && self.next == 0 && self.diverged.is_none()
    }

    /// One batch; returns the epoch's numbers when it completes one, and
    /// `None` otherwise (and once done).
    pub fn batch(&mut self, train: &Beats) -> Option<EpochStats> {
        if self.done() {
            return None;
        }
        if self.next == 0 {
            self.order = (0..train.len()).collect();
            self.order.shuffle(&mut self.shuffle);
            self.sums = (0.0, 0.0);
        }
        let idx: Vec<usize> = self.order.iter().skip(self.next * BATCH).take(BATCH).copied().collect();
        let (x, y) = batch(train, &idx);
        let x = narrow(&x);
        let fast = self.model.fast();
        let noise = fast.noisy.then_some((self.noise, &mut self.noise_rng));
        let (logits, cache) = fast.forward(x.view(), noise);
        let logits = wide(&logits);
        let (loss, mut d) = cross_entropy(&logits, &y);
        d /= y.len() as f64;
        self.sums.0 += loss * y.len() as f64;
        self.sums.1 += accuracy(&logits, &y) * y.len() as f64;
        if !loss.is_finite() {
            self.diverged = Some(Divergence {
                epoch: self.epoch + 1,
                what: "the training loss".into(),
                message: format!(
                    "the {} model diverged at epoch {} (loss {loss}): lower the learning rate or the step ε",
                    if self.model.noisy { "noisy" } else { "deterministic" },
                    self.epoch + 1
                ),
            });
            return None;
        }
        let grads: Vec<Vec<f64>> = fast
            .backward(x.view(), &cache, &narrow(&d))
            .into_iter()
            .map(|g| g.into_iter().map(f64::from).collect())
            .collect();
        self.adam.step(self.model.tensors_mut(), &grads);
        self.next += 1;
        if self.next * BATCH < train.len() {
            return None;
        }
        self.next = 0;
        self.epoch += 1;
        let n = train.len() as f64;
        let stats = EpochStats { epoch: self.epoch, loss: self.sums.0 / n, train_accuracy: self.sums.1 / n };
        self.history.push(stats);
        // Training that ends no better than chance after a real run (not a
        // short try of a few epochs) did not work, whatever the loss says.
        if self.done() && self.epoch >= MIN_EPOCHS_TO_JUDGE && stats.train_accuracy < 0.6 {
            self.diverged = Some(Divergence {
                epoch: self.epoch,
                what: "the training accuracy (at chance)".into(),
                message: format!(
                    "the {} model did not learn (training accuracy {:.2} after {} epochs, chance 0.50): lower the \
                     learning rate or the step ε, or train longer",
                    if self.model.noisy { "noisy" } else { "deterministic" },
                    stats.train_accuracy,
                    self.epoch
                ),
            });
        }
        Some(stats)
    }

    /// What the training left: the weights (in [`Rnn::tensors_mut`]'s
    /// order, `d` included), the epochs and their numbers. The page trains
    /// the noisy models in a second worker and sends this to the first.
    pub fn trained(&self) -> TrainedModel {
        let mut model = self.model.clone();
        model.noisy = true;
        TrainedModel {
            weights: model.tensors_mut().into_iter().map(|t| t.to_vec()).collect(),
            epoch: self.epoch,
            history: self.history.clone(),
            diverged: self.diverged.clone(),
        }
    }

    /// Takes on a [`TrainedModel`] of this trainer's model (same settings),
    /// as if it had trained here.
    pub fn adopt(&mut self, trained: TrainedModel) -> Result<(), String> {
        let mut model = self.model.clone();
        model.noisy = true;
        let mut slots = model.tensors_mut();
        if slots.len() != trained.weights.len() || slots.iter().zip(&trained.weights).any(|(s, w)| s.len() != w.len()) {
            return Err("the trained model sent by the other worker does not fit this link's model".into());
        }
        for (slot, w) in slots.iter_mut().zip(&trained.weights) {
            slot.copy_from_slice(w);
        }
        model.noisy = self.model.noisy;
        self.model = model;
        self.epoch = trained.epoch;
        self.history = trained.history;
        self.diverged = trained.diverged;
        Ok(())
    }

    /// Batches until the epoch ends (or training does).
    pub fn epoch(&mut self, train: &Beats) -> Option<EpochStats> {
        while !self.done() {
            if let Some(s) = self.batch(train) {
                return Some(s);
            }
        }
        None
    }
}

impl<T: Real> Cache<T> {
    /// `h_0 … h_T`.
    pub fn states(&self) -> &[Array2<T>] {
        &self.hs
    }
}
