//! A small multilayer perceptron with tanh between layers and exact
//! gradients, batched by rows (`batch × features`), in f64 or f32 ([`Real`]).
//! The Koopman lab's encoder and decoder are two of these, in f32.
//!
//! Arithmetic here is bit-identical on every platform, so a share link trains
//! the same model in the page (wasm) and in `continuum run` (native):
//! products go through [`matmul`] (ndarray's `dot` picks SIMD/FMA kernels at
//! run time natively and none in wasm, which changes the rounding), and tanh
//! is ours ([`crate::num::elementary::tanh`] in f64,
//! [`crate::num::lanes::tanh`] in f32: the same code everywhere, unlike the
//! system math library, and faster than `libm`'s).

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::num::elementary::tanh_in_place;

/// The two float widths the products and [`Mlp`] run in: f64 by default,
/// f32 where a lab trades precision for speed (the noisy RNN and the
/// Koopman models, as the papers' PyTorch code trains in f32). Both get
/// the same guarantee: the same bits on every platform.
pub trait Real:
    num_traits::Float
    + ndarray::LinalgScalar
    + ndarray::ScalarOperand
    + std::ops::AddAssign
    + std::ops::SubAssign
    + std::ops::MulAssign
    + std::ops::DivAssign
    + Default
    + std::fmt::Debug
    + Send
    + Sync
{
    /// tanh of every element, in place, with the same bits on every platform.
    fn tanh_in_place(xs: &mut [Self]);
    /// `x` rounded to this width.
    fn of(x: f64) -> Self;
    /// This number rounded to the width `U` (exact when `U` is as wide).
    fn to_real<U: Real>(self) -> U {
        U::of(self.to_f64().expect("a float"))
    }
}

impl Real for f64 {
    fn tanh_in_place(xs: &mut [f64]) {
        tanh_in_place(xs);
    }
    fn of(x: f64) -> f64 {
        x
    }
}

impl Real for f32 {
    fn tanh_in_place(xs: &mut [f32]) {
        for x in xs {
            *x = crate::num::lanes::tanh(*x);
        }
    }
    fn of(x: f64) -> f32 {
        x as f32
    }
}

/// `a · b`, summing over k in ascending order with separate multiply and add
/// (Rust never fuses them): the same bits on every platform. Natively, on a
/// CPU with AVX2, the same loop is compiled eight (f32) or four (f64) lanes
/// wide: the operations and their order are unchanged, so are the bits.
pub fn matmul<T: Real>(a: ArrayView2<T>, b: ArrayView2<T>) -> Array2<T> {
    let ((n, k), (k2, m)) = (a.dim(), b.dim());
    assert_eq!(k, k2, "inner dimensions differ");
    let (a, b) = (a.as_standard_layout(), b.as_standard_layout());
    let (a, b) = (a.as_slice().expect("standard layout"), b.as_slice().expect("standard layout"));
    let mut c = vec![T::zero(); n * m];
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        unsafe { matmul_avx2(a, b, &mut c, k, m) };
        return Array2::from_shape_vec((n, m), c).expect("n × m");
    }
    matmul_into(a, b, &mut c, k, m);
    Array2::from_shape_vec((n, m), c).expect("n × m")
}

/// [`matmul_into`] compiled for AVX2 (no FMA).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn matmul_avx2<T: Real>(a: &[T], b: &[T], c: &mut [T], k: usize, m: usize) {
    matmul_into(a, b, c, k, m);
}

/// `c = a · b` for row-major `a` (n × k), `b` (k × m) and `c` (n × m), `c`
/// zero on entry. Outputs are computed for two rows at once (each load of
/// `b` serves both; an odd last row alone) and [`WIDE`] (twice as many in
/// f32), then 4, then 1 columns at a time, each summing over p in ascending
/// order. For a long k the sum runs in tiles of p (each tile's rows of `b`
/// stay in cache while every row of `a` passes over them), and each tile's
/// sums start from the last tile's. The blocks and tiles only give the CPU
/// more independent sums to overlap and fewer trips to memory, never
/// another order: every output has the same bits as the plain triple loop.
#[inline(always)]
fn matmul_into<T: Real>(a: &[T], b: &[T], c: &mut [T], k: usize, m: usize) {
    let (k1, m1) = (k.max(1), m.max(1));
    let tile = (TILE_BYTES / (m1 * std::mem::size_of::<T>())).max(MIN_TILE);
    for p0 in (0..k1).step_by(tile) {
        let p1 = (p0 + tile).min(k);
        let b = &b[p0 * m..p1 * m];
        let mut a_pairs = a.chunks_exact(2 * k1);
        let mut c_pairs = c.chunks_exact_mut(2 * m1);
        for (a2, c2) in (&mut a_pairs).zip(&mut c_pairs) {
            let (r0, r1) = c2.split_at_mut(m);
            rows([&a2[p0..p1], &a2[k + p0..k + p1]], b, m, [r0, r1]);
        }
        for (a_row, row) in a_pairs.remainder().chunks_exact(k1).zip(c_pairs.into_remainder().chunks_exact_mut(m1)) {
            rows([&a_row[p0..p1]], b, m, [row]);
        }
    }
}

/// The bytes of `b` one tile of p spans: well inside a 256 KiB L2 cache,
/// with room for the rows of `a` and `c` that pass by. Measured on the
/// sketch lab's products (400 × 1600 times 1600 × 100, f64) on a Xeon with
/// 2 MiB of L2 a core: 18.9 GFLOP/s untiled, 23.5 with tiles of 128 rows of
/// `b` (100 KiB); more where L2 is smaller.
const TILE_BYTES: usize = 100 << 10;
/// The shortest tile (for very wide `b`).
const MIN_TILE: usize = 16;

/// The widest block of f64 outputs: as many sums as the registers hold. AVX2
/// has 16 registers of 4 f64, so 2 rows × 16 outputs fit in 8; SIMD128 in
/// wasm has 2 f64 a register and V8 uses 16 of them on x86, so 2 × 8 (the
/// bits are the same whatever the width: only the grouping changes). A
/// register holds twice as many f32, so f32 blocks are twice as wide.
const WIDE: usize = if cfg!(target_arch = "wasm32") { 8 } else { 16 };

/// Rows `a` (R of them, each of length k) times `b`, into rows `c`.
#[inline(always)]
fn rows<T: Real, const R: usize>(a: [&[T]; R], b: &[T], m: usize, mut c: [&mut [T]; R]) {
    let mut j = 0;
    if std::mem::size_of::<T>() == 4 {
        while j + 2 * WIDE <= m {
            block::<T, R, { 2 * WIDE }>(&a, b, m, j, &mut c);
            j += 2 * WIDE;
        }
    }
    while j + WIDE <= m {
        block::<T, R, WIDE>(&a, b, m, j, &mut c);
        j += WIDE;
    }
    while j + 4 <= m {
        block::<T, R, 4>(&a, b, m, j, &mut c);
        j += 4;
    }
    while j < m {
        block::<T, R, 1>(&a, b, m, j, &mut c);
        j += 1;
    }
}

/// Outputs `j .. j + N` of R rows of the product, sharing the loads of `b`.
///
/// The indices are checked once, before the loop, not at every step inside
/// it: in wasm the checks there cost as many instructions as the
/// arithmetic (V8 keeps each one, and runs short of registers for them).
#[inline(always)]
fn block<T: Real, const R: usize, const N: usize>(a: &[&[T]; R], b: &[T], m: usize, j: usize, c: &mut [&mut [T]; R]) {
    let k = a[0].len();
    assert!(a.iter().all(|row| row.len() == k) && j + N <= m && k * m <= b.len(), "block out of bounds");
    let mut acc = [[T::zero(); N]; R];
    for r in 0..R {
        acc[r].copy_from_slice(&c[r][j..j + N]);
    }
    for p in 0..k {
        // SAFETY: p < k, so p·m + j + N ≤ (k − 1)·m + m ≤ b.len() (asserted above).
        let bp = unsafe { b.get_unchecked(p * m + j..p * m + j + N) };
        for r in 0..R {
            // SAFETY: p < k = a[r].len() (asserted above).
            let x = unsafe { *a[r].get_unchecked(p) };
            for l in 0..N {
                acc[r][l] += x * bp[l];
            }
        }
    }
    for r in 0..R {
        c[r][j..j + N].copy_from_slice(&acc[r]);
    }
}

use rand::Rng;

use crate::num::rng::gaussian;

/// `y = x Wᵀ + b`, `W` is `out × in`.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer<T: Real = f64> {
    pub w: Array2<T>,
    pub b: Array1<T>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mlp<T: Real = f64> {
    pub layers: Vec<Layer<T>>,
    /// tanh after the last layer too (the decoder's outputs live in [−1, 1]).
    pub tanh_out: bool,
}

/// What the backward pass needs from a forward pass: each layer's input and
/// the network's output.
pub struct Cache<T: Real = f64> {
    inputs: Vec<Array2<T>>,
    output: Array2<T>,
}

impl<T: Real> Mlp<T> {
    /// Layer sizes `sizes[0] → … → sizes[last]`; Xavier-normal weights
    /// (std √(2 / (fan_in + fan_out))) and zero biases, as in the reference code.
    pub fn init(sizes: &[usize], tanh_out: bool, rng: &mut impl Rng) -> Mlp<T> {
        let layers = sizes
            .windows(2)
            .map(|io| {
                let std = (2.0 / (io[0] + io[1]) as f64).sqrt();
                Layer {
                    w: Array2::from_shape_fn((io[1], io[0]), |_| T::of(std * gaussian(rng))),
                    b: Array1::zeros(io[1]),
                }
            })
            .collect();
        Mlp { layers, tanh_out }
    }

    pub fn zeros_like(&self) -> Mlp<T> {
        let layers = self
            .layers
            .iter()
            .map(|l| Layer { w: Array2::zeros(l.w.raw_dim()), b: Array1::zeros(l.b.raw_dim()) })
            .collect();
        Mlp { layers, tanh_out: self.tanh_out }
    }

    pub fn params(&self) -> usize {
        self.layers.iter().map(|l| l.w.len() + l.b.len()).sum()
    }

    pub fn tensors(&self) -> Vec<&[T]> {
        let mut out = Vec::new();
        for l in &self.layers {
            out.push(l.w.as_slice().expect("standard layout"));
            out.push(l.b.as_slice().expect("standard layout"));
        }
        out
    }

    pub fn tensors_mut(&mut self) -> Vec<&mut [T]> {
        let mut out = Vec::new();
        for l in &mut self.layers {
            out.push(l.w.as_slice_mut().expect("standard layout"));
            out.push(l.b.as_slice_mut().expect("standard layout"));
        }
        out
    }

    fn activated(&self, i: usize) -> bool {
        i + 1 < self.layers.len() || self.tanh_out
    }

    /// The network's output for `x`, and what [`Mlp::backward`] needs.
    pub fn forward(&self, x: ArrayView2<T>) -> (Array2<T>, Cache<T>) {
        let mut inputs = Vec::with_capacity(self.layers.len());
        let mut h = x.to_owned();
        for (i, l) in self.layers.iter().enumerate() {
            let mut z = matmul(h.view(), l.w.t());
            z += &l.b;
            if self.activated(i) {
                T::tanh_in_place(z.as_slice_mut().expect("matmul returns a standard layout"));
            }
            inputs.push(std::mem::replace(&mut h, z));
        }
        (h.clone(), Cache { inputs, output: h })
    }

    /// The output alone.
    pub fn apply(&self, x: ArrayView2<T>) -> Array2<T> {
        self.forward(x).0
    }

    /// ∂L/∂x given `dy` = ∂L/∂output, without the parameter gradients (what
    /// an adversary's step or a saliency map needs: half the work of
    /// [`Mlp::backward`]).
    pub fn input_gradient(&self, cache: &Cache<T>, dy: Array2<T>) -> Array2<T> {
        self.backprop(cache, dy, None, true).expect("asked for ∂L/∂x")
    }

    /// Adds ∂L/∂θ to `grad` given `dy` = ∂L/∂output; returns ∂L/∂x.
    pub fn backward(&self, cache: &Cache<T>, dy: Array2<T>, grad: &mut Mlp<T>) -> Array2<T> {
        self.backprop(cache, dy, Some(grad), true).expect("asked for ∂L/∂x")
    }

    /// Adds ∂L/∂θ to `grad` given `dy` = ∂L/∂output, and no more: where the
    /// input is data, not something upstream that learns, ∂L/∂x would be
    /// thrown away, and skipping it saves the first layer's product (an
    /// encoder's widest: batch × in × hidden).
    pub fn accumulate_gradient(&self, cache: &Cache<T>, dy: Array2<T>, grad: &mut Mlp<T>) {
        self.backprop(cache, dy, Some(grad), false);
    }

    /// Backpropagation from the output down: ∂L/∂θ added to `grad` if
    /// given, and ∂L/∂x returned if `want_dx`. Skipping either leaves the
    /// other's bits unchanged.
    fn backprop(
        &self,
        cache: &Cache<T>,
        dy: Array2<T>,
        mut grad: Option<&mut Mlp<T>>,
        want_dx: bool,
    ) -> Option<Array2<T>> {
        let mut g = dy;
        for i in (0..self.layers.len()).rev() {
            if self.activated(i) {
                // The layer's tanh output is the next layer's input (or the network's output).
                let a = if i + 1 < self.layers.len() { &cache.inputs[i + 1] } else { &cache.output };
                g.zip_mut_with(a, |g, &a| *g *= T::one() - a * a);
            }
            if let Some(grad) = grad.as_deref_mut() {
                grad.layers[i].w += &matmul(g.t(), cache.inputs[i].view());
                grad.layers[i].b += &g.sum_axis(Axis(0));
            }
            if i == 0 && !want_dx {
                return None;
            }
            g = matmul(g.view(), self.layers[i].w.view());
        }
        Some(g)
    }
}

/// Softmax cross-entropy of `logits` against `y`: the mean loss, and
/// ∂(sum of losses)/∂logits (per example, not averaged). `libm`'s exp and
/// log: the same bits in the page and the CLI.
pub fn cross_entropy(logits: &Array2<f64>, y: &[usize]) -> (f64, Array2<f64>) {
    let mut d = logits.clone();
    let mut loss = 0.0;
    for (mut row, &label) in d.rows_mut().into_iter().zip(y) {
        let max = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let sum: f64 = row.iter().map(|&v| libm::exp(v - max)).sum();
        loss += libm::log(sum) + max - row[label];
        row.mapv_inplace(|v| libm::exp(v - max) / sum);
        row[label] -= 1.0;
    }
    (loss / y.len() as f64, d)
}

/// The fraction of rows whose largest entry is at the label (the first on ties).
pub fn accuracy(logits: &Array2<f64>, y: &[usize]) -> f64 {
    let right = logits
        .rows()
        .into_iter()
        .zip(y)
        .filter(|(row, &label)| {
            let best = (0..row.len()).fold(0, |b, k| if row[k] > row[b] { k } else { b });
            best == label
        })
        .count();
    right as f64 / y.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// L = Σ (y ⊙ r) for a fixed random r, so ∂L/∂y = r.
    fn loss(net: &Mlp, x: &Array2<f64>, r: &Array2<f64>) -> f64 {
        (net.apply(x.view()) * r).sum()
    }

    #[test]
    fn matmul_matches_ndarray() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let a = Array2::from_shape_fn((7, 5), |_| gaussian(&mut rng));
        let b = Array2::from_shape_fn((3, 5), |_| gaussian(&mut rng));
        let got = matmul(a.view(), b.t());
        let want = a.dot(&b.t());
        assert!(got.iter().zip(&want).all(|(g, w)| (g - w).abs() < 1e-12));
        assert_eq!(got.dim(), (7, 3));
    }

    /// The plain triple loop: ascending p (descending with `rev`), multiply then add.
    fn plain<T: Real>(a: &Array2<T>, b: &Array2<T>, rev: bool) -> Array2<T> {
        Array2::from_shape_fn((a.nrows(), b.ncols()), |(i, j)| {
            let mut s = T::zero();
            for q in 0..a.ncols() {
                let p = if rev { a.ncols() - 1 - q } else { q };
                s += a[[i, p]] * b[[p, j]];
            }
            s
        })
    }

    /// The blocked product has the bits of the plain triple loop (ascending
    /// p, multiply then add), in f64 and f32, for shapes that use every
    /// block: odd and even row counts, columns in blocks of 32 (f32), 16, 4
    /// and 1, and k long enough to run in several tiles (k = 300 with 100
    /// columns: tiles of 128 rows of `b` in f64, 256 in f32). The control:
    /// summing in descending p differs somewhere, so the check can tell
    /// orders apart.
    #[test]
    fn matmul_has_the_bits_of_the_plain_loop() {
        fn check<T: Real>(rng: &mut ChaCha8Rng) {
            let mut orders_differ = false;
            for (n, k, m) in [(7, 13, 37), (8, 64, 64), (1, 5, 3), (32, 64, 21), (5, 300, 100), (3, 1000, 7)] {
                let a = Array2::from_shape_fn((n, k), |_| T::of(gaussian(rng)));
                let b = Array2::from_shape_fn((k, m), |_| T::of(gaussian(rng)));
                assert_eq!(matmul(a.view(), b.view()), plain(&a, &b, false), "{n} × {k} × {m}");
                orders_differ |= matmul(a.view(), b.view()) != plain(&a, &b, true);
            }
            assert!(orders_differ);
        }
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        check::<f64>(&mut rng);
        check::<f32>(&mut rng);
    }

    #[test]
    fn gradients_match_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for tanh_out in [false, true] {
            let net = Mlp::init(&[5, 4, 3], tanh_out, &mut rng);
            let x = Array2::from_shape_fn((7, 5), |_| gaussian(&mut rng));
            let r = Array2::from_shape_fn((7, 3), |_| gaussian(&mut rng));
            let (_, cache) = net.forward(x.view());
            let mut grad = net.zeros_like();
            let dx = net.backward(&cache, r.clone(), &mut grad);
            let eps = 1e-6;
            for (t, g) in grad.tensors().iter().enumerate() {
                for i in 0..g.len() {
                    let mut plus = net.clone();
                    plus.tensors_mut()[t][i] += eps;
                    let mut minus = net.clone();
                    minus.tensors_mut()[t][i] -= eps;
                    let fd = (loss(&plus, &x, &r) - loss(&minus, &x, &r)) / (2.0 * eps);
                    assert!((fd - g[i]).abs() < 1e-7 * (1.0 + fd.abs()), "tensor {t}[{i}]: {fd} vs {}", g[i]);
                }
            }
            for (idx, &g) in dx.indexed_iter() {
                let mut xp = x.clone();
                xp[idx] += eps;
                let mut xm = x.clone();
                xm[idx] -= eps;
                let fd = (loss(&net, &xp, &r) - loss(&net, &xm, &r)) / (2.0 * eps);
                assert!((fd - g).abs() < 1e-7 * (1.0 + fd.abs()), "x{idx:?}: {fd} vs {g}");
            }
            // The input gradient alone is the same as the full backward pass's,
            // and so are the parameter gradients alone.
            assert_eq!(net.input_gradient(&cache, r.clone()), dx);
            let mut alone = net.zeros_like();
            net.accumulate_gradient(&cache, r.clone(), &mut alone);
            assert_eq!(alone, grad);
        }
    }
}
