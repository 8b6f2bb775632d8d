//! Heartbeats drawn from the seed, in the spirit of ECG5000 (no download):
//! sequences of length [`LENGTH`] = 140, two classes that differ in the width
//! of the QRS complex and the height of the T wave.
//!
//! A beat is a sum of Gaussian bumps at fixed phases of the window:
//! P (small, positive), Q (small, negative), R (tall), S (negative), T. The
//! classes:
//!
//! | class | QRS width (samples) | T-wave height |
//! |-------|---------------------|---------------|
//! | 0 "normal" | U(2.0, 3.2) | U(0.25, 0.50) |
//! | 1 "abnormal" | U(2.8, 4.6) | U(−0.10, 0.30) |
//!
//! The ranges overlap, so no single feature separates the classes exactly.
//! Every beat also gets a timing jitter (the whole beat shifted by U(−6, 6)
//! samples), an amplitude jitter (× U(0.8, 1.2)), a baseline wander (a
//! sinusoid of amplitude U(0, 0.3), period U(80, 300) samples, random phase)
//! and white noise of σ = 0.03; then each sequence is z-normalised (mean 0,
//! standard deviation 1), as ECG5000's are.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::num::rng::gaussian;

/// Samples per sequence.
pub const LENGTH: usize = 140;
/// Classes.
pub const CLASSES: usize = 2;
pub const TRAIN: usize = 500;
pub const TEST: usize = 2000;

/// Sequences (`n × LENGTH`, row-major) and their labels.
#[derive(Clone, Debug)]
pub struct Beats {
    pub x: Vec<f64>,
    pub y: Vec<usize>,
}

impl Beats {
    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    pub fn sequence(&self, i: usize) -> &[f64] {
        &self.x[i * LENGTH..(i + 1) * LENGTH]
    }

    /// `count` heartbeats, classes alternating, from `rng`.
    pub fn draw(count: usize, rng: &mut impl Rng) -> Beats {
        let mut x = Vec::with_capacity(count * LENGTH);
        let y: Vec<usize> = (0..count).map(|i| i % CLASSES).collect();
        for &class in &y {
            x.extend(beat(class, rng));
        }
        Beats { x, y }
    }
}

/// The training and test sets of a seed.
pub fn data(seed: u64) -> (Beats, Beats) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xec9);
    let train = Beats::draw(TRAIN, &mut rng);
    let test = Beats::draw(TEST, &mut rng);
    (train, test)
}

fn bump(t: f64, centre: f64, width: f64) -> f64 {
    let z = (t - centre) / width;
    libm::exp(-0.5 * z * z)
}

/// One z-normalised beat of `class`.
pub fn beat(class: usize, rng: &mut impl Rng) -> Vec<f64> {
    let (qrs, t_height) = if class == 0 {
        (rng.random_range(2.0..3.2), rng.random_range(0.25..0.50))
    } else {
        (rng.random_range(2.8..4.6), rng.random_range(-0.10..0.30))
    };
    let shift: f64 = rng.random_range(-6.0..6.0);
    let gain: f64 = rng.random_range(0.8..1.2);
    let wander: f64 = rng.random_range(0.0..0.3);
    let period: f64 = rng.random_range(80.0..300.0);
    let phase: f64 = rng.random_range(0.0..std::f64::consts::TAU);
    let r = 45.0 + shift;
    let mut out: Vec<f64> = (0..LENGTH)
        .map(|i| {
            let t = i as f64;
            let heart = 0.15 * bump(t, r - 22.0, 5.0) - 0.15 * bump(t, r - 1.6 * qrs, 0.6 * qrs)
                + 1.0 * bump(t, r, qrs)
                - 0.3 * bump(t, r + 1.8 * qrs, 0.7 * qrs)
                + t_height * bump(t, r + 45.0, 9.0);
            gain * heart + wander * libm::sin(std::f64::consts::TAU * t / period + phase) + 0.03 * gaussian(rng)
        })
        .collect();
    let mean = out.iter().sum::<f64>() / LENGTH as f64;
    let sd = (out.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / LENGTH as f64).sqrt();
    for v in &mut out {
        *v = (*v - mean) / sd;
    }
    out
}
