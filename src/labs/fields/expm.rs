//! The matrix exponential by scaling and squaring with the degree-13 Padé
//! approximant (Higham, "The scaling and squaring method for the matrix
//! exponential revisited", SIAM J. Matrix Anal. Appl. 26, 2005), and the
//! adjoint of its Fréchet derivative, which backpropagation through
//! `W = exp(A)` needs.
//!
//! With `s = max(0, ⌈log₂(‖A‖₁/θ₁₃)⌉)`, `θ₁₃ = 5.37`, `exp(A) =
//! r₁₃(A/2ˢ)^(2ˢ)` where `r₁₃ = (V − U)⁻¹(V + U)` with `U` the odd and `V`
//! the even part of the Padé numerator; Higham's bound makes the backward
//! error below the unit round-off. For a skew-symmetric `A` the diagonal
//! Padé approximant is orthogonal (`q(−A) = q(A)ᵀ`), so `exp(A)` comes out
//! orthogonal to round-off: the fields lab checks `‖exp(M)c‖ = ‖c‖`.
//!
//! Products go through [`crate::num::mlp::matmul`] and the solve is our own
//! LU with partial pivoting in a fixed order ([`crate::num::linalg`]): the page and the CLI get the
//! same bits, so a copy-task link trains the same model in both.

use ndarray::{s, Array2, ArrayView2};

use crate::num::linalg::lu_solve;
use crate::num::mlp::matmul;

const B13: [f64; 14] = [
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
];
const THETA13: f64 = 5.371920351148152;

/// The largest column sum of `|a|`.
pub fn norm1(a: ArrayView2<f64>) -> f64 {
    a.columns().into_iter().map(|c| c.iter().map(|v| v.abs()).sum::<f64>()).fold(0.0, f64::max)
}

/// `exp(a)` for a square `a`.
pub fn expm(a: ArrayView2<f64>) -> Array2<f64> {
    let n = a.nrows();
    assert_eq!(n, a.ncols(), "expm of a non-square matrix");
    let norm = norm1(a);
    let s = if norm > THETA13 { (norm / THETA13).log2().ceil() as i32 } else { 0 };
    let a = &a * 0.5f64.powi(s);
    let eye = Array2::<f64>::eye(n);
    let a2 = matmul(a.view(), a.view());
    let a4 = matmul(a2.view(), a2.view());
    let a6 = matmul(a4.view(), a2.view());
    let b = &B13;
    let inner_u = &a6 * b[13] + &a4 * b[11] + &a2 * b[9];
    let u = matmul(a6.view(), inner_u.view()) + &a6 * b[7] + &a4 * b[5] + &a2 * b[3] + &eye * b[1];
    let u = matmul(a.view(), u.view());
    let inner_v = &a6 * b[12] + &a4 * b[10] + &a2 * b[8];
    let v = matmul(a6.view(), inner_v.view()) + &a6 * b[6] + &a4 * b[4] + &a2 * b[2] + &eye * b[0];
    let mut r = lu_solve(&v - &u, &v + &u);
    for _ in 0..s {
        r = matmul(r.view(), r.view());
    }
    r
}

/// The gradient of a loss through `W = exp(A)`: given `G = ∂L/∂W`, returns
/// `∂L/∂A = L_exp(Aᵀ, G)`, the Fréchet derivative of exp at `Aᵀ` in the
/// direction `G` (the adjoint of `E ↦ L_exp(A, E)` under the trace inner
/// product). It is the upper-right block of `exp([[Aᵀ, G], [0, Aᵀ]])`
/// (Najfeld & Havel; Higham, Functions of Matrices, §3.2), and `W` itself is
/// the diagonal block of `exp([[A, ·], [0, A]])`, so callers reuse neither.
pub fn expm_frechet_adjoint(a: ArrayView2<f64>, g: ArrayView2<f64>) -> Array2<f64> {
    let n = a.nrows();
    let mut block = Array2::zeros((2 * n, 2 * n));
    block.slice_mut(s![..n, ..n]).assign(&a.t());
    block.slice_mut(s![n.., n..]).assign(&a.t());
    block.slice_mut(s![..n, n..]).assign(&g);
    expm(block.view()).slice(s![..n, n..]).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn random(n: usize, scale: f64, seed: u64) -> Array2<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        Array2::from_shape_fn((n, n), |_| scale * crate::num::rng::gaussian(&mut rng))
    }

    #[test]
    fn expm_matches_a_rotation_and_a_series() {
        // exp of θ[[0, −1], [1, 0]] is the rotation by θ, at a norm that needs squaring.
        let theta = 20.0;
        let a = ndarray::arr2(&[[0.0, -theta], [theta, 0.0]]);
        let e = expm(a.view());
        let want = ndarray::arr2(&[[theta.cos(), -theta.sin()], [theta.sin(), theta.cos()]]);
        assert!((&e - &want).iter().all(|d| d.abs() < 1e-13), "{e}");
        // Taylor series with many terms for a small random matrix.
        let a = random(6, 0.3, 1);
        let (mut term, mut sum) = (Array2::eye(6), Array2::eye(6));
        for k in 1..40 {
            term = matmul(term.view(), a.view()) / k as f64;
            sum += &term;
        }
        assert!((&expm(a.view()) - &sum).iter().all(|d| d.abs() < 1e-13));
    }

    #[test]
    fn skew_exponentials_are_orthogonal() {
        let p = random(20, 1.0, 2);
        let a = &p - &p.t();
        let w = expm(a.view());
        let wtw = matmul(w.t(), w.view());
        let err = (&wtw - &Array2::<f64>::eye(20)).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(err < 1e-12, "‖WᵀW − I‖_max = {err}");
        // Control: a symmetric part breaks it.
        let w = expm((&a + &(&p + &p.t()) * 0.05).view());
        let wtw = matmul(w.t(), w.view());
        assert!((&wtw - &Array2::<f64>::eye(20)).iter().any(|v| v.abs() > 1e-3));
    }

    #[test]
    fn frechet_adjoint_is_the_gradient() {
        // L(A) = ⟨G, exp(A)⟩; ∂L/∂A_ij against central differences.
        let a = random(5, 0.7, 3);
        let g = random(5, 1.0, 4);
        let grad = expm_frechet_adjoint(a.view(), g.view());
        let loss = |a: &Array2<f64>| (&expm(a.view()) * &g).sum();
        let h = 1e-6;
        for (i, j) in [(0, 0), (1, 3), (4, 2), (3, 3)] {
            let (mut up, mut down) = (a.clone(), a.clone());
            up[(i, j)] += h;
            down[(i, j)] -= h;
            let fd = (loss(&up) - loss(&down)) / (2.0 * h);
            assert!((fd - grad[(i, j)]).abs() < 1e-7 * (1.0 + fd.abs()), "({i},{j}): {fd} vs {}", grad[(i, j)]);
        }
    }
}
