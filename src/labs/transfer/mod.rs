//! The transfer lab: adversarially trained sources transfer better when the
//! target has little data (Utrera, Kravitz, Erichson, Khanna & Mahoney,
//! ICLR 2021), on synthetic shapes whose source classes carry a texture
//! shortcut (`data.rs`). Science notes: `docs/transfer.md`.
//!
//! - **Sources**: an MLP (`256-256-128` by default, tanh) or, with
//!   `arch=cnn`, a CNN (conv 8 → max pool → conv 16 → max pool, the
//!   flattened maps read by a linear head; `num::cnn`) on the 8 source
//!   shapes, trained naturally or adversarially with L2 PGD (ε, 5 steps of
//!   2.5ε/5, Madry et al.), same data and seed.
//! - **Transfer**: a new head on the last hidden layer, trained on `n`
//!   target images per class with the source frozen (`tune=probe`) or with
//!   the last hidden layer trained too (`tune=last`, MLP sources); accuracy
//!   on 1,000 target test images. A CNN's probe reads its flattened maps.
//! - **Why**: accuracy of each source on shape-only and texture-only
//!   versions of its test set, and input-gradient (saliency) maps.

pub mod data;
pub mod lab;
pub mod saliency;

#[cfg(target_arch = "wasm32")]
mod web;

use ndarray::{s, Array2, ArrayView2, Axis};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::core::driver::{self, plural, Clock, Divergence, Driver, Progress};
use crate::core::link::Link;
use crate::core::memo;
pub use crate::gpu::dense::{pack, PackedLayer};
use crate::num::cnn::{Classifier, Cnn};
use crate::num::mlp::{accuracy, cross_entropy, Layer, Mlp};
use crate::num::optim::Adam;
use data::{Data, Dataset, DIGITS_POOL, DIGIT_CLASSES, PIXELS, SIDE, SOURCE_CLASSES};

/// The CNN source's channels per stage (`arch=cnn`), as titration's.
pub const CNN_CHANNELS: [usize; 2] = [8, 16];

/// Source training images per class, and target test images per class.
pub const SOURCE_PER_CLASS: usize = 200;
pub const TARGET_TEST_PER_CLASS: usize = 250;
/// Target sample counts per class of the sweep.
pub const NS: [usize; 7] = [5, 10, 20, 50, 100, 200, 500];
const BATCH: usize = 64;
const PGD_STEPS: usize = 5;

/// Everything a transfer link sets.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Config {
    /// A CNN source instead of the MLP (`hidden` then unused).
    pub cnn: bool,
    /// The UCI digits (source 0–4, target 5–9) instead of the shapes.
    pub digits: bool,
    pub hidden: Vec<usize>,
    pub eps: f64,
    pub texture: f64,
    pub epochs: usize,
    pub lr: f64,
    /// Train the last hidden layer with the head.
    pub tune_last: bool,
    pub n: usize,
    pub seeds: usize,
    pub seed: u64,
}

impl Config {
    pub fn from_link(link: &Link) -> Result<Config, String> {
        link.expect_lab("transfer")?;
        let hidden = link.choice("hidden").split('-').map(|h| h.parse().expect("the choices are numbers")).collect();
        let cnn = link.choice("arch") == "cnn";
        let digits = link.choice("data") == "digits";
        if cnn && link.choice("tune") == "last" {
            return Err("tune=last fine-tunes an MLP source's last hidden layer; a CNN source (arch=cnn) \
                        transfers by a probe on its features: use tune=probe"
                .into());
        }
        Ok(Config {
            cnn,
            digits,
            hidden,
            eps: link.float("eps"),
            texture: link.float("texture"),
            epochs: link.int("epochs") as usize,
            lr: link.float("lr"),
            tune_last: link.choice("tune") == "last",
            n: link.int("n") as usize,
            seeds: link.int("seeds") as usize,
            seed: link.int("seed") as u64,
        })
    }

    /// Classes of the source task.
    pub fn source_classes(&self) -> usize {
        if self.digits {
            DIGIT_CLASSES
        } else {
            SOURCE_CLASSES
        }
    }

    /// The sample counts of the sweep: [`NS`] and the link's `n` (the
    /// digits: up to their pool of [`DIGITS_POOL`] per class).
    pub fn ns(&self) -> Vec<usize> {
        let most = if self.digits { DIGITS_POOL } else { usize::MAX };
        let mut ns: Vec<usize> = NS.iter().copied().chain([self.n]).map(|n| n.min(most)).collect();
        ns.sort_unstable();
        ns.dedup();
        ns
    }
}

/// The L2 PGD adversary: `steps` steps of size `2.5ε/steps` along each
/// example's normalised loss gradient, projected onto the ball `‖δ‖ ≤ ε`.
pub fn pgd(model: &Classifier, x: ArrayView2<f64>, y: &[usize], eps: f64) -> Array2<f64> {
    let step = 2.5 * eps / PGD_STEPS as f64;
    let mut delta = Array2::<f64>::zeros(x.raw_dim());
    for _ in 0..PGD_STEPS {
        let g = model.loss_input_gradient((&x + &delta).view(), y);
        for (mut dr, gr) in delta.rows_mut().into_iter().zip(g.rows()) {
            let norm = gr.dot(&gr).sqrt();
            if norm > 0.0 {
                dr.zip_mut_with(&gr, |d, g| *d += step * g / norm);
            }
            let dn = dr.dot(&dr).sqrt();
            if dn > eps {
                dr.mapv_inplace(|d| d * eps / dn);
            }
        }
    }
    &x + &delta
}

/// One epoch's numbers.
#[derive(Clone, Debug, Serialize)]
pub struct EpochStats {
    pub epoch: usize,
    pub loss: f64,
    /// Accuracy on the (adversarial, for the robust source) training batches.
    pub train_accuracy: f64,
}

/// A source model in training.
#[derive(Clone)]
pub struct Source {
    pub model: Classifier,
    pub eps: f64,
    pub epoch: usize,
    pub epochs: usize,
    pub diverged: Option<Divergence>,
    adam: Adam,
    rng: ChaCha8Rng,
    /// Classes of the source task.
    classes: usize,
}

impl Source {
    /// Both sources of a seed start from the same weights and see the same batches.
    pub fn new(config: &Config, seed: u64, eps: f64) -> Source {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x50ce);
        let model = if config.cnn {
            Classifier::Cnn(Cnn::init((1, SIDE, SIDE), &CNN_CHANNELS, config.source_classes(), &mut rng))
        } else {
            let sizes: Vec<usize> =
                [PIXELS].into_iter().chain(config.hidden.iter().copied()).chain([config.source_classes()]).collect();
            Classifier::Mlp(Mlp::init(&sizes, false, &mut rng))
        };
        let classes = config.source_classes();
        Source { model, eps, epoch: 0, epochs: config.epochs, diverged: None, adam: Adam::new(config.lr), rng, classes }
    }

    pub fn done(&self) -> bool {
        self.epoch >= self.epochs || self.diverged.is_some()
    }

    /// One epoch over `train`; `None` once done.
    pub fn epoch(&mut self, train: &Dataset) -> Option<EpochStats> {
        if self.done() {
            return None;
        }
        let mut order: Vec<usize> = (0..train.y.len()).collect();
        order.shuffle(&mut self.rng);
        let (mut loss, mut right) = (0.0, 0.0);
        for chunk in order.chunks(BATCH) {
            let x = train.x.select(Axis(0), chunk);
            let y: Vec<usize> = chunk.iter().map(|&i| train.y[i]).collect();
            let x = if self.eps > 0.0 { pgd(&self.model, x.view(), &y, self.eps) } else { x };
            let (logits, l) = match &mut self.model {
                Classifier::Mlp(m) => {
                    let (logits, cache) = m.forward(x.view());
                    let (l, d) = cross_entropy(&logits, &y);
                    let mut grad = m.zeros_like();
                    m.accumulate_gradient(&cache, d / y.len() as f64, &mut grad);
                    let grads: Vec<Vec<f64>> = grad.tensors().iter().map(|t| t.to_vec()).collect();
                    self.adam.step(m.tensors_mut(), &grads);
                    (logits, l)
                }
                Classifier::Cnn(c) => {
                    let (logits, cache) = c.forward(x.view());
                    let (l, d) = cross_entropy(&logits, &y);
                    let mut grad = c.zeros_like();
                    c.backward(&cache, d / y.len() as f64, &mut grad);
                    let grads: Vec<Vec<f64>> = grad.tensors_mut().into_iter().map(|t| t.to_vec()).collect();
                    self.adam.step(c.tensors_mut(), &grads);
                    (logits, l)
                }
            };
            loss += l * y.len() as f64;
            right += accuracy(&logits, &y) * y.len() as f64;
        }
        self.epoch += 1;
        let n = train.y.len() as f64;
        let stats = EpochStats { epoch: self.epoch, loss: loss / n, train_accuracy: right / n };
        if !stats.loss.is_finite() {
            self.diverged = Some(Divergence {
                epoch: self.epoch,
                what: "the training loss".into(),
                message: format!(
                    "the ε = {} source diverged at epoch {} (loss {}): lower the learning rate",
                    self.eps, self.epoch, stats.loss
                ),
            });
        } else if self.done() && self.accuracy(train) < 2.0 / self.classes as f64 {
            let why = if self.eps > 0.0 {
                "the adversary's budget is large enough to erase the shapes at this size, so every class looks \
                 alike; lower ε"
            } else {
                "train for more epochs or with a larger learning rate"
            };
            self.diverged = Some(Divergence {
                epoch: self.epoch,
                what: "the source's accuracy (at chance)".into(),
                message: format!(
                    "the ε = {} source did not learn (accuracy on its clean training images {:.2}, chance {:.2}): {why}",
                    self.eps,
                    self.accuracy(train),
                    1.0 / self.classes as f64
                ),
            });
        }
        Some(stats)
    }

    pub fn accuracy(&self, data: &Dataset) -> f64 {
        accuracy(&self.model.apply(data.x.view()), &data.y)
    }

    /// The MLP source (`None` for a CNN).
    pub fn mlp(&self) -> Option<&Mlp> {
        match &self.model {
            Classifier::Mlp(m) => Some(m),
            Classifier::Cnn(_) => None,
        }
    }

    /// The activations of hidden layer `depth` (1-based; the last is the
    /// layer the head reads) of an MLP; a CNN's flattened maps.
    pub fn features(&self, x: ArrayView2<f64>, depth: usize) -> Array2<f64> {
        match &self.model {
            Classifier::Mlp(m) => Mlp { layers: m.layers[..depth].to_vec(), tanh_out: true }.apply(x),
            Classifier::Cnn(c) => c.features(x),
        }
    }

    /// `∂(loss of the true class)/∂x` for `x`: the saliency maps.
    pub fn saliency(&self, data: &Dataset, count: usize) -> Array2<f64> {
        self.model.loss_input_gradient(data.x.slice(s![..count, ..]), &data.y[..count])
    }
}

/// Source test images whose saliency [`saliency_on_shape`] reads.
pub const SALIENCY_IMAGES: usize = 64;

/// The share of a source's saliency `|∂loss/∂x|` that falls on the shape:
/// on each of the first [`SALIENCY_IMAGES`] source test images, the sum of
/// |gradient| over the pixels the shape covers (intensity above 0.5: the
/// shape is drawn at 1, the stripes at ± `texture`, the noise at σ 0.05),
/// divided by the sum over all pixels; the mean over the images. A map
/// spread evenly scores the shape's area fraction; the paper's claim is
/// that a robust source's maps follow the shapes, so its share is higher.
pub fn saliency_on_shape(source: &Source, test: &Dataset) -> f64 {
    let count = SALIENCY_IMAGES.min(test.y.len());
    let g = source.saliency(test, count);
    let shares: Vec<f64> = (0..count)
        .map(|i| {
            let (mut on, mut all) = (0.0, 0.0);
            for (&x, &d) in test.x.row(i).iter().zip(g.row(i)) {
                all += d.abs();
                if x > 0.5 {
                    on += d.abs();
                }
            }
            if all > 0.0 {
                on / all
            } else {
                0.0
            }
        })
        .collect();
    shares.iter().sum::<f64>() / count.max(1) as f64
}

/// How many of the source's layers feed the transferred part.
pub fn frozen_depth(source: &Source, tune_last: bool) -> usize {
    let Some(mlp) = source.mlp() else { return 0 };
    let layers = mlp.layers.len();
    if tune_last {
        layers - 2
    } else {
        layers - 1
    }
}

/// Transfer of a trained source to `n` target images per class: a new head
/// (and the last hidden layer with `tune_last`), full-batch Adam; returns
/// the accuracy on the target test set and the trained part (it reads the
/// source's hidden layer [`frozen_depth`]).
pub fn transfer(source: &Source, data: &Data, n: usize, tune_last: bool, seed: u64) -> (f64, Mlp) {
    let depth = frozen_depth(source, tune_last);
    let train = data.target_pool.first(n, data.target_classes);
    let (f_train, f_test) = (source.features(train.x.view(), depth), source.features(data.target_test.x.view(), depth));
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4ead ^ n as u64);
    // The fine-tuned last hidden layer of an MLP (`tune=last`), if any: the head reads its output.
    let last_hidden: Option<Layer> = source.mlp().filter(|_| tune_last).map(|m| m.layers[m.layers.len() - 2].clone());
    let width = last_hidden.as_ref().map_or(f_train.ncols(), |l| l.w.nrows());
    let head = Mlp::init(&[width, data.target_classes], false, &mut rng).layers.remove(0);
    let mut model = if let Some(last) = last_hidden {
        Mlp { layers: vec![last, head], tanh_out: false }
    } else {
        Mlp { layers: vec![head], tanh_out: false }
    };
    let mut adam = Adam::new(0.01);
    let steps = if tune_last { 150 } else { 300 };
    for _ in 0..steps {
        let (logits, cache) = model.forward(f_train.view());
        let (_, mut d) = cross_entropy(&logits, &train.y);
        d /= train.y.len() as f64;
        let mut grad = model.zeros_like();
        model.accumulate_gradient(&cache, d, &mut grad);
        let grads: Vec<Vec<f64>> = grad.tensors().iter().map(|t| t.to_vec()).collect();
        adam.step(model.tensors_mut(), &grads);
    }
    (accuracy(&model.apply(f_test.view()), &data.target_test.y), model)
}

/// Accuracies on shape-only and texture-only source test images.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct ShapeTexture {
    pub shape: f64,
    pub texture: f64,
}

/// One number per source.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Pair<T> {
    pub natural: T,
    pub robust: T,
}

/// Target accuracy at one `n`, mean and spread over the seeds.
#[derive(Clone, Debug, Serialize)]
pub struct TransferRow {
    pub n: usize,
    pub natural: f64,
    pub robust: f64,
    pub natural_sd: f64,
    pub robust_sd: f64,
    /// Per seed, natural then robust.
    pub per_seed: Vec<[f64; 2]>,
}

/// What `continuum run` prints for a transfer link.
#[derive(Debug, Serialize)]
pub struct Report {
    pub link: String,
    pub source_accuracy: Pair<f64>,
    pub transfer: Vec<TransferRow>,
    pub shape_vs_texture: Pair<ShapeTexture>,
    /// [`saliency_on_shape`] of each source on the first seed's source test images.
    pub saliency_on_shape: Pair<f64>,
    pub epochs_run: Pair<usize>,
    pub diverged: Option<String>,
    pub seeds: Vec<u64>,
    pub timings_ms: serde_json::Map<String, serde_json::Value>,
}

/// One seed's trained pair and data.
pub struct SeedRun {
    pub data: Data,
    pub natural: Source,
    pub robust: Source,
}

impl SeedRun {
    pub fn new(config: &Config, seed: u64) -> SeedRun {
        let pool = *config.ns().last().expect("sample counts");
        SeedRun {
            data: if config.digits {
                Data::digits(seed, config.texture)
            } else {
                Data::new(seed, config.texture, SOURCE_PER_CLASS, TARGET_TEST_PER_CLASS, pool)
            },
            natural: Source::new(config, seed, 0.0),
            robust: Source::new(config, seed, config.eps),
        }
    }

    /// One epoch of each source not done; false once both are.
    pub fn epoch(&mut self) -> bool {
        let a = self.natural.epoch(&self.data.source_train).is_some();
        let b = self.robust.epoch(&self.data.source_train).is_some();
        a || b
    }

    pub fn shape_texture(&self, source: &Source) -> ShapeTexture {
        ShapeTexture {
            shape: source.accuracy(&self.data.shape_only),
            texture: source.accuracy(&self.data.texture_only),
        }
    }
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() as f64 - 1.0).max(1.0);
    (mean, var.sqrt())
}

/// Rows of the transfer figure from per-seed accuracies (`[seed][n] = [natural, robust]`).
pub fn rows(ns: &[usize], per_seed: &[Vec<[f64; 2]>]) -> Vec<TransferRow> {
    ns.iter()
        .enumerate()
        .map(|(i, &n)| {
            let seeds: Vec<[f64; 2]> = per_seed.iter().map(|s| s[i]).collect();
            let (natural, natural_sd) = mean_sd(&seeds.iter().map(|p| p[0]).collect::<Vec<_>>());
            let (robust, robust_sd) = mean_sd(&seeds.iter().map(|p| p[1]).collect::<Vec<_>>());
            TransferRow { n, natural, robust, natural_sd, robust_sd, per_seed: seeds }
        })
        .collect()
}

/// What one unit of a transfer run did (for the page's charts).
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Step {
    /// One epoch of each source still training (both `None`: the seed's sources are done).
    Epoch { seed: u64, natural: Option<EpochStats>, robust: Option<EpochStats> },
    /// Both sources transferred with `n` target images per class.
    Transfer { seed: u64, n: usize, natural: f64, robust: f64 },
}

/// A transfer link's run: for each seed, both sources an epoch at a time,
/// then the sweep over n one sample count at a time.
pub struct TransferRun {
    pub config: Config,
    link: String,
    pub seeds: Vec<u64>,
    /// The seed in progress (`seeds.len()` once finished).
    index: usize,
    pub run: SeedRun,
    /// Next sample count to transfer with (`None` while the sources train).
    next_n: Option<usize>,
    /// `[seed][n] = [natural, robust]` for the seeds begun.
    per_seed: Vec<Vec<[f64; 2]>>,
    divergence: Option<String>,
    /// The first seed's run, once a later seed has started.
    first: Option<SeedRun>,
    /// Milliseconds: training the natural and the robust sources, transferring.
    ms: [f64; 3],
}

impl TransferRun {
    pub fn new(config: Config, link: String) -> TransferRun {
        let seeds: Vec<u64> = (0..config.seeds as u64).map(|i| config.seed + i).collect();
        let run = SeedRun::new(&config, seeds[0]);
        TransferRun {
            config,
            link,
            seeds,
            index: 0,
            run,
            next_n: None,
            per_seed: vec![],
            divergence: None,
            first: None,
            ms: [0.0; 3],
        }
    }

    pub fn finished(&self) -> bool {
        self.index >= self.seeds.len()
    }

    /// The first seed's run (its sources are what the "why" panels show).
    pub fn first_run(&self) -> &SeedRun {
        self.first.as_ref().unwrap_or(&self.run)
    }

    /// The transfer figure over the seeds finished so far.
    pub fn rows(&self) -> Vec<TransferRow> {
        let ns = self.config.ns();
        let complete: Vec<Vec<[f64; 2]>> = self.per_seed.iter().filter(|r| r.len() == ns.len()).cloned().collect();
        if complete.is_empty() {
            vec![]
        } else {
            rows(&ns, &complete)
        }
    }
}

impl Driver for TransferRun {
    type Step = Step;
    type Report = Report;

    fn start(link: &Link) -> Result<TransferRun, String> {
        Ok(TransferRun::new(Config::from_link(link)?, link.canonical()))
    }

    fn step(&mut self, clock: Clock) -> Option<Step> {
        if self.finished() {
            return None;
        }
        let seed = self.seeds[self.index];
        let ns = self.config.ns();
        let Some(i) = self.next_n else {
            // Each source has its own random stream and optimiser: stepping
            // them in turn gives the numbers training one after the other gives.
            let t = clock();
            let natural = self.run.natural.epoch(&self.run.data.source_train);
            let t1 = clock();
            let robust = self.run.robust.epoch(&self.run.data.source_train);
            self.ms[0] += t1 - t;
            self.ms[1] += clock() - t1;
            if natural.is_none() && robust.is_none() {
                for d in [&self.run.natural.diverged, &self.run.robust.diverged].into_iter().flatten() {
                    self.divergence.get_or_insert_with(|| format!("seed {seed}: {}", d.message));
                }
                self.next_n = Some(0);
                self.per_seed.push(Vec::new());
            }
            return Some(Step::Epoch { seed, natural, robust });
        };
        let n = ns[i];
        let tune = self.config.tune_last;
        let t = clock();
        let natural = transfer(&self.run.natural, &self.run.data, n, tune, seed).0;
        let robust = transfer(&self.run.robust, &self.run.data, n, tune, seed).0;
        self.ms[2] += clock() - t;
        self.per_seed.last_mut().expect("a row per seed").push([natural, robust]);
        if i + 1 < ns.len() {
            self.next_n = Some(i + 1);
        } else {
            self.index += 1;
            self.next_n = None;
            if let Some(&next) = self.seeds.get(self.index) {
                let finished = std::mem::replace(&mut self.run, SeedRun::new(&self.config, next));
                self.first.get_or_insert(finished);
            }
        }
        Some(Step::Transfer { seed, n, natural, robust })
    }

    /// Natively, each seed's sources are trained whole before its sweep
    /// over n (the same numbers as epoch by epoch: each source has its own
    /// stream). The natural source depends on neither ε nor anything the
    /// robust one does, so a link and its `eps=0` control share it
    /// (`core::memo`); with ε = 0 the "robust" source is the natural one,
    /// bit for bit (same weights, batches and no attack), and is not
    /// trained again.
    fn finish(&mut self, clock: Clock) {
        while !self.finished() {
            let seed = self.seeds[self.index];
            if self.next_n.is_none() && self.run.natural.epoch == 0 && self.run.robust.epoch == 0 {
                let t = clock();
                let key =
                    || format!("transfer natural source {:?} seed {seed}", Config { eps: 0.0, ..self.config.clone() });
                let (start, train) = (&self.run.natural, &self.run.data.source_train);
                self.run.natural = memo::shared(key, || {
                    let mut source = start.clone();
                    while source.epoch(train).is_some() {}
                    source
                });
                if self.config.eps == 0.0 {
                    self.run.robust = self.run.natural.clone();
                }
                self.ms[0] += clock() - t;
            }
            self.step(clock);
        }
    }

    fn progress(&self) -> Progress {
        let (epochs, sweep) = (self.config.epochs, self.config.ns().len());
        let per_seed = epochs + sweep;
        let epoch = self.run.natural.epoch.max(self.run.robust.epoch);
        let here = match self.next_n {
            None => epoch,
            Some(i) => epochs + i,
        };
        let finished = self.finished();
        let label = if finished {
            format!("done: {} seed{}", self.seeds.len(), plural(self.seeds.len()))
        } else if self.next_n.is_none() {
            format!("seed {} of {}: epoch {epoch} of {epochs}", self.index + 1, self.seeds.len())
        } else {
            format!("seed {} of {}: transferring", self.index + 1, self.seeds.len())
        };
        Progress {
            done: if finished { self.seeds.len() * per_seed } else { self.index * per_seed + here },
            total: self.seeds.len() * per_seed,
            label,
            finished,
            divergence: self.divergence.clone(),
        }
    }

    fn report(&self) -> Report {
        let first = self.first_run();
        let mut timings = serde_json::Map::new();
        timings.insert("train_natural".into(), self.ms[0].into());
        timings.insert("train_robust".into(), self.ms[1].into());
        timings.insert("transfer".into(), self.ms[2].into());
        Report {
            link: self.link.clone(),
            source_accuracy: Pair {
                natural: first.natural.accuracy(&first.data.source_test),
                robust: first.robust.accuracy(&first.data.source_test),
            },
            transfer: self.rows(),
            shape_vs_texture: Pair {
                natural: first.shape_texture(&first.natural),
                robust: first.shape_texture(&first.robust),
            },
            saliency_on_shape: Pair {
                natural: saliency_on_shape(&first.natural, &first.data.source_test),
                robust: saliency_on_shape(&first.robust, &first.data.source_test),
            },
            epochs_run: Pair { natural: first.natural.epoch, robust: first.robust.epoch },
            diverged: self.divergence.clone(),
            seeds: self.seeds.clone(),
            timings_ms: timings,
        }
    }
}

/// Runs a transfer link headless: every seed's sources, then the sweep over n.
pub fn run(link: &Link, clock: Clock) -> Result<Report, String> {
    driver::run::<TransferRun>(link, clock)
}
