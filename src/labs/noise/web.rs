//! The noise lab's page face. [`NoiseSession`] runs the link's study's
//! driver (`driver.rs`) in the lab's Web Worker, one unit per step. [`NoiseGpu`] runs the
//! stabilisation paths (`paths_kernel.wgsl`) and the classifiers below their heads on
//! the noisy probes (an MLP's tanh layer with `gpu/dense.wgsl`, a CNN's stages with
//! `gpu/conv.wgsl`) on the main thread's WebGPU device.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::driver::{NoiseRun, RnnModels};
use super::ecg::CLASSES as BEAT_CLASSES;
use super::paths;
use super::paths_kernel::PathsKernel;
use super::titrate;
use super::{robust_rows, Config, NoisyAccuracy, NoisyModels, RobustRow, Study};
use crate::core::driver::{Driver, Progress};
use crate::core::js::{js_error, now_ms, parse, to_js, to_js_or_null, WebGpu};
use crate::gpu::cnn::{Body, Kernels};
use crate::gpu::dense::PackedLayer;
use crate::gpu::Gpu;

/// The noisy models of an RNN link, trained in a worker of their own
/// beside the [`NoiseSession`] that trains the deterministic ones.
#[wasm_bindgen]
pub struct NoisyTrainer {
    models: NoisyModels,
}

#[wasm_bindgen]
impl NoisyTrainer {
    #[wasm_bindgen(constructor)]
    pub fn new(link: &str) -> Result<NoisyTrainer, JsValue> {
        let config = Config::from_link(&parse(&super::lab::LAB, link)).map_err(|e| js_error(&e))?;
        Ok(NoisyTrainer { models: NoisyModels::new(config.rnn) })
    }

    /// One batch or chunk of evaluation: `{seed, stats, trained, evaluated}`
    /// (`stats` when an epoch ended, `trained` when the seed's model is done,
    /// `evaluated: {condition, accuracy}` when a perturbed test set is); `null`
    /// once all are.
    pub fn batch(&mut self) -> Result<JsValue, JsValue> {
        // Not `to_js`: JSON has no NaN, and a diverged model's weights may hold some.
        match self.models.batch() {
            Some(b) => serde_wasm_bindgen::to_value(&b).map_err(js_error),
            None => Ok(JsValue::NULL),
        }
    }
}

/// The stabilisation paths and the classifiers' noisy evaluation on the page's WebGPU device.
#[wasm_bindgen]
pub struct NoiseGpu {
    gpu: Rc<Gpu>,
    paths: Rc<RefCell<Option<PathsKernel>>>,
    kernels: Rc<RefCell<Kernels>>,
}

/// A classifier for the GPU: below its head, and its linear head.
#[derive(Serialize, Deserialize)]
struct GpuModel {
    body: Body,
    head: PackedLayer,
    /// Clean predictions on the probes.
    clean: Vec<usize>,
}

/// What the GPU titration needs (from the worker's `gpuInputs`).
#[derive(Serialize, Deserialize)]
struct GpuInputs {
    models: Vec<GpuModel>,
    /// Noisy probes of every level, level-major (`levels × rows × channels·PIXELS`).
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
        NoiseGpu { gpu: Rc::clone(&device.gpu), paths: Rc::new(RefCell::new(None)), kernels: Rc::default() }
    }

    /// Every path of the link's stabilisation on the GPU; resolves to its statistics.
    pub fn paths(&self, link: &str) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let slot = Rc::clone(&self.paths);
        let config = Config::from_link(&parse(&super::lab::LAB, link));
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

    /// `T_γ` of every model at every level with the models below their
    /// heads on the GPU (head and softmax here); resolves to `models × levels`.
    pub fn titrate(&self, inputs: JsValue) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let kernels = Rc::clone(&self.kernels);
        future_to_promise(async move {
            let inputs: GpuInputs = serde_wasm_bindgen::from_value(inputs)?;
            let mut held = kernels.take();
            let result = titrate_on(&gpu, &mut held, &inputs).await;
            kernels.replace(held);
            to_js(&result.map_err(js_error)?)
        })
    }
}

async fn titrate_on(gpu: &Gpu, kernels: &mut Kernels, inputs: &GpuInputs) -> Result<Vec<Vec<f64>>, String> {
    let per_level = inputs.noisy.len() / inputs.levels;
    let mut out = Vec::new();
    for model in &inputs.models {
        let head = &model.head;
        let mut curve = Vec::new();
        for level in 0..inputs.levels {
            let x = &inputs.noisy[level * per_level..(level + 1) * per_level];
            let features = model.body.features(gpu, kernels, x).await.map_err(|e| e.to_string())?;
            let rows = features.len() / head.n_in;
            let logits = Array2::from_shape_fn((rows, head.n_out), |(r, o)| {
                (0..head.n_in).fold(head.b[o] as f64, |s, k| {
                    s + head.w[o * head.n_in + k] as f64 * features[r * head.n_in + k] as f64
                })
            });
            curve.push(titrate::titration(logits, &model.clean, inputs.confidence).t);
        }
        out.push(curve);
    }
    Ok(out)
}

/// One noise link's study, in the worker: the lab's [`NoiseRun`] driver.
#[wasm_bindgen]
pub struct NoiseSession {
    study: Study,
    driver: NoiseRun,
}

/// Where the run stands, and which study it is.
#[derive(Serialize)]
struct Status {
    study: Study,
    #[serde(flatten)]
    progress: Progress,
}

/// Training heartbeats, for the page's examples chart.
#[derive(Serialize)]
struct Examples {
    length: usize,
    /// `length` samples of each heartbeat, one after another.
    x: Vec<f64>,
    y: Vec<usize>,
}

/// Clean probes and the same with the trigger, one per class.
#[derive(Serialize)]
struct Images {
    side: usize,
    /// 1 (grey) or 3 (colour, channel-major).
    channels: usize,
    clean: Vec<f64>,
    triggered: Vec<f64>,
    names: [&'static str; titrate::CLASSES],
}

/// The RNN study's numbers so far.
#[derive(Serialize)]
struct RnnResult {
    rows: Vec<RobustRow>,
    models: Option<RnnModels>,
    seeds_done: usize,
}

#[wasm_bindgen]
impl NoiseSession {
    #[wasm_bindgen(constructor)]
    pub fn new(link: &str) -> Result<NoiseSession, JsValue> {
        let link = parse(&super::lab::LAB, link);
        let study = Config::from_link(&link).map_err(|e| JsValue::from_str(&e))?.study;
        Ok(NoiseSession { study, driver: NoiseRun::start(&link).map_err(|e| JsValue::from_str(&e))? })
    }

    /// One unit of work (`driver::Step`); `null` once done.
    pub fn step(&mut self) -> Result<JsValue, JsValue> {
        to_js_or_null(self.driver.step(&now_ms))
    }

    /// `{study, done, total, label, finished, divergence}`: the driver's `Progress` and the study.
    pub fn progress(&self) -> Result<JsValue, JsValue> {
        to_js(&Status { study: self.study, progress: self.driver.progress() })
    }

    /// The report `continuum run` prints for this link (`null` until the study is done).
    pub fn report(&self) -> Result<JsValue, JsValue> {
        to_js_or_null(self.driver.progress().finished.then(|| self.driver.report()))
    }

    /// The RNN study's numbers so far: clean accuracy and robustness rows
    /// over the seeds finished, and, when `with_models` and once the first
    /// seed is trained, its models' spectra, learned step, trajectories and
    /// sensitivity. Those never change once trained and cost about 0.3 s
    /// (the sensitivity's gradients on 500 sequences): the worker asks for
    /// them once.
    #[wasm_bindgen(js_name = rnnResult)]
    pub fn rnn_result(&self, with_models: bool) -> Result<JsValue, JsValue> {
        let NoiseRun::Rnn(r) = &self.driver else { return Ok(JsValue::NULL) };
        let rows = if r.per_seed.is_empty() { vec![] } else { robust_rows(&r.per_seed) };
        let models = if with_models { r.models() } else { None };
        to_js(&RnnResult { rows, models, seeds_done: r.per_seed.len() })
    }

    /// Trains and evaluates only the deterministic models from now on and
    /// waits for the noisy ones from `adoptNoisy` and their accuracies from
    /// `adoptNoisyAccuracy` (a second worker trains and evaluates them with
    /// [`NoisyTrainer`]); the numbers are the same (`RnnRun::train_noisy_elsewhere`).
    /// False (and nothing changes) unless this is the RNN study with
    /// training noise: without it the two models are one, trained here.
    #[wasm_bindgen(js_name = trainNoisyElsewhere)]
    pub fn train_noisy_elsewhere(&mut self) -> bool {
        match &mut self.driver {
            NoiseRun::Rnn(r) => r.train_noisy_elsewhere(),
            _ => false,
        }
    }

    /// Seed `seed`'s noisy model, as `NoisyTrainer.batch()` gave it (`trained`).
    #[wasm_bindgen(js_name = adoptNoisy)]
    pub fn adopt_noisy(&mut self, seed: f64, trained: JsValue) -> Result<(), JsValue> {
        let NoiseRun::Rnn(r) = &mut self.driver else { return Err(js_error("adoptNoisy: not the rnn study")) };
        let trained = serde_wasm_bindgen::from_value(trained).map_err(|e| js_error(format!("adoptNoisy: {e}")))?;
        r.adopt_noisy(seed as u64, trained).map_err(js_error)
    }

    /// Seed `seed`'s noisy model's accuracy on unique condition `condition`,
    /// as `NoisyTrainer.batch()` gave it (`evaluated`).
    #[wasm_bindgen(js_name = adoptNoisyAccuracy)]
    pub fn adopt_noisy_accuracy(&mut self, seed: f64, condition: usize, accuracy: f64) -> Result<(), JsValue> {
        let NoiseRun::Rnn(r) = &mut self.driver else { return Err(js_error("adoptNoisyAccuracy: not the rnn study")) };
        r.adopt_noisy_accuracy(seed as u64, NoisyAccuracy { condition, accuracy });
        Ok(())
    }

    /// Training or evaluation waits for a noisy model, or its accuracy, from the other worker.
    pub fn waiting(&self) -> bool {
        matches!(&self.driver, NoiseRun::Rnn(r) if r.waiting())
    }

    /// Three training heartbeats of each class: `{length, x, y}`.
    pub fn examples(&self) -> Result<JsValue, JsValue> {
        let NoiseRun::Rnn(r) = &self.driver else { return Ok(JsValue::NULL) };
        let s = &r.run;
        let idx: Vec<usize> = (0..3 * BEAT_CLASSES).collect();
        let x: Vec<f64> = idx.iter().flat_map(|&i| s.train.sequence(i).to_vec()).collect();
        let y: Vec<usize> = idx.iter().map(|&i| s.train.y[i]).collect();
        to_js(&Examples { length: super::ecg::LENGTH, x, y })
    }

    /// The stabilisation's statistics once every path is done (`null` before).
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        match &self.driver {
            NoiseRun::Stabilize(s) if s.simulation.done() => {
                to_js(&paths::stats(&s.simulation.sde, &s.simulation.records))
            }
            _ => Ok(JsValue::NULL),
        }
    }

    /// The titration's result once analysed (`null` before).
    #[wasm_bindgen(js_name = titrateResult)]
    pub fn titrate_result(&self) -> Result<JsValue, JsValue> {
        match &self.driver {
            NoiseRun::Titrate(t) => to_js_or_null(t.result()),
            _ => Ok(JsValue::NULL),
        }
    }

    /// Example images: clean probes and the same with the trigger (`{side, clean, triggered}`).
    pub fn images(&self) -> Result<JsValue, JsValue> {
        let NoiseRun::Titrate(s) = &self.driver else { return Ok(JsValue::NULL) };
        let count = titrate::CLASSES;
        let clean: Vec<f64> = s.probes.rows().into_iter().take(count).flat_map(|r| r.to_vec()).collect();
        let mut triggered = clean.clone();
        // The first backdoored model's trigger (each has its own colour).
        let colour = s.study.trigger_colour(&s.study.specs()[s.study.models]);
        for image in triggered.chunks_exact_mut(s.study.inputs()) {
            s.study.trigger.stamp(image, &colour);
        }
        let channels = s.study.channels;
        to_js(&Images { side: titrate::SIDE, channels, clean, triggered, names: titrate::CLASS_NAMES })
    }

    /// What the GPU titration needs (once analysed; `null` before).
    #[wasm_bindgen(js_name = gpuInputs)]
    pub fn gpu_inputs(&self) -> Result<JsValue, JsValue> {
        let NoiseRun::Titrate(s) = &self.driver else { return Ok(JsValue::NULL) };
        let Some(result) = s.result() else { return Ok(JsValue::NULL) };
        // The Gaussian levels (the erased probes, last, stay on the CPU).
        let levels = s.noisy.iter().flatten().take(titrate::LEVELS.len());
        let noisy: Vec<f32> = levels.flat_map(|x| x.iter().map(|&v| v as f32)).collect();
        let mut models = Vec::new();
        for m in &s.trained {
            let (body, head) = Body::split(&m.model);
            models.push(GpuModel { body, head, clean: titrate::predictions(&m.model, &s.probes) });
        }
        to_js(&GpuInputs {
            models,
            noisy,
            levels: titrate::LEVELS.len(),
            confidence: s.study.confidence,
            cpu: result.curves.iter().map(|c| c.t.clone()).collect(),
        })
    }
}
