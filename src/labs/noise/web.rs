//! The noise lab's page face. [`NoiseSession`] runs the link's study in the
//! lab's Web Worker, one small unit per step: a batch of both RNNs or one
//! slice of their evaluation; 64 paths of the stabilisation; one epoch of one
//! classifier or one model's titration curve. [`NoiseGpu`] runs the
//! stabilisation paths (`paths.wgsl`) and the classifiers' hidden layers on
//! the noisy probes (`gpu/dense.wgsl`) on the main thread's WebGPU device.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::ecg::{Beats, CLASSES as BEAT_CLASSES};
use super::paths::{self, Simulation};
use super::paths_kernel::PathsKernel;
use super::robust::{self, expand, unique_conditions};
use super::titrate::{self, Curve, Spec, Trained, Training};
use super::{
    correct, noisy_probes, robust_rows, symmetric_spectrum, trajectory, Config, Pair, RnnConfig, RnnSeed, Study,
    EVAL_CHUNK,
};
use crate::gpu::dense::{pack, DenseKernel, PackedLayer};
use crate::gpu::Gpu;
use crate::labs;
use crate::web::{js_error, to_js, WebGpu};

/// Paths simulated per step in the worker.
const PATHS_PER_STEP: usize = 64;

/// The stabilisation paths and the classifiers' noisy evaluation on the page's WebGPU device.
#[wasm_bindgen]
pub struct NoiseGpu {
    gpu: Rc<Gpu>,
    paths: Rc<RefCell<Option<PathsKernel>>>,
    dense: Rc<RefCell<Option<DenseKernel>>>,
}

/// A classifier for the GPU: its tanh layer and linear head.
#[derive(Serialize, Deserialize)]
struct GpuModel {
    hidden: PackedLayer,
    head: PackedLayer,
    /// Clean predictions on the probes.
    clean: Vec<usize>,
}

/// What the GPU titration needs (from the worker's `gpuInputs`).
#[derive(Serialize, Deserialize)]
struct GpuInputs {
    models: Vec<GpuModel>,
    /// Noisy probes of every level, level-major (`levels × rows × PIXELS`).
    noisy: Vec<f32>,
    levels: usize,
    confidence: f64,
    /// The worker's f64 curves, to compare with.
    cpu: Vec<Vec<f64>>,
}

#[wasm_bindgen]
impl NoiseGpu {
    #[wasm_bindgen(constructor)]
    pub fn new(device: &WebGpu) -> NoiseGpu {
        NoiseGpu { gpu: Rc::clone(&device.gpu), paths: Rc::new(RefCell::new(None)), dense: Rc::new(RefCell::new(None)) }
    }

    /// Every path of the link's stabilisation on the GPU; resolves to its statistics.
    pub fn paths(&self, link: &str) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let slot = Rc::clone(&self.paths);
        let config = Config::from_link(&labs::parse(link).link);
        future_to_promise(async move {
            let sde = config.map_err(|e| JsValue::from_str(&e))?.sde;
            if sde.paths > super::paths_kernel::MAX_PATHS {
                return Err(JsValue::from_str("too many paths for one dispatch"));
            }
            let mut kernel = slot.borrow_mut().take().unwrap_or_else(|| PathsKernel::new(&gpu));
            let records = kernel.run(&gpu, &sde).await;
            *slot.borrow_mut() = Some(kernel);
            to_js(&paths::stats(&sde, &records.map_err(js_error)?))
        })
    }

    /// `T_γ` of every model at every level with the hidden layers on the
    /// GPU (head and softmax here, f32); resolves to `models × levels`.
    pub fn titrate(&self, inputs: JsValue) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let slot = Rc::clone(&self.dense);
        future_to_promise(async move {
            let inputs: GpuInputs = serde_wasm_bindgen::from_value(inputs)?;
            let mut kernel = slot.borrow_mut().take().unwrap_or_else(|| DenseKernel::new(&gpu));
            let result = titrate_on(&gpu, &mut kernel, &inputs).await;
            *slot.borrow_mut() = Some(kernel);
            to_js(&result.map_err(js_error)?)
        })
    }
}

async fn titrate_on(gpu: &Gpu, kernel: &mut DenseKernel, inputs: &GpuInputs) -> Result<Vec<Vec<f64>>, String> {
    let per_level = inputs.noisy.len() / inputs.levels;
    let mut out = Vec::new();
    for model in &inputs.models {
        let (h, head) = (&model.hidden, &model.head);
        let w = Array2::from_shape_vec((h.n_out, h.n_in), h.w.clone()).map_err(|e| e.to_string())?;
        let b = Array1::from(h.b.clone());
        let mut curve = Vec::new();
        for level in 0..inputs.levels {
            let x = Array2::from_shape_vec(
                (per_level / h.n_in, h.n_in),
                inputs.noisy[level * per_level..(level + 1) * per_level].to_vec(),
            )
            .map_err(|e| e.to_string())?;
            let hidden = kernel.run(gpu, w.view(), b.view(), x.view()).await.map_err(|e| e.to_string())?;
            let logits = Array2::from_shape_fn((hidden.nrows(), head.n_out), |(r, o)| {
                (0..head.n_in)
                    .fold(head.b[o] as f64, |s, k| s + head.w[o * head.n_in + k] as f64 * hidden[[r, k]] as f64)
            });
            curve.push(titrate::titration(logits, &model.clean, inputs.confidence).t);
        }
        out.push(curve);
    }
    Ok(out)
}

/// Where the RNN study is.
enum RnnPhase {
    Train,
    /// Condition `c` of the unique conditions (clean first), at sequence `first`.
    Evaluate {
        c: usize,
        first: usize,
        right: [usize; 2],
        data: Option<Beats>,
    },
}

struct RnnState {
    config: RnnConfig,
    seeds: Vec<u64>,
    index: usize,
    run: RnnSeed,
    phase: RnnPhase,
    /// Accuracies of the unique conditions of the current seed.
    current: Vec<[f64; 2]>,
    per_seed: Vec<Vec<[f64; 2]>>,
    first: Option<RnnSeed>,
    divergence: Option<String>,
    /// The first seed's models, described once they are trained.
    models: Option<serde_json::Value>,
}

impl RnnState {
    fn step(&mut self) -> serde_json::Value {
        let seed = self.seeds[self.index];
        match &mut self.phase {
            RnnPhase::Train => {
                let (d, n) = self.run.batch();
                if self.run.done() {
                    for m in [&self.run.deterministic.diverged, &self.run.noisy.diverged].into_iter().flatten() {
                        self.divergence.get_or_insert_with(|| format!("seed {seed}: {m}"));
                    }
                    self.phase = RnnPhase::Evaluate { c: 0, first: 0, right: [0, 0], data: None };
                }
                serde_json::json!({ "kind": "batch", "seed": seed, "deterministic": d, "noisy": n })
            }
            RnnPhase::Evaluate { c, first, right, data } => {
                let conditions = unique_conditions();
                let (kind, level) = conditions[*c];
                let test = data.get_or_insert_with(|| robust::perturb(&self.run.test, kind, level, seed));
                right[0] += correct(&self.run.deterministic.model, test, *first, EVAL_CHUNK);
                right[1] += correct(&self.run.noisy.model, test, *first, EVAL_CHUNK);
                *first += EVAL_CHUNK;
                let total = test.len();
                if *first < total {
                    return serde_json::json!({ "kind": "evaluate", "seed": seed, "condition": *c });
                }
                let acc = [right[0] as f64 / total as f64, right[1] as f64 / total as f64];
                self.current.push(acc);
                let step = serde_json::json!({ "kind": "evaluated", "seed": seed, "perturbation": kind, "level": level, "accuracy": acc });
                if *c + 1 < conditions.len() {
                    self.phase = RnnPhase::Evaluate { c: *c + 1, first: 0, right: [0, 0], data: None };
                } else {
                    self.per_seed.push(expand(&std::mem::take(&mut self.current)));
                    self.index += 1;
                    self.phase = RnnPhase::Train;
                    if let Some(&next) = self.seeds.get(self.index) {
                        let finished = std::mem::replace(&mut self.run, RnnSeed::new(&self.config, next));
                        self.first.get_or_insert(finished);
                    }
                }
                step
            }
        }
    }

    fn done(&self) -> bool {
        self.index >= self.seeds.len()
    }

    fn first_run(&self) -> &RnnSeed {
        self.first.as_ref().unwrap_or(&self.run)
    }
}

struct TitrateState {
    study: titrate::Titration,
    specs: Vec<Spec>,
    test: (Array2<f64>, Vec<usize>),
    probes: Array2<f64>,
    training: Option<Training>,
    trained: Vec<Trained>,
    result: Option<serde_json::Value>,
    /// The noisy probes of every level, once the analysis starts, and the curves so far.
    noisy: Option<Vec<Array2<f64>>>,
    curves: Vec<Curve>,
    /// The curves' `T_γ`, for the GPU comparison.
    cpu_t: Vec<Vec<f64>>,
    analysis_ms: f64,
}

impl TitrateState {
    fn step(&mut self) -> serde_json::Value {
        if self.trained.len() < self.specs.len() {
            let spec = &self.specs[self.trained.len()];
            let training = self.training.get_or_insert_with(|| Training::new(&self.study, spec));
            training.epoch();
            let (index, epoch) = (training.spec.index, training.epoch);
            if training.done() {
                let done = self.training.take().expect("in training").finish(&self.study, &self.test);
                self.trained.push(done);
            }
            return serde_json::json!({ "kind": "epoch", "model": index, "epoch": epoch });
        }
        // The analysis, timed: the noisy probes, one model's curve per step, then the detector.
        let t = js_sys::Date::now();
        let Some(noisy) = &self.noisy else {
            self.noisy = Some(noisy_probes(&self.study, &self.probes));
            self.analysis_ms += js_sys::Date::now() - t;
            return serde_json::json!({ "kind": "probes" });
        };
        if self.curves.len() < self.trained.len() {
            let model = &self.trained[self.curves.len()];
            self.curves.push(titrate::curve(model, &self.probes, noisy, self.study.confidence));
            self.analysis_ms += js_sys::Date::now() - t;
            return serde_json::json!({ "kind": "curve", "model": self.curves.len() - 1 });
        }
        let (roc, auc, targets_found) = titrate::detect(&mut self.curves);
        self.analysis_ms += js_sys::Date::now() - t;
        self.cpu_t = self.curves.iter().map(|c| c.t.clone()).collect();
        let result = serde_json::json!({
            "auc": auc,
            "targets_found": targets_found,
            "backdoored_models": self.study.models,
            "curves": self.curves,
            "roc": roc,
            "levels": titrate::LEVELS,
            "feature_levels": titrate::FEATURES.iter().map(|&i| titrate::LEVELS[i]).collect::<Vec<_>>(),
            "analysis_ms": self.analysis_ms,
            "diverged": self.trained.iter().find_map(|m| m.diverged.clone()),
        });
        self.result = Some(result);
        serde_json::json!({ "kind": "analysis", "ms": self.analysis_ms })
    }
}

enum State {
    Rnn(Box<RnnState>),
    Stabilize(Simulation),
    Titrate(Box<TitrateState>),
}

/// One noise link's study, in the worker.
#[wasm_bindgen]
pub struct NoiseSession {
    config: Config,
    state: State,
}

#[derive(Serialize)]
struct Status {
    study: Study,
    done: bool,
    /// Units of work done and due, for the progress bar.
    progress: [usize; 2],
    label: String,
    divergence: Option<String>,
}

#[wasm_bindgen]
impl NoiseSession {
    #[wasm_bindgen(constructor)]
    pub fn new(link: &str) -> Result<NoiseSession, JsValue> {
        let config = Config::from_link(&labs::parse(link).link).map_err(|e| JsValue::from_str(&e))?;
        let state = match config.study {
            Study::Rnn => {
                let seeds = config.rnn.seeds();
                State::Rnn(Box::new(RnnState {
                    config: config.rnn,
                    run: RnnSeed::new(&config.rnn, seeds[0]),
                    seeds,
                    index: 0,
                    phase: RnnPhase::Train,
                    current: Vec::new(),
                    per_seed: Vec::new(),
                    first: None,
                    divergence: None,
                    models: None,
                }))
            }
            Study::Stabilize => State::Stabilize(Simulation::new(config.sde)),
            Study::Titrate => {
                let (test, probes) = titrate::held_out(&config.titration);
                State::Titrate(Box::new(TitrateState {
                    study: config.titration,
                    specs: config.titration.specs(),
                    test,
                    probes,
                    training: None,
                    trained: Vec::new(),
                    result: None,
                    noisy: None,
                    curves: Vec::new(),
                    cpu_t: Vec::new(),
                    analysis_ms: 0.0,
                }))
            }
        };
        Ok(NoiseSession { config, state })
    }

    fn done(&self) -> bool {
        match &self.state {
            State::Rnn(s) => s.done(),
            State::Stabilize(s) => s.done(),
            State::Titrate(s) => s.result.is_some(),
        }
    }

    /// One unit of work; `null` once done.
    pub fn step(&mut self) -> Result<JsValue, JsValue> {
        if self.done() {
            return Ok(JsValue::NULL);
        }
        let step = match &mut self.state {
            State::Rnn(s) => s.step(),
            State::Stabilize(s) => {
                s.advance(PATHS_PER_STEP);
                serde_json::json!({ "kind": "paths", "done": s.done_paths() })
            }
            State::Titrate(s) => s.step(),
        };
        to_js(&step)
    }

    pub fn status(&self) -> Result<JsValue, JsValue> {
        let done = self.done();
        let (progress, label, divergence) = match &self.state {
            State::Rnn(s) => {
                let batches = s.run.train.len().div_ceil(super::rnn::BATCH) * s.config.epochs;
                let evals = unique_conditions().len() * s.run.test.len().div_ceil(EVAL_CHUNK);
                let per_seed = batches + evals;
                let here = match &s.phase {
                    RnnPhase::Train => s.run.noisy.epoch.max(s.run.deterministic.epoch) * batches / s.config.epochs,
                    RnnPhase::Evaluate { c, first, .. } => {
                        batches + c * s.run.test.len().div_ceil(EVAL_CHUNK) + first / EVAL_CHUNK
                    }
                };
                let label = match &s.phase {
                    _ if done => format!("done: {} seed{}", s.seeds.len(), if s.seeds.len() > 1 { "s" } else { "" }),
                    RnnPhase::Train => format!(
                        "seed {} of {}: epoch {} of {}",
                        s.index + 1,
                        s.seeds.len(),
                        s.run.noisy.epoch.max(s.run.deterministic.epoch),
                        s.config.epochs
                    ),
                    RnnPhase::Evaluate { c, .. } => {
                        format!(
                            "seed {} of {}: evaluating condition {} of {}",
                            s.index + 1,
                            s.seeds.len(),
                            c + 1,
                            unique_conditions().len()
                        )
                    }
                };
                let progress = if done { [1, 1] } else { [s.index * per_seed + here, s.seeds.len() * per_seed] };
                (progress, label, s.divergence.clone())
            }
            State::Stabilize(s) => {
                ([s.done_paths(), s.sde.paths], format!("{} of {} paths", s.done_paths(), s.sde.paths), None)
            }
            State::Titrate(s) => {
                let epochs = s.study.epochs;
                let here = s.trained.len() * epochs + s.training.as_ref().map_or(0, |t| t.epoch);
                let label = if done {
                    "done".to_string()
                } else if s.trained.len() < s.specs.len() {
                    format!("training model {} of {}", s.trained.len() + 1, s.specs.len())
                } else {
                    "titrating".to_string()
                };
                (
                    [here + usize::from(done), s.specs.len() * epochs + 1],
                    label,
                    s.trained.iter().find_map(|m| m.diverged.clone()),
                )
            }
        };
        to_js(&Status { study: self.config.study, done, progress, label, divergence })
    }

    /// The RNN study's numbers so far: clean accuracy and robustness rows
    /// over the seeds finished, and (once the first seed is trained) its
    /// models' spectra, learned step and trajectories.
    #[wasm_bindgen(js_name = rnnResult)]
    pub fn rnn_result(&mut self) -> Result<JsValue, JsValue> {
        let State::Rnn(s) = &mut self.state else { return Ok(JsValue::NULL) };
        if s.models.is_none() && s.first_run().done() {
            let first = s.first_run();
            s.models = Some(serde_json::json!({
                "spectrum": Pair {
                    deterministic: symmetric_spectrum(&first.deterministic.model),
                    noisy: symmetric_spectrum(&first.noisy.model),
                },
                "learned_step": first.noisy.model.d.mean().unwrap_or(0.0),
                "trajectories": Pair {
                    deterministic: trajectory(&first.deterministic.model, &first.test, 0, 6),
                    noisy: trajectory(&first.noisy.model, &first.test, 0, 6),
                },
                "sensitivity": first.sensitivity(),
                "epochs_run": Pair { deterministic: first.deterministic.epoch, noisy: first.noisy.epoch },
            }));
        }
        let rows = if s.per_seed.is_empty() { vec![] } else { robust_rows(&s.per_seed) };
        to_js(&serde_json::json!({ "rows": rows, "models": s.models, "seeds_done": s.per_seed.len() }))
    }

    /// Three training heartbeats of each class: `{length, x, y}`.
    pub fn examples(&self) -> Result<JsValue, JsValue> {
        let State::Rnn(s) = &self.state else { return Ok(JsValue::NULL) };
        let idx: Vec<usize> = (0..3 * BEAT_CLASSES).collect();
        let x: Vec<f64> = idx.iter().flat_map(|&i| s.run.train.sequence(i).to_vec()).collect();
        let y: Vec<usize> = idx.iter().map(|&i| s.run.train.y[i]).collect();
        to_js(&serde_json::json!({ "length": super::ecg::LENGTH, "x": x, "y": y }))
    }

    /// The stabilisation's statistics once every path is done (`null` before).
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        match &self.state {
            State::Stabilize(s) if s.done() => to_js(&paths::stats(&s.sde, &s.records)),
            _ => Ok(JsValue::NULL),
        }
    }

    /// The titration's result once analysed (`null` before).
    #[wasm_bindgen(js_name = titrateResult)]
    pub fn titrate_result(&self) -> Result<JsValue, JsValue> {
        match &self.state {
            State::Titrate(s) => to_js(&s.result),
            _ => Ok(JsValue::NULL),
        }
    }

    /// Example images: clean probes and the same with the trigger (`{side, clean, triggered}`).
    pub fn images(&self) -> Result<JsValue, JsValue> {
        let State::Titrate(s) = &self.state else { return Ok(JsValue::NULL) };
        let count = titrate::CLASSES;
        let clean: Vec<f64> = s.probes.rows().into_iter().take(count).flat_map(|r| r.to_vec()).collect();
        let mut triggered = clean.clone();
        for image in triggered.chunks_exact_mut(titrate::PIXELS) {
            s.study.trigger.stamp(image);
        }
        to_js(
            &serde_json::json!({ "side": titrate::SIDE, "clean": clean, "triggered": triggered, "names": titrate::CLASS_NAMES }),
        )
    }

    /// What the GPU titration needs (once analysed; `null` before).
    #[wasm_bindgen(js_name = gpuInputs)]
    pub fn gpu_inputs(&self) -> Result<JsValue, JsValue> {
        let State::Titrate(s) = &self.state else { return Ok(JsValue::NULL) };
        if s.result.is_none() {
            return Ok(JsValue::NULL);
        }
        let noisy: Vec<f32> = s.noisy.iter().flatten().flat_map(|x| x.iter().map(|&v| v as f32)).collect();
        let models = s
            .trained
            .iter()
            .map(|m| {
                let mut layers = pack(&m.model.layers);
                let head = layers.pop().expect("a head");
                GpuModel { hidden: layers.remove(0), head, clean: titrate::predictions(&m.model, &s.probes) }
            })
            .collect();
        to_js(&GpuInputs {
            models,
            noisy,
            levels: titrate::LEVELS.len(),
            confidence: s.study.confidence,
            cpu: s.cpu_t.clone(),
        })
    }
}

/// The knobs the page shows for `study` (`lab::STUDY_KNOBS`).
#[wasm_bindgen(js_name = studyKnobs)]
pub fn study_knobs(study: &str) -> Vec<String> {
    super::lab::STUDY_KNOBS
        .iter()
        .find(|(name, _)| *name == study)
        .map_or_else(Vec::new, |(_, keys)| keys.iter().map(|k| k.to_string()).collect())
}
