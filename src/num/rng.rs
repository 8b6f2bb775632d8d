//! Random numbers every lab draws the same way on every target.
//!
//! The generators themselves come from `rand_chacha` (seeded per run); what
//! is ours is the normal sample, written with `libm` so the page (wasm) and
//! the CLI (native) draw bit-identical numbers from the same seed.

use rand::Rng;

/// A standard normal sample (Box–Muller).
pub fn gaussian(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    // libm: the same bits on every platform (the page and the CLI draw the same numbers).
    (-2.0 * libm::log(u1)).sqrt() * libm::cos(2.0 * std::f64::consts::PI * u2)
}
