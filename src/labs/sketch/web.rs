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

use super::replicas::{replicas_cpu, Batch, ReplicaKernel, Source};
use super::{extrapolation, svd, Config, CoverageCell, Extrapolation, SketchRun};
use crate::core::driver::Driver;
use crate::core::js::{js_error, now_ms, parse, to_js, to_js_or_null, WebGpu};
use crate::gpu::{parity_error, Gpu};

/// Batches of replicas (the bootstrap's, or R sketches of A) on the page's
/// WebGPU device (`replicas.wgsl`).
#[wasm_bindgen]
pub struct SketchGpu {
    gpu: Rc<Gpu>,
    kernel: Rc<RefCell<Option<ReplicaKernel>>>,
}

/// A batch as the worker describes it (see [`replicas::Batch`]).
#[derive(Serialize, serde::Deserialize)]
struct BatchInputs {
    /// "shared" (the bootstrap's one sketch `y`), "sketches" (`y` holds
    /// them all) or "gather" (rows of `a`).
    kind: String,
    y: Vec<f32>,
    a: Vec<f32>,
    rows: Vec<f32>,
    weights: Vec<f32>,
    start: Vec<f32>,
    n: usize,
    q: usize,
    l: usize,
}

impl BatchInputs {
    fn batch(&self) -> Batch<'_> {
        let source = match self.kind.as_str() {
            "shared" => Source::Shared(&self.y),
            "gather" => Source::Gather { a: &self.a, rows: &self.rows },
            _ => Source::Sketches(&self.y),
        };
        Batch { source, weights: &self.weights, start: &self.start, n: self.n, q: self.q, l: self.l }
    }
}

#[wasm_bindgen]
impl SketchGpu {
    #[wasm_bindgen(constructor)]
    pub fn new(device: &WebGpu) -> SketchGpu {
        SketchGpu { gpu: Rc::clone(&device.gpu), kernel: Rc::new(RefCell::new(None)) }
    }

    /// Every matrix of the batch reduced on the GPU: resolves to the blocks
    /// `V` then `Z = G V` (`count × n × q` each).
    pub fn replicas(&self, inputs: JsValue) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let slot = Rc::clone(&self.kernel);
        future_to_promise(async move {
            let inputs: BatchInputs = serde_wasm_bindgen::from_value(inputs)?;
            let mut kernel = slot.borrow_mut().take().unwrap_or_else(|| ReplicaKernel::new(&gpu));
            let result = kernel.run(&gpu, &inputs.batch()).await;
            *slot.borrow_mut() = Some(kernel);
            Ok(js_sys::Float32Array::from(&result.map_err(js_error)?[..]).into())
        })
    }
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

/// One batch timed on the CPU, and what the GPU needs to do it again.
#[derive(Serialize)]
struct Timed {
    inputs: BatchInputs,
    /// The lab's f64 path: its estimate (bootstrap quantile or true
    /// quantile of the R sketches) and time.
    cpu_quantile: f64,
    cpu_ms: f64,
    /// The f32 CPU twin of the GPU batch: its time.
    twin_ms: f64,
}

/// The bootstrap of a fresh sketch at `l₀`, and R fresh sketches at `l₀`.
#[derive(Serialize)]
struct Bench {
    n: usize,
    boots: usize,
    l: usize,
    runs: usize,
    bootstrap: Timed,
    sketches: Timed,
}

#[derive(Serialize)]
struct Check {
    /// Largest difference of the GPU's blocks from the twin's (`gpu::parity_error`).
    parity: f32,
    gpu_quantile: f64,
    cpu_quantile: f64,
}

#[derive(Serialize)]
struct GpuCheck {
    bootstrap: Check,
    sketches: Check,
}

/// The twin's blocks of the last bench, and the references their errors are measured against.
struct Twin {
    bootstrap: (Vec<f32>, svd::Pairs, f64),
    sketches: (Vec<f32>, f64),
    q: usize,
}

/// Either study of a sketch link, in the worker.
#[wasm_bindgen]
pub struct SketchSession {
    config: Config,
    driver: SketchRun,
    twin: Option<Twin>,
}

#[wasm_bindgen]
impl SketchSession {
    #[wasm_bindgen(constructor)]
    pub fn new(link: &str) -> Result<SketchSession, JsValue> {
        let link = parse(&super::lab::LAB, link);
        let config = Config::from_link(&link).map_err(|e| JsValue::from_str(&e))?;
        let driver = SketchRun::new(&config, link.canonical(), &now_ms);
        Ok(SketchSession { config, driver, twin: None })
    }

    /// One sketch (svd) or one trial (opnorm), then the adaptive check (`driver::Step`); `null` once done.
    pub fn step(&mut self) -> Result<JsValue, JsValue> {
        to_js_or_null(self.driver.step(&now_ms))
    }

    /// `{done, total, label, finished, divergence}` (`core::driver::Progress`).
    pub fn progress(&self) -> Result<JsValue, JsValue> {
        to_js(&self.driver.progress())
    }

    /// The report `continuum run` prints for this link (`null` until done).
    pub fn report(&self) -> Result<JsValue, JsValue> {
        to_js_or_null(self.driver.finished().then(|| self.driver.report()))
    }

    /// The figure's numbers so far (sizes or cells not started are left out).
    pub fn state(&self) -> Result<JsValue, JsValue> {
        match &self.driver {
            SketchRun::Svd { sweep: s, .. } => {
                let started = s.levels.iter().filter(|l| !l.errors.is_empty() && !l.estimates.is_empty()).count();
                let levels = if s.levels[0].estimates.is_empty() { vec![] } else { extrapolation(s) };
                to_js(&SvdState {
                    levels: levels.into_iter().take(started).collect(),
                    exact_singular_values: s.problem.exact.values.clone(),
                    errors: s.levels[0].errors.clone(),
                    estimates: s.levels[0].estimates.clone(),
                })
            }
            SketchRun::Opnorm { sweep: s, .. } => {
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
    /// the bootstrap at `l₀`, checked with `R` fresh sketches (the driver's
    /// last step; `null` before it, and for links without a tolerance).
    pub fn adaptive(&self) -> Result<JsValue, JsValue> {
        match &self.driver {
            SketchRun::Svd { adaptive, .. } => to_js_or_null(adaptive.as_ref()),
            SketchRun::Opnorm { .. } => Ok(JsValue::NULL),
        }
    }

    /// The GPU comparison's CPU side: one bootstrap of a fresh sketch at
    /// `l₀` and R fresh sketches at `l₀` (their true quantile), each timed
    /// in f64 (the lab's path) and as the f32 twin of the GPU batch; returns
    /// what the GPU needs to do both.
    pub fn bench(&mut self) -> Result<JsValue, JsValue> {
        let SketchRun::Svd { sweep: s, .. } = &self.driver else { return Ok(JsValue::NULL) };
        let p = &s.problem;
        let (n, l, q_level) = (p.config.n, p.config.l, 1.0 - p.config.alpha);
        let mut rng = ChaCha8Rng::seed_from_u64(self.config.svd.seed ^ 0xbe4c);
        let y = p.sketch(l, &mut rng);
        let own = p.solve(&y);
        let counts = p.draw_counts(l, &mut rng);
        let t = now_ms();
        let grams: Vec<Vec<f64>> =
            counts.chunks_exact(l).map(|c| super::linalg::weighted_gram(&y, n, Some(c))).collect();
        let boot_quantile = svd::quantile(&p.replica_errors(&own, &grams), q_level);
        let boot_ms = now_ms() - t;
        let (start, q) = p.start_block(&own);
        let boot = BatchInputs {
            kind: "shared".into(),
            y: y.iter().map(|&v| v as f32).collect(),
            a: vec![],
            rows: vec![],
            weights: counts.iter().map(|&v| v as f32).collect(),
            start,
            n,
            q,
            l,
        };
        let t = now_ms();
        let (boot_twin, _) = replicas_cpu(&boot.batch());
        let boot_twin_ms = now_ms() - t;

        // R sketches: the CPU solves each in f64; the GPU gathers their rows.
        let runs = p.config.runs;
        let mut rows = Vec::new();
        let mut weights = Vec::new();
        let mut ys = Vec::new();
        let t = now_ms();
        let mut errors = Vec::with_capacity(runs);
        for _ in 0..runs {
            let mut draw = rng.clone();
            let sampled = p.sampled_rows(l, &mut draw);
            let y = p.sketch(l, &mut rng);
            errors.push(p.error(&p.exact, &p.solve(&y)));
            match sampled {
                Some(sampled) => {
                    rows.extend(sampled.iter().map(|&(i, _)| i as f32));
                    weights.extend(sampled.iter().map(|&(_, s)| (s * s) as f32));
                }
                None => {
                    ys.extend(y.iter().map(|&v| v as f32));
                    weights.extend(std::iter::repeat_n(1.0f32, l));
                }
            }
        }
        let true_quantile = svd::quantile(&errors, q_level);
        let sketch_ms = now_ms() - t;
        let (start, _) = p.start_block(&p.exact);
        let gather = !rows.is_empty();
        let sketches = BatchInputs {
            kind: if gather { "gather" } else { "sketches" }.into(),
            y: ys,
            a: if gather { p.matrix_f32() } else { vec![] },
            rows,
            weights,
            start,
            n,
            q,
            l,
        };
        let t = now_ms();
        let (sketch_twin, _) = replicas_cpu(&sketches.batch());
        let sketch_twin_ms = now_ms() - t;
        self.twin =
            Some(Twin { bootstrap: (boot_twin, own, boot_quantile), sketches: (sketch_twin, true_quantile), q });
        to_js(&Bench {
            n,
            boots: p.config.boots,
            l,
            runs,
            bootstrap: Timed { inputs: boot, cpu_quantile: boot_quantile, cpu_ms: boot_ms, twin_ms: boot_twin_ms },
            sketches: Timed {
                inputs: sketches,
                cpu_quantile: true_quantile,
                cpu_ms: sketch_ms,
                twin_ms: sketch_twin_ms,
            },
        })
    }

    /// Compares the GPU's blocks with the twin's, and finishes both
    /// estimates from them (one Rayleigh–Ritz step each, in f64).
    #[wasm_bindgen(js_name = checkGpu)]
    pub fn check_gpu(&self, bootstrap: Vec<f32>, sketches: Vec<f32>) -> Result<JsValue, JsValue> {
        let (SketchRun::Svd { sweep: s, .. }, Some(twin)) = (&self.driver, &self.twin) else {
            return Err(JsValue::from_str("run the CPU side first"));
        };
        let p = &s.problem;
        let q_level = 1.0 - p.config.alpha;
        let (boot_twin, own, boot_cpu) = &twin.bootstrap;
        let (sketch_twin, sketch_cpu) = &twin.sketches;
        to_js(&GpuCheck {
            bootstrap: Check {
                parity: parity_error(&bootstrap, boot_twin),
                gpu_quantile: svd::quantile(&p.block_errors(own, &bootstrap, twin.q), q_level),
                cpu_quantile: *boot_cpu,
            },
            sketches: Check {
                parity: parity_error(&sketches, sketch_twin),
                gpu_quantile: svd::quantile(&p.block_errors(&p.exact, &sketches, twin.q), q_level),
                cpu_quantile: *sketch_cpu,
            },
        })
    }
}
