//! The registry's entry for the Koopman lab: its knob table, presets and
//! headless `run` (`crate::labs::ALL` lists it). The engine is the rest of
//! this folder; this file only describes it to the CLI, the page and the
//! registry tests.

use super::{kernel, run};
use crate::core::claims::{Claim, Comparison, Statistic};
use crate::core::knob::{choice, float, int, Knob, SEED};
use crate::core::lab::{Lab, Outcome, Preset, Status};
use crate::core::link::Link;

/// The registry's entry for this lab.
pub const LAB: Lab = Lab {
    name: "koopman",
    title: "Koopman autoencoders",
    summary: "Encode measurements into a latent space where the dynamics are linear, with forward and backward operators tied by a consistency loss. Watch long-horizon predictions against the truth and the operator's eigenvalues against the unit circle.",
    papers: &[
        "Azencot, Erichson, Lin & Mahoney: Forecasting sequential data using consistent Koopman autoencoders (ICML 2020)",
    ],
    knobs: KNOBS,
    presets: &[
    Preset { name: "Noisy pendulum: consistent against plain", link: "#lab=koopman" },
    Preset { name: "Near-linear pendulum, no noise", link: "#lab=koopman&theta0=0.8&noise=0&epochs=100" },
    Preset { name: "Strong noise (0.08)", link: "#lab=koopman&noise=0.08" },
    Preset { name: "Cylinder wake (Re 60): consistent against plain", link: WAKE },
    Preset { name: "Cylinder wake, noisy snapshots (0.1)", link: "#lab=koopman&data=wake&noise=0.1" },
    Preset { name: "Below shedding (Re 30): a steady wake, no frequency", link: "#lab=koopman&data=wake&Re=30" },
    ],
    status: Status::Ready,
    run: Some(run_link),
    stepped: Some(crate::core::driver::stepped::<super::KoopmanRun>),
    tiny: "#lab=koopman&epochs=2&horizon=10",
    fields: &["link", "train_loss", "rel_error", "eigenvalues", "consistency", "params", "epochs_run", "diverged", "timings_ms"],
    shaders: &[kernel::SHADER],
    metrics: &["rel_error.10", "rel_error.100", "rel_error.1000", "consistency", "train_loss.total", "epochs_run"],
    claims: CLAIMS,
    maps: &[],
};

#[rustfmt::skip]
const KNOBS: &[Knob] = &[
    choice("data", &["pendulum", "wake"], "pendulum", "Data", "Pendulum lifted to D dimensions, or vorticity snapshots of the cylinder wake (the flow lab's lattice Boltzmann)."),
    float("Re", 20.0, 200.0, "60", "Reynolds number (wake)", "Of the cylinder flow; it sheds above about 47. At resolution 64 the lattice caps it at 64.").group("wake"),
    choice("res", &["64", "128"], "64", "Resolution (wake)", "Lattice cells across the channel (the cylinder is 1/8 of it); 128 takes 8 times as long.").group("wake"),
    float("theta0", 0.1, 3.0, "2.4", "θ₀", "Initial angle: 0.8 is nearly linear, 2.4 strongly nonlinear."),
    float("noise", 0.0, 0.5, "0.03", "Noise", "Gaussian measurement noise on the training data."),
    int("D", 2, 256, "64", "Measurement size D", "The pendulum's 2D state is lifted to D dimensions by a random orthonormal map."),
    int("b", 2, 32, "6", "Latent size b", "Size of the latent space where dynamics are linear."),
    int("s", 1, 32, "8", "Steps s", "Prediction steps in the forward and backward losses."),
    float("lambda", 0.0, 10.0, "1", "λ (identity)", "Weight of the reconstruction loss, which is s × its mean squared error (as in the reference code)."),
    float("nu", 0.0, 10.0, "0.1", "ν (backward)", "Weight of the backward loss; 0 with η = 0 gives the plain Koopman autoencoder."),
    float("eta", 0.0, 10.0, "0.01", "η (consistency)", "Weight of the consistency loss ‖DC − I‖."),
    int("horizon", 10, 1000, "1000", "Horizon", "Steps predicted ahead.").reevaluates(),
    int("epochs", 1, 5000, "600", "Epochs", "Passes over the training set; the learning rate drops ×0.2 after epochs 31, 201, 401 and 501 (the reference schedule)."),
    choice("start", &["noisy", "clean"], "noisy", "Rollout start", "Predictions start from noisy test snapshots (as the reference code) or clean ones; both are scored against the clean truth."),
    SEED,
];

/// The registry's `run`: [`run`], with the divergence message for the CLI.
fn run_link(link: &Link, clock: &dyn Fn() -> f64) -> Result<Outcome, String> {
    let report = run(link, clock)?;
    Lab::outcome(&report, None, report.divergence.as_ref().map(|d| d.message.clone()))
}

const CLAIMS: &[Claim] = &[Claim {
    name: "The consistent model predicts 1000 steps ahead better than the plain one",
    paper: 0,
    paper_value: "noisy pendulum: the consistent model's long-horizon error stays below the plain model's (Fig. 3)",
    link: "#lab=koopman",
    statistic: Statistic::Metric("rel_error.1000"),
    comparison: Comparison::BelowControl,
    control: "#lab=koopman&nu=0&eta=0",
    tiny: "#lab=koopman&epochs=4",
    tiny_control: "#lab=koopman&epochs=4&nu=0&eta=0",
    why: "",
}, Claim {
    name: "Cylinder wake: the consistent model predicts 200 snapshots ahead better than the plain one",
    paper: 0,
    paper_value: "flow past a cylinder: the consistent model's prediction error stays below the plain model's over long horizons",
    link: WAKE,
    statistic: Statistic::Metric("rel_error.200"),
    comparison: Comparison::BelowControl,
    control: "#lab=koopman&data=wake&nu=0&eta=0",
    tiny: WAKE_TINY,
    tiny_control: "#lab=koopman&data=wake&epochs=4&nu=0&eta=0",
    why: "",
}, Claim {
    name: "Cylinder wake: an eigenvalue of C turns at the shedding frequency (within 5 %)",
    paper: 0,
    paper_value: "the learned operator's eigenvalues carry the flow's dominant frequency, measured here from the probe's spectrum",
    link: WAKE,
    statistic: Statistic::Metric("eigenvalue_angle_error"),
    comparison: Comparison::Below(0.05),
    // The untrained operator (one epoch): its angles are where the random start put them.
    control: "#lab=koopman&data=wake&epochs=1",
    tiny: WAKE_TINY,
    tiny_control: "#lab=koopman&data=wake&epochs=1",
    why: "",
}];

/// The wake claims' link: Re 60 at resolution 64, the lab's training.
const WAKE: &str = "#lab=koopman&data=wake";
const WAKE_TINY: &str = "#lab=koopman&data=wake&epochs=4";
