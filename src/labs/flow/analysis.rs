//! The analysis of one vorticity field, a unit at a time: the vortical
//! network and its l sampled columns, Nyström's k leading eigenpairs (QR
//! form, W's spectrum cut at τ), the exact pairs (dense, or Lanczos a few
//! mat-vecs per unit), and the errors between them.
//!
//! The CLI's driver ([`super::FlowRun`]) and the page's worker
//! (`web.rs`) both go through [`Analysis`], so they sample the same columns,
//! cut at the same k and compare the same way. The page may hand in what
//! its GPU computed instead (the field, the sampled columns, Lanczos on GPU
//! mat-vecs): the same quantities, from the twin kernels.

use ndarray::Array2;
use serde::Serialize;

use super::network::Network;
use crate::core::driver::Clock;
use crate::num::eigen::{self, Eigenpairs, Lanczos};
use crate::num::nystrom::{self, Form, Sampling};

/// Largest network whose exact eigenpairs come from the dense solver.
pub const DENSE_EXACT_MAX: usize = 400;

/// What an analysis needs of the link (`Config::analysis`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// The vorticity threshold of the network's nodes (for the message when too few pass).
    pub threshold: f64,
    pub l: usize,
    pub sampling: Sampling,
    /// W's eigenvalue cut in the QR form, relative to its largest.
    pub tau: f64,
    pub k: usize,
    pub seed: u64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Timings {
    pub simulation: f64,
    pub network: f64,
    pub nystrom: f64,
    pub exact: f64,
}

/// The extension form's figures, beside the main (QR) form's.
#[derive(Clone, Debug, Serialize)]
pub struct Extension {
    pub eigenvalues: Vec<f64>,
    pub eig_rel_error: Vec<f64>,
    pub vec_angle: Vec<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub link: String,
    pub flow: &'static str,
    pub t: f64,
    pub steps: usize,
    pub reynolds: f64,
    pub cells: usize,
    pub nodes: usize,
    pub block: usize,
    pub l: usize,
    pub sampling: &'static str,
    pub eigenvalues_nystrom: Vec<f64>,
    pub eigenvalues_exact: Vec<f64>,
    pub eig_rel_error: Vec<f64>,
    /// Degrees.
    pub vec_angle: Vec<f64>,
    /// The leading pair's relative error and angle (degrees): λ₂ … λ₅ are
    /// nearly equal, so index-matched angles past the first mostly measure
    /// pairs changing places.
    pub leading_rel_error: f64,
    pub leading_angle: f64,
    /// The largest principal angle (degrees) between the Nyström and exact top-k subspaces.
    pub subspace_angle: f64,
    /// (λ̃ − λ)/|λ| per pair: the sign shows a bias.
    pub signed_rel_error: Vec<f64>,
    pub extension: Extension,
    /// `dense` or `lanczos`.
    pub exact_method: &'static str,
    pub lanczos_matvecs: usize,
    /// Whether Lanczos met its tolerance (`null` for the dense solver).
    pub lanczos_converged: Option<bool>,
    /// What the run changed in the link's settings (l above the node count).
    pub notice: Option<String>,
    pub timings_ms: Timings,
}

/// The notice when the link's `l` is more than the network's nodes.
pub fn clamp_notice(l: usize, nodes: usize) -> Option<String> {
    (l > nodes).then(|| format!("l = {l} is more than the network's {nodes} nodes: every node was used (l = {nodes})"))
}

/// Lanczos mat-vecs per unit of [`Analysis::exact_step`] in the CLI's driver.
pub const MATVECS_PER_UNIT: usize = 16;

/// The exact pairs and how they were found.
pub struct Exact {
    pub pairs: Eigenpairs,
    /// `dense`, `lanczos`, or `lanczos (GPU mat-vecs)` on the page.
    pub method: &'static str,
    pub matvecs: usize,
    /// Whether Lanczos met its tolerance (`None` for the dense solver).
    pub converged: Option<bool>,
}

/// Where the analysed field came from: the flow, its time and step count.
pub struct Origin {
    pub link: String,
    pub flow: &'static str,
    pub t: f64,
    pub steps: usize,
    pub reynolds: f64,
}

/// One field's analysis in progress; see the module docs.
pub struct Analysis {
    pub net: Network,
    /// The l sampled nodes (l clamped to the network's size).
    pub samples: Vec<usize>,
    /// How many leading pairs: the link's k, at most l.
    pub k: usize,
    tau: f64,
    seed: u64,
    /// The link's l, before clamping.
    asked_l: usize,
    columns: Option<Array2<f64>>,
    pub nystrom: Option<Eigenpairs>,
    lanczos: Option<Lanczos>,
    pub exact: Option<Exact>,
    pub timings: Timings,
}

impl Analysis {
    /// The network of `w` (vorticity on the flow's grid) and its sampled
    /// columns' indices; an error if the threshold leaves under two nodes.
    pub fn new(config: &Settings, net: Network) -> Result<Analysis, String> {
        if net.len() < 2 {
            return Err(format!(
                "the threshold {} leaves {} node(s); lower it to get a network",
                config.threshold,
                net.len()
            ));
        }
        let l = config.l.min(net.len());
        let samples = nystrom::sample(config.sampling, &net.x, &net.y, l, config.seed);
        Ok(Analysis {
            net,
            samples,
            k: config.k.min(l),
            tau: config.tau,
            seed: config.seed,
            asked_l: config.l,
            columns: None,
            nystrom: None,
            lanczos: None,
            exact: None,
            timings: Timings::default(),
        })
    }

    /// Nyström's k leading pairs from `columns` (n × l, from the GPU) or
    /// columns computed here.
    pub fn nystrom(&mut self, columns: Option<Array2<f64>>, clock: Clock) {
        let t0 = clock();
        let columns = columns.unwrap_or_else(|| self.net.columns(&self.samples));
        self.nystrom = Some(nystrom::eigenpairs_truncated(&columns, &self.samples, self.k, Form::Qr, self.tau));
        self.columns = Some(columns);
        self.timings.nystrom += clock() - t0;
    }

    /// Up to `matvecs` more of the exact solver (a small network's dense
    /// solve is one unit); true once the exact pairs are known.
    pub fn exact_step(&mut self, matvecs: usize, clock: Clock) -> bool {
        if self.exact.is_some() {
            return true;
        }
        let t0 = clock();
        let n = self.net.len();
        if n <= DENSE_EXACT_MAX {
            let pairs = eigen::dense(&self.net.dense(), self.k);
            self.exact = Some(Exact { pairs, method: "dense", matvecs: 0, converged: None });
        } else {
            let lanczos = self.lanczos.get_or_insert_with(|| Lanczos::new(n, self.k, self.seed));
            let mut av = vec![0.0; n];
            for _ in 0..matvecs {
                if lanczos.done() {
                    break;
                }
                self.net.matvec(lanczos.vector(), &mut av);
                lanczos.push(&av);
            }
            if lanczos.done() {
                let lanczos = self.lanczos.take().expect("in progress");
                let (matvecs, converged) = (lanczos.steps(), Some(lanczos.converged()));
                self.exact = Some(Exact { pairs: lanczos.result(), method: "lanczos", matvecs, converged });
            }
        }
        self.timings.exact += clock() - t0;
        self.exact.is_some()
    }

    /// The exact pairs found elsewhere (Lanczos on the page's GPU mat-vecs), and their time.
    pub fn set_exact(&mut self, exact: Exact, ms: f64) {
        self.lanczos = None;
        self.exact = Some(exact);
        self.timings.exact = ms;
    }

    /// The report of a finished analysis (Nyström and the exact pairs known):
    /// what `continuum run` prints. The extension form is computed here from
    /// the same columns, for comparison (not timed).
    pub fn report(&self, origin: Origin, config: &Settings, timings: &Timings) -> Report {
        let estimate = self.nystrom.as_ref().expect("Nyström before the report");
        let exact = self.exact.as_ref().expect("the exact pairs before the report");
        let columns = self.columns.as_ref().expect("columns with Nyström");
        let (rel, angle) = eigen::errors(estimate, &exact.pairs);
        let extension = nystrom::eigenpairs(columns, &self.samples, self.k, Form::Extension);
        let (ext_rel, ext_angle) = eigen::errors(&extension, &exact.pairs);
        Report {
            link: origin.link,
            flow: origin.flow,
            t: origin.t,
            steps: origin.steps,
            reynolds: origin.reynolds,
            cells: self.net.cells,
            nodes: self.net.len(),
            block: self.net.block,
            l: self.samples.len(),
            sampling: config.sampling.name(),
            eigenvalues_nystrom: estimate.values.clone(),
            eigenvalues_exact: exact.pairs.values.clone(),
            leading_rel_error: rel[0],
            leading_angle: angle[0],
            subspace_angle: eigen::subspace_angle_degrees(&estimate.vectors, &exact.pairs.vectors),
            signed_rel_error: eigen::signed_errors(estimate, &exact.pairs),
            eig_rel_error: rel,
            vec_angle: angle,
            extension: Extension { eigenvalues: extension.values, eig_rel_error: ext_rel, vec_angle: ext_angle },
            exact_method: exact.method,
            lanczos_matvecs: exact.matvecs,
            lanczos_converged: exact.converged,
            notice: clamp_notice(self.asked_l, self.net.len()),
            timings_ms: Timings {
                network: timings.network + self.timings.network,
                nystrom: timings.nystrom + self.timings.nystrom,
                exact: timings.exact + self.timings.exact,
                ..timings.clone()
            },
        }
    }
}
