//! The transfer lab's page face: [`TransferSession`] trains both sources of
//! every seed and runs the transfer sweep in the lab's Web Worker, one epoch
//! or one sample count per step; [`TransferGpu`] evaluates a source's
//! features of the target test set and its saliency maps on the main
//! thread's GPU: an MLP source with the dense kernel (`gpu/dense.wgsl`, one
//! dispatch per tanh layer) and `saliency.wgsl`, a CNN source with the
//! convolution kernel's stages (`gpu::cnn`).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use ndarray::Array2;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::data::SIDE;
use super::saliency::{head_gradient, SaliencyKernel};
use super::{frozen_depth, pack, transfer, PackedLayer, Pair, ShapeTexture, TransferRun};
use crate::core::driver::Driver;
use crate::core::js::{js_error, now_ms, parse, to_js, to_js_or_null, WebGpu};
use crate::gpu::cnn::{Body, Device, Kernels};
use crate::gpu::Gpu;

/// Source features and saliency maps on the page's WebGPU device.
#[wasm_bindgen]
pub struct TransferGpu {
    gpu: Rc<Gpu>,
    kernels: Rc<RefCell<Kernels>>,
    saliency: Rc<RefCell<Option<SaliencyKernel>>>,
}

#[wasm_bindgen]
impl TransferGpu {
    #[wasm_bindgen(constructor)]
    pub fn new(device: &WebGpu) -> TransferGpu {
        TransferGpu { gpu: Rc::clone(&device.gpu), kernels: Rc::default(), saliency: Rc::new(RefCell::new(None)) }
    }

    /// Saliency maps of `x` (`rows × pixels`) with labels `y`: the gradient
    /// of the summed cross-entropy through `body` (a `gpu::cnn::Body`) and
    /// the linear `head`; an MLP's tanh layers with `saliency.wgsl`, a CNN's
    /// stages with `conv.wgsl` (the head and softmax on the host for both).
    pub fn saliency(&self, body: JsValue, head: JsValue, x: Vec<f32>, y: Vec<u32>) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let (dense, kernels) = (Rc::clone(&self.saliency), Rc::clone(&self.kernels));
        future_to_promise(async move {
            let body: Body = serde_wasm_bindgen::from_value(body)?;
            let head: PackedLayer = serde_wasm_bindgen::from_value(head)?;
            let y: Vec<usize> = y.iter().map(|&v| v as usize).collect();
            let maps = match body {
                Body::Mlp(hidden) => {
                    let x = Array2::from_shape_vec((y.len(), hidden[0].n_in), x).map_err(js_error)?;
                    let mut kernel = dense.borrow_mut().take().unwrap_or_else(|| SaliencyKernel::new(&gpu));
                    let maps = kernel.saliency(&gpu, &hidden, &head, x.view(), &y).await;
                    *dense.borrow_mut() = Some(kernel);
                    maps
                }
                Body::Cnn(cnn) => {
                    let mut held = kernels.take();
                    let mut device = Device::Gpu(&gpu, held.conv(&gpu));
                    let maps = match cnn.features(&mut device, &x).await {
                        Ok((features, stages)) => {
                            cnn.input_gradient(&mut device, &stages, head_gradient(&features, &head, &y)).await
                        }
                        Err(e) => Err(e),
                    };
                    kernels.replace(held);
                    maps
                }
            };
            Ok(js_sys::Float32Array::from(&maps.map_err(js_error)?[..]).into())
        })
    }

    /// `x` (rows of the body's input) through `body` (a `gpu::cnn::Body`):
    /// one dispatch per tanh layer or convolution. Resolves to the features.
    pub fn features(&self, body: JsValue, x: Vec<f32>) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let kernels = Rc::clone(&self.kernels);
        future_to_promise(async move {
            let body: Body = serde_wasm_bindgen::from_value(body)?;
            let mut held = kernels.take();
            let features = body.features(&gpu, &mut held, &x).await;
            kernels.replace(held);
            Ok(js_sys::Float32Array::from(&features.map_err(js_error)?[..]).into())
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
    /// Each source below its head, and its linear head, for the GPU's saliency maps.
    models: Pair<(Body, PackedLayer)>,
}

/// What the GPU evaluation needs: both sources' frozen parts, the
/// transferred parts for the link's `n`, the target test set, and the
/// worker's accuracies to compare with.
#[derive(Serialize)]
struct GpuInputs {
    natural: Body,
    robust: Body,
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
            models: Pair { natural: Body::split(&run.natural.model), robust: Body::split(&run.robust.model) },
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
        let (n, tune, seed) = (config.n, config.tune_last, self.driver.seeds[0]);
        let (acc_n, head_n) = transfer(&run.natural, &run.data, n, tune, seed);
        let (acc_r, head_r) = transfer(&run.robust, &run.data, n, tune, seed);
        let depth = frozen_depth(&run.natural, tune);
        to_js(&GpuInputs {
            natural: Body::of(&run.natural.model, depth),
            robust: Body::of(&run.robust.model, depth),
            heads: Pair { natural: pack(&head_n.layers), robust: pack(&head_r.layers) },
            x: run.data.target_test.x.iter().map(|&v| v as f32).collect(),
            y: run.data.target_test.y.clone(),
            accuracy: Pair { natural: acc_n, robust: acc_r },
            n,
        })
    }
}
