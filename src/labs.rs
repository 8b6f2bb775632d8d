//! The labs and their knobs.
//!
//! Each lab declares its knobs once, here, as a table: key, kind (with range
//! or choices), default, label and one line of help. That table drives link
//! parsing and printing ([`crate::link`]), the CLI, and — exported to the page
//! as JSON — the controls. Adding a knob is one line.

use serde::Serialize;

/// The pages of the playground, in navigation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lab {
    Depth,
    Flow,
    Koopman,
    Noise,
    Sketch,
    Fields,
    Transfer,
}

/// Whether a lab can be used yet, or only described.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ready,
    Coming,
}

impl Lab {
    pub const ALL: [Lab; 7] =
        [Lab::Depth, Lab::Flow, Lab::Koopman, Lab::Noise, Lab::Sketch, Lab::Fields, Lab::Transfer];

    /// The lab shown when a link names none.
    pub const DEFAULT: Lab = Lab::Depth;

    /// The name used in links (`lab=NAME`) and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Lab::Depth => "depth",
            Lab::Flow => "flow",
            Lab::Koopman => "koopman",
            Lab::Noise => "noise",
            Lab::Sketch => "sketch",
            Lab::Fields => "fields",
            Lab::Transfer => "transfer",
        }
    }

    pub fn from_name(name: &str) -> Option<Lab> {
        Lab::ALL.into_iter().find(|lab| lab.name() == name)
    }

    pub fn title(self) -> &'static str {
        match self {
            Lab::Depth => "Continuous depth",
            Lab::Flow => "Vortical flow networks",
            Lab::Koopman => "Koopman autoencoders",
            Lab::Noise => "Noisy RNNs",
            Lab::Sketch => "Sketching & the bootstrap",
            Lab::Fields => "Vector fields",
            Lab::Transfer => "Robust transfer",
        }
    }

    /// What the lab shows, in two sentences for the page.
    pub fn summary(self) -> &'static str {
        match self {
            Lab::Depth => "A ResNet is one Euler step. Train a network whose depth is an ODE integrated by Runge–Kutta, then re-evaluate it with another integrator or step count, and compress its weight functions onto a smaller basis — all without retraining.",
            Lab::Flow => "A 2D vortical flow evolves on the GPU; its vortical network links vortical elements by Biot–Savart induced velocity. The network's leading eigenvectors, estimated by Nyström from a few sampled columns, mark the dominant structures and are compared live with an exact eigensolver.",
            Lab::Koopman => "Encode measurements into a latent space where the dynamics are linear, with forward and backward operators tied by a consistency loss. Watch long-horizon predictions against the truth and the operator's eigenvalues against the unit circle.",
            Lab::Noise => "Recurrent networks as discretized SDEs: inject noise while training and see robustness to input perturbations and stochastic stabilization; noise-response curves expose a backdoored classifier and its target.",
            Lab::Sketch => "Estimate the error of a sketched SVD, and of a covariance operator norm, by the bootstrap — and compare the estimate with the true error as the sketch size and spectral decay change.",
            Lab::Fields => "Divergence-free vector fields correspond to skew-symmetric operators, as in orthogonal RNNs; directional derivatives of scalar functions span all fields. Watch transport stay norm-preserving only when the divergence vanishes.",
            Lab::Transfer => "Adversarially trained source models transfer better when the target has little data: compare natural and robust sources as the target sample count grows.",
        }
    }

    pub fn status(self) -> Status {
        match self {
            Lab::Depth | Lab::Flow | Lab::Koopman => Status::Ready,
            _ => Status::Coming,
        }
    }

    /// The lab's knobs, in canonical link order.
    pub fn knobs(self) -> &'static [Knob] {
        match self {
            Lab::Depth => DEPTH,
            Lab::Flow => FLOW,
            Lab::Koopman => KOOPMAN,
            Lab::Noise => NOISE,
            Lab::Sketch => SKETCH,
            Lab::Fields => FIELDS,
            Lab::Transfer => TRANSFER,
        }
    }
}

/// The type and allowed values of one knob.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Kind {
    /// An integer in `min..=max`.
    Int { min: i64, max: i64 },
    /// A finite number in `min..=max`; `log` hints a logarithmic slider.
    Float { min: f64, max: f64, log: bool },
    /// One of a fixed set of names.
    Choice { choices: &'static [&'static str] },
    /// A comma-separated, strictly increasing list of integers in
    /// `min..=max`, at most `max_len` long (may be empty).
    IntList { min: i64, max: i64, max_len: usize },
}

/// One control of a lab: the unit of the knob table.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Knob {
    pub key: &'static str,
    #[serde(flatten)]
    pub kind: Kind,
    /// The default, written as it appears in a link.
    pub default: &'static str,
    pub label: &'static str,
    pub help: &'static str,
}

const fn int(
    key: &'static str,
    min: i64,
    max: i64,
    default: &'static str,
    label: &'static str,
    help: &'static str,
) -> Knob {
    Knob { key, kind: Kind::Int { min, max }, default, label, help }
}

const fn float(
    key: &'static str,
    min: f64,
    max: f64,
    default: &'static str,
    label: &'static str,
    help: &'static str,
) -> Knob {
    Knob { key, kind: Kind::Float { min, max, log: false }, default, label, help }
}

const fn logf(
    key: &'static str,
    min: f64,
    max: f64,
    default: &'static str,
    label: &'static str,
    help: &'static str,
) -> Knob {
    Knob { key, kind: Kind::Float { min, max, log: true }, default, label, help }
}

const fn choice(
    key: &'static str,
    choices: &'static [&'static str],
    default: &'static str,
    label: &'static str,
    help: &'static str,
) -> Knob {
    Knob { key, kind: Kind::Choice { choices }, default, label, help }
}

const SEED: Knob = int(
    "seed",
    0,
    4_294_967_295,
    "1",
    "Seed",
    "Seeds the data, the initial weights and every random choice: the same link gives the same run.",
);

/// The six explicit Runge–Kutta tableaux of the depth lab.
pub const SCHEMES: &[&str] = &["euler", "midpoint", "heun", "rk3", "rk4", "rk38"];
/// Weight-function bases θ(t) on [0, 1].
pub const BASES: &[&str] = &["pwc", "pwl", "fem", "legendre", "fourier"];

#[rustfmt::skip]
const DEPTH: &[Knob] = &[
    choice("data", &["spiral", "moons", "circles", "xor", "blobs", "pendulum"], "spiral", "Dataset", "Two-class 2D datasets, or pendulum trajectories for the learned-dynamics study."),
    choice("scheme", SCHEMES, "rk4", "Integrator", "Runge–Kutta tableau used in training; Euler with a piecewise-constant basis is a ResNet."),
    int("steps", 1, 64, "8", "Steps", "Integration steps over depth t ∈ [0, 1]; the step size is h = 1/steps."),
    choice("basis", BASES, "pwc", "Basis", "Family of the weight functions θ(t)."),
    int("K", 1, 64, "8", "Basis size K", "Number of basis functions per weight."),
    int("width", 2, 128, "16", "Width", "Hidden width w of the ODE block's vector field."),
    int("dim", 2, 16, "8", "State dimension", "Dimension d of the state that flows through depth."),
    int("epochs", 1, 2000, "200", "Epochs", "Passes over the training set."),
    logf("lr", 1e-5, 10.0, "0.01", "Learning rate", "Adam step size; too large diverges, and the run stops and says so."),
    int("batch", 1, 4096, "64", "Batch", "Mini-batch size."),
    float("noise", 0.0, 1.0, "0.05", "Data noise", "Standard deviation of the noise added to the classification datasets (not to pendulum)."),
    SEED,
    Knob { key: "refine", kind: Kind::IntList { min: 1, max: 2000, max_len: 6 }, default: "", label: "Refine at epochs", help: "Double the steps and K at these epochs (incremental-in-depth training)." },
    logf("dt", 0.001, 1.0, "0.1", "Δt", "Sampling interval of the pendulum trajectories."),
    choice("escheme", SCHEMES, "rk4", "Evaluation integrator", "Re-integrate the trained model with this tableau, without retraining."),
    int("esteps", 1, 64, "8", "Evaluation steps", "Re-integrate the trained model with this many steps, without retraining."),
    choice("ebasis", BASES, "pwc", "Evaluation basis", "Project every weight onto this basis, without retraining."),
    int("eK", 1, 64, "8", "Evaluation basis size K′", "Project every weight onto this many basis functions, without retraining."),
    choice("norm", &["none", "batch"], "none", "Normalization", "Continuous-in-depth normalization: batch statistics at every stage while training, fitted onto the basis as functions of depth for evaluation."),
];

#[rustfmt::skip]
const FLOW: &[Knob] = &[
    choice("flow", &["turbulence", "cylinder", "airfoil"], "turbulence", "Flow", "Decaying 2D turbulence in a periodic box, or flow past a bluff body."),
    choice("res", &["64", "128", "256", "512"], "128", "Resolution", "Grid cells per side (the channel past a body is twice as long)."),
    logf("Re", 10.0, 100_000.0, "2000", "Reynolds number", "Inertia against viscosity."),
    float("t", 0.0, 100.0, "1", "Time", "Simulated time at which the network is analysed."),
    float("threshold", 0.0, 1.0, "0.1", "Threshold", "Cells with |ω| at or above this fraction of max |ω| become nodes."),
    int("nodes", 100, 50_000, "4000", "Max nodes", "Coarse-grain to at most this many vortical elements."),
    int("l", 2, 5000, "200", "Columns l", "Columns sampled by Nyström."),
    choice("sampling", &["uniform", "quasi"], "quasi", "Sampling", "Random columns, or columns spread evenly over the domain."),
    int("k", 1, 20, "5", "Eigenpairs k", "Leading eigenpairs to estimate."),
    SEED,
];

#[rustfmt::skip]
const KOOPMAN: &[Knob] = &[
    choice("data", &["pendulum", "wake"], "pendulum", "Data", "Pendulum lifted to 64 dimensions, or cylinder-wake snapshots."),
    float("theta0", 0.1, 3.0, "2.4", "θ₀", "Initial angle: 0.8 is nearly linear, 2.4 strongly nonlinear."),
    float("noise", 0.0, 0.5, "0.03", "Noise", "Gaussian measurement noise on the training data."),
    int("D", 2, 256, "64", "Measurement size D", "The pendulum's 2D state is lifted to D dimensions by a random orthonormal map."),
    int("b", 2, 32, "6", "Latent size b", "Size of the latent space where dynamics are linear."),
    int("s", 1, 32, "8", "Steps s", "Prediction steps in the forward and backward losses."),
    float("lambda", 0.0, 10.0, "1", "λ (identity)", "Weight of the reconstruction loss."),
    float("nu", 0.0, 10.0, "0.1", "ν (backward)", "Weight of the backward loss; 0 with η = 0 gives the plain Koopman autoencoder."),
    float("eta", 0.0, 10.0, "0.01", "η (consistency)", "Weight of the consistency loss ‖DC − I‖."),
    int("horizon", 10, 1000, "1000", "Horizon", "Steps predicted ahead."),
    int("epochs", 1, 5000, "300", "Epochs", "Passes over the training set."),
    SEED,
];

#[rustfmt::skip]
const NOISE: &[Knob] = &[
    float("add", 0.0, 1.0, "0.02", "Additive noise", "σ of the additive noise injected while training."),
    float("mult", 0.0, 1.0, "0.02", "Multiplicative noise", "σ of the multiplicative noise injected while training."),
    choice("trigger", &["none", "patch", "pixel"], "none", "Trigger", "Backdoor trigger planted in poisoned training examples."),
    float("poison", 0.0, 0.5, "0.05", "Poison rate", "Fraction of training examples carrying the trigger."),
    SEED,
];

#[rustfmt::skip]
const SKETCH: &[Knob] = &[
    int("l", 10, 10_000, "1000", "Sketch size l", "Rows kept by the sketch."),
    float("decay", 0.1, 3.0, "1", "Spectral decay β", "Singular values fall as j^−β."),
    int("B", 10, 500, "40", "Bootstrap samples", "Resamples of the sketch rows."),
    float("alpha", 0.01, 0.5, "0.1", "α", "The estimate is the (1−α) quantile."),
    SEED,
];

#[rustfmt::skip]
const FIELDS: &[Knob] = &[
    float("div", 0.0, 2.0, "0", "Divergence weight κ", "Weight of the gradient (divergent) part of the field."),
    int("K", 2, 64, "16", "Basis size", "Modes per axis of the L2-orthonormal basis."),
    SEED,
];

#[rustfmt::skip]
const TRANSFER: &[Knob] = &[
    float("eps", 0.0, 3.0, "1", "Attack strength ε", "L2 radius of the adversarial training of the source."),
    int("n", 10, 10_000, "100", "Target samples", "Labelled examples of the target task."),
    SEED,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_names_round_trip() {
        for lab in Lab::ALL {
            assert_eq!(Lab::from_name(lab.name()), Some(lab));
        }
        assert_eq!(Lab::from_name("nope"), None);
    }

    #[test]
    fn knob_keys_are_unique_and_not_reserved() {
        for lab in Lab::ALL {
            let keys: Vec<_> = lab.knobs().iter().map(|k| k.key).collect();
            for (i, key) in keys.iter().enumerate() {
                assert!(!keys[..i].contains(key), "{} repeats {key}", lab.name());
                assert!(*key != "lab" && *key != "v", "{key} is reserved");
            }
        }
    }
}
