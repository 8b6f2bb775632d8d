//! A claim run over seeds: each seed's value on the claim's link and on its
//! control, and the verdict (`core::claims` has the claim and the
//! statistics of the verdict); and a map's cells over seeds (`core::maps`
//! has the map). `continuum claims` and the page's scoreboard
//! both end here, so the same seeds give the same verdict.

use serde::Serialize;

use super::claims::{interval, median, Claim, Comparison};
use super::lab::Lab;
use super::link::{self, Link};
use super::maps::{CellResult, Map, MapResult, MeasureResult, Reading};

/// The control's side of a result.
#[derive(Clone, Debug, Serialize)]
pub struct ControlResult {
    pub link: String,
    pub values: Vec<f64>,
    pub median: f64,
    pub holds: bool,
}

/// A claim run over seeds: what `continuum claims --json` prints per claim.
#[derive(Clone, Debug, Serialize)]
pub struct ClaimResult {
    pub lab: &'static str,
    pub claim: &'static str,
    pub paper: &'static str,
    pub paper_value: &'static str,
    pub link: String,
    pub statistic: String,
    pub comparison: Comparison,
    pub seeds: Vec<u64>,
    /// One per seed (NaN where the run failed or the report lacked the number).
    pub values: Vec<f64>,
    pub median: f64,
    pub interval: [f64; 2],
    pub holds: bool,
    /// Seeds on which the claim's comparison holds for that seed's own pair.
    pub holds_on: usize,
    pub control: ControlResult,
    /// [`Claim::why`], when the claim does not hold or its control holds too.
    pub why: &'static str,
}

/// The verdict from the per-seed values of a claim and its control.
pub fn verdict(lab: &Lab, claim: &Claim, seeds: &[u64], values: Vec<f64>, control: Vec<f64>) -> ClaimResult {
    let (m, mc) = (median(&values), median(&control));
    let holds_on = values.iter().zip(&control).filter(|(v, c)| claim.comparison.holds(**v, **c)).count();
    ClaimResult {
        lab: lab.name,
        claim: claim.name,
        paper: lab.papers.get(claim.paper).copied().unwrap_or(""),
        paper_value: claim.paper_value,
        link: claim.link.to_string(),
        statistic: claim.statistic.describe(),
        comparison: claim.comparison,
        seeds: seeds.to_vec(),
        interval: interval(&values),
        median: m,
        holds: claim.comparison.holds(m, mc),
        holds_on,
        values,
        why: if claim.comparison.holds(m, mc) && !claim.comparison.holds(mc, m) { "" } else { claim.why },
        control: ControlResult {
            link: claim.control.to_string(),
            holds: claim.comparison.holds(mc, m),
            median: mc,
            values: control,
        },
    }
}

/// `text` read as a link of `lab` with its seed set to `seed`; errors name the problem.
pub fn seeded(lab: &'static Lab, text: &str, seed: u64) -> Result<Link, String> {
    let parsed = link::with_knob(text, "seed", &seed.to_string(), std::slice::from_ref(&lab));
    if let Some(n) = parsed.notices.first() {
        return Err(format!("{text} (seed {seed}): {}", n.message));
    }
    Ok(parsed.link)
}

/// The lab's report for `text` at `seed` (`None` if the run failed).
pub fn report(lab: &'static Lab, text: &str, seed: u64) -> Option<serde_json::Value> {
    let run = lab.run?;
    seeded(lab, text, seed).and_then(|link| run(&link, &|| 0.0)).ok().map(|outcome| outcome.report)
}

/// The claim's statistic on `text` at `seed`: the lab's run, then the number
/// (NaN if the run failed or the report lacks it, so one bad seed is seen, not hidden).
pub fn value(lab: &'static Lab, claim: &Claim, text: &str, seed: u64) -> f64 {
    report(lab, text, seed).and_then(|r| claim.statistic.read(&r)).unwrap_or(f64::NAN)
}

/// Every measure of `map` on `text` at `seed` (NaN where the run failed or
/// the report lacks the number, so a bad seed is seen, not hidden).
pub fn map_values(lab: &'static Lab, map: &Map, text: &str, seed: u64) -> Vec<f64> {
    let report = lab.run.ok_or_else(String::new).and_then(|run| seeded(lab, text, seed).and_then(|l| run(&l, &|| 0.0)));
    map.measures
        .iter()
        .map(|m| report.as_ref().ok().and_then(|o| m.statistic.read(&o.report)).unwrap_or(f64::NAN))
        .collect()
}

/// The map's result from `values[cell][seed][measure]` (cells row-major);
/// `link(row, column)` is each cell's link ([`Map::link`] or [`Map::tiny_link`]).
pub fn map_result(
    lab: &Lab,
    map: &Map,
    link: impl Fn(usize, usize) -> String,
    seeds: &[u64],
    values: &[Vec<Vec<f64>>],
) -> MapResult {
    let columns = map.columns.cells.len();
    let cells = values
        .iter()
        .enumerate()
        .map(|(i, per_seed)| {
            let (row, column) = (i / columns, i % columns);
            let measures = map
                .measures
                .iter()
                .enumerate()
                .map(|(m, measure)| {
                    let v: Vec<f64> = per_seed.iter().map(|s| s[m]).collect();
                    let interval = interval(&v);
                    MeasureResult {
                        measure: measure.name,
                        median: median(&v),
                        reading: Reading::of(interval),
                        interval,
                        values: v,
                    }
                })
                .collect();
            CellResult {
                row: map.rows.cells[row].0,
                column: map.columns.cells[column].0,
                link: link(row, column),
                measures,
            }
        })
        .collect();
    MapResult {
        lab: lab.name,
        map: map.name,
        paper: lab.papers.get(map.paper).copied().unwrap_or(""),
        base: map.base.to_string(),
        rows: (map.rows.name, map.rows.cells.iter().map(|c| c.0).collect()),
        columns: (map.columns.name, map.columns.cells.iter().map(|c| c.0).collect()),
        seeds: seeds.to_vec(),
        cells,
    }
}
