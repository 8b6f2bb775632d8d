//! Leading eigenpairs of a symmetric matrix, exactly: a dense solver
//! ([`eigvals::symmetric_pairs`], the same bits natively and in wasm) for
//! small matrices, and Lanczos for large ones that exist only as a
//! mat-vec. Also how far an estimate is from them.
//!
//! "Leading" means the k largest eigenvalues, algebraically: for the
//! non-negative adjacency matrices of the flow lab these are the ones whose
//! eigenvectors pick out coherent groups of vortices.

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::num::eigvals;

/// Eigenvalues in decreasing order with their unit eigenvectors.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Eigenpairs {
    pub values: Vec<f64>,
    pub vectors: Vec<Vec<f64>>,
}

/// The k leading eigenpairs of a dense symmetric matrix (its lower
/// triangle is read).
pub fn dense(a: &Array2<f64>, k: usize) -> Eigenpairs {
    let n = a.nrows();
    let flat: Vec<f64> = a.iter().copied().collect();
    let (values, vectors) = eigvals::symmetric_pairs(&flat, n).expect("symmetric eigensolver converges");
    top_k(values, vectors, k)
}

/// The `k` largest of `values` with their `vectors` (`vectors[i]` belongs
/// to `values[i]`), in decreasing order.
pub(crate) fn top_k(values: Vec<f64>, mut vectors: Vec<Vec<f64>>, k: usize) -> Eigenpairs {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    order.truncate(k);
    Eigenpairs {
        values: order.iter().map(|&i| values[i]).collect(),
        vectors: order.iter().map(|&i| std::mem::take(&mut vectors[i])).collect(),
    }
}

/// Relative eigenvalue errors |λ̃ − λ| / |λ| and angles (degrees) between
/// estimated and exact eigenvectors, pair by pair.
pub fn errors(estimate: &Eigenpairs, exact: &Eigenpairs) -> (Vec<f64>, Vec<f64>) {
    let rel = estimate.values.iter().zip(&exact.values).map(|(a, b)| (a - b).abs() / b.abs()).collect();
    let angle = estimate.vectors.iter().zip(&exact.vectors).map(|(a, b)| angle_degrees(a, b)).collect();
    (rel, angle)
}

/// Signed relative eigenvalue errors (λ̃ − λ) / |λ|, pair by pair: their
/// sign shows a bias that the magnitudes hide.
pub fn signed_errors(estimate: &Eigenpairs, exact: &Eigenpairs) -> Vec<f64> {
    estimate.values.iter().zip(&exact.values).map(|(a, b)| (a - b) / b.abs()).collect()
}

/// The largest principal angle (degrees) between the spans of two sets of
/// orthonormal vectors of the same count: `arccos σ_min(AᵀB)`. Unlike the
/// pair-by-pair angles it does not care how nearly equal eigenvalues order
/// their vectors inside the subspace.
pub fn subspace_angle_degrees(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    let k = a.len().min(b.len());
    if k == 0 {
        return 0.0;
    }
    let m: Vec<f64> = (0..k * k).map(|ij| a[ij / k].iter().zip(&b[ij % k]).map(|(x, y)| x * y).sum()).collect();
    // σ_min² is the smallest eigenvalue of MᵀM.
    let mtm: Vec<f64> = (0..k * k).map(|ij| (0..k).map(|t| m[t * k + ij / k] * m[t * k + ij % k]).sum()).collect();
    let values = eigvals::symmetric(&mtm, k).expect("a small symmetric eigenproblem converges");
    let smallest = values.iter().copied().fold(f64::INFINITY, f64::min);
    smallest.max(0.0).sqrt().min(1.0).acos().to_degrees()
}

/// The angle between two lines (sign-blind), in degrees.
pub fn angle_degrees(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = (dot_self(a) * dot_self(b)).sqrt();
    (dot.abs() / norm).min(1.0).acos().to_degrees()
}

fn dot_self(a: &[f64]) -> f64 {
    a.iter().map(|x| x * x).sum()
}

/// Lanczos with full reorthogonalization, driven one mat-vec at a time so
/// the product can come from anywhere (CPU, or an async GPU kernel) and
/// the caller can yield between steps:
///
/// ```text
/// let mut lz = Lanczos::new(n, k, seed);
/// while !lz.done() { let v = lz.vector().to_vec(); lz.push(&a_times(&v)); }
/// let pairs = lz.result();
/// ```
///
/// It stops when the k leading Ritz pairs' residual bounds β_m |s_mi| fall
/// below 1e-10 · |θ_1|, when the Krylov space becomes invariant, or at
/// `min(n, 500)` vectors; [`Lanczos::converged`] says whether the pairs met
/// the tolerance (at `n` vectors the space is all of ℝⁿ, so they do).
pub struct Lanczos {
    k: usize,
    n: usize,
    max_steps: usize,
    basis: Vec<Vec<f64>>,
    alpha: Vec<f64>,
    beta: Vec<f64>,
    done: bool,
    converged: bool,
}

const LANCZOS_TOL: f64 = 1e-10;

impl Lanczos {
    pub fn new(n: usize, k: usize, seed: u64) -> Lanczos {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut v: Vec<f64> = (0..n).map(|_| rng.random::<f64>() - 0.5).collect();
        let norm = dot_self(&v).sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        Lanczos {
            k: k.min(n),
            n,
            max_steps: n.min(500),
            basis: vec![v],
            alpha: Vec::new(),
            beta: Vec::new(),
            done: n == 0,
            converged: n == 0,
        }
    }

    /// The vector A must multiply next.
    pub fn vector(&self) -> &[f64] {
        self.basis.last().expect("a start vector")
    }

    pub fn done(&self) -> bool {
        self.done
    }

    /// Whether the k leading pairs met the tolerance (or the Krylov space
    /// became invariant, or filled ℝⁿ); false while running, and when the
    /// run stopped at its step limit short of that.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// Mat-vecs taken so far.
    pub fn steps(&self) -> usize {
        self.alpha.len()
    }

    /// Takes A v for the current vector v and prepares the next.
    pub fn push(&mut self, av: &[f64]) {
        assert!(!self.done, "Lanczos has finished");
        let j = self.alpha.len();
        let mut w = av.to_vec();
        let alpha: f64 = w.iter().zip(&self.basis[j]).map(|(a, b)| a * b).sum();
        self.alpha.push(alpha);
        // Full reorthogonalization, twice ("twice is enough"), which also
        // removes the α v_j and β v_{j−1} terms of the three-term recurrence.
        for _ in 0..2 {
            for v in &self.basis {
                let c: f64 = w.iter().zip(v).map(|(a, b)| a * b).sum();
                w.iter_mut().zip(v).for_each(|(a, b)| *a -= c * b);
            }
        }
        let beta = dot_self(&w).sqrt();
        self.beta.push(beta);
        let m = j + 1;
        let scale = self.alpha.iter().chain(&self.beta).fold(0.0f64, |s, x| s.max(x.abs()));
        let invariant = beta <= 1e-12 * scale.max(f64::MIN_POSITIVE);
        if invariant || (m >= self.k && m.is_multiple_of(5) && self.residuals_small()) {
            (self.done, self.converged) = (true, true);
            return;
        }
        if m >= self.max_steps {
            self.done = true;
            self.converged = m >= self.n || (m >= self.k && self.residuals_small());
            return;
        }
        w.iter_mut().for_each(|x| *x /= beta);
        self.basis.push(w);
    }

    /// The k leading eigenpairs of the Lanczos tridiagonal (α on the
    /// diagonal, β beside it), their vectors only at `rows`.
    fn ritz(&self, rows: &[usize]) -> Eigenpairs {
        let (values, vectors) =
            eigvals::tridiagonal_pairs(&self.alpha, &self.beta, rows).expect("tridiagonal eigensolver converges");
        top_k(values, vectors, self.k)
    }

    /// Whether every leading Ritz pair's residual bound β_m |s_m| is small:
    /// only the last entry s_m of each Ritz vector is needed, so the test
    /// costs O(m²), not O(m³), every fifth step.
    fn residuals_small(&self) -> bool {
        let m = self.alpha.len();
        let pairs = self.ritz(&[m - 1]);
        let beta = self.beta[m - 1];
        let top = pairs.values.first().map_or(0.0, |v| v.abs());
        pairs.vectors.iter().all(|s| (beta * s[0]).abs() <= LANCZOS_TOL * top)
    }

    /// The k leading Ritz pairs.
    pub fn result(&self) -> Eigenpairs {
        let m = self.alpha.len();
        let ritz = self.ritz(&(0..m).collect::<Vec<_>>());
        let n = self.basis[0].len();
        let vectors = ritz
            .vectors
            .iter()
            .map(|s| {
                let mut u = vec![0.0; n];
                for (c, v) in s.iter().zip(&self.basis[..m]) {
                    u.iter_mut().zip(v).for_each(|(a, b)| *a += c * b);
                }
                u
            })
            .collect();
        Eigenpairs { values: ritz.values, vectors }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random_symmetric(n: usize, seed: u64) -> Array2<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let b = Array2::<f64>::from_shape_fn((n, n), |_| rng.random::<f64>());
        Array2::from_shape_fn((n, n), |(i, j)| if i == j { 0.0 } else { b[(i, j)] + b[(j, i)] })
    }

    #[test]
    fn lanczos_finds_the_dense_solvers_leading_pairs() {
        let a = random_symmetric(200, 1);
        let exact = dense(&a, 4);
        let mut lz = Lanczos::new(200, 4, 7);
        while !lz.done() {
            let v = lz.vector().to_vec();
            let av: Vec<f64> = (0..200).map(|i| (0..200).map(|j| a[(i, j)] * v[j]).sum()).collect();
            lz.push(&av);
        }
        assert!(lz.steps() < 200, "stopped by convergence, not by running out: {} steps", lz.steps());
        assert!(lz.converged());
        let (rel, angle) = errors(&lz.result(), &exact);
        assert!(rel.iter().all(|&r| r < 1e-9), "{rel:?}");
        assert!(angle.iter().all(|&a| a < 1e-3), "{angle:?}");
        // Decreasing order, and the dense pairs are eigenpairs.
        assert!(exact.values.windows(2).all(|w| w[0] >= w[1]));
        let u = &exact.vectors[1];
        let au: Vec<f64> = (0..200).map(|i| (0..200).map(|j| a[(i, j)] * u[j]).sum()).collect();
        assert!(au.iter().zip(u).all(|(x, y)| (x - exact.values[1] * y).abs() < 1e-9));
    }

    #[test]
    fn lanczos_says_when_it_stopped_at_its_limit() {
        let a = random_symmetric(200, 2);
        let run = |limit: usize| {
            let mut lz = Lanczos::new(200, 4, 7);
            lz.max_steps = limit;
            while !lz.done() {
                let v = lz.vector().to_vec();
                lz.push(&(0..200).map(|i| (0..200).map(|j| a[(i, j)] * v[j]).sum()).collect::<Vec<f64>>());
            }
            (lz.steps(), lz.converged())
        };
        assert_eq!(run(8), (8, false), "8 steps cannot resolve 4 pairs of a random matrix");
        let (steps, converged) = run(200);
        assert!(converged && steps < 200, "{steps} steps");
        // A full Krylov space is exact whatever the residual test says.
        let tiny = Array2::<f64>::from_shape_fn((3, 3), |(i, j)| (i + j) as f64);
        let mut lz = Lanczos::new(3, 1, 1);
        while !lz.done() {
            let v = lz.vector().to_vec();
            lz.push(&(0..3).map(|i| (0..3).map(|j| tiny[(i, j)] * v[j]).sum()).collect::<Vec<f64>>());
        }
        assert!(lz.converged());
    }

    #[test]
    fn the_subspace_angle_ignores_order_inside_the_span() {
        let e = |i: usize| (0..3).map(|j| if i == j { 1.0 } else { 0.0 }).collect::<Vec<f64>>();
        // The same plane, its vectors swapped and one flipped: no angle, though pair by pair they are 90° apart.
        let swapped = vec![e(1), e(0).iter().map(|x| -x).collect()];
        assert!(subspace_angle_degrees(&[e(0), e(1)], &swapped) < 1e-6);
        assert!((angle_degrees(&e(0), &swapped[0]) - 90.0).abs() < 1e-9);
        // Control: a plane tilted by 30° about the first axis.
        let (s, c) = (30f64.to_radians().sin(), 30f64.to_radians().cos());
        let tilted = vec![e(0), vec![0.0, c, s]];
        assert!((subspace_angle_degrees(&[e(0), e(1)], &tilted) - 30.0).abs() < 1e-6);
    }

    #[test]
    fn angles_ignore_sign_and_scale() {
        assert!(angle_degrees(&[1.0, 0.0], &[-2.0, 0.0]) < 1e-12);
        assert!((angle_degrees(&[1.0, 0.0], &[1.0, 1.0]) - 45.0).abs() < 1e-12);
    }
}
