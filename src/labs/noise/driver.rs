//! The noise lab's experiments as resumable drivers (`core::driver`): one
//! per study, and [`NoiseRun`] that picks the link's. The CLI runs them to
//! the end, the page's worker a unit at a time:
//!
//! - **rnn**: a batch of both RNNs, then one [`EVAL_CHUNK`] of one
//!   perturbed test set for both; seed after seed.
//! - **stabilize**: [`PATHS_PER_STEP`] paths.
//! - **titrate**: one epoch of one classifier; then the noisy probes, one
//!   model's curve, and the detector.
//!
//! Natively, [`Driver::finish`] does the independent parts in parallel
//! (the perturbed conditions of a seed, the classifiers, the paths): each is
//! deterministic on its own, so the report is the one the page's steps give.

use ndarray::Array2;
use serde::Serialize;

use super::ecg::Beats;
use super::paths::{self, Simulation};
use super::rnn::{self, EpochStats, TrainedModel};
use super::robust::{self, expand, unique_conditions, Kind};
use super::titrate::{self, Curve, Spec, Titration, Trained, Training};
use super::{
    correct, noisy_probes, robust_rows, symmetric_spectrum, trajectory, Config, NoisyAccuracy, Pair, RnnConfig,
    RnnReport, RnnSeed, StabilizeReport, Study, TitrateReport, EVAL_CHUNK,
};
use crate::core::driver::{plural, Clock, Driver, Progress};
use crate::core::link::Link;
use crate::core::memo;

/// Paths simulated per step.
pub const PATHS_PER_STEP: usize = 64;

/// What one unit of a noise run did (for the page's charts and progress).
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Step {
    /// A batch of each RNN; an epoch's numbers when it completed one.
    Batch { seed: u64, deterministic: Option<EpochStats>, noisy: Option<EpochStats> },
    /// One chunk of perturbed condition `condition` evaluated.
    Evaluate { seed: u64, condition: usize },
    /// A perturbed condition finished: both models' accuracies.
    Evaluated { seed: u64, perturbation: Kind, level: f64, accuracy: [f64; 2] },
    /// Stabilisation paths simulated so far.
    Paths { done: usize },
    /// One epoch of titration model `model`.
    Epoch { model: usize, epoch: usize },
    /// The noisy probes of every level drawn.
    Probes,
    /// The titration curve of model `model`.
    Curve { model: usize },
    /// The detector's verdict; `ms` is the whole analysis so far.
    Analysis { ms: f64 },
}

/// Where the RNN study is in the current seed.
enum RnnPhase {
    Train,
    /// Condition `c` of the unique conditions (clean first), at sequence `first`.
    Evaluate {
        c: usize,
        first: usize,
        right: [usize; 2],
        data: Option<Beats>,
    },
}

/// The first seed's trained models, for the page's panels.
#[derive(Debug, Serialize)]
pub struct RnnModels {
    pub spectrum: Pair<Vec<f64>>,
    pub learned_step: f64,
    pub trajectories: Pair<Vec<Vec<f64>>>,
    pub sensitivity: Pair<rnn::Sensitivity>,
    pub epochs_run: Pair<usize>,
}

/// The RNN study: both models over the link's seeds, then the perturbations.
pub struct RnnRun {
    pub config: RnnConfig,
    link: String,
    pub seeds: Vec<u64>,
    index: usize,
    pub run: RnnSeed,
    phase: RnnPhase,
    /// Accuracies of the unique conditions of the current seed.
    current: Vec<[f64; 2]>,
    /// `[seed][condition]`, every condition (expanded).
    pub per_seed: Vec<Vec<[f64; 2]>>,
    first: Option<RnnSeed>,
    divergence: Option<String>,
    /// Milliseconds training and evaluating.
    ms: [f64; 2],
    /// The noisy models train elsewhere ([`super::NoisyModels`]).
    elsewhere: bool,
    /// Noisy models trained elsewhere, by seed, not yet adopted.
    pending: Vec<(u64, TrainedModel)>,
    /// The noisy models' accuracies evaluated elsewhere, by seed, not yet used.
    pending_accuracies: Vec<(u64, NoisyAccuracy)>,
}

impl RnnRun {
    pub fn new(config: RnnConfig, link: String) -> RnnRun {
        let seeds = config.seeds();
        RnnRun {
            run: RnnSeed::new(&config, seeds[0]),
            config,
            link,
            seeds,
            index: 0,
            phase: RnnPhase::Train,
            current: Vec::new(),
            per_seed: Vec::new(),
            first: None,
            divergence: None,
            ms: [0.0; 2],
            elsewhere: false,
            pending: Vec::new(),
            pending_accuracies: Vec::new(),
        }
    }

    /// From now on this run trains and evaluates only the deterministic
    /// models, and waits for each seed's noisy model from
    /// [`RnnRun::adopt_noisy`] and its accuracies from
    /// [`RnnRun::adopt_noisy_accuracy`] (the page's second worker trains and
    /// evaluates them with [`super::NoisyModels`]). Without
    /// training noise the two are one model, trained here as before: then
    /// nothing changes and this returns false.
    pub fn train_noisy_elsewhere(&mut self) -> bool {
        if self.run.twins() {
            return false;
        }
        self.elsewhere = true;
        self.run.elsewhere = true;
        true
    }

    /// Seed `seed`'s noisy model, trained elsewhere.
    pub fn adopt_noisy(&mut self, seed: u64, trained: TrainedModel) -> Result<(), String> {
        // Checked now, against this link's model, so adopting it later cannot fail.
        self.run.noisy.clone().adopt(trained.clone())?;
        self.pending.push((seed, trained));
        Ok(())
    }

    /// Seed `seed`'s noisy model's accuracy on a unique condition, evaluated elsewhere.
    pub fn adopt_noisy_accuracy(&mut self, seed: u64, accuracy: NoisyAccuracy) {
        self.pending_accuracies.push((seed, accuracy));
    }

    /// Waiting for the noisy model's accuracy on the condition whose
    /// deterministic accuracy is done, from elsewhere (the model itself
    /// comes before its accuracies).
    pub fn waiting(&self) -> bool {
        let Some(&seed) = self.seeds.get(self.index) else { return false };
        matches!(&self.phase, RnnPhase::Evaluate { c, first, .. }
            if self.run.elsewhere
                && *first >= self.run.test.len()
                && !self.pending_accuracies.iter().any(|(s, a)| *s == seed && a.condition == *c))
    }

    pub fn finished(&self) -> bool {
        self.index >= self.seeds.len()
    }

    /// The first seed (its models are what the page describes).
    pub fn first_run(&self) -> &RnnSeed {
        self.first.as_ref().unwrap_or(&self.run)
    }

    /// The first seed's models, once trained.
    pub fn models(&self) -> Option<RnnModels> {
        let first = self.first_run();
        first.done().then(|| RnnModels {
            spectrum: Pair {
                deterministic: symmetric_spectrum(&first.deterministic.model),
                noisy: symmetric_spectrum(&first.noisy.model),
            },
            learned_step: first.noisy.model.d.mean().unwrap_or(0.0),
            trajectories: Pair {
                deterministic: trajectory(&first.deterministic.model, &first.test, 0, 6),
                noisy: trajectory(&first.noisy.model, &first.test, 0, 6),
            },
            sensitivity: first.sensitivity(),
            epochs_run: Pair { deterministic: first.deterministic.epoch, noisy: first.noisy.epoch },
        })
    }

    /// The seed's conditions are evaluated: note a divergence, on to the next seed.
    fn evaluated(&mut self, unique: Vec<[f64; 2]>) {
        let seed = self.seeds[self.index];
        debug_assert!(self.run.done(), "a seed ends with both its models");
        for m in [&self.run.deterministic.diverged, &self.run.noisy.diverged].into_iter().flatten() {
            self.divergence.get_or_insert_with(|| format!("seed {seed}: {m}"));
        }
        self.per_seed.push(expand(&unique));
        self.current.clear();
        self.index += 1;
        self.phase = RnnPhase::Train;
        if let Some(&next) = self.seeds.get(self.index) {
            let mut run = RnnSeed::new(&self.config, next);
            run.elsewhere = self.elsewhere && !run.twins();
            let finished = std::mem::replace(&mut self.run, run);
            self.first.get_or_insert(finished);
        }
    }

    /// One batch or one chunk of evaluation (`None` once finished, or
    /// while [`RnnRun::waiting`]).
    pub fn step(&mut self, clock: Clock) -> Option<Step> {
        if self.finished() {
            return None;
        }
        let seed = self.seeds[self.index];
        let t = clock();
        if let Some(i) = self.pending.iter().position(|(s, _)| *s == seed).filter(|_| self.run.elsewhere) {
            let trained = self.pending.remove(i).1;
            self.run.noisy.adopt(trained).expect("checked when it arrived");
        }
        let RnnPhase::Evaluate { c, first, right, data } = &mut self.phase else {
            let (deterministic, noisy) = self.run.batch();
            self.ms[0] += clock() - t;
            // Trained elsewhere, the noisy model comes while the
            // deterministic one is evaluated here.
            if self.run.deterministic.done() && (self.run.noisy.done() || self.run.elsewhere) {
                self.phase = RnnPhase::Evaluate { c: 0, first: 0, right: [0, 0], data: None };
            }
            return Some(Step::Batch { seed, deterministic, noisy });
        };
        let conditions = unique_conditions();
        let (kind, level) = conditions[*c];
        let total = self.run.test.len();
        if *first < total {
            let test = data.get_or_insert_with(|| robust::perturb(&self.run.test, kind, level, seed));
            let deterministic = correct(&self.run.deterministic.model, test, *first, EVAL_CHUNK);
            right[0] += deterministic;
            // The noisy model: the same one (twins), evaluated elsewhere (its
            // accuracy comes whole), or here.
            right[1] += if self.run.twins() {
                deterministic
            } else if self.run.elsewhere {
                0
            } else {
                correct(&self.run.noisy.model, test, *first, EVAL_CHUNK)
            };
            *first += EVAL_CHUNK;
            let awaited = |(s, a): &(u64, NoisyAccuracy)| *s == seed && a.condition == *c;
            if *first < total || (self.run.elsewhere && !self.pending_accuracies.iter().any(awaited)) {
                let condition = *c;
                self.ms[1] += clock() - t;
                return Some(Step::Evaluate { seed, condition });
            }
        }
        let noisy = if self.run.elsewhere {
            let Some(i) = self.pending_accuracies.iter().position(|(s, a)| *s == seed && a.condition == *c) else {
                return None; // waiting for it
            };
            self.pending_accuracies.remove(i).1.accuracy
        } else {
            right[1] as f64 / total as f64
        };
        let accuracy = [right[0] as f64 / total as f64, noisy];
        self.current.push(accuracy);
        if *c + 1 < conditions.len() {
            self.phase = RnnPhase::Evaluate { c: *c + 1, first: 0, right: [0, 0], data: None };
        } else {
            let unique = std::mem::take(&mut self.current);
            self.evaluated(unique);
        }
        self.ms[1] += clock() - t;
        Some(Step::Evaluated { seed, perturbation: kind, level, accuracy })
    }

    /// Natively: each seed's batches in turn, then all its conditions at
    /// once (`RnnSeed::robustness`, in parallel) when a seed's evaluation
    /// has not begun.
    fn finish(&mut self, clock: Clock) {
        while !self.finished() {
            assert!(!self.waiting(), "finish: the noisy models train elsewhere and have not come");
            if matches!(self.phase, RnnPhase::Train) && self.run.deterministic.is_new() {
                self.train_deterministic(clock);
            }
            if matches!(self.phase, RnnPhase::Evaluate { c: 0, first: 0, .. }) {
                let t = clock();
                let unique = self.robustness();
                self.ms[1] += clock() - t;
                self.evaluated(unique);
            } else {
                self.step(clock);
            }
        }
    }

    /// Trains the seed's deterministic model to the end. It depends on the
    /// model settings, learning rate, epochs and seed, not on the training
    /// noise: a link and its no-noise control, and a noise map's cells,
    /// share it (`core::memo`).
    fn train_deterministic(&mut self, clock: Clock) {
        let t = clock();
        let (start, train) = (&self.run.deterministic, &self.run.train);
        self.run.deterministic = memo::shared(
            || self.deterministic_key(),
            || {
                let mut trainer = start.clone();
                while !trainer.done() {
                    trainer.batch(train);
                }
                trainer
            },
        );
        self.ms[0] += clock() - t;
    }

    /// What the seed's deterministic model depends on: the model settings,
    /// learning rate, epochs and seed (the data are the seed's).
    fn deterministic_key(&self) -> String {
        let c = &self.config;
        format!("noise rnn {:?} lr {} epochs {} seed {}", c.settings, c.lr, c.epochs, self.run.seed)
    }

    /// Both models' accuracies on the perturbed test sets
    /// ([`RnnSeed::accuracies`]), as `[deterministic, noisy]`. The
    /// deterministic model's are shared like the model itself: a link's
    /// no-noise control only re-evaluates it.
    fn robustness(&self) -> Vec<[f64; 2]> {
        let run = &self.run;
        let key = || format!("{} robustness", self.deterministic_key());
        let deterministic = memo::shared(key, || run.accuracies(&run.deterministic));
        let noisy = if run.twins() { deterministic.clone() } else { run.accuracies(&run.noisy) };
        deterministic.into_iter().zip(noisy).map(|(d, n)| [d, n]).collect()
    }

    fn progress(&self) -> Progress {
        let finished = self.finished();
        let epochs = self.config.epochs;
        let batches = self.run.train.len().div_ceil(rnn::BATCH) * epochs;
        let chunks = self.run.test.len().div_ceil(EVAL_CHUNK);
        let per_seed = batches + unique_conditions().len() * chunks;
        let epoch = self.run.noisy.epoch.max(self.run.deterministic.epoch);
        let (here, label) = match &self.phase {
            _ if finished => (0, format!("done: {} seed{}", self.seeds.len(), plural(self.seeds.len()))),
            RnnPhase::Train => (
                epoch * batches / epochs,
                format!("seed {} of {}: epoch {epoch} of {epochs}", self.index + 1, self.seeds.len()),
            ),
            RnnPhase::Evaluate { c, first, .. } => (
                batches + c * chunks + first / EVAL_CHUNK,
                format!(
                    "seed {} of {}: evaluating condition {} of {}",
                    self.index + 1,
                    self.seeds.len(),
                    c + 1,
                    unique_conditions().len()
                ),
            ),
        };
        let total = self.seeds.len() * per_seed;
        Progress {
            done: if finished { total } else { self.index * per_seed + here },
            total,
            label,
            finished,
            divergence: self.divergence.clone(),
        }
    }

    pub fn report(&self) -> RnnReport {
        let first = self.first_run();
        let epochs = (first.deterministic.epoch + first.noisy.epoch).max(1) as f64;
        let mut timings = serde_json::Map::new();
        timings.insert("train".into(), self.ms[0].into());
        timings.insert("train_per_epoch_per_model".into(), (self.ms[0] / self.config.seeds as f64 / epochs).into());
        timings.insert("evaluate".into(), self.ms[1].into());
        let clean: Vec<[f64; 2]> = self.per_seed.iter().map(|s| s[0]).collect();
        let mean = |k: usize| clean.iter().map(|p| p[k]).sum::<f64>() / clean.len() as f64;
        RnnReport {
            link: self.link.clone(),
            study: Study::Rnn,
            clean_accuracy: Pair { deterministic: mean(0), noisy: mean(1) },
            robustness: robust_rows(&self.per_seed),
            epochs_run: Pair { deterministic: first.deterministic.epoch, noisy: first.noisy.epoch },
            diverged: self.divergence.clone(),
            seeds: self.seeds.clone(),
            spectrum: Pair {
                deterministic: symmetric_spectrum(&first.deterministic.model),
                noisy: symmetric_spectrum(&first.noisy.model),
            },
            learned_step: first.noisy.model.d.mean().unwrap_or(0.0),
            input_sensitivity: first.sensitivity(),
            timings_ms: timings,
        }
    }
}

/// The titration study: train every classifier, then titrate and detect.
pub struct TitrateRun {
    pub study: Titration,
    link: String,
    specs: Vec<Spec>,
    test: (Array2<f64>, Vec<usize>),
    pub probes: Array2<f64>,
    training: Option<Training>,
    pub trained: Vec<Trained>,
    /// The noisy probes of every level, once the analysis starts, and the curves so far.
    pub noisy: Option<Vec<Array2<f64>>>,
    curves: Vec<Curve>,
    /// The report, once the detector has run.
    result: Option<TitrateReport>,
    /// Milliseconds training and analysing.
    ms: [f64; 2],
}

impl TitrateRun {
    pub fn new(study: Titration, link: String) -> TitrateRun {
        let (test, probes) = titrate::held_out(&study);
        TitrateRun {
            specs: study.specs(),
            study,
            link,
            test,
            probes,
            training: None,
            trained: Vec::new(),
            noisy: None,
            curves: Vec::new(),
            result: None,
            ms: [0.0; 2],
        }
    }

    pub fn finished(&self) -> bool {
        self.result.is_some()
    }

    /// The report once the detector has run.
    pub fn result(&self) -> Option<&TitrateReport> {
        self.result.as_ref()
    }

    fn step(&mut self, clock: Clock) -> Option<Step> {
        if self.finished() {
            return None;
        }
        let t = clock();
        if self.trained.len() < self.specs.len() {
            let spec = &self.specs[self.trained.len()];
            let training = self.training.get_or_insert_with(|| Training::new(&self.study, spec));
            training.epoch();
            let (model, epoch) = (training.spec.index, training.epoch);
            if training.done() {
                let done = self.training.take().expect("in training").finish(&self.study, &self.test);
                self.trained.push(done);
            }
            self.ms[0] += clock() - t;
            return Some(Step::Epoch { model, epoch });
        }
        // The analysis: the noisy probes, one model's curve per step, then the detector.
        let Some(noisy) = &self.noisy else {
            self.noisy = Some(noisy_probes(&self.study, &self.probes));
            self.ms[1] += clock() - t;
            return Some(Step::Probes);
        };
        if self.curves.len() < self.trained.len() {
            let model = &self.trained[self.curves.len()];
            self.curves.push(titrate::curve(model, &self.probes, noisy, self.study.confidence));
            self.ms[1] += clock() - t;
            return Some(Step::Curve { model: self.curves.len() - 1 });
        }
        self.detect();
        self.ms[1] += clock() - t;
        Some(Step::Analysis { ms: self.ms[1] })
    }

    fn detect(&mut self) {
        let mut curves = std::mem::take(&mut self.curves);
        let detection = titrate::detect(&mut curves);
        let mut timings = serde_json::Map::new();
        timings.insert("train".into(), self.ms[0].into());
        timings.insert("analysis".into(), self.ms[1].into());
        self.result = Some(TitrateReport {
            link: self.link.clone(),
            study: Study::Titrate,
            detection,
            backdoored_models: self.study.models,
            curves,
            levels: titrate::LEVELS.to_vec(),
            feature_levels: titrate::FEATURES.iter().map(|&i| titrate::LEVELS[i]).collect(),
            analysis_ms: self.ms[1],
            diverged: self.trained.iter().find_map(|m| m.diverged.as_ref().map(|d| d.message.clone())),
            timings_ms: timings,
        });
    }

    /// The classifiers not begun, trained to the end (natively in
    /// parallel, in a wasm worker one after the other). A clean classifier
    /// does not depend on the poisoned fraction, so a link and its
    /// `poison=0` control share the clean half (`core::memo`), in the page's
    /// claims workers as in `continuum claims`.
    fn finish(&mut self, clock: Clock) {
        while self.training.is_some() {
            self.step(clock);
        }
        let t = clock();
        let rest = &self.specs[self.trained.len()..];
        let (study, test) = (&self.study, &self.test);
        let train = |s: &Spec| match s.target {
            None => memo::shared(
                || format!("titration clean model {:?} seed {}", Titration { poison: 0.0, ..*study }, s.seed),
                || titrate::train(study, s, test),
            ),
            Some(_) => titrate::train(study, s, test),
        };
        #[cfg(not(target_arch = "wasm32"))]
        let done: Vec<Trained> = {
            use rayon::prelude::*;
            rest.par_iter().map(train).collect()
        };
        #[cfg(target_arch = "wasm32")]
        let done: Vec<Trained> = rest.iter().map(train).collect();
        self.trained.extend(done);
        self.ms[0] += clock() - t;
        while self.step(clock).is_some() {}
    }

    fn progress(&self) -> Progress {
        let finished = self.finished();
        let epochs = self.study.epochs;
        let here = self.trained.len() * epochs + self.training.as_ref().map_or(0, |t| t.epoch);
        let label = if finished {
            "done".to_string()
        } else if self.trained.len() < self.specs.len() {
            format!("training model {} of {}", self.trained.len() + 1, self.specs.len())
        } else {
            "titrating".to_string()
        };
        Progress {
            done: here + usize::from(finished),
            total: self.specs.len() * epochs + 1,
            label,
            finished,
            divergence: self.trained.iter().find_map(|m| m.diverged.as_ref().map(|d| d.message.clone())),
        }
    }
}

/// The stabilisation study: paths of the SDE in slices.
pub struct StabilizeRun {
    pub simulation: Simulation,
    link: String,
    ms: f64,
}

impl StabilizeRun {
    fn step(&mut self, clock: Clock) -> Option<Step> {
        if self.simulation.done() {
            return None;
        }
        let t = clock();
        self.simulation.advance(PATHS_PER_STEP);
        self.ms += clock() - t;
        Some(Step::Paths { done: self.simulation.done_paths() })
    }

    /// Natively: every path not begun, in parallel (`paths::simulate_cpu`).
    fn finish(&mut self, clock: Clock) {
        if self.simulation.done_paths() == 0 {
            let t = clock();
            self.simulation.records = paths::simulate_cpu(&self.simulation.sde);
            self.ms += clock() - t;
        }
        while self.step(clock).is_some() {}
    }

    fn report(&self) -> StabilizeReport {
        let sde = &self.simulation.sde;
        let mut timings = serde_json::Map::new();
        timings.insert("simulate".into(), self.ms.into());
        StabilizeReport {
            link: self.link.clone(),
            study: Study::Stabilize,
            stats: paths::stats(sde, &self.simulation.records),
            paths_per_second: sde.paths as f64 / (self.ms.max(1e-3) / 1000.0),
            timings_ms: timings,
        }
    }
}

/// A noise link's study.
pub enum NoiseRun {
    Rnn(Box<RnnRun>),
    Stabilize(StabilizeRun),
    Titrate(Box<TitrateRun>),
}

impl Driver for NoiseRun {
    type Step = Step;
    type Report = super::Report;

    fn start(link: &Link) -> Result<NoiseRun, String> {
        let config = Config::from_link(link)?;
        let canonical = link.canonical();
        Ok(match config.study {
            Study::Rnn => NoiseRun::Rnn(Box::new(RnnRun::new(config.rnn, canonical))),
            Study::Stabilize => {
                NoiseRun::Stabilize(StabilizeRun { simulation: Simulation::new(config.sde), link: canonical, ms: 0.0 })
            }
            Study::Titrate => NoiseRun::Titrate(Box::new(TitrateRun::new(config.titration, canonical))),
        })
    }

    fn step(&mut self, clock: Clock) -> Option<Step> {
        match self {
            NoiseRun::Rnn(r) => r.step(clock),
            NoiseRun::Stabilize(s) => s.step(clock),
            NoiseRun::Titrate(t) => t.step(clock),
        }
    }

    fn finish(&mut self, clock: Clock) {
        match self {
            NoiseRun::Rnn(r) => r.finish(clock),
            NoiseRun::Stabilize(s) => s.finish(clock),
            NoiseRun::Titrate(t) => t.finish(clock),
        }
    }

    fn progress(&self) -> Progress {
        match self {
            NoiseRun::Rnn(r) => r.progress(),
            NoiseRun::Stabilize(s) => {
                let (done, total) = (s.simulation.done_paths(), s.simulation.sde.paths);
                Progress {
                    done,
                    total,
                    label: format!("{done} of {total} paths"),
                    finished: s.simulation.done(),
                    divergence: None,
                }
            }
            NoiseRun::Titrate(t) => t.progress(),
        }
    }

    /// The report; panics if the titration has not finished (call after [`Driver::finish`]).
    fn report(&self) -> super::Report {
        match self {
            NoiseRun::Rnn(r) => super::Report::Rnn(r.report()),
            NoiseRun::Stabilize(s) => super::Report::Stabilize(s.report()),
            NoiseRun::Titrate(t) => super::Report::Titrate(Box::new(t.result.clone().expect("a finished titration"))),
        }
    }
}

/// Runs a noise link headless (its study's driver, to the end).
pub fn run(link: &Link, clock: Clock) -> Result<super::Report, String> {
    crate::core::driver::run::<NoiseRun>(link, clock)
}
