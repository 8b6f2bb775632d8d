//! Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as
//! easy as 1, 2, 3", SC 2011): a counter-based generator. Block `(c, k)` —
//! a 128-bit counter and a 64-bit key — maps to four 32-bit words by ten
//! rounds of two 32 × 32 → 64-bit multiplications, so any path and step can
//! draw its numbers without a stream to carry: the GPU (`paths_kernel.wgsl`) and
//! the CPU compute the same words for the same `(path, step)`.
//!
//! WGSL has no 64-bit integers, so the shader forms the high word of a
//! product from 16-bit halves; [`mulhilo16`] is that computation in Rust and
//! the tests check it against the 64-bit product.
//!
//! Normal samples: two words give `u = ((w >> 8) + ½)·2⁻²⁴ ∈ (0, 1)` each
//! (exact in f32) and Box–Muller gives two normals; one block gives four.

pub const M0: u32 = 0xD251_1F53;
pub const M1: u32 = 0xCD9E_8D57;
pub const W0: u32 = 0x9E37_79B9;
pub const W1: u32 = 0xBB67_AE85;

/// High and low words of `a·b`.
pub fn mulhilo(a: u32, b: u32) -> (u32, u32) {
    let p = a as u64 * b as u64;
    ((p >> 32) as u32, p as u32)
}

/// [`mulhilo`] from 16-bit halves, as the shader computes it.
pub fn mulhilo16(a: u32, b: u32) -> (u32, u32) {
    let (a0, a1, b0, b1) = (a & 0xffff, a >> 16, b & 0xffff, b >> 16);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (p00 >> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    (p11 + (p01 >> 16) + (p10 >> 16) + (mid >> 16), a.wrapping_mul(b))
}

/// The block of counter `c` under key `k`.
pub fn philox(mut c: [u32; 4], mut k: [u32; 2]) -> [u32; 4] {
    for round in 0..10 {
        if round > 0 {
            k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
        }
        let (hi0, lo0) = mulhilo(M0, c[0]);
        let (hi1, lo1) = mulhilo(M1, c[2]);
        c = [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0];
    }
    c
}

/// A uniform number in (0, 1) from a word.
pub fn uniform(w: u32) -> f32 {
    ((w >> 8) as f32 + 0.5) * (1.0 / 16_777_216.0)
}

/// Four standard normals from one block (Box–Muller on two pairs), in f32
/// with `libm`: the same bits in the page and natively.
pub fn normals(w: [u32; 4]) -> [f32; 4] {
    let pair = |a: u32, b: u32| {
        let r = libm::sqrtf(-2.0 * libm::logf(uniform(a)));
        let (s, c) = libm::sincosf(std::f32::consts::TAU * uniform(b));
        (r * c, r * s)
    };
    let (z0, z1) = pair(w[0], w[1]);
    let (z2, z3) = pair(w[2], w[3]);
    [z0, z1, z2, z3]
}
