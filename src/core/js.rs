//! What every wasm face shares, below the labs: converting to and from JS
//! values, a clock, and the page's WebGPU device ([`WebGpu`], with the
//! dense self-test kernel). A lab's face (`labs/<lab>/web.rs`) uses these
//! and its own registry entry; it never reaches up to the page-wide exports
//! in `src/web.rs` or the list of labs.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::lab::{Lab, Link};
use crate::gpu::dense::{self, DenseKernel};
use crate::gpu::Gpu;

/// Dispatches `continuum:gpu-lost` (its `detail` the message) on the global
/// object when the WebGPU device is lost, so the page decides what to do
/// (fall back to the CPU, show a banner). Built with `Reflect` rather than a
/// JS snippet so that the glue has no imports: the page and every worker
/// load it as one file (www/core.js).
fn gpu_lost(message: &str) {
    use js_sys::{Array, Function, Object, Reflect};
    let global = js_sys::global();
    let tell = || -> Result<JsValue, JsValue> {
        let init = Object::new();
        Reflect::set(&init, &"detail".into(), &message.into())?;
        let constructor: Function = Reflect::get(&global, &"CustomEvent".into())?.dyn_into()?;
        let event = Reflect::construct(&constructor, &Array::of2(&"continuum:gpu-lost".into(), &init))?;
        let dispatch: Function = Reflect::get(&global, &"dispatchEvent".into())?.dyn_into()?;
        dispatch.call1(&global, &event)
    };
    // Without events there is no page to tell; say so on the console at least.
    if let Err(e) = tell() {
        let warn = || -> Result<JsValue, JsValue> {
            let console = Reflect::get(&global, &"console".into())?;
            let warn: Function = Reflect::get(&console, &"warn".into())?.dyn_into()?;
            warn.call1(&console, &format!("the GPU was lost ({message}); the page could not be told: {e:?}").into())
        };
        let _ = warn();
    }
}

/// Plain JS objects (not `Map`s), so the page can read fields directly.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsValue::from_str(&e.to_string()))
}

/// `value` as a plain JS object, or `null` when there is none (an epoch
/// after training ended).
pub fn to_js_or_null<T: Serialize>(value: Option<T>) -> Result<JsValue, JsValue> {
    value.map_or(Ok(JsValue::NULL), |v| to_js(&v))
}

/// Converts an error to the string a rejected promise or thrown error carries.
pub fn js_error(e: impl std::fmt::Display) -> JsValue {
    JsValue::from_str(&e.to_string())
}

/// Puts `value` back into `slot` unless something new took its place: an
/// async GPU method takes its state out of the slot while it awaits, and a
/// state loaded meanwhile (a new link) wins.
pub fn put_back<T>(slot: &RefCell<Option<T>>, value: T) {
    let mut slot = slot.borrow_mut();
    if slot.is_none() {
        *slot = Some(value);
    }
}

/// Milliseconds of the page's clock, for a driver's timings.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Reads a link of `lab` (the page's router has already shown its notices).
pub fn parse(lab: &'static Lab, text: &str) -> Link {
    lab.parse(text).link
}

/// The WebGPU device, and the self-test kernel made on it. A lab's face
/// makes its own kernels on it (e.g. `new DepthGpu(webGpu)` in JS).
#[wasm_bindgen]
pub struct WebGpu {
    pub(crate) gpu: Rc<Gpu>,
    dense: Rc<RefCell<Option<DenseKernel>>>,
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
                Ok(gpu) => Ok(WebGpu { gpu: Rc::new(gpu), dense: Rc::new(RefCell::new(None)) }.into()),
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

    /// Destroys the device as a driver reset would, to exercise the
    /// lost-device path (`continuum:gpu-lost` fires).
    #[wasm_bindgen(js_name = simulateLoss)]
    pub fn simulate_loss(&self) {
        self.gpu.simulate_loss();
    }
}

/// The convolution benchmark in this build (`num::cnn::benchmark_problem`),
/// for `tools/ref/wasm_conv.mjs` (run by `make bench`): one forward pass and
/// one training step, to time under Node against the native build and JAX.
#[wasm_bindgen]
pub struct ConvBench {
    model: crate::num::cnn::Classifier,
    x: ndarray::Array2<f64>,
    y: Vec<usize>,
    adam: crate::num::optim::Adam,
}

#[wasm_bindgen]
impl ConvBench {
    #[wasm_bindgen(constructor)]
    pub fn new() -> ConvBench {
        let (cnn, x, y) = crate::num::cnn::benchmark_problem();
        let model = crate::num::cnn::Classifier::Cnn(cnn);
        ConvBench { model, x, y, adam: crate::num::optim::Adam::new(1e-3) }
    }

    /// The logits of the batch (row by row), from the current weights.
    pub fn forward(&self) -> Vec<f64> {
        self.model.apply(self.x.view()).iter().copied().collect()
    }

    /// One Adam step on the batch; its loss.
    pub fn step(&mut self) -> f64 {
        self.model.train_step(self.x.view(), &self.y, &mut self.adam)
    }
}

impl Default for ConvBench {
    fn default() -> Self {
        ConvBench::new()
    }
}
