//! The Koopman lab's page face: [`KoopmanSession`] trains in the lab's Web
//! Worker; [`KoopmanGpu`] rolls trained models out with `kernel.wgsl`, and
//! [`WakeGpu`] records the cylinder wake with `gpu/lbm.wgsl`, on the main
//! thread, which owns the WebGPU device.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::kernel::{self, KoopmanKernel};
use crate::core::driver::Driver;
use crate::core::js::{js_error, now_ms, parse, put_back, to_js, to_js_or_null, WebGpu};
use crate::gpu::Gpu;
use crate::labs::koopman::{self, wake};

/// The Koopman rollout kernel on the page's WebGPU device.
#[wasm_bindgen]
pub struct KoopmanGpu {
    gpu: Rc<Gpu>,
    kernel: Rc<RefCell<Option<KoopmanKernel>>>,
}

#[wasm_bindgen]
impl KoopmanGpu {
    #[wasm_bindgen(constructor)]
    pub fn new(device: &WebGpu) -> KoopmanGpu {
        KoopmanGpu { gpu: Rc::clone(&device.gpu), kernel: Rc::new(RefCell::new(None)) }
    }

    /// Predicted (θ, θ̇) of a packed Koopman model's rollouts,
    /// `n × steps × 2` (see `kernel::Packed`), computed by `kernel.wgsl`.
    pub fn rollouts(&self, packed: JsValue) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let slot = Rc::clone(&self.kernel);
        future_to_promise(async move {
            let packed: kernel::Packed = serde_wasm_bindgen::from_value(packed)?;
            let mut kernel = slot.borrow_mut().take().unwrap_or_else(|| KoopmanKernel::new(&gpu));
            let result = kernel.rollout(&gpu, &packed).await;
            *slot.borrow_mut() = Some(kernel);
            let out = result.map_err(js_error)?;
            Ok(js_sys::Float32Array::from(&out[..]).into())
        })
    }
}

/// The cylinder wake a `data=wake` link names, recorded on the page's WebGPU
/// device in f32 ([`wake::GpuRecording`]) instead of in f64 on the CPU in
/// each training worker. The CLI and the CPU path record the f64 wake, so a
/// page with WebGPU shows its own wake's numbers: the same shedding, not
/// the same bits.
#[wasm_bindgen]
pub struct WakeGpu {
    gpu: Rc<Gpu>,
    recording: Rc<RefCell<Option<wake::GpuRecording>>>,
}

#[derive(Serialize)]
struct WakeProgress {
    /// Simulated time, D / U.
    time: f64,
    /// When shedding was established (`null` before).
    onset: Option<f64>,
    recorded: usize,
    count: usize,
    done: bool,
    /// Why the flow gives no wake to learn (no shedding, a blow-up): the
    /// CPU path's words for the same link.
    refused: Option<String>,
}

#[wasm_bindgen]
impl WakeGpu {
    #[wasm_bindgen(constructor)]
    pub fn new(device: &WebGpu) -> WakeGpu {
        WakeGpu { gpu: Rc::clone(&device.gpu), recording: Rc::new(RefCell::new(None)) }
    }

    /// Starts recording the wake of a koopman link with `data=wake`,
    /// dropping any recording under way.
    pub fn start(&self, link: &str) -> Result<(), JsValue> {
        let config = koopman::Config::from_link(&parse(&super::lab::LAB, link)).map_err(js_error)?;
        let koopman::Source::Wake { re, res } = config.source else {
            return Err(js_error("the link's data is not the wake"));
        };
        let recording = wake::GpuRecording::new(&self.gpu, re, res, config.seed, koopman::WAKE_SNAPSHOTS);
        *self.recording.borrow_mut() = Some(recording);
        Ok(())
    }

    /// Runs up to `intervals` snapshot intervals, each a submission and a
    /// read-back; resolves to `{time, onset, recorded, count, done,
    /// refused}`, or rejects when the device fails.
    pub fn advance(&self, intervals: usize) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let slot = Rc::clone(&self.recording);
        future_to_promise(async move {
            let mut recording = slot.borrow_mut().take().ok_or_else(|| js_error("start a wake first"))?;
            let mut verdict = Ok(Ok(false));
            for _ in 0..intervals {
                verdict = recording.advance(&gpu).await;
                if !matches!(verdict, Ok(Ok(false))) {
                    break;
                }
            }
            let r = &recording.recorder;
            let (recorded, count) = r.progress();
            let refused = verdict.map_err(js_error)?.err();
            let progress = WakeProgress { time: r.time(), onset: r.onset(), recorded, count, done: r.done(), refused };
            put_back(&slot, recording);
            to_js(&progress)
        })
    }

    /// The finished recording, `{snapshots, probe, onset, re}` (two
    /// Float64Arrays: what [`KoopmanSession::on_wake`] takes).
    pub fn finish(&self) -> Result<JsValue, JsValue> {
        let recording = self.recording.borrow_mut().take().ok_or_else(|| js_error("start a wake first"))?;
        let w = recording.recorder.finish().map_err(js_error)?;
        let reply = js_sys::Object::new();
        js_sys::Reflect::set(&reply, &"snapshots".into(), &js_sys::Float64Array::from(&w.snapshots[..]))?;
        js_sys::Reflect::set(&reply, &"probe".into(), &js_sys::Float64Array::from(&w.probe[..]))?;
        js_sys::Reflect::set(&reply, &"onset".into(), &w.onset.into())?;
        js_sys::Reflect::set(&reply, &"re".into(), &w.re.into())?;
        Ok(reply.into())
    }
}

/// A Koopman-lab training run in this wasm instance (the page runs the
/// consistent and the plain model side by side in a Web Worker).
#[wasm_bindgen]
pub struct KoopmanSession {
    driver: koopman::KoopmanRun,
}

#[derive(Serialize)]
struct KoopmanStatus<'a> {
    epoch: usize,
    epochs: usize,
    done: bool,
    params: usize,
    divergence: Option<&'a crate::core::driver::Divergence>,
}

#[derive(Serialize)]
struct KoopmanEvaluation {
    rel_error: Vec<f64>,
    eigenvalues: Vec<[f64; 2]>,
    consistency: f64,
}

/// The wake's truth: every clean snapshot and what the recording measured.
#[derive(Serialize)]
struct WakeTruth<'a> {
    /// `count × width · height` clean snapshots, scaled as the models see them, row-major.
    clean: Vec<f32>,
    /// The scaled value of zero vorticity (the colour scale's white).
    zero: f64,
    /// The snapshot the page's field rollout starts from (the first evaluation start).
    start: usize,
    info: &'a koopman::WakeInfo,
}

#[derive(Serialize)]
struct KoopmanTruth<'a> {
    /// (θ, θ̇) of every clean snapshot, flat.
    clean: Vec<f32>,
    /// (θ, θ̇) of the noisy training snapshots, flat.
    noisy: Vec<f32>,
    dt: f64,
    train: usize,
    /// e^{iωΔt}: the exact one-step eigenvalue pair of the pendulum at this
    /// θ0, or for the wake e^{2πi f} at the measured shedding frequency f.
    exact: [f64; 2],
    /// The wake's snapshots (`None` for the pendulum).
    wake: Option<WakeTruth<'a>>,
}

#[wasm_bindgen]
impl KoopmanSession {
    /// Starts training the experiment a koopman link describes; `plain`
    /// drops the backward and consistency terms (ν = η = 0).
    #[wasm_bindgen(constructor)]
    pub fn new(link: &str, plain: bool) -> Result<KoopmanSession, JsValue> {
        let link = parse(&super::lab::LAB, link);
        let config = koopman::Config::from_link(&link).map_err(|e| JsValue::from_str(&e))?;
        let config = if plain { config.plain() } else { config };
        Ok(KoopmanSession {
            driver: koopman::KoopmanRun::new(config, link.canonical(), &now_ms).map_err(|e| JsValue::from_str(&e))?,
        })
    }

    /// As `new`, on a wake recorded elsewhere (`WakeGpu.finish`'s parts)
    /// instead of the one the link's CPU simulation records.
    #[wasm_bindgen(js_name = onWake)]
    pub fn on_wake(
        link: &str,
        plain: bool,
        snapshots: Vec<f64>,
        probe: Vec<f64>,
        onset: f64,
        re: f64,
    ) -> Result<KoopmanSession, JsValue> {
        let t0 = now_ms();
        let link = parse(&super::lab::LAB, link);
        let config = koopman::Config::from_link(&link).map_err(js_error)?;
        if !matches!(config.source, koopman::Source::Wake { .. }) {
            return Err(js_error("the link's data is not the wake"));
        }
        let config = if plain { config.plain() } else { config };
        let wake = wake::Wake::from_parts(snapshots, probe, onset, re).map_err(js_error)?;
        if wake.probe.len() != koopman::WAKE_SNAPSHOTS {
            return Err(js_error(format!("a wake of {} snapshots, not {}", wake.probe.len(), koopman::WAKE_SNAPSHOTS)));
        }
        let data = koopman::Data::wake(&wake, config.noise, config.seed);
        let driver = koopman::KoopmanRun::on_data(config, data, link.canonical(), now_ms() - t0);
        Ok(KoopmanSession { driver })
    }

    /// Trains one epoch: its stats, or `null` once finished or diverged.
    pub fn epoch(&mut self) -> Result<JsValue, JsValue> {
        to_js_or_null(self.driver.step(&now_ms))
    }

    pub fn status(&self) -> Result<JsValue, JsValue> {
        let t = &self.driver.trainer;
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
        let m = &self.driver.trainer.model;
        to_js(&KoopmanEvaluation {
            rel_error: m.relative_error(&self.driver.trainer.data, horizon, self.driver.trainer.config.noisy_start),
            eigenvalues: m.eigenvalues(),
            consistency: m.consistency_error(),
        })
    }

    /// `n` rollouts of `steps` packed for the GPU kernel.
    pub fn packed(&self, n: usize, steps: usize) -> Result<JsValue, JsValue> {
        let t = &self.driver.trainer;
        to_js(&kernel::Packed::new(&t.model, &t.data, &kernel::starts(n, steps), steps))
    }

    /// As `packed`, rolled out on the CPU: `n × steps × 2` predicted (θ, θ̇).
    #[wasm_bindgen(js_name = rolloutsCpu)]
    pub fn rollouts_cpu(&self, n: usize, steps: usize) -> Vec<f32> {
        let t = &self.driver.trainer;
        kernel::rollout_cpu(&kernel::Packed::new(&t.model, &t.data, &kernel::starts(n, steps), steps))
    }

    /// The snapshot index each of `n` rollouts of `steps` starts from.
    pub fn starts(&self, n: usize, steps: usize) -> Vec<u32> {
        kernel::starts(n, steps).iter().map(|&s| s as u32).collect()
    }

    /// The wake: the predicted snapshots 1..=`steps` after the first
    /// evaluation start (from its noisy or clean snapshot, as the link
    /// says), `steps × width · height`, scaled as the truth.
    #[wasm_bindgen(js_name = fieldRollout)]
    pub fn field_rollout(&self, steps: usize) -> Vec<f32> {
        let t = &self.driver.trainer;
        let start = t.data.eval_starts()[0];
        let steps = steps.min(t.data.clean.nrows() - 1 - start);
        let x0 = if t.config.noisy_start { &t.data.noisy } else { &t.data.clean }.slice(ndarray::s![start..=start, ..]);
        t.model.rollout(x0, steps).iter().flat_map(|x| x.iter().copied()).collect()
    }

    /// The truth, for drawing.
    pub fn truth(&self) -> Result<JsValue, JsValue> {
        let d = &self.driver.trainer.data;
        if let Some(info) = &d.wake {
            let angle = std::f64::consts::TAU * info.shedding_frequency;
            return to_js(&KoopmanTruth {
                clean: Vec::new(),
                noisy: Vec::new(),
                dt: info.every,
                train: d.train.nrows(),
                exact: [angle.cos(), angle.sin()],
                wake: Some(WakeTruth {
                    clean: d.clean.iter().copied().collect(),
                    zero: -2.0 * d.lo / d.span - 1.0,
                    start: d.eval_starts()[0],
                    info,
                }),
            });
        }
        to_js(&KoopmanTruth {
            clean: d.states.iter().map(|&v| v as f32).collect(),
            noisy: d.train.rows().into_iter().flat_map(|r| d.state_of(r)).map(|v| v as f32).collect(),
            dt: koopman::DT,
            train: koopman::TRAIN,
            exact: {
                let angle = koopman::pendulum_frequency(self.driver.trainer.config.theta0) * koopman::DT;
                [angle.cos(), angle.sin()]
            },
            wake: None,
        })
    }
}
