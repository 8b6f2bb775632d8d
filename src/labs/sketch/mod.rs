//! The sketch lab: how wrong is a sketched SVD, and does the bootstrap know
//! ([`svd`]); and the bootstrap of a covariance's operator norm
//! ([`opnorm`]). Two studies on one page, `study=svd|opnorm`. Science notes:
//! `docs/sketch.md`.

pub mod lab;
pub mod linalg;
pub mod opnorm;
pub mod replicas;
pub mod svd;

#[cfg(target_arch = "wasm32")]
mod web;

use serde::Serialize;

use crate::core::driver::{Clock, Driver, Progress};
use crate::core::link::Link;
use opnorm::OpConfig;
use svd::SvdConfig;

/// The largest matrix the SVD study builds (`m · n` entries: 160 MB in f64).
pub const MAX_ENTRIES: usize = 20_000_000;

/// Everything a sketch link sets.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Config {
    pub study: &'static str,
    pub svd: SvdConfig,
    pub opnorm: OpConfig,
    /// Error tolerance of the adaptive panel (0: off).
    pub tolerance: f64,
}

impl Config {
    pub fn from_link(link: &Link) -> Result<Config, String> {
        link.expect_lab("sketch")?;
        let seed = link.int("seed") as u64;
        let (m, n, k, l) =
            (link.int("m") as usize, link.int("n") as usize, link.int("k") as usize, link.int("l") as usize);
        if m * n > MAX_ENTRIES {
            return Err(format!(
                "m × n = {} entries is more than this build holds ({MAX_ENTRIES}, 160 MB): lower m or n",
                m * n
            ));
        }
        if k > n {
            return Err(format!("k = {k} is more than the n = {n} singular values there are"));
        }
        if l < k {
            return Err(format!("a sketch of l = {l} rows has fewer than k = {k} singular values"));
        }
        let alpha = link.float("alpha");
        let beta = link.float("beta");
        let p = link.int("p") as usize;
        let nmax = link.int("nmax") as usize;
        let ps = if p == opnorm::SMALL_P { vec![p] } else { vec![opnorm::SMALL_P, p] };
        let ns = std::iter::successors(Some(opnorm::FIRST_N), |n| Some(n * 2)).take_while(|&n| n <= nmax).collect();
        Ok(Config {
            study: link.choice("study"),
            svd: SvdConfig {
                m,
                n,
                l,
                k,
                sketch: link.choice("sketch"),
                vector: link.choice("metric") == "vector",
                boots: link.int("B") as usize,
                alpha,
                beta,
                runs: link.int("R") as usize,
                orthonormal: link.choice("factor") == "orthonormal",
                seed,
            },
            opnorm: OpConfig {
                ps,
                ns,
                trials: link.int("trials") as usize,
                boots: link.int("Bop") as usize,
                alpha,
                beta,
                seed,
            },
            tolerance: link.float("tol"),
        })
    }
}

/// Mean and standard deviation.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct MeanSd {
    pub mean: f64,
    pub sd: f64,
}

/// One sketch size of the sweep.
#[derive(Clone, Debug, Serialize)]
pub struct Extrapolation {
    pub l: usize,
    /// The true `(1 − α)` quantile over the `R` sketches.
    #[serde(rename = "true")]
    pub truth: f64,
    /// `q̂(l₀) · √(l₀/l)` from the mean bootstrap estimate at `l₀`.
    pub predicted: f64,
    /// The bootstrap estimates at this size (`R` sketches at `l₀`, 10 above).
    pub bootstrap: MeanSd,
    pub coverage: f64,
}

/// The adaptive use: predicted `l` for a tolerance, and its check.
#[derive(Clone, Debug, Serialize)]
pub struct Adaptive {
    pub tolerance: f64,
    pub predicted_l: usize,
    /// The true `(1 − α)` quantile at the predicted `l` (`R` fresh sketches).
    pub true_quantile: f64,
    pub met: bool,
}

/// What `continuum run` prints for `study=svd`.
#[derive(Debug, Serialize)]
pub struct SvdReport {
    pub link: String,
    pub study: &'static str,
    pub sketch: &'static str,
    pub metric: &'static str,
    pub l: usize,
    pub k: usize,
    pub exact_singular_values: Vec<f64>,
    pub true_quantile: f64,
    pub bootstrap_quantile: MeanSd,
    pub coverage: f64,
    pub extrapolation: Vec<Extrapolation>,
    pub adaptive: Option<Adaptive>,
    pub timings_ms: serde_json::Map<String, serde_json::Value>,
}

/// One `(n, p)` cell of the operator-norm sweep.
#[derive(Clone, Debug, Serialize)]
pub struct CoverageCell {
    pub n: usize,
    pub p: usize,
    pub coverage: f64,
}

/// What `continuum run` prints for `study=opnorm`.
#[derive(Debug, Serialize)]
pub struct OpReport {
    pub link: String,
    pub study: &'static str,
    pub coverage: Vec<CoverageCell>,
    pub trials: usize,
    pub timings_ms: serde_json::Map<String, serde_json::Value>,
}

/// Either study's report.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Report {
    Svd(SvdReport),
    Opnorm(OpReport),
}

/// The figure's numbers from a finished SVD sweep.
pub fn extrapolation(sweep: &svd::Sweep) -> Vec<Extrapolation> {
    let alpha = sweep.problem.config.alpha;
    let l0 = sweep.levels[0].l as f64;
    let (q0, _) = sweep.levels[0].bootstrap();
    sweep
        .levels
        .iter()
        .map(|level| {
            let (mean, sd) = level.bootstrap();
            Extrapolation {
                l: level.l,
                truth: level.true_quantile(alpha),
                predicted: q0 * (l0 / level.l as f64).sqrt(),
                bootstrap: MeanSd { mean, sd },
                coverage: level.coverage(),
            }
        })
        .collect()
}

/// What one unit of a sketch run did.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Step {
    /// One sketch of the SVD sweep (or one trial of the operator-norm sweep).
    Sketch {
        done: usize,
        total: usize,
    },
    Trial {
        done: usize,
        total: usize,
    },
    /// The adaptive check, after the SVD sweep (links with `tol` > 0).
    Adaptive(Adaptive),
}

/// Either study of a sketch link: the sweep a sketch or a trial per step,
/// then (svd, `tol` > 0) the adaptive check.
pub enum SketchRun {
    Svd { sweep: Box<svd::Sweep>, tolerance: f64, adaptive: Option<Adaptive>, link: String, timings: Timings },
    Opnorm { sweep: opnorm::Sweep, link: String, timings: Timings },
}

type Timings = serde_json::Map<String, serde_json::Value>;

fn add_ms(timings: &mut Timings, name: &str, ms: f64) {
    let before = timings.get(name).and_then(serde_json::Value::as_f64).unwrap_or(0.0);
    timings.insert(name.into(), (before + ms).into());
}

impl SketchRun {
    /// The run of `config` (the problem is built here: timed as `matrix`).
    pub fn new(config: &Config, link: String, clock: Clock) -> SketchRun {
        let mut timings = Timings::new();
        if config.study == "opnorm" {
            return SketchRun::Opnorm { sweep: opnorm::Sweep::new(config.opnorm.clone()), link, timings };
        }
        let t = clock();
        let sweep = Box::new(svd::Sweep::new(config.svd.clone()));
        timings.insert("matrix".into(), (clock() - t).into());
        SketchRun::Svd { sweep, tolerance: config.tolerance, adaptive: None, link, timings }
    }

    pub fn finished(&self) -> bool {
        match self {
            SketchRun::Svd { sweep, tolerance, adaptive, .. } => {
                sweep.done() && (*tolerance <= 0.0 || adaptive.is_some())
            }
            SketchRun::Opnorm { sweep, .. } => sweep.done(),
        }
    }
}

impl Driver for SketchRun {
    type Step = Step;
    type Report = Report;

    fn start(link: &Link) -> Result<SketchRun, String> {
        Ok(SketchRun::new(&Config::from_link(link)?, link.canonical(), &|| 0.0))
    }

    fn step(&mut self, clock: Clock) -> Option<Step> {
        let t = clock();
        match self {
            SketchRun::Svd { sweep, tolerance, adaptive, timings, .. } => {
                if sweep.step() {
                    add_ms(timings, "sweep", clock() - t);
                    let (done, total) = sweep.progress();
                    return Some(Step::Sketch { done, total });
                }
                if *tolerance <= 0.0 || adaptive.is_some() {
                    return None;
                }
                let l = sweep.predicted_l(*tolerance);
                let q = svd::check_l(&sweep.problem, l, sweep.problem.config.seed);
                let check = Adaptive { tolerance: *tolerance, predicted_l: l, true_quantile: q, met: q <= *tolerance };
                *adaptive = Some(check.clone());
                add_ms(timings, "adaptive", clock() - t);
                Some(Step::Adaptive(check))
            }
            SketchRun::Opnorm { sweep, timings, .. } => {
                if !sweep.step() {
                    return None;
                }
                add_ms(timings, "sweep", clock() - t);
                let (done, total) = sweep.progress();
                Some(Step::Trial { done, total })
            }
        }
    }

    /// Natively the operator-norm trials run on every core (`opnorm::Sweep::finish`).
    fn finish(&mut self, clock: Clock) {
        if let SketchRun::Opnorm { sweep, timings, .. } = self {
            let t = clock();
            sweep.finish();
            add_ms(timings, "sweep", clock() - t);
        }
        while self.step(clock).is_some() {}
    }

    fn progress(&self) -> Progress {
        let (done, total) = match self {
            SketchRun::Svd { sweep, .. } => sweep.progress(),
            SketchRun::Opnorm { sweep, .. } => sweep.progress(),
        };
        let finished = self.finished();
        let unit = if matches!(self, SketchRun::Svd { .. }) { "sketches" } else { "trials" };
        Progress {
            done,
            total,
            label: if finished { "done".into() } else { format!("{done} of {total} {unit}") },
            finished,
            divergence: None,
        }
    }

    fn report(&self) -> Report {
        match self {
            SketchRun::Opnorm { sweep, link, timings } => Report::Opnorm(OpReport {
                link: link.clone(),
                study: "opnorm",
                coverage: sweep.cells.iter().map(|c| CoverageCell { n: c.n, p: c.p, coverage: c.coverage() }).collect(),
                trials: sweep.config.trials,
                timings_ms: timings.clone(),
            }),
            SketchRun::Svd { sweep, adaptive, link, timings, .. } => {
                let rows = extrapolation(sweep);
                let config = &sweep.problem.config;
                Report::Svd(SvdReport {
                    link: link.clone(),
                    study: "svd",
                    sketch: config.sketch,
                    metric: if config.vector { "vector" } else { "value" },
                    l: config.l,
                    k: config.k,
                    exact_singular_values: sweep.problem.exact.values.clone(),
                    true_quantile: rows[0].truth,
                    bootstrap_quantile: rows[0].bootstrap,
                    coverage: rows[0].coverage,
                    extrapolation: rows,
                    adaptive: adaptive.clone(),
                    timings_ms: timings.clone(),
                })
            }
        }
    }
}

/// Runs the study a sketch link names, headless.
pub fn run(link: &Link, clock: Clock) -> Result<Report, String> {
    let mut driver = SketchRun::new(&Config::from_link(link)?, link.canonical(), clock);
    driver.finish(clock);
    Ok(driver.report())
}
