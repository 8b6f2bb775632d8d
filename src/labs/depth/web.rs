//! The depth lab's page face: [`DepthSession`] trains in the lab's Web
//! Worker; [`DepthGpu`] draws the decision boundary with `kernel.wgsl` on the
//! main thread, which owns the WebGPU device, and evaluates an image model's
//! test images with `gpu/conv.wgsl` (`image_kernel.rs`).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::data::{self, Dataset};
use super::image::ImageModel;
use super::image_kernel::PackedImages;
use super::kernel::{self, DepthKernel, Packed};
use super::{Config, DepthRun, Net, Step, Trainer};
use crate::core::driver::Driver;
use crate::core::js::{js_error, now_ms, parse, to_js, to_js_or_null, WebGpu};
use crate::gpu::cnn::Device;
use crate::gpu::conv::ConvKernel;
use crate::gpu::Gpu;
use crate::num::basis::{Basis, Family};
use crate::num::ode::Tableau;

/// The depth kernel on the page's WebGPU device, and the image model's
/// convolutions (`image_kernel.rs`).
#[wasm_bindgen]
pub struct DepthGpu {
    gpu: Rc<Gpu>,
    kernel: Rc<RefCell<Option<DepthKernel>>>,
    conv: Rc<RefCell<Option<ConvKernel>>>,
}

#[wasm_bindgen]
impl DepthGpu {
    #[wasm_bindgen(constructor)]
    pub fn new(device: &WebGpu) -> DepthGpu {
        DepthGpu { gpu: Rc::clone(&device.gpu), kernel: Rc::new(RefCell::new(None)), conv: Rc::new(RefCell::new(None)) }
    }

    /// Logits of a packed depth model over a `res × res` grid of
    /// [-1.5, 1.5]² (row-major, top row first), computed by `kernel.wgsl`.
    pub fn grid(&self, packed: JsValue, res: usize) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let slot = Rc::clone(&self.kernel);
        future_to_promise(async move {
            let packed: Packed = serde_wasm_bindgen::from_value(packed)?;
            let points = kernel::grid(res, -GRID_EXTENT, GRID_EXTENT);
            let mut kernel = slot.borrow_mut().take().unwrap_or_else(|| DepthKernel::new(&gpu));
            let result = kernel.eval(&gpu, &packed, &points, false).await;
            *slot.borrow_mut() = Some(kernel);
            let out = result.map_err(js_error)?;
            Ok(js_sys::Float32Array::from(&out.logits[..]).into())
        })
    }

    /// Class scores (`n × classes`) of images `x` (`n × side²`) under a
    /// packed image model (`DepthSession::packedImages`), its convolutions
    /// on the GPU.
    pub fn images(&self, packed: JsValue, x: Vec<f32>) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let slot = Rc::clone(&self.conv);
        future_to_promise(async move {
            let packed: PackedImages = serde_wasm_bindgen::from_value(packed)?;
            let mut kernel = slot.borrow_mut().take().unwrap_or_else(|| ConvKernel::new(&gpu));
            let result = packed.logits(&mut Device::Gpu(&gpu, &mut kernel), &x).await;
            *slot.borrow_mut() = Some(kernel);
            Ok(js_sys::Float32Array::from(&result.map_err(js_error)?[..]).into())
        })
    }
}

/// A depth-lab training run in this wasm instance (the page runs it in a Web
/// Worker): advance an epoch at a time; evaluate the current model under
/// other integrators, step counts and bases without retraining.
#[wasm_bindgen]
pub struct DepthSession {
    /// Always a classifier run, on points or images (the constructor
    /// rejects the pendulum study).
    driver: DepthRun,
}

/// The session's trainer, whichever model it trains.
enum Any<'a> {
    Points(&'a Trainer),
    Images(&'a Trainer<ImageModel>),
}

/// Calls `$body` with `$t` bound to the session's trainer, of either model.
macro_rules! with_trainer {
    ($session:expr, $t:ident => $body:expr) => {
        match $session.any() {
            Any::Points($t) => $body,
            Any::Images($t) => $body,
        }
    };
}

impl DepthSession {
    fn any(&self) -> Any<'_> {
        match &self.driver {
            DepthRun::Classifier(c) => Any::Points(&c.trainer),
            DepthRun::Image(c) => Any::Images(&c.trainer),
            DepthRun::Pendulum(_) => unreachable!("DepthSession::new takes classifier links only"),
        }
    }

    /// The dense model's trainer: the decision boundary, the hidden states'
    /// flow and the weights' JSON are of models on points.
    fn points_trainer(&self) -> Result<&Trainer, JsValue> {
        match self.any() {
            Any::Points(t) => Ok(t),
            Any::Images(_) => Err(js_error("this view is of models on points; the link trains an image model")),
        }
    }
}

#[derive(Serialize)]
struct DepthStatus<'a> {
    epoch: usize,
    epochs: usize,
    done: bool,
    steps: usize,
    #[serde(rename = "K")]
    k: usize,
    params: usize,
    divergence: Option<&'a crate::core::driver::Divergence>,
}

#[derive(Serialize)]
struct Evaluation {
    test_accuracy: f64,
    params: usize,
    basis: &'static str,
    #[serde(rename = "K")]
    k: usize,
}

#[derive(Serialize)]
struct Points {
    train_x: Vec<f32>,
    train_y: Vec<u32>,
    test_x: Vec<f32>,
    test_y: Vec<u32>,
    classes: usize,
    /// The images' side (the rows of `*_x` are `side²` pixels); absent for points.
    side: Option<usize>,
}

impl Points {
    fn of(train: &Dataset, test: &Dataset) -> Points {
        let flat = |d: &Dataset| d.x.iter().map(|&v| v as f32).collect::<Vec<f32>>();
        let labels = |d: &Dataset| d.y.iter().map(|&v| v as u32).collect::<Vec<u32>>();
        Points {
            train_x: flat(train),
            train_y: labels(train),
            test_x: flat(test),
            test_y: labels(test),
            classes: train.classes,
            side: train.side,
        }
    }
}

fn eval_model<M: Net>(trainer: &Trainer<M>, basis: &str, k: usize) -> Result<M, JsValue> {
    let family = Family::by_name(basis).ok_or_else(|| JsValue::from_str(&format!("no basis {basis}")))?;
    let to = Basis::new(family, family.valid_size(k)).map_err(|e| JsValue::from_str(&e))?;
    Ok(if to == trainer.model.basis() { trainer.model.clone() } else { trainer.model.project(to) })
}

fn evaluation<M: Net>(
    t: &Trainer<M>,
    scheme: &str,
    steps: usize,
    basis: &str,
    k: usize,
) -> Result<Evaluation, JsValue> {
    let model = eval_model(t, basis, k)?;
    let tab = tableau(scheme)?;
    Ok(Evaluation {
        test_accuracy: model.accuracy(&t.split.test, tab, steps.max(1)),
        params: model.params(),
        basis: model.basis().family.name(),
        k: model.basis().k,
    })
}

/// The predicted class of each of the first `count` test rows under the
/// evaluated model (empty if the integration blows up).
fn predictions<M: Net>(
    t: &Trainer<M>,
    (scheme, steps, basis, k): (&str, usize, &str, usize),
    count: usize,
) -> Result<Vec<u32>, JsValue> {
    let model = eval_model(t, basis, k)?;
    let rows = t.split.test.x.slice(ndarray::s![..count.min(t.split.test.x.nrows()), ..]);
    Ok(match model.logits(rows, tableau(scheme)?, steps.max(1)) {
        Ok(z) => super::predicted(&z).into_iter().map(|c| c as u32).collect(),
        Err(_) => Vec::new(),
    })
}

fn tableau(scheme: &str) -> Result<&'static Tableau, JsValue> {
    Tableau::by_name(scheme).ok_or_else(|| JsValue::from_str(&format!("no scheme {scheme}")))
}

#[wasm_bindgen]
impl DepthSession {
    /// Starts training the experiment a depth link describes (classification datasets).
    #[wasm_bindgen(constructor)]
    pub fn new(link: &str) -> Result<DepthSession, JsValue> {
        let link = parse(&super::lab::LAB, link);
        let (config, _) = Config::from_link(&link).map_err(|e| JsValue::from_str(&e))?;
        if config.data == "pendulum" {
            return Err(JsValue::from_str("data=pendulum is not a classification dataset"));
        }
        Ok(DepthSession { driver: DepthRun::start(&link).map_err(|e| JsValue::from_str(&e))? })
    }

    /// Trains one epoch: its stats, or `null` once finished or diverged.
    pub fn epoch(&mut self) -> Result<JsValue, JsValue> {
        match self.driver.step(&now_ms) {
            Some(Step::Epoch(stats)) => to_js(&stats),
            _ => Ok(JsValue::NULL),
        }
    }

    pub fn status(&self) -> Result<JsValue, JsValue> {
        with_trainer!(self, t => to_js(&DepthStatus {
            epoch: t.epoch,
            epochs: t.config.epochs,
            done: t.done(),
            steps: t.steps,
            k: t.model.basis().k,
            params: t.model.params(),
            divergence: t.diverged.as_ref(),
        }))
    }

    /// Test accuracy of the current model evaluated with `scheme` and `steps`
    /// after projecting its weights onto `basis` with `k` functions.
    pub fn evaluate(&self, scheme: &str, steps: usize, basis: &str, k: usize) -> Result<JsValue, JsValue> {
        with_trainer!(self, t => to_js(&evaluation(t, scheme, steps, basis, k)?))
    }

    /// The predicted classes of the first `count` test points or images
    /// under the evaluated model (for the page's sample images).
    pub fn predictions(
        &self,
        scheme: &str,
        steps: usize,
        basis: &str,
        k: usize,
        count: usize,
    ) -> Result<Vec<u32>, JsValue> {
        with_trainer!(self, t => predictions(t, (scheme, steps, basis, k), count))
    }

    /// The evaluated model packed for the GPU kernel (see `kernel::Packed`).
    pub fn packed(&self, scheme: &str, steps: usize, basis: &str, k: usize) -> Result<JsValue, JsValue> {
        let model = eval_model(self.points_trainer()?, basis, k)?;
        to_js(&Packed::new(&model, tableau(scheme)?, steps.max(1)))
    }

    /// The evaluated image model packed for the GPU (see `image_kernel::PackedImages`).
    #[wasm_bindgen(js_name = packedImages)]
    pub fn packed_images(&self, scheme: &str, steps: usize, basis: &str, k: usize) -> Result<JsValue, JsValue> {
        let Any::Images(t) = self.any() else {
            return Err(js_error("this view is of image models; the link trains a model on points"));
        };
        to_js(&PackedImages::new(&eval_model(t, basis, k)?, tableau(scheme)?, steps.max(1)))
    }

    /// The train and test points (or images), for drawing.
    pub fn points(&self) -> Result<JsValue, JsValue> {
        with_trainer!(self, t => to_js(&Points::of(&t.split.train, &t.split.test)))
    }

    /// The report `continuum run` prints for this link: training numbers,
    /// then every tableau × step count and every basis × K′ ≤ K of the
    /// trained model (the driver's report; call once training is done).
    pub fn report(&self) -> Result<JsValue, JsValue> {
        to_js(&self.driver.report())
    }
}

#[derive(Serialize)]
struct WeightFunctions {
    t: Vec<f64>,
    labels: Vec<String>,
    original: Vec<Vec<f64>>,
    projected: Vec<Vec<f64>>,
}

#[derive(Serialize)]
struct Weights<'a> {
    basis: &'static str,
    #[serde(rename = "K")]
    k: usize,
    d: usize,
    w: usize,
    lift_w: Vec<f64>,
    lift_b: Vec<f64>,
    w1: Vec<f64>,
    b1: Vec<f64>,
    w2: Vec<f64>,
    b2: Vec<f64>,
    out_w: Vec<f64>,
    out_b: Vec<f64>,
    link: &'a str,
}

#[wasm_bindgen]
impl DepthSession {
    /// The hidden states of the test points at every step boundary of the
    /// evaluated model: `(steps + 1) × n × d`, f32.
    pub fn trajectory(&self, scheme: &str, steps: usize, basis: &str, k: usize) -> Result<Vec<f32>, JsValue> {
        let t = self.points_trainer()?;
        let model = eval_model(t, basis, k)?;
        let packed = Packed::new(&model, tableau(scheme)?, steps.max(1));
        let points: Vec<f32> = t.split.test.x.iter().map(|&v| v as f32).collect();
        Ok(kernel::eval_cpu(&packed, &points, true).trajectory.unwrap_or_default())
    }

    /// A few weight functions θ(t), as trained and as projected onto
    /// `basis` with `k` functions, sampled at 201 depths: entries of W₁ for
    /// models on points, taps of the first kernel's filters for images.
    #[wasm_bindgen(js_name = weightFunctions)]
    pub fn weight_functions(&self, basis: &str, k: usize, count: usize) -> Result<JsValue, JsValue> {
        let t: Vec<f64> = (0..=200).map(|i| i as f64 / 200.0).collect();
        let (labels, original, projected) = match self.any() {
            Any::Points(tr) => {
                let (original, projected) = (&tr.model.block, eval_model(tr, basis, k)?.block);
                let entries: Vec<(usize, usize)> =
                    (0..original.w).flat_map(|i| (0..original.d).map(move |j| (i, j))).take(count).collect();
                let sample = |b: &super::block::Block, (i, j): (usize, usize)| -> Vec<f64> {
                    t.iter().map(|&tt| b.basis.value(&b.w1.slice(ndarray::s![.., i, j]).to_vec(), tt)).collect()
                };
                (
                    entries.iter().map(|(i, j)| format!("W1[{i},{j}]")).collect(),
                    entries.iter().map(|&e| sample(original, e)).collect(),
                    entries.iter().map(|&e| sample(&projected, e)).collect(),
                )
            }
            Any::Images(tr) => {
                let (original, projected) = (&tr.model.block, eval_model(tr, basis, k)?.block);
                // The centre tap of filter o, reading channel o (entry 9·c·o + 9·o + 4).
                let taps: Vec<usize> = (0..original.c.min(count)).map(|o| 9 * original.c * o + 9 * o + 4).collect();
                (
                    taps.iter().enumerate().map(|(o, _)| format!("conv₁ filter {o}, centre tap")).collect(),
                    taps.iter().map(|&i| original.weight_function(0, i, &t)).collect(),
                    taps.iter().map(|&i| projected.weight_function(0, i, &t)).collect(),
                )
            }
        };
        to_js(&WeightFunctions { labels, original, projected, t })
    }

    /// The trained weights as JSON: basis coefficients of every weight, with
    /// shapes, and the link that trained them.
    pub fn weights(&self, link: &str) -> Result<JsValue, JsValue> {
        let m = &self.points_trainer()?.model;
        let flat = |a: &[f64]| a.to_vec();
        to_js(&Weights {
            basis: m.block.basis.family.name(),
            k: m.block.basis.k,
            d: m.block.d,
            w: m.block.w,
            lift_w: m.lift_w.iter().copied().collect(),
            lift_b: m.lift_b.to_vec(),
            w1: flat(m.block.w1.as_slice().unwrap_or(&[])),
            b1: flat(m.block.b1.as_slice().unwrap_or(&[])),
            w2: flat(m.block.w2.as_slice().unwrap_or(&[])),
            b2: flat(m.block.b2.as_slice().unwrap_or(&[])),
            out_w: m.out_w.iter().copied().collect(),
            out_b: m.out_b.to_vec(),
            link,
        })
    }
}

/// The learned-dynamics study of one pendulum link (one training scheme),
/// in the worker: the depth driver an epoch at a time, then the field
/// integrated at every step size ([`Step::Convergence`]).
#[wasm_bindgen]
pub struct PendulumSession {
    driver: DepthRun,
}

#[wasm_bindgen]
impl PendulumSession {
    #[wasm_bindgen(constructor)]
    pub fn new(link: &str) -> Result<PendulumSession, JsValue> {
        let link = parse(&super::lab::LAB, link);
        let driver = DepthRun::start(&link).map_err(js_error)?;
        if !matches!(driver, DepthRun::Pendulum(_)) {
            return Err(js_error("a pendulum study needs data=pendulum"));
        }
        Ok(PendulumSession { driver })
    }

    /// One unit (an epoch, or the convergence study at the end), or `null` once finished.
    pub fn step(&mut self) -> Result<JsValue, JsValue> {
        to_js_or_null(self.driver.step(&now_ms))
    }

    pub fn progress(&self) -> Result<JsValue, JsValue> {
        to_js(&self.driver.progress())
    }

    /// What `continuum run` prints for the link, once finished.
    pub fn report(&self) -> Result<JsValue, JsValue> {
        to_js(&self.driver.report())
    }
}

/// Points of a classification dataset, for thumbnails: `{train_x, train_y, …}`.
#[wasm_bindgen(js_name = datasetPreview)]
pub fn dataset_preview(name: &str, noise: f64, seed: u32) -> Result<JsValue, JsValue> {
    let s = data::generate(name, noise, seed as u64).ok_or_else(|| JsValue::from_str(&format!("no dataset {name}")))?;
    let mut points = Points::of(&s.train, &s.test);
    (points.test_x, points.test_y) = (Vec::new(), Vec::new());
    to_js(&points)
}

/// Logits of rows `row0..row1` of the `res × res` grid over
/// [−1.5, 1.5]² (top row first) for a packed model (`DepthSession::packed`):
/// one share of the decision boundary, as the page's pool of CPU workers
/// computes it (`www/labs/depth/grid.js`). Each point's arithmetic is its
/// own, so the shares put together are the whole grid's bits.
#[wasm_bindgen(js_name = depthGridRows)]
pub fn depth_grid_rows(packed: JsValue, res: usize, row0: usize, row1: usize) -> Result<Vec<f32>, JsValue> {
    let packed: Packed = serde_wasm_bindgen::from_value(packed)?;
    let rows = row0.min(res)..row1.clamp(row0.min(res), res);
    Ok(kernel::eval_cpu(&packed, &kernel::grid_rows(res, -GRID_EXTENT, GRID_EXTENT, rows), false).logits)
}

/// The forward-pass benchmark (`kernel::benchmark_problem`) evaluated by the
/// CPU path in this build, share `part` of `parts` of its grid's rows
/// (`kernel::row_share`; `0, 1` is all of it): its logits, to time and to
/// compare bit for bit with the native build (`tools/ref/wasm_depth.mjs`,
/// run by `make bench`, times one instance and a pool of worker threads).
#[wasm_bindgen(js_name = depthForwardBench)]
pub fn depth_forward_bench(part: usize, parts: usize) -> Vec<f32> {
    let (packed, points) = kernel::benchmark_problem();
    let res = (points.len() / 2).isqrt();
    let rows = kernel::row_share(res, part, parts.max(1));
    kernel::eval_cpu(&packed, &points[rows.start * res * 2..rows.end * res * 2], false).logits
}

/// Half-width of the square the decision boundary is drawn over.
pub const GRID_EXTENT: f32 = 1.5;

/// [`GRID_EXTENT`], for the page's drawing (defined once, here).
#[wasm_bindgen(js_name = depthGridExtent)]
pub fn depth_grid_extent() -> f32 {
    GRID_EXTENT
}
