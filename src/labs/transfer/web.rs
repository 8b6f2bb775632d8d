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
use super::{frozen_depth, pack, transfer, PackedLayer, Pair, ShapeTexture, TransferRun};
use crate::core::driver::Driver;
use crate::core::js::{js_error, now_ms, parse, to_js, to_js_or_null, WebGpu};
use crate::gpu::dense::DenseKernel;
use crate::gpu::Gpu;

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
    /// Each source's tanh layers and linear head, for the GPU's saliency
    /// maps (`null` for CNN sources: the GPU path runs MLPs).
    models: Option<Pair<(Vec<PackedLayer>, PackedLayer)>>,
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

/// Every seed of a transfer link, in the worker: the lab's [`TransferRun`] driver.
#[wasm_bindgen]
pub struct TransferSession {
    driver: TransferRun,
}

const SALIENCY_COUNT: usize = 8;

/// An MLP source's tanh layers and its linear head, packed (`None` for a CNN).
fn split(source: &super::Source) -> Option<(Vec<PackedLayer>, PackedLayer)> {
    let mut layers = pack(&source.mlp()?.layers);
    let head = layers.pop().expect("a head");
    Some((layers, head))
}

#[wasm_bindgen]
impl TransferSession {
    #[wasm_bindgen(constructor)]
    pub fn new(link: &str) -> Result<TransferSession, JsValue> {
        let driver = TransferRun::start(&parse(&super::lab::LAB, link)).map_err(|e| JsValue::from_str(&e))?;
        Ok(TransferSession { driver })
    }

    /// One epoch of both sources, or one sample count of the sweep; `null` once done.
    pub fn step(&mut self) -> Result<JsValue, JsValue> {
        to_js_or_null(self.driver.step(&now_ms))
    }

    /// Where the run stands (`core::driver::Progress`).
    pub fn progress(&self) -> Result<JsValue, JsValue> {
        to_js(&self.driver.progress())
    }

    /// The transfer figure: mean and sd over the seeds finished so far.
    pub fn rows(&self) -> Result<JsValue, JsValue> {
        to_js(&self.driver.rows())
    }

    /// The report `continuum run` prints, once finished (`null` before).
    pub fn report(&self) -> Result<JsValue, JsValue> {
        to_js_or_null(self.driver.finished().then(|| self.driver.report()))
    }

    /// Source accuracies, shape against texture, and saliency maps of the
    /// first seed's sources (once they are trained; `null` before).
    pub fn sources(&self) -> Result<JsValue, JsValue> {
        let run = self.driver.first_run();
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
            models: split(&run.natural).zip(split(&run.robust)).map(|(natural, robust)| Pair { natural, robust }),
        })
    }

    /// Inputs for evaluating the first seed's transfer at the link's `n` on the GPU.
    #[wasm_bindgen(js_name = gpuInputs)]
    pub fn gpu_inputs(&self) -> Result<JsValue, JsValue> {
        let run = self.driver.first_run();
        if !(run.natural.done() && run.robust.done()) {
            return to_js_or_null(None::<()>);
        }
        let config = &self.driver.config;
        let (Some(natural), Some(robust)) = (run.natural.mlp(), run.robust.mlp()) else {
            return to_js(
                &serde_json::json!({ "unsupported": "the GPU check evaluates MLP sources; these are CNNs (arch=cnn)" }),
            );
        };
        let (n, tune, seed) = (config.n, config.tune_last, self.driver.seeds[0]);
        let (acc_n, head_n) = transfer(&run.natural, &run.data, n, tune, seed);
        let (acc_r, head_r) = transfer(&run.robust, &run.data, n, tune, seed);
        let depth = frozen_depth(&run.natural, tune);
        to_js(&GpuInputs {
            natural: pack(&natural.layers[..depth]),
            robust: pack(&robust.layers[..depth]),
            heads: Pair { natural: pack(&head_n.layers), robust: pack(&head_r.layers) },
            x: run.data.target_test.x.iter().map(|&v| v as f32).collect(),
            y: run.data.target_test.y.clone(),
            accuracy: Pair { natural: acc_n, robust: acc_r },
            n,
        })
    }
}
