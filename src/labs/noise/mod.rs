//! The noise lab: coming. Noisy RNNs as stochastic differential equations (Lim et al., NeurIPS 2021) and noise-response titration of a backdoored classifier.
//!
//! Only its registry entry exists yet, so the page can describe it and
//! links to it parse; the knob table is a placeholder its issue will redesign.

use crate::core::knob::{choice, float, Knob, SEED};
use crate::core::lab::Lab;

/// The registry's entry for this lab.
pub const LAB: Lab = Lab::coming(
    "noise",
    "Noisy RNNs",
    "Recurrent networks as discretized SDEs: inject noise while training and see robustness to input perturbations and stochastic stabilization; noise-response curves expose a backdoored classifier and its target.",
    KNOBS,
);

#[rustfmt::skip]
const KNOBS: &[Knob] = &[
    float("add", 0.0, 1.0, "0.02", "Additive noise", "σ of the additive noise injected while training."),
    float("mult", 0.0, 1.0, "0.02", "Multiplicative noise", "σ of the multiplicative noise injected while training."),
    choice("trigger", &["none", "patch", "pixel"], "none", "Trigger", "Backdoor trigger planted in poisoned training examples."),
    float("poison", 0.0, 0.5, "0.05", "Poison rate", "Fraction of training examples carrying the trigger."),
    SEED,
];
