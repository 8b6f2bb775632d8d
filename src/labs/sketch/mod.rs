//! The sketch lab: coming. Bootstrap error estimates for sketched SVDs (Lopes, Erichson, Mahoney, ICML 2020) and for covariance operator norms.
//!
//! Only its registry entry exists yet, so the page can describe it and
//! links to it parse; the knob table is a placeholder its issue will redesign.

use crate::core::knob::{float, int, Knob, SEED};
use crate::core::lab::Lab;

/// The registry's entry for this lab.
pub const LAB: Lab = Lab::coming(
    "sketch",
    "Sketching & the bootstrap",
    "Estimate the error of a sketched SVD, and of a covariance operator norm, by the bootstrap — and compare the estimate with the true error as the sketch size and spectral decay change.",
    KNOBS,
);

#[rustfmt::skip]
const KNOBS: &[Knob] = &[
    int("l", 10, 10_000, "1000", "Sketch size l", "Rows kept by the sketch."),
    float("decay", 0.1, 3.0, "1", "Spectral decay β", "Singular values fall as j^−β."),
    int("B", 10, 500, "40", "Bootstrap samples", "Resamples of the sketch rows."),
    float("alpha", 0.01, 0.5, "0.1", "α", "The estimate is the (1−α) quantile."),
    SEED,
];
