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

/// Image side, in pixels.
pub const SIDE: usize = 16;
pub const PIXELS: usize = SIDE * SIDE;
/// Classes of the source and the target task.
pub const SOURCE_CLASSES: usize = 8;
pub const TARGET_CLASSES: usize = 4;
const NOISE: f64 = 0.05;
const FREQUENCY: f64 = 0.3;

/// Names of the source shapes, then the target shapes.
pub const SHAPES: [&str; 12] =
    ["disk", "square", "triangle", "ring", "plus", "diamond", "bar —", "bar |", "cross", "L", "T", "frame"];

/// Whether `(u, v)` (in units of the radius, centred) is inside shape `s`.
fn inside(s: usize, u: f64, v: f64) -> bool {
    let (au, av) = (u.abs(), v.abs());
    let r = (u * u + v * v).sqrt();
    match s {
        0 => r <= 1.0,
        1 => au.max(av) <= 0.8,
        2 => (-0.8..=0.8).contains(&v) && au <= 0.5 * (v + 0.8) * 0.9,
        3 => (0.55..=1.0).contains(&r),
        4 => au.max(av) <= 1.0 && au.min(av) <= 0.3,
        5 => au + av <= 1.0,
        6 => av <= 0.35 && au <= 1.0,
        7 => au <= 0.35 && av <= 1.0,
        8 => au.max(av) <= 0.9 && (au - av).abs() <= 0.3,
        9 => (-0.9..=-0.4).contains(&u) && av <= 0.9 || (0.4..=0.9).contains(&v) && au <= 0.9,
        10 => (-0.9..=-0.45).contains(&v) && au <= 0.9 || au <= 0.25 && av <= 0.9,
        11 => au.max(av) <= 0.9 && au.max(av) >= 0.55,
        _ => unreachable!("12 shapes"),
    }
}

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
    let mut out = vec![0.0; PIXELS];
    for (i, px) in out.iter_mut().enumerate() {
        let (x, y) = ((i % SIDE) as f64, (i / SIDE) as f64);
        let mut cover = 0.0;
        if content != Content::TextureOnly {
            for a in 0..3 {
                for b in 0..3 {
                    let (sx, sy) = (x - 0.5 + (a as f64 + 0.5) / 3.0, y - 0.5 + (b as f64 + 0.5) / 3.0);
                    if inside(shape, (sx - cx) / radius, (sy - cy) / radius) {
                        cover += 1.0 / 9.0;
                    }
                }
            }
        }
        let stripes = if content == Content::ShapeOnly {
            0.0
        } else {
            texture * libm::cos(std::f64::consts::TAU * FREQUENCY * (x * c + y * s) + phase)
        };
        *px = cover + stripes + NOISE * gaussian(rng);
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
            source_train: source(source_per_class, texture, Content::Both, &mut rng),
            source_test: source(100, texture, Content::Both, &mut rng),
            shape_only: source(100, texture, Content::ShapeOnly, &mut rng),
            texture_only: source(100, texture, Content::TextureOnly, &mut rng),
            target_pool: target(pool, texture, &mut rng),
            target_test: target(target_test_per_class, texture, &mut rng),
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

    #[test]
    fn every_shape_covers_a_fair_part_of_the_image() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for shape in 0..12 {
            let img = draw(shape, 0.0, 0.0, Content::ShapeOnly, &mut rng);
            let ink: f64 = img.iter().filter(|&&v| v > 0.5).count() as f64 / PIXELS as f64;
            assert!((0.05..0.6).contains(&ink), "{}: {ink}", SHAPES[shape]);
        }
    }
}
