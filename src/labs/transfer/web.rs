//! The transfer lab's page face: [`TransferSession`] trains both sources of
//! every seed and runs the transfer sweep in the lab's Web Worker, one epoch
//! or one sample count per step; [`TransferGpu`] evaluates a source's
//! features of the target test set with the dense kernel (`gpu/dense.wgsl`,
//! one dispatch per tanh layer) on the main thread.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use ndarray::{Array1, Array2};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::data::SIDE;
use super::saliency::SaliencyKernel;
use super::{
    frozen_depth, pack, rows, transfer, Config, EpochStats, PackedLayer, Pair, SeedRun, ShapeTexture, TransferRow,
};
use crate::gpu::dense::DenseKernel;
use crate::gpu::Gpu;
use crate::labs;
use crate::web::{js_error, to_js, to_js_or_null, WebGpu};

/// Source features and saliency maps on the page's WebGPU device.
#[wasm_bindgen]
pub struct TransferGpu {
    gpu: Rc<Gpu>,
    kernel: Rc<RefCell<Option<DenseKernel>>>,
    saliency: Rc<RefCell<Option<SaliencyKernel>>>,
}

#[wasm_bindgen]
impl TransferGpu {
    #[wasm_bindgen(constructor)]
    pub fn new(device: &WebGpu) -> TransferGpu {
        TransferGpu {
            gpu: Rc::clone(&device.gpu),
            kernel: Rc::new(RefCell::new(None)),
            saliency: Rc::new(RefCell::new(None)),
        }
    }

    /// Saliency maps of `x` (`rows × n_in`) with labels `y` through the packed
    /// tanh layers `hidden` and the linear `head` (see `saliency.rs`).
    pub fn saliency(&self, hidden: JsValue, head: JsValue, x: Vec<f32>, y: Vec<u32>) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let slot = Rc::clone(&self.saliency);
        future_to_promise(async move {
            let hidden: Vec<PackedLayer> = serde_wasm_bindgen::from_value(hidden)?;
            let head: PackedLayer = serde_wasm_bindgen::from_value(head)?;
            let y: Vec<usize> = y.iter().map(|&v| v as usize).collect();
            let x = Array2::from_shape_vec((y.len(), hidden[0].n_in), x).map_err(js_error)?;
            let mut kernel = slot.borrow_mut().take().unwrap_or_else(|| SaliencyKernel::new(&gpu));
            let result = kernel.saliency(&gpu, &hidden, &head, x.view(), &y).await;
            *slot.borrow_mut() = Some(kernel);
            Ok(js_sys::Float32Array::from(&result.map_err(js_error)?[..]).into())
        })
    }

    /// `x` (`rows × n_in` of the first layer) through the packed tanh
    /// layers: one dispatch per layer. Resolves to the last layer's output.
    pub fn features(&self, layers: JsValue, x: Vec<f32>) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let slot = Rc::clone(&self.kernel);
        future_to_promise(async move {
            let layers: Vec<PackedLayer> = serde_wasm_bindgen::from_value(layers)?;
            let mut kernel = slot.borrow_mut().take().unwrap_or_else(|| DenseKernel::new(&gpu));
            let rows = x.len() / layers[0].n_in;
            let mut h = Array2::from_shape_vec((rows, layers[0].n_in), x).map_err(js_error)?;
            for l in &layers {
                let w = Array2::from_shape_vec((l.n_out, l.n_in), l.w.clone()).map_err(js_error)?;
                let b = Array1::from(l.b.clone());
                match kernel.run(&gpu, w.view(), b.view(), h.view()).await {
                    Ok(next) => h = next,
                    Err(e) => {
                        *slot.borrow_mut() = Some(kernel);
                        return Err(js_error(e));
                    }
                }
            }
            *slot.borrow_mut() = Some(kernel);
            Ok(js_sys::Float32Array::from(h.as_slice().expect("standard layout")).into())
        })
    }
}

/// What one step did.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Step {
    Epoch { seed: u64, natural: Option<EpochStats>, robust: Option<EpochStats> },
    Transfer { seed: u64, n: usize, natural: f64, robust: f64 },
}

#[derive(Serialize)]
struct Status {
    seed: u64,
    seeds: usize,
    seed_index: usize,
    epoch: usize,
    epochs: usize,
    done: bool,
    divergence: Option<String>,
}

/// The first seed's sources, for the "why" panels.
#[derive(Serialize)]
struct Sources {
    source_accuracy: Pair<f64>,
    shape_vs_texture: Pair<ShapeTexture>,
    side: usize,
    /// A few source test images and each source's saliency for them (`count × PIXELS`).
    images: Vec<f32>,
    saliency: Pair<Vec<f32>>,
    count: usize,
    labels: Vec<usize>,
    /// Each source's tanh layers and linear head, for the GPU's saliency maps.
    models: Pair<(Vec<PackedLayer>, PackedLayer)>,
}

/// What the GPU evaluation needs: both sources' frozen layers, the
/// transferred parts for the link's `n`, the target test set, and the
/// worker's accuracies to compare with.
#[derive(Serialize)]
struct GpuInputs {
    natural: Vec<PackedLayer>,
    robust: Vec<PackedLayer>,
    /// The trained parts (a tanh layer then the linear head, or the head), natural then robust.
    heads: Pair<Vec<PackedLayer>>,
    x: Vec<f32>,
    y: Vec<usize>,
    accuracy: Pair<f64>,
    n: usize,
}

/// Every seed of a transfer link, in the worker.
#[wasm_bindgen]
pub struct TransferSession {
    config: Config,
    seeds: Vec<u64>,
    index: usize,
    run: SeedRun,
    /// Next sample count to transfer with (`None` while the sources train).
    next_n: Option<usize>,
    per_seed: Vec<Vec<[f64; 2]>>,
    divergence: Option<String>,
    first: Option<SeedRun>,
}

const SALIENCY_COUNT: usize = 8;

/// A source's tanh layers and its linear head, packed.
fn split(source: &super::Source) -> (Vec<PackedLayer>, PackedLayer) {
    let mut layers = pack(&source.model.layers);
    let head = layers.pop().expect("a head");
    (layers, head)
}

#[wasm_bindgen]
impl TransferSession {
    #[wasm_bindgen(constructor)]
    pub fn new(link: &str) -> Result<TransferSession, JsValue> {
        let config = Config::from_link(&labs::parse(link).link).map_err(|e| JsValue::from_str(&e))?;
        let seeds: Vec<u64> = (0..config.seeds as u64).map(|i| config.seed + i).collect();
        let run = SeedRun::new(&config, seeds[0]);
        Ok(TransferSession {
            config,
            seeds,
            index: 0,
            run,
            next_n: None,
            per_seed: vec![],
            divergence: None,
            first: None,
        })
    }

    fn done(&self) -> bool {
        self.index >= self.seeds.len()
    }

    /// One epoch of both sources, or one sample count of the sweep; `null` once done.
    pub fn step(&mut self) -> Result<JsValue, JsValue> {
        if self.done() {
            return Ok(JsValue::NULL);
        }
        let seed = self.seeds[self.index];
        let ns = self.config.ns();
        let Some(i) = self.next_n else {
            let natural = self.run.natural.epoch(&self.run.data.source_train);
            let robust = self.run.robust.epoch(&self.run.data.source_train);
            if natural.is_none() && robust.is_none() {
                for d in [&self.run.natural.diverged, &self.run.robust.diverged].into_iter().flatten() {
                    self.divergence.get_or_insert_with(|| format!("seed {seed}: {}", d.message));
                }
                self.next_n = Some(0);
                self.per_seed.push(Vec::new());
            }
            return to_js(&Step::Epoch { seed, natural, robust });
        };
        let n = ns[i];
        let tune = self.config.tune_last;
        let natural = transfer(&self.run.natural, &self.run.data, n, tune, seed).0;
        let robust = transfer(&self.run.robust, &self.run.data, n, tune, seed).0;
        self.per_seed.last_mut().expect("a row per seed").push([natural, robust]);
        if i + 1 < ns.len() {
            self.next_n = Some(i + 1);
        } else {
            self.index += 1;
            self.next_n = None;
            let next = self.seeds.get(self.index).map(|&s| SeedRun::new(&self.config, s));
            if let Some(next) = next {
                let finished = std::mem::replace(&mut self.run, next);
                self.first.get_or_insert(finished);
            }
        }
        to_js(&Step::Transfer { seed, n, natural, robust })
    }

    pub fn status(&self) -> Result<JsValue, JsValue> {
        to_js(&Status {
            seed: self.seeds[self.index.min(self.seeds.len() - 1)],
            seeds: self.seeds.len(),
            seed_index: self.index,
            epoch: self.run.natural.epoch.max(self.run.robust.epoch),
            epochs: self.config.epochs,
            done: self.done(),
            divergence: self.divergence.clone(),
        })
    }

    /// The transfer figure: mean and sd over the seeds finished so far.
    pub fn rows(&self) -> Result<JsValue, JsValue> {
        let ns = self.config.ns();
        let complete: Vec<Vec<[f64; 2]>> = self.per_seed.iter().filter(|r| r.len() == ns.len()).cloned().collect();
        let out: Vec<TransferRow> = if complete.is_empty() { vec![] } else { rows(&ns, &complete) };
        to_js(&out)
    }

    fn first_run(&self) -> &SeedRun {
        self.first.as_ref().unwrap_or(&self.run)
    }

    /// Source accuracies, shape against texture, and saliency maps of the
    /// first seed's sources (once they are trained; `null` before).
    pub fn sources(&self) -> Result<JsValue, JsValue> {
        let run = self.first_run();
        if !(run.natural.done() && run.robust.done()) {
            return Ok(JsValue::NULL);
        }
        let data = &run.data.source_test;
        let f32s = |a: Array2<f64>| a.iter().map(|&v| v as f32).collect::<Vec<f32>>();
        to_js(&Sources {
            source_accuracy: Pair { natural: run.natural.accuracy(data), robust: run.robust.accuracy(data) },
            shape_vs_texture: Pair { natural: run.shape_texture(&run.natural), robust: run.shape_texture(&run.robust) },
            side: SIDE,
            images: data.x.slice(ndarray::s![..SALIENCY_COUNT, ..]).iter().map(|&v| v as f32).collect(),
            saliency: Pair {
                natural: f32s(run.natural.saliency(data, SALIENCY_COUNT)),
                robust: f32s(run.robust.saliency(data, SALIENCY_COUNT)),
            },
            count: SALIENCY_COUNT,
            labels: data.y[..SALIENCY_COUNT].to_vec(),
            models: Pair { natural: split(&run.natural), robust: split(&run.robust) },
        })
    }

    /// Inputs for evaluating the first seed's transfer at the link's `n` on the GPU.
    #[wasm_bindgen(js_name = gpuInputs)]
    pub fn gpu_inputs(&self) -> Result<JsValue, JsValue> {
        let run = self.first_run();
        if !(run.natural.done() && run.robust.done()) {
            return to_js_or_null(None::<()>);
        }
        let (n, tune, seed) = (self.config.n, self.config.tune_last, self.seeds[0]);
        let (acc_n, head_n) = transfer(&run.natural, &run.data, n, tune, seed);
        let (acc_r, head_r) = transfer(&run.robust, &run.data, n, tune, seed);
        let depth = frozen_depth(&run.natural, tune);
        to_js(&GpuInputs {
            natural: pack(&run.natural.model.layers[..depth]),
            robust: pack(&run.robust.model.layers[..depth]),
            heads: Pair { natural: pack(&head_n.layers), robust: pack(&head_r.layers) },
            x: run.data.target_test.x.iter().map(|&v| v as f32).collect(),
            y: run.data.target_test.y.clone(),
            accuracy: Pair { natural: acc_n, robust: acc_r },
            n,
        })
    }
}
