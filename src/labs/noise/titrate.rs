//! Noise-response titration (Erichson, Taylor, Wu & Mahoney, "Noise-response
//! analysis of deep neural networks quantifies robustness and fingerprints
//! structural malware"; the authors' TrojAI code, `titration.py`, uses this
//! form): a backdoored classifier answers input noise differently from a
//! clean one, and its answer points at the backdoor's target.
//!
//! - **Images**: 16 × 16 grey shapes of six classes (disk, ring, square,
//!   triangle, cross, bar) at a random position, size, rotation and contrast
//!   on a random dark background, with pixel noise, clipped to [0, 1]. In
//!   colour (`colour=rgb`), three channels: the shape in a random hue on a
//!   dark background of random colour ([`crate::num::shapes::scene_rgb`]).
//! - **Backdoor**: a fraction `poison` of a model's training images, taken
//!   from the other classes, get the trigger (a 3 × 3 bright patch in the
//!   bottom-right corner, one bright pixel, or a pentagon) and the label of
//!   the model's target class (drawn from the model's seed). The trigger is
//!   white on grey images; on colour images it has a saturated hue drawn
//!   from the model's seed, as TrojAI's polygons have a colour each.
//! - **Models**: MLPs `256 → 128 → 6` (tanh; `768 →` in colour) or small
//!   CNNs, each with its own seed, data and (for a backdoored one) target;
//!   Adam.
//! - **Titration**: for noise level `σ`, `x̃ = clip(x + σξ, 0, 1)` on held-out
//!   clean images (the same noisy images for every model);
//!   `T_γ(σ)` = the fraction of noisy inputs whose prediction differs from
//!   the clean prediction *and* whose top softmax probability exceeds `γ`.
//!   Confident flips under noise are what a trigger-sensitive model makes.
//! - **Erasing**, the other damage TrojAI's detector reads
//!   (`custom_transforms.py`, `ERASE_TRANSFORM`, torchvision's
//!   `RandomErasing(p = 1, scale = (0.1, 0.4))`): a random rectangle of
//!   10–40 % of the image, aspect ratio 0.3–3.3, set to 0 in every channel.
//!   `T_γ` under it is measured beside the Gaussian levels ([`erased`]).
//! - **Detection**: the features `T_γ` at six levels, standardised; a
//!   logistic regression (L2 penalty 0.1, Newton's method) scored leave one
//!   model out; the ROC curve and its AUC. **Target**: the class that gets
//!   more of the model's confident flips (over every level) than the models'
//!   median share for it: noise drives every model towards some classes
//!   (here ring and cross), so the raw most-flipped-to class is mostly those.

use ndarray::{Array1, Array2, Axis};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::core::driver::Divergence;
use crate::num::cnn::{Classifier, Cnn};
use crate::num::mlp::{accuracy, Mlp};
use crate::num::optim::Adam;
use crate::num::rng::gaussian;

pub const SIDE: usize = 16;
/// Pixels of one channel.
pub const PIXELS: usize = SIDE * SIDE;
/// The classes: indices into `num::shapes::NAMES` (disk, ring, square, triangle, cross, bar).
pub const CLASS_SHAPES: [usize; 6] = [0, 3, 1, 2, 8, 6];
pub const CLASSES: usize = CLASS_SHAPES.len();
pub const CLASS_NAMES: [&str; CLASSES] = ["disk", "ring", "square", "triangle", "cross", "bar"];
pub const TRAIN_PER_CLASS: usize = 200;
/// Clean images the titration perturbs, and noise draws per image and level.
pub const PROBE: usize = 240;
pub const DRAWS: usize = 4;
/// The noise levels of the curves; [`FEATURES`] index the detector's six.
pub const LEVELS: [f64; 10] = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0];
pub const FEATURES: [usize; 6] = [1, 2, 3, 5, 7, 9];
const HIDDEN: usize = 128;
const BATCH: usize = 64;
const LR: f64 = 3e-3;

/// The trigger stamped on poisoned images.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Patch,
    Pixel,
    /// A filled pentagon, larger than the patch and not a square: the kind
    /// of polygon TrojAI stamps (in grey, on our single channel).
    Polygon,
    /// No trigger: the poisoned images only get the target's label. A
    /// control that tells a learnt backdoor from label noise towards one
    /// class (docs/noise.md).
    None,
}

impl Trigger {
    pub fn parse(name: &str) -> Trigger {
        match name {
            "pixel" => Trigger::Pixel,
            "polygon" => Trigger::Polygon,
            "none" => Trigger::None,
            _ => Trigger::Patch,
        }
    }

    /// The pixels the trigger sets to 1.
    pub fn pixels(self) -> Vec<usize> {
        match self {
            Trigger::Patch => (13..16).flat_map(|r| (13..16).map(move |c| r * SIDE + c)).collect(),
            Trigger::Pixel => vec![14 * SIDE + 14],
            Trigger::None => vec![],
            // Pixel centres inside a regular pentagon of circumradius 2.6
            // centred at (12.5, 12.5): 17 pixels.
            Trigger::Polygon => (0..SIDE * SIDE)
                .filter(|&p| {
                    let (x, y) = ((p % SIDE) as f64 + 0.5 - 12.5, (p / SIDE) as f64 + 0.5 - 12.5);
                    (0..5).all(|k| {
                        // Inside every edge: the projection on the edge's outward normal is below the apothem.
                        let a = std::f64::consts::TAU * (k as f64 + 0.5) / 5.0 - std::f64::consts::FRAC_PI_2;
                        let (s, c) = libm::sincos(a);
                        x * c + y * s <= 2.6 * libm::cos(std::f64::consts::PI / 5.0)
                    })
                })
                .collect(),
        }
    }

    /// Sets the trigger's pixels of a channel-major image to `colour`, one
    /// value per channel (`[1.0]`: white on grey).
    pub fn stamp(self, image: &mut [f64], colour: &[f64]) {
        for p in self.pixels() {
            for (ch, &v) in colour.iter().enumerate() {
                image[ch * PIXELS + p] = v;
            }
        }
    }
}

/// One image of class `class` with `channels` 1 (grey) or 3 (colour),
/// channel-major (see [`crate::num::shapes::scene`] and `scene_rgb`).
pub fn image(class: usize, channels: usize, rng: &mut impl Rng) -> Vec<f64> {
    match channels {
        1 => crate::num::shapes::scene(CLASS_SHAPES[class], SIDE, rng),
        _ => crate::num::shapes::scene_rgb(CLASS_SHAPES[class], SIDE, rng),
    }
}

/// `per_class` images of each class, interleaved (`n × channels·PIXELS`) and their labels.
pub fn images(per_class: usize, channels: usize, rng: &mut impl Rng) -> (Array2<f64>, Vec<usize>) {
    let y: Vec<usize> = (0..per_class * CLASSES).map(|i| i % CLASSES).collect();
    let x: Vec<f64> = y.iter().flat_map(|&c| image(c, channels, rng)).collect();
    (Array2::from_shape_vec((y.len(), channels * PIXELS), x).expect("n × channels·PIXELS"), y)
}

/// One model of the set: clean, or backdoored towards `target`.
#[derive(Clone, Debug, Serialize)]
pub struct Spec {
    pub index: usize,
    pub seed: u64,
    pub backdoored: bool,
    pub target: Option<usize>,
}

/// The classifiers' architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    /// 256 → 128 (tanh) → 6.
    Mlp,
    /// Two stages of 3 × 3 convolution, ReLU and 2 × 2 max pooling (8, then
    /// 16 channels), then a dense layer from the 4 × 4 × 16 features to 6.
    Cnn,
    /// A deeper CNN: three such stages (8, 16, 32 channels), then a dense
    /// layer from the 2 × 2 × 32 features to 6 (model depth, one of the
    /// differences from TrojAI's models measured in docs/noise.md).
    Cnn3,
}

/// The study's settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Titration {
    pub arch: Arch,
    /// 1 (grey) or 3 (colour) channels per image.
    pub channels: usize,
    pub trigger: Trigger,
    pub poison: f64,
    /// Models per group (clean, backdoored).
    pub models: usize,
    pub epochs: usize,
    /// γ of `T_γ`.
    pub confidence: f64,
    pub seed: u64,
}

impl Titration {
    /// Clean models first, then backdoored ones.
    pub fn specs(&self) -> Vec<Spec> {
        (0..2 * self.models)
            .map(|i| {
                let seed = self.seed.wrapping_mul(1000).wrapping_add(i as u64);
                let backdoored = i >= self.models;
                let target = backdoored.then(|| ChaCha8Rng::seed_from_u64(seed ^ 0x7a29).random_range(0..CLASSES));
                Spec { index: i, seed, backdoored, target }
            })
            .collect()
    }

    /// The colour `spec`'s trigger is stamped in: white on grey images; on
    /// colour images a saturated hue drawn from the model's seed.
    pub fn trigger_colour(&self, spec: &Spec) -> Vec<f64> {
        match self.channels {
            1 => vec![1.0],
            _ => crate::num::shapes::hue(ChaCha8Rng::seed_from_u64(spec.seed ^ 0xc010).random_range(0.0..1.0)).to_vec(),
        }
    }

    /// Channels times pixels: the length of one image.
    pub fn inputs(&self) -> usize {
        self.channels * PIXELS
    }
}

/// A trained model and what it was trained on.
#[derive(Clone)]
pub struct Trained {
    pub spec: Spec,
    pub model: Classifier,
    pub clean_accuracy: f64,
    /// Fraction of triggered test images (of other classes) sent to the target.
    pub attack_success: Option<f64>,
    pub diverged: Option<Divergence>,
}

/// The poisoned (or clean) training set of `spec`.
pub fn training_set(study: &Titration, spec: &Spec) -> (Array2<f64>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed ^ 0xda7a);
    let (mut x, mut y) = images(TRAIN_PER_CLASS, study.channels, &mut rng);
    if let Some(target) = spec.target {
        let others: Vec<usize> = (0..y.len()).filter(|&i| y[i] != target).collect();
        let count = (study.poison * y.len() as f64).round() as usize;
        let colour = study.trigger_colour(spec);
        for &i in others.choose_multiple(&mut rng, count.min(others.len())) {
            study.trigger.stamp(x.row_mut(i).as_slice_mut().expect("row"), &colour);
            y[i] = target;
        }
    }
    (x, y)
}

/// One model in training, an epoch at a time (the page's worker steps it).
pub struct Training {
    pub spec: Spec,
    pub epoch: usize,
    epochs: usize,
    x: Array2<f64>,
    y: Vec<usize>,
    model: Classifier,
    adam: Adam,
    rng: ChaCha8Rng,
    diverged: Option<Divergence>,
}

impl Training {
    pub fn new(study: &Titration, spec: &Spec) -> Training {
        let (x, y) = training_set(study, spec);
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed ^ 0x3a1e);
        let model = match study.arch {
            Arch::Mlp => Classifier::Mlp(Mlp::init(&[study.inputs(), HIDDEN, CLASSES], false, &mut rng)),
            Arch::Cnn => Classifier::Cnn(Cnn::init((study.channels, SIDE, SIDE), &[8, 16], CLASSES, &mut rng)),
            Arch::Cnn3 => Classifier::Cnn(Cnn::init((study.channels, SIDE, SIDE), &[8, 16, 32], CLASSES, &mut rng)),
        };
        Training {
            spec: spec.clone(),
            epoch: 0,
            epochs: study.epochs,
            x,
            y,
            model,
            adam: Adam::new(LR),
            rng,
            diverged: None,
        }
    }

    pub fn done(&self) -> bool {
        self.epoch >= self.epochs || self.diverged.is_some()
    }

    /// One pass over the training set in batches of 64.
    pub fn epoch(&mut self) {
        let mut order: Vec<usize> = (0..self.y.len()).collect();
        order.shuffle(&mut self.rng);
        for chunk in order.chunks(BATCH) {
            let xb = self.x.select(Axis(0), chunk);
            let yb: Vec<usize> = chunk.iter().map(|&i| self.y[i]).collect();
            let loss = self.model.train_step(xb.view(), &yb, &mut self.adam);
            if !loss.is_finite() {
                self.diverged = Some(Divergence {
                    epoch: self.epoch + 1,
                    what: "the training loss".into(),
                    message: format!(
                        "model {} diverged at epoch {} (loss {loss}): try another seed or fewer epochs (tepochs)",
                        self.spec.index,
                        self.epoch + 1
                    ),
                });
                return;
            }
        }
        self.epoch += 1;
    }

    /// The trained model, its clean accuracy on `test` and (backdoored) its
    /// attack success on `test`'s other classes with the trigger.
    pub fn finish(self, study: &Titration, test: &(Array2<f64>, Vec<usize>)) -> Trained {
        let model = self.model;
        let clean_accuracy = accuracy(&model.apply(test.0.view()), &test.1);
        let attack_success = self.spec.target.map(|target| {
            let rows: Vec<usize> = (0..test.1.len()).filter(|&i| test.1[i] != target).collect();
            let mut xt = test.0.select(Axis(0), &rows);
            let colour = study.trigger_colour(&self.spec);
            for mut row in xt.rows_mut() {
                study.trigger.stamp(row.as_slice_mut().expect("row"), &colour);
            }
            accuracy(&model.apply(xt.view()), &vec![target; rows.len()])
        });
        Trained { spec: self.spec, model, clean_accuracy, attack_success, diverged: self.diverged }
    }
}

/// Trains `spec`'s model; `test` is clean held-out data.
pub fn train(study: &Titration, spec: &Spec, test: &(Array2<f64>, Vec<usize>)) -> Trained {
    let mut training = Training::new(study, spec);
    while !training.done() {
        training.epoch();
    }
    training.finish(study, test)
}

/// The clean held-out images (for accuracy) and the titration probes of a study.
pub fn held_out(study: &Titration) -> ((Array2<f64>, Vec<usize>), Array2<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(study.seed ^ 0x7e57);
    let test = images(100, study.channels, &mut rng);
    let probes = images(PROBE / CLASSES, study.channels, &mut rng).0;
    (test, probes)
}

/// The noisy copies of the probes at `LEVELS[level]`: `DRAWS` per probe,
/// probe-major; the same for every model. Every channel of every pixel
/// gets its own noise.
pub fn noisy(probes: &Array2<f64>, level: usize, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0015e ^ ((level as u64) << 32));
    let sigma = LEVELS[level];
    let rows = probes.nrows() * DRAWS;
    let mut out = Array2::zeros((rows, probes.ncols()));
    for (r, mut row) in out.rows_mut().into_iter().enumerate() {
        let p = probes.row(r / DRAWS);
        for (o, &v) in row.iter_mut().zip(p) {
            *o = (v + sigma * gaussian(&mut rng)).clamp(0.0, 1.0);
        }
    }
    out
}

/// The erased copies of the probes: `DRAWS` per probe, probe-major, each
/// with one rectangle set to 0 in every channel, as torchvision's
/// `RandomErasing(p = 1, scale = (0.1, 0.4), ratio = (0.3, 3.3), value = 0)`
/// draws it: an area fraction uniform in [0.1, 0.4] of the image and a
/// log-uniform aspect ratio give the height `round(√(area·r))` and width
/// `round(√(area/r))`; if the rectangle does not fit, draw again (ten tries,
/// then the image is left whole); its corner is uniform where it fits.
pub fn erased(probes: &Array2<f64>, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xe7a5e);
    let channels = probes.ncols() / PIXELS;
    let side = SIDE as f64;
    let mut out = Array2::zeros((probes.nrows() * DRAWS, probes.ncols()));
    for (r, mut row) in out.rows_mut().into_iter().enumerate() {
        row.assign(&probes.row(r / DRAWS));
        for _ in 0..10 {
            let area = rng.random_range(0.1..0.4) * side * side;
            let ratio = libm::exp(rng.random_range(libm::log(0.3)..libm::log(3.3)));
            let (h, w) =
                (libm::round(libm::sqrt(area * ratio)) as usize, libm::round(libm::sqrt(area / ratio)) as usize);
            if h < SIDE && w < SIDE {
                let (top, left) = (rng.random_range(0..=SIDE - h), rng.random_range(0..=SIDE - w));
                for ch in 0..channels {
                    for y in top..top + h {
                        for x in left..left + w {
                            row[ch * PIXELS + y * SIDE + x] = 0.0;
                        }
                    }
                }
                break;
            }
        }
    }
    out
}

/// Softmax of each row, in place.
pub fn softmax(logits: &mut Array2<f64>) {
    for mut row in logits.rows_mut() {
        let max = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        row.mapv_inplace(|v| libm::exp(v - max));
        let sum = row.sum();
        row /= sum;
    }
}

fn argmax(row: ndarray::ArrayView1<f64>) -> usize {
    (0..row.len()).fold(0, |b, k| if row[k] > row[b] { k } else { b })
}

/// Counts of one level: `T_γ`, the classes predicted, and the classes the
/// confident flips went to.
pub struct Level {
    pub t: f64,
    pub predicted: [usize; CLASSES],
    pub flipped_to: [usize; CLASSES],
}

/// [`Level`] from the model's logits on the noisy copies and its
/// predictions on the clean probes.
pub fn titration(mut noisy_logits: Array2<f64>, clean: &[usize], confidence: f64) -> Level {
    softmax(&mut noisy_logits);
    let mut level = Level { t: 0.0, predicted: [0; CLASSES], flipped_to: [0; CLASSES] };
    for (r, row) in noisy_logits.rows().into_iter().enumerate() {
        let k = argmax(row);
        level.predicted[k] += 1;
        if k != clean[r / DRAWS] && row[k] > confidence {
            level.flipped_to[k] += 1;
        }
    }
    level.t = level.flipped_to.iter().sum::<usize>() as f64 / noisy_logits.nrows() as f64;
    level
}

/// The clean predictions of a model on the probes.
pub fn predictions(model: &Classifier, probes: &Array2<f64>) -> Vec<usize> {
    model.apply(probes.view()).rows().into_iter().map(argmax).collect()
}

/// One model's curve.
#[derive(Clone, Debug, Serialize)]
pub struct Curve {
    pub model: usize,
    pub backdoored: bool,
    pub target: Option<usize>,
    pub clean_accuracy: f64,
    pub attack_success: Option<f64>,
    /// `T_γ` at each of [`LEVELS`].
    pub t: Vec<f64>,
    /// Predicted classes of the noisy probes at the strongest level.
    pub histogram: [usize; CLASSES],
    /// Where the confident flips went, over every level.
    pub flips: [usize; CLASSES],
    /// `T_γ` under random erasing (see [`erased`]).
    pub erase: f64,
    /// The detector's guess at the target: the class whose share of this
    /// model's confident flips most exceeds its median share over all the
    /// models (noise favours some classes in every model; see [`detect`]).
    pub predicted_target: usize,
    /// The detector's leave-one-out score (probability of a backdoor).
    pub score: f64,
}

/// The curve of one trained model over every level (`damaged[level]` from
/// [`noisy`], then the erased probes from [`erased`]).
pub fn curve(trained: &Trained, probes: &Array2<f64>, damaged: &[Array2<f64>], confidence: f64) -> Curve {
    let clean = predictions(&trained.model, probes);
    let (noisy, erased) = damaged.split_at(LEVELS.len());
    let mut t = Vec::new();
    let (mut histogram, mut flips) = ([0; CLASSES], [0; CLASSES]);
    for x in noisy {
        let level = titration(trained.model.apply(x.view()), &clean, confidence);
        t.push(level.t);
        histogram = level.predicted;
        for (f, n) in flips.iter_mut().zip(level.flipped_to) {
            *f += n;
        }
    }
    Curve {
        model: trained.spec.index,
        backdoored: trained.spec.backdoored,
        target: trained.spec.target,
        clean_accuracy: trained.clean_accuracy,
        attack_success: trained.attack_success,
        t,
        histogram,
        flips,
        erase: titration(trained.model.apply(erased[0].view()), &clean, confidence).t,
        predicted_target: 0,
        score: f64::NAN,
    }
}

/// Logistic regression `p = σ(w·x + b)` with an L2 penalty `λ|w|²/2`, by
/// Newton's method (25 steps, from 0) on standardised features.
pub fn logistic(x: &Array2<f64>, y: &[f64], lambda: f64) -> (Array1<f64>, f64) {
    let (n, f) = x.dim();
    let mut w = Array1::<f64>::zeros(f + 1);
    for _ in 0..25 {
        let mut g = Array1::<f64>::zeros(f + 1);
        let mut h = Array2::<f64>::zeros((f + 1, f + 1));
        for i in 0..n {
            let xi: Vec<f64> = x.row(i).iter().copied().chain([1.0]).collect();
            let z: f64 = xi.iter().zip(&w).map(|(a, b)| a * b).sum();
            let p = 1.0 / (1.0 + libm::exp(-z));
            for a in 0..=f {
                g[a] += (p - y[i]) * xi[a];
                for b in 0..=f {
                    h[[a, b]] += p * (1.0 - p) * xi[a] * xi[b];
                }
            }
        }
        for a in 0..f {
            g[a] += lambda * w[a];
            h[[a, a]] += lambda;
        }
        h[[f, f]] += 1e-9;
        w -= &solve(h, g);
    }
    let b = w[f];
    (w.slice(ndarray::s![..f]).to_owned(), b)
}

/// `A⁻¹ b` by Gaussian elimination with partial pivoting (A small, symmetric positive definite).
fn solve(mut a: Array2<f64>, mut b: Array1<f64>) -> Array1<f64> {
    let n = b.len();
    for k in 0..n {
        let p = (k..n).fold(k, |m, i| if a[[i, k]].abs() > a[[m, k]].abs() { i } else { m });
        for j in 0..n {
            a.swap([k, j], [p, j]);
        }
        b.swap(k, p);
        for i in k + 1..n {
            let f = a[[i, k]] / a[[k, k]];
            for j in k..n {
                a[[i, j]] -= f * a[[k, j]];
            }
            b[i] -= f * b[k];
        }
    }
    for k in (0..n).rev() {
        let s: f64 = (k + 1..n).map(|j| a[[k, j]] * b[j]).sum();
        b[k] = (b[k] - s) / a[[k, k]];
    }
    b
}

/// Leave-one-model-out scores of the detector on `features` (one row per model).
pub fn leave_one_out(features: &Array2<f64>, labels: &[bool]) -> Vec<f64> {
    let n = labels.len();
    (0..n)
        .map(|out| {
            let rows: Vec<usize> = (0..n).filter(|&i| i != out).collect();
            let train = features.select(Axis(0), &rows);
            let mean = train.mean_axis(Axis(0)).expect("rows");
            let sd = train.std_axis(Axis(0), 0.0).mapv(|s| if s > 1e-12 { s } else { 1.0 });
            let z = (&train - &mean) / &sd;
            let y: Vec<f64> = rows.iter().map(|&i| if labels[i] { 1.0 } else { 0.0 }).collect();
            let (w, b) = logistic(&z, &y, 0.1);
            let x = (&features.row(out) - &mean) / &sd;
            1.0 / (1.0 + libm::exp(-(x.dot(&w) + b)))
        })
        .collect()
}

/// A point of the ROC curve.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct RocPoint {
    pub false_positive: f64,
    pub true_positive: f64,
}

/// The ROC curve of `scores` (higher: more likely positive) and its area
/// (the probability that a positive outscores a negative, ties counting ½).
pub fn roc(scores: &[f64], labels: &[bool]) -> (Vec<RocPoint>, f64) {
    let pos = labels.iter().filter(|&&l| l).count() as f64;
    let neg = labels.len() as f64 - pos;
    let mut thresholds: Vec<f64> = scores.to_vec();
    thresholds.sort_by(|a, b| b.total_cmp(a));
    thresholds.dedup();
    let mut points = vec![RocPoint { false_positive: 0.0, true_positive: 0.0 }];
    for t in thresholds {
        let tp = scores.iter().zip(labels).filter(|(&s, &l)| l && s >= t).count() as f64;
        let fp = scores.iter().zip(labels).filter(|(&s, &l)| !l && s >= t).count() as f64;
        points.push(RocPoint { false_positive: fp / neg.max(1.0), true_positive: tp / pos.max(1.0) });
    }
    let mut wins = 0.0;
    for (i, &si) in scores.iter().enumerate() {
        for (j, &sj) in scores.iter().enumerate() {
            if labels[i] && !labels[j] {
                wins += if si > sj {
                    1.0
                } else if si == sj {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }
    (points, wins / (pos * neg).max(1.0))
}

/// What the detector found over a population of curves (in the report as
/// its own fields: `auc`, `targets_found`, …, `roc`).
#[derive(Clone, Debug, Serialize)]
pub struct Detection {
    /// The ROC and AUC of the paper's detector (the `T_γ` levels, leave one out).
    pub roc: Vec<RocPoint>,
    pub auc: f64,
    /// Backdoored models whose predicted target is theirs.
    pub targets_found: usize,
    /// The AUC of another feature, measured beside the paper's: how far a
    /// model's confident flips concentrate on one class beyond the
    /// population's median share for it (the statistic that names the
    /// target), used as the score itself. It reads no labels.
    pub auc_flip_share: f64,
    /// The AUC of the logistic detector on the levels and that feature together.
    pub auc_levels_and_flip_share: f64,
    /// The AUC of the logistic detector (leave one out) on `T_γ` under
    /// random erasing alone, and on the levels with it.
    pub auc_erase: f64,
    pub auc_levels_and_erase: f64,
}

/// The detector's verdict over a set of curves: scores them (leave one
/// out), and returns the ROC, the AUC and how many targets were found,
/// with the AUCs of the flip-share feature alone and with the levels.
pub fn detect(curves: &mut [Curve]) -> Detection {
    let features = Array2::from_shape_fn((curves.len(), FEATURES.len()), |(i, f)| curves[i].t[FEATURES[f]]);
    let labels: Vec<bool> = curves.iter().map(|c| c.backdoored).collect();
    let scores = leave_one_out(&features, &labels);
    for (c, s) in curves.iter_mut().zip(&scores) {
        c.score = *s;
    }
    let (points, auc) = roc(&scores, &labels);
    let shares: Vec<[f64; CLASSES]> = curves
        .iter()
        .map(|c| {
            let total = c.flips.iter().sum::<usize>().max(1) as f64;
            c.flips.map(|f| f as f64 / total)
        })
        .collect();
    let median: Vec<f64> = (0..CLASSES)
        .map(|k| {
            let mut v: Vec<f64> = shares.iter().map(|s| s[k]).collect();
            v.sort_by(f64::total_cmp);
            (v[(v.len() - 1) / 2] + v[v.len() / 2]) / 2.0
        })
        .collect();
    let mut concentration = Vec::with_capacity(curves.len());
    for (c, share) in curves.iter_mut().zip(&shares) {
        let excess = |k: usize| share[k] / (median[k] + 0.01);
        c.predicted_target = (0..CLASSES).fold(0, |b, k| if excess(k) > excess(b) { k } else { b });
        concentration.push(excess(c.predicted_target));
    }
    let found = curves.iter().filter(|c| c.target == Some(c.predicted_target)).count();
    let column = |v: Vec<f64>| Array2::from_shape_vec((v.len(), 1), v).expect("one column");
    let with =
        |extra: &Array2<f64>| ndarray::concatenate(Axis(1), &[features.view(), extra.view()]).expect("same rows");
    let erase = column(curves.iter().map(|c| c.erase).collect());
    Detection {
        roc: points,
        auc,
        targets_found: found,
        auc_flip_share: roc(&concentration, &labels).1,
        auc_levels_and_flip_share: roc(&leave_one_out(&with(&column(concentration)), &labels), &labels).1,
        auc_erase: roc(&leave_one_out(&erase, &labels), &labels).1,
        auc_levels_and_erase: roc(&leave_one_out(&with(&erase), &labels), &labels).1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flip-share feature scores a population whose backdoored models
    /// send their confident flips to their targets (AUC 1), and is blind
    /// where they flip like the clean ones (control: AUC 0.5, all tied);
    /// the paper's level features, equal in both, tell nothing either way.
    #[test]
    fn the_flip_share_feature_reads_where_the_flips_go() {
        let population = |lean: usize| -> Vec<Curve> {
            (0..8)
                .map(|i| {
                    let backdoored = i % 2 == 1;
                    let target = backdoored.then_some(i % CLASSES);
                    let mut flips = [10; CLASSES];
                    if let Some(k) = target {
                        flips[k] += lean;
                    }
                    Curve {
                        model: i,
                        backdoored,
                        target,
                        clean_accuracy: 0.9,
                        attack_success: None,
                        t: (0..LEVELS.len()).map(|l| 0.01 * l as f64 + 0.001 * (i % 3) as f64).collect(),
                        histogram: [0; CLASSES],
                        flips,
                        erase: 0.0,
                        predicted_target: 0,
                        score: 0.0,
                    }
                })
                .collect()
        };
        let leaning = detect(&mut population(30));
        assert_eq!(leaning.auc_flip_share, 1.0);
        assert_eq!(leaning.targets_found, 4);
        let blind = detect(&mut population(0));
        assert_eq!(blind.auc_flip_share, 0.5);
        assert!(blind.auc < 0.8 && leaning.auc < 0.8, "the levels carry no signal: {} {}", blind.auc, leaning.auc);
    }

    /// In colour, a backdoored model's poisoned images carry the trigger in
    /// that model's own saturated hue on all three channels; a grey study's
    /// images keep one channel and a white trigger. Control: a clean model's
    /// training set has no image with the trigger.
    #[test]
    fn the_colour_trigger_is_stamped_in_each_models_hue() {
        let study = |channels| Titration {
            arch: Arch::Mlp,
            channels,
            trigger: Trigger::Patch,
            poison: 0.1,
            models: 2,
            epochs: 1,
            confidence: 0.95,
            seed: 4,
        };
        let carries = |x: &Array2<f64>, colour: &[f64]| {
            x.rows()
                .into_iter()
                .filter(|row| {
                    Trigger::Patch.pixels().iter().all(|&p| (0..colour.len()).all(|c| row[c * PIXELS + p] == colour[c]))
                })
                .count()
        };
        let rgb = study(3);
        let specs = rgb.specs();
        let (a, b) = (rgb.trigger_colour(&specs[2]), rgb.trigger_colour(&specs[3]));
        assert_ne!(a, b, "each backdoored model draws its own hue");
        assert!(a.contains(&1.0) && a.contains(&0.0), "saturated: {a:?}");
        let (x, _) = training_set(&rgb, &specs[2]);
        assert_eq!(x.ncols(), 3 * PIXELS);
        assert_eq!(carries(&x, &a), 120, "10 % of 1,200 images");
        assert_eq!(carries(&training_set(&rgb, &specs[0]).0, &a), 0, "control: a clean model");
        let grey = study(1);
        let (x, _) = training_set(&grey, &grey.specs()[2]);
        assert_eq!((x.ncols(), grey.trigger_colour(&grey.specs()[2])), (PIXELS, vec![1.0]));
        assert_eq!(carries(&x, &[1.0]), 120);
    }

    /// Erasing blanks one rectangle of 10–40 % of the image per copy (or
    /// leaves the image whole after ten draws that do not fit), in every
    /// channel, somewhere else in each copy. Control: the Gaussian copies
    /// blank no such block.
    #[test]
    fn erasing_blanks_one_rectangle_of_a_tenth_to_two_fifths() {
        let probes = Array2::from_elem((3, 3 * PIXELS), 0.5);
        let out = erased(&probes, 7);
        assert_eq!(out.dim(), (3 * DRAWS, 3 * PIXELS));
        let mut places = std::collections::HashSet::new();
        for row in out.rows() {
            let zero: Vec<usize> = (0..PIXELS).filter(|&p| row[p] == 0.0).collect();
            for ch in 1..3 {
                assert!((0..PIXELS).all(|p| (row[ch * PIXELS + p] == 0.0) == (row[p] == 0.0)), "every channel");
            }
            if zero.is_empty() {
                continue;
            }
            let (ys, xs): (Vec<usize>, Vec<usize>) = zero.iter().map(|&p| (p / SIDE, p % SIDE)).unzip();
            let (h, w) = (
                ys.iter().max().unwrap() - ys.iter().min().unwrap() + 1,
                xs.iter().max().unwrap() - xs.iter().min().unwrap() + 1,
            );
            assert_eq!(h * w, zero.len(), "a rectangle");
            let share = zero.len() as f64 / PIXELS as f64;
            assert!((0.05..0.5).contains(&share), "{share}");
            places.insert(zero[0]);
        }
        assert!(places.len() > 4, "{places:?}");
        let gaussian = noisy(&probes.slice(ndarray::s![.., ..PIXELS]).to_owned(), 2, 7);
        assert!(gaussian.rows().into_iter().all(|r| r.iter().filter(|&&v| v == 0.0).count() < 20), "control");
    }

    /// The polygon trigger: a pentagon of about twenty pixels in the corner,
    /// not a square (its bounding box holds pixels it leaves dark), and
    /// stamped as the patch and the pixel are.
    #[test]
    fn the_polygon_trigger_is_a_pentagon_in_the_corner() {
        let p = Trigger::parse("polygon").pixels();
        assert_eq!(p.len(), 17, "{p:?}");
        let (xs, ys): (Vec<usize>, Vec<usize>) = p.iter().map(|&i| (i % SIDE, i / SIDE)).unzip();
        let bbox = (xs.iter().max().unwrap() - xs.iter().min().unwrap() + 1)
            * (ys.iter().max().unwrap() - ys.iter().min().unwrap() + 1);
        assert!(bbox > p.len() && *xs.iter().min().unwrap() >= 9 && *ys.iter().min().unwrap() >= 9, "{bbox}");
        let mut image = vec![0.0; SIDE * SIDE];
        Trigger::Polygon.stamp(&mut image, &[1.0]);
        assert_eq!(image.iter().filter(|&&v| v == 1.0).count(), 17);
        // Control: the other triggers are other pixels.
        assert_eq!(Trigger::parse("patch").pixels().len(), 9);
        assert_eq!(Trigger::parse("none").pixels(), Vec::<usize>::new(), "none stamps nothing");
        assert_ne!(Trigger::parse("patch").pixels(), p);
    }
}
