//! The page's face: what `www/` calls through wasm-bindgen. Thin on purpose —
//! every rule lives in the labs and numerics; this file only converts.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::basis::{Basis, Family};
use crate::dense::{self, DenseKernel};
use crate::depth;
use crate::depth_kernel::{self, DepthKernel, Packed};
use crate::gpu::Gpu;
use crate::koopman;
use crate::koopman_kernel::{self, KoopmanKernel};
use crate::labs::Lab;
use crate::link;
use crate::ode::Tableau;

#[wasm_bindgen(module = "/www/gpu-events.js")]
extern "C" {
    #[wasm_bindgen(js_name = gpuLost)]
    fn gpu_lost(message: &str);
}

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Plain JS objects (not `Map`s), so the page can read fields directly.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsValue::from_str(&e.to_string()))
}

#[derive(Serialize)]
struct LabInfo {
    name: &'static str,
    title: &'static str,
    summary: &'static str,
    status: crate::labs::Status,
}

/// Every lab, in navigation order: `[{name, title, summary, status}]`.
#[wasm_bindgen]
pub fn labs() -> Result<JsValue, JsValue> {
    let list: Vec<LabInfo> = Lab::ALL
        .iter()
        .map(|&lab| LabInfo { name: lab.name(), title: lab.title(), summary: lab.summary(), status: lab.status() })
        .collect();
    to_js(&list)
}

/// The knob table of `lab`: `[{key, type, …range, default, label, help}]`.
#[wasm_bindgen]
pub fn knobs(lab: &str) -> Result<JsValue, JsValue> {
    let lab = Lab::from_name(lab).ok_or_else(|| JsValue::from_str(&format!("no lab named {lab}")))?;
    to_js(lab.knobs())
}

/// Reads a link: `{lab, v, config, link, notices}`; see `link::Parsed::report`.
#[wasm_bindgen(js_name = parseLink)]
pub fn parse_link(input: &str) -> Result<JsValue, JsValue> {
    to_js(&link::parse(input).report())
}

/// The WebGPU device and the kernels made on it.
#[wasm_bindgen]
pub struct WebGpu {
    pub(crate) gpu: Rc<Gpu>,
    dense: Rc<RefCell<Option<DenseKernel>>>,
    depth: Rc<RefCell<Option<DepthKernel>>>,
    koopman: Rc<RefCell<Option<KoopmanKernel>>>,
    pub(crate) flow: Rc<RefCell<Option<crate::web_flow::FlowGpu>>>,
    pub(crate) flow_network: Rc<RefCell<Option<crate::network_kernel::NetworkKernel>>>,
}

#[derive(Serialize)]
struct Parity {
    max_error: f32,
    batch: usize,
    n_in: usize,
    n_out: usize,
    gpu_ms: f64,
    cpu_ms: f64,
}

#[wasm_bindgen]
impl WebGpu {
    /// Resolves to a `WebGpu`, or rejects with a readable reason (no WebGPU,
    /// no adapter, no compute) so the page can fall back to the CPU.
    pub fn request() -> Promise {
        future_to_promise(async move {
            let hook: crate::gpu::LostHook = Box::new(|message: String| gpu_lost(&message));
            match Gpu::new(Some(hook)).await {
                Ok(gpu) => Ok(WebGpu {
                    gpu: Rc::new(gpu),
                    dense: Rc::new(RefCell::new(None)),
                    depth: Rc::new(RefCell::new(None)),
                    koopman: Rc::new(RefCell::new(None)),
                    flow: Rc::new(RefCell::new(None)),
                    flow_network: Rc::new(RefCell::new(None)),
                }
                .into()),
                Err(e) => Err(JsValue::from_str(&e.to_string())),
            }
        })
    }

    #[wasm_bindgen(getter)]
    pub fn adapter(&self) -> String {
        self.gpu.adapter.clone()
    }

    /// Runs the dense kernel on a seeded random problem on the GPU and on the
    /// CPU twin: `{max_error, batch, n_in, n_out, gpu_ms, cpu_ms}`.
    #[wasm_bindgen(js_name = denseParity)]
    pub fn dense_parity(&self, seed: u32, batch: usize, n_in: usize, n_out: usize) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let slot = Rc::clone(&self.dense);
        future_to_promise(async move {
            let (w, b, x) = dense::random_problem(seed as u64, batch, n_in, n_out);
            let t0 = js_sys::Date::now();
            let cpu = dense::forward(w.view(), b.view(), x.view());
            let t1 = js_sys::Date::now();
            // Taken out while awaiting so no RefCell borrow spans the await.
            let mut kernel = slot.borrow_mut().take().unwrap_or_else(|| DenseKernel::new(&gpu));
            let result = kernel.run(&gpu, w.view(), b.view(), x.view()).await;
            *slot.borrow_mut() = Some(kernel);
            let got = result.map_err(|e| JsValue::from_str(&e.to_string()))?;
            let t2 = js_sys::Date::now();
            to_js(&Parity {
                max_error: dense::parity_error(&got, &cpu),
                batch,
                n_in,
                n_out,
                gpu_ms: t2 - t1,
                cpu_ms: t1 - t0,
            })
        })
    }

    /// Logits of a packed depth model over a `res × res` grid of
    /// [-1.5, 1.5]² (row-major, top row first), computed by `depth.wgsl`.
    #[wasm_bindgen(js_name = depthGrid)]
    pub fn depth_grid(&self, packed: JsValue, res: usize) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let slot = Rc::clone(&self.depth);
        future_to_promise(async move {
            let packed: Packed = serde_wasm_bindgen::from_value(packed)?;
            let points = depth_kernel::grid(res, -GRID_EXTENT, GRID_EXTENT);
            let mut kernel = slot.borrow_mut().take().unwrap_or_else(|| DepthKernel::new(&gpu));
            let result = kernel.eval(&gpu, &packed, &points, false).await;
            *slot.borrow_mut() = Some(kernel);
            let out = result.map_err(|e| JsValue::from_str(&e.to_string()))?;
            Ok(js_sys::Float32Array::from(&out.logits[..]).into())
        })
    }

    /// Predicted (θ, θ̇) of a packed Koopman model's rollouts,
    /// `n × steps × 2` (see `koopman_kernel::Packed`), computed by `koopman.wgsl`.
    #[wasm_bindgen(js_name = koopmanRollouts)]
    pub fn koopman_rollouts(&self, packed: JsValue) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let slot = Rc::clone(&self.koopman);
        future_to_promise(async move {
            let packed: koopman_kernel::Packed = serde_wasm_bindgen::from_value(packed)?;
            let mut kernel = slot.borrow_mut().take().unwrap_or_else(|| KoopmanKernel::new(&gpu));
            let result = kernel.rollout(&gpu, &packed).await;
            *slot.borrow_mut() = Some(kernel);
            let out = result.map_err(|e| JsValue::from_str(&e.to_string()))?;
            Ok(js_sys::Float32Array::from(&out[..]).into())
        })
    }

    /// Destroys the device as a driver reset would, to exercise the
    /// lost-device path (`continuum:gpu-lost` fires).
    #[wasm_bindgen(js_name = simulateLoss)]
    pub fn simulate_loss(&self) {
        self.gpu.simulate_loss();
    }
}

/// A depth-lab training run in this wasm instance (the page runs it in a Web
/// Worker): advance an epoch at a time; evaluate the current model under
/// other integrators, step counts and bases without retraining.
#[wasm_bindgen]
pub struct DepthSession {
    trainer: depth::Trainer,
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
    divergence: Option<&'a depth::Divergence>,
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
}

fn eval_model(trainer: &depth::Trainer, basis: &str, k: usize) -> Result<depth::Model, JsValue> {
    let family = Family::by_name(basis).ok_or_else(|| JsValue::from_str(&format!("no basis {basis}")))?;
    let to = Basis::new(family, family.valid_size(k)).map_err(|e| JsValue::from_str(&e))?;
    Ok(if to == trainer.model.block.basis { trainer.model.clone() } else { trainer.model.project(to) })
}

fn tableau(scheme: &str) -> Result<&'static Tableau, JsValue> {
    Tableau::by_name(scheme).ok_or_else(|| JsValue::from_str(&format!("no scheme {scheme}")))
}

#[wasm_bindgen]
impl DepthSession {
    /// Starts training the experiment a depth link describes (classification datasets).
    #[wasm_bindgen(constructor)]
    pub fn new(link: &str) -> Result<DepthSession, JsValue> {
        let parsed = link::parse(link);
        let (config, _) = depth::Config::from_link(&parsed.link).map_err(|e| JsValue::from_str(&e))?;
        let trainer = depth::Trainer::new(config).map_err(|e| JsValue::from_str(&e))?;
        Ok(DepthSession { trainer })
    }

    /// Trains one epoch: its stats, or `null` once finished or diverged.
    pub fn epoch(&mut self) -> Result<JsValue, JsValue> {
        match self.trainer.epoch() {
            Some(stats) => to_js(stats),
            None => Ok(JsValue::NULL),
        }
    }

    pub fn status(&self) -> Result<JsValue, JsValue> {
        let t = &self.trainer;
        to_js(&DepthStatus {
            epoch: t.epoch,
            epochs: t.config.epochs,
            done: t.done(),
            steps: t.steps,
            k: t.model.block.basis.k,
            params: t.model.params(),
            divergence: t.diverged.as_ref(),
        })
    }

    /// Test accuracy of the current model evaluated with `scheme` and `steps`
    /// after projecting its weights onto `basis` with `k` functions.
    pub fn evaluate(&self, scheme: &str, steps: usize, basis: &str, k: usize) -> Result<JsValue, JsValue> {
        let model = eval_model(&self.trainer, basis, k)?;
        let tab = tableau(scheme)?;
        to_js(&Evaluation {
            test_accuracy: model.accuracy(&self.trainer.split.test, tab, steps.max(1)),
            params: model.params(),
            basis: model.block.basis.family.name(),
            k: model.block.basis.k,
        })
    }

    /// The evaluated model packed for the GPU kernel (see `depth_kernel::Packed`).
    pub fn packed(&self, scheme: &str, steps: usize, basis: &str, k: usize) -> Result<JsValue, JsValue> {
        let model = eval_model(&self.trainer, basis, k)?;
        to_js(&Packed::new(&model, tableau(scheme)?, steps.max(1)))
    }

    /// Logits over a `res × res` grid of [-1.5, 1.5]², on the CPU (row-major, top row first).
    #[wasm_bindgen(js_name = gridCpu)]
    pub fn grid_cpu(&self, scheme: &str, steps: usize, basis: &str, k: usize, res: usize) -> Result<Vec<f32>, JsValue> {
        let model = eval_model(&self.trainer, basis, k)?;
        let packed = Packed::new(&model, tableau(scheme)?, steps.max(1));
        Ok(depth_kernel::eval_cpu(&packed, &depth_kernel::grid(res, -GRID_EXTENT, GRID_EXTENT), false).logits)
    }

    /// The train and test points, for drawing.
    pub fn points(&self) -> Result<JsValue, JsValue> {
        let s = &self.trainer.split;
        let flat = |d: &crate::data::Dataset| d.x.iter().map(|&v| v as f32).collect::<Vec<f32>>();
        let labels = |d: &crate::data::Dataset| d.y.iter().map(|&v| v as u32).collect::<Vec<u32>>();
        to_js(&Points {
            train_x: flat(&s.train),
            train_y: labels(&s.train),
            test_x: flat(&s.test),
            test_y: labels(&s.test),
            classes: s.train.classes,
        })
    }

    /// Test accuracy for every tableau × {1, 2, 4, …, 64} steps.
    pub fn invariance(&self) -> Result<JsValue, JsValue> {
        to_js(&depth::invariance(&self.trainer.model, &self.trainer.split.test))
    }

    /// Test accuracy and size for every basis × K′ ≤ K.
    pub fn compression(&self) -> Result<JsValue, JsValue> {
        let t = &self.trainer;
        to_js(&depth::compression(&t.model, &t.split.test, t.config.scheme, t.steps))
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
        let model = eval_model(&self.trainer, basis, k)?;
        let packed = Packed::new(&model, tableau(scheme)?, steps.max(1));
        let points: Vec<f32> = self.trainer.split.test.x.iter().map(|&v| v as f32).collect();
        Ok(depth_kernel::eval_cpu(&packed, &points, true).trajectory.unwrap_or_default())
    }

    /// A few weight functions W1_ij(t), as trained and as projected onto
    /// `basis` with `k` functions, sampled at 201 depths.
    #[wasm_bindgen(js_name = weightFunctions)]
    pub fn weight_functions(&self, basis: &str, k: usize, count: usize) -> Result<JsValue, JsValue> {
        let original = &self.trainer.model.block;
        let projected = eval_model(&self.trainer, basis, k)?.block;
        let t: Vec<f64> = (0..=200).map(|i| i as f64 / 200.0).collect();
        let entries: Vec<(usize, usize)> =
            (0..original.w).flat_map(|i| (0..original.d).map(move |j| (i, j))).take(count).collect();
        let sample = |b: &crate::block::Block, (i, j): (usize, usize)| -> Vec<f64> {
            let mut phi = vec![0.0; b.basis.k];
            t.iter()
                .map(|&tt| {
                    b.basis.eval(tt, &mut phi);
                    phi.iter().enumerate().map(|(kk, p)| p * b.w1[(kk, i, j)]).sum()
                })
                .collect()
        };
        to_js(&WeightFunctions {
            labels: entries.iter().map(|(i, j)| format!("W1[{i},{j}]")).collect(),
            original: entries.iter().map(|&e| sample(original, e)).collect(),
            projected: entries.iter().map(|&e| sample(&projected, e)).collect(),
            t,
        })
    }

    /// The trained weights as JSON: basis coefficients of every weight, with
    /// shapes, and the link that trained them.
    pub fn weights(&self, link: &str) -> Result<JsValue, JsValue> {
        let m = &self.trainer.model;
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

/// Runs the learned-dynamics study for one training scheme: endpoint error
/// at T = 2 against step size, `[{h, error}]`, or the divergence message.
#[wasm_bindgen(js_name = pendulumStudy)]
pub fn pendulum_study(
    scheme: &str,
    dt: f64,
    epochs: usize,
    lr: f64,
    batch: usize,
    seed: u32,
) -> Result<JsValue, JsValue> {
    let tab = tableau(scheme)?;
    let fit = crate::pendulum::train(tab, dt, epochs, lr, batch.max(1), seed as u64);
    if let Some(what) = fit.diverged {
        return Err(JsValue::from_str(&format!(
            "training with {scheme} diverged: {what} blew up; lower the learning rate"
        )));
    }
    to_js(&crate::pendulum::convergence(&fit.field, tab))
}

/// Points of a classification dataset, for thumbnails: `{train_x, train_y, …}`.
#[wasm_bindgen(js_name = datasetPreview)]
pub fn dataset_preview(name: &str, noise: f64, seed: u32) -> Result<JsValue, JsValue> {
    let s = crate::data::generate(name, noise, seed as u64)
        .ok_or_else(|| JsValue::from_str(&format!("no dataset {name}")))?;
    to_js(&Points {
        train_x: s.train.x.iter().map(|&v| v as f32).collect(),
        train_y: s.train.y.iter().map(|&v| v as u32).collect(),
        test_x: Vec::new(),
        test_y: Vec::new(),
        classes: s.train.classes,
    })
}

/// Half-width of the square the decision boundary is drawn over.
pub const GRID_EXTENT: f32 = 1.5;

/// A Koopman-lab training run in this wasm instance (the page runs the
/// consistent and the plain model side by side in a Web Worker).
#[wasm_bindgen]
pub struct KoopmanSession {
    trainer: koopman::Trainer,
}

#[derive(Serialize)]
struct KoopmanStatus<'a> {
    epoch: usize,
    epochs: usize,
    done: bool,
    params: usize,
    divergence: Option<&'a koopman::Divergence>,
}

#[derive(Serialize)]
struct KoopmanEvaluation {
    rel_error: Vec<f64>,
    eigenvalues: Vec<[f64; 2]>,
    consistency: f64,
}

#[derive(Serialize)]
struct KoopmanTruth {
    /// (θ, θ̇) of every clean snapshot, flat.
    clean: Vec<f32>,
    /// (θ, θ̇) of the noisy training snapshots, flat.
    noisy: Vec<f32>,
    dt: f64,
    train: usize,
    /// e^{iωΔt}, the exact one-step eigenvalue pair of the pendulum at this θ0.
    exact: [f64; 2],
}

#[wasm_bindgen]
impl KoopmanSession {
    /// Starts training the experiment a koopman link describes; `plain`
    /// drops the backward and consistency terms (ν = η = 0).
    #[wasm_bindgen(constructor)]
    pub fn new(link: &str, plain: bool) -> Result<KoopmanSession, JsValue> {
        let config = koopman::Config::from_link(&link::parse(link).link).map_err(|e| JsValue::from_str(&e))?;
        let config = if plain { config.plain() } else { config };
        Ok(KoopmanSession { trainer: koopman::Trainer::new(config) })
    }

    /// Trains one epoch: its stats, or `null` once finished or diverged.
    pub fn epoch(&mut self) -> Result<JsValue, JsValue> {
        match self.trainer.epoch() {
            Some(stats) => to_js(stats),
            None => Ok(JsValue::NULL),
        }
    }

    pub fn status(&self) -> Result<JsValue, JsValue> {
        let t = &self.trainer;
        to_js(&KoopmanStatus {
            epoch: t.epoch,
            epochs: t.config.epochs,
            done: t.done(),
            params: t.model.params(),
            divergence: t.diverged.as_ref(),
        })
    }

    /// Relative error at horizons 1..=`horizon` (mean over the evaluation
    /// starts), eigenvalues of C, and ‖DC − I‖_F.
    pub fn evaluate(&self, horizon: usize) -> Result<JsValue, JsValue> {
        let m = &self.trainer.model;
        to_js(&KoopmanEvaluation {
            rel_error: m.relative_error(&self.trainer.data, horizon),
            eigenvalues: m.eigenvalues(),
            consistency: m.consistency_error(),
        })
    }

    /// `n` rollouts of `steps` packed for the GPU kernel.
    pub fn packed(&self, n: usize, steps: usize) -> Result<JsValue, JsValue> {
        let t = &self.trainer;
        to_js(&koopman_kernel::Packed::new(&t.model, &t.data, &koopman_kernel::starts(n, steps), steps))
    }

    /// As `packed`, rolled out on the CPU: `n × steps × 2` predicted (θ, θ̇).
    #[wasm_bindgen(js_name = rolloutsCpu)]
    pub fn rollouts_cpu(&self, n: usize, steps: usize) -> Vec<f32> {
        let t = &self.trainer;
        koopman_kernel::rollout_cpu(&koopman_kernel::Packed::new(
            &t.model,
            &t.data,
            &koopman_kernel::starts(n, steps),
            steps,
        ))
    }

    /// The snapshot index each of `n` rollouts of `steps` starts from.
    pub fn starts(&self, n: usize, steps: usize) -> Vec<u32> {
        koopman_kernel::starts(n, steps).iter().map(|&s| s as u32).collect()
    }

    /// The truth, for drawing.
    pub fn truth(&self) -> Result<JsValue, JsValue> {
        let d = &self.trainer.data;
        to_js(&KoopmanTruth {
            clean: d.states.iter().map(|&v| v as f32).collect(),
            noisy: d.train.rows().into_iter().flat_map(|r| d.state_of(r)).map(|v| v as f32).collect(),
            dt: koopman::DT,
            train: koopman::TRAIN,
            exact: {
                let angle = koopman::pendulum_frequency(self.trainer.config.theta0) * koopman::DT;
                [angle.cos(), angle.sin()]
            },
        })
    }
}
