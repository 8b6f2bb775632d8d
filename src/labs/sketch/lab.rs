//! The registry's entry for the sketch lab: its knob table, presets and
//! headless `run` (`crate::labs::ALL` lists it).

use super::{replicas, run, svd};
use crate::core::claims::{Claim, Comparison, Statistic};
use crate::core::knob::{choice, float, int, Knob, SEED};
use crate::core::lab::{Lab, Outcome, Preset, Status};
use crate::core::link::Link;

/// The registry's entry for this lab.
pub const LAB: Lab = Lab {
    name: "sketch",
    title: "Sketching & the bootstrap",
    summary: "Estimate the error of a sketched SVD, and of a covariance operator norm, by the bootstrap — and compare the estimate with the true error as the sketch size and spectral decay change.",
    papers: &[
        "Lopes, Erichson & Mahoney: Error estimation for sketched SVD via the bootstrap (ICML 2020)",
        "Lopes, Erichson & Mahoney: Bootstrapping the operator norm in high dimensions: error estimation for covariance matrices and sketching (Bernoulli 2023)",
    ],
    knobs: KNOBS,
    presets: &[
        Preset { name: "Uniform sketch: bootstrap against the truth", link: "#lab=sketch" },
        Preset { name: "Gaussian projection", link: "#lab=sketch&sketch=gaussian" },
        Preset { name: "Length-squared sampling", link: "#lab=sketch&sketch=lengthsq" },
        Preset { name: "Singular-value error", link: "#lab=sketch&metric=value" },
        Preset { name: "Adaptive: what l for error 0.02?", link: "#lab=sketch&tol=0.02" },
        Preset { name: "Operator norm: coverage against n, p = 50 and 400", link: "#lab=sketch&study=opnorm" },
    ],
    status: Status::Ready,
    run: Some(run_link),
    stepped: Some(crate::core::driver::stepped::<super::SketchRun>),
    tiny: "#lab=sketch&m=400&n=10&l=20&B=10&R=10",
    fields: &["link", "study", "sketch", "l", "k", "true_quantile", "bootstrap_quantile", "coverage", "extrapolation", "timings_ms"],
    shaders: &[replicas::SHADER],
    metrics: &["true_quantile", "bootstrap_quantile.mean", "coverage"],
    claims: CLAIMS,
    maps: &[],
};

#[rustfmt::skip]
const KNOBS: &[Knob] = &[
    choice("study", &["svd", "opnorm"], "svd", "Study", "The sketched SVD's error, or the operator norm of a sample covariance."),
    choice("sketch", svd::SKETCHES, "uniform", "Sketch", "Uniform rows, length-squared rows, or a Gaussian projection.").group("svd"),
    choice("metric", &["vector", "value"], "vector", "Error of", "The k-th right singular vector (sin of the angle) or the k-th singular value.").group("svd"),
    int("m", 100, 100_000, "20000", "Rows m", "Rows of A (m × n ≤ 20 million entries).").group("svd"),
    int("n", 5, 1000, "100", "Columns n", "Columns of A.").group("svd"),
    int("l", 10, 10_000, "500", "Sketch size l₀", "Rows kept by the sketch; the sweep goes to 16 l₀.").group("svd"),
    int("k", 1, 10, "1", "Pair k", "Which singular pair's error.").group("svd"),
    int("B", 10, 500, "40", "Bootstrap samples B", "Resamples of the sketch rows.").group("svd"),
    float("alpha", 0.01, 0.5, "0.1", "α", "The estimate is the (1 − α) quantile."),
    float("beta", 0.1, 3.0, "1", "Spectral decay β", "Singular values fall as j^−β (covariance eigenvalues as j^−2β)."),
    int("R", 10, 1000, "100", "Sketches R", "Independent sketches per size, for the true quantile.").group("svd"),
    choice("factor", &["gaussian", "orthonormal"], "gaussian", "Factor G", "A = G diag(s) Vᵀ with G Gaussian or orthonormal.").group("svd"),
    float("tol", 0.0, 1.0, "0", "Tolerance", "Adaptive panel: the error to reach; the page predicts l and checks it (0: off).").group("svd"),
    int("p", 10, 1000, "400", "Dimension p", "Operator norm: compared with p = 50.").group("opnorm"),
    int("nmax", 50, 3200, "1600", "Largest n", "Operator norm: observations n = 50, 100, … up to this.").group("opnorm"),
    int("trials", 10, 1000, "50", "Trials", "Operator norm: independent data sets per (n, p), for the coverage (50: ± 0.04).").group("opnorm"),
    int("Bop", 10, 500, "100", "Bootstrap samples (op. norm)", "Operator norm: resamples of the observations.").group("opnorm"),
    SEED,
];

/// The registry's `run`.
fn run_link(link: &Link, clock: &dyn Fn() -> f64) -> Result<Outcome, String> {
    Lab::outcome(&run(link, clock)?, None, None)
}

const CLAIMS: &[Claim] = &[
    Claim {
        name: "The bootstrap's error estimate covers the sketched SVD's error at the nominal rate",
        paper: 0,
        paper_value: "the bootstrap quantile tracks the true (1 − α) error quantile (α = 0.1: coverage near 0.9)",
        link: "#lab=sketch",
        statistic: Statistic::Metric("coverage"),
        comparison: Comparison::Above(0.8),
        control: "#lab=sketch&alpha=0.5",
        tiny: "#lab=sketch&m=400&n=10&l=20&B=10&R=10",
        tiny_control: "#lab=sketch&m=400&n=10&l=20&B=10&R=10&alpha=0.5",
        why: "",
    },
    Claim {
        name: "The bootstrap bound on the operator norm covers at the nominal rate in high dimension",
        paper: 1,
        paper_value: "coverage near 1 − α = 0.9 for p = 400 as for p = 50 (dimension-free)",
        link: "#lab=sketch&study=opnorm",
        statistic: Statistic::Custom {
            describe: "mean coverage over n ≥ 100 at the link's p", read: opnorm_coverage
        },
        comparison: Comparison::Above(0.85),
        control: "#lab=sketch&study=opnorm&alpha=0.5",
        tiny: "#lab=sketch&study=opnorm&p=20&nmax=100&trials=10&Bop=10",
        tiny_control: "#lab=sketch&study=opnorm&p=20&nmax=100&trials=10&Bop=10&alpha=0.5",
        why: "",
    },
];

/// Mean coverage over the cells with n ≥ 100 at the link's own p.
fn opnorm_coverage(report: &serde_json::Value) -> Option<f64> {
    let p: u64 = crate::core::report::link_value(report, "p")?.parse().ok()?;
    let cells: Vec<f64> = report
        .get("coverage")?
        .as_array()?
        .iter()
        .filter(|c| {
            c.get("p").and_then(|v| v.as_u64()) == Some(p)
                && c.get("n").and_then(|v| v.as_u64()).is_some_and(|n| n >= 100)
        })
        .filter_map(|c| c.get("coverage")?.as_f64())
        .collect();
    (!cells.is_empty()).then(|| cells.iter().sum::<f64>() / cells.len() as f64)
}
