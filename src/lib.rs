//! Continuum: a playground for continuous-depth neural networks and the
//! dynamical-systems ideas around them.
//!
//! Dependencies point one way: the faces (`web` for the page, the
//! `continuum` binary for the command line) call the labs, which call the
//! shared numerics and [`gpu`]. Numerics and `gpu` know no lab; no lab knows
//! the web or the CLI.
//!
//! - [`link`]: share links, parsed and printed canonically from each lab's
//!   knob table in [`labs`].
//! - [`gpu`]: the wgpu device, shared by every kernel, with its failure modes.
//! - [`dense`]: `y = tanh(W x + b)`, CPU twin and WGSL kernel.
//! - [`ode`]: Runge–Kutta tableaux and steppers; [`basis`]: weight functions
//!   of depth and projections between bases; [`optim`]: Adam.
//! - [`block`]: the ODE block with exact gradients through every RK stage;
//!   [`depth`]: the depth lab's classifier, training, invariance and
//!   compression studies; [`data`]: its datasets; [`pendulum`]: the
//!   learned-dynamics study.
//! - [`mlp`]: a tanh perceptron with exact gradients; [`koopman`]: the
//!   consistent Koopman autoencoder lab.

// Numerical kernels index several arrays with one counter; iterator chains
// would hide the formulas they implement.
#![allow(clippy::needless_range_loop)]

pub mod basis;
pub mod block;
pub mod data;
pub mod dense;
pub mod depth;
pub mod depth_kernel;
pub mod eigen;
pub mod flow;
pub mod gpu;
pub mod koopman;
pub mod koopman_kernel;
pub mod labs;
pub mod lbm;
pub mod lbm_kernel;
pub mod link;
pub mod mlp;
pub mod network;
pub mod network_kernel;
pub mod nystrom;
pub mod ode;
pub mod optim;
pub mod pendulum;
pub mod spectral;
pub mod spectral_kernel;

#[cfg(target_arch = "wasm32")]
mod web;
#[cfg(target_arch = "wasm32")]
mod web_flow;
