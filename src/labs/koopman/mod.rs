//! Consistent Koopman autoencoders (Azencot, Erichson, Lin & Mahoney 2020;
//! reference code `erichson/koopmanAE`).
//!
//! Snapshots `x` are encoded to a latent `z` of size b where one time step is
//! linear, `z ↦ C z`; a backward operator D steps back in time. Training
//! minimizes, over windows `x_0 … x_s` (means over batch and coordinates):
//!
//! - forward  Σ_{k=1..s} ‖dec(C^k enc(x_0)) − x_k‖²
//! - identity s ‖dec(enc(x_0)) − x_0‖² (times s, as in the reference code, so
//!   that λ means the same there and here whatever the number of steps)
//! - backward Σ_{k=1..s} ‖dec(D^k enc(x_s)) − x_{s−k}‖²
//! - consistency Σ_{k=1..b} (1/2k)(‖D[:k,:] C[:,:k] − I_k‖²_F + ‖C[:k,:] D[:,:k] − I_k‖²_F)
//!
//! total = forward + λ identity + ν backward + η consistency; ν = η = 0 is the
//! plain Koopman autoencoder. Gradients are exact (hand-written backprop);
//! AdamW with global-norm clipping as in the reference code.
//!
//! Differences from the reference code, on purpose: D starts as C⁻¹ (the code's
//! `pinverse(Cᵀ)` is C itself for an orthogonal C, which is inconsistent from
//! the start); noisy and clean data share one scaling (the code scales each by
//! its own range, so the truth is shifted against the inputs).

use ndarray::{s, Array2, ArrayView1, ArrayView2, Axis};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::core::driver::{Clock, Divergence, Driver, Progress};
use crate::core::link::Link;
use crate::core::memo;
use crate::num::mlp::{matmul, Mlp, Real};
use crate::num::ode::dopri5;
use crate::num::optim::{clip_global_norm, Adam};
use crate::num::pendulum::G;
use crate::num::rng::gaussian;

pub mod kernel;
pub mod lab;
pub mod wake;
#[cfg(target_arch = "wasm32")]
mod web;

/// The float width the models train in: f32, as the reference code's
/// PyTorch models do. Twice the lanes of f64 in each SIMD instruction, and
/// a cheaper tanh: training is about 2.2 times as fast natively and 2.1
/// times in wasm, with the same bits on both (the products and tanh are
/// ours, see [`crate::num::mlp`]). The data are generated, and the errors
/// and eigenvalues reported, in f64; the tests of the gradients run the
/// same code in f64.
pub type F = f32;

/// Sampling interval of the snapshots.
pub const DT: f64 = 0.1;
/// Snapshots generated; the first [`TRAIN`] (noisy) train, the rest test.
pub const SNAPSHOTS: usize = 2200;
pub const TRAIN: usize = 600;
/// Hidden width of encoder and decoder (the reference code's 16·α, α = 1).
pub const HIDDEN: usize = 16;
pub const BATCH: usize = 64;
pub const LR: f64 = 1e-2;
/// Largest joint gradient norm (the reference code's `gradclip`).
pub const CLIP: f64 = 0.05;
/// Weight decay of AdamW (the reference code's default).
pub const WEIGHT_DECAY: f64 = 0.0;
/// Epochs (numbered from 0) after which the learning rate is multiplied by
/// [`LR_DECAY`]: the reference's schedule, which [`Config::epochs`] = 600 runs in full.
pub const LR_EPOCHS: [usize; 4] = [30, 200, 400, 500];
pub const LR_DECAY: f64 = 0.2;
/// Rollouts for the relative error start at these many test snapshots,
/// [`EVAL_STRIDE`] apart from the first test snapshot.
pub const EVAL_STARTS: usize = 30;
pub const EVAL_STRIDE: usize = 20;
/// Horizons the CLI reports.
pub const REPORT_HORIZONS: [usize; 3] = [10, 100, 1000];
/// The wake's snapshots: the first [`WAKE_TRAIN`] (about 18 shedding
/// periods) train, the rest test; rollouts start [`WAKE_STRIDE`] apart and
/// run [`WAKE_HORIZONS`]`[2]` steps (about 18 periods) ahead.
pub const WAKE_SNAPSHOTS: usize = 460;
pub const WAKE_TRAIN: usize = 200;
pub const WAKE_STRIDE: usize = 2;
pub const WAKE_HORIZONS: [usize; 3] = [10, 100, 200];

/// Which measurements the autoencoder learns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Source {
    /// The pendulum, lifted.
    Pendulum,
    /// Vorticity snapshots of the cylinder wake ([`wake`]).
    Wake { re: f64, res: usize },
}

/// The Koopman lab's settings, read from a link (see `labs::KOOPMAN`).
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub source: Source,
    pub theta0: f64,
    pub noise: f64,
    /// Dimension D the pendulum's 2D state is lifted to.
    pub lift: usize,
    pub b: usize,
    pub s: usize,
    pub weights: Weights,
    pub horizon: usize,
    pub epochs: usize,
    /// Rollouts start from noisy test snapshots (the reference's choice), or clean ones.
    pub noisy_start: bool,
    pub seed: u64,
}

/// Weights of the loss terms after the forward one.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Weights {
    pub lambda: f64,
    pub nu: f64,
    pub eta: f64,
}

impl Config {
    pub fn from_link(link: &Link) -> Result<Config, String> {
        link.expect_lab("koopman")?;
        let source = match link.choice("data") {
            "wake" => {
                Source::Wake { re: link.float("Re"), res: link.choice("res").parse().expect("resolutions are numbers") }
            }
            _ => Source::Pendulum,
        };
        Ok(Config {
            source,
            theta0: link.float("theta0"),
            noise: link.float("noise"),
            lift: link.int("D") as usize,
            b: link.int("b") as usize,
            s: link.int("s") as usize,
            weights: Weights { lambda: link.float("lambda"), nu: link.float("nu"), eta: link.float("eta") },
            horizon: link.int("horizon") as usize,
            epochs: link.int("epochs") as usize,
            noisy_start: link.choice("start") == "noisy",
            seed: link.int("seed") as u64,
        })
    }

    /// The same experiment as the plain Koopman autoencoder (ν = η = 0).
    pub fn plain(&self) -> Config {
        Config { weights: Weights { nu: 0.0, eta: 0.0, ..self.weights }, ..self.clone() }
    }
}

/// Snapshots (the pendulum's, lifted; or the wake's) scaled to [−1, 1].
#[derive(Clone, Debug)]
pub struct Data {
    /// `TRAIN × D` (the wake: `WAKE_TRAIN × 512`), with measurement noise.
    pub train: Array2<F>,
    /// `SNAPSHOTS × D`, without noise: the truth.
    pub clean: Array2<F>,
    /// `SNAPSHOTS × D`, with measurement noise everywhere (the first
    /// `TRAIN` rows are `train`): where rollouts start by default, as in the
    /// reference code, which starts from noisy test snapshots and scores
    /// against clean ones.
    pub noisy: Array2<F>,
    /// `SNAPSHOTS × 2`: (θ, θ̇) of the truth (the wake: `WAKE_SNAPSHOTS × 1`,
    /// the probe's transverse velocity).
    pub states: Array2<f64>,
    /// `D × 2` orthonormal columns: lifted = state · Qᵀ (the wake: none).
    pub q: Array2<f64>,
    /// scaled = 2 (lifted − lo) / span − 1.
    pub lo: f64,
    pub span: f64,
    /// Test snapshots between rollout starts.
    pub stride: usize,
    /// Horizons the report gives.
    pub horizons: [usize; 3],
    /// The wake's shedding measurements (`None` for the pendulum).
    pub wake: Option<WakeInfo>,
}

/// What the wake's recording measured.
#[derive(Clone, Debug, Serialize)]
pub struct WakeInfo {
    /// Cycles per snapshot step, from the probe's spectrum.
    pub shedding_frequency: f64,
    /// Time (D / U) at which shedding was established.
    pub onset: f64,
    pub re: f64,
    pub width: usize,
    pub height: usize,
    /// Time (D / U) between snapshots.
    pub every: f64,
}

/// The smallest value of `reference` and its range (max − min).
fn range_of(reference: &Array2<f64>) -> (f64, f64) {
    let lo = reference.fold(f64::INFINITY, |a, &b| a.min(b));
    let hi = reference.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    (lo, hi - lo)
}

impl Data {
    /// A frictionless pendulum released at rest from `theta0`, sampled every
    /// [`DT`] by the adaptive integrator (tolerance 1e-10); Gaussian noise of
    /// standard deviation `noise` on the training states; lifted to `lift`
    /// dimensions (≥ 2) by a random orthonormal map from `seed`.
    pub fn pendulum(theta0: f64, noise: f64, lift: usize, seed: u64) -> Data {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6b00_9a11);
        let mut states = Array2::zeros((SNAPSHOTS, 2));
        let mut y = [theta0, 0.0];
        for n in 0..SNAPSHOTS {
            states[[n, 0]] = y[0];
            states[[n, 1]] = y[1];
            dopri5(|_, y, dy| (dy[0], dy[1]) = (y[1], -G * libm::sin(y[0])), 0.0, DT, &mut y, 1e-10, 1e-10);
        }
        let mut noisy = states.slice(s![..TRAIN, ..]).to_owned();
        noisy.mapv_inplace(|v| v + noise * gaussian(&mut rng));
        // Gram–Schmidt on two Gaussian columns.
        let mut q = Array2::from_shape_fn((lift.max(2), 2), |_| gaussian(&mut rng));
        let c0 = q.column(0).to_owned() / q.column(0).dot(&q.column(0)).sqrt();
        let c1 = &q.column(1) - &(&c0 * c0.dot(&q.column(1)));
        let c1 = &c1 / c1.dot(&c1).sqrt();
        q.column_mut(0).assign(&c0);
        q.column_mut(1).assign(&c1);
        // The test snapshots' noise, drawn after everything the training data use.
        let mut noisy_all = states.clone();
        noisy_all.slice_mut(s![..TRAIN, ..]).assign(&noisy);
        noisy_all.slice_mut(s![TRAIN.., ..]).mapv_inplace(|v| v + noise * gaussian(&mut rng));
        let lifted_clean = matmul(states.view(), q.t());
        let lifted_noisy = matmul(noisy.view(), q.t());
        let lifted_all = matmul(noisy_all.view(), q.t());
        let (lo, span) = range_of(&lifted_noisy);
        let scale = |x: Array2<f64>| x.mapv(|v| (2.0 * (v - lo) / span - 1.0) as F);
        Data {
            train: scale(lifted_noisy),
            clean: scale(lifted_clean),
            noisy: scale(lifted_all),
            states,
            q,
            lo,
            span,
            stride: EVAL_STRIDE,
            horizons: REPORT_HORIZONS,
            wake: None,
        }
    }

    /// The recorded wake's snapshots: Gaussian noise of standard deviation
    /// `noise` × (the clean training snapshots' standard deviation) on every
    /// snapshot the models see (training data and rollout starts), the
    /// first [`WAKE_TRAIN`] for training, scaled by the noisy training
    /// snapshots' range.
    pub fn wake(wake: &wake::Wake, noise: f64, seed: u64) -> Data {
        let m = wake::WIDTH * wake::HEIGHT;
        let clean = Array2::from_shape_vec((wake.probe.len(), m), wake.snapshots.clone()).expect("count × m");
        let part = clean.slice(s![..WAKE_TRAIN, ..]);
        let mean = part.sum() / part.len() as f64;
        let sd = (part.mapv(|v| (v - mean) * (v - mean)).sum() / part.len() as f64).sqrt();
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x3a4e_0b11);
        let noisy = clean.mapv(|v| v + noise * sd * gaussian(&mut rng));
        let train = noisy.slice(s![..WAKE_TRAIN, ..]).to_owned();
        let (lo, span) = range_of(&train);
        let scale = |x: &Array2<f64>| x.mapv(|v| (2.0 * (v - lo) / span - 1.0) as F);
        Data {
            train: scale(&train),
            clean: scale(&clean),
            noisy: scale(&noisy),
            states: Array2::from_shape_vec((wake.probe.len(), 1), wake.probe.clone()).expect("count × 1"),
            q: Array2::zeros((m, 0)),
            lo,
            span,
            stride: WAKE_STRIDE,
            horizons: WAKE_HORIZONS,
            wake: Some(WakeInfo {
                shedding_frequency: wake.frequency,
                onset: wake.onset,
                re: wake.re,
                width: wake::WIDTH,
                height: wake::HEIGHT,
                every: wake::EVERY,
            }),
        }
    }

    /// The data set a config describes; the wake is simulated here (seconds)
    /// and fails, with the reason, when the cylinder does not shed.
    pub fn for_config(config: &Config) -> Result<Data, String> {
        match config.source {
            Source::Pendulum => Ok(Data::pendulum(config.theta0, config.noise, config.lift, config.seed)),
            Source::Wake { re, res } => {
                // The same (Re, resolution, seed) is the same wake: a wake
                // claim's links share it (core::memo).
                let wake = memo::shared(
                    || format!("koopman wake Re {re} res {res} seed {} count {WAKE_SNAPSHOTS}", config.seed),
                    || wake::record(re, res, config.seed, WAKE_SNAPSHOTS),
                )?;
                Ok(Data::wake(&wake, config.noise, config.seed))
            }
        }
    }

    /// The (θ, θ̇) a scaled snapshot stands for (its projection onto the lift's plane).
    pub fn state_of(&self, x: ArrayView1<F>) -> [f64; 2] {
        let lifted = x.mapv(|v| (f64::from(v) + 1.0) * self.span / 2.0 + self.lo);
        [lifted.dot(&self.q.column(0)), lifted.dot(&self.q.column(1))]
    }

    /// Indices of the first snapshots of the evaluation rollouts.
    pub fn eval_starts(&self) -> Vec<usize> {
        (0..EVAL_STARTS).map(|j| self.train.nrows() + j * self.stride).collect()
    }
}

/// The pendulum's exact angular frequency at amplitude θ0:
/// ω = π √G / (2 K(sin²(θ0/2))), K by the arithmetic–geometric mean.
pub fn pendulum_frequency(theta0: f64) -> f64 {
    let k = (theta0 / 2.0).sin();
    let (mut a, mut g) = (1.0, (1.0 - k * k).sqrt());
    while (a - g).abs() > 1e-15 {
        (a, g) = ((a + g) / 2.0, (a * g).sqrt());
    }
    let quarter_period_k = std::f64::consts::PI / (2.0 * a);
    std::f64::consts::PI * G.sqrt() / (2.0 * quarter_period_k)
}

/// Encoder, decoder and the two latent operators (also the container of their gradient).
#[derive(Clone, Debug, PartialEq)]
pub struct Model<T: Real = F> {
    pub enc: Mlp<T>,
    pub dec: Mlp<T>,
    /// Forward operator, `b × b`: z_{k+1} = C z_k.
    pub c: Array2<T>,
    /// Backward operator, `b × b`: z_{k−1} = D z_k.
    pub d: Array2<T>,
}

/// The loss terms of one batch (unweighted; `None` when the term's weight is
/// 0, so it was not computed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Losses {
    pub total: f64,
    pub fwd: f64,
    /// s × the reconstruction error (the reference code's scaling).
    pub id: f64,
    pub bwd: Option<f64>,
    pub con: Option<f64>,
}

/// `Σ_k (1/2k)(‖D[:k,:] C[:,:k] − I‖² + ‖C[:k,:] D[:,:k] − I‖²)` and its
/// gradients with respect to C and D.
pub fn consistency<T: Real>(c: &Array2<T>, d: &Array2<T>) -> (f64, Array2<T>, Array2<T>) {
    let b = c.nrows();
    let (mut loss, mut gc, mut gd) = (T::zero(), Array2::zeros((b, b)), Array2::zeros((b, b)));
    for k in 1..=b {
        let w = T::of(1.0 / (2.0 * k as f64));
        let two_w = w + w;
        let (d_top, c_left) = (d.slice(s![..k, ..]), c.slice(s![.., ..k]));
        let e1 = matmul(d_top, c_left) - Array2::<T>::eye(k);
        let (c_top, d_left) = (c.slice(s![..k, ..]), d.slice(s![.., ..k]));
        let e2 = matmul(c_top, d_left) - Array2::<T>::eye(k);
        loss += w * (squares(&e1) + squares(&e2));
        let mut g = gd.slice_mut(s![..k, ..]);
        g += &(matmul(e1.view(), c_left.t()) * two_w);
        let mut g = gc.slice_mut(s![.., ..k]);
        g += &(matmul(d_top.t(), e1.view()) * two_w);
        let mut g = gc.slice_mut(s![..k, ..]);
        g += &(matmul(e2.view(), d_left.t()) * two_w);
        let mut g = gd.slice_mut(s![.., ..k]);
        g += &(matmul(c_top.t(), e2.view()) * two_w);
    }
    (loss.to_f64().unwrap_or(f64::NAN), gc, gd)
}

/// The Euclidean norm, in f64.
fn norm(v: impl Iterator<Item = f64>) -> f64 {
    v.map(|x| x * x).sum::<f64>().sqrt()
}

/// Σ v², summed in order.
fn squares<T: Real>(e: &Array2<T>) -> T {
    e.iter().fold(T::zero(), |s, &v| s + v * v)
}

fn mse_and_grad<T: Real>(y: &Array2<T>, target: ArrayView2<T>, weight: f64) -> (f64, Array2<T>) {
    let n = y.len() as f64;
    let diff = y - &target;
    let loss = squares(&diff).to_f64().unwrap_or(f64::NAN) / n;
    (loss, diff * T::of(2.0 * weight / n))
}

impl<T: Real> Model<T> {
    /// Encoder m → 16 → 16 → b, decoder b → 16 → 16 → m (tanh out); C = 0.99 ×
    /// a random orthogonal matrix (the reference code's `init_scale`), D = C⁻¹.
    pub fn init(m: usize, b: usize, rng: &mut impl Rng) -> Model<T> {
        let enc = Mlp::init(&[m, HIDDEN, HIDDEN, b], false, rng);
        let dec = Mlp::init(&[b, HIDDEN, HIDDEN, m], true, rng);
        // Orthogonal factor of a Gaussian matrix by Gram–Schmidt on its columns.
        let mut q = Array2::from_shape_fn((b, b), |_| gaussian(rng));
        for j in 0..b {
            for i in 0..j {
                let proj = q.column(i).dot(&q.column(j));
                let qi = q.column(i).to_owned();
                q.column_mut(j).scaled_add(-proj, &qi);
            }
            let norm = q.column(j).dot(&q.column(j)).sqrt();
            q.column_mut(j).mapv_inplace(|v| v / norm);
        }
        let c = q.mapv(|v| T::of(v * 0.99));
        let d = Array2::from_shape_fn((b, b), |(i, j)| T::of(q[[j, i]] / 0.99));
        Model { enc, dec, c, d }
    }

    pub fn zeros_like(&self) -> Model<T> {
        Model {
            enc: self.enc.zeros_like(),
            dec: self.dec.zeros_like(),
            c: Array2::zeros(self.c.raw_dim()),
            d: Array2::zeros(self.d.raw_dim()),
        }
    }

    pub fn params(&self) -> usize {
        self.enc.params() + self.dec.params() + self.c.len() + self.d.len()
    }

    pub fn tensors(&self) -> Vec<&[T]> {
        let mut out = self.enc.tensors();
        out.extend(self.dec.tensors());
        out.push(self.c.as_slice().expect("standard layout"));
        out.push(self.d.as_slice().expect("standard layout"));
        out
    }

    pub fn tensors_mut(&mut self) -> Vec<&mut [T]> {
        let mut out = self.enc.tensors_mut();
        out.extend(self.dec.tensors_mut());
        out.push(self.c.as_slice_mut().expect("standard layout"));
        out.push(self.d.as_slice_mut().expect("standard layout"));
        out
    }

    /// ‖DC − I‖_F: how far the backward operator is from inverting the forward one.
    pub fn consistency_error(&self) -> f64 {
        let e = matmul(self.d.view(), self.c.view()) - Array2::<T>::eye(self.c.nrows());
        squares(&e).to_f64().unwrap_or(f64::NAN).sqrt()
    }

    /// Eigenvalues of C as (re, im), sorted by angle then modulus.
    pub fn eigenvalues(&self) -> Vec<[f64; 2]> {
        let b = self.c.nrows();
        let c: Vec<f64> = self.c.iter().map(|v| v.to_f64().unwrap_or(f64::NAN)).collect();
        let mut out = crate::num::eigvals::eigenvalues(&c, b).unwrap_or_else(|| vec![[f64::NAN, f64::NAN]; b]);
        out.sort_by(|a, b| {
            a[1].atan2(a[0]).total_cmp(&b[1].atan2(b[0])).then(a[0].hypot(a[1]).total_cmp(&b[0].hypot(b[1])))
        });
        out
    }

    /// Loss terms of a batch of windows (`xs[k]` is `batch × m`, k = 0..=s) and the gradient of the total.
    pub fn loss_and_grad(&self, xs: &[ArrayView2<T>], w: &Weights) -> (Losses, Model<T>) {
        let s = xs.len() - 1;
        let mut grad = self.zeros_like();
        let mut losses = Losses::default();

        // Forward and identity: z0 = enc(x0), q_k = C^k z0 (rows: q_k = q_{k−1} Cᵀ).
        let (z0, enc_cache) = self.enc.forward(xs[0]);
        let (y0, c0) = self.dec.forward(z0.view());
        let (id, dy0) = mse_and_grad(&y0, xs[0], w.lambda * s as f64);
        losses.id = s as f64 * id;
        let mut g_z0 = self.dec.backward(&c0, dy0, &mut grad.dec);
        let g_chain = self.chain_loss(&self.c, &z0, |k| xs[k], s, 1.0, &mut losses.fwd, &mut grad.c, &mut grad.dec);
        g_z0 += &g_chain;
        self.enc.accumulate_gradient(&enc_cache, g_z0, &mut grad.enc);
        losses.total = losses.fwd + w.lambda * losses.id;

        if w.nu != 0.0 {
            // Backward: p_k = D^k enc(x_s), compared with x_{s−k}.
            let (zs, cache) = self.enc.forward(xs[s]);
            let mut bwd = 0.0;
            let g = self.chain_loss(&self.d, &zs, |k| xs[s - k], s, w.nu, &mut bwd, &mut grad.d, &mut grad.dec);
            self.enc.accumulate_gradient(&cache, g, &mut grad.enc);
            losses.bwd = Some(bwd);
            losses.total += w.nu * bwd;
        }
        if w.eta != 0.0 {
            let (con, gc, gd) = consistency(&self.c, &self.d);
            grad.c.scaled_add(T::of(w.eta), &gc);
            grad.d.scaled_add(T::of(w.eta), &gd);
            losses.con = Some(con);
            losses.total += w.eta * con;
        }
        (losses, grad)
    }

    /// Σ_{k=1..s} mse(dec(z A^k ᵀ), target(k)), weighted: adds it to `loss`,
    /// the gradients of A and of the decoder to `g_a` and `g_dec`, and
    /// returns the gradient with respect to `z`.
    #[allow(clippy::too_many_arguments)]
    fn chain_loss<'a>(
        &self,
        a: &Array2<T>,
        z: &Array2<T>,
        target: impl Fn(usize) -> ArrayView2<'a, T>,
        s: usize,
        weight: f64,
        loss: &mut f64,
        g_a: &mut Array2<T>,
        g_dec: &mut Mlp<T>,
    ) -> Array2<T> {
        let mut qs = vec![z.clone()];
        for _ in 0..s {
            let next = matmul(qs.last().expect("non-empty").view(), a.t());
            qs.push(next);
        }
        // Walking back, g holds ∂L/∂q_k of everything downstream of q_k.
        let mut g = Array2::zeros(z.raw_dim());
        for k in (1..=s).rev() {
            let (y, cache) = self.dec.forward(qs[k].view());
            let (l, dy) = mse_and_grad(&y, target(k), weight);
            *loss += l;
            g += &self.dec.backward(&cache, dy, g_dec);
            *g_a += &matmul(g.t(), qs[k - 1].view());
            g = matmul(g.view(), a.view());
        }
        g
    }

    /// Predictions x̂_1 … x̂_steps from each row of `x0` (`n × m`): `steps` arrays of `n × m`.
    pub fn rollout(&self, x0: ArrayView2<T>, steps: usize) -> Vec<Array2<T>> {
        let mut z = self.enc.apply(x0);
        (0..steps)
            .map(|_| {
                z = matmul(z.view(), self.c.t());
                self.dec.apply(z.view())
            })
            .collect()
    }
}

impl Model<F> {
    /// Mean over the evaluation starts of ‖x̂_k − x_k‖ / ‖x_k‖ against the
    /// clean truth, for k = 1..=horizon, from noisy start snapshots (the
    /// reference's protocol) or clean ones.
    pub fn relative_error(&self, data: &Data, horizon: usize, noisy_start: bool) -> Vec<f64> {
        let starts = data.eval_starts();
        // At most the report's longest horizon (the data hold a step more for the wake).
        let horizon = horizon.min(data.horizons[2]).min(data.clean.nrows() - 1 - starts.last().copied().unwrap_or(0));
        let x0 = if noisy_start { &data.noisy } else { &data.clean }.select(Axis(0), &starts);
        let predictions = self.rollout(x0.view(), horizon);
        predictions
            .iter()
            .enumerate()
            .map(|(k, pred)| {
                let total: f64 = starts
                    .iter()
                    .enumerate()
                    .map(|(j, &i)| {
                        let truth = data.clean.row(i + k + 1);
                        let err = norm(pred.row(j).iter().zip(&truth).map(|(&p, &t)| f64::from(p) - f64::from(t)));
                        let err = if err.is_finite() { err } else { f64::INFINITY };
                        err / norm(truth.iter().map(|&t| f64::from(t)))
                    })
                    .sum();
                total / starts.len() as f64
            })
            .collect()
    }
}

/// One epoch's numbers, for charts: mean loss terms over its batches.
#[derive(Clone, Debug, Serialize)]
pub struct EpochStats {
    pub epoch: usize,
    pub loss: Losses,
}

/// Training, one epoch at a time (the page interleaves epochs with drawing).
pub struct Trainer {
    pub config: Config,
    pub data: Data,
    pub model: Model<F>,
    pub epoch: usize,
    pub history: Vec<EpochStats>,
    pub diverged: Option<Divergence>,
    optimizer: Adam<F>,
    rng: ChaCha8Rng,
    /// First snapshot of every training window.
    windows: Vec<usize>,
}

impl Trainer {
    /// Training on the data `config` describes (the wake: simulated first).
    pub fn from_config(config: Config) -> Result<Trainer, String> {
        let data = Data::for_config(&config)?;
        Ok(Trainer::new(config, data))
    }

    /// Training on `data` (see [`Data::for_config`]).
    pub fn new(config: Config, data: Data) -> Trainer {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let model = Model::init(data.clean.ncols(), config.b, &mut rng);
        let mut optimizer = Adam::new(LR);
        optimizer.weight_decay = WEIGHT_DECAY;
        let windows = (0..data.train.nrows().saturating_sub(config.s)).collect();
        Trainer { config, data, model, epoch: 0, history: Vec::new(), diverged: None, optimizer, rng, windows }
    }

    pub fn done(&self) -> bool {
        self.epoch >= self.config.epochs || self.diverged.is_some()
    }

    /// Runs one epoch; `None` when training is over.
    pub fn epoch(&mut self) -> Option<&EpochStats> {
        if self.done() {
            return None;
        }
        // The reference decays after the epochs it numbers 30, 200, … from 0.
        if self.epoch > 0 && LR_EPOCHS.contains(&(self.epoch - 1)) {
            self.optimizer.lr *= LR_DECAY;
        }
        self.windows.shuffle(&mut self.rng);
        let s = self.config.s;
        let mut sum = Losses::default();
        let batches = self.windows.chunks(BATCH).count() as f64;
        for batch in self.windows.chunks(BATCH) {
            let xs: Vec<Array2<F>> = (0..=s)
                .map(|k| self.data.train.select(Axis(0), &batch.iter().map(|i| i + k).collect::<Vec<_>>()))
                .collect();
            let views: Vec<_> = xs.iter().map(|x| x.view()).collect();
            let (l, grad) = self.model.loss_and_grad(&views, &self.config.weights);
            let mut grads: Vec<Vec<F>> = grad.tensors().iter().map(|t| t.to_vec()).collect();
            let norm = clip_global_norm(&mut grads, CLIP);
            if !l.total.is_finite() || !norm.is_finite() {
                let what = if l.total.is_finite() { "the gradient" } else { "the training loss" };
                self.diverged = Some(Divergence {
                    epoch: self.epoch + 1,
                    what: what.into(),
                    message: format!(
                        "training diverged in epoch {}: {what} is not finite. Lower ν or η, or the noise.",
                        self.epoch + 1
                    ),
                });
                return None;
            }
            self.optimizer.step(self.model.tensors_mut(), &grads);
            sum.total += l.total / batches;
            sum.fwd += l.fwd / batches;
            sum.id += l.id / batches;
            sum.bwd = l.bwd.map(|v| sum.bwd.unwrap_or(0.0) + v / batches);
            sum.con = l.con.map(|v| sum.con.unwrap_or(0.0) + v / batches);
        }
        self.epoch += 1;
        self.history.push(EpochStats { epoch: self.epoch, loss: sum });
        self.history.last()
    }
}

/// Wall-clock milliseconds of each part of [`run`].
#[derive(Clone, Debug, Default, Serialize)]
pub struct Timings {
    pub data: f64,
    pub train: f64,
    pub per_epoch: f64,
    pub evaluate: f64,
}

/// What `continuum run` prints for a koopman link.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub link: String,
    pub train_loss: Losses,
    /// Relative error at horizons 10, 100, 1000 (the wake: 10, 100, 200), keyed by horizon.
    pub rel_error: std::collections::BTreeMap<usize, f64>,
    /// Eigenvalues of C as (re, im).
    pub eigenvalues: Vec<[f64; 2]>,
    /// The wake's shedding frequency, cycles per snapshot step (from the
    /// probe's spectrum; absent for the pendulum).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shedding_frequency: Option<f64>,
    /// The wake: |angle − 2π f| / 2π f for the eigenvalue of C whose angle is
    /// nearest 2π f (see [`angle_error`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eigenvalue_angle_error: Option<f64>,
    /// The wake's recording: onset, Re, window, snapshot interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wake: Option<WakeInfo>,
    /// ‖DC − I‖_F.
    pub consistency: f64,
    pub params: usize,
    pub epochs_run: usize,
    pub diverged: bool,
    pub divergence: Option<Divergence>,
    pub timings_ms: Timings,
}

/// A koopman link's run: the trainer an epoch per step, then (run to the
/// end) the long-horizon evaluation.
pub struct KoopmanRun {
    pub trainer: Trainer,
    link: String,
    /// Relative error at 1..=the last report horizon, once evaluated.
    errors: Option<Vec<f64>>,
    timings: Timings,
}

impl KoopmanRun {
    /// A run of `config` (the page's plain model is `config.plain()` of
    /// its link); fails when the data cannot be made (a wake that does not shed).
    pub fn new(config: Config, link: String, clock: Clock) -> Result<KoopmanRun, String> {
        let t0 = clock();
        let data = Data::for_config(&config)?;
        Ok(KoopmanRun::on_data(config, data, link, clock() - t0))
    }

    /// A run of `config` on data made elsewhere (the page's wake recorded
    /// on the GPU), which took `data_ms` to make.
    pub fn on_data(config: Config, data: Data, link: String, data_ms: f64) -> KoopmanRun {
        let timings = Timings { data: data_ms, ..Timings::default() };
        KoopmanRun { trainer: Trainer::new(config, data), link, errors: None, timings }
    }

    fn errors(&self) -> Vec<f64> {
        let t = &self.trainer;
        t.model.relative_error(&t.data, t.data.horizons[2], t.config.noisy_start)
    }
}

impl Driver for KoopmanRun {
    type Step = EpochStats;
    type Report = Report;

    fn start(link: &Link) -> Result<KoopmanRun, String> {
        KoopmanRun::new(Config::from_link(link)?, link.canonical(), &|| 0.0)
    }

    fn step(&mut self, clock: Clock) -> Option<EpochStats> {
        let t = clock();
        let stats = self.trainer.epoch().cloned();
        self.timings.train += clock() - t;
        self.timings.per_epoch = self.timings.train / self.trainer.epoch.max(1) as f64;
        stats
    }

    fn finish(&mut self, clock: Clock) {
        while self.step(clock).is_some() {}
        let t = clock();
        self.errors = Some(self.errors());
        self.timings.evaluate = clock() - t;
    }

    fn progress(&self) -> Progress {
        let t = &self.trainer;
        let finished = t.done();
        Progress {
            done: if finished { t.config.epochs } else { t.epoch },
            total: t.config.epochs,
            label: if finished { "done".into() } else { format!("epoch {} of {}", t.epoch, t.config.epochs) },
            finished,
            divergence: t.diverged.as_ref().map(|d| d.message.clone()),
        }
    }

    fn report(&self) -> Report {
        let t = &self.trainer;
        let errors = self.errors.clone().unwrap_or_else(|| self.errors());
        let rel_error = t.data.horizons.iter().filter(|&&h| h <= errors.len()).map(|&h| (h, errors[h - 1])).collect();
        Report {
            link: self.link.clone(),
            train_loss: t.history.last().map(|s| s.loss).unwrap_or_default(),
            rel_error,
            eigenvalues: t.model.eigenvalues(),
            shedding_frequency: t.data.wake.as_ref().map(|w| w.shedding_frequency),
            eigenvalue_angle_error: t
                .data
                .wake
                .as_ref()
                .map(|w| angle_error(&t.model.eigenvalues(), w.shedding_frequency)),
            wake: t.data.wake.clone(),
            consistency: t.model.consistency_error(),
            params: t.model.params(),
            epochs_run: t.epoch,
            diverged: t.diverged.is_some(),
            divergence: t.diverged.clone(),
            timings_ms: self.timings.clone(),
        }
    }
}

/// How far the eigenvalue of C nearest in angle to the shedding's lies from
/// it: min over eigenvalues with positive imaginary part of
/// |arg λ − 2π f| / (2π f). A one-step linear model of a wake that sheds at
/// f cycles per step rotates by 2π f; its harmonics sit at 2π k f, further off.
pub fn angle_error(eigenvalues: &[[f64; 2]], frequency: f64) -> f64 {
    let target = std::f64::consts::TAU * frequency;
    eigenvalues
        .iter()
        .filter(|e| e[1] > 0.0)
        .map(|e| (e[1].atan2(e[0]) - target).abs() / target)
        .fold(f64::INFINITY, f64::min)
}

/// Trains and evaluates the experiment a koopman link describes. `clock`
/// returns milliseconds.
pub fn run(link: &Link, clock: Clock) -> Result<Report, String> {
    let mut driver = KoopmanRun::new(Config::from_link(link)?, link.canonical(), clock)?;
    driver.finish(clock);
    Ok(driver.report())
}

#[cfg(test)]
mod tests {
    use super::*;
    /// Reads a link against this lab alone.
    fn parse(input: &str) -> crate::core::link::Parsed {
        crate::core::link::parse_with(input, &[&crate::labs::koopman::lab::LAB])
    }

    fn random(b: usize, seed: u64) -> Array2<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        Array2::from_shape_fn((b, b), |_| gaussian(&mut rng))
    }

    fn inverse(c: &Array2<f64>) -> Array2<f64> {
        crate::num::linalg::lu_solve(c.clone(), Array2::eye(c.nrows()))
    }

    #[test]
    fn consistency_is_zero_for_the_inverse_and_positive_otherwise() {
        for seed in 0..4 {
            let c = random(5, seed) + Array2::<f64>::eye(5) * 3.0;
            let d = inverse(&c);
            let (loss, gc, gd) = consistency(&c, &d);
            assert!(loss < 1e-20, "D = C⁻¹ gave {loss}");
            assert!(gc.iter().chain(&gd).all(|g| g.abs() < 1e-9));
            let mut off = d.clone();
            off[[2, 1]] += 0.01;
            assert!(consistency(&c, &off).0 > 1e-6);
            assert!(consistency(&c, &random(5, seed + 10)).0 > 0.1);
        }
    }

    #[test]
    fn consistency_gradient_matches_finite_differences() {
        let (c, d) = (random(4, 1), random(4, 2));
        let (_, gc, gd) = consistency(&c, &d);
        let eps = 1e-6;
        for idx in [(0, 0), (1, 3), (3, 2), (2, 2)] {
            let (mut cp, mut cm) = (c.clone(), c.clone());
            cp[idx] += eps;
            cm[idx] -= eps;
            let fd = (consistency(&cp, &d).0 - consistency(&cm, &d).0) / (2.0 * eps);
            assert!((fd - gc[idx]).abs() < 1e-6 * (1.0 + fd.abs()), "C{idx:?}: {fd} vs {}", gc[idx]);
            let (mut dp, mut dm) = (d.clone(), d.clone());
            dp[idx] += eps;
            dm[idx] -= eps;
            let fd = (consistency(&c, &dp).0 - consistency(&c, &dm).0) / (2.0 * eps);
            assert!((fd - gd[idx]).abs() < 1e-6 * (1.0 + fd.abs()), "D{idx:?}: {fd} vs {}", gd[idx]);
        }
    }

    /// Every parameter of a small model, all four terms on, in f64 (the same
    /// code as training's f32, where finite differences would drown in rounding).
    #[test]
    fn gradients_match_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let (m, b, s, n) = (6, 3, 3, 5);
        let mut model = Model::<f64>::init(m, b, &mut rng);
        // Away from D = C⁻¹, so the consistency term has a gradient too.
        model.d += &(random(b, 9) * 0.1);
        let xs: Vec<Array2<f64>> =
            (0..=s).map(|_| Array2::from_shape_fn((n, m), |_| 0.5 * gaussian(&mut rng))).collect();
        let views: Vec<_> = xs.iter().map(|x| x.view()).collect();
        let w = Weights { lambda: 0.7, nu: 0.3, eta: 0.2 };
        let (_, grad) = model.loss_and_grad(&views, &w);
        let total = |model: &Model<f64>| model.loss_and_grad(&views, &w).0.total;
        let eps = 1e-6;
        let mut checked = 0;
        for (t, g) in grad.tensors().iter().enumerate() {
            for i in 0..g.len() {
                let mut plus = model.clone();
                plus.tensors_mut()[t][i] += eps;
                let mut minus = model.clone();
                minus.tensors_mut()[t][i] -= eps;
                let fd = (total(&plus) - total(&minus)) / (2.0 * eps);
                assert!((fd - g[i]).abs() < 1e-6 * (1.0 + fd.abs()), "tensor {t}[{i}]: fd {fd} vs exact {}", g[i]);
                checked += 1;
            }
        }
        assert_eq!(checked, model.params());
    }

    /// The reference code weights the reconstruction by s, so λ = 1 there is λ = 1 here.
    #[test]
    fn the_identity_term_is_s_times_the_reconstruction_error() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (m, b, n) = (5, 3, 4);
        let model = Model::<f64>::init(m, b, &mut rng);
        let xs: Vec<Array2<f64>> = (0..=6).map(|_| Array2::from_shape_fn((n, m), |_| gaussian(&mut rng))).collect();
        let x0 = &xs[0];
        let y0 = model.dec.apply(model.enc.apply(x0.view()).view());
        let mse = (&y0 - x0).iter().map(|v| v * v).sum::<f64>() / x0.len() as f64;
        let w = Weights { lambda: 1.0, nu: 0.0, eta: 0.0 };
        for s in [1, 3, 6] {
            let views: Vec<_> = xs[..=s].iter().map(|x| x.view()).collect();
            let (losses, _) = model.loss_and_grad(&views, &w);
            assert!((losses.id - s as f64 * mse).abs() < 1e-12 * mse, "s = {s}: {} vs {}", losses.id, s as f64 * mse);
            assert!((losses.total - losses.fwd - losses.id).abs() < 1e-12);
        }
        // Control: for s > 1 the unscaled error is a different number.
        assert!(mse > 1e-3);
    }

    #[test]
    fn data_is_scaled_and_noise_is_on_training_data_only() {
        let clean = Data::pendulum(2.4, 0.0, 64, 1);
        let noisy = Data::pendulum(2.4, 0.08, 64, 1);
        assert_eq!(noisy.clean.dim(), (SNAPSHOTS, 64));
        assert_eq!(Data::pendulum(2.4, 0.0, 5, 1).train.dim(), (TRAIN, 5));
        assert_eq!(clean.states, noisy.states);
        assert!(noisy.train.iter().all(|v| (-1.0 - 1e-12..=1.0 + 1e-12).contains(v)));
        let diff = (&noisy.train - &noisy.clean.slice(s![..TRAIN, ..])).mapv(F::abs).sum();
        assert!(diff > 1.0, "noise was not added");
        // The projection back onto the lift's plane recovers the state, to
        // the snapshots' f32 rounding.
        let back = noisy.state_of(noisy.clean.row(123));
        assert!((back[0] - noisy.states[[123, 0]]).abs() < 1e-5 && (back[1] - noisy.states[[123, 1]]).abs() < 1e-5);
    }

    #[test]
    fn the_frequency_formula_matches_the_integrated_period() {
        // Release at rest: θ first returns to θ0 after one period 2π/ω.
        let data = Data::pendulum(2.4, 0.0, 64, 0);
        let period = 2.0 * std::f64::consts::PI / pendulum_frequency(2.4);
        let n = (period / DT).round() as usize;
        let t = n as f64 * DT;
        // Near a maximum θ(t) ≈ θ0 − ½ G sin θ0 (t − period)²: compare within that curvature.
        let expected = 2.4 - 0.5 * G * 2.4f64.sin() * (t - period).powi(2);
        assert!((data.states[[n, 0]] - expected).abs() < 1e-3, "{} vs {expected}", data.states[[n, 0]]);
        assert!((pendulum_frequency(1e-6) - G.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn training_is_deterministic_for_a_link() {
        let link = parse("#lab=koopman&epochs=2&s=4").link;
        let train = || {
            let mut t = Trainer::from_config(Config::from_link(&link).unwrap()).unwrap();
            while t.epoch().is_some() {}
            (t.model, t.history.last().unwrap().loss)
        };
        let (a, la) = train();
        let (b, lb) = train();
        assert_eq!(la, lb);
        assert_eq!(a, b);
        let other = parse("#lab=koopman&epochs=2&s=4&seed=2").link;
        let mut t = Trainer::from_config(Config::from_link(&other).unwrap()).unwrap();
        while t.epoch().is_some() {}
        assert_ne!(t.model, a, "the seed must matter");
    }
}
