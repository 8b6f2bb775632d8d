//! Maps: where a paper's effect holds, and where it turns.
//!
//! A claim ([`super::claims`]) asks one question on one link. A [`Map`] asks
//! it over a grid of settings: rows and columns are link fragments
//! (`add=0.05&mult=0.02`, `delay=50`), each cell is the map's base link
//! with its row's and column's fragments, and each cell reports several
//! [`Measure`]s of the same run (for the noisy RNN: the accuracy gain under
//! each test perturbation, and the mechanism's numbers). Every cell is run
//! on seeds `A..=B`, and each measure gets its median and the bootstrap 90 %
//! interval of the median (as a claim does), and a reading of where that
//! interval lies: above zero, below zero, or across it.
//!
//! Why intervals and not a threshold: a map's purpose is to show the
//! direction of an effect and how sure five seeds are of it, in every
//! setting, so a reader sees where it holds without anyone choosing which
//! setting to report. `continuum map` prints it; `make maps` records it
//! in `docs/maps.json`, which the lab's page draws. The runs over seeds and
//! the summary are `core::over_seeds` (as for claims).

use serde::Serialize;

use super::claims::Statistic;

/// One axis of a map: its name and its cells (a label and a link fragment).
#[derive(Clone, Copy, Debug)]
pub struct Axis {
    pub name: &'static str,
    pub cells: &'static [(&'static str, &'static str)],
}

/// A number read from each cell's report.
#[derive(Clone, Copy, Debug)]
pub struct Measure {
    pub name: &'static str,
    pub statistic: Statistic,
    /// Whether its sign is the finding (a gain, a difference): then the
    /// cell reads where the interval lies against zero; else ([`Reading::Level`]) it is shown as it is.
    pub signed: bool,
}

/// A grid of settings over which a lab's claims are measured; see the module docs.
#[derive(Clone, Copy, Debug)]
pub struct Map {
    pub name: &'static str,
    /// Index into the lab's papers.
    pub paper: usize,
    /// The link every cell starts from; the cells' fragments override its knobs.
    pub base: &'static str,
    pub rows: Axis,
    pub columns: Axis,
    pub measures: &'static [Measure],
    /// A small base link for tests (the same grid).
    pub tiny: &'static str,
}

impl Map {
    /// The link of cell (`row`, `column`): the base's knobs, each one the
    /// row or column sets replaced, the others appended.
    pub fn link(&self, row: usize, column: usize) -> String {
        compose(self.base, &[self.rows.cells[row].1, self.columns.cells[column].1])
    }

    /// The cell's link made small for tests: [`Map::link`], then the knobs
    /// of [`Map::tiny`] over it (so a cell that sets a long run is cut short too).
    pub fn tiny_link(&self, row: usize, column: usize) -> String {
        let tiny = self.tiny.trim_start_matches('#');
        compose(self.base, &[self.rows.cells[row].1, self.columns.cells[column].1, tiny])
    }

    pub fn cells(&self) -> usize {
        self.rows.cells.len() * self.columns.cells.len()
    }
}

/// `base` with the knobs of each `&`-separated fragment in turn: a knob it
/// has is replaced, a new one appended, so no knob appears twice.
pub fn compose(base: &str, fragments: &[&str]) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let all = std::iter::once(base.trim_start_matches('#')).chain(fragments.iter().copied());
    for (key, value) in all.flat_map(|f| f.split('&')).filter_map(|p| p.split_once('=')) {
        match pairs.iter_mut().find(|(k, _)| k == key) {
            Some(pair) => pair.1 = value.into(),
            None => pairs.push((key.into(), value.into())),
        }
    }
    let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("#{}", body.join("&"))
}

/// Where a measure's interval lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reading {
    /// The whole interval is above zero.
    Above,
    /// The whole interval is below zero.
    Below,
    /// The interval contains zero: five seeds cannot tell the direction.
    Across,
    /// A level, not a difference: no reading.
    Level,
}

impl Reading {
    pub fn of(interval: [f64; 2]) -> Reading {
        if interval[0] > 0.0 {
            Reading::Above
        } else if interval[1] < 0.0 {
            Reading::Below
        } else {
            Reading::Across
        }
    }
}

/// One measure of one cell over the seeds.
#[derive(Clone, Debug, Serialize)]
pub struct MeasureResult {
    pub measure: &'static str,
    pub values: Vec<f64>,
    pub median: f64,
    pub interval: [f64; 2],
    pub reading: Reading,
}

/// One cell of a map over the seeds.
#[derive(Clone, Debug, Serialize)]
pub struct CellResult {
    pub row: &'static str,
    pub column: &'static str,
    pub link: String,
    pub measures: Vec<MeasureResult>,
}

/// A whole map over the seeds: what `continuum map --json` prints per map.
#[derive(Clone, Debug, Serialize)]
pub struct MapResult {
    pub lab: &'static str,
    pub map: &'static str,
    pub paper: &'static str,
    pub base: String,
    pub rows: (&'static str, Vec<&'static str>),
    pub columns: (&'static str, Vec<&'static str>),
    pub seeds: Vec<u64>,
    /// Row-major: every column of the first row, then the next row.
    pub cells: Vec<CellResult>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_says_where_the_interval_lies() {
        assert_eq!(Reading::of([0.1, 2.0]), Reading::Above);
        assert_eq!(Reading::of([-2.0, -0.1]), Reading::Below);
        assert_eq!(Reading::of([-0.1, 2.0]), Reading::Across);
        // Control: a NaN interval (failed runs) reads as "across", never as an effect.
        assert_eq!(Reading::of([f64::NAN, f64::NAN]), Reading::Across);
    }

    #[test]
    fn cell_links_add_the_row_and_column_fragments() {
        const MAP: Map = Map {
            name: "m",
            paper: 0,
            base: "#lab=x&a=5&y=1",
            rows: Axis { name: "r", cells: &[("none", ""), ("a", "a=1")] },
            columns: Axis { name: "c", cells: &[("b", "b=2&x=3")] },
            measures: &[],
            tiny: "#lab=x&x=0",
        };
        assert_eq!(MAP.link(0, 0), "#lab=x&a=5&y=1&b=2&x=3");
        // A cell's knob replaces the base's, never repeats it.
        assert_eq!(MAP.link(1, 0), "#lab=x&a=1&y=1&b=2&x=3");
        // The small link's knobs win over the cell's.
        assert_eq!(MAP.tiny_link(1, 0), "#lab=x&a=1&y=1&b=2&x=0");
        assert_eq!(MAP.cells(), 2);
    }
}
