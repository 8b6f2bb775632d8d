//! The fields lab's page face: [`FieldsSession`] runs the lab's driver in
//! its Web Worker (the operators, the dye movie, the three recurrences on
//! the copy task), and [`FieldsGpu`] advects the grid dye with
//! `advect.wgsl` on the main thread, which owns the WebGPU device.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::advect::AdvectKernel;
use super::copy;
use super::{torus, Config, FieldsRun, Movie, Operators, FRAMES, MOVIE_RES};
use crate::core::driver::Driver;
use crate::core::js::{js_error, now_ms, parse, to_js, to_js_or_null, WebGpu};
use crate::gpu::Gpu;

fn config(link: &str) -> Result<Config, JsValue> {
    Config::from_link(&parse(&super::lab::LAB, link)).map_err(|e| JsValue::from_str(&e))
}

/// The grid transport on the page's WebGPU device.
#[wasm_bindgen]
pub struct FieldsGpu {
    gpu: Rc<Gpu>,
    kernel: Rc<RefCell<Option<AdvectKernel>>>,
}

#[wasm_bindgen]
impl FieldsGpu {
    #[wasm_bindgen(constructor)]
    pub fn new(device: &WebGpu) -> FieldsGpu {
        FieldsGpu { gpu: Rc::clone(&device.gpu), kernel: Rc::new(RefCell::new(None)) }
    }

    /// The dyes `dye0` (res² each) carried for `steps` steps of `dt` by the
    /// velocity `vel` (see `advect::advect_cpu`).
    pub fn advect(&self, vel: Vec<f32>, dye0: Vec<f32>, res: usize, dt: f32, steps: usize) -> Promise {
        let gpu = Rc::clone(&self.gpu);
        let slot = Rc::clone(&self.kernel);
        future_to_promise(async move {
            let mut kernel = slot.borrow_mut().take().unwrap_or_else(|| AdvectKernel::new(&gpu));
            let result = kernel.advect(&gpu, &vel, &dye0, res, dt, steps).await;
            *slot.borrow_mut() = Some(kernel);
            Ok(js_sys::Float32Array::from(&result.map_err(js_error)?[..]).into())
        })
    }
}

#[derive(Serialize)]
struct Summary {
    basis_size: usize,
    quadrature_points: usize,
    skew_residual: f64,
    max_real_eigenvalue: f64,
    norm_ratio: f64,
    divergence_identity_error: f64,
    spectrum: Vec<[f64; 2]>,
    /// ‖exp(−τM)c₀‖/‖c₀‖ at τ = k t / (len − 1).
    norm_curve: Vec<f64>,
    t: f64,
    frames: usize,
    /// The grid transport's inputs, for the GPU.
    movie: MovieInputs,
}

#[derive(Serialize)]
struct MovieInputs {
    res: usize,
    dt: f32,
    steps_per_frame: usize,
}

/// The field on a grid, for drawing: `vx`, `vy`, `div`, each res², row b at y = 2πb/res.
#[derive(Serialize)]
struct FieldGrid {
    res: usize,
    vx: Vec<f32>,
    vy: Vec<f32>,
    div: Vec<f32>,
}

/// A fields link in the worker: the lab's driver ([`FieldsRun`]), whose
/// first unit (the operator study) is done at once for the figures, and the
/// dye movie drawn from that study frame by frame.
#[wasm_bindgen]
pub struct FieldsSession {
    run: FieldsRun,
    config: Config,
    movie: Movie,
}

impl FieldsSession {
    fn study(&self) -> &Operators {
        self.run.study().expect("the operator study is the first unit")
    }
}

#[wasm_bindgen]
impl FieldsSession {
    #[wasm_bindgen(constructor)]
    pub fn new(link: &str) -> Result<FieldsSession, JsValue> {
        let config = config(link)?;
        let mut run = FieldsRun::start(&parse(&super::lab::LAB, link)).map_err(js_error)?;
        run.step(&now_ms);
        let movie = Movie::new(run.study().expect("the first unit"), &config, MOVIE_RES);
        Ok(FieldsSession { run, config, movie })
    }

    /// The numbers and curves of the operator study.
    pub fn summary(&self) -> Result<JsValue, JsValue> {
        let spectrum = self.study().spectrum();
        to_js(&Summary {
            basis_size: torus::basis_size(self.config.big_k),
            quadrature_points: self.study().ops.points,
            skew_residual: self.study().skew_residual(),
            max_real_eigenvalue: spectrum.iter().fold(0.0f64, |m, z| m.max(z[0].abs())),
            norm_ratio: self.study().norm_ratio(),
            divergence_identity_error: self.study().divergence_identity_error(),
            spectrum,
            norm_curve: self.study().norm_curve(self.config.t),
            t: self.config.t,
            frames: FRAMES,
            movie: MovieInputs { res: self.movie.res, dt: self.movie.dt, steps_per_frame: self.movie.steps_per_frame },
        })
    }

    /// `M` (row-major, n × n).
    pub fn matrix(&self) -> Vec<f32> {
        self.study().ops.m.iter().map(|&v| v as f32).collect()
    }

    /// The divergence matrix `D = −(M + Mᵀ)`, as computed by quadrature.
    pub fn divergence(&self) -> Vec<f32> {
        self.study().ops.div.iter().map(|&v| v as f32).collect()
    }

    /// The field at `res × res` points.
    pub fn field(&self, res: usize) -> Result<JsValue, JsValue> {
        let mut grid = FieldGrid { res, vx: vec![], vy: vec![], div: vec![] };
        let h = 2.0 * std::f64::consts::PI / res as f64;
        for b in 0..res {
            for a in 0..res {
                let [vx, vy, div] = self.study().field.at(a as f64 * h, b as f64 * h);
                grid.vx.push(vx as f32);
                grid.vy.push(vy as f32);
                grid.div.push(div as f32);
            }
        }
        to_js(&grid)
    }

    /// Frame `k` of the Galerkin dye.
    pub fn galerkin(&mut self, k: usize) -> Vec<f32> {
        self.movie.galerkin(k)
    }

    /// Frame `k` of the grid dye, on the CPU.
    #[wasm_bindgen(js_name = gridCpu)]
    pub fn grid_cpu(&self, k: usize) -> Vec<f32> {
        self.movie.grid_cpu(k)
    }

    /// The grid velocity (vx then vy) for [`FieldsGpu::advect`].
    pub fn velocity(&self) -> Vec<f32> {
        self.movie.vel.clone()
    }

    /// The initial dye on the grid.
    pub fn dye(&self) -> Vec<f32> {
        self.movie.dye0.clone()
    }
}

#[derive(Serialize)]
struct CopyStatus<'a> {
    iter: usize,
    iters: usize,
    done: bool,
    baseline: f64,
    divergence: Option<&'a crate::core::driver::Divergence>,
}

#[derive(Serialize)]
struct CopyEvaluation {
    loss: f64,
    accuracy: f64,
    grad_norms: Vec<f64>,
    initial_grad_norms: Vec<f64>,
    norm_ratio: f64,
    eigenvalues: Vec<[f64; 2]>,
}

#[wasm_bindgen]
impl FieldsSession {
    /// The driver's next unit (the dye transport, then rounds of one Adam
    /// step per copy-task model), or `null` once finished.
    pub fn train(&mut self) -> Result<JsValue, JsValue> {
        to_js_or_null(self.run.step(&now_ms))
    }

    pub fn progress(&self) -> Result<JsValue, JsValue> {
        to_js(&self.run.progress())
    }

    /// Each copy-task model's status, by name (empty before training starts).
    pub fn status(&self) -> Result<JsValue, JsValue> {
        let by_kind: BTreeMap<_, _> = self
            .run
            .trainers()
            .iter()
            .map(|t| {
                let status = CopyStatus {
                    iter: t.iter,
                    iters: t.config.iters,
                    done: t.done(),
                    baseline: t.config.baseline_loss(),
                    divergence: t.diverged.as_ref(),
                };
                (t.model.kind.name(), status)
            })
            .collect();
        to_js(&by_kind)
    }

    /// Each model on the fixed test batch, by name: loss, recall accuracy,
    /// gradient norms against t (now and before training), and the eigenvalues of W.
    pub fn evaluate(&self) -> Result<JsValue, JsValue> {
        let by_kind: BTreeMap<_, _> = self
            .run
            .trainers()
            .iter()
            .map(|t| {
                let pass = t.evaluate();
                let evaluation = CopyEvaluation {
                    loss: pass.loss,
                    accuracy: pass.accuracy,
                    norm_ratio: copy::norm_ratio(&pass.grad_norms, t.config.recall()),
                    grad_norms: pass.grad_norms,
                    initial_grad_norms: t.initial_grad_norms.clone(),
                    eigenvalues: t.model.eigenvalues(),
                };
                (t.model.kind.name(), evaluation)
            })
            .collect();
        to_js(&by_kind)
    }

    /// What `continuum run` prints for the link, once finished.
    pub fn report(&self) -> Result<JsValue, JsValue> {
        to_js(&self.run.report())
    }
}
