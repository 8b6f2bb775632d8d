//! Continuum: a playground for continuous-depth neural networks and the
//! dynamical-systems ideas around them.
//!
//! Dependencies point one way: the faces (`web` for the page, the
//! `continuum` binary for the command line) call the labs, which call the
//! shared numerics and [`gpu`]. Numerics and `gpu` know no lab; no lab knows
//! the CLI, and a lab's page face (`labs/<lab>/web.rs`) owns that lab's GPU
//! state.
//!
//! - [`core`]: knobs, share links and the lab type the registry lists.
//! - [`num`]: shared numerics (integrators, bases, optimizers, perceptrons,
//!   eigensolvers, Nyström, random numbers).
//! - [`gpu`]: the wgpu device, shared by every kernel, with its failure
//!   modes; buffer sets; the dense self-test kernel.
//! - [`labs`]: one folder per lab, and [`labs::ALL`], the registry.

// Numerical kernels index several arrays with one counter; iterator chains
// would hide the formulas they implement.
#![allow(clippy::needless_range_loop)]

pub mod core;
pub mod gpu;
pub mod labs;
pub mod num;

#[cfg(target_arch = "wasm32")]
mod web;
