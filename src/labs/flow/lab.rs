//! The registry's entry for the flow lab: its knob table, presets and
//! headless `run` (`crate::labs::ALL` lists it). The engine is the rest of
//! this folder; this file only describes it to the CLI, the page and the
//! registry tests.

use super::{network_kernel, run, spectral_kernel};
use crate::core::claims::{Claim, Comparison, Statistic};
use crate::core::knob::{choice, float, int, Knob, SEED};
use crate::core::lab::{Lab, Outcome, Preset, Status};
use crate::core::link::Link;

/// The registry's entry for this lab.
pub const LAB: Lab = Lab {
    name: "flow",
    title: "Vortical flow networks",
    summary: "A 2D vortical flow evolves on the GPU; its vortical network links vortical elements by Biot–Savart induced velocity. The network's leading eigenvectors, estimated by Nyström from a few sampled columns, mark the dominant structures and are compared live with an exact eigensolver.",
    papers: &[
        "Bai, Erichson, Gopalakrishnan Meena, Taira & Brunton: Randomized methods to characterize large-scale vortical flow networks (PLoS ONE 2019)",
    ],
    knobs: KNOBS,
    presets: &[
    Preset { name: "Decaying turbulence (default)", link: "#lab=flow" },
    Preset { name: "Vortex street behind a cylinder", link: "#lab=flow&flow=cylinder&Re=120&t=25&threshold=0.15&nodes=3000" },
    Preset { name: "Airfoil at 12°", link: "#lab=flow&flow=airfoil&Re=120&t=25&threshold=0.15" },
    Preset { name: "Few columns: l = 50, uniform", link: "#lab=flow&l=50&sampling=uniform" },
    Preset { name: "Stratified columns", link: "#lab=flow&sampling=stratified" },
    Preset { name: "No truncation (τ = 1e-8): W's near-zero eigenvalues blow up", link: "#lab=flow&tau=0.00000001" },
    ],
    status: Status::Ready,
    run: Some(run_link),
    stepped: Some(crate::core::driver::stepped::<super::FlowRun>),
    tiny: "#lab=flow&res=64&t=0.2&nodes=300&l=50&k=2",
    fields: &["link", "nodes", "l", "sampling", "eigenvalues_nystrom", "eigenvalues_exact", "eig_rel_error", "vec_angle", "timings_ms"],
    shaders: &[spectral_kernel::SHADER, crate::gpu::lbm::SHADER, network_kernel::SHADER],
    metrics: &["leading_rel_error", "leading_angle", "subspace_angle", "nodes"],
    claims: CLAIMS,
    maps: &[],
};

#[rustfmt::skip]
const KNOBS: &[Knob] = &[
    choice("flow", &["turbulence", "cylinder", "airfoil"], "turbulence", "Flow", "Decaying 2D turbulence in a periodic box, or flow past a bluff body."),
    choice("res", &["64", "128", "256", "512"], "128", "Resolution", "Grid cells per side (the channel past a body is twice as long)."),
    float("Re", 10.0, 100_000.0, "2000", "Reynolds number", "Inertia against viscosity.").log(),
    float("t", 0.0, 100.0, "1", "Time", "Simulated time at which the network is analysed."),
    float("threshold", 0.0, 1.0, "0.1", "Threshold", "Cells with |ω| at or above this fraction of max |ω| become nodes."),
    int("nodes", 100, 50_000, "4000", "Max nodes", "Coarse-grain to at most this many vortical elements."),
    int("l", 2, 5000, "200", "Columns l", "Columns sampled by Nyström."),
    choice("sampling", &["uniform", "quasi", "stratified"], "quasi", "Sampling", "Random columns; columns spread evenly over the domain; or one random node per equal-count patch."),
    float("tau", 1e-12, 1.0, "0.1", "Truncation τ", "W's eigenvalues below τ · max |λ(W)| are dropped from its pseudo-inverse (QR form).").log(),
    int("k", 1, 20, "5", "Eigenpairs k", "Leading eigenpairs to estimate."),
    SEED,
];

/// The registry's `run`.
fn run_link(link: &Link, clock: &dyn Fn() -> f64) -> Result<Outcome, String> {
    let report = run(link, clock)?;
    let note = report.notice.clone();
    Lab::outcome(&report, note, None)
}

const CLAIMS: &[Claim] = &[
    Claim {
        name: "Quasi-uniform columns give a better leading eigenvector than uniform ones",
        paper: 0,
        paper_value: "quasi-uniform sampling beats uniform random sampling at equal cost",
        link: "#lab=flow&l=100",
        statistic: Statistic::Metric("leading_angle"),
        comparison: Comparison::BelowControl,
        control: "#lab=flow&l=100&sampling=uniform",
        tiny: "#lab=flow&res=64&t=0.2&nodes=300&l=50&k=2",
        tiny_control: "#lab=flow&res=64&t=0.2&nodes=300&l=50&k=2&sampling=uniform",
    why: "",
    },
    Claim {
        name: "Quasi-uniform columns give a better leading eigenvalue than uniform ones",
        paper: 0,
        paper_value: "quasi-uniform sampling beats uniform random sampling at equal cost",
        link: "#lab=flow&l=100",
        statistic: Statistic::Metric("leading_rel_error"),
        comparison: Comparison::BelowControl,
        control: "#lab=flow&l=100&sampling=uniform",
        tiny: "#lab=flow&res=64&t=0.2&nodes=300&l=50&k=2",
        tiny_control: "#lab=flow&res=64&t=0.2&nodes=300&l=50&k=2&sampling=uniform",
    why: "docs/flow.md: evenly spread columns never hold close pairs of nodes, so W misses the 1/d near field and the eigenvalues come out biased; the eigenvectors are better.",
    },
];
