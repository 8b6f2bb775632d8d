//! Random numbers every lab draws the same way on every target.
//!
//! The generators come from `rand_chacha` (seeded per run), except
//! [`Xoshiro256`] for hot loops; what is ours is the normal sample, written
//! with `libm` so the page (wasm) and the CLI (native) draw bit-identical
//! numbers from the same seed.
//!
//! Two samplers, for two uses:
//! - [`gaussian`], one normal at a time by Box–Muller (one `log`, one `cos`
//!   and two uniforms per normal, the pair's second normal dropped): for
//!   initialisations and small draws, where the cost does not matter.
//! - [`fill_gaussian`], a slice at a time by the ziggurat (Marsaglia & Tsang
//!   2000, in Doornik's 2005 form "ZIGNOR"): the normal density is covered
//!   by 128 horizontal strips of equal area, the bottom one with the tail
//!   beyond R = 3.4426. One uniform u on (−1, 1) and a strip i (7 bits of the
//!   same 64-bit draw, bits the uniform does not use) give x = u·x_i, which
//!   is accepted at once when |u| < x_{i+1}/x_i, inside the strip's
//!   rectangle under the density (98.8 % of draws); otherwise the point is
//!   tested against the density in the strip's wedge (two `exp`s), or drawn
//!   from the tail (Marsaglia's method, two `log`s). About 3 ns a normal
//!   from [`Xoshiro256`], against 20 for the polar method it replaced: the
//!   noisy RNN draws a normal per hidden unit and time step, millions an
//!   epoch.
//!
//! Both use only IEEE-exact operations (+, ×, ÷, √) and `libm`'s
//! `log`/`exp`/`cos`, which are the same code on every target; Rust never
//! contracts a × b + c into an FMA on its own. Hence the same bits natively
//! and in wasm.

use rand::{Rng, RngCore};

/// A standard normal sample (Box–Muller).
pub fn gaussian(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    // libm: the same bits on every platform (the page and the CLI draw the same numbers).
    (-2.0 * libm::log(u1)).sqrt() * libm::cos(2.0 * std::f64::consts::PI * u2)
}

/// Fills `out` with independent standard normals by the ziggurat (see the
/// module docs), one 64-bit draw per normal except for the rare rejections.
pub fn fill_gaussian(rng: &mut impl RngCore, out: &mut [f64]) {
    let z = ziggurat();
    for o in out {
        *o = z.normal(rng);
    }
}

/// Strips of the ziggurat.
const STRIPS: usize = 128;
/// Where the tail begins, and the area of each strip (ZIGNOR's constants).
const TAIL: f64 = 3.442619855899;
const AREA: f64 = 9.91256303526217e-3;

/// The ziggurat's tables: `x[i]` the right edge of strip i (`x[0]` the
/// bottom strip's equivalent width `AREA/f(R)`, `x[1] = R`, `x[128] = 0`),
/// and `ratio[i] = x[i+1]/x[i]`, the share of strip i inside the density.
struct Ziggurat {
    x: [f64; STRIPS + 1],
    ratio: [f64; STRIPS],
}

fn ziggurat() -> &'static Ziggurat {
    static TABLES: std::sync::OnceLock<Ziggurat> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        let mut x = [0.0; STRIPS + 1];
        let mut f = libm::exp(-0.5 * TAIL * TAIL);
        x[0] = AREA / f;
        x[1] = TAIL;
        for i in 2..STRIPS {
            x[i] = (-2.0 * libm::log(AREA / x[i - 1] + f)).sqrt();
            f = libm::exp(-0.5 * x[i] * x[i]);
        }
        let ratio = std::array::from_fn(|i| x[i + 1] / x[i]);
        Ziggurat { x, ratio }
    })
}

/// A uniform on [0, 1) from the top 53 bits of a draw.
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

impl Ziggurat {
    fn normal(&self, rng: &mut impl RngCore) -> f64 {
        loop {
            let bits = rng.next_u64();
            let u = 2.0 * unit(bits) - 1.0;
            let i = (bits & (STRIPS as u64 - 1)) as usize;
            if u.abs() < self.ratio[i] {
                return u * self.x[i];
            }
            if i == 0 {
                return tail(rng, u < 0.0);
            }
            let x = u * self.x[i];
            let f0 = libm::exp(-0.5 * (self.x[i] * self.x[i] - x * x));
            let f1 = libm::exp(-0.5 * (self.x[i + 1] * self.x[i + 1] - x * x));
            if f1 + unit(rng.next_u64()) * (f0 - f1) < 1.0 {
                return x;
            }
        }
    }
}

/// A normal beyond ±[`TAIL`] (Marsaglia 1964).
fn tail(rng: &mut impl RngCore, negative: bool) -> f64 {
    loop {
        // 1 − u on (0, 1]: the logarithms stay finite.
        let x = libm::log(1.0 - unit(rng.next_u64())) / TAIL;
        let y = libm::log(1.0 - unit(rng.next_u64()));
        if -2.0 * y >= x * x {
            return if negative { x - TAIL } else { TAIL - x };
        }
    }
}

/// xoshiro256++ (Blackman & Vigna 2019): 256 bits of state, a 64-bit draw
/// in a few additions, shifts and rotations, about 1 ns against ChaCha8's 4
/// here. Not cryptographic, which no lab needs; used where a loop draws
/// millions of numbers an epoch (the noisy RNN's noise). Seeded from a u64
/// by SplitMix64, as its authors recommend.
#[derive(Clone, Debug)]
pub struct Xoshiro256 {
    s: [u64; 4],
}

impl Xoshiro256 {
    pub fn seed_from_u64(mut seed: u64) -> Xoshiro256 {
        let mut splitmix = || {
            seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = seed;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        Xoshiro256 { s: [splitmix(), splitmix(), splitmix(), splitmix()] }
    }
}

impl RngCore for Xoshiro256 {
    fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let out = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }

    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            chunk.copy_from_slice(&self.next_u64().to_le_bytes()[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// Kolmogorov–Smirnov distance between the sample's empirical CDF and
    /// the standard normal's.
    fn ks_to_normal(mut xs: Vec<f64>) -> f64 {
        xs.sort_by(f64::total_cmp);
        let n = xs.len() as f64;
        let phi = |x: f64| 0.5 * (1.0 + libm::erf(x / std::f64::consts::SQRT_2));
        xs.iter().enumerate().fold(0.0f64, |d, (i, &x)| {
            let p = phi(x);
            d.max((p - i as f64 / n).abs()).max(((i + 1) as f64 / n - p).abs())
        })
    }

    #[test]
    fn both_samplers_draw_standard_normals() {
        let n = 100_000;
        // 1.63/√n is the KS test's 1 % critical value.
        let critical = 1.63 / (n as f64).sqrt();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut filled = vec![0.0; n];
        fill_gaussian(&mut Xoshiro256::seed_from_u64(7), &mut filled);
        let single: Vec<f64> = (0..n).map(|_| gaussian(&mut rng)).collect();
        for (name, xs) in [("fill_gaussian", &filled), ("gaussian", &single)] {
            let d = ks_to_normal(xs.clone());
            assert!(d < critical, "{name}: KS distance {d} ≥ {critical}");
        }
        // Control: uniform samples with the same mean and variance are
        // rejected by the same test.
        let uniform: Vec<f64> = (0..n).map(|_| 3f64.sqrt() * (2.0 * rng.random::<f64>() - 1.0)).collect();
        assert!(ks_to_normal(uniform) > critical);
        // Neighbouring normals are independent: their product averages to
        // zero (its standard error is 1/√(n/2)), and so does |x||y| − 2/π
        // (a sampler whose neighbours shared a scale, as the polar method's
        // pairs would if broken, shows there) — check both.
        let m = (n / 2) as f64;
        let prod: f64 = filled.chunks(2).map(|p| p[0] * p[1]).sum::<f64>() / m;
        let abs: f64 = filled.chunks(2).map(|p| p[0].abs() * p[1].abs()).sum::<f64>() / m;
        assert!(prod.abs() < 4.0 / m.sqrt(), "pair correlation {prod}");
        // E|x|·E|y| = 2/π for independent normals; Var(|x||y|) = 1 − 4/π².
        let sd = (1.0 - 4.0 / std::f64::consts::PI.powi(2)).sqrt() / m.sqrt();
        assert!((abs - 2.0 / std::f64::consts::PI).abs() < 4.0 * sd, "E|x||y| = {abs}");
    }

    /// The reference implementation's first outputs from the state
    /// (1, 2, 3, 4) (`xoshiro256plusplus.c`, as `rand_xoshiro` tests them).
    #[test]
    fn xoshiro_matches_its_reference() {
        let mut rng = Xoshiro256 { s: [1, 2, 3, 4] };
        let first: Vec<u64> = (0..10).map(|_| rng.next_u64()).collect();
        assert_eq!(
            first,
            [
                41943041,
                58720359,
                3588806011781223,
                3591011842654386,
                9228616714210784205,
                9973669472204895162,
                14011001112246962877,
                12406186145184390807,
                15849039046786891736,
                10450023813501588000
            ]
        );
    }

    /// The ziggurat's tail and wedges are drawn as often as the normal
    /// says: |x| > R = 3.4426 has probability 5.76e-4, and the fraction
    /// of a million draws beyond it is within four standard errors; the
    /// fourth moment is 3. The control: without its tail (x clamped to the
    /// strips) the same sample fails both.
    #[test]
    fn the_ziggurat_draws_the_tails() {
        let n = 1_000_000;
        let mut xs = vec![0.0; n];
        fill_gaussian(&mut Xoshiro256::seed_from_u64(11), &mut xs);
        let p = libm::erfc(TAIL / std::f64::consts::SQRT_2);
        let sd = (p * (1.0 - p) / n as f64).sqrt();
        let beyond = |xs: &[f64]| xs.iter().filter(|x| x.abs() > TAIL).count() as f64 / n as f64;
        let kurtosis = |xs: &[f64]| xs.iter().map(|x| x.powi(4)).sum::<f64>() / n as f64;
        assert!((beyond(&xs) - p).abs() < 4.0 * sd, "tail {} against {p}", beyond(&xs));
        assert!((kurtosis(&xs) - 3.0).abs() < 0.05, "E x⁴ = {}", kurtosis(&xs));
        let clamped: Vec<f64> = xs.iter().map(|x| x.clamp(-TAIL, TAIL)).collect();
        assert!(beyond(&clamped) == 0.0 && (kurtosis(&clamped) - 3.0).abs() > 0.01);
    }

    #[test]
    fn fill_gaussian_is_a_fixed_stream() {
        // The same seed gives the same bits, and a prefix of a longer fill
        // is the shorter fill (normals are written in order).
        let draw = |len| {
            let mut v = vec![0.0; len];
            fill_gaussian(&mut Xoshiro256::seed_from_u64(3), &mut v);
            v
        };
        let (short, long) = (draw(10), draw(1000));
        assert_eq!(short[..], long[..10]);
        assert_ne!(draw(10), {
            let mut v = vec![0.0; 10];
            fill_gaussian(&mut Xoshiro256::seed_from_u64(4), &mut v);
            v
        });
    }
}
