//! The fields lab: coming. Divergence-free vector fields as skew-symmetric operators (Azencot et al., arXiv 2102.09589).
//!
//! Only its registry entry exists yet, so the page can describe it and
//! links to it parse; the knob table is a placeholder its issue will redesign.

use crate::core::knob::{float, int, Knob, SEED};
use crate::core::lab::Lab;

/// The registry's entry for this lab.
pub const LAB: Lab = Lab::coming(
    "fields",
    "Vector fields",
    "Divergence-free vector fields correspond to skew-symmetric operators, as in orthogonal RNNs; directional derivatives of scalar functions span all fields. Watch transport stay norm-preserving only when the divergence vanishes.",
    KNOBS,
);

#[rustfmt::skip]
const KNOBS: &[Knob] = &[
    float("div", 0.0, 2.0, "0", "Divergence weight κ", "Weight of the gradient (divergent) part of the field."),
    int("K", 2, 64, "16", "Basis size", "Modes per axis of the L2-orthonormal basis."),
    SEED,
];
