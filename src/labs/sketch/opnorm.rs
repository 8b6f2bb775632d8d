//! Bootstrapping the operator norm of a sample covariance (Lopes, Erichson
//! & Mahoney, Bernoulli 2023).
//!
//! `n` Gaussian observations in ℝᵖ with covariance `Σ = Q diag(λ) Qᵀ`,
//! `λ_j = j^(−2β)`. The statistic is `T_n = √n ‖Σ̂ − Σ‖_op`; the bootstrap
//! resamples the observations and takes `T* = √n ‖Σ̂* − Σ̂‖_op`; with `q̂` the
//! `(1 − α)` quantile of `B` such values, the bound
//! `‖Σ̂ − Σ‖_op ≤ q̂/√n` should hold with probability about `1 − α`, whatever
//! `p` (the paper's point: the bootstrap works in high dimension when the
//! spectrum decays).
//!
//! **Q drops out.** Operator norms are invariant under `A ↦ QᵀAQ`, and
//! resampling rows commutes with the rotation (`(XQ)*= X*Q`), so every
//! statistic here has the same distribution with `Q = I`: the observations
//! are `x = √λ ⊙ z`. We draw them so, and never build `Q`.
//!
//! **Norms by Lanczos**, matrix-free: `Σ̂ − Σ` acts as
//! `v ↦ Xᵀ(Xv)/n − λ ⊙ v`, a replica's `Σ̂* − Σ̂` as `v ↦ Xᵀ((c − 1) ⊙ Xv)/n`
//! with `c` the resampling counts: `2np` operations per product, never a
//! `p × p` matrix per replica.

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::linalg::lanczos_extremes_batch;
use super::svd::quantile;
use crate::core::memo;
use crate::num::mlp::matmul;
use crate::num::rng::gaussian;

/// Lanczos steps per operator norm.
pub const LANCZOS_STEPS: usize = 24;
/// The dimension every sweep includes, to compare with the link's `p`.
pub const SMALL_P: usize = 50;
/// The smallest `n` of the sweep; it doubles up to the link's `nmax`.
pub const FIRST_N: usize = 50;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpConfig {
    /// The dimensions compared (`SMALL_P` and the link's `p`).
    pub ps: Vec<usize>,
    pub ns: Vec<usize>,
    pub trials: usize,
    pub boots: usize,
    pub alpha: f64,
    pub beta: f64,
    pub seed: u64,
}

fn op_norm((lo, hi): (f64, f64)) -> f64 {
    lo.abs().max(hi.abs())
}

/// One trial: `T_n` and the bootstrap quantile `q̂`.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Trial {
    pub t: f64,
    pub q: f64,
}

/// `Xᵀ diag(w) X V / n` for the columns of `v` (`p × cols`), where column
/// `j` uses weights `w[j]` (none: all ones). Two products with `X`, shared
/// by all the columns: the replicas' Lanczos runs advance in lockstep.
///
/// The products run in f32 (`x` and `xt` are given so): they are most of
/// the study's time, and f32 takes half as long. Each product is then
/// exact to about 1e-7 relative, and so are the norms Lanczos returns,
/// far below the bootstrap's own spread; a coverage could change only
/// for a trial whose `T_n` and `q̂` agree to seven digits. The Lanczos
/// recurrence itself stays in f64.
fn normal_products(x: &Array2<f32>, xt: &Array2<f32>, weights: &[Option<&[f64]>], v: &Array2<f64>) -> Array2<f64> {
    let mut xv = matmul(x.view(), v.mapv(|e| e as f32).view());
    let n = x.nrows() as f64;
    for (mut col, w) in xv.columns_mut().into_iter().zip(weights) {
        match w {
            Some(w) => col.iter_mut().zip(*w).for_each(|(c, w)| *c *= (w / n) as f32),
            None => col.iter_mut().for_each(|c| *c /= n as f32),
        }
    }
    matmul(xt.view(), xv.view()).mapv(f64::from)
}

/// One draw of `n` observations in ℝᵖ from `rng`: `T_n`, and the `B`
/// bootstrap values `T*`.
pub fn draw(n: usize, p: usize, config: &OpConfig, rng: &mut impl Rng) -> (f64, Vec<f64>) {
    let lambda: Vec<f64> = (1..=p).map(|j| libm::pow(j as f64, -2.0 * config.beta)).collect();
    let x = Array2::from_shape_fn((n, p), |(_, j)| lambda[j].sqrt() * gaussian(rng));
    let x = x.mapv(|e| e as f32);
    let xt = x.t().as_standard_layout().into_owned();
    let sqrt_n = (n as f64).sqrt();
    // T_n: Σ̂ − Σ = XᵀX/n − diag(λ).
    let t = sqrt_n
        * op_norm(
            lanczos_extremes_batch(p, LANCZOS_STEPS, 1, |v, _| {
                let mut w = normal_products(&x, &xt, &[None], v);
                w.column_mut(0).iter_mut().zip(&lambda).zip(v.column(0)).for_each(|((o, l), v)| *o -= l * v);
                w
            })[0],
        );
    // Each replica: Σ̂* − Σ̂ = Xᵀ diag(c − 1) X / n with c its counts.
    let weights: Vec<Vec<f64>> = (0..config.boots)
        .map(|_| {
            let mut w = vec![-1.0; n];
            for _ in 0..n {
                w[rng.random_range(0..n)] += 1.0;
            }
            w
        })
        .collect();
    let refs: Vec<Option<&[f64]>> = weights.iter().map(|w| Some(w.as_slice())).collect();
    let boots = lanczos_extremes_batch(p, LANCZOS_STEPS, config.boots, |v, live| {
        let refs: Vec<Option<&[f64]>> = live.iter().map(|&c| refs[c]).collect();
        normal_products(&x, &xt, &refs, v)
    });
    (t, boots.into_iter().map(|e| sqrt_n * op_norm(e)).collect())
}

/// The seed of trial `t` of cell `cell`: every trial draws from its own
/// stream, so trials can run in any order (in parallel natively, one by one
/// in the page) and give the same numbers.
fn trial_rng(seed: u64, cell: usize, t: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ ((cell as u64) << 32 | t as u64))
}

/// One `(n, p)` cell of the coverage sweep.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    pub n: usize,
    pub p: usize,
    pub trials: Vec<Trial>,
}

impl Cell {
    /// Fraction of trials with `T_n ≤ q̂`, i.e. `‖Σ̂ − Σ‖ ≤ q̂/√n`.
    pub fn coverage(&self) -> f64 {
        self.trials.iter().filter(|t| t.t <= t.q).count() as f64 / self.trials.len().max(1) as f64
    }
}

/// The coverage sweep over `ps × ns`, one trial per [`Sweep::step`].
pub struct Sweep {
    pub config: OpConfig,
    pub cells: Vec<Cell>,
    /// `T_n` and its `B` bootstrap values for the first trial of the last
    /// cell (the link's `p`, the largest `n`): the histogram of the bootstrap
    /// from one draw, against that cell's `T_n` over all its trials.
    pub histogram: Option<(f64, Vec<f64>)>,
    cell: usize,
}

impl Sweep {
    pub fn new(config: OpConfig) -> Sweep {
        let cells =
            config.ps.iter().flat_map(|&p| config.ns.iter().map(move |&n| Cell { n, p, trials: vec![] })).collect();
        Sweep { config, cells, histogram: None, cell: 0 }
    }

    pub fn done(&self) -> bool {
        self.cell >= self.cells.len()
    }

    /// Trials done and to do.
    pub fn progress(&self) -> (usize, usize) {
        (self.cells.iter().map(|c| c.trials.len()).sum(), self.cells.len() * self.config.trials)
    }

    /// One trial of the current cell; false once done.
    pub fn step(&mut self) -> bool {
        if self.done() {
            return false;
        }
        let index = self.cells[self.cell].trials.len();
        let (trial, boots) = self.trial(self.cell, index);
        self.record(trial, boots);
        true
    }

    /// Trial `index` of cell `cell`, and its bootstrap values. The draw does
    /// not read α, so a link and its `alpha` control share it (`core::memo`:
    /// the key is the config with α left out, the cell and the trial).
    fn trial(&self, cell: usize, index: usize) -> (Trial, Vec<f64>) {
        let (n, p) = (self.cells[cell].n, self.cells[cell].p);
        let without_alpha = OpConfig { alpha: 0.0, ..self.config.clone() };
        let (t, boots) = memo::shared(
            || format!("opnorm draw {without_alpha:?} {cell} {index}"),
            || draw(n, p, &without_alpha, &mut trial_rng(self.config.seed, cell, index)),
        );
        (Trial { t, q: quantile(&boots, 1.0 - self.config.alpha) }, boots)
    }

    fn record(&mut self, trial: Trial, boots: Vec<f64>) {
        if self.cell == self.cells.len() - 1 && self.histogram.is_none() {
            self.histogram = Some((trial.t, boots));
        }
        let cell = &mut self.cells[self.cell];
        cell.trials.push(trial);
        if cell.trials.len() >= self.config.trials {
            self.cell += 1;
        }
    }

    /// Runs every remaining trial: natively on every core, in the page one
    /// by one (the same numbers as [`Sweep::step`]: each trial has its own
    /// random stream).
    pub fn finish(&mut self) {
        #[cfg(not(target_arch = "wasm32"))]
        {
            use rayon::prelude::*;
            while !self.done() {
                let (cell, first) = (self.cell, self.cells[self.cell].trials.len());
                let trials: Vec<_> = (first..self.config.trials).into_par_iter().map(|i| self.trial(cell, i)).collect();
                for (trial, boots) in trials {
                    self.record(trial, boots);
                }
            }
        }
        while self.step() {}
    }
}
