//! The small dense algebra the sketch lab repeats thousands of times, in a
//! fixed order of operations so the page (wasm) and `continuum run`
//! (native) get the same bits, and a bootstrap replica costs a few passes
//! over an `n × n` Gram matrix rather than an eigendecomposition:
//!
//! - [`weighted_gram`]: `Yᵀ diag(c) Y`, the Gram matrix of a sketch whose
//!   rows are repeated `c_i` times (a bootstrap replica is its counts);
//! - [`jacobi`]: all eigenpairs of a small symmetric matrix (cyclic Jacobi);
//! - [`top_eigenpairs`]: the `k` largest eigenpairs of a symmetric positive
//!   semi-definite matrix by subspace iteration with Rayleigh–Ritz, warm
//!   started (a replica starts from its sketch's vectors and converges in a
//!   few iterations);
//! - [`lanczos_extremes_batch`]: the extreme eigenvalues of symmetric
//!   operators given only as products, with full reorthogonalisation, many
//!   at once.

/// `G = Yᵀ diag(c) Y` (`n × n`, row-major) for `Y` with `n` columns
/// (row-major), rows in ascending order: every entry sums in the same order
/// on every target. Only the upper triangle is accumulated, then mirrored.
pub fn weighted_gram(y: &[f64], n: usize, counts: Option<&[f64]>) -> Vec<f64> {
    let mut g = vec![0.0; n * n];
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        unsafe { gram_avx2(y, n, counts, &mut g) };
        mirror(&mut g, n);
        return g;
    }
    gram_into(y, n, counts, &mut g);
    mirror(&mut g, n);
    g
}

/// [`gram_into`] compiled for AVX2 (no FMA: the same bits).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn gram_avx2(y: &[f64], n: usize, counts: Option<&[f64]>, g: &mut [f64]) {
    gram_into(y, n, counts, g);
}

/// The rows of weight zero are skipped; the others are added four at a
/// time: each entry still adds its terms one row after another, in the
/// same order (so the same bits as row by row), but `G`'s upper triangle is
/// read and written once per four rows instead of once per row (the
/// update is bound by that traffic: this made it about twice as fast).
#[inline(always)]
fn gram_into(y: &[f64], n: usize, counts: Option<&[f64]>, g: &mut [f64]) {
    let rows: Vec<(f64, &[f64])> = y
        .chunks_exact(n)
        .enumerate()
        .map(|(i, row)| (counts.map_or(1.0, |c| c[i]), row))
        .filter(|&(c, _)| c != 0.0)
        .collect();
    let mut fours = rows.chunks_exact(4);
    for four in &mut fours {
        let [(c0, r0), (c1, r1), (c2, r2), (c3, r3)] = four else { unreachable!("chunks of four") };
        for a in 0..n {
            let (y0, y1, y2, y3) = (c0 * r0[a], c1 * r1[a], c2 * r2[a], c3 * r3[a]);
            let out = &mut g[a * n + a..a * n + n];
            for (j, o) in out.iter_mut().enumerate() {
                let b = a + j;
                *o = *o + y0 * r0[b] + y1 * r1[b] + y2 * r2[b] + y3 * r3[b];
            }
        }
    }
    for &(c, row) in fours.remainder() {
        for a in 0..n {
            let ya = c * row[a];
            let out = &mut g[a * n + a..a * n + n];
            for (o, &yb) in out.iter_mut().zip(&row[a..]) {
                *o += ya * yb;
            }
        }
    }
}

fn mirror(g: &mut [f64], n: usize) {
    for a in 0..n {
        for b in 0..a {
            g[a * n + b] = g[b * n + a];
        }
    }
}

/// `out = G v` for a row-major `n × n` `G`.
fn matvec(g: &[f64], v: &[f64], out: &mut [f64]) {
    for (o, row) in out.iter_mut().zip(g.chunks_exact(v.len())) {
        *o = row.iter().zip(v).fold(0.0, |s, (a, b)| s + a * b);
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |s, (x, y)| s + x * y)
}

/// Eigenvalues (descending) and eigenvectors (`vectors[j]` for value `j`) of
/// a small symmetric matrix `h` (`q × q`, row-major), by cyclic Jacobi
/// rotations until the off-diagonal part is below 1e-15 of the norm.
pub fn jacobi(h: &[f64], q: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut a = h.to_vec();
    let mut v = vec![0.0; q * q];
    for i in 0..q {
        v[i * q + i] = 1.0;
    }
    let norm = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    for _sweep in 0..50 {
        let off: f64 = (0..q)
            .flat_map(|i| (0..q).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * q + j] * a[i * q + j])
            .sum();
        if off.sqrt() <= 1e-15 * norm || norm == 0.0 {
            break;
        }
        for p in 0..q {
            for r in p + 1..q {
                let apr = a[p * q + r];
                if apr == 0.0 {
                    continue;
                }
                let theta = (a[r * q + r] - a[p * q + p]) / (2.0 * apr);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..q {
                    let (akp, akr) = (a[k * q + p], a[k * q + r]);
                    a[k * q + p] = c * akp - s * akr;
                    a[k * q + r] = s * akp + c * akr;
                }
                for k in 0..q {
                    let (apk, ark) = (a[p * q + k], a[r * q + k]);
                    a[p * q + k] = c * apk - s * ark;
                    a[r * q + k] = s * apk + c * ark;
                }
                for k in 0..q {
                    let (vkp, vkr) = (v[k * q + p], v[k * q + r]);
                    v[k * q + p] = c * vkp - s * vkr;
                    v[k * q + r] = s * vkp + c * vkr;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..q).collect();
    order.sort_by(|&i, &j| a[j * q + j].total_cmp(&a[i * q + i]));
    let values = order.iter().map(|&i| a[i * q + i]).collect();
    let vectors = order.iter().map(|&i| (0..q).map(|k| v[k * q + i]).collect()).collect();
    (values, vectors)
}

/// Orthonormalises the columns `qs` in place (modified Gram–Schmidt, twice).
fn orthonormalise(qs: &mut [Vec<f64>]) {
    for _ in 0..2 {
        for j in 0..qs.len() {
            for i in 0..j {
                let d = dot(&qs[i], &qs[j]);
                let (head, tail) = qs.split_at_mut(j);
                tail[0].iter_mut().zip(&head[i]).for_each(|(x, y)| *x -= d * y);
            }
            let norm = dot(&qs[j], &qs[j]).sqrt();
            if norm > 0.0 {
                qs[j].iter_mut().for_each(|x| *x /= norm);
            }
        }
    }
}

/// The block subspace iteration starts from: `k + 5` columns (at most `n`),
/// `start` first, then fixed, well-spread ones (sines of incommensurate
/// frequencies), orthonormalised.
pub fn start_block(n: usize, k: usize, start: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let q = (k + 5).min(n);
    let mut qs: Vec<Vec<f64>> = (0..q)
        .map(|j| match start.get(j) {
            Some(s) => s.clone(),
            None => (0..n).map(|i| libm::sin((i + 1) as f64 * (j as f64 + 1.618_033_988_75) * 0.7)).collect(),
        })
        .collect();
    orthonormalise(&mut qs);
    qs
}

/// Rayleigh–Ritz on `span(Q)` for orthonormal columns `qs` and `zs = G qs`:
/// the eigenpairs of `H = Qᵀ G Q` (descending), the Ritz vectors `Q w` and
/// `G Q w`.
#[allow(clippy::type_complexity)]
pub fn rayleigh_ritz(qs: &[Vec<f64>], zs: &[Vec<f64>]) -> (Vec<f64>, Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let (q, n) = (qs.len(), qs[0].len());
    let mut h = vec![0.0; q * q];
    for a in 0..q {
        for b in 0..q {
            h[a * q + b] = dot(&qs[a], &zs[b]);
        }
    }
    let (vals, vecs) = jacobi(&h, q);
    let combine = |cols: &[Vec<f64>]| -> Vec<Vec<f64>> {
        vecs.iter().map(|w| (0..n).map(|i| (0..q).fold(0.0, |s, j| s + cols[j][i] * w[j])).collect()).collect()
    };
    (vals, combine(qs), combine(zs))
}

/// The `k` largest eigenpairs of a symmetric positive semi-definite `g`
/// (`n × n`), by subspace iteration on `k + 5` vectors (at most `n`) with a
/// Rayleigh–Ritz step each iteration, until the `k`-th Ritz pair's residual
/// `‖Gv − λv‖` is below `1e-10 λ₁` (or 300 iterations). `start` gives the
/// first columns (the rest are fixed pseudo-random): a bootstrap replica
/// starts from its sketch's vectors.
pub fn top_eigenpairs(g: &[f64], n: usize, k: usize, start: &[Vec<f64>]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut qs = start_block(n, k, start);
    let q = qs.len();
    let mut z = vec![vec![0.0; n]; q];
    let mut values = vec![0.0; q];
    for _iter in 0..300 {
        for (zj, qj) in z.iter_mut().zip(&qs) {
            matvec(g, qj, zj);
        }
        let (vals, ritz, gritz) = rayleigh_ritz(&qs, &z);
        values = vals;
        let kk = k - 1;
        let residual = gritz[kk].iter().zip(&ritz[kk]).map(|(a, b)| (a - values[kk] * b).powi(2)).sum::<f64>().sqrt();
        let converged = residual <= 1e-10 * values[0].abs().max(f64::MIN_POSITIVE);
        qs = ritz;
        if converged {
            break;
        }
        // Next subspace: G times the Ritz vectors.
        qs = gritz;
        orthonormalise(&mut qs);
    }
    values.truncate(k);
    qs.truncate(k);
    (values, qs)
}

/// A column's Lanczos run stops when neither extreme moved by more than
/// this share of the larger one in its last step.
const CONVERGED: f64 = 1e-13;

/// The smallest and largest eigenvalues of `cols` symmetric operators on
/// ℝⁿ at once, by at most `steps` Lanczos steps each (at most `n`) from a
/// fixed start, with full reorthogonalisation, and the tridiagonal's
/// extreme eigenvalues by [`tridiagonal_extremes`]. `apply` maps the
/// current Lanczos vectors of the columns still running (`n × live`, and
/// their indices) to the operators' products, so the columns share each
/// pass over the data (the bootstrap's replicas share `X`). A column stops
/// once its extremes have converged ([`CONVERGED`]): on the operator-norm
/// study's replicas that saves about a third of the products, with the same
/// coverage in every cell on the seeds checked.
pub fn lanczos_extremes_batch(
    n: usize,
    steps: usize,
    cols: usize,
    mut apply: impl FnMut(&ndarray::Array2<f64>, &[usize]) -> ndarray::Array2<f64>,
) -> Vec<(f64, f64)> {
    let steps = steps.min(n).max(1);
    let mut start: Vec<f64> = (0..n).map(|i| libm::sin((i + 1) as f64 * 0.618_033_988_75 * 3.0) + 0.5).collect();
    let norm = dot(&start, &start).sqrt();
    start.iter_mut().for_each(|x| *x /= norm);
    let mut bases: Vec<Vec<Vec<f64>>> = vec![vec![start]; cols];
    let mut alphas = vec![Vec::new(); cols];
    let mut betas = vec![Vec::new(); cols];
    let mut live = vec![true; cols];
    let mut last = vec![(f64::NAN, f64::NAN); cols];
    for j in 0..steps {
        let columns: Vec<usize> = (0..cols).filter(|&c| live[c]).collect();
        let mut current = ndarray::Array2::zeros((n, columns.len()));
        for (k, &c) in columns.iter().enumerate() {
            let v = bases[c].last().expect("a start vector");
            current.column_mut(k).iter_mut().zip(v).for_each(|(o, x)| *o = *x);
        }
        let products = apply(&current, &columns);
        for (k, &c) in columns.iter().enumerate() {
            let mut w: Vec<f64> = products.column(k).to_vec();
            let a = dot(&w, &bases[c][j]);
            alphas[c].push(a);
            for _ in 0..2 {
                for b in &bases[c] {
                    let d = dot(&w, b);
                    w.iter_mut().zip(b).for_each(|(x, y)| *x -= d * y);
                }
            }
            let beta = dot(&w, &w).sqrt();
            if j + 1 == steps || beta <= 1e-14 * a.abs().max(1e-300) {
                live[c] = false;
                continue;
            }
            betas[c].push(beta);
            bases[c].push(w.iter().map(|x| x / beta).collect());
            let now = tridiagonal_extremes(&alphas[c], &betas[c][..j]);
            let scale = now.0.abs().max(now.1.abs());
            if (now.0 - last[c].0).abs() <= CONVERGED * scale && (now.1 - last[c].1).abs() <= CONVERGED * scale {
                live[c] = false;
            }
            last[c] = now;
        }
        if !live.iter().any(|&l| l) {
            break;
        }
    }
    alphas.iter().zip(&betas).map(|(alpha, beta)| tridiagonal_extremes(alpha, beta)).collect()
}

/// The smallest and largest eigenvalues of the symmetric tridiagonal
/// matrix with diagonal `a` and off-diagonal `b`, by bisection on Sturm
/// counts: the number of eigenvalues below x is the number of negative
/// pivots of `T − xI`'s LDLᵀ, `d₀ = a₀ − x`, `dᵢ = aᵢ − x − bᵢ₋₁²/dᵢ₋₁`.
/// Each bisection halves an interval that holds the eigenvalue, from the
/// Gershgorin bounds down to two units in the last place; a few thousand
/// operations for a Lanczos tridiagonal, against the dense [`jacobi`]'s
/// m³ per sweep (a fifth of the operator-norm study's time went there).
pub fn tridiagonal_extremes(a: &[f64], b: &[f64]) -> (f64, f64) {
    let m = a.len();
    // The counts below two points in one pass: the two bisections' pivot
    // recurrences are independent chains of divisions, and interleaved
    // they take the time of one (each alone is bound by the division's
    // latency, and the Lanczos runs ask for extremes at every step).
    let below = |x: [f64; 2]| {
        let mut count = [0; 2];
        let mut d = [1.0; 2];
        for i in 0..m {
            for s in 0..2 {
                let off = if i == 0 { 0.0 } else { b[i - 1] * b[i - 1] / d[s] };
                d[s] = a[i] - x[s] - off;
                if d[s] == 0.0 {
                    d[s] = -f64::EPSILON * (x[s].abs() + f64::MIN_POSITIVE);
                }
                count[s] += usize::from(d[s] < 0.0);
            }
        }
        count
    };
    let radius = |i: usize| if i > 0 { b[i - 1].abs() } else { 0.0 } + if i + 1 < m { b[i].abs() } else { 0.0 };
    let lo = (0..m).map(|i| a[i] - radius(i)).fold(f64::INFINITY, f64::min);
    let hi = (0..m).map(|i| a[i] + radius(i)).fold(f64::NEG_INFINITY, f64::max);
    // The k-th smallest eigenvalue (k from 0) lies where the count passes
    // k: the smallest (k = 0) and the largest (k = m − 1), bisected side by
    // side; one that is done repeats its last midpoint, unused.
    let ks = [0, m - 1];
    let (mut l, mut h) = ([lo; 2], [hi; 2]);
    let open = |l: f64, h: f64| {
        let mid = 0.5 * (l + h);
        h - l > 2.0 * f64::EPSILON * l.abs().max(h.abs()) && mid > l && mid < h
    };
    while open(l[0], h[0]) || open(l[1], h[1]) {
        let going = [open(l[0], h[0]), open(l[1], h[1])];
        let mid = [0.5 * (l[0] + h[0]), 0.5 * (l[1] + h[1])];
        let count = below(mid);
        for s in 0..2 {
            if !going[s] {
                continue;
            }
            if count[s] > ks[s] {
                h[s] = mid[s];
            } else {
                l[s] = mid[s];
            }
        }
    }
    (0.5 * (l[0] + h[0]), 0.5 * (l[1] + h[1]))
}

/// One operator's extremes, for the tests: the batch with one column.
#[cfg(test)]
fn single(n: usize, steps: usize, g: &[f64]) -> (f64, f64) {
    lanczos_extremes_batch(n, steps, 1, |v, _| {
        let mut out = ndarray::Array2::zeros((n, 1));
        matvec(g, v.column(0).as_slice().expect("contiguous"), out.as_slice_mut().expect("contiguous"));
        out
    })[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag_conjugated(values: &[f64]) -> (Vec<f64>, usize) {
        // G = Q diag(values) Qᵀ with Q a product of two Householder reflections.
        let n = values.len();
        let u: Vec<f64> = (0..n).map(|i| libm::cos(i as f64 * 1.3) + 0.2).collect();
        let w: Vec<f64> = (0..n).map(|i| libm::sin(i as f64 * 0.7) - 0.1).collect();
        let reflect = |u: &[f64], x: &mut Vec<f64>| {
            let s = 2.0 * dot(u, x) / dot(u, u);
            x.iter_mut().zip(u).for_each(|(a, b)| *a -= s * b);
        };
        let mut q = vec![vec![0.0; n]; n];
        for (j, col) in q.iter_mut().enumerate() {
            col[j] = 1.0;
            reflect(&u, col);
            reflect(&w, col);
        }
        let mut g = vec![0.0; n * n];
        for a in 0..n {
            for b in 0..n {
                g[a * n + b] = (0..n).map(|j| q[j][a] * values[j] * q[j][b]).sum();
            }
        }
        (g, n)
    }

    #[test]
    fn subspace_iteration_finds_the_leading_pairs() {
        let values: Vec<f64> = (1..=40).map(|j| 1.0 / (j * j) as f64).collect();
        let (g, n) = diag_conjugated(&values);
        let (got, vecs) = top_eigenpairs(&g, n, 3, &[]);
        for j in 0..3 {
            assert!((got[j] - values[j]).abs() < 1e-12, "λ_{j}: {} vs {}", got[j], values[j]);
            let mut gv = vec![0.0; n];
            matvec(&g, &vecs[j], &mut gv);
            let res = gv.iter().zip(&vecs[j]).map(|(a, b)| (a - got[j] * b).powi(2)).sum::<f64>().sqrt();
            assert!(res < 1e-9, "residual {res}");
        }
    }

    #[test]
    fn lanczos_finds_both_ends_of_an_indefinite_spectrum() {
        let values: Vec<f64> =
            (0..60).map(|j| if j % 2 == 0 { 1.0 / (j + 1) as f64 } else { -2.0 / (j + 1) as f64 }).collect();
        let (g, n) = diag_conjugated(&values);
        let (lo, hi) = single(n, 30, &g);
        assert!((lo + 1.0).abs() < 1e-8, "smallest {lo}");
        assert!((hi - 1.0).abs() < 1e-8, "largest {hi}");
    }

    /// Bisection finds the tridiagonal's extremes as the dense Jacobi
    /// solver does, to rounding: the known spectrum 2 − 2cos(kπ/(m+1)) of
    /// (−1, 2, −1), and random ones. Control: a matrix with one
    /// off-diagonal entry changed has other extremes, which the check sees.
    #[test]
    fn tridiagonal_extremes_are_the_dense_solvers() {
        let m = 24;
        let (lo, hi) = tridiagonal_extremes(&vec![2.0; m], &vec![-1.0; m - 1]);
        let exact = |k: usize| 2.0 - 2.0 * (k as f64 * std::f64::consts::PI / (m + 1) as f64).cos();
        assert!((lo - exact(1)).abs() < 1e-14 && (hi - exact(m)).abs() < 1e-14, "{lo} {hi}");
        let dense = |a: &[f64], b: &[f64]| {
            let m = a.len();
            let mut t = vec![0.0; m * m];
            for i in 0..m {
                t[i * m + i] = a[i];
                if i + 1 < m {
                    (t[i * m + i + 1], t[(i + 1) * m + i]) = (b[i], b[i]);
                }
            }
            let values = jacobi(&t, m).0;
            (values[m - 1], values[0])
        };
        for m in [1usize, 2, 7, 24] {
            let a: Vec<f64> = (0..m).map(|i| libm::sin(1.7 * i as f64 + 0.3) * 3.0).collect();
            let mut b: Vec<f64> = (0..m.saturating_sub(1)).map(|i| libm::cos(0.9 * i as f64) + 0.1).collect();
            let (got, want) = (tridiagonal_extremes(&a, &b), dense(&a, &b));
            assert!((got.0 - want.0).abs() < 1e-12 && (got.1 - want.1).abs() < 1e-12, "m = {m}: {got:?} {want:?}");
            if m > 1 {
                b[0] += 0.5;
                let changed = tridiagonal_extremes(&a, &b);
                assert!((changed.0 - want.0).abs() + (changed.1 - want.1).abs() > 1e-6, "m = {m}: the change is seen");
            }
        }
    }

    #[test]
    fn weighted_gram_counts_repeated_rows() {
        let y = [1.0, 2.0, 3.0, -1.0, 0.5, 2.0];
        let g = weighted_gram(&y, 2, Some(&[2.0, 0.0, 1.0]));
        // 2·(1,2)(1,2)ᵀ + (0.5,2)(0.5,2)ᵀ
        assert_eq!(g, vec![2.25, 5.0, 5.0, 12.0]);
    }
}
#[cfg(test)]
mod batch_tests {
    use super::*;

    #[test]
    fn batched_lanczos_matches_one_at_a_time() {
        let n = 50;
        let g: Vec<f64> = (0..n * n)
            .map(|i| {
                let (a, b) = (i / n, i % n);
                libm::cos((a * b) as f64 * 0.37) / (1.0 + (a + b) as f64)
                    + if a == b { 1.0 / (a + 1) as f64 } else { 0.0 }
            })
            .collect();
        let g: Vec<f64> = (0..n * n).map(|i| 0.5 * (g[i] + g[(i % n) * n + i / n])).collect();
        let single = single(n, 20, &g);
        let batch = lanczos_extremes_batch(n, 20, 2, |v, live| {
            let mut out = ndarray::Array2::zeros((n, live.len()));
            for (k, &c) in live.iter().enumerate() {
                let col: Vec<f64> = v.column(k).to_vec();
                let mut o = vec![0.0; n];
                matvec(&g, &col, &mut o);
                let sign = if c == 0 { 1.0 } else { -1.0 };
                out.column_mut(k).iter_mut().zip(&o).for_each(|(a, b)| *a = sign * b);
            }
            out
        });
        assert_eq!(batch[0], single);
        assert!((batch[1].0 + single.1).abs() < 1e-12 && (batch[1].1 + single.0).abs() < 1e-12);
    }

    /// A column whose extremes have converged stops asking for products, and
    /// what it reports is still the spectrum's ends. Control: a column of an
    /// operator with many eigenvalues near its ends runs every step.
    #[test]
    fn a_converged_column_stops_early_with_the_same_extremes() {
        let n = 120;
        // Column 0: ends at 0 and 10, far from the bulk in (1, 2); column 1:
        // eigenvalues spread evenly over [0, 10], slow to converge.
        let spectrum = |c: usize, i: usize| match (c, i) {
            (0, 0) => 0.0,
            (0, 1) => 10.0,
            (0, _) => 1.0 + i as f64 / n as f64,
            _ => 10.0 * i as f64 / (n - 1) as f64,
        };
        let mut asked = [0usize; 2];
        let steps = 30;
        let ends = lanczos_extremes_batch(n, steps, 2, |v, live| {
            let mut out = ndarray::Array2::zeros((n, live.len()));
            for (k, &c) in live.iter().enumerate() {
                asked[c] += 1;
                for i in 0..n {
                    out[[i, k]] = spectrum(c, i) * v[[i, k]];
                }
            }
            out
        });
        assert!(asked[0] < 2 * steps / 3, "the well-separated column took {} products", asked[0]);
        assert!((ends[0].0 - 0.0).abs() < 1e-10 && (ends[0].1 - 10.0).abs() < 1e-10, "{:?}", ends[0]);
        assert_eq!(asked[1], steps, "the clustered column stopped early");
    }
}
