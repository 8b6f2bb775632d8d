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

/// The range the median of `n` values can still take when only `known` of
/// them are in: `[lo, hi]`, either end possibly infinite. With `u = n − k`
/// values missing, the `j`-th smallest of all `n` lies between the
/// `(j − u)`-th and the `j`-th smallest of the `k` known (−∞ and +∞ where
/// those do not exist); the median is the middle one, or the mean of the
/// middle two, exactly as [`median`] computes it once all are in.
fn median_range(known: &[f64], n: usize) -> [f64; 2] {
    let mut v = known.to_vec();
    v.sort_by(f64::total_cmp);
    let u = n - v.len();
    let lo = |j: usize| if j > u { v[j - u - 1] } else { f64::NEG_INFINITY };
    let hi = |j: usize| if j <= v.len() { v[j - 1] } else { f64::INFINITY };
    if n % 2 == 1 {
        [lo(n / 2 + 1), hi(n / 2 + 1)]
    } else {
        [0.5 * (lo(n / 2) + lo(n / 2 + 1)), 0.5 * (hi(n / 2) + hi(n / 2 + 1))]
    }
}

/// The verdict (the claim holds, the control holds) over `n` seeds, decided
/// before every seed is in: `Some` when no values of the missing seeds,
/// whatever they turn out to be, could change it. For five seeds and a
/// fixed threshold, three values on the same side decide the median's side.
///
/// Why this is exact: each [`Comparison`] is monotone in both medians, so
/// over the box of medians still possible ([`median_range`]) it is constant
/// exactly when it agrees at the box's four corners. A failed seed (NaN)
/// among the known values leaves the verdict to the full run (`None`); a
/// missing seed that fails later cannot move a decided median, because
/// deciding needs more than half the values on one side.
pub fn decided(comparison: Comparison, n: usize, values: &[f64], control: &[f64]) -> Option<(bool, bool)> {
    if n == 0 || values.len() > n || control.len() > n || values.iter().chain(control).any(|v| v.is_nan()) {
        return None;
    }
    let (a, b) = (median_range(values, n), median_range(control, n));
    let corners = [(a[0], b[0]), (a[0], b[1]), (a[1], b[0]), (a[1], b[1])];
    let verdicts = corners.map(|(m, mc)| (comparison.holds(m, mc), comparison.holds(mc, m)));
    verdicts.iter().all(|v| *v == verdicts[0]).then_some(verdicts[0])
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

    /// The early verdict against the full one: on random values with ties,
    /// random seeds missing, and random completions (failed seeds, ±NaN and
    /// huge values among them), a decided verdict is the one every
    /// completion gives; with every seed in, it is always decided.
    #[test]
    fn an_early_verdict_is_the_one_every_completion_gives() {
        let pool = [0.0, 0.5, 1.0, 1.0, 1.5, 2.0, -1e300, 1e300, f64::NAN, -f64::NAN];
        let full = |c: Comparison, v: &[f64], k: &[f64]| {
            let (m, mc) = (median(v), median(k));
            (c.holds(m, mc), c.holds(mc, m))
        };
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let (mut early, mut undecided) = (0, 0);
        for _ in 0..20_000 {
            let c =
                [Comparison::Above(1.0), Comparison::Below(1.0), Comparison::BelowControl, Comparison::AboveControl]
                    [rng.random_range(0..4)];
            let n = rng.random_range(1..=7);
            let real = |rng: &mut ChaCha8Rng| pool[rng.random_range(0..6)];
            let values: Vec<f64> = (0..n).map(|_| real(&mut rng)).collect();
            let control: Vec<f64> = (0..n).map(|_| real(&mut rng)).collect();
            let (kv, kc) = (rng.random_range(0..=n), rng.random_range(0..=n));
            assert_eq!(decided(c, n, &values, &control), Some(full(c, &values, &control)));
            match decided(c, n, &values[..kv], &control[..kc]) {
                None => undecided += 1,
                Some(v) => {
                    early += (kv < n || kc < n) as usize;
                    for _ in 0..20 {
                        let fill = |known: &[f64], rng: &mut ChaCha8Rng| {
                            let mut x = known.to_vec();
                            x.extend((known.len()..n).map(|_| pool[rng.random_range(0..pool.len())]));
                            x
                        };
                        let (a, b) = (fill(&values[..kv], &mut rng), fill(&control[..kc], &mut rng));
                        assert_eq!(
                            full(c, &a, &b),
                            v,
                            "{c:?} n={n} {:?} {:?} -> {a:?} {b:?}",
                            &values[..kv],
                            &control[..kc]
                        );
                    }
                }
            }
        }
        assert!(early > 500 && undecided > 500, "early {early}, undecided {undecided}");
        // Five seeds: three on one side decide; two against two do not.
        assert_eq!(decided(Comparison::Above(3.0), 5, &[4.0, 5.0, 6.0], &[0.0, 1.0, 2.0]), Some((true, false)));
        assert_eq!(decided(Comparison::Above(3.0), 5, &[4.0, 5.0, 1.0, 2.0], &[0.0, 1.0, 2.0]), None);
        assert_eq!(decided(Comparison::Above(3.0), 5, &[4.0, 5.0, 6.0], &[f64::NAN, 1.0, 2.0]), None);
    }
}
