//! Claims: a paper's effect as a statistic over seeds, with a control.
//!
//! A [`Claim`] names a number of a lab's report ([`Statistic`]), the link
//! that shows the effect, a control link on which the effect must not
//! appear, and the [`Comparison`] that decides. One seed proves little: the
//! claim is run on seeds `A..=B` (the link's `seed` knob set to each), and
//! the verdict is about the **median** over them, with a bootstrap 90 %
//! interval of that median so a reader sees how sure it is. The same seeds
//! give the same numbers, in the CLI (`continuum claims`) and in the page.
//!
//! Why the median and a percentile bootstrap of it: five seeds are few and
//! training runs have outliers (a diverged seed, a lucky one); the median is
//! robust to one of them, and resampling the five values (2,000 times, a
//! fixed stream) says how much the median itself moves. The interval is
//! reported, not used for the verdict: with five values it is wide by
//! nature, and that is the point to show.
//!
//! The runs over seeds and the verdict are `core::over_seeds`.
//!
//! What "the control holds" means: the claim's comparison applied to the
//! control's values. A control that holds too says the statistic does not
//! measure the paper's effect; a claim that holds with a failing control is
//! the paper's effect, here.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::report::metric;

/// How a claim's number is read from a report.
#[derive(Clone, Copy, Debug)]
pub enum Statistic {
    /// A metric path of the report (`auc`, `rel_error.1000`).
    Metric(&'static str),
    /// `scale × (a − b)` of two metric paths (a gain, in points with scale 100).
    Difference { a: &'static str, b: &'static str, scale: f64 },
    /// Anything else: its description and the function (None if the report lacks it).
    Custom { describe: &'static str, read: fn(&serde_json::Value) -> Option<f64> },
}

impl Statistic {
    pub fn read(&self, report: &serde_json::Value) -> Option<f64> {
        match *self {
            Statistic::Metric(path) => metric(report, path),
            Statistic::Difference { a, b, scale } => Some(scale * (metric(report, a)? - metric(report, b)?)),
            Statistic::Custom { read, .. } => read(report),
        }
    }

    /// In words, for tables.
    pub fn describe(&self) -> String {
        match *self {
            Statistic::Metric(path) => path.to_string(),
            Statistic::Difference { a, b, scale: 1.0 } => format!("{a} − {b}"),
            Statistic::Difference { a, b, scale } => format!("{scale} × ({a} − {b})"),
            Statistic::Custom { describe, .. } => describe.to_string(),
        }
    }
}

/// What makes a claim hold, on the medians over seeds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "op", content = "value", rename_all = "snake_case")]
pub enum Comparison {
    /// The median is above the value.
    Above(f64),
    /// The median is below the value.
    Below(f64),
    /// The claim's median is below the control's (the control "holds" if its
    /// median is below the claim's: the roles swapped).
    BelowControl,
    /// The claim's median is above the control's.
    AboveControl,
}

impl Comparison {
    /// Whether `median` satisfies the comparison, `other` being the median
    /// of the other link (the control's for the claim, the claim's for the control).
    pub fn holds(&self, median: f64, other: f64) -> bool {
        match *self {
            Comparison::Above(v) => median > v,
            Comparison::Below(v) => median < v,
            Comparison::BelowControl => median < other,
            Comparison::AboveControl => median > other,
        }
    }

    pub fn describe(&self) -> String {
        match *self {
            Comparison::Above(v) => format!("median > {v}"),
            Comparison::Below(v) => format!("median < {v}"),
            Comparison::BelowControl => "median below the control's".into(),
            Comparison::AboveControl => "median above the control's".into(),
        }
    }
}

/// One claim of a paper, as the lab tests it.
#[derive(Clone, Copy, Debug)]
pub struct Claim {
    pub name: &'static str,
    /// Index into the lab's `papers`.
    pub paper: usize,
    /// The paper's own figure, in words.
    pub paper_value: &'static str,
    /// The claim's link (its preset; the seed is set per run).
    pub link: &'static str,
    pub statistic: Statistic,
    pub comparison: Comparison,
    /// A link on which the claim must not hold.
    pub control: &'static str,
    /// A link like `link` that runs in a second or two, for `make test`'s end-to-end check.
    pub tiny: &'static str,
    pub tiny_control: &'static str,
    /// What the lab has measured about why the claim may not hold here
    /// (from its docs page; empty if nothing): shown beside a failing verdict.
    pub why: &'static str,
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => v[n / 2],
        _ => 0.5 * (v[n / 2 - 1] + v[n / 2]),
    }
}

/// Resamples of the bootstrap interval.
pub const BOOTSTRAP: usize = 2000;

/// A percentile-bootstrap 90 % interval of the median of `values`, from a
/// fixed random stream (the same values give the same interval).
pub fn interval(values: &[f64]) -> [f64; 2] {
    if values.is_empty() {
        return [f64::NAN, f64::NAN];
    }
    let mut rng = ChaCha8Rng::seed_from_u64(0xc1a1);
    let mut medians: Vec<f64> = (0..BOOTSTRAP)
        .map(|_| {
            let resample: Vec<f64> = (0..values.len()).map(|_| values[rng.random_range(0..values.len())]).collect();
            median(&resample)
        })
        .collect();
    medians.sort_by(f64::total_cmp);
    let at = |q: f64| medians[((q * (BOOTSTRAP - 1) as f64).round() as usize).min(BOOTSTRAP - 1)];
    [at(0.05), at(0.95)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_its_interval() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        let v = [0.1, 0.2, 0.3, 0.4, 10.0];
        let [lo, hi] = interval(&v);
        assert!(lo <= median(&v) && median(&v) <= hi, "{lo} {hi}");
        // With five values a resample holds three copies of the outlier 6 % of
        // the time, so it is the 95 % bound: the interval shows that risk.
        assert_eq!(hi, 10.0);
        assert_eq!(interval(&[1.0, 2.0, 3.0, 4.0, 5.0]), [1.0, 5.0]);
        assert_eq!(interval(&v), interval(&v), "a fixed stream");
        // Control: equal values leave no spread.
        assert_eq!(interval(&[1.0; 5]), [1.0, 1.0]);
    }

    #[test]
    fn comparisons_decide_on_the_medians() {
        assert!(Comparison::Above(3.0).holds(3.5, f64::NAN));
        assert!(!Comparison::Above(3.0).holds(2.5, f64::NAN));
        assert!(Comparison::BelowControl.holds(0.1, 0.2));
        assert!(!Comparison::BelowControl.holds(0.2, 0.1));
    }
}
