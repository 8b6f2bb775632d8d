//! Lane-parallel f32 arithmetic with the same bits on every target.
//!
//! Work is done on groups of [`LANES`] numbers held as `[f32; LANES]`
//! arrays, with plain element-wise `+`, `*` and `/` in a fixed order. LLVM
//! turns such loops into SIMD instructions (SSE2 or AVX2 natively, SIMD128 in
//! wasm), and IEEE 754 makes every lane's result the same whatever the vector
//! width; Rust never contracts `a * b + c` into a fused multiply-add on its
//! own, so nothing differs between targets there either. The one
//! transcendental the kernels need, tanh, is ours ([`tanh`]), so no
//! platform's libm enters a result: the native build and the wasm build of a
//! kernel written with these pieces agree bit for bit.

/// Numbers per group: 8 f32 fill one AVX2 register, two SSE2 or SIMD128 ones.
pub const LANES: usize = 8;

/// One group of lanes.
pub type Lanes = [f32; LANES];

/// Beyond this |x|, tanh(x) rounds to ±1 in f32, and the rational form below
/// is clamped.
const TANH_CLAMP: f32 = 7.905_311;

/// Below this |x|, tanh(x) = x to within f32 rounding.
const TANH_TINY: f32 = 4e-4;

// Numerator (odd, x¹ … x¹³) and denominator (even, x⁰ … x⁶) of the minimax
// rational approximation used by Eigen's `ptanh_float`.
const A1: f32 = 4.893_524_6e-3;
const A3: f32 = 6.372_619_3e-4;
const A5: f32 = 1.485_722_4e-5;
const A7: f32 = 5.122_297e-8;
const A9: f32 = -8.604_672e-11;
const A11: f32 = 2.000_188e-13;
const A13: f32 = -2.760_768_5e-16;
const B0: f32 = 4.893_525e-3;
const B2: f32 = 2.268_434_6e-3;
const B4: f32 = 1.185_347e-4;
const B6: f32 = 1.198_258_4e-6;

/// tanh in f32: `x · p(x²) / q(x²)`, a rational approximation of degrees
/// 13/6 on |x| ≤ 7.905 (clamped beyond), and `x` itself below 4e-4.
///
/// Its largest error against the correctly rounded tanh, measured over every
/// 61st f32 bit pattern (70 million inputs, all signs and exponents), is 8
/// units in the last place, 4.6e-7 relative, at |x| ≈ 5.91 where tanh is
/// within 2e-5 of ±1 (the approximation's error is minimax in absolute
/// terms, so it shows most in ulps near saturation). The test
/// `tanh_is_within_8_ulp_everywhere` measures it. NaN gives NaN.
/// Branch-free apart from selects, so a loop of it vectorizes.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    tanh_of_clamped(x, x.clamp(-TANH_CLAMP, TANH_CLAMP))
}

/// [`tanh`] given `c`, x clamped to ±[`TANH_CLAMP`] (NaN stays NaN).
#[inline(always)]
fn tanh_of_clamped(x: f32, c: f32) -> f32 {
    let x2 = c * c;
    let mut p = x2 * A13 + A11;
    p = x2 * p + A9;
    p = x2 * p + A7;
    p = x2 * p + A5;
    p = x2 * p + A3;
    p = x2 * p + A1;
    p *= c;
    let mut q = x2 * B6 + B4;
    q = x2 * q + B2;
    q = x2 * q + B0;
    let r = p / q;
    if x.abs() < TANH_TINY {
        x
    } else {
        r
    }
}

/// [`tanh`] of every lane, in place.
#[inline(always)]
pub fn tanh_lanes(x: &mut Lanes) {
    let c = clamp_lanes(x);
    for (v, c) in x.iter_mut().zip(c) {
        *v = tanh_of_clamped(*v, c);
    }
}

/// Every lane clamped to ±[`TANH_CLAMP`], NaN kept.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn clamp_lanes(x: &Lanes) -> Lanes {
    x.map(|v| v.clamp(-TANH_CLAMP, TANH_CLAMP))
}

/// [`clamp_lanes`] in wasm, where LLVM turns `f32::clamp` (a min and a max
/// with NaN rules SIMD128 lacks) into scalar code lane by lane: SIMD128's
/// `pmin(a, b) = b < a ? b : a` and `pmax(a, b) = a < b ? b : a`, which give
/// the same numbers, NaN included (every comparison with NaN is false).
#[cfg(target_arch = "wasm32")]
#[inline(always)]
fn clamp_lanes(x: &Lanes) -> Lanes {
    use core::arch::wasm32::{f32x4, f32x4_extract_lane, f32x4_pmax, f32x4_pmin, f32x4_splat};
    let (hi, lo) = (f32x4_splat(TANH_CLAMP), f32x4_splat(-TANH_CLAMP));
    let mut out = [0.0; LANES];
    for (o, v) in out.chunks_exact_mut(4).zip(x.chunks_exact(4)) {
        let c = f32x4_pmax(f32x4_pmin(f32x4(v[0], v[1], v[2], v[3]), hi), lo);
        o.copy_from_slice(&[
            f32x4_extract_lane::<0>(c),
            f32x4_extract_lane::<1>(c),
            f32x4_extract_lane::<2>(c),
            f32x4_extract_lane::<3>(c),
        ]);
    }
    out
}

/// `acc[l] += a * x[l]` for every lane (a multiply, then an add: never fused).
#[inline(always)]
pub fn axpy(acc: &mut Lanes, a: f32, x: &Lanes) {
    for l in 0..LANES {
        acc[l] += a * x[l];
    }
}

/// The one-hidden-layer tanh block `out = W2 tanh(W1 y + b1) + b2` for
/// [`LANES`] inputs at once: `y` and `out` hold `d ≤ N` lane groups,
/// `weights` is `[W1 (w × d), b1 (w), W2 (d × w), b2 (d)]`, row-major (the
/// layout the GPU kernels read). The hidden units are visited in order, each
/// formed, squashed and added into every output at once, so nothing of
/// width w is stored; every sum is in ascending order, multiply then add.
#[inline(always)]
pub fn tanh_block<const N: usize>(y: &[Lanes; N], d: usize, w: usize, weights: &[f32], out: &mut [Lanes; N]) {
    let (b1, w2) = (w * d, w * d + w);
    let b2 = w2 + d * w;
    for o in 0..d {
        out[o] = [weights[b2 + o]; LANES];
    }
    for u in 0..w {
        let mut z = [weights[b1 + u]; LANES];
        for q in 0..d {
            axpy(&mut z, weights[u * d + q], &y[q]);
        }
        tanh_lanes(&mut z);
        for o in 0..d {
            axpy(&mut out[o], weights[w2 + o * w + u], &z);
        }
    }
}

/// The right-hand side [`rk_step`] asks for: stage `i`'s slope `k` at `y`.
///
/// A closure is one, but a hot caller should pass a type whose `slope` is
/// `#[inline(always)]`: a closure's body is its own function, compiled with
/// the features of the function it is written in, so a closure written in
/// a shared (non-AVX2) routine stays 4 lanes wide even when that routine is
/// inlined into an AVX2 copy, unless LLVM chooses to inline it there.
pub trait Slope<const N: usize> {
    fn slope(&mut self, i: usize, y: &[Lanes; N], k: &mut [Lanes; N]);
}

impl<const N: usize, F: FnMut(usize, &[Lanes; N], &mut [Lanes; N])> Slope<N> for F {
    #[inline(always)]
    fn slope(&mut self, i: usize, y: &[Lanes; N], k: &mut [Lanes; N]) {
        self(i, y, k)
    }
}

/// One step of an explicit Runge–Kutta method (at most four stages) on a
/// state of `d ≤ N` lane groups, for [`LANES`] independent trajectories:
///
///   k_i = f(i, y_i),  y_i = h + Σ_{j<i} (dt a_ij) k_j,   h ← h + Σ_i (dt b_i) k_i.
///
/// `tableau` is `[a (4 × 4, row-major), b (4)]`, zero-padded (the layout the
/// GPU kernels read); `f.slope(i, y, k)` writes stage i's slope into `k[..d]`.
/// Every sum runs over ascending j (or i), each term one multiply then one
/// add, so a WGSL loop written the same way, the native build and the wasm
/// build round alike. `k` is scratch the caller keeps between steps.
#[inline(always)]
pub fn rk_step<const N: usize>(
    h: &mut [Lanes; N],
    d: usize,
    stages: usize,
    dt: f32,
    tableau: &[f32; 20],
    k: &mut [[Lanes; N]; 4],
    mut f: impl Slope<N>,
) {
    let mut y = [[0.0f32; LANES]; N];
    for i in 0..stages {
        for o in 0..d {
            let mut acc = h[o];
            for (j, kj) in k.iter().enumerate().take(i) {
                axpy(&mut acc, dt * tableau[i * 4 + j], &kj[o]);
            }
            y[o] = acc;
        }
        f.slope(i, &y, &mut k[i]);
    }
    for o in 0..d {
        let mut acc = h[o];
        for (i, ki) in k.iter().enumerate().take(stages) {
            axpy(&mut acc, dt * tableau[16 + i], &ki[o]);
        }
        h[o] = acc;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two finite f32.
    fn ulps(a: f32, b: f32) -> u32 {
        let key = |v: f32| {
            let bits = v.to_bits() as i32;
            if bits < 0 {
                i32::MIN - bits
            } else {
                bits
            }
        };
        (key(a) as i64 - key(b) as i64).unsigned_abs() as u32
    }

    #[test]
    fn tanh_is_within_8_ulp_everywhere() {
        // The reference: tanh in f64 (libm), rounded once to f32.
        let mut worst = (0u32, 0.0f32);
        let mut worst_rel = 0.0f64;
        let mut checked = 0u64;
        for bits in (0..=u32::MAX).step_by(61) {
            let x = f32::from_bits(bits);
            if x.is_nan() {
                assert!(tanh(x).is_nan());
                continue;
            }
            let want = libm::tanh(x as f64) as f32;
            let got = tanh(x);
            let e = ulps(got, want);
            if e > worst.0 {
                worst = (e, x);
            }
            if want != 0.0 {
                worst_rel = worst_rel.max(((got as f64 - libm::tanh(x as f64)) / libm::tanh(x as f64)).abs());
            }
            checked += 1;
        }
        assert!(checked > 60_000_000, "{checked}");
        eprintln!("tanh: {checked} inputs, worst {} ulp at {}, worst relative error {worst_rel:.2e}", worst.0, worst.1);
        assert!(worst.0 <= 8, "tanh({}) is {} ulp off", worst.1, worst.0);
        // Control: the check sees a 1-ulp change.
        assert_eq!(ulps(0.5, f32::from_bits(0.5f32.to_bits() + 1)), 1);
        assert_eq!(tanh(100.0), 1.0);
        assert_eq!(tanh(-100.0), -1.0);
        assert_eq!(tanh(0.0).to_bits(), 0.0f32.to_bits());
    }

    #[test]
    fn lanes_give_the_scalar_bits() {
        let mut x: Lanes = [-9.0, -1.5, -0.3, -1e-5, 0.0, 2e-4, 0.7, 5.0];
        let want: Vec<u32> = x.iter().map(|&v| tanh(v).to_bits()).collect();
        tanh_lanes(&mut x);
        assert_eq!(x.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), want);
        let mut acc = [1.0; LANES];
        axpy(&mut acc, 0.1, &[3.0; LANES]);
        assert_eq!(acc[0], 1.0 + 0.1 * 3.0);
    }

    /// Classical RK4 on y' = −y, lane l starting at l + 1: after n steps of
    /// dt every lane is (1 − dt + dt²/2 − dt³/6 + dt⁴/24)ⁿ times its start,
    /// to f32 rounding; Euler (one stage, b = 1) gives (1 − dt)ⁿ, the control.
    #[test]
    fn rk_step_integrates_a_linear_decay() {
        let mut rk4 = [0.0f32; 20];
        (rk4[4], rk4[9], rk4[14]) = (0.5, 0.5, 1.0);
        rk4[16..20].copy_from_slice(&[1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0]);
        let mut euler = [0.0f32; 20];
        euler[16] = 1.0;
        let dt = 0.1f32;
        for (tableau, stages, factor) in
            [(rk4, 4, 1.0 - dt + dt * dt / 2.0 - dt.powi(3) / 6.0 + dt.powi(4) / 24.0), (euler, 1, 1.0 - dt)]
        {
            let mut h = [[0.0f32; LANES]; 2];
            h[0] = std::array::from_fn(|l| l as f32 + 1.0);
            let mut k = [[[0.0f32; LANES]; 2]; 4];
            for _ in 0..10 {
                rk_step(&mut h, 1, stages, dt, &tableau, &mut k, |_, y: &[Lanes; 2], k: &mut [Lanes; 2]| {
                    k[0] = y[0].map(|v| -v);
                });
            }
            for l in 0..LANES {
                let want = (l as f32 + 1.0) * factor.powi(10);
                assert!((h[0][l] - want).abs() < 1e-5 * want, "{stages} stages, lane {l}: {} vs {want}", h[0][l]);
            }
            assert_eq!(h[1], [0.0; LANES], "only d = 1 components move");
        }
    }

    /// The block against the formula in f64 (libm's tanh), with weights
    /// that tell every index apart; the control reads W1 transposed and
    /// misses by far more than rounding.
    #[test]
    fn tanh_block_is_w2_tanh_w1_y_plus_b1_plus_b2() {
        let (d, w) = (3, 5);
        let weights: Vec<f32> = (0..2 * w * d + w + d).map(|i| ((i * 7 % 11) as f32 - 5.0) * 0.13).collect();
        let mut y = [[0.0f32; LANES]; 4];
        for (q, yq) in y.iter_mut().enumerate().take(d) {
            *yq = std::array::from_fn(|l| (q as f32 - 1.0) * 0.4 + l as f32 * 0.05);
        }
        let mut out = [[0.0f32; LANES]; 4];
        tanh_block(&y, d, w, &weights, &mut out);
        let formula = |transposed: bool, o: usize, l: usize| {
            let at = |u: usize, q: usize| if transposed { q * w + u } else { u * d + q } % (w * d);
            let (b1, w2, b2) = (w * d, w * d + w, w * d + w + d * w);
            (0..w).fold(weights[b2 + o] as f64, |acc, u| {
                let z = (0..d).fold(weights[b1 + u] as f64, |z, q| z + weights[at(u, q)] as f64 * y[q][l] as f64);
                acc + weights[w2 + o * w + u] as f64 * libm::tanh(z)
            })
        };
        let mut control = 0.0f64;
        for o in 0..d {
            for l in 0..LANES {
                assert!((out[o][l] as f64 - formula(false, o, l)).abs() < 1e-5, "output {o}, lane {l}");
                control = control.max((out[o][l] as f64 - formula(true, o, l)).abs());
            }
        }
        assert!(control > 1e-2, "the transposed reading differs by only {control}");
        assert_eq!(out[3], [0.0; LANES], "outputs beyond d stay untouched");
    }
}
