//! Eigenvalues of a small general (non-symmetric) real matrix, with the
//! same bits natively and in wasm.
//!
//! The Koopman lab reads the eigenvalues of its latent operator `C`
//! (`b × b`, b ≤ 32): their angles are the frequencies the model learned.
//! faer's solver dispatches to kernels with fused multiply-adds natively and
//! to plain ones in wasm, so the page and `continuum run` got eigenvalues
//! that differed in the last bits (1e-12 relative in an angle). This solver
//! is scalar code in a fixed order, with no fused operations: IEEE
//! arithmetic makes it give the same bits on every target.
//!
//! The method is the classical one (Wilkinson & Reinsch's `elmhes` and
//! `hqr`, as in *Numerical Recipes*):
//! 1. reduce `A` to upper Hessenberg form `H` by Gaussian elimination with
//!    partial pivoting (a similarity transform, so the eigenvalues are
//!    kept);
//! 2. Francis' implicit double-shift QR iteration on `H`: each sweep
//!    chases a bulge down the subdiagonal with 3 × 3 Householder
//!    reflections; a subdiagonal entry that is negligible against its
//!    neighbours on the diagonal splits the matrix, and 1 × 1 and 2 × 2
//!    blocks at the bottom deflate as real eigenvalues or complex pairs.
//!    Exceptional shifts at iterations 10 and 20 break cycles; after 30
//!    iterations on one eigenvalue it gives up (`None`).
//!
//! Cost `O(n³)`; for `n ≤ 32` microseconds.
//!
//! [`symmetric`] is the same idea for a symmetric matrix, whose eigenvalues
//! are real (the noise lab reads the spectrum of sym(A), 2 to 256 units,
//! where faer's solver also gave the page other last bits than the CLI):
//! 1. Householder reduction to a symmetric tridiagonal `T` (`tred2`,
//!    without the vectors): `n − 2` reflections, each zeroing one row
//!    left of the subdiagonal;
//! 2. the QL iteration with implicit Wilkinson shifts on `T` (`tqli`):
//!    plane rotations chase the shift down; an off-diagonal entry
//!    negligible against its two diagonal neighbours splits `T`. It
//!    converges cubically; after 60 iterations on one eigenvalue it gives
//!    up (`None`).

/// The eigenvalues `(re, im)` of the `n × n` row-major matrix `a`, complex
/// ones in conjugate pairs, in no particular order; `None` if the QR
/// iteration did not converge (or the matrix is not finite).
pub fn eigenvalues(a: &[f64], n: usize) -> Option<Vec<[f64; 2]>> {
    assert_eq!(a.len(), n * n, "an n × n matrix");
    if a.iter().any(|v| !v.is_finite()) {
        return None;
    }
    // 1-based, as the algorithm is usually written: h[i][j], i, j in 1..=n.
    let mut h = vec![vec![0.0; n + 1]; n + 1];
    for i in 1..=n {
        for j in 1..=n {
            h[i][j] = a[(i - 1) * n + (j - 1)];
        }
    }
    hessenberg(&mut h, n);
    hqr(&mut h, n)
}

/// Reduces `h` to upper Hessenberg form in place (`elmhes`); the entries
/// below the subdiagonal are set to zero.
fn hessenberg(h: &mut [Vec<f64>], n: usize) {
    for m in 2..n {
        let (mut x, mut i) = (0.0, m);
        for j in m..=n {
            if h[j][m - 1].abs() > f64::abs(x) {
                x = h[j][m - 1];
                i = j;
            }
        }
        if i != m {
            for j in m - 1..=n {
                let t = h[i][j];
                h[i][j] = h[m][j];
                h[m][j] = t;
            }
            for row in h.iter_mut().skip(1) {
                row.swap(i, m);
            }
        }
        if x != 0.0 {
            for i in m + 1..=n {
                let mut y = h[i][m - 1];
                if y != 0.0 {
                    y /= x;
                    h[i][m - 1] = y;
                    for j in m..=n {
                        h[i][j] -= y * h[m][j];
                    }
                    for row in h.iter_mut().skip(1) {
                        row[m] += y * row[i];
                    }
                }
            }
        }
    }
    for i in 3..=n {
        for j in 1..i - 1 {
            h[i][j] = 0.0;
        }
    }
}

/// Francis' double-shift QR on the Hessenberg `h` (`hqr`); destroys `h`.
#[allow(clippy::many_single_char_names)]
fn hqr(a: &mut [Vec<f64>], n: usize) -> Option<Vec<[f64; 2]>> {
    let mut wr = vec![0.0; n + 1];
    let mut wi = vec![0.0; n + 1];
    let mut anorm = 0.0;
    for i in 1..=n {
        for j in (i - 1).max(1)..=n {
            anorm += f64::abs(a[i][j]);
        }
    }
    let sign = |a: f64, b: f64| if b >= 0.0 { a.abs() } else { -a.abs() };
    let mut nn = n;
    let mut t = 0.0;
    let (mut p, mut q, mut r, mut s, mut w, mut x, mut y, mut z);
    while nn >= 1 {
        let mut its = 0;
        loop {
            // Look for a single small subdiagonal element.
            let mut l = nn;
            while l >= 2 {
                s = a[l - 1][l - 1].abs() + a[l][l].abs();
                if s == 0.0 {
                    s = anorm;
                }
                if a[l][l - 1].abs() + s == s {
                    a[l][l - 1] = 0.0;
                    break;
                }
                l -= 1;
            }
            x = a[nn][nn];
            if l == nn {
                // One root found.
                wr[nn] = x + t;
                wi[nn] = 0.0;
                nn -= 1;
            } else {
                y = a[nn - 1][nn - 1];
                w = a[nn][nn - 1] * a[nn - 1][nn];
                if l == nn - 1 {
                    // Two roots found.
                    p = 0.5 * (y - x);
                    q = p * p + w;
                    z = q.abs().sqrt();
                    x += t;
                    if q >= 0.0 {
                        z = p + sign(z, p);
                        wr[nn - 1] = x + z;
                        wr[nn] = x + z;
                        if z != 0.0 {
                            wr[nn] = x - w / z;
                        }
                        wi[nn - 1] = 0.0;
                        wi[nn] = 0.0;
                    } else {
                        wr[nn - 1] = x + p;
                        wr[nn] = x + p;
                        wi[nn - 1] = -z;
                        wi[nn] = z;
                    }
                    nn -= 2;
                } else {
                    if its == 30 {
                        return None;
                    }
                    if its == 10 || its == 20 {
                        // Exceptional shift.
                        t += x;
                        for i in 1..=nn {
                            a[i][i] -= x;
                        }
                        s = a[nn][nn - 1].abs() + a[nn - 1][nn - 2].abs();
                        x = 0.75 * s;
                        y = x;
                        w = -0.4375 * s * s;
                    }
                    its += 1;
                    // Form the shift and look for two consecutive small subdiagonal elements.
                    let mut m = nn - 2;
                    loop {
                        z = a[m][m];
                        r = x - z;
                        s = y - z;
                        p = (r * s - w) / a[m + 1][m] + a[m][m + 1];
                        q = a[m + 1][m + 1] - z - r - s;
                        r = a[m + 2][m + 1];
                        s = p.abs() + q.abs() + r.abs();
                        p /= s;
                        q /= s;
                        r /= s;
                        if m == l {
                            break;
                        }
                        let u = a[m][m - 1].abs() * (q.abs() + r.abs());
                        let v = p.abs() * (a[m - 1][m - 1].abs() + z.abs() + a[m + 1][m + 1].abs());
                        if u + v == v {
                            break;
                        }
                        m -= 1;
                    }
                    for i in m + 2..=nn {
                        a[i][i - 2] = 0.0;
                        if i != m + 2 {
                            a[i][i - 3] = 0.0;
                        }
                    }
                    // Double QR step on rows l..=nn and columns m..=nn.
                    for k in m..nn {
                        if k != m {
                            p = a[k][k - 1];
                            q = a[k + 1][k - 1];
                            r = 0.0;
                            if k != nn - 1 {
                                r = a[k + 2][k - 1];
                            }
                            x = p.abs() + q.abs() + r.abs();
                            if x != 0.0 {
                                p /= x;
                                q /= x;
                                r /= x;
                            }
                        }
                        s = sign((p * p + q * q + r * r).sqrt(), p);
                        if s != 0.0 {
                            if k == m {
                                if l != m {
                                    a[k][k - 1] = -a[k][k - 1];
                                }
                            } else {
                                a[k][k - 1] = -s * x;
                            }
                            p += s;
                            x = p / s;
                            y = q / s;
                            z = r / s;
                            q /= p;
                            r /= p;
                            for j in k..=nn {
                                p = a[k][j] + q * a[k + 1][j];
                                if k != nn - 1 {
                                    p += r * a[k + 2][j];
                                    a[k + 2][j] -= p * z;
                                }
                                a[k + 1][j] -= p * y;
                                a[k][j] -= p * x;
                            }
                            let mmin = if nn < k + 3 { nn } else { k + 3 };
                            for row in a.iter_mut().take(mmin + 1).skip(l) {
                                p = x * row[k] + y * row[k + 1];
                                if k != nn - 1 {
                                    p += z * row[k + 2];
                                    row[k + 2] -= p * r;
                                }
                                row[k + 1] -= p * q;
                                row[k] -= p;
                            }
                        }
                    }
                }
            }
            if nn < 2 || l + 1 >= nn {
                break;
            }
        }
    }
    Some((1..=n).map(|i| [wr[i], wi[i]]).collect())
}

/// The eigenvalues of the symmetric `n × n` row-major matrix `a` (its lower
/// triangle is read), ascending; `None` if the QL iteration did not
/// converge (or the matrix is not finite).
pub fn symmetric(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let (_, d, e) = tridiagonal_form(a, n, false)?;
    let mut values = tridiagonal_ql(d, e, None)?;
    values.sort_by(f64::total_cmp);
    Some(values)
}

/// The eigenpairs of the symmetric `n × n` row-major matrix `a` (its lower
/// triangle is read): eigenvalues ascending, and for each its unit
/// eigenvector (`vectors[i]` belongs to `values[i]`; its sign is the
/// algorithm's). `None` if the QL iteration did not converge (or the
/// matrix is not finite).
///
/// The same two steps as [`symmetric`], keeping the transformations:
/// `tred2` accumulates the product `Q` of its reflections (`A = Q T Qᵀ`),
/// and each plane rotation of the QL iteration is applied to `Q`'s
/// columns, which end as the eigenvectors. About 7n³ flops, well under a
/// second at n = 400 (the flow lab's largest dense reference).
pub fn symmetric_pairs(a: &[f64], n: usize) -> Option<(Vec<f64>, Vec<Vec<f64>>)> {
    let (z, d, e) = tridiagonal_form(a, n, true)?;
    // Q's columns as rows, so that a rotation of two columns touches two
    // contiguous rows.
    let mut q: Vec<Vec<f64>> = (0..n).map(|j| (0..n).map(|i| z[i][j]).collect()).collect();
    let values = tridiagonal_ql(d, e, Some(&mut q))?;
    Some(ascending(values, q))
}

/// The eigenpairs of the symmetric tridiagonal with diagonal `diag` and
/// `off[i]` beside `diag[i]` and `diag[i + 1]` (`off` may have one entry
/// more, which is ignored), as [`symmetric_pairs`] gives them; the QL
/// iteration alone, from the identity.
///
/// Only the entries `rows` of each eigenvector are kept (in that order):
/// a rotation mixes two vectors entry by entry, so each kept entry gets
/// the bits it gets in the full vector, at O(n · rows) a rotation instead
/// of O(n²). Lanczos' convergence test reads only the last entries.
pub fn tridiagonal_pairs(diag: &[f64], off: &[f64], rows: &[usize]) -> Option<(Vec<f64>, Vec<Vec<f64>>)> {
    let n = diag.len();
    if diag.iter().chain(off.iter().take(n.saturating_sub(1))).any(|v| !v.is_finite()) {
        return None;
    }
    let mut e = vec![0.0; n];
    if n > 1 {
        e[1..].copy_from_slice(&off[..n - 1]);
    }
    let mut q: Vec<Vec<f64>> = (0..n).map(|j| rows.iter().map(|&i| if i == j { 1.0 } else { 0.0 }).collect()).collect();
    let values = tridiagonal_ql(diag.to_vec(), e, Some(&mut q))?;
    Some(ascending(values, q))
}

/// Eigenvalues in ascending order, each with its vector.
fn ascending(values: Vec<f64>, mut vectors: Vec<Vec<f64>>) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    (order.iter().map(|&i| values[i]).collect(), order.iter().map(|&i| std::mem::take(&mut vectors[i])).collect())
}

/// A matrix as its rows.
type Rows = Vec<Vec<f64>>;

/// The row-major `a` reduced by [`tridiagonalize`]: `(Q or scratch, d, e)`;
/// `None` if `a` is not finite.
fn tridiagonal_form(a: &[f64], n: usize, vectors: bool) -> Option<(Rows, Vec<f64>, Vec<f64>)> {
    assert_eq!(a.len(), n * n, "an n × n matrix");
    if a.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut z: Vec<Vec<f64>> = (0..n).map(|i| a[i * n..(i + 1) * n].to_vec()).collect();
    let (mut d, mut e) = (vec![0.0; n], vec![0.0; n]);
    tridiagonalize(&mut z, &mut d, &mut e, vectors);
    Some((z, d, e))
}

/// Householder reduction of the symmetric `a` (lower triangle) to the
/// tridiagonal with diagonal `d` and subdiagonal `e[1..]` (`e[0] = 0`).
/// With `vectors`, `a` ends as the orthogonal `Q` with `A = Q T Qᵀ`
/// (otherwise as scratch); the arithmetic on `d` and `e` is the same.
fn tridiagonalize(a: &mut [Vec<f64>], d: &mut [f64], e: &mut [f64], vectors: bool) {
    let n = d.len();
    for i in (1..n).rev() {
        let l = i - 1;
        d[i] = 0.0; // h, the reflection's scale; 0 when row i needs none
        if l == 0 {
            e[i] = a[i][l];
            continue;
        }
        let scale: f64 = a[i][..=l].iter().map(|v| v.abs()).sum();
        if scale == 0.0 {
            e[i] = a[i][l];
            continue;
        }
        let mut h = 0.0;
        for k in 0..=l {
            a[i][k] /= scale;
            h += a[i][k] * a[i][k];
        }
        let f = a[i][l];
        let g = if f >= 0.0 { -h.sqrt() } else { h.sqrt() };
        e[i] = scale * g;
        h -= f * g;
        a[i][l] = f - g;
        // p = A u / h into e[0..=l], then K = uᵀp / 2h, q = p − K u, A −= u qᵀ + q uᵀ.
        // With vectors, u / h is kept in the upper triangle (column i), which
        // the reduction itself never reads.
        let mut f = 0.0;
        for j in 0..=l {
            if vectors {
                a[j][i] = a[i][j] / h;
            }
            let mut g = 0.0;
            for k in 0..=j {
                g += a[j][k] * a[i][k];
            }
            for k in j + 1..=l {
                g += a[k][j] * a[i][k];
            }
            e[j] = g / h;
            f += e[j] * a[i][j];
        }
        let hh = f / (h + h);
        for j in 0..=l {
            let f = a[i][j];
            let g = e[j] - hh * f;
            e[j] = g;
            for k in 0..=j {
                a[j][k] -= f * e[k] + g * a[i][k];
            }
        }
        d[i] = h;
    }
    e[0] = 0.0;
    if n > 0 {
        d[0] = 0.0;
    }
    for i in 0..n {
        if vectors {
            // Q = P₁ ⋯ P_{n−2}, built from the last reflection outwards: row
            // i of `a` holds u, column i holds u / h.
            if d[i] != 0.0 {
                for j in 0..i {
                    let mut g = 0.0;
                    for k in 0..i {
                        g += a[i][k] * a[k][j];
                    }
                    for k in 0..i {
                        a[k][j] -= g * a[k][i];
                    }
                }
            }
            d[i] = a[i][i];
            a[i][i] = 1.0;
            for j in 0..i {
                a[j][i] = 0.0;
                a[i][j] = 0.0;
            }
        } else {
            d[i] = a[i][i];
        }
    }
}

/// The eigenvalues of the symmetric tridiagonal with diagonal `d` and
/// subdiagonal `e[1..]`, by implicit QL (unordered). With `q` (the columns
/// of an orthogonal matrix, as rows), each rotation is applied to them too,
/// so that they end as the eigenvectors of `Q T Qᵀ`.
fn tridiagonal_ql(mut d: Vec<f64>, mut e: Vec<f64>, mut q: Option<&mut Vec<Vec<f64>>>) -> Option<Vec<f64>> {
    let n = d.len();
    for i in 1..n {
        e[i - 1] = e[i];
    }
    if n > 0 {
        e[n - 1] = 0.0;
    }
    let sign = |a: f64, b: f64| if b >= 0.0 { a.abs() } else { -a.abs() };
    for l in 0..n {
        let mut iterations = 0;
        loop {
            let mut m = l;
            while m + 1 < n {
                let dd = d[m].abs() + d[m + 1].abs();
                if e[m].abs() + dd == dd {
                    break;
                }
                m += 1;
            }
            if m == l {
                break;
            }
            iterations += 1;
            if iterations > 60 {
                return None;
            }
            let mut g = (d[l + 1] - d[l]) / (2.0 * e[l]);
            let mut r = libm::hypot(g, 1.0);
            g = d[m] - d[l] + e[l] / (g + sign(r, g));
            let (mut s, mut c, mut p) = (1.0, 1.0, 0.0);
            let mut split = false;
            for i in (l..m).rev() {
                let f = s * e[i];
                let b = c * e[i];
                r = libm::hypot(f, g);
                e[i + 1] = r;
                if r == 0.0 {
                    d[i + 1] -= p;
                    e[m] = 0.0;
                    split = true;
                    break;
                }
                s = f / r;
                c = g / r;
                g = d[i + 1] - p;
                r = (d[i] - g) * s + 2.0 * c * b;
                p = s * r;
                d[i + 1] = g + p;
                g = c * r - b;
                if let Some(q) = q.as_deref_mut() {
                    let (lo, hi) = q.split_at_mut(i + 1);
                    for (x, y) in lo[i].iter_mut().zip(hi[0].iter_mut()) {
                        let t = *y;
                        *y = s * *x + c * t;
                        *x = c * *x - s * t;
                    }
                }
            }
            if split {
                continue;
            }
            d[l] -= p;
            e[l] = g;
            e[m] = 0.0;
        }
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut v: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
        v.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
        v
    }

    #[test]
    fn a_rotation_has_its_angle_and_a_triangle_its_diagonal() {
        let (c, s) = (0.3f64.cos(), 0.3f64.sin());
        // A rotation by 0.3 scaled by 0.9, beside a real eigenvalue 0.5.
        let a = [0.9 * c, -0.9 * s, 0.0, 0.9 * s, 0.9 * c, 0.0, 0.1, 0.2, 0.5];
        let e = sorted(eigenvalues(&a, 3).unwrap());
        let want = [[0.5, 0.0], [0.9 * c, -0.9 * s], [0.9 * c, 0.9 * s]];
        for (got, want) in e.iter().zip(want) {
            assert!((got[0] - want[0]).abs() < 1e-14 && (got[1] - want[1]).abs() < 1e-14, "{e:?}");
        }
        let triangle = [1.0, 2.0, 3.0, 0.0, -4.0, 5.0, 0.0, 0.0, 6.0];
        let e = sorted(eigenvalues(&triangle, 3).unwrap());
        assert_eq!(e.iter().map(|z| z[1]).collect::<Vec<_>>(), vec![0.0; 3]);
        assert!(e.iter().zip([-4.0, 1.0, 6.0]).all(|(z, w)| (z[0] - w).abs() < 1e-13), "{e:?}");
    }

    /// Against faer's solver on random matrices of every size the lab
    /// allows: the same eigenvalues to 1e-10 of the spectral scale.
    /// Control: a changed entry moves them.
    #[test]
    fn random_matrices_agree_with_faer() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for n in 1..=32 {
            let a: Vec<f64> = (0..n * n).map(|_| rng.random_range(-1.0..1.0)).collect();
            let ours = sorted(eigenvalues(&a, n).unwrap());
            let faer: Vec<[f64; 2]> = faer::Mat::<f64>::from_fn(n, n, |i, j| a[i * n + j])
                .eigenvalues()
                .unwrap()
                .iter()
                .map(|z| [z.re, z.im])
                .collect();
            let faer = sorted(faer);
            let scale = faer.iter().map(|z| z[0].hypot(z[1])).fold(1.0, f64::max);
            for (o, f) in ours.iter().zip(&faer) {
                assert!((o[0] - f[0]).hypot(o[1] - f[1]) < 1e-10 * scale, "n = {n}: {o:?} against {f:?}");
            }
            if n > 1 {
                let mut b = a.clone();
                b[1] += 0.5;
                let moved = sorted(eigenvalues(&b, n).unwrap());
                assert!(moved.iter().zip(&ours).any(|(m, o)| (m[0] - o[0]).hypot(m[1] - o[1]) > 1e-6));
            }
        }
        assert_eq!(eigenvalues(&[f64::NAN], 1), None);
    }

    /// Against faer's symmetric solver on random symmetric matrices, 1 to
    /// 70: the same eigenvalues to 1e-12 of the spectral scale; a diagonal
    /// matrix is its own spectrum. Control: a changed pair of entries moves them.
    #[test]
    fn symmetric_matrices_agree_with_faer() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        for n in (1..=24).chain([40, 64, 70]) {
            let mut a = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..=i {
                    let v: f64 = rng.random_range(-1.0..1.0);
                    (a[i * n + j], a[j * n + i]) = (v, v);
                }
            }
            let ours = symmetric(&a, n).unwrap();
            let faer = faer::Mat::<f64>::from_fn(n, n, |i, j| a[i * n + j])
                .self_adjoint_eigen(faer::Side::Lower)
                .unwrap()
                .S()
                .column_vector()
                .iter()
                .copied()
                .collect::<Vec<f64>>();
            let scale = faer.iter().fold(1.0f64, |m, v| m.max(v.abs()));
            for (o, f) in ours.iter().zip(&faer) {
                assert!((o - f).abs() < 1e-12 * scale, "n = {n}: {o} against {f}");
            }
            if n > 1 {
                let mut b = a.clone();
                b[1] += 0.5;
                b[n] += 0.5;
                assert!(symmetric(&b, n).unwrap().iter().zip(&ours).any(|(m, o)| (m - o).abs() > 1e-6));
            }
        }
        assert_eq!(symmetric(&[3.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 2.0], 3).unwrap(), vec![-1.0, 2.0, 3.0]);
        assert_eq!(symmetric(&[f64::NAN], 1), None);
    }

    /// The eigenpairs against faer's on random symmetric matrices up to the
    /// flow lab's dense limit: the same values (1e-12 of the scale), the same
    /// lines for the vectors, which are orthonormal and satisfy A v = λ v to
    /// round-off; the values are [`symmetric`]'s to the bit. The tridiagonal
    /// entry point agrees with the dense one on a tridiagonal matrix.
    /// Control: a vector of another eigenvalue fails A v = λ v.
    #[test]
    fn symmetric_pairs_agree_with_faer() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        for n in [1, 2, 3, 7, 30, 120, 400] {
            let mut a = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..=i {
                    let v: f64 = rng.random_range(-1.0..1.0);
                    (a[i * n + j], a[j * n + i]) = (v, v);
                }
            }
            let (values, vectors) = symmetric_pairs(&a, n).unwrap();
            assert_eq!(values, symmetric(&a, n).unwrap(), "n = {n}: the values are the value-only solver's");
            let evd =
                faer::Mat::<f64>::from_fn(n, n, |i, j| a[i * n + j]).self_adjoint_eigen(faer::Side::Lower).unwrap();
            let scale = values.iter().fold(1.0f64, |m, v| m.max(v.abs()));
            let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
            let residual = |v: &[f64], lambda: f64| {
                (0..n).map(|i| (dot(&a[i * n..(i + 1) * n], v) - lambda * v[i]).abs()).fold(0.0, f64::max)
            };
            for (i, (&lambda, v)) in values.iter().zip(&vectors).enumerate() {
                assert!((lambda - evd.S()[i]).abs() < 1e-12 * scale, "n = {n}, value {i}");
                assert!(residual(v, lambda) < 1e-12 * scale * (n as f64).sqrt(), "n = {n}, pair {i}");
                for (j, w) in vectors.iter().enumerate().take(i + 1) {
                    let want = if i == j { 1.0 } else { 0.0 };
                    assert!((dot(v, w) - want).abs() < 1e-12 * (n as f64).sqrt(), "n = {n}: vᵢ·vⱼ at {i}, {j}");
                }
                let theirs: Vec<f64> = evd.U().col(i).iter().copied().collect();
                let gap = values
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(_, w)| (w - lambda).abs())
                    .fold(f64::INFINITY, f64::min);
                if gap > 1e-6 * scale {
                    assert!(dot(v, &theirs).abs() > 1.0 - 1e-8, "n = {n}: vector {i} is not faer's line");
                }
            }
            if n > 1 {
                assert!(residual(&vectors[0], values[n - 1]) > 1e-3, "control: a wrong pair");
            }
        }
        let (diag, off) = ([2.0, -1.0, 0.5, 3.0], [0.7, -0.2, 1.1, 99.0]);
        let dense: Vec<f64> = (0..16)
            .map(|ij| {
                let (i, j) = (ij / 4, ij % 4);
                if i == j {
                    diag[i]
                } else if i == j + 1 {
                    off[j]
                } else if j == i + 1 {
                    off[i]
                } else {
                    0.0
                }
            })
            .collect();
        let (tv, tvec) = tridiagonal_pairs(&diag, &off, &[0, 1, 2, 3]).unwrap();
        let (dv, dvec) = symmetric_pairs(&dense, 4).unwrap();
        let (lv, last) = tridiagonal_pairs(&diag, &off, &[3]).unwrap();
        assert_eq!(lv, tv);
        for i in 0..4 {
            assert!((tv[i] - dv[i]).abs() < 1e-14);
            assert!((tvec[i].iter().zip(&dvec[i]).map(|(a, b)| a * b).sum::<f64>().abs() - 1.0).abs() < 1e-12);
            assert_eq!(last[i], vec![tvec[i][3]], "a kept entry has the full vector's bits");
        }
        assert_eq!(symmetric_pairs(&[f64::NAN], 1), None);
    }
}
