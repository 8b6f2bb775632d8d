//! How wrong is a sketched SVD, and does the bootstrap know? (Lopes,
//! Erichson & Mahoney, ICML 2020.)
//!
//! **Matrix.** `A = G diag(s) Vᵀ` (`m × n`), `s_j = j^(−β)`, `G` Gaussian
//! (or orthonormal: the QR factor of a Gaussian), `V` orthonormal. The exact
//! top-`k` pairs come from the Gram matrix `AᵀA`.
//!
//! **Sketches** (`l × n`): uniform row sampling with replacement scaled by
//! `√(m/l)`; length-squared sampling (row `i` with probability
//! `p_i = ‖a_i‖²/‖A‖²_F`, scaled by `1/√(l p_i)`); Gaussian projection
//! `(Ω/√l)A`. For the last we draw the rows of `ΩA` directly: each is
//! `ωᵀA` with `ω ~ N(0, I_m)`, that is `N(0, AᵀA)`, so `Y = Z Lᵀ/√l` with
//! `Z` an `l × n` Gaussian and `LLᵀ = AᵀA` has exactly the distribution of
//! `(Ω/√l)A`, at `l·n²` instead of `l·m·n` operations.
//!
//! **Errors** of the `k`-th pair: `|σ_k − σ̃_k|` (`metric=value`) or
//! `√(1 − ⟨v_k, ṽ_k⟩²)` (`metric=vector`, the reference's default).
//!
//! **Bootstrap.** Resample the sketch's `l` rows with replacement (no
//! rescaling), recompute, and measure each replica's error against the
//! sketch's own solution; the estimate is the `(1 − α)` quantile of `B` such
//! errors. It needs nothing but the sketch. Its extrapolation to
//! `l′ > l₀` is `q(l₀)·√(l₀/l′)`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::linalg::{top_eigenpairs, weighted_gram};
use crate::core::memo;
use crate::num::linalg::cholesky;
use crate::num::rng::gaussian;

/// The sketch kinds (`sketch` knob).
pub const SKETCHES: &[&str] = &["uniform", "lengthsq", "gaussian"];
/// Sketch sizes of the sweep, as multiples of `l₀`.
pub const MULTIPLES: [usize; 5] = [1, 2, 4, 8, 16];
/// Sketches bootstrapped at each size above `l₀` (for the band of the
/// bootstrap estimate; every one of the `R` sketches at `l₀`).
pub const BAND_SKETCHES: usize = 10;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SvdConfig {
    pub m: usize,
    pub n: usize,
    pub l: usize,
    pub k: usize,
    pub sketch: &'static str,
    /// `true`: singular-vector error; `false`: singular-value error.
    pub vector: bool,
    pub boots: usize,
    pub alpha: f64,
    pub beta: f64,
    pub runs: usize,
    pub orthonormal: bool,
    pub seed: u64,
}

/// Orthonormal columns of a Gaussian `rows × cols` (modified Gram–Schmidt), row-major.
fn orthonormal_columns(rows: usize, cols: usize, rng: &mut impl Rng) -> Vec<f64> {
    let mut c: Vec<Vec<f64>> = (0..cols).map(|_| (0..rows).map(|_| gaussian(rng)).collect()).collect();
    for j in 0..cols {
        for i in 0..j {
            let d: f64 = c[i].iter().zip(&c[j]).map(|(a, b)| a * b).sum();
            let (head, tail) = c.split_at_mut(j);
            tail[0].iter_mut().zip(&head[i]).for_each(|(x, y)| *x -= d * y);
        }
        let norm = c[j].iter().map(|x| x * x).sum::<f64>().sqrt();
        c[j].iter_mut().for_each(|x| *x /= norm);
    }
    (0..rows * cols).map(|idx| c[idx % cols][idx / cols]).collect()
}

/// The top-`k` singular pairs of a matrix with Gram matrix `gram`.
#[derive(Clone, Debug)]
pub struct Pairs {
    pub values: Vec<f64>,
    pub vectors: Vec<Vec<f64>>,
}

impl Pairs {
    fn of_gram(gram: &[f64], n: usize, k: usize, start: &[Vec<f64>]) -> Pairs {
        let (lambda, vectors) = top_eigenpairs(gram, n, k, start);
        Pairs { values: lambda.iter().map(|l| l.max(0.0).sqrt()).collect(), vectors }
    }
}

/// The matrix and what every sketch of it needs.
pub struct Problem {
    pub config: SvdConfig,
    /// `m × n`, row-major.
    a: Vec<f64>,
    pub exact: Pairs,
    /// Cumulative length-squared probabilities.
    cumulative: Vec<f64>,
    /// Cholesky factor of `AᵀA` (Gaussian sketches).
    root: Vec<f64>,
}

impl Problem {
    pub fn new(config: SvdConfig) -> Problem {
        let (m, n) = (config.m, config.n);
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let v = orthonormal_columns(n, n, &mut rng);
        // G diag(s) first (m × n), then times Vᵀ.
        let s: Vec<f64> = (1..=n).map(|j| libm::pow(j as f64, -config.beta)).collect();
        let g = if config.orthonormal {
            orthonormal_columns(m, n, &mut rng)
        } else {
            (0..m * n).map(|_| gaussian(&mut rng) / (m as f64).sqrt()).collect()
        };
        let mut a = vec![0.0; m * n];
        for i in 0..m {
            for c in 0..n {
                a[i * n + c] = (0..n).fold(0.0, |acc, j| acc + g[i * n + j] * s[j] * v[c * n + j]);
            }
        }
        let gram = weighted_gram(&a, n, None);
        let exact = Pairs::of_gram(&gram, n, config.k, &[]);
        let norms: Vec<f64> = a.chunks_exact(n).map(|r| r.iter().map(|x| x * x).sum()).collect();
        let total: f64 = norms.iter().sum();
        let mut acc = 0.0;
        let cumulative = norms
            .iter()
            .map(|x| {
                acc += x / total;
                acc
            })
            .collect();
        let root = cholesky(&gram, n);
        Problem { config, a, exact, cumulative, root }
    }

    /// The rows a row-sampling sketch of `l` rows takes, each with its
    /// scale (`None` for the Gaussian sketch, which is not a row sample).
    pub fn sampled_rows(&self, l: usize, rng: &mut impl Rng) -> Option<Vec<(usize, f64)>> {
        let m = self.config.m;
        match self.config.sketch {
            "uniform" => {
                let scale = (m as f64 / l as f64).sqrt();
                Some((0..l).map(|_| (rng.random_range(0..m), scale)).collect())
            }
            "lengthsq" => Some(
                (0..l)
                    .map(|_| {
                        let u: f64 = rng.random();
                        let i = self.cumulative.partition_point(|&c| c < u).min(m - 1);
                        let p = self.cumulative[i] - if i == 0 { 0.0 } else { self.cumulative[i - 1] };
                        (i, 1.0 / (l as f64 * p).sqrt())
                    })
                    .collect(),
            ),
            _ => None,
        }
    }

    /// A sketch with `l` rows (`l × n`, row-major).
    pub fn sketch(&self, l: usize, rng: &mut impl Rng) -> Vec<f64> {
        let n = self.config.n;
        if let Some(rows) = self.sampled_rows(l, rng) {
            return rows
                .iter()
                .flat_map(|&(i, scale)| self.a[i * n..(i + 1) * n].iter().map(move |x| x * scale))
                .collect();
        }
        assert_eq!(self.config.sketch, "gaussian", "unknown sketch");
        let scale = 1.0 / (l as f64).sqrt();
        let mut y = Vec::with_capacity(l * n);
        let mut z = vec![0.0; n];
        for _ in 0..l {
            z.iter_mut().for_each(|v| *v = gaussian(rng));
            for r in 0..n {
                let row = &self.root[r * n..r * n + r + 1];
                y.push(row.iter().zip(&z).fold(0.0, |s, (a, b)| s + a * b) * scale);
            }
        }
        y
    }

    /// A in f32 (`m × n`), for the GPU's row gathers.
    pub fn matrix_f32(&self) -> Vec<f32> {
        self.a.iter().map(|&v| v as f32).collect()
    }

    /// The start block of the subspace iteration from `start`'s vectors, as
    /// the GPU takes it (`n × q`, row-major, f32).
    pub fn start_block(&self, start: &Pairs) -> (Vec<f32>, usize) {
        let n = self.config.n;
        let cols = super::linalg::start_block(n, self.config.k, &start.vectors);
        let q = cols.len();
        ((0..n * q).map(|e| cols[e % q][e / q] as f32).collect(), q)
    }

    /// The errors against `reference` of the solutions given as blocks `V`
    /// then `Z = G V` (`count × n × q` each, from the GPU or its twin): one
    /// Rayleigh–Ritz step in f64 each.
    pub fn block_errors(&self, reference: &Pairs, blocks: &[f32], q: usize) -> Vec<f64> {
        let (n, k) = (self.config.n, self.config.k);
        let (v, z) = blocks.split_at(blocks.len() / 2);
        let columns =
            |b: &[f32]| -> Vec<Vec<f64>> { (0..q).map(|j| (0..n).map(|p| b[p * q + j] as f64).collect()).collect() };
        v.chunks_exact(n * q)
            .zip(z.chunks_exact(n * q))
            .map(|(vb, zb)| {
                let (values, ritz, _) = super::linalg::rayleigh_ritz(&columns(vb), &columns(zb));
                let pairs = Pairs {
                    values: values[..k].iter().map(|l| l.max(0.0).sqrt()).collect(),
                    vectors: ritz[..k].to_vec(),
                };
                self.error(reference, &pairs)
            })
            .collect()
    }

    /// The error of `pairs` against `reference` for the `k`-th pair.
    pub fn error(&self, reference: &Pairs, pairs: &Pairs) -> f64 {
        let k = self.config.k - 1;
        if self.config.vector {
            let d: f64 = reference.vectors[k].iter().zip(&pairs.vectors[k]).map(|(a, b)| a * b).sum();
            (1.0 - d * d).max(0.0).sqrt()
        } else {
            (reference.values[k] - pairs.values[k]).abs()
        }
    }

    /// The sketch's own top-`k` pairs.
    pub fn solve(&self, y: &[f64]) -> Pairs {
        let n = self.config.n;
        Pairs::of_gram(&weighted_gram(y, n, None), n, self.config.k, &self.exact.vectors)
    }

    /// `B` bootstrap errors of sketch `y` (with its solution `own`).
    pub fn bootstrap(&self, y: &[f64], own: &Pairs, rng: &mut impl Rng) -> Vec<f64> {
        let n = self.config.n;
        let l = y.len() / n;
        let counts = self.draw_counts(l, rng);
        let grams: Vec<Vec<f64>> = counts.chunks_exact(l).map(|c| weighted_gram(y, n, Some(c))).collect();
        self.replica_errors(own, &grams)
    }

    /// The counts of `B` resamples of `l` rows (`B × l`): how often each
    /// row is drawn in `l` draws with replacement.
    pub fn draw_counts(&self, l: usize, rng: &mut impl Rng) -> Vec<f64> {
        let mut out = vec![0.0; self.config.boots * l];
        for row in out.chunks_exact_mut(l) {
            for _ in 0..l {
                row[rng.random_range(0..l)] += 1.0;
            }
        }
        out
    }

    /// The errors of the replicas with Gram matrices `grams` against `own`.
    pub fn replica_errors(&self, own: &Pairs, grams: &[Vec<f64>]) -> Vec<f64> {
        let n = self.config.n;
        grams.iter().map(|g| self.error(own, &Pairs::of_gram(g, n, self.config.k, &own.vectors))).collect()
    }
}

/// The `q`-quantile of `values` with linear interpolation (NumPy's
/// default); NaN for no values.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let pos = q * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (pos - lo as f64) * (v[hi] - v[lo])
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64;
    (mean, var.sqrt())
}

/// One sketch size of the sweep.
#[derive(Clone, Debug, Serialize)]
pub struct Level {
    pub l: usize,
    /// Each sketch's actual error.
    pub errors: Vec<f64>,
    /// The bootstrap estimate of the sketches bootstrapped at this size.
    pub estimates: Vec<f64>,
}

impl Level {
    /// The true `(1 − α)` quantile of the error over the sketches.
    pub fn true_quantile(&self, alpha: f64) -> f64 {
        quantile(&self.errors, 1.0 - alpha)
    }

    /// Mean and standard deviation of the bootstrap estimates.
    pub fn bootstrap(&self) -> (f64, f64) {
        mean_sd(&self.estimates)
    }

    /// Fraction of bootstrapped sketches whose error is at most their own estimate.
    pub fn coverage(&self) -> f64 {
        let hits = self.estimates.iter().zip(&self.errors).filter(|(q, e)| e <= q).count();
        hits as f64 / self.estimates.len().max(1) as f64
    }
}

/// The sweep over `l₀ · MULTIPLES`, one sketch (and its bootstrap) per
/// [`Sweep::step`], so the page can show progress and stop.
pub struct Sweep {
    pub problem: Problem,
    pub levels: Vec<Level>,
    level: usize,
    rng: ChaCha8Rng,
}

impl Sweep {
    pub fn new(config: SvdConfig) -> Sweep {
        let rng = ChaCha8Rng::seed_from_u64(config.seed ^ 0x5ce7c4);
        let sizes: Vec<usize> = MULTIPLES.iter().map(|f| f * config.l).collect();
        Sweep {
            problem: Problem::new(config),
            levels: sizes.into_iter().map(|l| Level { l, errors: vec![], estimates: vec![] }).collect(),
            level: 0,
            rng,
        }
    }

    /// Sketches done and to do.
    pub fn progress(&self) -> (usize, usize) {
        let runs = self.problem.config.runs;
        (self.levels.iter().map(|l| l.errors.len()).sum(), runs * self.levels.len())
    }

    pub fn done(&self) -> bool {
        self.level >= self.levels.len()
    }

    /// One sketch: its error, and its bootstrap estimate when this size
    /// bootstraps it. False once the sweep is done.
    pub fn step(&mut self) -> bool {
        if self.done() {
            return false;
        }
        let cfg = &self.problem.config;
        let level = &mut self.levels[self.level];
        let bootstrapped = if self.level == 0 { cfg.runs } else { BAND_SKETCHES.min(cfg.runs) };
        let bootstraps = level.estimates.len() < bootstrapped;
        // Nothing here reads α but the last quantile, so a link and its
        // `alpha` control share the sketch, its error and its bootstrap
        // (`core::memo`), with the random stream's state after them.
        let (error, replicas, rng) = memo::shared(
            || format!("svd step {:?} {} {}", SvdConfig { alpha: 0.0, ..cfg.clone() }, self.level, level.errors.len()),
            || {
                let mut rng = self.rng.clone();
                let y = self.problem.sketch(level.l, &mut rng);
                let own = self.problem.solve(&y);
                let error = self.problem.error(&self.problem.exact, &own);
                let replicas = bootstraps.then(|| self.problem.bootstrap(&y, &own, &mut rng));
                (error, replicas, rng)
            },
        );
        self.rng = rng;
        level.errors.push(error);
        if let Some(errors) = replicas {
            level.estimates.push(quantile(&errors, 1.0 - cfg.alpha));
        }
        if level.errors.len() >= cfg.runs {
            self.level += 1;
        }
        true
    }

    /// The adaptive use, as a user would: one rough sketch at `l₀` (the
    /// sweep's first), its own bootstrap estimate `q̂`, and the `l` that the
    /// `√(l₀/l)` law says brings the `(1 − α)` quantile down to `tolerance`.
    pub fn predicted_l(&self, tolerance: f64) -> usize {
        let q0 = self.levels[0].estimates[0];
        let l0 = self.levels[0].l as f64;
        ((l0 * (q0 / tolerance).powi(2)).ceil() as usize).max(1)
    }
}

/// Checks a predicted `l`: the true `(1 − α)` quantile over `runs` sketches.
pub fn check_l(problem: &Problem, l: usize, seed: u64) -> f64 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xc4ec);
    let errors: Vec<f64> = (0..problem.config.runs)
        .map(|_| problem.error(&problem.exact, &problem.solve(&problem.sketch(l, &mut rng))))
        .collect();
    quantile(&errors, 1.0 - problem.config.alpha)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(sketch: &'static str) -> SvdConfig {
        SvdConfig {
            m: 2000,
            n: 20,
            l: 100,
            k: 1,
            sketch,
            vector: true,
            boots: 20,
            alpha: 0.1,
            beta: 1.0,
            runs: 10,
            orthonormal: false,
            seed: 4,
        }
    }

    #[test]
    fn exact_pairs_are_the_planted_spectrum() {
        let mut c = config("uniform");
        c.orthonormal = true;
        c.k = 3;
        let p = Problem::new(c);
        for (j, s) in p.exact.values.iter().enumerate() {
            let want = 1.0 / (j + 1) as f64;
            assert!((s - want).abs() < 1e-10, "σ_{j} = {s}, planted {want}");
        }
    }

    #[test]
    fn every_sketch_is_unbiased_for_the_gram_matrix() {
        // E[YᵀY] = AᵀA for all three: check the top singular value of a big sketch.
        for kind in SKETCHES {
            let p = Problem::new(config(kind));
            let mut rng = ChaCha8Rng::seed_from_u64(1);
            let own = p.solve(&p.sketch(1500, &mut rng));
            let rel = (own.values[0] - p.exact.values[0]).abs() / p.exact.values[0];
            assert!(rel < 0.1, "{kind}: σ₁ off by {rel}");
        }
    }

    #[test]
    fn quantile_interpolates_like_numpy() {
        assert_eq!(quantile(&[3.0, 1.0, 2.0, 4.0], 0.5), 2.5);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.9), 4.6);
    }
}
