//! Stochastic stabilisation: many paths of `dX = aX dt + σX dW`, `X_0 = 1`,
//! by Euler–Maruyama, `X_{n+1} = X_n (1 + a dt + σ√dt z_n)`.
//!
//! Itô's formula gives `log X_t = (a − σ²/2) t + σ W_t`: when
//! `σ² > 2a` almost every path decays at the rate `a − σ²/2` even though the
//! noise-free system grows (`a > 0`) — noise stabilises it. Yet
//! `E[X_t²] = e^{(2a + σ²) t}` explodes at the same time: the mean square is
//! carried by ever rarer paths. With `N` paths, the sample mean of `X²` can
//! follow the theory only while those paths are among the sample: the
//! integrand `e^{2y}` of `E[X²]` peaks `2σ√t` standard deviations above the
//! mean of `log X_t`, and `N` normal samples reach about `√(2 ln N)` of them,
//! so the sample second moment tracks `e^{(2a+σ²)t}` up to about
//! `t* = ln N / (2σ²)` and falls below it after. The rate is fitted on
//! `[0, t*]` and the page draws the whole curve.
//!
//! Paths are kept as `log|X|` (a decaying path would underflow f32 long
//! before `T`): `log|X_{n+1}| = log|X_n| + log|1 + y|`, `y = a dt + σ√dt z`,
//! with `log(1 + y)` computed as `log(u)·y/(u − 1)` for `u = 1 + y` (exact
//! to a few ulps where `log(u)` alone would lose `y`'s low bits). The normals
//! come from Philox ([`super::philox`]): path `p`'s step `n` uses word
//! `n mod 4` of block `([p, ⌊n/4⌋, 0, 0], seed)`, so the GPU kernel
//! (`paths_kernel.wgsl`) and [`advance_cpu`] draw the same numbers and any slice of
//! paths or steps can run anywhere. Arithmetic is f32 on both.

use serde::Serialize;

use super::philox::{normals, philox};

/// Checkpoints recorded per path (fewer if there are fewer steps).
pub const RECORDS: usize = 100;
/// Sample paths shown on the page.
pub const SHOWN: usize = 24;

/// One stabilisation experiment.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Sde {
    pub a: f64,
    pub sigma: f64,
    pub dt: f64,
    pub horizon: f64,
    pub paths: usize,
    pub seed: u64,
}

impl Sde {
    pub fn steps(&self) -> usize {
        ((self.horizon / self.dt).round() as usize).max(1)
    }

    pub fn records(&self) -> usize {
        RECORDS.min(self.steps())
    }

    /// The step at checkpoint `k` (`0 ..= records`).
    pub fn checkpoint(&self, k: usize) -> usize {
        k * self.steps() / self.records()
    }

    pub fn time(&self, k: usize) -> f64 {
        self.checkpoint(k) as f64 * self.dt
    }

    /// `(a dt, σ√dt)` in f32, as both paths' steps use them.
    pub fn coefficients(&self) -> (f32, f32) {
        ((self.a * self.dt) as f32, (self.sigma * self.dt.sqrt()) as f32)
    }

    pub fn key(&self) -> [u32; 2] {
        [self.seed as u32, (self.seed >> 32) as u32]
    }
}

/// `log|1 + y|` as the module docs say.
pub fn log_step(y: f32) -> f32 {
    let u = 1.0 + y;
    if u == 1.0 {
        y
    } else if u > 0.0 {
        libm::logf(u) * (y / (u - 1.0))
    } else {
        libm::logf((-u).max(f32::MIN_POSITIVE))
    }
}

/// Advances path `p` from step `from` to `to`, `log|X|` in `l`.
pub fn advance_path(sde: &Sde, p: usize, from: usize, to: usize, mut l: f32) -> f32 {
    let (a_dt, s) = sde.coefficients();
    let key = sde.key();
    let mut z = [0.0f32; 4];
    for n in from..to {
        if n % 4 == 0 || n == from {
            z = normals(philox([p as u32, (n / 4) as u32, 0, 0], key));
        }
        l += log_step(a_dt + s * z[n % 4]);
    }
    l
}

/// The records of paths `first .. first + count` (each `records + 1` values,
/// `log|X|` at every checkpoint): the GPU kernel's CPU twin.
pub fn advance_cpu(sde: &Sde, first: usize, count: usize) -> Vec<f32> {
    let k = sde.records();
    let mut out = vec![0.0f32; count * (k + 1)];
    for (i, row) in out.chunks_exact_mut(k + 1).enumerate() {
        for c in 1..=k {
            row[c] = advance_path(sde, first + i, sde.checkpoint(c - 1), sde.checkpoint(c), row[c - 1]);
        }
    }
    out
}

/// A pair of numbers the page compares.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Versus {
    pub empirical: f64,
    pub theory: f64,
}

/// The second moment's growth rate, fitted where `N` paths can see it.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Rate {
    pub empirical: f64,
    pub theory: f64,
    /// The fit's window `[0, t*]`, `t* = min(T, ln N / (2σ²))`.
    pub window: f64,
    /// `log(mean X_T²)/T` over the whole horizon, for contrast.
    pub whole_horizon: f64,
}

/// What the stabilisation study reports.
#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    pub exponent: Versus,
    pub second_moment_rate: Rate,
    /// Paths whose `|X_T|` is below `X_0 = 1`.
    pub fraction_decayed: f64,
    pub times: Vec<f64>,
    /// Mean of `log|X|` at each checkpoint, and the theory `(a − σ²/2)t`.
    pub mean_log: Vec<f64>,
    /// `log` of the sample mean of `X²`, and the theory `(2a + σ²)t`.
    pub log_second_moment: Vec<f64>,
    /// `log|X|` of the first [`SHOWN`] paths.
    pub sample_paths: Vec<Vec<f32>>,
}

/// Statistics of `records` (`paths × (records + 1)`, from either twin).
pub fn stats(sde: &Sde, records: &[f32]) -> Stats {
    let k = sde.records();
    let n = records.len() / (k + 1);
    let rows: Vec<&[f32]> = records.chunks_exact(k + 1).collect();
    let times: Vec<f64> = (0..=k).map(|c| sde.time(c)).collect();
    let mean_log: Vec<f64> = (0..=k).map(|c| rows.iter().map(|r| r[c] as f64).sum::<f64>() / n as f64).collect();
    let log_second_moment: Vec<f64> = (0..=k)
        .map(|c| {
            let max = rows.iter().map(|r| 2.0 * r[c] as f64).fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = rows.iter().map(|r| libm::exp(2.0 * r[c] as f64 - max)).sum();
            max + libm::log(sum / n as f64)
        })
        .collect();
    let horizon = times[k];
    let window =
        if sde.sigma > 0.0 { (libm::log(n as f64) / (2.0 * sde.sigma * sde.sigma)).min(horizon) } else { horizon };
    // Least squares through the origin (log E[X_0²] = 0) on the window; at
    // least the first checkpoint.
    let (mut ty, mut tt) = (0.0, 0.0);
    for (c, &t) in times.iter().enumerate().skip(1) {
        if t <= window || c == 1 {
            ty += t * log_second_moment[c];
            tt += t * t;
        }
    }
    let decayed = rows.iter().filter(|r| r[k] < 0.0).count();
    Stats {
        exponent: Versus { empirical: mean_log[k] / horizon, theory: sde.a - sde.sigma * sde.sigma / 2.0 },
        second_moment_rate: Rate {
            empirical: ty / tt,
            theory: 2.0 * sde.a + sde.sigma * sde.sigma,
            window,
            whole_horizon: log_second_moment[k] / horizon,
        },
        fraction_decayed: decayed as f64 / n as f64,
        times,
        mean_log,
        log_second_moment,
        sample_paths: rows.iter().take(SHOWN).map(|r| r.to_vec()).collect(),
    }
}

/// Every path on the CPU: natively on every core (the numbers do not depend
/// on the split), in the page in the worker's slices (`Simulation`).
pub fn simulate_cpu(sde: &Sde) -> Vec<f32> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        let chunk = 64;
        let parts: Vec<Vec<f32>> = (0..sde.paths.div_ceil(chunk))
            .into_par_iter()
            .map(|i| advance_cpu(sde, i * chunk, chunk.min(sde.paths - i * chunk)))
            .collect();
        parts.concat()
    }
    #[cfg(target_arch = "wasm32")]
    advance_cpu(sde, 0, sde.paths)
}

/// The CPU simulation in slices of paths, for the page's worker.
pub struct Simulation {
    pub sde: Sde,
    pub records: Vec<f32>,
}

impl Simulation {
    pub fn new(sde: Sde) -> Simulation {
        Simulation { sde, records: Vec::with_capacity(sde.paths * (sde.records() + 1)) }
    }

    pub fn done_paths(&self) -> usize {
        self.records.len() / (self.sde.records() + 1)
    }

    pub fn done(&self) -> bool {
        self.done_paths() >= self.sde.paths
    }

    /// Simulates the next `count` paths (fewer at the end).
    pub fn advance(&mut self, count: usize) {
        let first = self.done_paths();
        let count = count.min(self.sde.paths - first);
        self.records.extend(advance_cpu(&self.sde, first, count));
    }
}
