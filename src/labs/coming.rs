//! The labs described but not built yet. Each is a registry entry only, so
//! the page can show what it will do (`www/ui/coming.js`) and links to it
//! parse; its knob table is a placeholder that the lab's own issue will
//! redesign. Building one moves it into a folder of its own
//! (`src/labs/<lab>/`, see `docs/adding-a-lab.md`) and changes its line in
//! `crate::labs::ALL`.

use crate::core::knob::{choice, float, Knob, SEED};
use crate::core::lab::Lab;

/// Noisy RNNs as stochastic differential equations, and noise-response titration (`docs/noise.md`).
pub const NOISE: Lab = Lab::coming(
    "noise",
    "Noisy RNNs",
    "Recurrent networks as discretized SDEs: inject noise while training and see robustness to input perturbations and stochastic stabilization; noise-response curves expose a backdoored classifier and its target.",
    NOISE_KNOBS,
);

#[rustfmt::skip]
const NOISE_KNOBS: &[Knob] = &[
    float("add", 0.0, 1.0, "0.02", "Additive noise", "σ of the additive noise injected while training."),
    float("mult", 0.0, 1.0, "0.02", "Multiplicative noise", "σ of the multiplicative noise injected while training."),
    choice("trigger", &["none", "patch", "pixel"], "none", "Trigger", "Backdoor trigger planted in poisoned training examples."),
    float("poison", 0.0, 0.5, "0.05", "Poison rate", "Fraction of training examples carrying the trigger."),
    SEED,
];
