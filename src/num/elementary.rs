//! `expm1` and `tanh` in f64, ours, so that training gives the same bits in
//! the page (wasm) and in the CLI (native) and does not wait on the platform's
//! libm (glibc's `tanh` was two thirds of the depth lab's training time).
//!
//! Both are plain IEEE arithmetic in a fixed order (no FMA, no table, no
//! platform call): the same code gives the same bits on every target.
//!
//! - `expm1(x)`: x = k ln 2 + r with k the nearest integer to x / ln 2 and
//!   |r| ≤ ln 2 / 2, or k = 0 and r = x for |x| < 1/2 (ln 2 split in two
//!   parts, Cody–Waite, so r is exact to
//!   about 2⁻¹⁰⁰ of x); e^r − 1 by its Taylor series to r¹⁴ (the first term
//!   left out is below 2⁻⁵⁶ of the result), evaluated by Estrin's scheme;
//!   then e^x − 1 = 2^k (e^r − 1) + (2^k − 1).
//! - `tanh(x) = sign(x) · e / (e + 2)` with e = expm1(2|x|); its Taylor
//!   series to x⁷ below |x| = 2⁻¹⁰; ±1 beyond |x| = 22 (where tanh rounds
//!   to ±1).
//!
//! Errors against libm (itself within 1 ulp of the exact value), measured by
//! the tests over 2 million inputs spread across the exponents 2⁻⁴⁰ … 2¹⁰:
//! at most 2 ulp for `expm1` and 4 ulp for `tanh` (about 9e-16 relative; the
//! rounding of e = expm1(2|x|) passes into e / (e + 2)).

const LN2_HI: f64 = 0.693_147_180_369_123_8; // ln 2 rounded to 32 bits
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10; // ln 2 − LN2_HI
const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// 1.5 · 2⁵²: adding and subtracting it rounds to the nearest integer.
const ROUND: f64 = 6_755_399_441_055_744.0;

/// 1 / n!, n = 0 … 14, each correctly rounded.
#[rustfmt::skip]
const INV_FACTORIAL: [f64; 15] = [
    1.0, 1.0, 0.5, 0.16666666666666666, 0.041666666666666664, 0.008333333333333333, 0.001388888888888889, 0.0001984126984126984, 2.48015873015873e-05, 2.7557319223985893e-06, 2.755731922398589e-07, 2.505210838544172e-08, 2.08767569878681e-09, 1.6059043836821613e-10, 1.1470745597729725e-11,
];

/// e^x − 1, accurate for small x where `exp(x) - 1.0` loses digits.
#[inline(always)]
pub fn expm1(x: f64) -> f64 {
    if x > 709.0 {
        return if x > 709.782_712_893_384 { f64::INFINITY } else { expm1_large(x) };
    }
    if x < -40.0 {
        return -1.0;
    }
    if x.is_nan() {
        return x;
    }
    expm1_core(x)
}

/// e^x − 1 for −40 ≤ x ≤ 709, without branches (so a loop of it vectorizes).
#[inline(always)]
fn expm1_core(x: f64) -> f64 {
    // k = round(x / ln 2), as ROUND + k, whose low bits are k; k = 0 for
    // |x| < 1/2 (r = x: no cancellation in the reconstruction below, and
    // the series still converges to 2⁻⁵⁵ there).
    let t = if x.abs() < 0.5 { ROUND } else { x * LOG2_E + ROUND };
    let kf = t - ROUND;
    let r = (x - kf * LN2_HI) - kf * LN2_LO;
    // e^r − 1 = r + r² q(r), q(r) = Σ r^n / (n + 2)!, n = 0 … 12: the
    // leading r is exact and the rounding of q shrinks with r. q by
    // Estrin's scheme (pairs, then quads, then eights: short dependency
    // chains).
    let c = &INV_FACTORIAL;
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let q0 = (c[2] + c[3] * r) + (c[4] + c[5] * r) * r2;
    let q1 = (c[6] + c[7] * r) + (c[8] + c[9] * r) * r2;
    let q2 = (c[10] + c[11] * r) + (c[12] + c[13] * r) * r2;
    let q = (q0 + q1 * r4) + (q2 + c[14] * r4) * r8;
    let em1 = r + r2 * q;
    // 2^k from k's bits, in integer arithmetic (vectorizes where a
    // float-to-integer conversion would not).
    let k = t.to_bits().wrapping_sub(ROUND.to_bits());
    let two_k = f64::from_bits(k.wrapping_add(1023) << 52);
    two_k * em1 + (two_k - 1.0)
}

/// e^x − 1 for 709 < x ≤ 709.78, where 2^k itself would overflow: two halves.
fn expm1_large(x: f64) -> f64 {
    let half = expm1(x / 2.0) + 1.0;
    half * half
}

/// tanh(x); NaN gives NaN, and the sign of zero is kept. Branch-free (both
/// forms computed, one selected), so a loop of it vectorizes.
#[inline(always)]
pub fn tanh(x: f64) -> f64 {
    // min(|x|, 22) as a comparison, not `f64::min`: wasm has no scalar
    // instruction with `min`'s NaN rule, so LLVM calls `fmin` lane by lane
    // there and the loop loses its SIMD. (NaN is returned as x below.)
    let a = x.abs();
    let a = if a > 22.0 { 22.0 } else { a };
    // a − a³/3 + 2a⁵/15 − 17a⁷/315: below 2⁻¹⁰ the next term is below 2⁻⁷⁰ of a.
    let a2 = a * a;
    let series = a + a * (a2 * (-1.0 / 3.0 + a2 * (2.0 / 15.0 + a2 * (-17.0 / 315.0))));
    // Above: e / (e + 2), e = e^{2a} − 1; at a = 22, e + 2 = e and this is 1.
    let e = expm1_core(2.0 * a);
    let ratio = e / (e + 2.0);
    let t = if a < SMALL { series } else { ratio };
    if x.is_nan() {
        x
    } else {
        t.copysign(x)
    }
}

/// tanh of every element, in place: [`tanh`] over the slice, compiled for
/// AVX2 where the CPU has it (the same operations: the same bits).
pub fn tanh_in_place(xs: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        unsafe { tanh_in_place_avx2(xs) };
        return;
    }
    tanh_loop(xs);
}

/// The loop in groups of [`GROUP`] elements, each group's tanh written out
/// lane by lane, so the compiler keeps every lane's operations side by side
/// (four f64x2 in wasm, two f64x4 with AVX2). Each element still gets the
/// very same operations, so the bits are those of `tanh` one at a time. Why
/// groups: Chromium 148's wasm compiler ran the plain loop 1.43 × slower than
/// Node 20's (it was 45 % of a Koopman run in the page), and groups of 8
/// ran 1.3 × faster there and 1.1 × faster in Node (groups of 2: 1.15 × in
/// Chromium; of 16: slower in both). Measured on 512 inputs in [−3, 3].
#[inline(always)]
fn tanh_loop(xs: &mut [f64]) {
    let mut groups = xs.chunks_exact_mut(GROUP);
    for g in &mut groups {
        let mut x = [0.0; GROUP];
        x.copy_from_slice(g);
        g.copy_from_slice(&x.map(tanh));
    }
    for x in groups.into_remainder() {
        *x = tanh(*x);
    }
}

/// Elements a group of [`tanh_loop`].
const GROUP: usize = 8;

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn tanh_in_place_avx2(xs: &mut [f64]) {
    tanh_loop(xs);
}

/// Below this |x|, `tanh` takes its Taylor series (e / (e + 2) would add
/// expm1's rounding to a result of about the same size).
const SMALL: f64 = 1.0 / 1024.0;

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two finite f64.
    fn ulps(a: f64, b: f64) -> u64 {
        let key = |v: f64| {
            let bits = v.to_bits() as i64;
            if bits < 0 {
                i64::MIN - bits
            } else {
                bits
            }
        };
        (key(a) as i128 - key(b) as i128).unsigned_abs() as u64
    }

    /// 2 million inputs: every exponent from 2⁻⁴⁰ to 2¹⁰, both signs, with
    /// pseudo-random mantissas.
    fn inputs() -> impl Iterator<Item = f64> {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        (0..2_000_000).map(move |i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let exponent = (i % 51) - 40;
            let mantissa = 1.0 + (state >> 11) as f64 / (1u64 << 53) as f64;
            let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
            sign * mantissa * 2f64.powi(exponent)
        })
    }

    #[test]
    fn expm1_and_tanh_are_within_a_few_ulp_of_libm() {
        let (mut worst_e, mut worst_t) = ((0, 0.0), (0, 0.0));
        for x in inputs() {
            if x < 700.0 {
                let e = ulps(expm1(x), libm::expm1(x));
                if e > worst_e.0 {
                    worst_e = (e, x);
                }
            }
            let t = ulps(tanh(x), libm::tanh(x));
            if t > worst_t.0 {
                worst_t = (t, x);
            }
        }
        eprintln!("expm1: worst {} ulp at {}; tanh: worst {} ulp at {}", worst_e.0, worst_e.1, worst_t.0, worst_t.1);
        assert!(worst_e.0 <= 2, "expm1({}) is {} ulp off", worst_e.1, worst_e.0);
        assert!(worst_t.0 <= 4, "tanh({}) is {} ulp off", worst_t.1, worst_t.0);
        // Control: a 1-ulp change is seen.
        assert_eq!(ulps(0.5, f64::from_bits(0.5f64.to_bits() + 1)), 1);
    }

    #[test]
    fn edges() {
        assert_eq!(tanh(0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(tanh(30.0), 1.0);
        assert_eq!(tanh(-1e300), -1.0);
        assert_eq!(tanh(f64::INFINITY), 1.0);
        assert!(tanh(f64::NAN).is_nan());
        assert_eq!(expm1(0.0), 0.0);
        assert_eq!(expm1(-100.0), -1.0);
        assert_eq!(expm1(800.0), f64::INFINITY);
        assert!((expm1(709.5) / libm::expm1(709.5) - 1.0).abs() < 1e-14);
        assert!(expm1(f64::NAN).is_nan());
    }

    /// The grouped loop gives each element `tanh`'s bits, in whole groups
    /// and in the remainder, edges included.
    #[test]
    fn tanh_in_place_has_the_bits_of_tanh() {
        let edges = [0.0, -0.0, 1e-5, -3e-4, 0.7, -2.5, 21.9, 30.0, f64::INFINITY, f64::NAN];
        let pool: Vec<f64> = edges.iter().copied().chain(inputs().take(500)).collect();
        for len in [0, 1, GROUP - 1, GROUP, GROUP + 3, 3 * GROUP, pool.len()] {
            let mut xs = pool[..len].to_vec();
            tanh_in_place(&mut xs);
            for (got, &x) in xs.iter().zip(&pool) {
                assert_eq!(got.to_bits(), tanh(x).to_bits(), "tanh({x}) at length {len}");
            }
        }
    }
}
