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
