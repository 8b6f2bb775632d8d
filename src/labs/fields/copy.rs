//! Orthogonal against unconstrained recurrence on two long-memory tasks.
//!
//! **Copy task** (Hochreiter & Schmidhuber; Arjovsky et al.): `length` symbols
//! from an alphabet of [`SYMBOLS`], then `delay − 1` blanks, a delimiter and
//! `length` blanks; the target is blank everywhere except the last `length`
//! steps, which must repeat the symbols. Guessing gives the baseline loss
//! `length · ln(SYMBOLS) / (delay + 2 length)`.
//!
//! **Adding problem** (Hochreiter & Schmidhuber; Arjovsky et al.): `delay`
//! steps, each with a value uniform on [0, 1) and a marker, one marker in
//! each half of the sequence; after the last step the model must output the
//! sum of the two marked values. The value enters through `U`'s first
//! column, the marker through its second; the prediction is the first
//! output row at the last step; the loss is the squared error. Always
//! answering 1 gives the baseline `Var(sum) = 1/6`; "accuracy" is the
//! fraction of sums within [`ADDING_TOLERANCE`].
//!
//! **Model.** `h_{t+1} = modReLU(W h_t + U x_t; b)`, `o_t = V h_{t+1} + c`,
//! cross-entropy over every step, with `modReLU(z; b) = sign(z) relu(|z| + b)`
//! (Arjovsky et al.), which keeps `|h|` unless the bias cuts it. Three
//! transitions:
//! - **orthogonal**: `W = exp(A)`, `A = P − Pᵀ` skew: the flow of a
//!   divergence-free field, norm-preserving;
//! - **full**: `W = exp(A + S)`, `S = (Q + Qᵀ)/2` learned, starting at 0: the
//!   "all vector fields" end of the paper; `S = 0` is the orthogonal model;
//! - **unconstrained**: `W` itself, initialised N(0, 1/n) (or as the others,
//!   `init=orthogonal`).
//!
//! Gradients are exact: backpropagation through time, then through `exp` by
//! the adjoint of its Fréchet derivative ([`super::expm::expm_frechet_adjoint`]);
//! a test checks them against central differences in f64. Every product is
//! [`matmul`] and the softmax uses `libm`, so the page trains the same bits
//! as `continuum run`.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::expm::{expm, expm_frechet_adjoint};
use crate::core::driver::Divergence;
use crate::num::eigvals;
use crate::num::mlp::matmul;
use crate::num::optim::Adam;
use crate::num::rng::gaussian;

/// Size of the alphabet to copy.
pub const SYMBOLS: usize = 8;
/// Inputs: blank, the symbols, the delimiter (one-hot).
pub const INPUTS: usize = SYMBOLS + 2;
/// Outputs: blank and the symbols.
pub const CLASSES: usize = SYMBOLS + 1;
/// Sequences in the fixed test batch.
pub const TEST_BATCH: usize = 256;
/// An adding-problem answer counts as right within this of the sum.
pub const ADDING_TOLERANCE: f64 = 0.1;

/// Which long-memory task the recurrences learn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    Copy,
    Adding,
}

/// The three recurrences compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transition {
    Orthogonal,
    Unconstrained,
    Full,
}

impl Transition {
    pub const ALL: [Transition; 3] = [Transition::Orthogonal, Transition::Unconstrained, Transition::Full];

    /// The name in reports and on the page (as serialised).
    pub fn name(self) -> &'static str {
        match self {
            Transition::Orthogonal => "orthogonal",
            Transition::Unconstrained => "unconstrained",
            Transition::Full => "full",
        }
    }
}

/// The copy task and its training settings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CopyConfig {
    pub task: Task,
    /// The copy task's delay, or the adding problem's sequence length.
    pub delay: usize,
    pub length: usize,
    pub hidden: usize,
    pub batch: usize,
    pub iters: usize,
    pub lr: f64,
    /// Start the unconstrained `W` orthogonal, as the others (else N(0, 1/n)).
    pub orthogonal_init: bool,
    pub seed: u64,
}

impl CopyConfig {
    /// Steps of one sequence.
    pub fn steps(&self) -> usize {
        match self.task {
            Task::Copy => self.delay + 2 * self.length,
            Task::Adding => self.delay,
        }
    }

    /// The steps whose outputs are scored: the recalled symbols, or the sum.
    pub fn recall(&self) -> usize {
        match self.task {
            Task::Copy => self.length,
            Task::Adding => 1,
        }
    }

    /// The loss of a model that blanks until the delimiter, then guesses
    /// (copy), or that always answers 1 (adding).
    pub fn baseline_loss(&self) -> f64 {
        match self.task {
            Task::Copy => self.length as f64 * (SYMBOLS as f64).ln() / self.steps() as f64,
            Task::Adding => 1.0 / 6.0,
        }
    }
}

/// A batch. Copy task: `inputs[t][b]` and `targets[t][b]` are symbol
/// indices, and the last `recall` steps are the ones to reproduce. Adding
/// problem: `inputs[t][b]` is the marker (0 or 1), `values[t][b]` the value,
/// `sums[b]` the answer, and `recall` is 1 (the last step).
pub struct Batch {
    pub task: Task,
    pub inputs: Vec<Vec<usize>>,
    pub targets: Vec<Vec<usize>>,
    pub values: Vec<Vec<f64>>,
    pub sums: Vec<f64>,
    pub recall: usize,
}

/// `batch` sequences of the config's task drawn from `rng`.
pub fn sample(config: &CopyConfig, batch: usize, rng: &mut impl Rng) -> Batch {
    if config.task == Task::Adding {
        return sample_adding(config.delay, batch, rng);
    }
    let (steps, len) = (config.steps(), config.length);
    let mut inputs = vec![vec![0; batch]; steps];
    let mut targets = vec![vec![0; batch]; steps];
    for b in 0..batch {
        for i in 0..len {
            let symbol = rng.random_range(1..=SYMBOLS);
            inputs[i][b] = symbol;
            targets[steps - len + i][b] = symbol;
        }
        inputs[len + config.delay - 1][b] = SYMBOLS + 1;
    }
    Batch { task: Task::Copy, inputs, targets, values: Vec::new(), sums: Vec::new(), recall: len }
}

/// `batch` adding-problem sequences of `steps` steps: one marker in each half.
fn sample_adding(steps: usize, batch: usize, rng: &mut impl Rng) -> Batch {
    let mut inputs = vec![vec![0; batch]; steps];
    let mut values = vec![vec![0.0; batch]; steps];
    let mut sums = vec![0.0; batch];
    let half = steps / 2;
    for b in 0..batch {
        for row in values.iter_mut() {
            row[b] = rng.random::<f64>();
        }
        let (i, j) = (rng.random_range(0..half), rng.random_range(half..steps));
        inputs[i][b] = 1;
        inputs[j][b] = 1;
        sums[b] = values[i][b] + values[j][b];
    }
    Batch { task: Task::Adding, inputs, targets: Vec::new(), values, sums, recall: 1 }
}

/// One recurrent model's parameters.
#[derive(Clone, Debug)]
pub struct Rnn {
    pub kind: Transition,
    /// `W` (unconstrained) or `P` with `A = P − Pᵀ`.
    pub p: Array2<f64>,
    /// `Q`, with `S = (Q + Qᵀ)/2` (full only; zeros otherwise, not trained).
    pub q: Array2<f64>,
    pub u: Array2<f64>,
    pub b: Array1<f64>,
    pub v: Array2<f64>,
    pub c: Array1<f64>,
}

/// The gradients of one batch, and what the page shows of it.
pub struct Pass {
    pub loss: f64,
    /// Fraction of the recalled symbols right.
    pub accuracy: f64,
    /// `‖∂L_recall/∂h_t‖` for `t = 1..=steps` (mean over the batch), where
    /// `L_recall` is the loss of the recall steps only.
    pub grad_norms: Vec<f64>,
    grads: Option<Rnn>,
}

fn glorot(rows: usize, cols: usize, rng: &mut impl Rng) -> Array2<f64> {
    let scale = (2.0 / (rows + cols) as f64).sqrt();
    Array2::from_shape_fn((rows, cols), |_| scale * gaussian(rng))
}

impl Rnn {
    /// A model of `kind` drawn from `rng`. The orthogonal and full models
    /// start from the same skew `A` (2 × 2 rotation blocks with angles
    /// uniform in (−π, π), Henaff et al.'s initialisation).
    pub fn new(kind: Transition, config: &CopyConfig, rng: &mut impl Rng) -> Rnn {
        let n = config.hidden;
        let mut p = Array2::zeros((n, n));
        for i in 0..n / 2 {
            p[(2 * i, 2 * i + 1)] = rng.random_range(-std::f64::consts::PI..std::f64::consts::PI);
        }
        let gaussian_w = Array2::from_shape_fn((n, n), |_| gaussian(rng) / (n as f64).sqrt());
        let p = match kind {
            Transition::Unconstrained if config.orthogonal_init => expm((&p - &p.t()).view()),
            Transition::Unconstrained => gaussian_w,
            _ => p,
        };
        Rnn {
            kind,
            p,
            q: Array2::zeros((n, n)),
            u: glorot(n, INPUTS, rng),
            b: Array1::from_shape_fn(n, |_| rng.random_range(-0.01..0.01)),
            v: glorot(CLASSES, n, rng),
            c: Array1::zeros(CLASSES),
        }
    }

    /// `A` (none for the unconstrained model).
    pub fn generator(&self) -> Option<Array2<f64>> {
        match self.kind {
            Transition::Unconstrained => None,
            Transition::Orthogonal => Some(&self.p - &self.p.t()),
            Transition::Full => Some(&self.p - &self.p.t() + (&self.q + &self.q.t()) * 0.5),
        }
    }

    /// The transition matrix `W`.
    pub fn transition(&self) -> Array2<f64> {
        match self.generator() {
            Some(a) => expm(a.view()),
            None => self.p.clone(),
        }
    }

    /// Trainable tensors in a fixed order (`Q` only for the full model).
    fn tensors_mut(&mut self) -> Vec<&mut [f64]> {
        let full = self.kind == Transition::Full;
        let mut out = vec![self.p.as_slice_mut().expect("standard")];
        if full {
            out.push(self.q.as_slice_mut().expect("standard"));
        }
        out.extend([
            self.u.as_slice_mut().expect("standard"),
            self.b.as_slice_mut().expect("standard"),
            self.v.as_slice_mut().expect("standard"),
            self.c.as_slice_mut().expect("standard"),
        ]);
        out
    }

    fn zeros_like(&self) -> Rnn {
        Rnn {
            kind: self.kind,
            p: Array2::zeros(self.p.dim()),
            q: Array2::zeros(self.q.dim()),
            u: Array2::zeros(self.u.dim()),
            b: Array1::zeros(self.b.len()),
            v: Array2::zeros(self.v.dim()),
            c: Array1::zeros(self.c.len()),
        }
    }

    /// Forward and backward through `batch`. With `train`, the gradients of
    /// the mean cross-entropy over every step; the gradient norms always come
    /// from the recall loss alone (see [`Pass::grad_norms`]).
    pub fn pass(&self, batch: &Batch, train: bool) -> Pass {
        let w = self.transition();
        let (n, bs, steps) = (self.p.nrows(), batch.inputs[0].len(), batch.inputs.len());
        let recall_from = steps - batch.recall;
        // Forward. hs[t] is h_t (n × batch); zs[t] the pre-activation of h_{t+1}.
        let mut hs = vec![Array2::<f64>::zeros((n, bs))];
        let mut zs = Vec::with_capacity(steps);
        let mut probs = Vec::with_capacity(steps);
        let (mut loss, mut right, mut recalled) = (0.0, 0usize, 0usize);
        for t in 0..steps {
            let mut z = matmul(w.view(), hs[t].view());
            for (col, &x) in batch.inputs[t].iter().enumerate() {
                match batch.task {
                    Task::Copy => z.column_mut(col).zip_mut_with(&self.u.column(x), |z, u| *z += u),
                    Task::Adding => {
                        let (value, marker) = (batch.values[t][col], x as f64);
                        let (u0, u1) = (self.u.column(0), self.u.column(1));
                        for i in 0..n {
                            z[(i, col)] += value * u0[i] + marker * u1[i];
                        }
                    }
                }
            }
            let mut h = z.clone();
            h.indexed_iter_mut().for_each(|((i, _), v)| *v = modrelu(*v, self.b[i]));
            let mut o = matmul(self.v.view(), h.view());
            for mut col in o.columns_mut() {
                col += &self.c;
            }
            if batch.task == Task::Adding {
                // The sum, read at the last step only; `o` is kept as it is.
                if t + 1 == steps {
                    for (col, &y) in batch.sums.iter().enumerate() {
                        let e = o[(0, col)] - y;
                        loss += e * e;
                        right += usize::from(e.abs() < ADDING_TOLERANCE);
                        recalled += 1;
                    }
                }
                zs.push(z);
                hs.push(h);
                probs.push(o);
                continue;
            }
            for (col, &y) in batch.targets[t].iter().enumerate() {
                let column = o.column(col);
                let max = column.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
                let sum: f64 = column.iter().map(|&v| libm::exp(v - max)).sum();
                loss += libm::log(sum) + max - column[y];
                if t >= recall_from {
                    let best = (0..CLASSES).fold(0, |b, k| if column[k] > column[b] { k } else { b });
                    right += usize::from(best == y);
                    recalled += 1;
                }
                let mut column = o.column_mut(col);
                column.mapv_inplace(|v| libm::exp(v - max) / sum);
            }
            zs.push(z);
            hs.push(h);
            probs.push(o);
        }
        let total = match batch.task {
            Task::Copy => (steps * bs) as f64,
            Task::Adding => bs as f64,
        };
        let grad_norms = self.backward(&w, batch, &hs, &zs, &probs, recall_from, None);
        let grads = train.then(|| {
            let mut g = self.zeros_like();
            self.backward(&w, batch, &hs, &zs, &probs, 0, Some(&mut g));
            g
        });
        Pass { loss: loss / total, accuracy: right as f64 / recalled.max(1) as f64, grad_norms, grads }
    }

    /// Backpropagation through time of the cross-entropy of steps
    /// `from..steps` (divided by `steps × batch`), or of the adding
    /// problem's squared error (divided by `batch`); accumulates the parameter
    /// gradients into `grads` when given; returns `‖∂L/∂h_t‖`, t = 1..=steps.
    #[allow(clippy::too_many_arguments)]
    fn backward(
        &self,
        w: &Array2<f64>,
        batch: &Batch,
        hs: &[Array2<f64>],
        zs: &[Array2<f64>],
        probs: &[Array2<f64>],
        from: usize,
        mut grads: Option<&mut Rnn>,
    ) -> Vec<f64> {
        let (n, bs, steps) = (self.p.nrows(), batch.inputs[0].len(), batch.inputs.len());
        let scale = match batch.task {
            Task::Copy => 1.0 / (steps * bs) as f64,
            Task::Adding => 1.0 / bs as f64,
        };
        let mut norms = vec![0.0; steps];
        let mut dh = Array2::<f64>::zeros((n, bs));
        let mut dw = Array2::<f64>::zeros((n, n));
        for t in (0..steps).rev() {
            let scored = match batch.task {
                Task::Copy => t >= from,
                Task::Adding => t + 1 == steps,
            };
            if scored {
                let d_o = match batch.task {
                    Task::Copy => {
                        let mut d_o = probs[t].clone();
                        for (col, &y) in batch.targets[t].iter().enumerate() {
                            d_o[(y, col)] -= 1.0;
                        }
                        d_o * scale
                    }
                    Task::Adding => Array2::from_shape_fn(probs[t].dim(), |(k, col)| {
                        if k == 0 {
                            2.0 * (probs[t][(0, col)] - batch.sums[col]) * scale
                        } else {
                            0.0
                        }
                    }),
                };
                dh += &matmul(self.v.t(), d_o.view());
                if let Some(g) = grads.as_deref_mut() {
                    g.v += &matmul(d_o.view(), hs[t + 1].t());
                    g.c += &d_o.sum_axis(Axis(1));
                }
            }
            norms[t] = dh.columns().into_iter().map(|c| c.dot(&c).sqrt()).sum::<f64>() / bs as f64;
            // Through modReLU: ∂h/∂z = 1 where |z| + b > 0; ∂h/∂b = sign z there.
            let mut dz = dh.clone();
            for ((i, col), v) in dz.indexed_iter_mut() {
                let z = zs[t][(i, col)];
                if z.abs() + self.b[i] <= 0.0 {
                    *v = 0.0;
                }
            }
            if let Some(g) = grads.as_deref_mut() {
                for ((i, col), &v) in dz.indexed_iter() {
                    g.b[i] += v * zs[t][(i, col)].signum();
                    match batch.task {
                        Task::Copy => g.u[(i, batch.inputs[t][col])] += v,
                        Task::Adding => {
                            g.u[(i, 0)] += v * batch.values[t][col];
                            g.u[(i, 1)] += v * batch.inputs[t][col] as f64;
                        }
                    }
                }
                dw += &matmul(dz.view(), hs[t].t());
            }
            dh = matmul(w.t(), dz.view());
        }
        if let Some(g) = grads {
            match self.generator() {
                None => g.p = dw,
                Some(a) => {
                    let da = expm_frechet_adjoint(a.view(), dw.view());
                    g.p = &da - &da.t();
                    if self.kind == Transition::Full {
                        g.q = (&da + &da.t()) * 0.5;
                    }
                }
            }
        }
        norms
    }

    /// Eigenvalues of `W` as `[re, im]`.
    pub fn eigenvalues(&self) -> Vec<[f64; 2]> {
        eigenvalues(self.transition().view())
    }
}

/// Eigenvalues of a square matrix as `[re, im]` ([`eigvals::eigenvalues`]:
/// the same bits in the page and the CLI); empty if they cannot be found.
pub fn eigenvalues(a: ArrayView2<f64>) -> Vec<[f64; 2]> {
    let flat: Vec<f64> = a.iter().copied().collect();
    eigvals::eigenvalues(&flat, a.nrows()).unwrap_or_default()
}

fn modrelu(z: f64, b: f64) -> f64 {
    let m = z.abs() + b;
    if m > 0.0 {
        m.copysign(z)
    } else {
        0.0
    }
}

/// One iteration's numbers for one model.
#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    pub iter: usize,
    pub loss: f64,
}

/// One model in training: its parameters, optimiser and data stream.
pub struct Trainer {
    pub config: CopyConfig,
    pub model: Rnn,
    pub iter: usize,
    pub diverged: Option<Divergence>,
    /// Gradient norms against t on the test batch, before training.
    pub initial_grad_norms: Vec<f64>,
    adam: Adam,
    data: ChaCha8Rng,
    test: Batch,
}

impl Trainer {
    /// Every model of a link draws the same sequences, and the orthogonal
    /// and full models the same starting `A`.
    pub fn new(config: CopyConfig, kind: Transition) -> Trainer {
        let mut init = ChaCha8Rng::seed_from_u64(config.seed);
        let model = Rnn::new(kind, &config, &mut init);
        let test = sample(&config, TEST_BATCH, &mut ChaCha8Rng::seed_from_u64(config.seed ^ 0x7e57));
        let initial_grad_norms = model.pass(&test, false).grad_norms;
        Trainer {
            adam: Adam::new(config.lr),
            data: ChaCha8Rng::seed_from_u64(config.seed.wrapping_add(1)),
            config,
            model,
            iter: 0,
            diverged: None,
            initial_grad_norms,
            test,
        }
    }

    pub fn done(&self) -> bool {
        self.iter >= self.config.iters || self.diverged.is_some()
    }

    /// One Adam step on a fresh batch; `None` once done.
    pub fn step(&mut self) -> Option<Stats> {
        if self.done() {
            return None;
        }
        let batch = sample(&self.config, self.config.batch, &mut self.data);
        let pass = self.model.pass(&batch, true);
        self.iter += 1;
        let mut g = pass.grads.expect("trained pass");
        let finite = pass.loss.is_finite() && g.tensors_mut().iter().all(|t| t.iter().all(|v| v.is_finite()));
        if !finite {
            self.diverged = Some(Divergence {
                epoch: self.iter,
                what: if pass.loss.is_finite() { "the gradient" } else { "the training loss" }.into(),
                message: format!(
                    "The {:?} model diverged at iteration {} (loss {}): lower the learning rate.",
                    self.model.kind, self.iter, pass.loss
                ),
            });
            return None;
        }
        let grads: Vec<Vec<f64>> = g.tensors_mut().into_iter().map(|t| t.to_vec()).collect();
        self.adam.step(self.model.tensors_mut(), &grads);
        Some(Stats { iter: self.iter, loss: pass.loss })
    }

    /// The test batch's loss, accuracy and gradient norms.
    pub fn evaluate(&self) -> Pass {
        self.model.pass(&self.test, false)
    }
}

/// `‖∂L/∂h_1‖ / ‖∂L/∂h_{r+1}‖` from [`Pass::grad_norms`], where `r` is the
/// first scored step (`recall` = [`CopyConfig::recall`]): by then every
/// scored loss has entered, so between the two the gradient only travels
/// back through the recurrence. About 1 when it neither vanishes nor explodes.
pub fn norm_ratio(norms: &[f64], recall: usize) -> f64 {
    norms[0] / norms[norms.len() - recall]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> CopyConfig {
        CopyConfig {
            task: Task::Copy,
            delay: 4,
            length: 3,
            hidden: 6,
            batch: 5,
            iters: 10,
            lr: 1e-2,
            orthogonal_init: false,
            seed: 3,
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        for task in [Task::Copy, Task::Adding] {
            gradients_match_finite_differences_on(CopyConfig { task, ..config() });
        }
    }

    fn gradients_match_finite_differences_on(config: CopyConfig) {
        let batch = sample(&config, 5, &mut ChaCha8Rng::seed_from_u64(9));
        for kind in Transition::ALL {
            let mut model = Rnn::new(kind, &config, &mut ChaCha8Rng::seed_from_u64(1));
            if kind == Transition::Full {
                model.q = Array2::from_shape_fn(model.q.dim(), |(i, j)| 0.1 * ((i * 7 + j * 3) % 5) as f64 - 0.2);
            }
            let mut g = model.pass(&batch, true).grads.unwrap();
            let grads: Vec<Vec<f64>> = g.tensors_mut().into_iter().map(|t| t.to_vec()).collect();
            let count = grads.len();
            for tensor in 0..count {
                for index in [0, 1, 7] {
                    if index >= grads[tensor].len() {
                        continue;
                    }
                    let h = 1e-6;
                    let loss_at = |delta: f64| {
                        let mut m = model.clone();
                        m.tensors_mut()[tensor][index] += delta;
                        m.pass(&batch, false).loss
                    };
                    let fd = (loss_at(h) - loss_at(-h)) / (2.0 * h);
                    let exact = grads[tensor][index];
                    assert!(
                        (fd - exact).abs() < 1e-7 * (1.0 + fd.abs()),
                        "{:?} {kind:?} tensor {tensor}[{index}]: {fd} vs {exact}",
                        config.task
                    );
                }
            }
        }
    }

    #[test]
    fn adding_sequences_mark_one_value_in_each_half_and_sum_them() {
        let config = CopyConfig { task: Task::Adding, delay: 10, ..config() };
        let batch = sample(&config, 50, &mut ChaCha8Rng::seed_from_u64(4));
        assert_eq!((batch.inputs.len(), batch.recall), (10, 1));
        for b in 0..50 {
            let marked: Vec<usize> = (0..10).filter(|&t| batch.inputs[t][b] == 1).collect();
            assert_eq!(marked.len(), 2);
            assert!(marked[0] < 5 && marked[1] >= 5, "{marked:?}");
            assert_eq!(batch.sums[b], batch.values[marked[0]][b] + batch.values[marked[1]][b]);
        }
        // Control: answering 1 everywhere scores about the baseline 1/6, not 0.
        let mse: f64 = batch.sums.iter().map(|s| (s - 1.0).powi(2)).sum::<f64>() / 50.0;
        assert!((mse - config.baseline_loss()).abs() < 0.08, "{mse}");
    }

    #[test]
    fn orthogonal_transition_is_orthogonal_after_training() {
        let mut config = config();
        config.iters = 20;
        let mut t = Trainer::new(config.clone(), Transition::Orthogonal);
        while t.step().is_some() {}
        let w = t.model.transition();
        let err =
            (matmul(w.t(), w.view()) - Array2::<f64>::eye(config.hidden)).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(err < 1e-12, "‖WᵀW − I‖ = {err}");
        // Control: the full model leaves the orthogonal group as S is learned.
        let mut t = Trainer::new(config.clone(), Transition::Full);
        while t.step().is_some() {}
        let w = t.model.transition();
        let err =
            (matmul(w.t(), w.view()) - Array2::<f64>::eye(config.hidden)).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(err > 1e-4, "the full model stayed orthogonal: {err}");
    }
}
