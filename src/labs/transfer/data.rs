//! The transfer lab's images, drawn from the seed: 16 × 16 grey shapes, each
//! with a low-contrast stripe texture.
//!
//! - **Source task**: 8 shapes (disk, square, triangle, ring, plus, diamond,
//!   horizontal bar, vertical bar). Each class's stripes have their own
//!   orientation (class `c`: angle `cπ/8`): a shortcut, since the texture
//!   alone tells the class.
//! - **Target task**: 4 other shapes (cross, L, T, frame) whose stripes have
//!   a random orientation: the shortcut does not transfer.
//!
//! With `data=digits` the images are the UCI handwritten digits instead
//! ([`Data::digits`]): the source task is 0–4, the target task 5–9 (five
//! classes each), each 8 × 8 digit drawn as 2 × 2 blocks on the 16 × 16
//! canvas, with the same stripes and noise.
//!
//! A shape has a random centre (±2 px) and radius (4–6 px), drawn with 3 × 3
//! supersampling at intensity 1; the stripes are
//! `texture · cos(2π f (x cos θ + y sin θ) + φ)` with `f` = 0.3 cycles per
//! pixel and a random phase `φ`, over the whole image; Gaussian pixel noise
//! of σ = 0.05 is added. "Shape only" images have no stripes, "texture only"
//! images no shape.

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::num::rng::gaussian;
use crate::num::shapes::{self, coverage, Placement};

/// Image side, in pixels.
pub const SIDE: usize = 16;
pub const PIXELS: usize = SIDE * SIDE;
/// Classes of the source and the target task.
pub const SOURCE_CLASSES: usize = 8;
pub const TARGET_CLASSES: usize = 4;
const NOISE: f64 = 0.05;
const FREQUENCY: f64 = 0.3;

/// Names of the source shapes, then the target shapes.
pub const SHAPES: [&str; 12] = shapes::NAMES;

/// How an image is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Content {
    Both,
    ShapeOnly,
    TextureOnly,
}

/// A labelled set of images (`n × PIXELS`).
#[derive(Clone, Debug)]
pub struct Dataset {
    pub x: Array2<f64>,
    pub y: Vec<usize>,
}

/// One image of shape `shape` with stripes at angle `theta` and strength `texture`.
fn draw(shape: usize, theta: f64, texture: f64, content: Content, rng: &mut impl Rng) -> Vec<f64> {
    let cx = 7.5 + rng.random_range(-2.0..2.0);
    let cy = 7.5 + rng.random_range(-2.0..2.0);
    let radius = rng.random_range(4.0..6.0);
    let phase = rng.random_range(0.0..std::f64::consts::TAU);
    let (s, c) = libm::sincos(theta);
    let cover = if content == Content::TextureOnly {
        vec![0.0; PIXELS]
    } else {
        coverage(shape, SIDE, Placement { cx, cy, radius, angle: 0.0 })
    };
    let mut out = vec![0.0; PIXELS];
    for (i, px) in out.iter_mut().enumerate() {
        let (x, y) = ((i % SIDE) as f64, (i / SIDE) as f64);
        let stripes = if content == Content::ShapeOnly {
            0.0
        } else {
            texture * libm::cos(std::f64::consts::TAU * FREQUENCY * (x * c + y * s) + phase)
        };
        *px = cover[i] + stripes + NOISE * gaussian(rng);
    }
    out
}

/// `per_class` source images per class: class `c` has stripes at `cπ/8`.
pub fn source(per_class: usize, texture: f64, content: Content, rng: &mut impl Rng) -> Dataset {
    let mut rows = Vec::with_capacity(per_class * SOURCE_CLASSES * PIXELS);
    let mut y = Vec::new();
    for i in 0..per_class * SOURCE_CLASSES {
        let class = i % SOURCE_CLASSES;
        let theta = class as f64 * std::f64::consts::PI / SOURCE_CLASSES as f64;
        rows.extend(draw(class, theta, texture, content, rng));
        y.push(class);
    }
    Dataset { x: Array2::from_shape_vec((y.len(), PIXELS), rows).expect("n × PIXELS"), y }
}

/// `per_class` target images per class, stripes at random angles.
pub fn target(per_class: usize, texture: f64, rng: &mut impl Rng) -> Dataset {
    let mut rows = Vec::with_capacity(per_class * TARGET_CLASSES * PIXELS);
    let mut y = Vec::new();
    for i in 0..per_class * TARGET_CLASSES {
        let class = i % TARGET_CLASSES;
        let theta = rng.random_range(0.0..std::f64::consts::PI);
        rows.extend(draw(SOURCE_CLASSES + class, theta, texture, Content::Both, rng));
        y.push(class);
    }
    Dataset { x: Array2::from_shape_vec((y.len(), PIXELS), rows).expect("n × PIXELS"), y }
}

/// Every data set of one seed.
pub struct Data {
    /// Classes of the source and of the target task.
    pub source_classes: usize,
    pub target_classes: usize,
    pub source_train: Dataset,
    pub source_test: Dataset,
    pub shape_only: Dataset,
    pub texture_only: Dataset,
    /// The target's training pool (the first `n` per class are used) and test set.
    pub target_pool: Dataset,
    pub target_test: Dataset,
}

impl Data {
    pub fn new(seed: u64, texture: f64, source_per_class: usize, target_test_per_class: usize, pool: usize) -> Data {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        Data {
            source_classes: SOURCE_CLASSES,
            target_classes: TARGET_CLASSES,
            source_train: source(source_per_class, texture, Content::Both, &mut rng),
            source_test: source(100, texture, Content::Both, &mut rng),
            shape_only: source(100, texture, Content::ShapeOnly, &mut rng),
            texture_only: source(100, texture, Content::TextureOnly, &mut rng),
            target_pool: target(pool, texture, &mut rng),
            target_test: target(target_test_per_class, texture, &mut rng),
        }
    }
}

/// Digit classes of each task and the images per class of the target's pool.
pub const DIGIT_CLASSES: usize = 5;
pub const DIGITS_POOL: usize = 100;

/// `pixels` (an 8 × 8 digit, [0, 1]) on the 16 × 16 canvas as 2 × 2 blocks,
/// with stripes at `theta` of strength `texture` (none for shape-only) and
/// the noise; `None` pixels draws stripes alone (texture-only).
fn digit_image(pixels: Option<&[f64]>, theta: f64, texture: f64, rng: &mut impl Rng) -> Vec<f64> {
    let phase = rng.random_range(0.0..std::f64::consts::TAU);
    let (s, c) = libm::sincos(theta);
    (0..PIXELS)
        .map(|i| {
            let (x, y) = (i % SIDE, i / SIDE);
            let ink = pixels.map_or(0.0, |p| p[(y / 2) * 8 + x / 2]);
            let stripes =
                texture * libm::cos(std::f64::consts::TAU * FREQUENCY * (x as f64 * c + y as f64 * s) + phase);
            ink + stripes + NOISE * gaussian(rng)
        })
        .collect()
}

impl Data {
    /// The digits' data sets of one seed: each class's images in an order
    /// drawn from the seed; the source (0–4) splits 60 % training, the rest
    /// tests (its shape-only and texture-only sets are the test images
    /// without stripes, and stripes without digits); the target (5–9)
    /// keeps [`DIGITS_POOL`] per class for training, the rest tests. Sets
    /// are interleaved by class, as [`Dataset::first`] assumes.
    pub fn digits(seed: u64, texture: f64) -> Data {
        use rand::seq::SliceRandom;
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00d1_6175);
        let (x, y) = crate::num::digits::all();
        let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); 2 * DIGIT_CLASSES];
        for (i, &label) in y.iter().enumerate() {
            by_class[label].push(i);
        }
        for list in &mut by_class {
            list.shuffle(&mut rng);
        }
        let pixels = |i: usize| &x[i * 64..(i + 1) * 64];
        let angle = |c: usize| c as f64 * std::f64::consts::PI / DIGIT_CLASSES as f64;
        // Rows `range` of every class of `classes`, interleaved: (image, class) pairs.
        let interleave = |classes: std::ops::Range<usize>, from: usize, to: Option<usize>| {
            let count =
                classes.clone().map(|c| to.unwrap_or(by_class[c].len()).min(by_class[c].len())).min().unwrap_or(0);
            let mut out = Vec::new();
            for k in from..count {
                for c in classes.clone() {
                    out.push((by_class[c][k], c - classes.start));
                }
            }
            out
        };
        let split = |c: usize| by_class[c].len() * 6 / 10;
        let source_split = (0..DIGIT_CLASSES).map(split).min().unwrap_or(0);
        let set = |pairs: Vec<(usize, usize)>, content: Content, target: bool, rng: &mut ChaCha8Rng| {
            let mut rows = Vec::with_capacity(pairs.len() * PIXELS);
            let mut labels = Vec::with_capacity(pairs.len());
            for (i, class) in pairs {
                let theta = if target { rng.random_range(0.0..std::f64::consts::PI) } else { angle(class) };
                let ink = (content != Content::TextureOnly).then(|| pixels(i));
                let strength = if content == Content::ShapeOnly { 0.0 } else { texture };
                rows.extend(digit_image(ink, theta, strength, rng));
                labels.push(class);
            }
            Dataset { x: Array2::from_shape_vec((labels.len(), PIXELS), rows).expect("n × PIXELS"), y: labels }
        };
        let source = 0..DIGIT_CLASSES;
        let target = DIGIT_CLASSES..2 * DIGIT_CLASSES;
        Data {
            source_classes: DIGIT_CLASSES,
            target_classes: DIGIT_CLASSES,
            source_train: set(interleave(source.clone(), 0, Some(source_split)), Content::Both, false, &mut rng),
            source_test: set(interleave(source.clone(), source_split, None), Content::Both, false, &mut rng),
            shape_only: set(interleave(source.clone(), source_split, None), Content::ShapeOnly, false, &mut rng),
            texture_only: set(interleave(source, source_split, None), Content::TextureOnly, false, &mut rng),
            target_pool: set(interleave(target.clone(), 0, Some(DIGITS_POOL)), Content::Both, true, &mut rng),
            target_test: set(interleave(target, DIGITS_POOL, None), Content::Both, true, &mut rng),
        }
    }
}

impl Dataset {
    /// The first `per_class` examples of each class (the pool is
    /// interleaved by class, so these are its first `per_class · classes` rows).
    pub fn first(&self, per_class: usize, classes: usize) -> Dataset {
        let rows = (per_class * classes).min(self.y.len());
        Dataset { x: self.x.slice(ndarray::s![..rows, ..]).to_owned(), y: self.y[..rows].to_vec() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digits' sets: five classes each, interleaved by class, the
    /// target's pool of 100 per class; texture-only images carry no ink
    /// and shape-only ones no stripes (control: the full images carry both).
    #[test]
    fn the_digits_sets_are_interleaved_by_class_and_split_as_documented() {
        let data = Data::digits(1, 0.15);
        assert_eq!((data.source_classes, data.target_classes), (DIGIT_CLASSES, DIGIT_CLASSES));
        for set in [&data.source_train, &data.source_test, &data.target_pool, &data.target_test] {
            assert!(set.y.iter().enumerate().all(|(i, &c)| c == i % DIGIT_CLASSES));
        }
        assert_eq!(data.target_pool.y.len(), DIGITS_POOL * DIGIT_CLASSES);
        assert!(data.source_train.y.len() > data.source_test.y.len() && data.target_test.y.len() >= 50 * DIGIT_CLASSES);
        let first = data.target_pool.first(10, DIGIT_CLASSES);
        assert_eq!(first.y.len(), 50);
        let mean = |d: &Dataset| d.x.mean().unwrap();
        // Ink: the digits cover about a quarter of the canvas at about 0.6;
        // stripes average to zero.
        assert!(mean(&data.texture_only).abs() < 0.02, "{}", mean(&data.texture_only));
        assert!(mean(&data.shape_only) > 0.1 && mean(&data.source_test) > 0.1);
        let spread = |d: &Dataset| {
            let m = mean(d);
            d.x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / d.x.len() as f64
        };
        assert!(spread(&data.texture_only) > 0.009, "stripes of 0.15 have variance 0.011");
        // The same seed, the same sets; another seed, another draw.
        assert_eq!(Data::digits(1, 0.15).source_train.x, data.source_train.x);
        assert_ne!(Data::digits(2, 0.15).source_train.x, data.source_train.x);
    }
}
