//! Two-dimensional classification datasets, generated from a seed.
//!
//! Every dataset has points of order 1 in size, a noise level (standard
//! deviation of Gaussian noise added to each coordinate), and a seeded
//! shuffle into train and test parts.

use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::num::rng::gaussian;

/// A labelled set of 2D points.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// `n × 2` coordinates.
    pub x: Array2<f64>,
    /// Class of each point, `0..classes`.
    pub y: Array1<usize>,
    pub classes: usize,
}

/// A train / test split of one generated dataset.
#[derive(Clone, Debug)]
pub struct Split {
    pub train: Dataset,
    pub test: Dataset,
}

/// The classification datasets (`pendulum` is the separate learned-dynamics study).
pub const NAMES: [&str; 5] = ["spiral", "moons", "circles", "xor", "blobs"];

/// Points generated in total; a quarter are held out for testing.
pub const POINTS: usize = 800;

/// Generates `name` with `noise` and splits it, all from `seed`.
pub fn generate(name: &str, noise: f64, seed: u64) -> Option<Split> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_da7a);
    let n = POINTS;
    let mut x = Array2::zeros((n, 2));
    let mut y = Array1::zeros(n);
    let mut classes = 2;
    for i in 0..n {
        let label = i % 2;
        let u: f64 = rng.random();
        let (px, py) = match name {
            "spiral" => {
                // Two arms of 1.25 turns each, the second rotated by π.
                let r = 0.1 + 0.9 * u;
                let angle = 2.5 * std::f64::consts::PI * u + label as f64 * std::f64::consts::PI;
                (r * angle.cos(), r * angle.sin())
            }
            "moons" => {
                let a = std::f64::consts::PI * u;
                if label == 0 {
                    (a.cos() - 0.5, a.sin() - 0.25)
                } else {
                    (0.5 - a.cos(), 0.25 - a.sin())
                }
            }
            "circles" => {
                let a = 2.0 * std::f64::consts::PI * u;
                let r = if label == 0 { 0.4 } else { 0.9 };
                (r * a.cos(), r * a.sin())
            }
            "xor" => {
                let (a, b): (f64, f64) = (rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0));
                let (a, b) = (a + 0.05 * a.signum(), b + 0.05 * b.signum());
                y[i] = usize::from(a * b < 0.0);
                (a, b)
            }
            "blobs" => {
                classes = 3;
                let c = i % 3;
                y[i] = c;
                let a = 2.0 * std::f64::consts::PI * c as f64 / 3.0;
                (0.6 * a.cos() + 0.25 * gaussian(&mut rng), 0.6 * a.sin() + 0.25 * gaussian(&mut rng))
            }
            _ => return None,
        };
        if name != "xor" && name != "blobs" {
            y[i] = label;
        }
        x[(i, 0)] = px + noise * gaussian(&mut rng);
        x[(i, 1)] = py + noise * gaussian(&mut rng);
    }
    // Seeded shuffle, then the last quarter is the test set.
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    let take = |idx: &[usize]| Dataset {
        x: Array2::from_shape_fn((idx.len(), 2), |(r, c)| x[(idx[r], c)]),
        y: idx.iter().map(|&r| y[r]).collect(),
        classes,
    };
    let cut = n * 3 / 4;
    Some(Split { train: take(&order[..cut]), test: take(&order[cut..]) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        for name in NAMES {
            let a = generate(name, 0.1, 3).unwrap();
            let b = generate(name, 0.1, 3).unwrap();
            let c = generate(name, 0.1, 4).unwrap();
            assert_eq!(a.train, b.train, "{name}");
            assert_ne!(a.train.x, c.train.x, "{name}");
            assert_eq!(a.train.x.nrows() + a.test.x.nrows(), POINTS);
        }
        assert!(generate("nope", 0.1, 1).is_none());
    }

    #[test]
    fn classes_are_balanced_and_in_range() {
        for name in NAMES {
            let s = generate(name, 0.0, 1).unwrap();
            let mut counts = vec![0usize; s.train.classes];
            for &c in s.train.y.iter().chain(s.test.y.iter()) {
                counts[c] += 1;
            }
            let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
            assert!(*lo as f64 > 0.8 * *hi as f64, "{name}: {counts:?}");
        }
    }
}
