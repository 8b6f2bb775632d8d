//! Vector fields on the torus `[0, 2π)²` and their Galerkin operators.
//!
//! **Basis.** The real Fourier functions with `|k|, |l| ≤ K`, orthonormal in
//! L²: the constant `1/(2π)`, and for each frequency `(k, l)` of the half
//! plane (`k > 0`, or `k = 0 < l`) the pair `cos(kx + ly)/(√2 π)`,
//! `sin(kx + ly)/(√2 π)`. That is `(2K + 1)²` functions (169 at `K = 6`).
//!
//! **Fields.** `v = ∇^⊥ψ + κ ∇φ` with `∇^⊥ψ = (−ψ_y, ψ_x)` (divergence
//! free) and `∇φ` (divergence `Δφ`), where `ψ` and `φ` are trigonometric
//! polynomials of degree at most [`FIELD_DEGREE`] per axis, each scaled so
//! its part of the field has RMS speed 1: `κ` is the ratio of the two.
//!
//! **Galerkin matrices.** `M_ij = ⟨φ_i, v·∇φ_j⟩` and the divergence matrix
//! `D_ij = ⟨φ_i φ_j, div v⟩`. Integrating `v·∇(φ_i φ_j)` by parts gives
//! `M + Mᵀ = −D`: `M` is skew exactly when `div v = 0`. Both integrands
//! are trigonometric polynomials of degree at most `2K + FIELD_DEGREE` per
//! axis, and the trapezoidal rule on `N` equispaced points per axis is exact
//! for degree below `N`, so [`quadrature_points`] takes
//! `N = 2K + FIELD_DEGREE + 1`: the quadrature is exact, and the identity
//! holds to round-off, not to a discretisation error.

use std::f64::consts::PI;

use ndarray::{Array1, Array2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::num::mlp::matmul;
use crate::num::rng::gaussian;

/// Largest frequency per axis of the stream function and the potential.
pub const FIELD_DEGREE: i32 = 3;

/// One term `a cos(kx + ly) + b sin(kx + ly)` of a trigonometric polynomial.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mode {
    pub k: i32,
    pub l: i32,
    pub a: f64,
    pub b: f64,
}

/// A real trigonometric polynomial on the torus.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trig(pub Vec<Mode>);

impl Trig {
    /// `(f, f_x, f_y, Δf)` at `(x, y)`. (`libm` for sin and cos here and
    /// below: the page and the CLI get the same bits.)
    pub fn eval(&self, x: f64, y: f64) -> [f64; 4] {
        let mut out = [0.0; 4];
        for m in &self.0 {
            let (k, l) = (m.k as f64, m.l as f64);
            let (s, c) = libm::sincos(k * x + l * y);
            let f = m.a * c + m.b * s;
            let d = -m.a * s + m.b * c;
            out[0] += f;
            out[1] += k * d;
            out[2] += l * d;
            out[3] -= (k * k + l * l) * f;
        }
        out
    }

    fn scaled(mut self, by: f64) -> Trig {
        for m in &mut self.0 {
            m.a *= by;
            m.b *= by;
        }
        self
    }

    /// `∫ |∇f|² / (4π²)`: the mean squared speed of `∇f` (or of `∇^⊥f`).
    fn mean_square_gradient(&self) -> f64 {
        // Orthogonality of the modes: each (k, l) contributes (k² + l²)(a² + b²)/2,
        // after merging (k, l) with (−k, −l).
        let mut merged: Vec<Mode> = Vec::new();
        for m in &self.0 {
            let (k, l, b) = if m.k < 0 || (m.k == 0 && m.l < 0) { (-m.k, -m.l, -m.b) } else { (m.k, m.l, m.b) };
            match merged.iter_mut().find(|n| n.k == k && n.l == l) {
                Some(n) => {
                    n.a += m.a;
                    n.b += b;
                }
                None => merged.push(Mode { k, l, a: m.a, b }),
            }
        }
        merged.iter().map(|m| ((m.k * m.k + m.l * m.l) as f64) * (m.a * m.a + m.b * m.b) / 2.0).sum()
    }

    /// Scaled so the field it generates has RMS speed 1 (unchanged if zero).
    fn unit_speed(self) -> Trig {
        let ms = self.mean_square_gradient();
        if ms > 0.0 {
            self.scaled(1.0 / ms.sqrt())
        } else {
            self
        }
    }
}

/// The field presets (`field` knob).
pub const KINDS: &[&str] = &["random", "vortex", "shear", "cellular", "sourcesink"];

/// `v = ∇^⊥ψ + κ ∇φ`.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub psi: Trig,
    pub phi: Trig,
    pub kappa: f64,
}

/// A random polynomial of degree [`FIELD_DEGREE`] with amplitudes falling as
/// `exp(−(k² + l²)/4)`: smooth, a few low modes.
fn random_trig(rng: &mut ChaCha8Rng) -> Trig {
    let mut modes = Vec::new();
    for k in 0..=FIELD_DEGREE {
        for l in -FIELD_DEGREE..=FIELD_DEGREE {
            if k == 0 && l <= 0 {
                continue;
            }
            let amp = libm::exp(-((k * k + l * l) as f64) / 4.0);
            modes.push(Mode { k, l, a: amp * gaussian(rng), b: amp * gaussian(rng) });
        }
    }
    Trig(modes)
}

/// A bump of degree [`FIELD_DEGREE`] centred at `(x0, y0)`: the periodic
/// Gaussian `Σ exp(−(k² + l²)/4) cos(k(x − x0) + l(y − y0))`, truncated.
fn bump(x0: f64, y0: f64, sign: f64) -> Trig {
    let mut modes = Vec::new();
    for k in -FIELD_DEGREE..=FIELD_DEGREE {
        for l in -FIELD_DEGREE..=FIELD_DEGREE {
            if k == 0 && l == 0 {
                continue;
            }
            let amp = sign * libm::exp(-((k * k + l * l) as f64) / 4.0);
            let shift = k as f64 * x0 + l as f64 * y0;
            // cos(θ − s) = cos θ cos s + sin θ sin s
            let (s, c) = libm::sincos(shift);
            modes.push(Mode { k, l, a: amp * c, b: amp * s });
        }
    }
    Trig(modes)
}

impl Field {
    /// The field preset `kind` (one of [`KINDS`]) with divergence weight
    /// `kappa`; the random parts come from `seed`.
    pub fn new(kind: &str, kappa: f64, seed: u64) -> Field {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let random_psi = random_trig(&mut rng);
        let random_phi = random_trig(&mut rng);
        let m = |k, l, a, b| Mode { k, l, a, b };
        let (psi, phi) = match kind {
            "random" => (random_psi, random_phi),
            "vortex" => (bump(PI, PI, 1.0), random_phi),
            // A jet u = −ψ_y ≈ sin y − 0.3 sin 2y, with a small wave across it.
            "shear" => (Trig(vec![m(0, 1, 1.0, 0.0), m(0, 2, -0.15, 0.0), m(1, 0, 0.0, 0.1)]), random_phi),
            // ψ = sin x sin y = (cos(x − y) − cos(x + y))/2: a 2 × 2 array of cells.
            "cellular" => (Trig(vec![m(1, -1, 0.5, 0.0), m(1, 1, -0.5, 0.0)]), random_phi),
            // No rotation; a source at (π/2, π) and a sink at (3π/2, π), seen once κ > 0.
            "sourcesink" => (Trig::default(), Trig([bump(PI / 2.0, PI, 1.0).0, bump(1.5 * PI, PI, -1.0).0].concat())),
            other => panic!("unknown field kind {other}"),
        };
        Field { psi: psi.unit_speed(), phi: phi.unit_speed(), kappa }
    }

    /// `(v_x, v_y, div v)` at `(x, y)`.
    pub fn at(&self, x: f64, y: f64) -> [f64; 3] {
        let p = self.psi.eval(x, y);
        let q = self.phi.eval(x, y);
        [-p[2] + self.kappa * q[1], p[1] + self.kappa * q[2], self.kappa * q[3]]
    }
}

/// Frequencies `(k, l)` of the basis after the constant, each giving a cos
/// and a sin function, in basis order.
pub fn frequencies(big_k: i32) -> Vec<(i32, i32)> {
    let mut out = Vec::new();
    for k in 0..=big_k {
        for l in -big_k..=big_k {
            if k > 0 || l > 0 {
                out.push((k, l));
            }
        }
    }
    out
}

/// Number of basis functions at `K`: `(2K + 1)²`.
pub fn basis_size(big_k: i32) -> usize {
    ((2 * big_k + 1) * (2 * big_k + 1)) as usize
}

/// Points per axis of the exact quadrature (see the module docs).
pub fn quadrature_points(big_k: i32) -> usize {
    (2 * big_k + FIELD_DEGREE + 1) as usize
}

/// Values and gradients of every basis function at `(x, y)`:
/// `out[j] = (φ_j, ∂_x φ_j, ∂_y φ_j)`.
pub fn basis_at(big_k: i32, x: f64, y: f64, out: &mut Vec<[f64; 3]>) {
    let c0 = 1.0 / (2.0 * PI);
    let c = 1.0 / (2.0f64.sqrt() * PI);
    out.clear();
    out.push([c0, 0.0, 0.0]);
    for (k, l) in frequencies(big_k) {
        let (s, co) = libm::sincos(k as f64 * x + l as f64 * y);
        out.push([c * co, -c * s * k as f64, -c * s * l as f64]);
        out.push([c * s, c * co * k as f64, c * co * l as f64]);
    }
}

/// The Galerkin matrices of a field.
pub struct Operators {
    /// `M_ij = ⟨φ_i, v·∇φ_j⟩`.
    pub m: Array2<f64>,
    /// `D_ij = ⟨φ_i φ_j, div v⟩`.
    pub div: Array2<f64>,
    /// Quadrature points per axis.
    pub points: usize,
}

/// `M` and `D` by the exact quadrature: with `Φ_pi = φ_i(x_p)`,
/// `G_pj = v(x_p)·∇φ_j(x_p)` and weight `w = (2π/N)²`,
/// `M = w ΦᵀG` and `D = w Φᵀ diag(div v) Φ`.
pub fn operators(field: &Field, big_k: i32) -> Operators {
    let n = basis_size(big_k);
    let points = quadrature_points(big_k);
    let h = 2.0 * PI / points as f64;
    let p = points * points;
    let mut phi_t = Array2::zeros((n, p));
    let mut g = Array2::zeros((p, n));
    let mut dphi = Array2::zeros((p, n));
    let mut values = Vec::with_capacity(n);
    for a in 0..points {
        for b in 0..points {
            let (x, y) = (a as f64 * h, b as f64 * h);
            let row = a * points + b;
            let [vx, vy, div] = field.at(x, y);
            basis_at(big_k, x, y, &mut values);
            for (j, &[f, fx, fy]) in values.iter().enumerate() {
                phi_t[(j, row)] = f;
                g[(row, j)] = vx * fx + vy * fy;
                dphi[(row, j)] = div * f;
            }
        }
    }
    let w = h * h;
    let m = matmul(phi_t.view(), g.view()) * w;
    let div = matmul(phi_t.view(), dphi.view()) * w;
    Operators { m, div, points }
}

/// The coefficients of `f` in the basis (by the same exact quadrature when
/// `f` is a polynomial of degree ≤ K + FIELD_DEGREE + 1, else its
/// interpolation on that grid).
pub fn project(big_k: i32, f: impl Fn(f64, f64) -> f64) -> Array1<f64> {
    let n = basis_size(big_k);
    let points = quadrature_points(big_k);
    let h = 2.0 * PI / points as f64;
    let mut c = Array1::zeros(n);
    let mut values = Vec::with_capacity(n);
    for a in 0..points {
        for b in 0..points {
            let (x, y) = (a as f64 * h, b as f64 * h);
            basis_at(big_k, x, y, &mut values);
            let fv = f(x, y) * h * h;
            for (j, v) in values.iter().enumerate() {
                c[j] += v[0] * fv;
            }
        }
    }
    c
}

/// The function with coefficients `c` on a `res × res` grid (row `b` is
/// `y = 2π b/res`, column `a` is `x = 2π a/res`).
pub fn synthesize(big_k: i32, c: &[f64], res: usize) -> Vec<f32> {
    let h = 2.0 * PI / res as f64;
    let mut values = Vec::with_capacity(c.len());
    let mut out = Vec::with_capacity(res * res);
    for b in 0..res {
        for a in 0..res {
            basis_at(big_k, a as f64 * h, b as f64 * h, &mut values);
            out.push(values.iter().zip(c).map(|(v, c)| v[0] * c).sum::<f64>() as f32);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basis_is_orthonormal_under_the_quadrature() {
        // Projecting a basis function must give a unit vector.
        let k = 3;
        let n = basis_size(k);
        for j in [0, 1, 2, n - 1] {
            let c = project(k, |x, y| {
                let mut values = Vec::new();
                basis_at(k, x, y, &mut values);
                values[j][0]
            });
            for (i, ci) in c.iter().enumerate() {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((ci - want).abs() < 1e-12, "⟨φ_{i}, φ_{j}⟩ = {ci}");
            }
        }
    }

    #[test]
    fn the_fields_have_unit_rms_speed() {
        for kind in KINDS {
            let f = Field::new(kind, 1.0, 3);
            let n = 64;
            let h = 2.0 * PI / n as f64;
            let (mut rot, mut grad) = (0.0, 0.0);
            for a in 0..n {
                for b in 0..n {
                    let p = f.psi.eval(a as f64 * h, b as f64 * h);
                    let q = f.phi.eval(a as f64 * h, b as f64 * h);
                    rot += p[1] * p[1] + p[2] * p[2];
                    grad += q[1] * q[1] + q[2] * q[2];
                }
            }
            let (rot, grad) = ((rot / (n * n) as f64).sqrt(), (grad / (n * n) as f64).sqrt());
            let want_rot = if *kind == "sourcesink" { 0.0 } else { 1.0 };
            assert!((rot - want_rot).abs() < 1e-9, "{kind}: rotational RMS speed {rot}");
            assert!((grad - 1.0).abs() < 1e-9, "{kind}: gradient RMS speed {grad}");
        }
    }
}
