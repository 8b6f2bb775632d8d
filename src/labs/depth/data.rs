//! The depth lab's classification datasets, each split from a seed.
//!
//! **Points** (`spiral`, `moons`, …): two-dimensional, of order 1 in size,
//! with Gaussian noise of the link's standard deviation on each coordinate.
//! **Images**: `digits`, the UCI handwritten digits (8 × 8, 1,797 real
//! images, [`crate::num::digits`]), and `shapes`, six grey shapes drawn at
//! random places, sizes and angles on 16 × 16 pixels
//! ([`crate::num::shapes::scene`]), 200 per class; the noise knob adds
//! Gaussian noise to every pixel. A quarter of each set, chosen by a seeded
//! shuffle, is held out for testing.

use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::num::rng::gaussian;

/// A labelled set of 2D points or of square one-channel images.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// `n × 2` coordinates, or `n × side²` pixels (row by row).
    pub x: Array2<f64>,
    /// Class of each point, `0..classes`.
    pub y: Array1<usize>,
    pub classes: usize,
    /// The images' side; `None` for points.
    pub side: Option<usize>,
}

/// A train / test split of one generated dataset.
#[derive(Clone, Debug)]
pub struct Split {
    pub train: Dataset,
    pub test: Dataset,
}

/// The point datasets (`pendulum` is the separate learned-dynamics study).
pub const NAMES: [&str; 5] = ["spiral", "moons", "circles", "xor", "blobs"];
/// The image datasets.
pub const IMAGES: [&str; 2] = ["digits", "shapes"];
/// The shapes set's classes: indices into `num::shapes::NAMES`.
pub const SHAPE_CLASSES: [usize; 6] = [0, 3, 1, 2, 8, 6];
const SHAPES_PER_CLASS: usize = 200;
const SHAPES_SIDE: usize = 16;

/// Points generated in total; a quarter are held out for testing.
pub const POINTS: usize = 800;

/// Generates `name` with `noise` and splits it, all from `seed`.
pub fn generate(name: &str, noise: f64, seed: u64) -> Option<Split> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_da7a);
    if IMAGES.contains(&name) {
        return Some(images(name, noise, &mut rng));
    }
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
    Some(split(&x, &y, classes, None, &mut rng))
}

/// Shuffles the rows of `x` and `y` with `rng`; the last quarter is the test set.
fn split(x: &Array2<f64>, y: &Array1<usize>, classes: usize, side: Option<usize>, rng: &mut ChaCha8Rng) -> Split {
    let n = x.nrows();
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    let take = |idx: &[usize]| Dataset {
        x: Array2::from_shape_fn((idx.len(), x.ncols()), |(r, c)| x[(idx[r], c)]),
        y: idx.iter().map(|&r| y[r]).collect(),
        classes,
        side,
    };
    let cut = n * 3 / 4;
    Split { train: take(&order[..cut]), test: take(&order[cut..]) }
}

/// An image set (`digits` or `shapes`) with pixel noise of standard
/// deviation `noise`, split by `rng`.
fn images(name: &str, noise: f64, rng: &mut ChaCha8Rng) -> Split {
    let (mut pixels, labels, side, classes) = if name == "digits" {
        let (x, y) = crate::num::digits::all();
        (x, y, crate::num::digits::SIDE, crate::num::digits::CLASSES)
    } else {
        let labels: Vec<usize> = (0..SHAPES_PER_CLASS * SHAPE_CLASSES.len()).map(|i| i % SHAPE_CLASSES.len()).collect();
        let x = labels.iter().flat_map(|&c| crate::num::shapes::scene(SHAPE_CLASSES[c], SHAPES_SIDE, rng)).collect();
        (x, labels, SHAPES_SIDE, SHAPE_CLASSES.len())
    };
    if noise > 0.0 {
        pixels.iter_mut().for_each(|p| *p += noise * gaussian(rng));
    }
    let x = Array2::from_shape_vec((labels.len(), side * side), pixels).expect("n × side²");
    split(&x, &Array1::from(labels), classes, Some(side), rng)
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
    fn image_sets_are_split_by_seed_and_keep_their_images() {
        let a = generate("digits", 0.0, 1).unwrap();
        let b = generate("digits", 0.0, 2).unwrap();
        assert_eq!(a.train.x.nrows() + a.test.x.nrows(), crate::num::digits::COUNT);
        assert_eq!((a.train.side, a.train.x.ncols(), a.train.classes), (Some(8), 64, 10));
        assert_ne!(a.train.y, b.train.y, "another seed, another split");
        // Every image of the set, once: the pixel sums agree whatever the split.
        let total = |s: &Split| s.train.x.sum() + s.test.x.sum();
        assert!((total(&a) - total(&b)).abs() < 1e-6);
        let s = generate("shapes", 0.1, 3).unwrap();
        assert_eq!((s.train.side, s.test.x.ncols(), s.train.classes), (Some(16), 256, 6));
        assert_eq!(s.train.x.nrows() + s.test.x.nrows(), 1200);
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
