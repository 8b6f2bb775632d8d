//! The fields lab: divergence-free vector fields are skew-symmetric
//! operators (Azencot, Erichson, Ben-Chen & Mahoney, "A differential
//! geometry perspective on orthogonal recurrent models", arXiv 2102.09589),
//! seen two ways.
//!
//! 1. **Operators** ([`torus`], [`Operators`]): the Galerkin matrix `M` of
//!    `v·∇` on a Fourier basis of the torus is skew exactly when `div v = 0`
//!    (`M + Mᵀ = −D`, `D` the divergence matrix), so `exp(tM)` preserves
//!    norms and the spectrum is imaginary; turning on `κ` breaks all three.
//!    A dye carried by `exp(−tM)` is drawn next to the same dye advected on a
//!    grid ([`advect`]), to show what the finite basis keeps and loses.
//! 2. **Recurrence** ([`copy`]): an RNN whose transition is `exp(A)` with `A`
//!    skew (orthogonal), `exp(A + S)` with a learned symmetric `S` (all
//!    fields), and an unconstrained `W`, on the copy task.
//!
//! The derivation is in `docs/fields.md`.

pub mod advect;
pub mod copy;
pub mod expm;
pub mod lab;
pub mod torus;

#[cfg(target_arch = "wasm32")]
mod web;

use ndarray::{Array1, Array2};
use serde::Serialize;

use crate::core::driver::{self, Clock, Driver, Progress};
use crate::core::link::Link;
use copy::{CopyConfig, Transition};
use expm::expm;
use torus::Field;

/// Sequences per training batch of the copy task.
pub const BATCH: usize = 32;
/// Points of the ‖exp(−tM)c‖ curve after t = 0.
pub const CURVE_POINTS: usize = 100;

/// Everything a fields link sets.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Config {
    pub field: &'static str,
    pub kappa: f64,
    #[serde(rename = "K")]
    pub big_k: i32,
    /// Transport time shown (the dye and the norm curve).
    pub t: f64,
    pub copy: CopyConfig,
}

impl Config {
    pub fn from_link(link: &Link) -> Result<Config, String> {
        link.expect_lab("fields")?;
        let seed = link.int("seed") as u64;
        Ok(Config {
            field: link.choice("field"),
            kappa: link.float("kappa"),
            big_k: link.int("K") as i32,
            t: link.float("t"),
            copy: CopyConfig {
                task: if link.choice("task") == "adding" { copy::Task::Adding } else { copy::Task::Copy },
                delay: link.int("delay") as usize,
                length: link.int("length") as usize,
                hidden: link.int("hidden") as usize,
                batch: BATCH,
                iters: link.int("iters") as usize,
                lr: link.float("lr"),
                orthogonal_init: link.choice("init") == "orthogonal",
                seed,
            },
        })
    }

    pub fn seed(&self) -> u64 {
        self.copy.seed
    }
}

/// The dye: a periodic blob `exp(4(cos(x − x₀) + cos(y − y₀) − 2))` at
/// `(x₀, y₀) = (2π/3, π)`, width about 0.5.
pub fn dye(x: f64, y: f64) -> f64 {
    let (x0, y0) = (2.0 * std::f64::consts::PI / 3.0, std::f64::consts::PI);
    libm::exp(4.0 * (libm::cos(x - x0) + libm::cos(y - y0) - 2.0))
}

/// The operator study of one field.
pub struct Operators {
    pub field: Field,
    pub ops: torus::Operators,
    /// The dye's coefficients.
    pub c0: Array1<f64>,
}

fn frobenius(a: &Array2<f64>) -> f64 {
    a.iter().map(|v| v * v).sum::<f64>().sqrt()
}

impl Operators {
    pub fn new(config: &Config) -> Operators {
        let field = Field::new(config.field, config.kappa, config.seed());
        let ops = torus::operators(&field, config.big_k);
        let c0 = torus::project(config.big_k, dye);
        Operators { field, ops, c0 }
    }

    /// `‖M‖_F`, or 1 for the zero field (so the ratios below stay 0, not NaN).
    fn scale(&self) -> f64 {
        let n = frobenius(&self.ops.m);
        if n > 0.0 {
            n
        } else {
            1.0
        }
    }

    /// `‖M + Mᵀ‖_F / ‖M‖_F`.
    pub fn skew_residual(&self) -> f64 {
        frobenius(&(&self.ops.m + &self.ops.m.t())) / self.scale()
    }

    /// `‖M + Mᵀ + D‖_F / ‖M‖_F`: how far the identity `M + Mᵀ = −D` is from exact.
    pub fn divergence_identity_error(&self) -> f64 {
        frobenius(&(&self.ops.m + &self.ops.m.t() + &self.ops.div)) / self.scale()
    }

    /// Eigenvalues of `M` as `[re, im]`.
    pub fn spectrum(&self) -> Vec<[f64; 2]> {
        copy::eigenvalues(self.ops.m.view())
    }

    /// `‖exp(−τM)c₀‖/‖c₀‖` at `τ = kt/CURVE_POINTS`, `k = 0..=CURVE_POINTS`
    /// (one exponential of the step, applied repeatedly).
    pub fn norm_curve(&self, t: f64) -> Vec<f64> {
        let step = expm((&self.ops.m * (-t / CURVE_POINTS as f64)).view());
        let norm0 = self.c0.dot(&self.c0).sqrt();
        let mut c = self.c0.clone();
        let mut out = vec![1.0];
        for _ in 0..CURVE_POINTS {
            c = step.dot(&c);
            out.push(c.dot(&c).sqrt() / norm0);
        }
        out
    }

    /// `‖exp(M)c₀‖/‖c₀‖`.
    pub fn norm_ratio(&self) -> f64 {
        let c = expm(self.ops.m.view()).dot(&self.c0);
        (c.dot(&c) / self.c0.dot(&self.c0)).sqrt()
    }

    /// The dye's coefficients carried to time `t`: `exp(−tM) c₀`
    /// (advection `∂c/∂t = −v·∇c`, Galerkin: `ċ = −Mc`).
    pub fn transported(&self, t: f64) -> Array1<f64> {
        expm((&self.ops.m * -t).view()).dot(&self.c0)
    }
}

/// Grid resolution of the advected dye in reports.
pub const GRID: usize = 128;

/// Semi-Lagrangian steps for time `t` through the grid velocity `vel`
/// (`advect::velocity_grid` at resolution `res`): enough that no step moves
/// the dye more than one cell (so interpolation errors stay local).
pub fn grid_steps(vel: &[f32], t: f64, res: usize) -> usize {
    let cells = res * res;
    let vmax = (0..cells).map(|i| f64::hypot(vel[i] as f64, vel[cells + i] as f64)).fold(0.0, f64::max);
    let h = 2.0 * std::f64::consts::PI / res as f64;
    ((vmax * t / h).ceil() as usize).max(1)
}

/// Frames of the dye movie after the first, and its resolution.
pub const FRAMES: usize = 40;
pub const MOVIE_RES: usize = 96;

/// The dye carried over `[0, t]` in [`FRAMES`] frames, two ways: by
/// `exp(−τM)` on the basis ([`Movie::galerkin`]) and along the flow's
/// trajectories on a grid ([`Movie::grid_cpu`], or the GPU kernel with
/// [`Movie::vel`], [`Movie::dye0`], [`Movie::dt`] and `k ·`
/// [`Movie::steps_per_frame`] steps for frame `k`).
pub struct Movie {
    pub res: usize,
    /// Basis values at the pixels (pixels × functions).
    phi: Array2<f64>,
    /// `exp(−(t/FRAMES) M)`.
    step: Array2<f64>,
    /// Coefficients of frames 0, 1, … computed so far.
    coeffs: Vec<Array1<f64>>,
    pub vel: Vec<f32>,
    pub dye0: Vec<f32>,
    pub dt: f32,
    pub steps_per_frame: usize,
}

impl Movie {
    pub fn new(study: &Operators, config: &Config, res: usize) -> Movie {
        let n = study.c0.len();
        let h = 2.0 * std::f64::consts::PI / res as f64;
        let mut phi = Array2::zeros((res * res, n));
        let mut values = Vec::with_capacity(n);
        for (pixel, mut row) in phi.rows_mut().into_iter().enumerate() {
            torus::basis_at(config.big_k, (pixel % res) as f64 * h, (pixel / res) as f64 * h, &mut values);
            row.iter_mut().zip(&values).for_each(|(r, v)| *r = v[0]);
        }
        let frame_t = config.t / FRAMES as f64;
        let vel = advect::velocity_grid(&study.field, res);
        let steps_per_frame = grid_steps(&vel, frame_t, res);
        Movie {
            res,
            phi,
            step: expm((&study.ops.m * -frame_t).view()),
            coeffs: vec![study.c0.clone()],
            vel,
            dye0: advect::sample_grid(res, dye),
            dt: (frame_t / steps_per_frame as f64) as f32,
            steps_per_frame,
        }
    }

    /// Frame `k` (0..=FRAMES) of the Galerkin dye, `res²` values.
    pub fn galerkin(&mut self, k: usize) -> Vec<f32> {
        while self.coeffs.len() <= k {
            let next = self.step.dot(self.coeffs.last().expect("frame 0"));
            self.coeffs.push(next);
        }
        self.phi.dot(&self.coeffs[k]).iter().map(|&v| v as f32).collect()
    }

    /// Frame `k` of the grid dye on the CPU.
    pub fn grid_cpu(&self, k: usize) -> Vec<f32> {
        advect::advect_cpu(&self.vel, &self.dye0, self.res, self.dt, k * self.steps_per_frame)
    }
}

/// Relative L² difference of two images.
pub fn relative_gap(a: &[f32], b: &[f32]) -> f64 {
    let num: f64 = a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum();
    let den: f64 = b.iter().map(|y| (*y as f64).powi(2)).sum();
    (num / den).sqrt()
}

/// The Galerkin dye against the grid-advected dye.
#[derive(Clone, Debug, Serialize)]
pub struct DyeGap {
    /// The projected dye against the dye itself at t = 0 (truncation alone).
    pub initial: f64,
    /// `exp(−tM)c₀` against the grid-advected dye at time `t`.
    #[serde(rename = "final")]
    pub at_t: f64,
    pub grid: usize,
    pub grid_steps: usize,
}

/// One number per model of the copy task.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PerModel {
    pub orthogonal: f64,
    pub unconstrained: f64,
    pub full: f64,
}

impl PerModel {
    fn set(&mut self, kind: Transition, v: f64) {
        match kind {
            Transition::Orthogonal => self.orthogonal = v,
            Transition::Unconstrained => self.unconstrained = v,
            Transition::Full => self.full = v,
        }
    }
}

/// What `continuum run` prints for a fields link.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub link: String,
    pub basis_size: usize,
    pub quadrature_points: usize,
    pub skew_residual: f64,
    pub max_real_eigenvalue: f64,
    pub norm_ratio: f64,
    pub divergence_identity_error: f64,
    pub dye_gap: DyeGap,
    pub copy_accuracy: PerModel,
    pub copy_loss: PerModel,
    pub baseline_loss: f64,
    /// [`copy::norm_ratio`] on the test batch after training, and before.
    pub gradient_norm_ratio: PerModel,
    pub initial_gradient_norm_ratio: PerModel,
    pub iters_run: PerModel,
    pub diverged: Option<String>,
    pub timings_ms: serde_json::Map<String, serde_json::Value>,
}

/// What one unit of a fields run did.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Step {
    /// The operator study: M, its spectrum and norms.
    Operators,
    /// The dye carried by `exp(−tM)` against the dye advected on a grid.
    Transport,
    /// One Adam step of every copy-task model still in training, in the
    /// order of [`Transition::ALL`]; a model that finished in this round was
    /// evaluated on the test batch.
    Round { models: Vec<ModelStep> },
}

/// One model's part of a [`Step::Round`].
#[derive(Debug, Serialize)]
pub struct ModelStep {
    pub model: Transition,
    /// The Adam step's numbers (`None` when the model stopped: it finished or diverged).
    pub stats: Option<copy::Stats>,
    /// The test-batch accuracy, once the model finished.
    pub accuracy: Option<f64>,
}

/// A fields link's run: the operator study, the dye transport, then the
/// three copy-task models (orthogonal, unconstrained, full) trained side by
/// side, one Adam step each per unit, each evaluated when it ends. The models
/// draw from their own seeded streams, so training them side by side (as
/// the page shows them) or one after another gives the same numbers.
pub struct FieldsRun {
    config: Config,
    report: Report,
    study: Option<Operators>,
    transported: bool,
    trainers: Vec<copy::Trainer>,
    /// Which models were evaluated, in the order of [`Transition::ALL`].
    evaluated: [bool; 3],
    /// When the last lap of the timings ended.
    last: Option<f64>,
}

impl FieldsRun {
    fn lap(&mut self, name: &str, clock: Clock) {
        let now = clock();
        let start = self.last.unwrap_or(now);
        let spent = self.report.timings_ms.get(name).and_then(|v| v.as_f64()).unwrap_or(0.0) + now - start;
        self.report.timings_ms.insert(name.into(), spent.into());
        self.last = Some(now);
    }

    /// The operator study (after the first step), for the page's figures and movie.
    pub fn study(&self) -> Option<&Operators> {
        self.study.as_ref()
    }

    /// The copy-task models, in the order of [`Transition::ALL`].
    pub fn trainers(&self) -> &[copy::Trainer] {
        &self.trainers
    }

    fn operators(&mut self, clock: Clock) {
        let study = Operators::new(&self.config);
        self.lap("operators", clock);
        let max_real_eigenvalue = study.spectrum().iter().fold(0.0f64, |m, z| m.max(z[0].abs()));
        self.lap("spectrum", clock);
        let r = &mut self.report;
        r.basis_size = torus::basis_size(self.config.big_k);
        r.quadrature_points = study.ops.points;
        r.skew_residual = study.skew_residual();
        r.max_real_eigenvalue = max_real_eigenvalue;
        r.norm_ratio = study.norm_ratio();
        r.divergence_identity_error = study.divergence_identity_error();
        self.study = Some(study);
    }

    fn transport(&mut self, clock: Clock) {
        let (config, study) = (&self.config, self.study.as_ref().expect("the operators first"));
        let galerkin = torus::synthesize(config.big_k, study.transported(config.t).as_slice().expect("vector"), GRID);
        let initial = torus::synthesize(config.big_k, study.c0.as_slice().expect("vector"), GRID);
        let truth0 = advect::sample_grid(GRID, dye);
        let vel = advect::velocity_grid(&study.field, GRID);
        let steps = grid_steps(&vel, config.t, GRID);
        let grid = advect::advect_cpu(&vel, &truth0, GRID, (config.t / steps as f64) as f32, steps);
        self.report.dye_gap = DyeGap {
            initial: relative_gap(&initial, &truth0),
            at_t: relative_gap(&galerkin, &grid),
            grid: GRID,
            grid_steps: steps,
        };
        self.transported = true;
        self.lap("transport", clock);
    }

    /// One Adam step of model `i`, and its evaluation if it is done.
    fn train(&mut self, i: usize, clock: Clock) -> Option<ModelStep> {
        if self.evaluated[i] {
            return None;
        }
        let trainer = &mut self.trainers[i];
        let model = trainer.model.kind;
        let stats = trainer.step();
        self.lap(&format!("copy_{}", model.name()), clock);
        let accuracy = if self.trainers[i].done() { Some(self.evaluate(i)) } else { None };
        Some(ModelStep { model, stats, accuracy })
    }

    /// Records finished model `i`'s numbers; its test accuracy.
    fn evaluate(&mut self, i: usize) -> f64 {
        let trainer = &self.trainers[i];
        let kind = trainer.model.kind;
        let eval = trainer.evaluate();
        let length = self.config.copy.recall();
        let r = &mut self.report;
        r.copy_accuracy.set(kind, eval.accuracy);
        r.copy_loss.set(kind, eval.loss);
        r.gradient_norm_ratio.set(kind, copy::norm_ratio(&eval.grad_norms, length));
        r.initial_gradient_norm_ratio.set(kind, copy::norm_ratio(&trainer.initial_grad_norms, length));
        r.iters_run.set(kind, trainer.iter as f64);
        if let Some(d) = &trainer.diverged {
            r.diverged.get_or_insert_with(String::new).push_str(&d.message);
        }
        self.evaluated[i] = true;
        eval.accuracy
    }
}

impl Driver for FieldsRun {
    type Step = Step;
    type Report = Report;

    fn start(link: &Link) -> Result<FieldsRun, String> {
        let config = Config::from_link(link)?;
        let report = Report {
            link: link.canonical(),
            basis_size: 0,
            quadrature_points: 0,
            skew_residual: f64::NAN,
            max_real_eigenvalue: f64::NAN,
            norm_ratio: f64::NAN,
            divergence_identity_error: f64::NAN,
            dye_gap: DyeGap { initial: f64::NAN, at_t: f64::NAN, grid: GRID, grid_steps: 0 },
            copy_accuracy: PerModel::default(),
            copy_loss: PerModel::default(),
            baseline_loss: config.copy.baseline_loss(),
            gradient_norm_ratio: PerModel::default(),
            initial_gradient_norm_ratio: PerModel::default(),
            iters_run: PerModel::default(),
            diverged: None,
            timings_ms: serde_json::Map::new(),
        };
        let trainers = Transition::ALL.iter().map(|&kind| copy::Trainer::new(config.copy.clone(), kind)).collect();
        Ok(FieldsRun { config, report, study: None, transported: false, trainers, evaluated: [false; 3], last: None })
    }

    fn step(&mut self, clock: Clock) -> Option<Step> {
        if self.last.is_none() {
            self.last = Some(clock());
        }
        if self.study.is_none() {
            self.operators(clock);
            return Some(Step::Operators);
        }
        if !self.transported {
            self.transport(clock);
            return Some(Step::Transport);
        }
        let models: Vec<ModelStep> = (0..Transition::ALL.len()).filter_map(|i| self.train(i, clock)).collect();
        (!models.is_empty()).then_some(Step::Round { models })
    }

    fn progress(&self) -> Progress {
        let iters = self.config.copy.iters;
        let models = Transition::ALL.len();
        let finished = self.evaluated.iter().all(|&e| e);
        let trained: usize = self.trainers.iter().map(|t| if t.done() { iters } else { t.iter }).sum::<usize>();
        let total = 2 + models * iters;
        let done = usize::from(self.study.is_some()) + usize::from(self.transported) + trained;
        Progress {
            done: if finished { total } else { done.min(total - 1) },
            total,
            label: if finished {
                "done".into()
            } else if !self.transported {
                "operators and transport".into()
            } else {
                let at = self.trainers.iter().map(|t| t.iter).max().unwrap_or(0);
                format!("copy task: iteration {at} of {iters}")
            },
            finished,
            divergence: self.report.diverged.clone(),
        }
    }

    fn report(&self) -> Report {
        self.report.clone()
    }
}

/// Runs both studies of a fields link headless.
pub fn run(link: &Link, clock: Clock) -> Result<Report, String> {
    driver::run::<FieldsRun>(link, clock)
}
