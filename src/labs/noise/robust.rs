//! Perturbed test inputs for the noisy RNN: additive Gaussian `x + σξ`,
//! multiplicative Gaussian `x(1 + σξ)`, and salt-and-pepper (each sample,
//! with probability `p`, replaced by its sequence's maximum or minimum, with
//! equal chance). Each condition draws from its own stream of the seed, so
//! both models, the page and the CLI see the same perturbed sequences.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::ecg::{Beats, LENGTH};
use crate::num::rng::gaussian;

/// A kind of input perturbation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Gaussian,
    Multiplicative,
    SaltPepper,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Gaussian, Kind::Multiplicative, Kind::SaltPepper];

    /// The strengths evaluated (σ, σ, and the replaced fraction).
    pub fn levels(self) -> &'static [f64] {
        match self {
            Kind::Gaussian => &[0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5],
            Kind::Multiplicative => &[0.0, 0.25, 0.5, 1.0, 1.5],
            Kind::SaltPepper => &[0.0, 0.05, 0.1, 0.2],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Gaussian => "gaussian",
            Kind::Multiplicative => "multiplicative",
            Kind::SaltPepper => "salt_pepper",
        }
    }
}

/// Every (kind, level) evaluated, in report order.
pub fn conditions() -> Vec<(Kind, f64)> {
    Kind::ALL.iter().flat_map(|&k| k.levels().iter().map(move |&l| (k, l))).collect()
}

/// The conditions evaluated: level 0 of every kind is the same clean test
/// set, so it comes once, first, then each perturbation above 0.
pub fn unique_conditions() -> Vec<(Kind, f64)> {
    std::iter::once((Kind::Gaussian, 0.0)).chain(conditions().into_iter().filter(|c| c.1 > 0.0)).collect()
}

/// Results of [`unique_conditions`] laid out in [`conditions`] order.
pub fn expand<T: Copy>(unique: &[T]) -> Vec<T> {
    let mut perturbed = unique[1..].iter();
    conditions()
        .into_iter()
        .map(|(_, level)| if level > 0.0 { *perturbed.next().expect("one per condition") } else { unique[0] })
        .collect()
}

/// `data` perturbed by `kind` at `level`, from the stream of `seed`.
pub fn perturb(data: &Beats, kind: Kind, level: f64, seed: u64) -> Beats {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9e77 ^ ((kind as u64) << 40) ^ level.to_bits());
    let mut x = data.x.clone();
    if level > 0.0 {
        for row in x.chunks_exact_mut(LENGTH) {
            let (lo, hi) = row.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
            for v in row.iter_mut() {
                match kind {
                    Kind::Gaussian => *v += level * gaussian(&mut rng),
                    Kind::Multiplicative => *v *= 1.0 + level * gaussian(&mut rng),
                    Kind::SaltPepper => {
                        if rng.random::<f64>() < level {
                            *v = if rng.random::<bool>() { hi } else { lo };
                        }
                    }
                }
            }
        }
    }
    Beats { x, y: data.y.clone() }
}
