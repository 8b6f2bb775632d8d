//! The flow lab's face for the page.
//!
//! - [`FlowSession`] lives in the lab's Web Worker: it simulates on the CPU
//!   (when there is no WebGPU), builds the vortical network, runs Nyström and
//!   the exact solver in slices, and traces the error-against-l curve.
//! - [`FlowGpu`] lives on the main thread, which owns the WebGPU device:
//!   the simulation (`spectral_kernel.wgsl` or `gpu/lbm.wgsl`), the sampled columns and
//!   Lanczos' mat-vecs (`network_kernel.wgsl`).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::core::js::{js_error, now_ms, parse, put_back, to_js, WebGpu};
use crate::gpu::lbm::LbmKernel;
use crate::gpu::Gpu;
use crate::labs::flow::analysis::{self, Analysis, Exact};
use crate::labs::flow::network::Network;
use crate::labs::flow::network_kernel::NetworkKernel;
use crate::labs::flow::spectral_kernel::SpectralKernel;
use crate::labs::flow::{self, Config, Simulation};
use crate::num::eigen::{self, Eigenpairs, Lanczos};
use crate::num::lbm;
use crate::num::nystrom::{Form, Sampling};

/// Where the vorticity field lives and how big a cell is.
#[derive(Serialize)]
struct Geometry {
    nx: usize,
    ny: usize,
    h: f64,
    periodic: bool,
    reynolds: f64,
    /// Simulated time per step.
    dt: f64,
}

fn geometry(sim: &Simulation) -> Geometry {
    let (nx, ny, h, periodic) = sim.geometry();
    let dt = match sim {
        Simulation::Turbulence(s) => s.dt,
        Simulation::Body(s) => 1.0 / s.steps_per_time(),
    };
    Geometry { nx, ny, h, periodic, reynolds: sim.reynolds(), dt }
}

fn body(sim: &Simulation) -> Vec<u8> {
    match sim {
        Simulation::Turbulence(_) => Vec::new(),
        Simulation::Body(s) => s.solid.iter().map(|&b| b as u8).collect(),
    }
}

/// A flow-lab run in the worker: the CPU simulation (when there is no
/// WebGPU) and the [`Analysis`] of a field, a unit at a time, as the CLI's
/// driver does it, with the GPU's field, columns and Lanczos when the page
/// has them; then the error-against-l curve.
#[wasm_bindgen]
pub struct FlowSession {
    config: Config,
    link: String,
    sim: Simulation,
    analysis: Option<Analysis>,
    /// The analysed field's time.
    analysed_t: f64,
}

#[derive(Serialize)]
struct NetworkInfo<'a> {
    network: &'a Network,
    samples: &'a [usize],
}

#[derive(Serialize)]
struct CurvePoint {
    rel: f64,
    angle: f64,
    /// Mean signed relative error over the k pairs: the bias.
    signed: f64,
}

#[wasm_bindgen]
impl FlowSession {
    #[wasm_bindgen(constructor)]
    pub fn new(link: &str) -> Result<FlowSession, JsValue> {
        let link = parse(&super::lab::LAB, link);
        let config = Config::from_link(&link).map_err(js_error)?;
        let sim = Simulation::new(&config);
        Ok(FlowSession { config, link: link.canonical(), sim, analysis: None, analysed_t: 0.0 })
    }

    /// `{nx, ny, h, periodic, reynolds, dt}`.
    pub fn geometry(&self) -> Result<JsValue, JsValue> {
        to_js(&geometry(&self.sim))
    }

    pub fn time(&self) -> f64 {
        self.sim.time()
    }

    /// The body's cells (1) on the grid, empty for turbulence.
    pub fn body(&self) -> Vec<u8> {
        body(&self.sim)
    }

    /// Steps the CPU simulation for about `ms` milliseconds, or until time
    /// `until`; returns the steps taken. Throws, with the reason, on blow-up.
    pub fn simulate(&mut self, ms: f64, until: f64) -> Result<usize, JsValue> {
        let start = now_ms();
        let mut steps = 0;
        while now_ms() - start < ms && self.sim.time() + 1e-9 < until {
            self.sim.step().map_err(js_error)?;
            steps += 1;
        }
        Ok(steps)
    }

    /// The CPU simulation's vorticity, row-major, row = y.
    pub fn vorticity(&self) -> Vec<f32> {
        self.sim.vorticity().iter().map(|&w| w as f32).collect()
    }

    /// Starts the analysis of `field` (the GPU's vorticity at time `t`) or,
    /// if it is absent, of the CPU simulation's: builds the vortical network
    /// and draws its l columns, `{network: {x, y, gamma, period, block, cells}, samples}`.
    pub fn network(&mut self, field: Option<Vec<f32>>, t: Option<f64>) -> Result<JsValue, JsValue> {
        let w: Vec<f64> = match &field {
            Some(f) => f.iter().map(|&v| v as f64).collect(),
            None => self.sim.vorticity(),
        };
        self.analysed_t = t.filter(|_| field.is_some()).unwrap_or_else(|| self.sim.time());
        let t0 = now_ms();
        let net = self.sim.network(&w, self.config.threshold, self.config.max_nodes);
        let mut analysis = Analysis::new(&self.config.analysis(), net).map_err(js_error)?;
        analysis.timings.network = now_ms() - t0;
        let analysis = self.analysis.insert(analysis);
        to_js(&NetworkInfo { network: &analysis.net, samples: &analysis.samples })
    }

    fn analysis(&mut self) -> Result<&mut Analysis, JsValue> {
        self.analysis.as_mut().ok_or_else(|| js_error("build the network first"))
    }

    /// Nyström's k leading pairs (QR form) from `columns` (n × l,
    /// column-major, from the GPU) or columns computed here; returns its time in ms.
    pub fn nystrom(&mut self, columns: Option<Vec<f32>>) -> Result<f64, JsValue> {
        let a = self.analysis()?;
        let n = a.net.len();
        let c = columns.map(|c| ndarray::Array2::from_shape_fn((n, a.samples.len()), |(i, j)| c[j * n + i] as f64));
        a.nystrom(c, &now_ms);
        Ok(a.timings.nystrom)
    }

    /// How many leading pairs the analysis compares (the link's k, at most l).
    #[wasm_bindgen(js_name = analysisK)]
    pub fn analysis_k(&self) -> usize {
        self.analysis.as_ref().map_or(self.config.k, |a| a.k)
    }

    /// Starts the exact solver: dense at once for small networks (returns
    /// true, done), else Lanczos, advanced by [`exact_step`](Self::exact_step).
    #[wasm_bindgen(js_name = exactBegin)]
    pub fn exact_begin(&mut self) -> Result<bool, JsValue> {
        Ok(self.analysis()?.exact_step(0, &now_ms))
    }

    /// Lanczos mat-vecs (on the CPU) for about `ms` milliseconds; true when done.
    #[wasm_bindgen(js_name = exactStep)]
    pub fn exact_step(&mut self, ms: f64) -> Result<bool, JsValue> {
        let start = now_ms();
        let a = self.analysis()?;
        let mut done = a.exact_step(analysis::MATVECS_PER_UNIT, &now_ms);
        while !done && now_ms() - start < ms {
            done = a.exact_step(analysis::MATVECS_PER_UNIT, &now_ms);
        }
        Ok(done)
    }

    /// The exact pairs found elsewhere (Lanczos on GPU mat-vecs): values,
    /// vectors (k × n, row-major), its time and mat-vec count.
    #[wasm_bindgen(js_name = setExact)]
    pub fn set_exact(
        &mut self,
        values: Vec<f64>,
        vectors: Vec<f32>,
        ms: f64,
        matvecs: usize,
        converged: bool,
    ) -> Result<(), JsValue> {
        let a = self.analysis()?;
        let vectors = vectors.chunks(a.net.len()).map(|v| v.iter().map(|&x| x as f64).collect()).collect();
        let pairs = Eigenpairs { values, vectors };
        a.set_exact(Exact { pairs, method: "lanczos (GPU mat-vecs)", matvecs, converged: Some(converged) }, ms);
        Ok(())
    }

    /// The finished analysis as the report `continuum run` prints for a
    /// field at this time (its `steps` counted from the time and step size).
    pub fn report(&self) -> Result<JsValue, JsValue> {
        let a = self.analysis.as_ref().ok_or_else(|| js_error("build the network first"))?;
        if a.nystrom.is_none() || a.exact.is_none() {
            return Err(js_error("the analysis is not finished"));
        }
        let steps = (self.analysed_t / geometry(&self.sim).dt).round() as usize;
        let origin = flow::origin(&self.config, &self.sim, self.link.clone(), self.analysed_t, steps);
        to_js(&a.report(origin, &self.config.analysis(), &flow::Timings::default()))
    }

    /// |u_i| on the nodes for eigenvector `i` of `which` (`nystrom` or `exact`).
    pub fn eigenvector(&self, which: &str, i: usize) -> Vec<f32> {
        let a = self.analysis.as_ref();
        let pairs = match which {
            "exact" => a.and_then(|a| a.exact.as_ref()).map(|e| &e.pairs),
            _ => a.and_then(|a| a.nystrom.as_ref()),
        };
        pairs.and_then(|p| p.vectors.get(i)).map(|v| v.iter().map(|x| x.abs() as f32).collect()).unwrap_or_default()
    }

    /// Eigenvector `i`, signed, of both estimates side by side (`2 × n`:
    /// Nyström then exact), Nyström's sign chosen to agree with the exact
    /// one (an eigenvector's sign is arbitrary); empty before both exist.
    #[wasm_bindgen(js_name = eigenvectorPair)]
    pub fn eigenvector_pair(&self, i: usize) -> Vec<f32> {
        let Some(Analysis { nystrom: Some(nystrom), exact: Some(exact), .. }) = &self.analysis else { return vec![] };
        let (Some(a), Some(b)) = (nystrom.vectors.get(i), exact.pairs.vectors.get(i)) else { return vec![] };
        let sign = if a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>() < 0.0 { -1.0 } else { 1.0 };
        a.iter().map(|x| (sign * x) as f32).chain(b.iter().map(|&x| x as f32)).collect()
    }

    /// Mean relative eigenvalue error and angle over the k pairs for l
    /// columns sampled by `sampling` with `seed` (CPU columns), in `form`
    /// (`qr` with the link's τ, or `extension`), against the exact pairs.
    #[wasm_bindgen(js_name = curvePoint)]
    pub fn curve_point(&self, l: usize, sampling: &str, form: &str, seed: u32) -> Result<JsValue, JsValue> {
        let a = self.analysis.as_ref().ok_or_else(|| js_error("build the network first"))?;
        let exact = a.exact.as_ref().ok_or_else(|| js_error("run the exact solver first"))?;
        let sampling =
            Sampling::by_name(sampling).ok_or_else(|| js_error("sampling is uniform, quasi or stratified"))?;
        let form = if form == "extension" { Form::Extension } else { Form::Qr };
        let (estimate, _) = flow::nystrom(&a.net, l, sampling, a.k, seed as u64, form, self.config.tau);
        let (rel, angle) = flow::mean_errors(&estimate, &exact.pairs);
        let signed = eigen::signed_errors(&estimate, &exact.pairs);
        to_js(&CurvePoint { rel, angle, signed: signed.iter().sum::<f64>() / signed.len().max(1) as f64 })
    }
}

/// The flow lab's simulation on the GPU, on the main thread. Async methods
/// take it out of its slot while they await and put it back only if no new
/// flow was loaded meanwhile.
struct FlowState {
    sim: SimKernel,
    /// The CPU-side start state: geometry and the body's cells.
    start: Simulation,
}

enum SimKernel {
    Spectral(SpectralKernel),
    Lbm(LbmKernel),
}

#[derive(Serialize)]
struct GpuEigen {
    values: Vec<f64>,
    vectors: Vec<f32>,
    matvecs: usize,
    converged: bool,
    ms: f64,
}

impl FlowState {
    fn time(&self) -> f64 {
        match (&self.sim, &self.start) {
            (SimKernel::Spectral(k), _) => k.t,
            (SimKernel::Lbm(k), Simulation::Body(s)) => k.steps as f64 / s.steps_per_time(),
            _ => unreachable!("the kernel matches the flow"),
        }
    }
}

/// The flow lab's kernels on the page's WebGPU device: the loaded flow and
/// the uploaded network.
#[wasm_bindgen]
pub struct FlowGpu {
    gpu: Rc<Gpu>,
    flow: Rc<RefCell<Option<FlowState>>>,
    network: Rc<RefCell<Option<NetworkKernel>>>,
}

#[wasm_bindgen]
impl FlowGpu {
    #[wasm_bindgen(constructor)]
    pub fn new(device: &WebGpu) -> FlowGpu {
        FlowGpu { gpu: Rc::clone(&device.gpu), flow: Rc::new(RefCell::new(None)), network: Rc::new(RefCell::new(None)) }
    }

    /// Loads the link's flow onto the GPU at time 0: `{nx, ny, h, periodic, reynolds, dt}`.
    #[wasm_bindgen(js_name = load)]
    pub fn flow_load(&self, link: &str) -> Result<JsValue, JsValue> {
        let config = Config::from_link(&parse(&super::lab::LAB, link)).map_err(js_error)?;
        let start = Simulation::new(&config);
        let sim = match &start {
            Simulation::Turbulence(t) => {
                let mut k = SpectralKernel::new(&self.gpu);
                k.load(&self.gpu, t);
                SimKernel::Spectral(k)
            }
            Simulation::Body(b) => {
                let mut k = LbmKernel::new(&self.gpu);
                k.load(&self.gpu, b);
                SimKernel::Lbm(k)
            }
        };
        let info = to_js(&geometry(&start));
        *self.flow.borrow_mut() = Some(FlowState { sim, start });
        info
    }

    /// The loaded flow's body cells (1) on the grid, empty for turbulence.
    #[wasm_bindgen(js_name = body)]
    pub fn flow_body(&self) -> Vec<u8> {
        self.flow.borrow().as_ref().map(|f| body(&f.start)).unwrap_or_default()
    }

    /// Queues `steps` time steps on the GPU; returns the flow's time after them.
    #[wasm_bindgen(js_name = advance)]
    pub fn flow_advance(&self, steps: usize) -> Result<f64, JsValue> {
        let mut slot = self.flow.borrow_mut();
        let flow = slot.as_mut().ok_or_else(|| js_error("no flow loaded, or a read-back is in flight"))?;
        match &mut flow.sim {
            SimKernel::Spectral(k) => k.advance(&self.gpu, steps),
            SimKernel::Lbm(k) => k.advance(&self.gpu, steps),
        }
        .map_err(js_error)?;
        Ok(flow.time())
    }

    /// Resolves to `{t, w}`: the flow's time and its vorticity field
    /// (row-major, row = y); rejects when the flow has blown up or the device is gone.
    #[wasm_bindgen(js_name = vorticity)]
    pub fn flow_vorticity(&self) -> Promise {
        let gpu = self.gpu.clone();
        let slot = self.flow.clone();
        future_to_promise(async move {
            let flow = slot.borrow_mut().take().ok_or_else(|| js_error("flowLoad first"))?;
            let result = match (&flow.sim, &flow.start) {
                (SimKernel::Spectral(k), _) => k.vorticity(&gpu).await,
                (SimKernel::Lbm(k), Simulation::Body(s)) => {
                    k.velocity(&gpu).await.map(|(u, v)| lbm::vorticity_from(&u, &v, &s.solid, s.nx, s.ny, s.d))
                }
                _ => unreachable!("the kernel matches the flow"),
            };
            let time = flow.time();
            put_back(&slot, flow);
            let w = result.map_err(js_error)?;
            if w.iter().step_by(97).any(|v| !v.is_finite()) {
                return Err(js_error(format!(
                    "the flow blew up before t = {time:.3}; lower Re or raise the resolution"
                )));
            }
            let out: Vec<f32> = w.iter().map(|&v| v as f32).collect();
            let reply = js_sys::Object::new();
            js_sys::Reflect::set(&reply, &"t".into(), &time.into())?;
            js_sys::Reflect::set(&reply, &"w".into(), &js_sys::Float32Array::from(&out[..]))?;
            Ok(reply.into())
        })
    }

    /// Uploads a network (as `FlowSession.network` returned it) for the
    /// column and mat-vec kernels, with room for `l` columns.
    #[wasm_bindgen(js_name = network)]
    pub fn flow_network(&self, network: JsValue, l: usize) -> Result<(), JsValue> {
        let net: Network = serde_wasm_bindgen::from_value(network)?;
        let mut slot = self.network.borrow_mut();
        let kernel = slot.get_or_insert_with(|| NetworkKernel::new(&self.gpu));
        kernel.load(&self.gpu, &net, l);
        Ok(())
    }

    /// Resolves to columns `samples` of the loaded network's A (n × l, column-major).
    #[wasm_bindgen(js_name = columns)]
    pub fn flow_columns(&self, samples: Vec<u32>) -> Promise {
        let gpu = self.gpu.clone();
        let slot = self.network.clone();
        future_to_promise(async move {
            let kernel = slot.borrow_mut().take().ok_or_else(|| js_error("flowNetwork first"))?;
            let cols: Vec<usize> = samples.iter().map(|&s| s as usize).collect();
            let result = kernel.columns(&gpu, &cols).await;
            put_back(&slot, kernel);
            Ok(js_sys::Float32Array::from(&result.map_err(js_error)?[..]).into())
        })
    }

    /// Lanczos on the loaded network with mat-vecs on the GPU: resolves to
    /// `{values, vectors (k × n), matvecs, ms}`. Each mat-vec awaits its
    /// read-back, so the page stays responsive throughout.
    #[wasm_bindgen(js_name = lanczos)]
    pub fn flow_lanczos(&self, n: usize, k: usize, seed: u32) -> Promise {
        let gpu = self.gpu.clone();
        let slot = self.network.clone();
        future_to_promise(async move {
            let start = now_ms();
            let kernel = slot.borrow_mut().take().ok_or_else(|| js_error("flowNetwork first"))?;
            let mut lanczos = Lanczos::new(n, k, seed as u64);
            let mut failure = None;
            while !lanczos.done() {
                match kernel.matvec(&gpu, lanczos.vector()).await {
                    Ok(av) => lanczos.push(&av),
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            put_back(&slot, kernel);
            if let Some(e) = failure {
                return Err(js_error(e));
            }
            let pairs = lanczos.result();
            to_js(&GpuEigen {
                values: pairs.values,
                vectors: pairs.vectors.iter().flatten().map(|&x| x as f32).collect(),
                matvecs: lanczos.steps(),
                converged: lanczos.converged(),
                ms: now_ms() - start,
            })
        })
    }
}
