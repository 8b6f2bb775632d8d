//! Dense linear algebra for small matrices, in a fixed order of operations.
//!
//! Why ours and not a library's: IEEE arithmetic gives the same bits for the
//! same operations in the same order, and the libraries' kernels choose
//! theirs by target (fused multiply-adds and wide SIMD natively, plain code
//! in wasm), so the page and `continuum run` would differ in the last bits.
//! These are the textbook algorithms, written once, scalar:
//!
//! - [`lu_solve`]: `A X = B` by Gaussian elimination with partial pivoting
//!   (the row with the largest |entry| in the column, the first on ties);
//!   back substitution subtracts the terms in order of the column.
//! - [`cholesky`] and [`Cholesky`]: `A = L Lᵀ` for symmetric positive
//!   definite `A`, row by row (`L_ij = (A_ij − Σ_{k<j} L_ik L_jk) / L_jj`,
//!   the sum in order of k), then forward and back substitution.
//! - [`thin_qr`]: `B = Q R` with orthonormal `Q` (n × r) and upper
//!   triangular `R` (r × r) by Householder reflections, `R`'s diagonal
//!   entries of the opposite sign to the column's leading entry (no
//!   cancellation in `v = x − αe₁`).
//!
//! The matrices here are at most a few hundred on a side, so the O(n³)
//! loops take milliseconds; the eigenvalue routines are in
//! [`crate::num::eigvals`].

use ndarray::Array2;

/// `X` with `A X = B`, by Gaussian elimination with partial pivoting. A
/// singular `A` gives infinities or NaN in `X`.
pub fn lu_solve(mut a: Array2<f64>, mut b: Array2<f64>) -> Array2<f64> {
    let n = a.nrows();
    for col in 0..n {
        let pivot = (col..n).fold(col, |best, r| if a[(r, col)].abs() > a[(best, col)].abs() { r } else { best });
        if pivot != col {
            for j in 0..n {
                a.swap((pivot, j), (col, j));
            }
            for j in 0..b.ncols() {
                b.swap((pivot, j), (col, j));
            }
        }
        let p = a[(col, col)];
        for r in col + 1..n {
            let f = a[(r, col)] / p;
            if f == 0.0 {
                continue;
            }
            for j in col..n {
                a[(r, j)] -= f * a[(col, j)];
            }
            for j in 0..b.ncols() {
                b[(r, j)] -= f * b[(col, j)];
            }
        }
    }
    for col in (0..n).rev() {
        let p = a[(col, col)];
        for j in 0..b.ncols() {
            let mut v = b[(col, j)];
            for k in col + 1..n {
                v -= a[(col, k)] * b[(k, j)];
            }
            b[(col, j)] = v / p;
        }
    }
    b
}

/// `L` with `L Lᵀ = g` (row-major `n × n`, lower triangle read). A pivot
/// that is not positive (round-off on a semi-definite `g`) becomes 0.
pub fn cholesky(g: &[f64], n: usize) -> Vec<f64> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s = (0..j).fold(g[i * n + j], |s, k| s - l[i * n + k] * l[j * n + k]);
            l[i * n + j] = if i == j { s.max(0.0).sqrt() } else { s / l[j * n + j] };
        }
    }
    l
}

/// The factor `L` of a symmetric positive definite `A = L Lᵀ`, to solve
/// with it as often as needed.
pub struct Cholesky {
    n: usize,
    l: Vec<f64>,
}

impl Cholesky {
    /// `None` if `A` is not positive definite (a pivot ≤ 0) or not finite.
    pub fn new(a: &Array2<f64>) -> Option<Cholesky> {
        let n = a.nrows();
        assert_eq!(a.ncols(), n, "A square");
        let flat: Vec<f64> = a.iter().copied().collect();
        let l = cholesky(&flat, n);
        (0..n).all(|i| l[i * n + i] > 0.0 && l[i * n + i].is_finite()).then_some(Cholesky { n, l })
    }

    /// `X` with `A X = B`: `L Y = B`, then `Lᵀ X = Y`, column by column.
    pub fn solve(&self, b: &Array2<f64>) -> Array2<f64> {
        let (n, l) = (self.n, &self.l);
        assert_eq!(b.nrows(), n, "B with A's rows");
        let mut x = b.clone();
        for j in 0..b.ncols() {
            for i in 0..n {
                let s = (0..i).fold(x[(i, j)], |s, k| s - l[i * n + k] * x[(k, j)]);
                x[(i, j)] = s / l[i * n + i];
            }
            for i in (0..n).rev() {
                let s = (i + 1..n).fold(x[(i, j)], |s, k| s - l[k * n + i] * x[(k, j)]);
                x[(i, j)] = s / l[i * n + i];
            }
        }
        x
    }
}

/// `B = Q R` for `B` given as its `r` columns of length `n ≥ r`: `Q`'s
/// columns (orthonormal; a zero column of `B` gets the unit vector its
/// reflection leaves) and `R` (row-major `r × r`, upper triangular).
pub fn thin_qr(columns: &[Vec<f64>]) -> (Vec<Vec<f64>>, Vec<f64>) {
    let r = columns.len();
    let n = columns.first().map_or(0, Vec::len);
    assert!(n >= r, "thin QR needs at least as many rows as columns");
    let mut b: Vec<Vec<f64>> = columns.to_vec();
    let mut reflections: Vec<Vec<f64>> = Vec::with_capacity(r);
    let mut rr = vec![0.0; r * r];
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).fold(0.0, |s, (a, b)| s + a * b);
    for j in 0..r {
        // H = I − 2 v vᵀ (|v| = 1) maps b_j[j..] to α e₁.
        let x = &b[j][j..];
        let norm = dot(x, x).sqrt();
        let alpha = if x[0] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = x.to_vec();
        v[0] -= alpha;
        let vn = dot(&v, &v).sqrt();
        if vn > 0.0 {
            v.iter_mut().for_each(|t| *t /= vn);
            for col in b.iter_mut().skip(j) {
                let t = 2.0 * dot(&v, &col[j..]);
                col[j..].iter_mut().zip(&v).for_each(|(c, vi)| *c -= t * vi);
            }
        }
        for (i, col) in b.iter().enumerate().skip(j) {
            rr[j * r + i] = col[j];
        }
        reflections.push(v);
    }
    // Q = H₀ H₁ ⋯ H_{r−1} applied to the first r unit vectors, last reflection first.
    let mut q: Vec<Vec<f64>> = (0..r).map(|c| (0..n).map(|i| if i == c { 1.0 } else { 0.0 }).collect()).collect();
    for (j, v) in reflections.iter().enumerate().rev() {
        if v.iter().all(|&t| t == 0.0) {
            continue;
        }
        for col in q.iter_mut() {
            let t = 2.0 * dot(v, &col[j..]);
            col[j..].iter_mut().zip(v).for_each(|(c, vi)| *c -= t * vi);
        }
    }
    (q, rr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn random(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        Array2::from_shape_fn((rows, cols), |_| rng.random_range(-1.0..1.0))
    }

    /// The residual of every solve is at round-off; control: a solve
    /// against a changed right-hand side misses the old one.
    #[test]
    fn solves_have_round_off_residuals() {
        for n in [1, 2, 5, 17, 40] {
            let a = random(n, n, n as u64) + Array2::<f64>::eye(n) * 2.0;
            let b = random(n, 3, 100 + n as u64);
            let x = lu_solve(a.clone(), b.clone());
            assert!((a.dot(&x) - &b).iter().all(|r| r.abs() < 1e-12), "LU, n = {n}");
            let spd = a.t().dot(&a) + Array2::<f64>::eye(n) * n as f64;
            let factor = Cholesky::new(&spd).expect("positive definite");
            let y = factor.solve(&b);
            assert!((spd.dot(&y) - &b).iter().all(|r| r.abs() < 1e-10), "Cholesky, n = {n}");
            let other = factor.solve(&(&b + 1e-3));
            assert!((spd.dot(&other) - &b).iter().any(|r| r.abs() > 1e-5));
        }
        let indefinite = ndarray::arr2(&[[1.0, 2.0], [2.0, 1.0]]);
        assert!(Cholesky::new(&indefinite).is_none());
        assert!(Cholesky::new(&ndarray::arr2(&[[f64::NAN]])).is_none());
    }

    /// Q has orthonormal columns, R is upper triangular, and Q R = B, also
    /// for a zero column and for rank-deficient B; control: a wrong R misses.
    #[test]
    fn thin_qr_factors() {
        for (n, r) in [(1, 1), (5, 3), (30, 30), (200, 12)] {
            let b = random(n, r, (n * r) as u64);
            let mut cols: Vec<Vec<f64>> = (0..r).map(|j| b.column(j).to_vec()).collect();
            if r > 2 {
                cols[1] = vec![0.0; n];
                cols[2] = cols[0].iter().map(|x| 2.0 * x).collect();
            }
            let (q, rr) = thin_qr(&cols);
            for i in 0..r {
                for j in 0..r {
                    let d: f64 = q[i].iter().zip(&q[j]).map(|(x, y)| x * y).sum();
                    assert!((d - if i == j { 1.0 } else { 0.0 }).abs() < 1e-13, "QᵀQ at {i},{j}: {d}");
                    if i > j {
                        assert_eq!(rr[i * r + j], 0.0);
                    }
                }
            }
            let product = |rr: &[f64]| {
                (0..r).all(|j| {
                    (0..n).all(|row| {
                        ((0..r).map(|k| q[k][row] * rr[k * r + j]).sum::<f64>() - cols[j][row]).abs() < 1e-12
                    })
                })
            };
            assert!(product(&rr), "QR ≠ B for {n} × {r}");
            let mut wrong = rr.clone();
            wrong[0] += 1e-6;
            assert!(!product(&wrong));
        }
    }
}
