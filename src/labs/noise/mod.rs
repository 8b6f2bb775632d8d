//! The noise lab: noise as a tool, in three studies (science notes:
//! `docs/noise.md`).
//!
//! - **rnn** (`rnn.rs`, `ecg.rs`, `robust.rs`): a Lipschitz RNN trained
//!   deterministically and as a noisy SDE, side by side on synthetic
//!   heartbeats, then both evaluated under input perturbations (Lim et al.,
//!   NeurIPS 2021).
//! - **stabilize** (`paths.rs`, `philox.rs`, `paths_kernel.rs`): noise makes
//!   the growing `dX = aX dt + σX dW` decay almost surely while its mean
//!   square explodes.
//! - **titrate** (`titrate.rs`): noise-response curves of a set of small
//!   classifiers tell the backdoored ones from the clean ones, and point at
//!   the backdoor's target (Erichson et al.).

pub mod driver;
pub mod ecg;
pub mod lab;
pub mod paths;
pub mod paths_kernel;
pub mod philox;
pub mod rnn;
pub mod robust;
pub mod titrate;

#[cfg(target_arch = "wasm32")]
mod web;

use ndarray::Array2;
use serde::Serialize;

use crate::core::link::Link;
use crate::num::eigvals;
use ecg::Beats;
use paths::{Sde, Stats};
use rnn::{batch, EpochStats, Noise, Rnn, Settings, TrainedModel, Trainer};
use robust::Kind;
use titrate::{Curve, Titration, Trigger};

/// Which study a link runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Study {
    Rnn,
    Stabilize,
    Titrate,
}

/// The RNN study's settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RnnConfig {
    pub settings: Settings,
    pub noise: Noise,
    pub lr: f64,
    pub epochs: usize,
    pub seeds: usize,
    pub seed: u64,
}

/// Everything a noise link sets.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Config {
    pub study: Study,
    pub rnn: RnnConfig,
    pub sde: Sde,
    pub titration: Titration,
}

impl Config {
    pub fn from_link(link: &Link) -> Result<Config, String> {
        link.expect_lab("noise")?;
        let seed = link.int("seed") as u64;
        let study = match link.choice("study") {
            "stabilize" => Study::Stabilize,
            "titrate" => Study::Titrate,
            _ => Study::Rnn,
        };
        Ok(Config {
            study,
            rnn: RnnConfig {
                settings: Settings {
                    units: link.int("units") as usize,
                    beta: link.float("beta"),
                    gamma: link.float("gamma"),
                    alpha: 1.0,
                    eps: link.float("eps"),
                },
                noise: Noise { add: link.float("add"), mult: link.float("mult") },
                lr: link.float("lr"),
                epochs: link.int("epochs") as usize,
                seeds: link.int("seeds") as usize,
                seed,
            },
            sde: Sde {
                a: link.float("a"),
                sigma: link.float("sigma"),
                dt: link.float("dt"),
                horizon: link.float("T"),
                paths: link.int("paths") as usize,
                seed,
            },
            titration: Titration {
                arch: match link.choice("arch") {
                    "cnn" => titrate::Arch::Cnn,
                    "cnn3" => titrate::Arch::Cnn3,
                    _ => titrate::Arch::Mlp,
                },
                channels: if link.choice("colour") == "rgb" { 3 } else { 1 },
                trigger: Trigger::parse(link.choice("trigger")),
                poison: link.float("poison"),
                models: link.int("models") as usize,
                epochs: link.int("tepochs") as usize,
                confidence: link.float("conf"),
                seed,
            },
        })
    }
}

impl RnnConfig {
    pub fn seeds(&self) -> Vec<u64> {
        (0..self.seeds as u64).map(|i| self.seed + i).collect()
    }
}

/// One number per model of the RNN study.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Pair<T> {
    pub deterministic: T,
    pub noisy: T,
}

/// Accuracy of both models under one perturbation.
#[derive(Clone, Debug, Serialize)]
pub struct RobustRow {
    pub perturbation: Kind,
    pub level: f64,
    pub deterministic: f64,
    pub noisy: f64,
    /// Per seed, deterministic then noisy.
    pub per_seed: Vec<[f64; 2]>,
}

/// Sequences evaluated per call, so the page can spread a sweep over slices.
pub const EVAL_CHUNK: usize = 250;

/// How many of `data`'s sequences `model` classifies right (no noise).
pub fn correct(model: &Rnn, data: &Beats, first: usize, count: usize) -> usize {
    let idx: Vec<usize> = (first..(first + count).min(data.len())).collect();
    let (x, y) = batch(data, &idx);
    let logits = model.fast().logits(rnn::narrow(&x).view());
    logits.rows().into_iter().zip(&y).filter(|(row, &label)| rnn::argmax(row.as_slice().expect("row")) == label).count()
}

/// Accuracy of `model` on all of `data`.
pub fn evaluate(model: &Rnn, data: &Beats) -> f64 {
    let right: usize = (0..data.len()).step_by(EVAL_CHUNK).map(|f| correct(model, data, f, EVAL_CHUNK)).sum();
    right as f64 / data.len() as f64
}

/// Eigenvalues of the symmetric part of `A` (`(1 − β)(B + Bᵀ) − γI`), ascending.
pub fn symmetric_spectrum(model: &Rnn) -> Vec<f64> {
    let a = model.a();
    let n = a.nrows();
    let sym: Vec<f64> = (0..n * n).map(|k| 0.5 * (a[[k / n, k % n]] + a[[k % n, k / n]])).collect();
    // num::eigvals, not faer: the same bits in the page as in the CLI.
    // NaN for a matrix that is not finite (a diverged model) or did not converge.
    eigvals::symmetric(&sym, n).unwrap_or_else(|| vec![f64::NAN; n])
}

/// Hidden-state trajectories of the first `units` units for test sequence `i`.
pub fn trajectory(model: &Rnn, data: &Beats, i: usize, units: usize) -> Vec<Vec<f64>> {
    let (x, _) = batch(data, &[i]);
    let (_, cache) = model.fast().forward(rnn::narrow(&x).view(), None);
    let states = cache.states();
    (0..units.min(model.settings.units)).map(|u| states.iter().map(|h| f64::from(h[[0, u]])).collect()).collect()
}

/// One seed of the RNN study: data, both trainers.
pub struct RnnSeed {
    pub seed: u64,
    pub train: Beats,
    pub test: Beats,
    pub deterministic: Trainer,
    pub noisy: Trainer,
    /// The noisy model trains elsewhere ([`NoisyModels`]) and is adopted
    /// when done.
    pub elsewhere: bool,
}

impl RnnSeed {
    pub fn new(config: &RnnConfig, seed: u64) -> RnnSeed {
        let (train, test) = ecg::data(seed);
        RnnSeed {
            seed,
            train,
            test,
            deterministic: Trainer::new(config.settings, Noise::default(), config.lr, config.epochs, seed),
            noisy: Trainer::new(config.settings, config.noise, config.lr, config.epochs, seed),
            elsewhere: false,
        }
    }

    /// One batch of each model not done; the epochs that completed.
    /// Without training noise the two models are the same model (same
    /// weights, batches and no noise to draw), so it is trained once and
    /// copied when done.
    pub fn batch(&mut self) -> (Option<EpochStats>, Option<EpochStats>) {
        let deterministic = self.deterministic.batch(&self.train);
        if self.twins() {
            if self.deterministic.done() {
                self.noisy = self.deterministic.clone();
            }
            return (deterministic, deterministic);
        }
        if self.elsewhere {
            return (deterministic, None);
        }
        (deterministic, self.noisy.batch(&self.train))
    }

    /// Whether the "noisy" model trains without noise, and so is the
    /// deterministic one bit for bit: it is trained and evaluated once.
    pub fn twins(&self) -> bool {
        !self.noisy.model.noisy
    }

    pub fn done(&self) -> bool {
        self.deterministic.done() && self.noisy.done()
    }

    /// Both models' [`Rnn::sensitivity`] on the first 500 test sequences.
    pub fn sensitivity(&self) -> Pair<rnn::Sensitivity> {
        let (x, y) = batch(&self.test, &(0..500.min(self.test.len())).collect::<Vec<_>>());
        let x = rnn::narrow(&x);
        let deterministic = self.deterministic.model.fast().sensitivity(x.view(), &y);
        Pair {
            deterministic,
            noisy: if self.twins() { deterministic } else { self.noisy.model.fast().sensitivity(x.view(), &y) },
        }
    }

    /// `model`'s accuracies on the perturbed test sets, in
    /// [`robust::unique_conditions`] order (in parallel natively).
    pub fn accuracies(&self, model: &Trainer) -> Vec<f64> {
        let eval =
            |&(kind, level): &(Kind, f64)| evaluate(&model.model, &robust::perturb(&self.test, kind, level, self.seed));
        let conditions = robust::unique_conditions();
        #[cfg(not(target_arch = "wasm32"))]
        let accuracies: Vec<f64> = {
            use rayon::prelude::*;
            conditions.par_iter().map(eval).collect()
        };
        #[cfg(target_arch = "wasm32")]
        let accuracies: Vec<f64> = conditions.iter().map(eval).collect();
        accuracies
    }
}

/// The noisy models of an RNN link's seeds, trained and evaluated on their
/// own. The page's second worker runs this beside the [`driver::RnnRun`]
/// that trains and evaluates the deterministic models
/// (`train_noisy_elsewhere`) and sends it each [`TrainedModel`], then the
/// model's accuracy on each perturbed test set. The two models of a seed
/// share nothing but the seed (each trainer draws its own batches and noise,
/// and a perturbed test set depends on the seed and the condition alone), so
/// training and evaluating them apart gives the same bits as together; an
/// accuracy is a count of right answers over the test set's size.
pub struct NoisyModels {
    config: RnnConfig,
    seeds: Vec<u64>,
    index: usize,
    train: Beats,
    test: Beats,
    trainer: Trainer,
    /// Once the seed's model is trained: the condition being evaluated
    /// (in [`robust::unique_conditions`] order), its perturbed test set, the
    /// sequences done and those right.
    evaluating: Option<(usize, Option<Beats>, usize, usize)>,
}

/// One unit of [`NoisyModels`]: a batch, with the epoch's numbers when one
/// completed and the model once its training is done; or a chunk of
/// evaluation, with the accuracy once a condition is done.
#[derive(Serialize)]
pub struct NoisyBatch {
    pub seed: u64,
    pub stats: Option<EpochStats>,
    pub trained: Option<TrainedModel>,
    pub evaluated: Option<NoisyAccuracy>,
}

/// The noisy model's accuracy on unique condition `condition` of its seed.
#[derive(Serialize, Clone, Copy, Debug, PartialEq)]
pub struct NoisyAccuracy {
    pub condition: usize,
    pub accuracy: f64,
}

impl NoisyModels {
    pub fn new(config: RnnConfig) -> NoisyModels {
        let seeds = config.seeds();
        let trainer = Self::trainer(&config, seeds[0]);
        let (train, test) = ecg::data(seeds[0]);
        NoisyModels { train, test, config, seeds, index: 0, trainer, evaluating: None }
    }

    fn trainer(config: &RnnConfig, seed: u64) -> Trainer {
        Trainer::new(config.settings, config.noise, config.lr, config.epochs, seed)
    }

    /// One batch, or one [`EVAL_CHUNK`] of evaluation; `None` once every
    /// seed's model is trained and evaluated.
    pub fn batch(&mut self) -> Option<NoisyBatch> {
        let seed = *self.seeds.get(self.index)?;
        let unit = NoisyBatch { seed, stats: None, trained: None, evaluated: None };
        let Some((c, data, first, right)) = &mut self.evaluating else {
            let stats = self.trainer.batch(&self.train);
            let trained = self.trainer.done().then(|| self.trainer.trained());
            if trained.is_some() {
                self.evaluating = Some((0, None, 0, 0));
            }
            return Some(NoisyBatch { stats, trained, ..unit });
        };
        let (kind, level) = robust::unique_conditions()[*c];
        let data = data.get_or_insert_with(|| robust::perturb(&self.test, kind, level, seed));
        *right += correct(&self.trainer.model, data, *first, EVAL_CHUNK);
        *first += EVAL_CHUNK;
        if *first < data.len() {
            return Some(unit);
        }
        let evaluated = NoisyAccuracy { condition: *c, accuracy: *right as f64 / data.len() as f64 };
        if *c + 1 < robust::unique_conditions().len() {
            self.evaluating = Some((*c + 1, None, 0, 0));
        } else {
            self.evaluating = None;
            self.index += 1;
            if let Some(&next) = self.seeds.get(self.index) {
                (self.train, self.test) = ecg::data(next);
                self.trainer = Self::trainer(&self.config, next);
            }
        }
        Some(NoisyBatch { evaluated: Some(evaluated), ..unit })
    }
}

/// The robustness rows from per-seed accuracies (`[seed][condition]`).
pub fn robust_rows(per_seed: &[Vec<[f64; 2]>]) -> Vec<RobustRow> {
    robust::conditions()
        .into_iter()
        .enumerate()
        .map(|(c, (perturbation, level))| {
            let seeds: Vec<[f64; 2]> = per_seed.iter().map(|s| s[c]).collect();
            let mean = |k: usize| seeds.iter().map(|p| p[k]).sum::<f64>() / seeds.len().max(1) as f64;
            RobustRow { perturbation, level, deterministic: mean(0), noisy: mean(1), per_seed: seeds }
        })
        .collect()
}

/// What `continuum run` prints for `study=rnn`.
#[derive(Debug, Serialize)]
pub struct RnnReport {
    pub link: String,
    pub study: Study,
    /// Noise-free test accuracy, mean over the seeds.
    pub clean_accuracy: Pair<f64>,
    pub robustness: Vec<RobustRow>,
    pub epochs_run: Pair<usize>,
    pub diverged: Option<String>,
    pub seeds: Vec<u64>,
    /// Eigenvalues of the symmetric part of A after training (first seed).
    pub spectrum: Pair<Vec<f64>>,
    /// Mean of the noisy model's learned step d (it starts at ε).
    pub learned_step: f64,
    /// Input gradient of the margin and first-order distance to the
    /// boundary on the first 500 test sequences (first seed; `Rnn::sensitivity`).
    pub input_sensitivity: Pair<rnn::Sensitivity>,
    pub timings_ms: serde_json::Map<String, serde_json::Value>,
}

/// What `continuum run` prints for `study=stabilize`.
#[derive(Debug, Serialize)]
pub struct StabilizeReport {
    pub link: String,
    pub study: Study,
    #[serde(flatten)]
    pub stats: Stats,
    pub paths_per_second: f64,
    pub timings_ms: serde_json::Map<String, serde_json::Value>,
}

/// What `continuum run` prints for `study=titrate`.
#[derive(Clone, Debug, Serialize)]
pub struct TitrateReport {
    pub link: String,
    pub study: Study,
    /// The paper's detector (`auc`, `roc`), the targets found, and the
    /// other features' AUCs measured beside it.
    #[serde(flatten)]
    pub detection: titrate::Detection,
    pub backdoored_models: usize,
    pub curves: Vec<Curve>,
    pub levels: Vec<f64>,
    pub feature_levels: Vec<f64>,
    /// Noisy evaluation of every model plus the detector, after training.
    pub analysis_ms: f64,
    pub diverged: Option<String>,
    pub timings_ms: serde_json::Map<String, serde_json::Value>,
}

/// The report of any study.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Report {
    Rnn(RnnReport),
    Stabilize(StabilizeReport),
    Titrate(Box<TitrateReport>),
}

impl Report {
    pub fn diverged(&self) -> Option<String> {
        match self {
            Report::Rnn(r) => r.diverged.clone(),
            Report::Titrate(r) => r.diverged.clone(),
            Report::Stabilize(_) => None,
        }
    }
}

/// The noisy probes of every level, then the erased ones (the same for every model).
pub fn noisy_probes(study: &Titration, probes: &Array2<f64>) -> Vec<Array2<f64>> {
    (0..titrate::LEVELS.len())
        .map(|l| titrate::noisy(probes, l, study.seed))
        .chain([titrate::erased(probes, study.seed)])
        .collect()
}
