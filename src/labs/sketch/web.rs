//! The sketch lab's page face: [`SketchSession`] runs either study's sweep
//! in the lab's Web Worker, one sketch or trial per step; [`SketchGpu`]
//! computes a bootstrap's Gram matrices with `gram.wgsl` on the main
//! thread, which owns the WebGPU device.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::gram::{grams_cpu, GramKernel};
use super::{extrapolation, opnorm, svd, Adaptive, Config, CoverageCell, Extrapolation};
use crate::gpu::{parity_error, Gpu};
use crate::labs;
use crate::web::{js_error, to_js, WebGpu};

/// The bootstrap's Gram matrices on the page's WebGPU device.
#[wasm_bindgen]
pub struct SketchGpu {
    gpu: Rc<Gpu>,
    kernel: Rc<RefCell<Option<GramKernel>>>,
}

#[wasm_bindgen]
impl SketchGpu {
    #[wasm_bindgen(constructor)]
    pub fn new(device: &WebGpu) -> SketchGpu {
        SketchGpu { gpu: Rc::clone(&device.gpu), kernel: Rc::new(RefCell::new(None)) }
    }

    /// `Yᵀ diag(c_b) Y` for every count vector (`boots × n × n`).
    pub fn grams(&self, y: Vec<f32>, n: usize, counts: Vec<f32>) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let slot = Rc::clone(&self.kernel);
        future_to_promise(async move {
            let mut kernel = slot.borrow_mut().take().unwrap_or_else(|| GramKernel::new(&gpu));
            let result = kernel.grams(&gpu, &y, n, &counts).await;
            *slot.borrow_mut() = Some(kernel);
            Ok(js_sys::Float32Array::from(&result.map_err(js_error)?[..]).into())
        })
    }
}

enum Study {
    Svd(Box<svd::Sweep>),
    Opnorm(opnorm::Sweep),
}

#[derive(Serialize)]
struct Progress {
    done: usize,
    total: usize,
    finished: bool,
}

#[derive(Serialize)]
struct SvdState {
    levels: Vec<Extrapolation>,
    exact_singular_values: Vec<f64>,
    /// The errors of the sketches at `l₀`, for the scatter against their estimates.
    errors: Vec<f64>,
    estimates: Vec<f64>,
}

#[derive(Serialize)]
struct OpState {
    cells: Vec<CoverageCell>,
    /// `T_n` over the trials of the last cell, and the bootstrap's `T*` of its first trial.
    statistic: Vec<f64>,
    bootstrap: Vec<f64>,
    last: Option<(usize, usize)>,
}

/// One bootstrap at `l₀`, timed, for the CPU–GPU comparison.
#[derive(Serialize)]
struct Bench {
    n: usize,
    boots: usize,
    l: usize,
    /// The sketch and the counts, for the GPU.
    y: Vec<f32>,
    counts: Vec<f32>,
    /// The f64 bootstrap (Gram matrices and eigenpairs): its estimate and time.
    cpu_quantile: f64,
    cpu_ms: f64,
    /// The f32 CPU twin of the Gram kernel: its time.
    twin_ms: f64,
}

#[derive(Serialize)]
struct GpuCheck {
    parity: f32,
    gpu_quantile: f64,
    cpu_quantile: f64,
}

/// Either study of a sketch link, in the worker.
#[wasm_bindgen]
pub struct SketchSession {
    config: Config,
    study: Study,
    twin: Option<(Vec<f32>, svd::Pairs)>,
}

fn now() -> f64 {
    js_sys::Date::now()
}

#[wasm_bindgen]
impl SketchSession {
    #[wasm_bindgen(constructor)]
    pub fn new(link: &str) -> Result<SketchSession, JsValue> {
        let config = Config::from_link(&labs::parse(link).link).map_err(|e| JsValue::from_str(&e))?;
        let study = match config.study {
            "opnorm" => Study::Opnorm(opnorm::Sweep::new(config.opnorm.clone())),
            _ => Study::Svd(Box::new(svd::Sweep::new(config.svd.clone()))),
        };
        Ok(SketchSession { config, study, twin: None })
    }

    /// One sketch (svd) or one trial (opnorm); false once the sweep is done.
    pub fn step(&mut self) -> bool {
        match &mut self.study {
            Study::Svd(s) => s.step(),
            Study::Opnorm(s) => s.step(),
        }
    }

    pub fn progress(&self) -> Result<JsValue, JsValue> {
        let ((done, total), finished) = match &self.study {
            Study::Svd(s) => (s.progress(), s.done()),
            Study::Opnorm(s) => (s.progress(), s.done()),
        };
        to_js(&Progress { done, total, finished })
    }

    /// The figure's numbers so far (sizes or cells not started are left out).
    pub fn state(&self) -> Result<JsValue, JsValue> {
        match &self.study {
            Study::Svd(s) => {
                let started = s.levels.iter().filter(|l| !l.errors.is_empty() && !l.estimates.is_empty()).count();
                let levels = if s.levels[0].estimates.is_empty() { vec![] } else { extrapolation(s) };
                to_js(&SvdState {
                    levels: levels.into_iter().take(started).collect(),
                    exact_singular_values: s.problem.exact.values.clone(),
                    errors: s.levels[0].errors.clone(),
                    estimates: s.levels[0].estimates.clone(),
                })
            }
            Study::Opnorm(s) => {
                let cells: Vec<CoverageCell> = s
                    .cells
                    .iter()
                    .filter(|c| !c.trials.is_empty())
                    .map(|c| CoverageCell { n: c.n, p: c.p, coverage: c.coverage() })
                    .collect();
                let last = s.cells.last().expect("cells");
                to_js(&OpState {
                    cells,
                    statistic: last.trials.iter().map(|t| t.t).collect(),
                    bootstrap: s.histogram.as_ref().map(|h| h.1.clone()).unwrap_or_default(),
                    last: Some((last.n, last.p)),
                })
            }
        }
    }

    /// The adaptive panel: the `l` predicted for the link's tolerance from
    /// the bootstrap at `l₀`, checked with `R` fresh sketches (after the sweep).
    pub fn adaptive(&self) -> Result<JsValue, JsValue> {
        let Study::Svd(s) = &self.study else { return Ok(JsValue::NULL) };
        let tolerance = self.config.tolerance;
        if tolerance <= 0.0 || s.levels[0].estimates.is_empty() {
            return Ok(JsValue::NULL);
        }
        let l = s.predicted_l(tolerance);
        let q = svd::check_l(&s.problem, l, self.config.svd.seed);
        to_js(&Adaptive { tolerance, predicted_l: l, true_quantile: q, met: q <= tolerance })
    }

    /// One bootstrap of a fresh sketch at `l₀`, timed on the CPU (f64, then
    /// the f32 twin of the GPU kernel); returns what the GPU needs.
    pub fn bench(&mut self) -> Result<JsValue, JsValue> {
        let Study::Svd(s) = &self.study else { return Ok(JsValue::NULL) };
        let p = &s.problem;
        let mut rng = ChaCha8Rng::seed_from_u64(self.config.svd.seed ^ 0xbe4c);
        let y = p.sketch(p.config.l, &mut rng);
        let own = p.solve(&y);
        let n = p.config.n;
        let counts = p.draw_counts(p.config.l, &mut rng);
        let t = now();
        let grams: Vec<Vec<f64>> =
            counts.chunks_exact(p.config.l).map(|c| super::linalg::weighted_gram(&y, n, Some(c))).collect();
        let cpu_quantile = svd::quantile(&p.replica_errors(&own, &grams), 1.0 - p.config.alpha);
        let cpu_ms = now() - t;
        let (y32, counts32): (Vec<f32>, Vec<f32>) =
            (y.iter().map(|&v| v as f32).collect(), counts.iter().map(|&v| v as f32).collect());
        let t = now();
        let twin = grams_cpu(&y32, n, &counts32);
        let twin_ms = now() - t;
        self.twin = Some((twin, own));
        to_js(&Bench {
            n,
            boots: p.config.boots,
            l: p.config.l,
            y: y32,
            counts: counts32,
            cpu_quantile,
            cpu_ms,
            twin_ms,
        })
    }

    /// Compares the GPU's Gram matrices with the twin's, and finishes the
    /// bootstrap estimate from them.
    #[wasm_bindgen(js_name = checkGpu)]
    pub fn check_gpu(&self, grams: Vec<f32>, cpu_quantile: f64) -> Result<JsValue, JsValue> {
        let (Study::Svd(s), Some((twin, own))) = (&self.study, &self.twin) else {
            return Err(JsValue::from_str("run the CPU bootstrap first"));
        };
        let p = &s.problem;
        let nn = p.config.n * p.config.n;
        let as_f64: Vec<Vec<f64>> = grams.chunks_exact(nn).map(|g| g.iter().map(|&v| v as f64).collect()).collect();
        let gpu_quantile = svd::quantile(&p.replica_errors(own, &as_f64), 1.0 - p.config.alpha);
        to_js(&GpuCheck { parity: parity_error(&grams, twin), gpu_quantile, cpu_quantile })
    }
}
