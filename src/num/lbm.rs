//! Flow past a bluff body (a cylinder or a NACA 0012 airfoil): a D2Q9
//! lattice-Boltzmann solver with BGK collisions, CPU reference.
//! `gpu/lbm.wgsl` is the GPU version, cell for cell.
//!
//! One step is "pull, then collide": every fluid cell gathers the populations
//! streaming into it (full-way bounce-back off the body: a population that
//! would come from a solid cell is the cell's own opposite one), takes their
//! density and velocity, relaxes towards equilibrium and stores the result.
//! The channel is periodic in y; at x = 0 the populations coming in are the
//! equilibrium at the free-stream velocity, at the far end they copy the
//! neighbouring column (zero gradient). With `inflow = false` the box is
//! periodic in x too, which conserves mass exactly: the test of the streaming.
//!
//! Physical units: the body's size D is 1 and the free-stream speed is 1, so
//! a cell is 1/D wide and a lattice step lasts U_lattice / D.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const Q: usize = 9;
pub const CX: [i32; Q] = [0, 1, 0, -1, 0, 1, -1, -1, 1];
pub const CY: [i32; Q] = [0, 0, 1, 0, -1, 1, 1, -1, -1];
pub const W: [f64; Q] = [4. / 9., 1. / 9., 1. / 9., 1. / 9., 1. / 9., 1. / 36., 1. / 36., 1. / 36., 1. / 36.];
pub const OPP: [usize; Q] = [0, 3, 4, 1, 2, 7, 8, 5, 6];
/// Free-stream speed in lattice units (Mach ≈ 0.14).
pub const U0: f64 = 0.08;
/// BGK is unstable as τ → ½; below this the Reynolds number is lowered.
pub const TAU_MIN: f64 = 0.53;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    Cylinder,
    Airfoil,
}

/// Where a population streaming into a cell comes from ([`Lbm::source`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// An index into [`Lbm::f`].
    Population(usize),
    /// The inlet: the free stream's equilibrium at density 1.
    Inlet,
}

/// The lattice and its populations.
pub struct Lbm {
    pub nx: usize,
    pub ny: usize,
    /// Body size in cells.
    pub d: f64,
    pub tau: f64,
    /// Reynolds number actually simulated, U D / ν (lower than asked when τ hit [`TAU_MIN`]).
    pub re: f64,
    pub inflow: bool,
    pub solid: Vec<bool>,
    /// Fluid cells whose nine neighbours are fluid and inside the channel
    /// (not the first or last column): their populations stream in without
    /// a boundary case (see [`Lbm::step`]).
    interior: Vec<bool>,
    /// Populations, `f[q * cells + y * nx + x]`.
    pub f: Vec<f64>,
    next: Vec<f64>,
    pub steps: usize,
}

/// Equilibrium population `q` at density `rho` and velocity (u, v).
#[inline(always)]
pub fn equilibrium(q: usize, rho: f64, u: f64, v: f64) -> f64 {
    let cu = CX[q] as f64 * u + CY[q] as f64 * v;
    W[q] * rho * (1.0 + 3.0 * cu + 4.5 * cu * cu - 1.5 * (u * u + v * v))
}

impl Lbm {
    /// A 2·res × res channel with the body one fifth of the way along, at
    /// rest density and free-stream velocity plus small seeded transverse
    /// disturbances that start the shedding.
    pub fn new(res: usize, body: Body, re: f64, seed: u64) -> Lbm {
        let (nx, ny) = (2 * res, res);
        let d = ny as f64 / 8.0;
        let (x0, y0) = (nx as f64 / 5.0, ny as f64 / 2.0);
        let solid: Vec<bool> = (0..nx * ny)
            .map(|p| {
                let (x, y) = ((p % nx) as f64 + 0.5 - x0, (p / nx) as f64 + 0.5 - y0);
                match body {
                    Body::Cylinder => (x * x + y * y).sqrt() <= d / 2.0,
                    Body::Airfoil => in_naca0012(x / d, y / d),
                }
            })
            .collect();
        let nu = (U0 * d / re).max((TAU_MIN - 0.5) / 3.0);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let kicks: Vec<f64> = (0..ny).map(|_| rng.random::<f64>() - 0.5).collect();
        // A transverse gust just behind the body, up or down by the seed:
        // it breaks the wake's symmetry, so shedding starts within about 20
        // time units instead of waiting for round-off to grow.
        let gust = if rng.random::<bool>() { 0.3 } else { -0.3 } * U0;
        let cells = nx * ny;
        let mut f = vec![0.0; Q * cells];
        for p in 0..cells {
            let (gx, gy) = (((p % nx) as f64 - x0 - 1.5 * d) / d, ((p / nx) as f64 - y0) / d);
            let v = 0.01 * U0 * kicks[p / nx] + gust * libm::exp(-(gx * gx + gy * gy));
            for q in 0..Q {
                f[q * cells + p] = equilibrium(q, 1.0, U0, v);
            }
        }
        let interior = (0..cells)
            .map(|p| {
                let (x, y) = (p % nx, p / nx);
                x > 0
                    && x + 1 < nx
                    && (0..Q).all(|q| {
                        let sy = (y as i32 - CY[q]).rem_euclid(ny as i32) as usize;
                        !solid[sy * nx + (x as i32 - CX[q]) as usize]
                    })
            })
            .collect();
        Lbm {
            nx,
            ny,
            d,
            tau: 3.0 * nu + 0.5,
            re: U0 * d / nu,
            inflow: true,
            solid,
            interior,
            next: f.clone(),
            f,
            steps: 0,
        }
    }

    /// One step. Natively on a CPU with AVX2 the same code is compiled four
    /// f64 lanes wide (as [`crate::num::mlp::matmul`] is); in wasm SIMD128
    /// gives two. The lanes are neighbouring cells, each with its own
    /// operations in the scalar order: the bits do not depend on the width.
    pub fn step(&mut self) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            unsafe { self.step_avx2() };
            return;
        }
        self.step_lanes();
    }

    /// [`Lbm::step_lanes`] compiled for AVX2 (no FMA).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn step_avx2(&mut self) {
        self.step_lanes();
    }

    #[inline(always)]
    fn step_lanes(&mut self) {
        let (nx, ny, cells) = (self.nx, self.ny, self.nx * self.ny);
        let omega = 1.0 / self.tau;
        for y in 0..ny {
            // Where population q of this row comes from: plane q, row y − c_y (periodic).
            let from: [usize; Q] =
                std::array::from_fn(|q| q * cells + (y as i32 - CY[q]).rem_euclid(ny as i32) as usize * nx);
            let mut x = 0;
            while x < nx {
                let p = y * nx + x;
                // LANES interior cells in a row: their populations stream in
                // from LANES neighbouring cells of each plane, with no boundary case.
                if x + LANES <= nx && self.interior[p..p + LANES].iter().all(|&i| i) {
                    self.collide_interior::<LANES>(&from, x, p, omega);
                    x += LANES;
                    continue;
                }
                if self.interior[p] {
                    self.collide_interior::<1>(&from, x, p, omega);
                } else if self.solid[p] {
                    for q in 0..Q {
                        self.next[q * cells + p] = self.f[q * cells + p];
                    }
                } else {
                    self.collide_boundary(x, y, omega);
                }
                x += 1;
            }
        }
        std::mem::swap(&mut self.f, &mut self.next);
        self.steps += 1;
    }

    /// Interior cells `p .. p + L` (columns `x ..`): gather, collide, store.
    #[inline(always)]
    fn collide_interior<const L: usize>(&mut self, from: &[usize; Q], x: usize, p: usize, omega: f64) {
        let cells = self.nx * self.ny;
        let mut fin = [[0.0; L]; Q];
        for q in 0..Q {
            let s = (from[q] + x).wrapping_add_signed(-CX[q] as isize);
            fin[q].copy_from_slice(&self.f[s..s + L]);
        }
        collide(&mut fin, omega);
        for q in 0..Q {
            self.next[q * cells + p..q * cells + p + L].copy_from_slice(&fin[q]);
        }
    }

    /// A fluid cell next to the body or at either end of the channel.
    fn collide_boundary(&mut self, x: usize, y: usize, omega: f64) {
        let p = y * self.nx + x;
        let cells = self.nx * self.ny;
        let mut fin = [[0.0; 1]; Q];
        for q in 0..Q {
            fin[q][0] = match self.source(q, x, y) {
                Source::Population(s) => self.f[s],
                Source::Inlet => equilibrium(q, 1.0, U0, 0.0),
            };
        }
        collide(&mut fin, omega);
        for q in 0..Q {
            self.next[q * cells + p] = fin[q][0];
        }
    }

    /// Where population `q` of fluid cell (x, y) comes from when it streams
    /// in (pull streaming, see the module docs): from the upstream cell
    /// (x − c_x, y − c_y), periodic in y (and in x without inflow); off a
    /// solid cell, the cell's own opposite population (bounce-back); past the
    /// outlet, the cell's own column (zero gradient); before the inlet, the
    /// free stream's equilibrium. The one statement of the boundaries, for
    /// [`Lbm::step`] and for the GPU's gather table (`gpu/lbm.rs`).
    pub fn source(&self, q: usize, x: usize, y: usize) -> Source {
        let (nx, ny, cells) = (self.nx, self.ny, self.nx * self.ny);
        let p = y * nx + x;
        let sy = (y as i32 - CY[q]).rem_euclid(ny as i32) as usize;
        let mut sx = x as i32 - CX[q];
        if !self.inflow {
            sx = sx.rem_euclid(nx as i32);
        } else if sx < 0 {
            return Source::Inlet;
        } else if sx >= nx as i32 {
            return Source::Population(q * cells + sy * nx + x);
        }
        let s = sy * nx + sx as usize;
        Source::Population(if self.solid[s] { OPP[q] * cells + p } else { q * cells + s })
    }

    /// Lattice steps per unit of physical time (D / U).
    pub fn steps_per_time(&self) -> f64 {
        self.d / U0
    }

    /// Total mass Σ f over the fluid cells.
    pub fn mass(&self) -> f64 {
        let cells = self.nx * self.ny;
        (0..cells).filter(|&p| !self.solid[p]).map(|p| (0..Q).map(|q| self.f[q * cells + p]).sum::<f64>()).sum()
    }

    /// Velocity (u, v) in units of the free stream, per cell (0 in the body).
    pub fn velocity(&self) -> (Vec<f64>, Vec<f64>) {
        let cells = self.nx * self.ny;
        let mut fin = [0.0; Q];
        let (mut u, mut v) = (vec![0.0; cells], vec![0.0; cells]);
        for p in 0..cells {
            if !self.solid[p] {
                for q in 0..Q {
                    fin[q] = self.f[q * cells + p];
                }
                let (_, a, b) = moments(&fin);
                (u[p], v[p]) = (a / U0, b / U0);
            }
        }
        (u, v)
    }

    /// Vorticity ∂v/∂x − ∂u/∂y in physical units (U / D), central
    /// differences, 0 in the body, its neighbours and the end columns.
    pub fn vorticity(&self) -> Vec<f64> {
        let (u, v) = self.velocity();
        vorticity_from(&u, &v, &self.solid, self.nx, self.ny, self.d)
    }

    /// Whether the populations are still finite and the density sane.
    pub fn is_finite(&self) -> bool {
        let cells = self.nx * self.ny;
        (0..cells).step_by(7).all(|p| {
            let rho: f64 = (0..Q).map(|q| self.f[q * cells + p]).sum();
            rho.is_finite() && rho > 0.2 && rho < 5.0
        })
    }
}

/// Shared by the CPU and GPU paths, which both hand back (u, v).
pub fn vorticity_from(u: &[f64], v: &[f64], solid: &[bool], nx: usize, ny: usize, d: f64) -> Vec<f64> {
    let mut w = vec![0.0; nx * ny];
    for y in 0..ny {
        let (up, down) = (((y + 1) % ny) * nx, ((y + ny - 1) % ny) * nx);
        for x in 1..nx - 1 {
            let p = y * nx + x;
            if [p, p - 1, p + 1, up + x, down + x].iter().any(|&s| solid[s]) {
                continue;
            }
            // Derivatives per cell, times D cells per unit length.
            w[p] = 0.5 * d * ((v[p + 1] - v[p - 1]) - (u[up + x] - u[down + x]));
        }
    }
    w
}

/// Cells side by side in one step of [`Lbm::step`]: four f64 fill an AVX2
/// register, two fill SIMD128's (which then takes two instructions a block).
const LANES: usize = 4;

/// Density and velocity of `L` cells' populations (`f[q][l]`: population
/// q of cell l), each summed over q in ascending order.
#[inline(always)]
fn moments_of<const L: usize>(f: &[[f64; L]; Q]) -> ([f64; L], [f64; L], [f64; L]) {
    let mut rho = f[0];
    let (mut u, mut v) = ([0.0; L], [0.0; L]);
    for q in 0..Q {
        for l in 0..L {
            if q > 0 {
                rho[l] += f[q][l];
            }
            u[l] += CX[q] as f64 * f[q][l];
            v[l] += CY[q] as f64 * f[q][l];
        }
    }
    for l in 0..L {
        u[l] /= rho[l];
        v[l] /= rho[l];
    }
    (rho, u, v)
}

/// BGK collision of `L` cells, in place: each population relaxes towards
/// the equilibrium at its cell's density and velocity.
#[inline(always)]
fn collide<const L: usize>(f: &mut [[f64; L]; Q], omega: f64) {
    let (rho, u, v) = moments_of(f);
    for q in 0..Q {
        for l in 0..L {
            f[q][l] += omega * (equilibrium(q, rho[l], u[l], v[l]) - f[q][l]);
        }
    }
}

/// Density and velocity of one cell's populations.
pub fn moments(f: &[f64; Q]) -> (f64, f64, f64) {
    let (rho, u, v) = moments_of(&f.map(|x| [x]));
    (rho[0], u[0], v[0])
}

/// Whether (x, y), in body sizes from the body's centre, is inside a NACA
/// 0012 of chord 2 at 12° angle of attack, centred on its mid-chord.
fn in_naca0012(x: f64, y: f64) -> bool {
    let (chord, alpha) = (2.0, 12f64.to_radians());
    // Rotate into the chord frame (leading edge at 0, nose into the stream).
    let (s, c) = libm::sincos(alpha);
    let xc = (x * c - y * s) / chord + 0.5;
    let yc = (x * s + y * c) / chord;
    if !(0.0..=1.0).contains(&xc) {
        return false;
    }
    let t =
        5.0 * 0.12 * (0.2969 * xc.sqrt() - 0.1260 * xc - 0.3516 * xc * xc + 0.2843 * xc.powi(3) - 0.1015 * xc.powi(4));
    yc.abs() <= t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Streaming and bounce-back move populations, collision keeps their sum:
    /// in a box periodic in both directions the total mass stays put to
    /// round-off while the flow goes round the body.
    #[test]
    fn mass_is_conserved_in_a_closed_box() {
        for body in [Body::Cylinder, Body::Airfoil] {
            let mut lbm = Lbm::new(32, body, 100.0, 1);
            lbm.inflow = false;
            let m0 = lbm.mass();
            let w0 = lbm.vorticity();
            for _ in 0..300 {
                lbm.step();
            }
            let drift = (lbm.mass() / m0 - 1.0).abs();
            assert!(drift < 1e-12, "{body:?}: relative mass drift {drift:e}");
            let changed = w0.iter().zip(lbm.vorticity()).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
            assert!(changed > 0.1, "{body:?}: the flow did not develop ({changed})");
        }
    }

    #[test]
    fn the_body_blocks_the_stream_and_the_reynolds_number_is_capped() {
        let mut lbm = Lbm::new(32, Body::Cylinder, 20.0, 1);
        assert!((lbm.re - 20.0).abs() < 1e-9);
        for _ in 0..200 {
            lbm.step();
        }
        assert!(lbm.is_finite());
        let (u, _) = lbm.velocity();
        // Just behind the cylinder the flow is slowed; far off it is not.
        let (nx, behind) = (lbm.nx, (lbm.ny / 2) * lbm.nx + (lbm.nx as f64 / 5.0 + lbm.d) as usize);
        assert!(u[behind] < 0.5, "wake speed {}", u[behind]);
        assert!(u[nx / 2] > 0.9, "free stream {}", u[nx / 2]);
        let fast = Lbm::new(32, Body::Cylinder, 1e5, 1);
        assert!((fast.tau - TAU_MIN).abs() < 1e-12 && fast.re < 100.0, "Re {}", fast.re);
    }
}
