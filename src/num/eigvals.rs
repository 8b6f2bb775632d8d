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
}
