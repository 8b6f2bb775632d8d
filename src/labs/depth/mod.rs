//! The depth lab: a continuous-depth classifier
//! R² → (lift) → R^d → (ODE block over t ∈ [0, 1]) → (readout) → softmax,
//! trained with Adam on exact gradients, then evaluated without retraining
//! under other integrators and step counts (graph invariance) and with its
//! weights projected onto smaller bases (compression). On images
//! (`data=digits|shapes`) the same trainer and evaluations drive the
//! convolutional model of [`image`]; both models are a [`Net`].

use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::core::driver::{self, Clock, Divergence, Driver, Progress};
use crate::core::link::{Link, Value};
use crate::core::memo;
use crate::num::basis::{Basis, Family};
use crate::num::ode::{self, Tableau};
use crate::num::optim::Adam;
use crate::num::rng::gaussian;
use block::{Block, Blowup, Norm, NormFit, Tape};
use data::Dataset;
use image::{ImageModel, ImageTape};
use loss::softmax_cross_entropy;

/// Weight-function bases θ(t) on [0, 1], by link name.
pub const BASES: &[&str] = &["pwc", "pwl", "fem", "legendre", "fourier"];

pub mod block;
pub mod data;
pub mod image;
pub mod image_kernel;
pub mod kernel;
pub mod lab;
mod loss;
pub mod pendulum;
pub mod rk;
#[cfg(target_arch = "wasm32")]
mod web;

/// Steps used by the invariance study.
pub const INVARIANCE_STEPS: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];
/// On images, where one evaluation costs hundreds of convolutions, the
/// invariance study re-integrates with these schemes and steps only.
pub const IMAGE_SCHEMES: [&Tableau; 3] = [&ode::EULER, &ode::MIDPOINT, &ode::RK4];
pub const IMAGE_STEPS: [usize; 6] = [1, 2, 4, 8, 16, 32];

/// The depth lab's settings, read from a link (see `labs::DEPTH` for ranges).
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub data: &'static str,
    pub scheme: &'static Tableau,
    pub steps: usize,
    pub basis: Basis,
    pub width: usize,
    pub dim: usize,
    pub epochs: usize,
    pub lr: f64,
    pub batch: usize,
    pub noise: f64,
    pub seed: u64,
    /// Feature maps of the convolutional block (image data).
    pub channels: usize,
    pub refine: Vec<usize>,
    pub dt: f64,
    /// Continuous-in-depth normalization on.
    pub norm: bool,
}

impl Config {
    /// The typed view of a depth link. `K` is raised to the nearest size the
    /// family allows (even for `pwl`, ≥ 2 for `fem`); the returned note says so.
    pub fn from_link(link: &Link) -> Result<(Config, Option<String>), String> {
        link.expect_lab("depth")?;
        let family = Family::by_name(link.choice("basis")).expect("basis choices are families");
        let k = link.int("K") as usize;
        let valid = family.valid_size(k);
        let note = (valid != k).then(|| {
            format!(
                "K: {} needs {}; using K = {valid}",
                family.name(),
                if family == Family::Pwl { "an even K" } else { "K ≥ 2" }
            )
        });
        let refine = match link.get("refine") {
            Some(Value::IntList(v)) => v.iter().map(|&e| e as usize).collect(),
            _ => Vec::new(),
        };
        Ok((
            Config {
                data: link.choice("data"),
                scheme: Tableau::by_name(link.choice("scheme")).expect("scheme choices are tableaux"),
                steps: link.int("steps") as usize,
                basis: Basis::new(family, valid).expect("valid size"),
                width: link.int("width") as usize,
                dim: link.int("dim") as usize,
                epochs: link.int("epochs") as usize,
                lr: link.float("lr"),
                batch: link.int("batch") as usize,
                noise: link.float("noise"),
                seed: link.int("seed") as u64,
                channels: link.int("channels") as usize,
                refine,
                dt: link.float("dt"),
                norm: link.choice("norm") == "batch",
            },
            note,
        ))
    }
}

/// The classifier's parameters (also used as the container of its gradient).
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// `d × 2`
    pub lift_w: Array2<f64>,
    pub lift_b: Array1<f64>,
    pub block: Block,
    /// `classes × d`
    pub out_w: Array2<f64>,
    pub out_b: Array1<f64>,
}

/// How one forward pass went wrong: the integration blew up.
pub type Diverged = Blowup;

impl Model {
    pub fn init(basis: Basis, dim: usize, width: usize, classes: usize, rng: &mut impl Rng) -> Model {
        let lift_w = Array2::from_shape_fn((dim, 2), |_| gaussian(rng) / 2f64.sqrt());
        let lift_b = Array1::zeros(dim);
        let block = Block::init(basis, dim, width, rng);
        let out_w = Array2::from_shape_fn((classes, dim), |_| gaussian(rng) / (dim as f64).sqrt());
        let out_b = Array1::zeros(classes);
        Model { lift_w, lift_b, block, out_w, out_b }
    }

    pub fn zeros_like(&self) -> Model {
        Model {
            lift_w: Array2::zeros(self.lift_w.raw_dim()),
            lift_b: Array1::zeros(self.lift_b.raw_dim()),
            block: self.block.zeros_like(),
            out_w: Array2::zeros(self.out_w.raw_dim()),
            out_b: Array1::zeros(self.out_b.raw_dim()),
        }
    }

    /// Every parameter, in a fixed order, for the optimizer.
    pub fn tensors_mut(&mut self) -> Vec<&mut [f64]> {
        let mut out: Vec<&mut [f64]> = vec![
            self.lift_w.as_slice_mut().expect("standard layout"),
            self.lift_b.as_slice_mut().expect("standard layout"),
            self.out_w.as_slice_mut().expect("standard layout"),
            self.out_b.as_slice_mut().expect("standard layout"),
        ];
        out.extend(self.block.tensors_mut());
        out
    }

    pub fn params(&self) -> usize {
        self.lift_w.len() + self.lift_b.len() + self.block.params() + self.out_w.len() + self.out_b.len()
    }

    /// The model with every depth-dependent weight projected onto `to`.
    pub fn project(&self, to: Basis) -> Model {
        Model { block: self.block.project(to), ..self.clone() }
    }

    fn lift(&self, x: ArrayView2<f64>) -> Array2<f64> {
        let mut h = x.dot(&self.lift_w.t());
        h += &self.lift_b;
        h
    }

    /// The hidden state after the ODE block, for `x` (`n × 2`).
    pub fn features(&self, x: ArrayView2<f64>, tab: &Tableau, steps: usize) -> Result<Array2<f64>, Diverged> {
        self.block.forward(tab, steps, 1.0, self.lift(x).view(), None)
    }

    /// Class scores for `x` (`n × 2`).
    pub fn logits(&self, x: ArrayView2<f64>, tab: &Tableau, steps: usize) -> Result<Array2<f64>, Diverged> {
        let mut z = self.features(x, tab, steps)?.dot(&self.out_w.t());
        z += &self.out_b;
        Ok(z)
    }

    /// Mean cross-entropy of a batch and its gradient.
    pub fn loss_and_grad(
        &self,
        x: ArrayView2<f64>,
        y: &[usize],
        tab: &Tableau,
        steps: usize,
    ) -> Result<(f64, Model), Diverged> {
        self.loss_grad_tape(x, y, tab, steps, &mut Tape::default())
    }

    /// As [`Model::loss_and_grad`], keeping the forward pass in `tape`.
    fn loss_grad_tape(
        &self,
        x: ArrayView2<f64>,
        y: &[usize],
        tab: &Tableau,
        steps: usize,
        tape: &mut Tape,
    ) -> Result<(f64, Model), Diverged> {
        let h0 = self.lift(x);
        let h1 = self.block.forward(tab, steps, 1.0, h0.view(), Some(&mut *tape))?;
        let mut z = h1.dot(&self.out_w.t());
        z += &self.out_b;
        let (loss, gz) = softmax_cross_entropy(z, y)?;
        let mut grad = self.zeros_like();
        grad.out_w = gz.t().dot(&h1);
        grad.out_b = gz.sum_axis(Axis(0));
        let gh1 = gz.dot(&self.out_w);
        let gh0 = self.block.backward(tab, steps, 1.0, tape, gh1, &mut grad.block);
        grad.lift_w = gh0.t().dot(&x);
        grad.lift_b = gh0.sum_axis(Axis(0));
        Ok((loss, grad))
    }
}

/// What the trainer and the evaluations need of a continuous-depth
/// classifier: the dense [`Model`] on points, the [`ImageModel`] on images.
pub trait Net: Clone + Sized {
    /// What one loss evaluation records for its backward pass.
    type Tape: Default;
    /// A fresh model for `config` on `split`'s classes, from `rng`.
    fn init(config: &Config, split: &data::Split, rng: &mut ChaCha8Rng) -> Self;
    fn basis(&self) -> Basis;
    /// The model with every depth-dependent weight projected onto `to`.
    fn project(&self, to: Basis) -> Self;
    fn params(&self) -> usize;
    /// Every parameter, in a fixed order, for the optimizer.
    fn tensors_mut(&mut self) -> Vec<&mut [f64]>;
    /// Class scores for the rows of `x`.
    fn logits(&self, x: ArrayView2<f64>, tab: &Tableau, steps: usize) -> Result<Array2<f64>, Diverged>;
    /// Mean cross-entropy of a batch and its gradient (as a model).
    fn loss_grad_tape(
        &self,
        x: ArrayView2<f64>,
        y: &[usize],
        tab: &Tableau,
        steps: usize,
        tape: &mut Self::Tape,
    ) -> Result<(f64, Self), Diverged>;
    /// How far training moved θ(t) from constant in depth.
    fn theta_variation(&self) -> f64;
    /// The batch statistics an epoch's tapes recorded, to fit (`None`
    /// without normalization).
    fn norm_fit(&self) -> Option<NormFit> {
        None
    }
    fn record(_fit: &mut NormFit, _tape: &Self::Tape) {}
    fn set_norm(&mut self, _fit: &NormFit) {}

    /// Fraction of `data` classified correctly (0 if the integration blows up).
    fn accuracy(&self, data: &Dataset, tab: &Tableau, steps: usize) -> f64 {
        match self.logits(data.x.view(), tab, steps) {
            Ok(z) => accuracy(&z, &data.y),
            Err(_) => 0.0,
        }
    }
}

/// The [`Net`] methods both models have as inherent methods of the same
/// name (`basis` and `theta_variation` read their `block`).
macro_rules! net_by_inherent_methods {
    () => {
        fn basis(&self) -> Basis {
            self.block.basis
        }
        fn project(&self, to: Basis) -> Self {
            Self::project(self, to)
        }
        fn params(&self) -> usize {
            Self::params(self)
        }
        fn tensors_mut(&mut self) -> Vec<&mut [f64]> {
            Self::tensors_mut(self)
        }
        fn logits(&self, x: ArrayView2<f64>, tab: &Tableau, steps: usize) -> Result<Array2<f64>, Diverged> {
            Self::logits(self, x, tab, steps)
        }
        fn loss_grad_tape(
            &self,
            x: ArrayView2<f64>,
            y: &[usize],
            tab: &Tableau,
            steps: usize,
            tape: &mut Self::Tape,
        ) -> Result<(f64, Self), Diverged> {
            Self::loss_grad_tape(self, x, y, tab, steps, tape)
        }
        fn theta_variation(&self) -> f64 {
            self.block.theta_variation()
        }
    };
}

impl Net for Model {
    type Tape = Tape;
    net_by_inherent_methods!();

    fn init(config: &Config, split: &data::Split, rng: &mut ChaCha8Rng) -> Model {
        let mut model = Model::init(config.basis, config.dim, config.width, split.train.classes, rng);
        if config.norm {
            model.block.norm = Some(Norm { stats: None });
        }
        model
    }
    fn norm_fit(&self) -> Option<NormFit> {
        self.block.norm.is_some().then(|| NormFit::new(self.block.basis, self.block.w))
    }
    fn record(fit: &mut NormFit, tape: &Tape) {
        fit.record(tape);
    }
    fn set_norm(&mut self, fit: &NormFit) {
        if let Some(norm) = &mut self.block.norm {
            norm.stats = fit.solve();
        }
    }
}

impl Net for ImageModel {
    type Tape = ImageTape;
    net_by_inherent_methods!();

    fn init(config: &Config, split: &data::Split, rng: &mut ChaCha8Rng) -> ImageModel {
        let side = split.train.side.expect("image data");
        ImageModel::init(config.basis, config.channels, side, split.train.classes, rng)
    }
}

/// The predicted class of each row of scores `z` (the first of equal maxima).
pub fn predicted(z: &Array2<f64>) -> Vec<usize> {
    z.rows()
        .into_iter()
        .map(|row| row.iter().enumerate().fold((0, f64::NEG_INFINITY), |b, (i, &v)| if v > b.1 { (i, v) } else { b }).0)
        .collect()
}

fn accuracy(z: &Array2<f64>, y: &Array1<usize>) -> f64 {
    let hits = predicted(z).iter().zip(y).filter(|(p, label)| p == label).count();
    hits as f64 / y.len() as f64
}

/// One epoch's numbers, for charts.
#[derive(Clone, Debug, Serialize)]
pub struct EpochStats {
    pub epoch: usize,
    pub loss: f64,
    pub test_accuracy: f64,
    pub steps: usize,
    #[serde(rename = "K")]
    pub k: usize,
    /// True on the epoch at whose start the model was refined.
    pub refined: bool,
}

/// Training in progress: advance it an epoch at a time (the page does so
/// between frames; the CLI in a loop).
pub struct Trainer<M: Net = Model> {
    pub config: Config,
    pub model: M,
    pub split: data::Split,
    /// Current steps (doubled by refinement).
    pub steps: usize,
    pub epoch: usize,
    pub history: Vec<EpochStats>,
    pub diverged: Option<Divergence>,
    /// The model and steps as the last complete epoch left them, kept only
    /// once an epoch has diverged part-way (its updates are not a model).
    last_complete: Option<(M, usize)>,
    adam: Adam,
    rng: ChaCha8Rng,
}

impl<M: Net> Trainer<M> {
    pub fn new(config: Config) -> Result<Trainer<M>, String> {
        let split = data::generate(config.data, config.noise, config.seed)
            .ok_or_else(|| format!("data={} is not a classification dataset", config.data))?;
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let model = M::init(&config, &split, &mut rng);
        let adam = Adam::new(config.lr);
        Ok(Trainer {
            steps: config.steps,
            model,
            split,
            epoch: 0,
            history: Vec::new(),
            diverged: None,
            last_complete: None,
            adam,
            rng,
            config,
        })
    }

    pub fn done(&self) -> bool {
        self.diverged.is_some() || self.epoch >= self.config.epochs
    }

    /// Doubles the steps and refines the basis; θ(t) is unchanged exactly.
    fn refine(&mut self) {
        let to = self.model.basis().refined();
        self.model = self.model.project(to);
        self.steps *= 2;
        // The optimizer's moments belong to the old coefficients.
        self.adam = Adam::new(self.config.lr);
    }

    /// Trains one epoch over shuffled mini-batches. Returns its stats, or
    /// `None` once done (finished or diverged).
    pub fn epoch(&mut self) -> Option<&EpochStats> {
        if self.done() {
            return None;
        }
        let refined = self.config.refine.contains(&self.epoch) && self.epoch > 0;
        let start = (self.model.clone(), self.steps);
        if refined {
            self.refine();
        }
        let train = &self.split.train;
        let n = train.x.nrows();
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, self.rng.random_range(0..=i));
        }
        let mut total = 0.0;
        let mut fit = self.model.norm_fit();
        let mut tape = M::Tape::default();
        for chunk in order.chunks(self.config.batch) {
            let x = train.x.select(Axis(0), chunk);
            let y: Vec<usize> = chunk.iter().map(|&i| train.y[i]).collect();
            let result = self.model.loss_grad_tape(x.view(), &y, self.config.scheme, self.steps, &mut tape);
            if let Some(fit) = &mut fit {
                M::record(fit, &tape);
            }
            let (loss, mut grad) = match result {
                Ok(ok) => ok,
                Err(blowup) => return self.stop(blowup.quantity, start),
            };
            total += loss * chunk.len() as f64;
            let grads: Vec<Vec<f64>> = grad.tensors_mut().into_iter().map(|g| g.to_vec()).collect();
            if grads.iter().flatten().any(|g| !g.is_finite()) {
                return self.stop("the gradient".into(), start);
            }
            self.adam.step(self.model.tensors_mut(), &grads);
        }
        if let Some(fit) = &fit {
            self.model.set_norm(fit);
        }
        self.epoch += 1;
        let stats = EpochStats {
            epoch: self.epoch,
            loss: total / n as f64,
            test_accuracy: self.model.accuracy(&self.split.test, self.config.scheme, self.steps),
            steps: self.steps,
            k: self.model.basis().k,
            refined,
        };
        self.history.push(stats);
        self.history.last()
    }

    /// Accuracy on the training set of the model the last complete epoch
    /// left (`None` before one). Computed on request, not every epoch: it is
    /// a forward pass over three times the test set, and only the report
    /// reads it.
    pub fn train_accuracy(&self) -> Option<f64> {
        self.history.last()?;
        let (model, steps) = self.last_complete.as_ref().map_or((&self.model, self.steps), |(m, s)| (m, *s));
        Some(model.accuracy(&self.split.train, self.config.scheme, steps))
    }

    fn stop(&mut self, quantity: String, last_complete: (M, usize)) -> Option<&EpochStats> {
        self.last_complete = Some(last_complete);
        self.diverged = Some(Divergence {
            epoch: self.epoch + 1,
            message: format!(
                "training diverged in epoch {}: {quantity} blew up. Lower the learning rate (lr = {}) or use more steps (steps = {}, h = {}).",
                self.epoch + 1,
                self.config.lr,
                self.steps,
                1.0 / self.steps as f64
            ),
            what: quantity,
        });
        None
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Invariance {
    pub scheme: &'static str,
    pub steps: usize,
    pub test_accuracy: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Compression {
    pub basis: &'static str,
    #[serde(rename = "K")]
    pub k: usize,
    pub params: usize,
    pub test_accuracy: f64,
}

/// Test accuracy of the trained model under every tableau and step count.
pub fn invariance<M: Net>(model: &M, test: &Dataset) -> Vec<Invariance> {
    let schemes: &[&Tableau] = if test.side.is_some() { &IMAGE_SCHEMES } else { &ode::ALL };
    let steps: &[usize] = if test.side.is_some() { &IMAGE_STEPS } else { &INVARIANCE_STEPS };
    schemes
        .iter()
        .flat_map(|tab| {
            steps.iter().map(move |&steps| Invariance {
                scheme: tab.name,
                steps,
                test_accuracy: model.accuracy(test, tab, steps),
            })
        })
        .collect()
}

/// Test accuracy and size after projecting onto each basis family and each
/// valid K′ ≤ K, evaluated with the training scheme and steps. On images
/// (where each evaluation costs hundreds of convolutions), onto the
/// training family only.
pub fn compression<M: Net>(model: &M, test: &Dataset, tab: &Tableau, steps: usize) -> Vec<Compression> {
    let k = model.basis().k;
    let mut out = Vec::new();
    let families = if test.side.is_some() { vec![model.basis().family.name()] } else { BASES.to_vec() };
    for name in families {
        let family = Family::by_name(name).expect("BASES are families");
        let mut sizes: Vec<usize> = (1..=k).map(|kk| family.valid_size(kk)).filter(|&kk| kk <= k).collect();
        sizes.dedup();
        for kk in sizes {
            let projected = model.project(Basis::new(family, kk).expect("valid size"));
            out.push(Compression {
                basis: family.name(),
                k: kk,
                params: projected.params(),
                test_accuracy: projected.accuracy(test, tab, steps),
            });
        }
    }
    out
}

/// Wall-clock milliseconds of each part of [`run`].
#[derive(Clone, Debug, Default, Serialize)]
pub struct Timings {
    pub train: f64,
    pub invariance: f64,
    pub compression: f64,
    pub convergence: f64,
}

/// What `continuum run` prints for a depth link.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub link: String,
    pub train_loss: f64,
    /// `None` for the pendulum study, which is a regression.
    pub train_accuracy: Option<f64>,
    pub test_accuracy: Option<f64>,
    pub params: usize,
    pub epochs_run: usize,
    pub diverged: bool,
    pub divergence: Option<Divergence>,
    pub invariance: Vec<Invariance>,
    pub compression: Vec<Compression>,
    /// How far training moved θ(t) from constant in depth
    /// ([`Block::theta_variation`]); `None` for the pendulum study.
    pub theta_variation: Option<f64>,
    pub convergence: Vec<pendulum::Point>,
    pub timings_ms: Timings,
}

/// What one unit of a depth run did.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Step {
    /// One epoch of the classifier.
    Epoch(EpochStats),
    /// One epoch of the pendulum field's fit.
    Fit { epoch: usize, train_loss: f64 },
    /// The fitted field integrated at every step size.
    Convergence { points: Vec<pendulum::Point> },
}

/// A classifier run: the trainer, then (run to the end) the invariance
/// and compression evaluations of the trained model.
pub struct ClassifierRun<M: Net = Model> {
    pub trainer: Trainer<M>,
    link: String,
    evaluation: Option<(Vec<Invariance>, Vec<Compression>)>,
    timings: Timings,
}

/// The learned-dynamics study: the vector field fitted an epoch a step,
/// then (one more step) integrated at every step size.
pub struct PendulumRun {
    config: Config,
    link: String,
    fit: pendulum::Fit,
    /// The convergence study, once the fit is done (empty if it diverged).
    convergence: Option<Vec<pendulum::Point>>,
    timings: Timings,
}

/// A depth link's experiment.
pub enum DepthRun {
    Classifier(Box<ClassifierRun>),
    /// The convolutional classifier on image data.
    Image(Box<ClassifierRun<ImageModel>>),
    Pendulum(Box<PendulumRun>),
}

impl<M: Net> ClassifierRun<M> {
    fn new(config: Config, link: String) -> Result<ClassifierRun<M>, String> {
        Ok(ClassifierRun { trainer: Trainer::new(config)?, link, evaluation: None, timings: Timings::default() })
    }

    /// One epoch (`None` once done).
    fn step(&mut self, clock: Clock) -> Option<Step> {
        let t = clock();
        let stats = self.trainer.epoch().cloned();
        self.timings.train += clock() - t;
        stats.map(Step::Epoch)
    }

    /// Evaluates the trained model under every scheme and step count and
    /// every smaller basis, once.
    fn finish(&mut self, clock: Clock) {
        let (inv, comp, [ti, tc]) = self.evaluate(clock);
        (self.timings.invariance, self.timings.compression) = (ti, tc);
        self.evaluation = Some((inv, comp));
    }

    fn progress(&self) -> (usize, usize, Option<String>, bool) {
        let t = &self.trainer;
        (t.epoch, t.config.epochs, t.diverged.as_ref().map(|d| d.message.clone()), t.done())
    }

    /// Invariance and compression of the trained model (`None` if it diverged).
    fn evaluate(&self, clock: Clock) -> (Vec<Invariance>, Vec<Compression>, [f64; 2]) {
        let t = &self.trainer;
        if t.diverged.is_some() {
            return (Vec::new(), Vec::new(), [0.0; 2]);
        }
        let t1 = clock();
        let inv = invariance(&t.model, &t.split.test);
        let t2 = clock();
        let comp = compression(&t.model, &t.split.test, t.config.scheme, t.steps);
        (inv, comp, [t2 - t1, clock() - t2])
    }

    fn report(&self) -> Report {
        let t = &self.trainer;
        let last = t.history.last();
        let (invariance, compression) = match &self.evaluation {
            Some(e) => e.clone(),
            None => {
                let (i, c, _) = self.evaluate(&|| 0.0);
                (i, c)
            }
        };
        Report {
            link: self.link.clone(),
            train_loss: last.map_or(f64::NAN, |s| s.loss),
            train_accuracy: t.train_accuracy(),
            test_accuracy: last.map(|s| s.test_accuracy),
            params: t.model.params(),
            epochs_run: t.epoch,
            diverged: t.diverged.is_some(),
            divergence: t.diverged.clone(),
            invariance,
            compression,
            theta_variation: Some(t.model.theta_variation()),
            convergence: Vec::new(),
            timings_ms: self.timings.clone(),
        }
    }
}

impl PendulumRun {
    fn new(config: Config, link: String) -> PendulumRun {
        let fit = pendulum::Fit::new(config.scheme, config.dt, config.lr, config.batch, config.seed);
        PendulumRun { config, link, fit, convergence: None, timings: Timings::default() }
    }

    fn fitted(&self) -> bool {
        self.fit.epochs_run >= self.config.epochs || self.fit.diverged.is_some()
    }

    fn step(&mut self, clock: Clock) -> Option<Step> {
        if self.convergence.is_some() {
            return None;
        }
        let t0 = clock();
        if !self.fitted() {
            let loss = self.fit.epoch();
            self.timings.train += clock() - t0;
            if let Some(train_loss) = loss {
                return Some(Step::Fit { epoch: self.fit.epochs_run, train_loss });
            }
        }
        let fit = &self.fit;
        let points =
            if fit.diverged.is_none() { pendulum::convergence(&fit.field, self.config.scheme) } else { Vec::new() };
        self.timings.convergence = clock() - t0;
        self.convergence = Some(points.clone());
        Some(Step::Convergence { points })
    }

    fn report(&self) -> Report {
        let fit = &self.fit;
        let convergence = self.convergence.as_ref().expect("report after the fit");
        let divergence = fit.diverged.clone().map(|quantity| Divergence {
            epoch: fit.epochs_run + 1,
            message: format!(
                "training diverged in epoch {}: {quantity} blew up. Lower the learning rate (lr = {}).",
                fit.epochs_run + 1,
                self.config.lr
            ),
            what: quantity,
        });
        Report {
            link: self.link.clone(),
            train_loss: fit.loss,
            train_accuracy: None,
            test_accuracy: None,
            params: fit.field.params(),
            epochs_run: fit.epochs_run,
            diverged: divergence.is_some(),
            divergence,
            invariance: Vec::new(),
            compression: Vec::new(),
            theta_variation: None,
            convergence: convergence.clone(),
            timings_ms: self.timings.clone(),
        }
    }
}

impl Driver for DepthRun {
    type Step = Step;
    type Report = Report;

    fn start(link: &Link) -> Result<DepthRun, String> {
        let (config, _) = Config::from_link(link)?;
        let link = link.canonical();
        Ok(match config.data {
            "pendulum" => DepthRun::Pendulum(Box::new(PendulumRun::new(config, link))),
            name if data::IMAGES.contains(&name) => DepthRun::Image(Box::new(ClassifierRun::new(config, link)?)),
            _ => DepthRun::Classifier(Box::new(ClassifierRun::new(config, link)?)),
        })
    }

    fn step(&mut self, clock: Clock) -> Option<Step> {
        match self {
            DepthRun::Classifier(c) => c.step(clock),
            DepthRun::Image(c) => c.step(clock),
            DepthRun::Pendulum(p) => p.step(clock),
        }
    }

    /// Trains to the end, then evaluates the trained model under every
    /// scheme and step count and every smaller basis.
    fn finish(&mut self, clock: Clock) {
        while self.step(clock).is_some() {}
        match self {
            DepthRun::Classifier(c) => c.finish(clock),
            DepthRun::Image(c) => c.finish(clock),
            DepthRun::Pendulum(_) => {}
        }
    }

    fn progress(&self) -> Progress {
        let (done, total, divergence, finished) = match self {
            DepthRun::Classifier(c) => c.progress(),
            DepthRun::Image(c) => c.progress(),
            DepthRun::Pendulum(p) => (
                p.fit.epochs_run + usize::from(p.convergence.is_some()),
                p.config.epochs + 1,
                p.fit.diverged.as_ref().map(|what| format!("training diverged: {what} blew up")),
                p.convergence.is_some(),
            ),
        };
        let label = if finished { "done".to_string() } else { format!("epoch {done} of {total}") };
        Progress { done: if finished { total } else { done }, total, label, finished, divergence }
    }

    fn report(&self) -> Report {
        match self {
            DepthRun::Classifier(c) => c.report(),
            DepthRun::Image(c) => c.report(),
            DepthRun::Pendulum(p) => p.report(),
        }
    }
}

/// Trains and evaluates the experiment a depth link describes. `clock`
/// returns milliseconds (the CLI and the page measure time differently).
///
/// The report depends on the link only through its [`Config`] (and names
/// the link): links that differ only in evaluation knobs (`eK`, `esteps`),
/// like the compression claim and its control, share one run when
/// [`memo`](crate::core::memo) sharing is on.
pub fn run(link: &Link, clock: Clock) -> Result<Report, String> {
    let (config, _) = Config::from_link(link)?;
    let mut report = memo::shared(|| format!("depth {config:?}"), || driver::run::<DepthRun>(link, clock))?;
    report.link = link.canonical();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    /// Reads a link against this lab alone.
    fn parse(input: &str) -> crate::core::link::Parsed {
        crate::core::link::parse_with(input, &[&crate::labs::depth::lab::LAB])
    }

    fn config(link: &str) -> Config {
        Config::from_link(&parse(link).link).unwrap().0
    }

    #[test]
    fn full_model_gradient_matches_central_differences() {
        let cfg = config("lab=depth&basis=legendre&K=3&width=5&dim=3&data=blobs");
        let split = data::generate("blobs", 0.1, 1).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let model = Model::init(cfg.basis, 3, 5, 3, &mut rng);
        let x = split.train.x.slice(ndarray::s![..9, ..]).to_owned();
        let y: Vec<usize> = split.train.y.iter().take(9).copied().collect();
        let (_, mut grad) = model.loss_and_grad(x.view(), &y, &ode::RK3, 3).unwrap();
        let grads: Vec<Vec<f64>> = grad.tensors_mut().into_iter().map(|g| g.to_vec()).collect();
        let eps = 1e-6;
        for (t, g) in grads.iter().enumerate() {
            for i in 0..g.len() {
                let (mut p, mut m) = (model.clone(), model.clone());
                p.tensors_mut()[t][i] += eps;
                m.tensors_mut()[t][i] -= eps;
                let lp = p.loss_and_grad(x.view(), &y, &ode::RK3, 3).unwrap().0;
                let lm = m.loss_and_grad(x.view(), &y, &ode::RK3, 3).unwrap().0;
                let numeric = (lp - lm) / (2.0 * eps);
                assert!(
                    (g[i] - numeric).abs() < 1e-6 * (1.0 + numeric.abs()),
                    "tensor {t}[{i}]: {} vs {numeric}",
                    g[i]
                );
            }
        }
    }

    #[test]
    fn refinement_keeps_the_weight_functions_and_nearly_the_function() {
        let mut t: Trainer =
            Trainer::new(config("lab=depth&epochs=3&refine=2&K=4&steps=4&basis=pwc&scheme=rk4")).unwrap();
        t.epoch();
        t.epoch();
        let before = t.model.clone();
        let x = t.split.test.x.clone();
        t.epoch();
        assert!(t.history[2].refined);
        assert_eq!((t.steps, t.model.block.basis.k), (8, 8));
        // θ(t) is unchanged exactly by the refinement itself…
        let mut refined = before.clone();
        refined.block = before.block.project(before.block.basis.refined());
        for i in 0..=50 {
            let depth = i as f64 / 50.0;
            let (mut pa, mut pb) = (vec![0.0; 4], vec![0.0; 8]);
            before.block.basis.eval(depth, &mut pa);
            refined.block.basis.eval(depth, &mut pb);
            let (a, b) = (before.block.at(&pa), refined.block.at(&pb));
            assert!((&a.w1 - &b.w1).iter().chain((&a.w2 - &b.w2).iter()).all(|v| v.abs() < 1e-12));
        }
        // …so the network changes only by RK4's error at twice the steps.
        let la = before.logits(x.view(), &ode::RK4, 4).unwrap();
        let lb = refined.logits(x.view(), &ode::RK4, 8).unwrap();
        let worst = (&la - &lb).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(worst < 1e-3, "logits moved by {worst}");
        assert_eq!(before.accuracy(&t.split.test, &ode::RK4, 4), refined.accuracy(&t.split.test, &ode::RK4, 8));
    }

    #[test]
    fn huge_learning_rate_diverges_cleanly() {
        let mut t: Trainer = Trainer::new(config("lab=depth&lr=10&epochs=50&steps=2&scheme=euler")).unwrap();
        while t.epoch().is_some() {}
        let d = t.diverged.as_ref().expect("lr = 10 must diverge");
        assert!(d.message.contains("Lower the learning rate"), "{}", d.message);
        assert!(d.epoch >= 1 && d.epoch <= 50);
    }

    #[test]
    fn train_accuracy_is_the_last_complete_epochs_even_after_a_divergence() {
        let mut t: Trainer = Trainer::new(config("lab=depth&epochs=10&steps=4")).unwrap();
        assert_eq!(t.train_accuracy(), None, "no epoch, no accuracy");
        for _ in 0..3 {
            t.epoch();
        }
        let (good, steps) = (t.model.clone(), t.steps);
        let expected = good.accuracy(&t.split.train, t.config.scheme, steps);
        assert_eq!(t.train_accuracy(), Some(expected));
        // A step size no model survives: the fourth epoch blows up after
        // its first batch has moved the weights.
        t.adam = Adam::new(1e12);
        assert!(t.epoch().is_none() && t.diverged.is_some());
        assert_eq!(t.history.len(), 3);
        // Control: the weights did move, so reading the current model would
        // be another model's accuracy.
        assert_ne!(t.model, good);
        assert_eq!(t.train_accuracy(), Some(expected));
    }
}
