//! Shared numerics: code that two or more labs use (or that the labs being
//! built will), and that knows no lab.
//!
//! - [`ode`]: Runge–Kutta tableaux, fixed-step and adaptive (Dormand–Prince)
//!   steppers.
//! - [`basis`]: weight functions of depth and L2 projections between bases.
//! - [`optim`]: Adam and gradient clipping.
//! - [`conv`]: 3 × 3 convolution (stride 1 or 2), 2 × 2 and global
//!   pooling, with exact backward passes, through [`mlp::matmul`] (image
//!   models; issue 28's first part).
//! - [`cnn`]: a small convolutional classifier from those units, with
//!   [`mlp::Mlp`]'s interface.
//! - [`digits`]: the UCI handwritten digits (8 × 8, 1,797 images, CC BY 4.0),
//!   built into the core.
//! - [`mlp`]: a tanh perceptron with exact gradients, and the matrix product
//!   whose fixed summation order keeps training bit-identical in wasm and
//!   natively.
//! - [`eigen`]: symmetric eigensolvers (dense, Lanczos); [`nystrom`]:
//!   Nyström eigen-approximation from sampled columns; [`eigvals`]: the
//!   eigenvalues of a small general matrix, the same bits on every target.
//! - [`fft`]: the power-of-two FFT with `libm`'s twiddles (the same bits
//!   natively and in wasm).
//! - [`linalg`]: LU, Cholesky and thin QR in a fixed order (the same bits
//!   natively and in wasm).
//! - [`rng`]: normal samples with the same bits on every target.
//! - [`elementary`]: `expm1` and `tanh` in f64, ours: the same bits on every
//!   target, and faster than the platform's.
//! - [`lanes`]: f32 arithmetic in groups of lanes (SIMD by construction) and
//!   our own tanh, with the same bits natively and in wasm.
//! - [`pairwise`]: matrix-free inverse-distance kernel matrices of points
//!   (mat-vec over both cores in a fixed order, columns, dense).
//! - [`lbm`]: D2Q9 lattice-Boltzmann flow past a cylinder or an airfoil (the
//!   flow lab's wake, and the Koopman lab's wake snapshots).
//! - [`pendulum`]: the pendulum's constant.
//! - [`shapes`]: grey shapes rasterised with supersampling (the transfer
//!   lab's images and the noise lab's titration images).

pub mod basis;
pub mod cnn;
pub mod conv;
pub mod digits;
pub mod eigen;
pub mod eigvals;
pub mod elementary;
pub mod fft;
pub mod lanes;
pub mod lbm;
pub mod linalg;
pub mod mlp;
pub mod nystrom;
pub mod ode;
pub mod optim;
pub mod pairwise;
pub mod pendulum;
pub mod rng;
pub mod shapes;
