//! One resumable driver per experiment.
//!
//! An experiment (train two models over three seeds, then evaluate them) is
//! a state machine: [`Driver::start`] builds it from a link, [`Driver::step`]
//! does one small unit of work (an epoch, one sample count of a sweep, one
//! model's titration curve) and says what it did, [`Driver::progress`] says
//! where it stands, and [`Driver::report`] gives the report `continuum run`
//! prints. The CLI runs it to the end ([`run`]); the page's worker calls
//! `step` in slices of about 25 ms, between which it answers the page;
//! tests and benches use the same driver. So there is one way to run an
//! experiment, and the page and the CLI cannot drift apart: the same link
//! gives the same steps in the same order, hence the same numbers.
//!
//! Why `step` and not only `advance(budget)`: the page draws what each unit
//! did (a loss point per epoch), so each unit's result is a typed value
//! ([`Driver::Step`], serialised for the page). [`Driver::advance`] is the
//! loop over `step` for a budget of units; [`Driver::finish`] runs to the
//! end and is where a driver may do independent units in parallel natively
//! (each unit is deterministic on its own, so the numbers do not depend on
//! the order they finish in).
//!
//! Timings: a report's `timings_ms` are measured by the driver with the
//! `clock` (milliseconds) it is given at each call.

use serde::Serialize;

use super::link::Link;

/// Milliseconds since some fixed start.
pub type Clock<'a> = &'a dyn Fn() -> f64;

/// Why training stopped early, in every lab the same shape: when, what
/// blew up, and a sentence that says what to change.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Divergence {
    /// The epoch (or iteration, for labs that train by iterations) in which it happened, 1-based.
    pub epoch: usize,
    /// What was not finite or failed ("the training loss", "the gradient", …).
    pub what: String,
    /// The whole message for a person, ending with what to change.
    pub message: String,
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Where a run stands, for a progress bar and its label.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Progress {
    /// Units of work done and due (`done == total` once finished).
    pub done: usize,
    pub total: usize,
    /// What is happening now, for a person ("seed 2 of 3: epoch 4 of 15").
    pub label: String,
    pub finished: bool,
    /// The first divergence of the run, if any (the run goes on with what it can).
    pub divergence: Option<String>,
}

/// How much work [`Driver::advance`] may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    /// At most this many units.
    Units(usize),
    /// To the end.
    ToEnd,
}

/// A resumable experiment; see the module docs.
pub trait Driver: Sized {
    /// What one unit of work did, for the page.
    type Step: Serialize;
    /// What `continuum run` prints.
    type Report: Serialize;

    /// The experiment a link describes, before any work.
    fn start(link: &Link) -> Result<Self, String>;

    /// One unit of work; `None` once finished.
    fn step(&mut self, clock: Clock) -> Option<Self::Step>;

    fn progress(&self) -> Progress;

    /// The report of a finished run.
    fn report(&self) -> Self::Report;

    /// Runs to the end. Drivers whose units are independent may override this
    /// to do them in parallel natively; the result must be the same.
    fn finish(&mut self, clock: Clock) {
        while self.step(clock).is_some() {}
    }

    /// Does up to `budget` of work and says where the run stands.
    fn advance(&mut self, budget: Budget, clock: Clock) -> Progress {
        match budget {
            Budget::ToEnd => self.finish(clock),
            Budget::Units(n) => {
                for _ in 0..n {
                    if self.step(clock).is_none() {
                        break;
                    }
                }
            }
        }
        self.progress()
    }
}

/// Runs the experiment a link describes to the end: what `continuum run` does.
pub fn run<D: Driver>(link: &Link, clock: Clock) -> Result<D::Report, String> {
    let mut driver = D::start(link)?;
    driver.finish(clock);
    Ok(driver.report())
}

/// Runs a link's driver one unit at a time, as the page's worker does, and
/// returns its report as JSON: the registry tests compare it with `run`'s,
/// which may do units in parallel ([`Driver::finish`]).
pub fn stepped<D: Driver>(link: &Link) -> Result<serde_json::Value, String> {
    let mut driver = D::start(link)?;
    while driver.step(&|| 0.0).is_some() {}
    serde_json::to_value(driver.report()).map_err(|e| e.to_string())
}

/// "s" for counts other than one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts to `n`: the smallest driver.
    struct Count {
        at: usize,
        n: usize,
    }

    impl Driver for Count {
        type Step = usize;
        type Report = usize;
        fn start(link: &Link) -> Result<Count, String> {
            Ok(Count { at: 0, n: link.lab.knobs.len() })
        }
        fn step(&mut self, _: Clock) -> Option<usize> {
            (self.at < self.n).then(|| {
                self.at += 1;
                self.at
            })
        }
        fn progress(&self) -> Progress {
            Progress {
                done: self.at,
                total: self.n,
                label: String::new(),
                finished: self.at == self.n,
                divergence: None,
            }
        }
        fn report(&self) -> usize {
            self.at
        }
    }

    #[test]
    fn advance_stops_at_the_budget_and_at_the_end() {
        let link = Link::defaults(crate::labs::ALL[0]);
        let n = link.lab.knobs.len();
        assert!(n > 2);
        let mut d = Count::start(&link).unwrap();
        let p = d.advance(Budget::Units(2), &|| 0.0);
        assert_eq!((p.done, p.finished), (2, false));
        let p = d.advance(Budget::Units(10 * n), &|| 0.0);
        assert_eq!((p.done, p.finished), (n, true));
        assert_eq!(run::<Count>(&link, &|| 0.0).unwrap(), n);
    }
}
