//! Weight functions of depth: θ(t) = Σ_k c_k φ_k(t) on [0, 1].
//!
//! A [`Basis`] is a family and a size K. It evaluates all K functions at a
//! depth, gives its mass matrix, and [`projection`] maps coefficients from one
//! basis to another by exact L2 projection: `M_to c_to = G c_from`, with every
//! integral computed by Gauss–Legendre quadrature on the cells between the
//! breakpoints of *both* bases (so piecewise functions are integrated exactly,
//! unlike quadrature on unaligned cells).
//!
//! Legendre and Fourier functions are scaled to be L2-orthonormal, so their
//! mass matrix is the identity and coefficients are comparable in size.

use ndarray::Array2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Piecewise constant on K equal cells (index min(⌊K t⌋, K − 1)).
    Pwc,
    /// Discontinuous piecewise linear: K/2 cells, two nodal functions each.
    Pwl,
    /// Continuous hat functions on K − 1 equal cells (K nodes).
    Fem,
    /// Legendre polynomials P_0 … P_{K−1} of 2t − 1.
    Legendre,
    /// 1, √2 cos 2πjt, √2 sin 2πjt, … (K functions in that order).
    Fourier,
}

impl Family {
    pub fn by_name(name: &str) -> Option<Family> {
        Some(match name {
            "pwc" => Family::Pwc,
            "pwl" => Family::Pwl,
            "fem" => Family::Fem,
            "legendre" => Family::Legendre,
            "fourier" => Family::Fourier,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Family::Pwc => "pwc",
            Family::Pwl => "pwl",
            Family::Fem => "fem",
            Family::Legendre => "legendre",
            Family::Fourier => "fourier",
        }
    }

    /// The smallest valid size for this family at or above `k`.
    pub fn valid_size(self, k: usize) -> usize {
        match self {
            Family::Pwl => k.max(2).div_ceil(2) * 2,
            Family::Fem => k.max(2),
            _ => k.max(1),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Basis {
    pub family: Family,
    pub k: usize,
}

impl Basis {
    /// `k` must be valid for the family: at least 1; even for `pwl`; at least 2 for `fem`.
    pub fn new(family: Family, k: usize) -> Result<Basis, String> {
        if family.valid_size(k) != k {
            return Err(format!(
                "{} needs K ≥ 1{}; got {k}",
                family.name(),
                match family {
                    Family::Pwl => ", even",
                    Family::Fem => " and ≥ 2",
                    _ => "",
                }
            ));
        }
        Ok(Basis { family, k })
    }

    /// The number of coefficients per weight.
    pub fn params(&self) -> usize {
        self.k
    }

    /// The basis after one refinement: twice the cells, nested in the original
    /// (K → 2K; for `fem`, K nodes → 2K − 1 nodes, which doubles the cells).
    pub fn refined(&self) -> Basis {
        let k = match self.family {
            Family::Fem => 2 * self.k - 1,
            _ => 2 * self.k,
        };
        Basis { family: self.family, k }
    }

    /// Writes φ_0(t) … φ_{K−1}(t) into `out` (length K). `t` is clamped to [0, 1].
    pub fn eval(&self, t: f64, out: &mut [f64]) {
        let k = self.k;
        assert_eq!(out.len(), k);
        let t = t.clamp(0.0, 1.0);
        // Cell index; the nudge puts a depth computed as n·(1/K) — which may
        // round to just below n/K — in cell n, as intended.
        let cell = |cells: usize| ((cells as f64 * t + 1e-9) as usize).min(cells - 1);
        out.fill(0.0);
        match self.family {
            Family::Pwc => out[cell(k)] = 1.0,
            Family::Pwl => {
                let cells = k / 2;
                let e = cell(cells);
                let s = cells as f64 * t - e as f64;
                out[2 * e] = 1.0 - s;
                out[2 * e + 1] = s;
            }
            Family::Fem => {
                let cells = k - 1;
                let e = cell(cells);
                let s = cells as f64 * t - e as f64;
                out[e] = 1.0 - s;
                out[e + 1] = s;
            }
            Family::Legendre => {
                let x = 2.0 * t - 1.0;
                let (mut p0, mut p1) = (1.0, x);
                for (n, o) in out.iter_mut().enumerate() {
                    let p = match n {
                        0 => 1.0,
                        1 => x,
                        _ => {
                            let m = n as f64;
                            let p2 = ((2.0 * m - 1.0) * x * p1 - (m - 1.0) * p0) / m;
                            (p0, p1) = (p1, p2);
                            p2
                        }
                    };
                    *o = p * (2.0 * n as f64 + 1.0).sqrt();
                }
            }
            Family::Fourier => {
                let tau = 2.0 * std::f64::consts::PI * t;
                for (n, o) in out.iter_mut().enumerate() {
                    let j = n.div_ceil(2) as f64;
                    *o = match n {
                        0 => 1.0,
                        _ if n % 2 == 1 => std::f64::consts::SQRT_2 * (j * tau).cos(),
                        _ => std::f64::consts::SQRT_2 * (j * tau).sin(),
                    };
                }
            }
        }
    }

    /// The coefficients of the constant function θ(t) ≡ 1.
    pub fn constant(&self) -> Vec<f64> {
        match self.family {
            // Nodal families sum to one.
            Family::Pwc | Family::Pwl | Family::Fem => vec![1.0; self.k],
            // φ_0 ≡ 1 and the rest are orthogonal to it.
            Family::Legendre | Family::Fourier => (0..self.k).map(|i| if i == 0 { 1.0 } else { 0.0 }).collect(),
        }
    }

    /// θ(t) for one scalar weight with coefficients `c`.
    pub fn value(&self, c: &[f64], t: f64) -> f64 {
        let mut phi = vec![0.0; self.k];
        self.eval(t, &mut phi);
        phi.iter().zip(c).map(|(p, c)| p * c).sum()
    }

    /// Cell boundaries in [0, 1], including both ends.
    fn breakpoints(&self) -> Vec<f64> {
        let cells = match self.family {
            Family::Pwc => self.k,
            Family::Pwl => self.k / 2,
            Family::Fem => self.k - 1,
            Family::Legendre | Family::Fourier => 1,
        };
        (0..=cells).map(|i| i as f64 / cells as f64).collect()
    }

    /// Polynomial degree that quadrature must integrate on a cell; for
    /// Fourier, a degree whose Gauss rule resolves the highest frequency to
    /// round-off.
    fn quadrature_degree(&self) -> usize {
        match self.family {
            Family::Pwc => 0,
            Family::Pwl | Family::Fem => 1,
            Family::Legendre => self.k - 1,
            Family::Fourier => 8 * (self.k / 2) + 24,
        }
    }

    /// The mass matrix M_ij = ∫₀¹ φ_i φ_j dt (K × K).
    pub fn mass(&self) -> Array2<f64> {
        gram(self, self)
    }
}

/// G_ij = ∫₀¹ ψ_i φ_j dt for ψ in `rows`, φ in `cols`, exact for these bases.
fn gram(rows: &Basis, cols: &Basis) -> Array2<f64> {
    let mut cuts: Vec<f64> = rows.breakpoints().into_iter().chain(cols.breakpoints()).collect();
    cuts.sort_by(f64::total_cmp);
    cuts.dedup_by(|a, b| (*a - *b).abs() < 1e-14);
    let points = (rows.quadrature_degree() + cols.quadrature_degree()) / 2 + 1;
    let (nodes, weights) = gauss_legendre(points);
    let mut g = Array2::zeros((rows.k, cols.k));
    let (mut psi, mut phi) = (vec![0.0; rows.k], vec![0.0; cols.k]);
    for cell in cuts.windows(2) {
        let (a, b) = (cell[0], cell[1]);
        for (x, w) in nodes.iter().zip(&weights) {
            // Map [-1, 1] to [a, b]; the midpoint rule keeps nodes strictly inside the cell.
            let t = 0.5 * (a + b) + 0.5 * (b - a) * x;
            let w = 0.5 * (b - a) * w;
            rows.eval(t, &mut psi);
            cols.eval(t, &mut phi);
            // Piecewise families are mostly zero at any t: skip those terms.
            let nonzero: Vec<usize> = (0..cols.k).filter(|&j| phi[j] != 0.0).collect();
            for i in (0..rows.k).filter(|&i| psi[i] != 0.0) {
                for &j in &nonzero {
                    g[(i, j)] += w * psi[i] * phi[j];
                }
            }
        }
    }
    g
}

/// The matrix P (to.k × from.k) of the L2 projection: coefficients `c` in
/// `from` become `P c` in `to`. Identity when `to` contains `from`'s span.
pub fn projection(from: &Basis, to: &Basis) -> Array2<f64> {
    let m = to.mass();
    let g = gram(to, from);
    crate::num::linalg::Cholesky::new(&m).expect("a mass matrix is symmetric positive definite").solve(&g)
}

/// Gauss–Legendre nodes and weights on [-1, 1] with `n` points (exact for
/// polynomials of degree 2n − 1), by Newton's method on P_n.
pub fn gauss_legendre(n: usize) -> (Vec<f64>, Vec<f64>) {
    assert!(n >= 1, "a Gauss rule needs at least one point");
    let mut nodes = vec![0.0; n];
    let mut weights = vec![0.0; n];
    for i in 0..n {
        let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        let mut dp = 1.0;
        for _ in 0..100 {
            let (mut p0, mut p1) = (1.0, x);
            for m in 2..=n {
                let m = m as f64;
                (p0, p1) = (p1, ((2.0 * m - 1.0) * x * p1 - (m - 1.0) * p0) / m);
            }
            // Now p1 = P_n(x) and p0 = P_{n−1}(x).
            dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
            let dx = p1 / dp;
            x -= dx;
            if dx.abs() < 1e-16 {
                break;
            }
        }
        nodes[i] = x;
        weights[i] = 2.0 / ((1.0 - x * x) * dp * dp);
    }
    (nodes, weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAMILIES: [Family; 5] = [Family::Pwc, Family::Pwl, Family::Fem, Family::Legendre, Family::Fourier];

    fn basis(family: Family, k: usize) -> Basis {
        Basis::new(family, family.valid_size(k)).unwrap()
    }

    /// Max |θ_a(t) − θ_b(t)| over a fine grid that includes cell ends.
    fn max_diff(a: &Basis, ca: &[f64], b: &Basis, cb: &[f64]) -> f64 {
        (0..=997).map(|i| i as f64 / 997.0).map(|t| (a.value(ca, t) - b.value(cb, t)).abs()).fold(0.0, f64::max)
    }

    fn coeffs(k: usize, seed: u64) -> Vec<f64> {
        (0..k).map(|i| ((i as f64 + 1.0) * 0.7 + seed as f64).sin()).collect()
    }

    fn apply(p: &Array2<f64>, c: &[f64]) -> Vec<f64> {
        p.rows().into_iter().map(|row| row.iter().zip(c).map(|(a, b)| a * b).sum()).collect()
    }

    #[test]
    fn gauss_legendre_is_exact_to_its_degree() {
        for n in [1, 2, 5, 20, 64] {
            let (x, w) = gauss_legendre(n);
            for deg in 0..2 * n {
                let got: f64 = x.iter().zip(&w).map(|(x, w)| w * x.powi(deg as i32)).sum();
                let want = if deg % 2 == 1 { 0.0 } else { 2.0 / (deg as f64 + 1.0) };
                assert!((got - want).abs() < 1e-12, "n={n} deg={deg}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn orthonormal_families_have_identity_mass() {
        for family in [Family::Legendre, Family::Fourier] {
            let m = basis(family, 9).mass();
            for ((i, j), v) in m.indexed_iter() {
                assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12, "{family:?} M[{i},{j}] = {v}");
            }
        }
        // pwc: diagonal 1/K.
        let m = basis(Family::Pwc, 4).mass();
        assert!((m[(2, 2)] - 0.25).abs() < 1e-14 && m[(1, 2)].abs() < 1e-14);
    }

    #[test]
    fn projection_onto_the_same_basis_is_the_identity() {
        for family in FAMILIES {
            for k in [1, 2, 5, 8, 16] {
                let b = basis(family, k);
                let p = projection(&b, &b);
                for ((i, j), v) in p.indexed_iter() {
                    assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-10, "{family:?} K={k}: P[{i},{j}]={v}");
                }
            }
        }
    }

    #[test]
    fn projection_onto_a_richer_nested_basis_keeps_theta() {
        let pairs = [
            (basis(Family::Pwc, 4), basis(Family::Pwc, 12)),
            (basis(Family::Pwc, 4), basis(Family::Pwl, 8)),
            (basis(Family::Pwl, 4), basis(Family::Pwl, 8)),
            (basis(Family::Fem, 3), basis(Family::Fem, 5)),
            (basis(Family::Fem, 5), basis(Family::Pwl, 8)),
            (basis(Family::Legendre, 2), basis(Family::Fem, 4)),
            (basis(Family::Legendre, 4), basis(Family::Legendre, 9)),
            (basis(Family::Fourier, 5), basis(Family::Fourier, 9)),
        ];
        for (from, to) in pairs {
            let c = coeffs(from.k, 3);
            let projected = apply(&projection(&from, &to), &c);
            let d = max_diff(&from, &c, &to, &projected);
            assert!(d < 1e-10, "{from:?} → {to:?}: θ changed by {d:e}");
        }
    }

    #[test]
    fn projection_is_idempotent() {
        for family in FAMILIES {
            let from = basis(Family::Legendre, 12);
            let to = basis(family, 4);
            let c = coeffs(from.k, 1);
            let once = apply(&projection(&from, &to), &c);
            let twice = apply(&projection(&to, &to), &once);
            let d: f64 = once.iter().zip(&twice).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
            assert!(d < 1e-10, "{family:?}: {d:e}");
        }
    }

    #[test]
    fn l2_error_falls_as_k_grows_for_a_smooth_theta() {
        // θ(t) = sin 3t + t², held to round-off in orthonormal Legendre with
        // 24 terms: c_i = ∫ ψ_i θ by a 60-point Gauss rule.
        let fine = basis(Family::Legendre, 24);
        let (x, w) = gauss_legendre(60);
        let mut theta = vec![0.0; 24];
        let mut psi = vec![0.0; 24];
        for (x, w) in x.iter().zip(&w) {
            let t = 0.5 + 0.5 * x;
            fine.eval(t, &mut psi);
            for i in 0..24 {
                theta[i] += 0.5 * w * psi[i] * ((3.0 * t).sin() + t * t);
            }
        }
        assert!((fine.value(&theta, 0.3) - (0.9f64.sin() + 0.09)).abs() < 1e-12);
        for family in FAMILIES {
            let errors: Vec<f64> = [2, 4, 8, 16]
                .iter()
                .map(|&k| {
                    let to = basis(family, k);
                    let c = apply(&projection(&fine, &to), &theta);
                    let (x, w) = gauss_legendre(200);
                    x.iter()
                        .zip(&w)
                        .map(|(x, w)| {
                            let t = 0.5 + 0.5 * x;
                            0.5 * w * (fine.value(&theta, t) - to.value(&c, t)).powi(2)
                        })
                        .sum::<f64>()
                        .sqrt()
                })
                .collect();
            for pair in errors.windows(2) {
                assert!(pair[1] < pair[0], "{family:?}: L2 errors {errors:?} do not fall");
            }
        }
    }

    #[test]
    fn refinement_leaves_theta_unchanged() {
        for family in FAMILIES {
            for k in [1, 2, 3, 4, 8] {
                let from = basis(family, k);
                let to = from.refined();
                let c = coeffs(from.k, 7);
                let refined = apply(&projection(&from, &to), &c);
                let d = max_diff(&from, &c, &to, &refined);
                assert!(d < 1e-10, "{from:?} → {to:?}: θ changed by {d:e}");
            }
        }
    }

    #[test]
    fn pwc_halving_is_pairwise_averaging() {
        let from = basis(Family::Pwc, 8);
        let to = basis(Family::Pwc, 4);
        let c = coeffs(8, 2);
        let got = apply(&projection(&from, &to), &c);
        for i in 0..4 {
            assert!((got[i] - 0.5 * (c[2 * i] + c[2 * i + 1])).abs() < 1e-14);
        }
    }
}
