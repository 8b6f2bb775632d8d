//! The transfer lab: coming. Robust sources transfer better with little target data (Utrera et al., ICLR 2021).
//!
//! Only its registry entry exists yet, so the page can describe it and
//! links to it parse; the knob table is a placeholder its issue will redesign.

use crate::core::knob::{float, int, Knob, SEED};
use crate::core::lab::Lab;

/// The registry's entry for this lab.
pub const LAB: Lab = Lab::coming(
    "transfer",
    "Robust transfer",
    "Adversarially trained source models transfer better when the target has little data: compare natural and robust sources as the target sample count grows.",
    KNOBS,
);

#[rustfmt::skip]
const KNOBS: &[Knob] = &[
    float("eps", 0.0, 3.0, "1", "Attack strength ε", "L2 radius of the adversarial training of the source."),
    int("n", 10, 10_000, "100", "Target samples", "Labelled examples of the target task."),
    SEED,
];
