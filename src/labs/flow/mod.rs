//! The flow lab: a 2D vortical flow ([`spectral`] turbulence or [`crate::num::lbm`]
//! flow past a body), its vortical [`network`], and the network's leading
//! eigenpairs by [`nystrom`] against an exact solver ([`eigen`]).
//!
//! The exact reference is the dense solver (`num::eigvals::symmetric_pairs`) up to [`DENSE_EXACT_MAX`]
//! nodes and matrix-free Lanczos above, so no n × n matrix is ever formed
//! for a large network.

use serde::Serialize;

use crate::core::driver::{Clock, Driver, Progress};
use crate::core::link::Link;
use crate::num::eigen::{self, Eigenpairs, Lanczos};
use crate::num::lbm::{Body, Lbm};
use crate::num::nystrom::{self, Form, Sampling};
pub use analysis::{clamp_notice, Extension, Report, Timings, DENSE_EXACT_MAX};
use analysis::{Analysis, Origin, Settings};
use network::{Field, Network};
use spectral::Turbulence;

pub mod analysis;
pub mod lab;

pub mod network;
pub mod network_kernel;
pub mod spectral;
pub mod spectral_kernel;
#[cfg(target_arch = "wasm32")]
mod web;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Turbulence,
    Cylinder,
    Airfoil,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub kind: Kind,
    pub res: usize,
    pub re: f64,
    pub t: f64,
    pub threshold: f64,
    pub max_nodes: usize,
    pub l: usize,
    pub sampling: Sampling,
    /// W's eigenvalue cut in the QR form, relative to its largest.
    pub tau: f64,
    pub k: usize,
    pub seed: u64,
}

impl Config {
    /// What the analysis of a field needs of the link.
    pub fn analysis(&self) -> Settings {
        Settings {
            threshold: self.threshold,
            l: self.l,
            sampling: self.sampling,
            tau: self.tau,
            k: self.k,
            seed: self.seed,
        }
    }

    pub fn from_link(link: &Link) -> Result<Config, String> {
        link.expect_lab("flow")?;
        let kind = match link.choice("flow") {
            "cylinder" => Kind::Cylinder,
            "airfoil" => Kind::Airfoil,
            _ => Kind::Turbulence,
        };
        Ok(Config {
            kind,
            res: link.choice("res").parse().expect("resolutions are numbers"),
            re: link.float("Re"),
            t: link.float("t"),
            threshold: link.float("threshold"),
            max_nodes: link.int("nodes") as usize,
            l: link.int("l") as usize,
            sampling: Sampling::by_name(link.choice("sampling")).expect("sampling choices"),
            tau: link.float("tau"),
            k: link.int("k") as usize,
            seed: link.int("seed") as u64,
        })
    }
}

/// The flow being simulated.
pub enum Simulation {
    Turbulence(Turbulence),
    Body(Lbm),
}

impl Simulation {
    pub fn new(config: &Config) -> Simulation {
        match config.kind {
            Kind::Turbulence => Simulation::Turbulence(Turbulence::new(config.res, config.re, config.seed)),
            Kind::Cylinder => Simulation::Body(Lbm::new(config.res, Body::Cylinder, config.re, config.seed)),
            Kind::Airfoil => Simulation::Body(Lbm::new(config.res, Body::Airfoil, config.re, config.seed)),
        }
    }

    /// Simulated time, in the flow's units (box 2π and unit rms speed, or
    /// body size and free-stream speed).
    pub fn time(&self) -> f64 {
        match self {
            Simulation::Turbulence(s) => s.t,
            Simulation::Body(s) => s.steps as f64 / s.steps_per_time(),
        }
    }

    /// One time step. Fails, with the reason, when the flow blows up.
    pub fn step(&mut self) -> Result<(), String> {
        match self {
            Simulation::Turbulence(s) => {
                s.step();
                // NaN and ∞ reach every mode within a step or two, so a
                // check every 25 steps (a sum over all modes) suffices.
                if s.steps.is_multiple_of(25) && !s.energy().is_finite() {
                    return Err(format!("the spectral solver blew up at t = {:.3}", s.t));
                }
            }
            Simulation::Body(s) => {
                s.step();
                if s.steps % 50 == 0 && !s.is_finite() {
                    return Err(format!(
                        "the lattice-Boltzmann solver blew up at t = {:.3} (Re {:.0}); lower Re or raise the resolution",
                        s.steps as f64 / s.steps_per_time(),
                        s.re
                    ));
                }
            }
        }
        Ok(())
    }

    /// Steps until `t`; returns the steps taken.
    pub fn advance_to(&mut self, t: f64) -> Result<usize, String> {
        let mut steps = 0;
        while self.time() + 1e-9 < t {
            self.step()?;
            steps += 1;
        }
        Ok(steps)
    }

    /// Reynolds number simulated (the lattice caps it; see [`lbm::TAU_MIN`]).
    pub fn reynolds(&self) -> f64 {
        match self {
            Simulation::Turbulence(s) => 1.0 / s.grid.nu,
            Simulation::Body(s) => s.re,
        }
    }

    /// Grid size (nx, ny), cell size and periodicity of the vorticity field.
    pub fn geometry(&self) -> (usize, usize, f64, bool) {
        match self {
            Simulation::Turbulence(s) => (s.grid.n, s.grid.n, std::f64::consts::TAU / s.grid.n as f64, true),
            Simulation::Body(s) => (s.nx, s.ny, 1.0 / s.d, false),
        }
    }

    pub fn vorticity(&self) -> Vec<f64> {
        match self {
            Simulation::Turbulence(s) => s.vorticity(),
            Simulation::Body(s) => s.vorticity(),
        }
    }

    /// The vortical network of vorticity field `w` (from this flow, CPU or GPU).
    pub fn network(&self, w: &[f64], threshold: f64, max_nodes: usize) -> Network {
        let (nx, ny, h, periodic) = self.geometry();
        Network::from_field(&Field { w, nx, ny, dx: h, dy: h, periodic }, threshold, max_nodes)
    }
}

/// The exact leading eigenpairs: dense for small networks, Lanczos with
/// on-the-fly mat-vecs for large ones. Returns the pairs and the mat-vecs
/// taken (0 for dense).
pub fn exact(net: &Network, k: usize, seed: u64) -> (Eigenpairs, usize) {
    let (pairs, matvecs, _) = exact_checked(net, k, seed);
    (pairs, matvecs)
}

/// [`exact`], and whether Lanczos converged (`None` for the dense solver).
pub fn exact_checked(net: &Network, k: usize, seed: u64) -> (Eigenpairs, usize, Option<bool>) {
    if net.len() <= DENSE_EXACT_MAX {
        return (eigen::dense(&net.dense(), k), 0, None);
    }
    let mut lanczos = Lanczos::new(net.len(), k, seed);
    let mut av = vec![0.0; net.len()];
    while !lanczos.done() {
        net.matvec(lanczos.vector(), &mut av);
        lanczos.push(&av);
    }
    (lanczos.result(), lanczos.steps(), Some(lanczos.converged()))
}

/// Nyström's k leading eigenpairs of `net` from l columns sampled by
/// `sampling`, in `form`; also returns the columns' indices.
pub fn nystrom(
    net: &Network,
    l: usize,
    sampling: Sampling,
    k: usize,
    seed: u64,
    form: Form,
    tau: f64,
) -> (Eigenpairs, Vec<usize>) {
    let s = nystrom::sample(sampling, &net.x, &net.y, l, seed);
    let c = net.columns(&s);
    (nystrom::eigenpairs_truncated(&c, &s, k, form, tau), s)
}

/// Mean over the k pairs of the relative eigenvalue error and of the angle
/// (degrees) between estimated and exact eigenvectors.
pub fn mean_errors(estimate: &Eigenpairs, exact: &Eigenpairs) -> (f64, f64) {
    let (rel, angle) = eigen::errors(estimate, exact);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    (mean(&rel), mean(&angle))
}

/// Simulation steps per driver step while the flow advances to `t`.
const SIM_STEPS_PER_UNIT: usize = 8;

/// What one unit of a flow run did.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Step {
    /// The flow advanced to time `t` (`steps` simulation steps so far).
    Simulated { t: f64, steps: usize },
    /// The vortical network was built and its columns sampled.
    Network { nodes: usize, l: usize },
    /// Nyström's pairs were computed.
    Nystrom,
    /// More of the exact solver ([`analysis::MATVECS_PER_UNIT`] Lanczos mat-vecs, or the dense solve).
    Exact { matvecs: usize, done: bool },
    /// Nyström was compared with the exact eigenpairs: the report is ready.
    Analysed,
}

/// A flow link's run: the flow advanced to `t` a few simulation steps at a
/// time, then the [`Analysis`] of its field a unit at a time. (The page
/// runs the same simulation and the same analysis, with the GPU's field,
/// columns and Lanczos mat-vecs when it has WebGPU: `web.rs`.)
pub struct FlowRun {
    config: Config,
    link: String,
    sim: Simulation,
    steps: usize,
    timings: Timings,
    analysis: Option<Analysis>,
    /// The finished report, or why the run could not finish (a blown-up
    /// flow, a threshold that leaves no network).
    outcome: Option<Result<Report, String>>,
}

impl FlowRun {
    /// One unit of the analysis, once the flow is at `t`.
    fn analyse(&mut self, clock: Clock) -> Step {
        let Some(analysis) = &mut self.analysis else {
            let t0 = clock();
            let net = self.sim.network(&self.sim.vorticity(), self.config.threshold, self.config.max_nodes);
            self.timings.network = clock() - t0;
            return match Analysis::new(&self.config.analysis(), net) {
                Ok(a) => {
                    let step = Step::Network { nodes: a.net.len(), l: a.samples.len() };
                    self.analysis = Some(a);
                    step
                }
                Err(e) => {
                    self.outcome = Some(Err(e));
                    Step::Analysed
                }
            };
        };
        if analysis.nystrom.is_none() {
            analysis.nystrom(None, clock);
            return Step::Nystrom;
        }
        if analysis.exact.is_none() {
            let done = analysis.exact_step(analysis::MATVECS_PER_UNIT, clock);
            return Step::Exact { matvecs: analysis.exact.as_ref().map_or(0, |e| e.matvecs), done };
        }
        let origin = origin(&self.config, &self.sim, self.link.clone(), self.sim.time(), self.steps);
        let report = analysis.report(origin, &self.config.analysis(), &self.timings);
        self.outcome = Some(Ok(report));
        Step::Analysed
    }
}

/// Where a field of `sim` at time `t` after `steps` steps comes from.
pub(crate) fn origin(config: &Config, sim: &Simulation, link: String, t: f64, steps: usize) -> Origin {
    let flow = match config.kind {
        Kind::Turbulence => "turbulence",
        Kind::Cylinder => "cylinder",
        Kind::Airfoil => "airfoil",
    };
    Origin { link, flow, t, steps, reynolds: sim.reynolds() }
}

impl Driver for FlowRun {
    type Step = Step;
    type Report = Report;

    fn start(link: &Link) -> Result<FlowRun, String> {
        let config = Config::from_link(link)?;
        let sim = Simulation::new(&config);
        let link = link.canonical();
        Ok(FlowRun { config, link, sim, steps: 0, timings: Timings::default(), analysis: None, outcome: None })
    }

    fn step(&mut self, clock: Clock) -> Option<Step> {
        if self.outcome.is_some() {
            return None;
        }
        if self.sim.time() + 1e-9 < self.config.t {
            let t0 = clock();
            for _ in 0..SIM_STEPS_PER_UNIT {
                if self.sim.time() + 1e-9 >= self.config.t {
                    break;
                }
                if let Err(e) = self.sim.step() {
                    self.outcome = Some(Err(e));
                    return None;
                }
                self.steps += 1;
            }
            self.timings.simulation += clock() - t0;
            return Some(Step::Simulated { t: self.sim.time(), steps: self.steps });
        }
        Some(self.analyse(clock))
    }

    fn progress(&self) -> Progress {
        let finished = self.outcome.is_some();
        let divergence = match &self.outcome {
            Some(Err(e)) => Some(e.clone()),
            _ => None,
        };
        let t = self.config.t.max(1e-9);
        let analysed =
            self.analysis.as_ref().map_or(0, |a| 1 + usize::from(a.nystrom.is_some()) + usize::from(a.exact.is_some()));
        let done = ((self.sim.time() / t).min(1.0) * 100.0) as usize + analysed + usize::from(finished);
        let label = match (&self.analysis, finished) {
            (_, true) => "done".into(),
            (None, false) => format!("t = {:.2} of {}", self.sim.time(), self.config.t),
            (Some(a), false) if a.nystrom.is_none() => "Nyström".into(),
            (Some(_), false) => "the exact eigenpairs".into(),
        };
        Progress { done: if finished { 104 } else { done }, total: 104, label, finished, divergence }
    }

    /// The report; panics if the run has not finished or failed (see [`run`]).
    fn report(&self) -> Report {
        match &self.outcome {
            Some(Ok(report)) => report.clone(),
            other => panic!("no flow report: {other:?}"),
        }
    }
}

/// Advances the link's flow to its time `t`, builds the network and compares
/// Nyström with the exact eigenpairs.
pub fn run(link: &Link, clock: Clock) -> Result<Report, String> {
    let mut driver = FlowRun::start(link)?;
    driver.finish(clock);
    driver.outcome.take().expect("a finished run")
}
