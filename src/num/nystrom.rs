//! The Nyström method: leading eigenpairs of a symmetric n × n matrix A from
//! l of its columns, C = A[:, S] (n × l) and W = A[S, S] (l × l), at O(n l)
//! entries of A instead of O(n²).
//!
//! Two forms (docs/flow.md):
//! - [`Form::Qr`], the default: A ≈ C W⁺ Cᵀ with W⁺ the pseudo-inverse of W
//!   truncated to its r eigenvalues of magnitude ≥ [`TRUNCATION`] · max |λ(W)|.
//!   Writing W⁺ = V_r Λ_r⁻¹ V_rᵀ and B = C V_r = QR (thin), the eigenpairs of
//!   C W⁺ Cᵀ = B Λ_r⁻¹ Bᵀ are those of the r × r matrix R Λ_r⁻¹ Rᵀ = U Θ Uᵀ:
//!   values Θ, vectors Q U. Exact when rank(A) ≤ l
//!   (then A = C W⁺ Cᵀ) and the truncation keeps all of W's nonzero eigenvalues. The vortical adjacency has a zero diagonal, so W is
//!   indefinite and nearly singular; the truncation is what keeps this stable.
//! - [`Form::Extension`]: W = V Λ Vᵀ, λ̃_i = (n / l) λ_i, ũ_i ∝ C v_i / λ_i —
//!   the classic eigenvector extension.
//!
//! Samplings of S:
//! - [`Sampling::Uniform`]: l distinct indices uniformly at random.
//! - [`Sampling::Quasi`]: systematic sampling along a space-filling curve.
//!   Nodes are ordered by the Morton (Z-order) key of their position,
//!   quantized to a 2¹⁶ × 2¹⁶ grid over their bounding box (ties by index);
//!   with one uniform offset u ∈ [0, 1) from the seed, S is the nodes at
//!   ranks ⌊(i + u) n / l⌋, i = 0 … l − 1. Z-order keeps nearby nodes at
//!   nearby ranks, so every stretch of n / l consecutive ranks — a compact
//!   patch of the domain — gives exactly one column: the columns are spread
//!   evenly over the domain, in proportion to where the nodes are.
//! - [`Sampling::Stratified`]: the same Z-order ranks cut into l strata of
//!   equal count, `[⌊i n/l⌋, ⌊(i+1) n/l⌋)`, and one node drawn uniformly in
//!   each: spread over the domain like quasi, yet random inside each patch,
//!   so close pairs of nodes can both be columns.

use ndarray::Array2;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::num::eigen::{top_k, Eigenpairs};
use crate::num::eigvals::symmetric_pairs;
use crate::num::linalg::thin_qr;

/// Relative cut on W's eigenvalues in [`Form::Qr`].
pub const TRUNCATION: f64 = 1e-1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sampling {
    Uniform,
    Quasi,
    Stratified,
}

impl Sampling {
    pub fn by_name(name: &str) -> Option<Sampling> {
        match name {
            "uniform" => Some(Sampling::Uniform),
            "quasi" => Some(Sampling::Quasi),
            "stratified" => Some(Sampling::Stratified),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Sampling::Uniform => "uniform",
            Sampling::Quasi => "quasi",
            Sampling::Stratified => "stratified",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    Qr,
    Extension,
}

/// l column indices of the n nodes at (x, y), by `sampling`.
pub fn sample(sampling: Sampling, x: &[f64], y: &[f64], l: usize, seed: u64) -> Vec<usize> {
    let n = x.len();
    let l = l.min(n);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    match sampling {
        Sampling::Uniform => {
            let mut all: Vec<usize> = (0..n).collect();
            all.partial_shuffle(&mut rng, l).0.to_vec()
        }
        Sampling::Quasi => {
            let order = morton_order(x, y);
            let u: f64 = rng.random();
            (0..l).map(|i| order[(((i as f64 + u) * n as f64 / l as f64) as usize).min(n - 1)]).collect()
        }
        Sampling::Stratified => {
            let order = morton_order(x, y);
            (0..l).map(|i| order[rng.random_range(i * n / l..((i + 1) * n / l).max(i * n / l + 1))]).collect()
        }
    }
}

/// The nodes in Z-order of their positions, quantized to a 2¹⁶ × 2¹⁶ grid
/// over their bounding box (ties by index).
fn morton_order(x: &[f64], y: &[f64]) -> Vec<usize> {
    let span = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo, (hi - lo).max(f64::MIN_POSITIVE))
    };
    let ((x0, sx), (y0, sy)) = (span(x), span(y));
    let quantize = |v: f64, lo: f64, s: f64| (((v - lo) / s) * 65535.0).round() as u32;
    let mut order: Vec<(u64, usize)> =
        (0..x.len()).map(|i| (morton(quantize(x[i], x0, sx), quantize(y[i], y0, sy)), i)).collect();
    order.sort_unstable();
    order.into_iter().map(|(_, i)| i).collect()
}

/// Interleaves the bits of x and y (x in the even bits).
fn morton(x: u32, y: u32) -> u64 {
    let spread = |v: u32| {
        let mut v = v as u64 & 0xffff_ffff;
        v = (v | (v << 16)) & 0x0000_ffff_0000_ffff;
        v = (v | (v << 8)) & 0x00ff_00ff_00ff_00ff;
        v = (v | (v << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
        v = (v | (v << 2)) & 0x3333_3333_3333_3333;
        (v | (v << 1)) & 0x5555_5555_5555_5555
    };
    spread(x) | (spread(y) << 1)
}

/// The k leading eigenpairs of A from its columns `c = A[:, s]`, with the
/// default truncation [`TRUNCATION`].
pub fn eigenpairs(c: &Array2<f64>, s: &[usize], k: usize, form: Form) -> Eigenpairs {
    eigenpairs_truncated(c, s, k, form, TRUNCATION)
}

/// [`eigenpairs`] with W's eigenvalues cut at `tau` · max |λ(W)| in
/// [`Form::Qr`] (the extension form does not truncate). Every sum runs in a
/// fixed order, so the page and the CLI get the same bits.
pub fn eigenpairs_truncated(c: &Array2<f64>, s: &[usize], k: usize, form: Form, tau: f64) -> Eigenpairs {
    let (n, l) = (c.nrows(), c.ncols());
    let k = k.min(l);
    let w: Vec<f64> = (0..l * l).map(|ab| 0.5 * (c[(s[ab / l], ab % l)] + c[(s[ab % l], ab / l)])).collect();
    let (lambda, v) = symmetric_pairs(&w, l).expect("symmetric eigensolver converges");
    // C times a vector of length l, row by row.
    let c_times = |x: &[f64]| -> Vec<f64> { (0..n).map(|r| (0..l).map(|j| c[(r, j)] * x[j]).sum()).collect() };
    match form {
        Form::Extension => {
            let pairs = top_k(lambda, v, k);
            let vectors = pairs
                .vectors
                .iter()
                .map(|vi| {
                    let mut u = c_times(vi);
                    let norm = u.iter().map(|x| x * x).sum::<f64>().sqrt();
                    u.iter_mut().for_each(|x| *x /= norm);
                    u
                })
                .collect();
            let scale = n as f64 / l as f64;
            Eigenpairs { values: pairs.values.iter().map(|x| x * scale).collect(), vectors }
        }
        Form::Qr => {
            let big = lambda.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            let keep: Vec<usize> = (0..l).filter(|&i| lambda[i].abs() >= tau * big && lambda[i] != 0.0).collect();
            // W⁺ = V_r Λ_r⁻¹ V_rᵀ, so C W⁺ Cᵀ = B Λ_r⁻¹ Bᵀ with B = C V_r
            // (n × r, r ≤ l kept eigenvalues). With B = QR (thin), its
            // eigenpairs are those of the r × r matrix R Λ_r⁻¹ Rᵀ = U Θ Uᵀ:
            // values Θ, vectors Q U. The same matrix as with a QR of C, at
            // O(n l r) instead of O(n l²): the truncation keeps r ≪ l.
            let b: Vec<Vec<f64>> = keep.iter().map(|&i| c_times(&v[i])).collect();
            let (q, r) = thin_qr(&b);
            let rank = keep.len();
            // Symmetric to the bit: each term is the same product in either order.
            let m: Vec<f64> = (0..rank * rank)
                .map(|ij| {
                    let (i, j) = (ij / rank, ij % rank);
                    (0..rank).map(|t| r[i * rank + t] * r[j * rank + t] / lambda[keep[t]]).sum::<f64>()
                })
                .collect();
            let (theta, u) = symmetric_pairs(&m, rank).expect("symmetric eigensolver converges");
            let small = top_k(theta, u, k);
            let vectors = small
                .vectors
                .iter()
                .map(|ui| (0..n).map(|row| (0..ui.len()).map(|j| q[j][row] * ui[j]).sum()).collect())
                .collect();
            Eigenpairs { values: small.values, vectors }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::eigen;

    #[test]
    fn stratified_samples_take_one_node_per_equal_count_patch() {
        let n = 500;
        let x: Vec<f64> = (0..n).map(|i| (i % 25) as f64).collect();
        let y: Vec<f64> = (0..n).map(|i| (i / 25) as f64).collect();
        let order = morton_order(&x, &y);
        let rank = |node: usize| order.iter().position(|&o| o == node).unwrap();
        let s = sample(Sampling::Stratified, &x, &y, 40, 3);
        for (i, &node) in s.iter().enumerate() {
            let r = rank(node);
            assert!((i * n / 40..(i + 1) * n / 40).contains(&r), "column {i} at rank {r}");
        }
        // Random inside the patches: not the fixed offsets of quasi sampling.
        let q = sample(Sampling::Quasi, &x, &y, 40, 3);
        let offsets = |s: &[usize]| s.iter().enumerate().map(|(i, &node)| rank(node) - i * n / 40).collect::<Vec<_>>();
        let (so, qo) = (offsets(&s), offsets(&q));
        assert!(qo.iter().all(|&o| o.abs_diff(qo[0]) <= 1), "quasi: one offset {qo:?}");
        assert!(so.iter().any(|&o| o.abs_diff(so[0]) > 1), "stratified: offsets vary {so:?}");
    }

    #[test]
    fn samples_are_distinct_and_seeded() {
        let n = 500;
        let x: Vec<f64> = (0..n).map(|i| (i % 25) as f64).collect();
        let y: Vec<f64> = (0..n).map(|i| (i / 25) as f64).collect();
        for sampling in [Sampling::Uniform, Sampling::Quasi, Sampling::Stratified] {
            let mut s = sample(sampling, &x, &y, 50, 3);
            assert_eq!(s, sample(sampling, &x, &y, 50, 3));
            assert_ne!(s, sample(sampling, &x, &y, 50, 4));
            s.sort();
            s.dedup();
            assert_eq!(s.len(), 50, "{sampling:?}");
        }
    }

    /// Quasi-uniform sampling of a 20 × 20 grid with 40 columns leaves no
    /// quadrant of the domain short: each gets exactly its share, 10.
    #[test]
    fn quasi_sampling_covers_the_domain_evenly() {
        let (nx, ny) = (20, 20);
        let x: Vec<f64> = (0..nx * ny).map(|i| (i % nx) as f64).collect();
        let y: Vec<f64> = (0..nx * ny).map(|i| (i / nx) as f64).collect();
        let quadrant = |s: &[usize]| {
            let mut q = [0; 4];
            s.iter().for_each(|&i| q[(x[i] >= 10.0) as usize + 2 * (y[i] >= 10.0) as usize] += 1);
            q
        };
        for seed in 0..20 {
            let q = quadrant(&sample(Sampling::Quasi, &x, &y, 40, seed));
            assert!(q.iter().all(|&c| c == 10), "seed {seed}: {q:?}");
        }
        // Uniform sampling is uneven for some seed.
        assert!((0..20).any(|seed| quadrant(&sample(Sampling::Uniform, &x, &y, 40, seed)).iter().any(|&c| c != 10)));
    }

    /// A = B Bᵀ-like indefinite matrix of rank r ≤ l: both the samples and
    /// the matrix are generic, so C W⁺ Cᵀ = A and the QR form is exact.
    #[test]
    fn the_qr_form_is_exact_when_the_rank_is_at_most_l() {
        let (n, r, l) = (120, 6, 40);
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let b = Array2::<f64>::from_shape_fn((n, r), |_| rng.random::<f64>() - 0.5);
        // Within a factor 3 of each other, so W's nonzero eigenvalues all
        // pass the truncation.
        let d = [3.0, -2.5, 2.0, 1.8, -1.5, 1.2];
        let a = Array2::from_shape_fn((n, n), |(i, j)| (0..r).map(|q| b[(i, q)] * d[q] * b[(j, q)]).sum::<f64>());
        let s: Vec<usize> = (0..l).map(|i| i * 3).collect();
        let c = Array2::from_shape_fn((n, l), |(i, j)| a[(i, s[j])]);
        let exact = eigen::dense(&a, 3);
        let (rel, angle) = eigen::errors(&eigenpairs(&c, &s, 3, Form::Qr), &exact);
        assert!(rel.iter().all(|&e| e < 1e-10), "{rel:?}");
        // acos near 1 resolves angles only to about √ε ≈ 1e-8 rad ≈ 1e-6°.
        assert!(angle.iter().all(|&e| e < 1e-5), "{angle:?}");
        // The extension form is only an estimate, even here.
        let (rel_ext, _) = eigen::errors(&eigenpairs(&c, &s, 3, Form::Extension), &exact);
        assert!(rel_ext[0] > 1e-6, "{rel_ext:?}");
    }
}
