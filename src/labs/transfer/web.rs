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
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::data::SIDE;
use super::saliency::{head_gradient, SaliencyKernel};
use super::{frozen_depth, pack, transfer, PackedLayer, Pair, ShapeTexture, Source, TransferRun};
use crate::core::driver::Driver;
use crate::core::js::{js_error, now_ms, parse, to_js, to_js_or_null, WebGpu};
use crate::gpu::cnn::{Device, PackedCnn};
use crate::gpu::conv::ConvKernel;
use crate::gpu::dense::DenseKernel;
use crate::gpu::Gpu;
use crate::num::cnn::Classifier;

/// The part of a source below the layer being read, in f32 as the GPU runs
/// it: an MLP's first tanh layers, or a CNN's convolutional stages.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Frozen {
    Mlp(Vec<PackedLayer>),
    Cnn(PackedCnn),
}

impl Frozen {
    /// What gives the features at an MLP's hidden layer `depth` (all of a CNN's stages).
    fn of(source: &Source, depth: usize) -> Frozen {
        match &source.model {
            Classifier::Mlp(m) => Frozen::Mlp(pack(&m.layers[..depth])),
            Classifier::Cnn(c) => Frozen::Cnn(PackedCnn::new(c)),
        }
    }
}

/// A source as its saliency maps need it: everything below the head, and the head.
fn split(source: &Source) -> (Frozen, PackedLayer) {
    let (depth, head) = match &source.model {
        Classifier::Mlp(m) => (m.layers.len() - 1, pack(&m.layers[m.layers.len() - 1..])),
        Classifier::Cnn(c) => (0, pack(&c.head.layers)),
    };
    (Frozen::of(source, depth), head.into_iter().next().expect("a source has a one-layer head"))
}

/// Source features and saliency maps on the page's WebGPU device.
#[wasm_bindgen]
pub struct TransferGpu {
    gpu: Rc<Gpu>,
    kernel: Rc<RefCell<Option<DenseKernel>>>,
    saliency: Rc<RefCell<Option<SaliencyKernel>>>,
    conv: Rc<RefCell<Option<ConvKernel>>>,
}

#[wasm_bindgen]
impl TransferGpu {
    #[wasm_bindgen(constructor)]
    pub fn new(device: &WebGpu) -> TransferGpu {
        TransferGpu {
            gpu: Rc::clone(&device.gpu),
            kernel: Rc::new(RefCell::new(None)),
            saliency: Rc::new(RefCell::new(None)),
            conv: Rc::new(RefCell::new(None)),
        }
    }

    /// Saliency maps of `x` (`rows × pixels`) with labels `y`: the gradient
    /// of the summed cross-entropy through `frozen` (a `Frozen`) and the
    /// linear `head`; the MLP's tanh layers with `saliency.wgsl`, a CNN's
    /// stages with `conv.wgsl` (the head and softmax on the host for both).
    pub fn saliency(&self, frozen: JsValue, head: JsValue, x: Vec<f32>, y: Vec<u32>) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let (dense, conv) = (Rc::clone(&self.saliency), Rc::clone(&self.conv));
        future_to_promise(async move {
            let frozen: Frozen = serde_wasm_bindgen::from_value(frozen)?;
            let head: PackedLayer = serde_wasm_bindgen::from_value(head)?;
            let y: Vec<usize> = y.iter().map(|&v| v as usize).collect();
            let maps = match frozen {
                Frozen::Mlp(hidden) => {
                    let x = Array2::from_shape_vec((y.len(), hidden[0].n_in), x).map_err(js_error)?;
                    let mut kernel = dense.borrow_mut().take().unwrap_or_else(|| SaliencyKernel::new(&gpu));
                    let maps = kernel.saliency(&gpu, &hidden, &head, x.view(), &y).await;
                    *dense.borrow_mut() = Some(kernel);
                    maps
                }
                Frozen::Cnn(cnn) => {
                    let mut kernel = conv.borrow_mut().take().unwrap_or_else(|| ConvKernel::new(&gpu));
                    let mut device = Device::Gpu(&gpu, &mut kernel);
                    let maps = match cnn.features(&mut device, &x).await {
                        Ok((features, stages)) => {
                            cnn.input_gradient(&mut device, &stages, head_gradient(&features, &head, &y)).await
                        }
                        Err(e) => Err(e),
                    };
                    *conv.borrow_mut() = Some(kernel);
                    maps
                }
            };
            Ok(js_sys::Float32Array::from(&maps.map_err(js_error)?[..]).into())
        })
    }

    /// `x` (`rows × n_in` of the first layer) through `frozen` (a `Frozen`):
    /// one dispatch per tanh layer or convolution. Resolves to the features.
    pub fn features(&self, frozen: JsValue, x: Vec<f32>) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let (dense, conv) = (Rc::clone(&self.kernel), Rc::clone(&self.conv));
        future_to_promise(async move {
            let features = match serde_wasm_bindgen::from_value(frozen)? {
                Frozen::Mlp(layers) => {
                    let mut kernel = dense.borrow_mut().take().unwrap_or_else(|| DenseKernel::new(&gpu));
                    let features = dense_layers(&gpu, &mut kernel, &layers, x).await;
                    *dense.borrow_mut() = Some(kernel);
                    features
                }
                Frozen::Cnn(cnn) => {
                    let mut kernel = conv.borrow_mut().take().unwrap_or_else(|| ConvKernel::new(&gpu));
                    let features = cnn.features(&mut Device::Gpu(&gpu, &mut kernel), &x).await.map(|(f, _)| f);
                    *conv.borrow_mut() = Some(kernel);
                    features.map_err(js_error)
                }
            };
            Ok(js_sys::Float32Array::from(&features?[..]).into())
        })
    }
}

/// `x` through the tanh layers `layers` with the dense kernel.
async fn dense_layers(
    gpu: &Gpu,
    kernel: &mut DenseKernel,
    layers: &[PackedLayer],
    x: Vec<f32>,
) -> Result<Vec<f32>, JsValue> {
    let rows = x.len() / layers[0].n_in;
    let mut h = Array2::from_shape_vec((rows, layers[0].n_in), x).map_err(js_error)?;
    for l in layers {
        let w = Array2::from_shape_vec((l.n_out, l.n_in), l.w.clone()).map_err(js_error)?;
        h = kernel.run(gpu, w.view(), Array1::from(l.b.clone()).view(), h.view()).await.map_err(js_error)?;
    }
    Ok(h.into_iter().collect())
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
    models: Pair<(Frozen, PackedLayer)>,
}

/// What the GPU evaluation needs: both sources' frozen parts, the
/// transferred parts for the link's `n`, the target test set, and the
/// worker's accuracies to compare with.
#[derive(Serialize)]
struct GpuInputs {
    natural: Frozen,
    robust: Frozen,
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
            models: Pair { natural: split(&run.natural), robust: split(&run.robust) },
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
            natural: Frozen::of(&run.natural, depth),
            robust: Frozen::of(&run.robust, depth),
            heads: Pair { natural: pack(&head_n.layers), robust: pack(&head_r.layers) },
            x: run.data.target_test.x.iter().map(|&v| v as f32).collect(),
            y: run.data.target_test.y.clone(),
            accuracy: Pair { natural: acc_n, robust: acc_r },
            n,
        })
    }
}
