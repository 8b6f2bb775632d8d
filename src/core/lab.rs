//! What a lab is, as the registry sees it (a name, words for the page, a knob
//! table, presets and, once built, a headless `run`), and a [`Link`]: one
//! lab with a validated value for each of its knobs. Reading and printing
//! links as text is [`super::link`]'s.
//!
//! Each lab's folder defines one `pub const LAB: Lab`; `crate::labs::ALL`
//! lists them. Everything that enumerates labs (the CLI, the page's
//! navigation and views, the "coming" pages, the registry tests) reads that
//! list, so adding a lab is one folder and one line.

use serde::Serialize;

use std::fmt::Write as _;

use super::claims::Claim;
use super::knob::{Knob, Value};
use super::maps::Map;
pub use super::report::metric;
use crate::gpu::ShaderSpec;

/// Whether a lab can be used yet, or only described.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ready,
    Coming,
}

/// A named link that shows one of the lab's claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Preset {
    pub name: &'static str,
    /// A link, possibly partial (`#lab=depth&steps=2`): missing knobs take
    /// their defaults, and the registry tests check it parses with no notice.
    pub link: &'static str,
}

/// What a finished headless run hands the CLI.
pub struct Outcome {
    /// The lab's report, printed as JSON.
    pub report: serde_json::Value,
    /// What the run changed in the link's settings (printed on stderr).
    pub note: Option<String>,
    /// Why training stopped early, if it diverged (printed on stderr).
    pub diverged: Option<String>,
}

/// Runs the experiment a link describes. `clock` gives milliseconds since the
/// start, for the timings a report carries.
pub type Run = fn(&Link, &dyn Fn() -> f64) -> Result<Outcome, String>;

/// Runs a link's driver a unit at a time, as the page does, and returns its
/// report as JSON (see `core::driver::stepped`).
pub type Stepped = fn(&Link) -> Result<serde_json::Value, String>;

/// One lab of the playground.
#[derive(Serialize)]
pub struct Lab {
    /// The name used in links (`lab=NAME`), on the command line, and as the
    /// folder name on both sides (`src/labs/NAME/`, `www/labs/NAME/`).
    pub name: &'static str,
    pub title: &'static str,
    /// What the lab shows, in two sentences for the page.
    pub summary: &'static str,
    /// The papers it is built on (authors, title, venue and year), for the
    /// front page and the lab's docs.
    pub papers: &'static [&'static str],
    /// Knobs in canonical link order.
    #[serde(skip)]
    pub knobs: &'static [Knob],
    pub presets: &'static [Preset],
    pub status: Status,
    /// `None` for a lab that is not built yet.
    #[serde(skip)]
    pub run: Option<Run>,
    /// The lab's driver stepped a unit at a time (`None` before it is built):
    /// the registry tests check it reports what `run` does.
    #[serde(skip)]
    pub stepped: Option<Stepped>,
    /// A link that `run` finishes in about a second, for the registry tests.
    #[serde(skip)]
    pub tiny: &'static str,
    /// Fields every report of `run` carries (the names its issue gives).
    #[serde(skip)]
    pub fields: &'static [&'static str],
    /// The lab's GPU kernels' shaders.
    #[serde(skip)]
    pub shaders: &'static [ShaderSpec],
    /// The live metrics the page exposes (`data-metric="name"`,
    /// `continuum.metric(name)`), named by their path in the report
    /// (`rel_error.1000` is `report["rel_error"]["1000"]`; see [`metric`]).
    /// Claims and lessons read a lab's numbers only through these names. A
    /// metric of one study is absent (`None`) from another study's report.
    pub metrics: &'static [&'static str],
    /// The papers' claims as this lab tests them, over seeds (`core::claims`).
    #[serde(skip)]
    pub claims: &'static [Claim],
    /// Grids of settings over which the claims are measured (`core::maps`).
    #[serde(skip)]
    pub maps: &'static [Map],
}

impl Lab {
    /// A lab that is described but not built yet: the page shows its
    /// summary and the knobs its links carry; `continuum run` says it is
    /// not built.
    pub const fn coming(name: &'static str, title: &'static str, summary: &'static str, knobs: &'static [Knob]) -> Lab {
        Lab {
            name,
            title,
            summary,
            papers: &[],
            knobs,
            presets: &[],
            status: Status::Coming,
            run: None,
            stepped: None,
            tiny: "",
            fields: &[],
            shaders: &[],
            metrics: &[],
            claims: &[],
            maps: &[],
        }
    }

    /// Serializes the lab's report for [`Outcome`].
    pub fn outcome<R: Serialize>(
        report: &R,
        note: Option<String>,
        diverged: Option<String>,
    ) -> Result<Outcome, String> {
        let report = serde_json::to_value(report).map_err(|e| e.to_string())?;
        Ok(Outcome { report, note, diverged })
    }
}

impl PartialEq for Lab {
    fn eq(&self, other: &Lab) -> bool {
        self.name == other.name
    }
}

impl std::fmt::Debug for Lab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lab({})", self.name)
    }
}

/// The link format version this build writes. Older versions stay readable.
pub const VERSION: i64 = 1;

/// A validated experiment: a lab and a value for each of its knobs.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub lab: &'static Lab,
    /// One value per knob of `lab.knobs`, in the same order.
    pub(super) values: Vec<Value>,
}

impl Link {
    /// The lab with every knob at its default.
    pub fn defaults(lab: &'static Lab) -> Link {
        let values = lab
            .knobs
            .iter()
            .map(|knob| knob.parse(knob.default).unwrap_or_else(|e| panic!("default of {} is invalid: {e}", knob.key)))
            .collect();
        let mut link = Link { lab, values };
        // A follower's default is the one its leader's default gives.
        for i in (0..lab.knobs.len()).filter(|&i| lab.knobs[i].follows.is_some()) {
            link.reset(i);
        }
        link
    }

    /// The canonical link, starting with `#`.
    pub fn canonical(&self) -> String {
        let mut out = format!("#lab={}&v={VERSION}", self.lab.name);
        for (knob, value) in self.lab.knobs.iter().zip(&self.values) {
            let _ = write!(out, "&{}={value}", knob.key);
        }
        out
    }

    /// The value of `key`, or `None` if the lab has no such knob.
    pub fn get(&self, key: &str) -> Option<&Value> {
        let i = self.lab.knobs.iter().position(|k| k.key == key)?;
        Some(&self.values[i])
    }

    /// Checks the link is for the lab called `name` (a lab's
    /// `Config::from_link` starts here).
    pub fn expect_lab(&self, name: &str) -> Result<(), String> {
        if self.lab.name == name {
            Ok(())
        } else {
            Err(format!("not a {name} link: lab={}", self.lab.name))
        }
    }

    /// The value of an integer knob. The link was validated against the
    /// lab's table, so a missing key or another kind is a bug in the lab's
    /// code, and panics.
    pub fn int(&self, key: &str) -> i64 {
        match self.get(key) {
            Some(Value::Int(v)) => *v,
            other => panic!("{} knob {key} is not an integer: {other:?}", self.lab.name),
        }
    }

    /// The value of a number knob (see [`Link::int`]).
    pub fn float(&self, key: &str) -> f64 {
        match self.get(key) {
            Some(Value::Float(v)) => *v,
            other => panic!("{} knob {key} is not a number: {other:?}", self.lab.name),
        }
    }

    /// The value of a choice knob (see [`Link::int`]).
    pub fn choice(&self, key: &str) -> &'static str {
        match self.get(key) {
            Some(Value::Choice(v)) => v,
            other => panic!("{} knob {key} is not a choice: {other:?}", self.lab.name),
        }
    }

    /// `(knob, value)` pairs in canonical order.
    pub fn entries(&self) -> impl Iterator<Item = (&'static Knob, &Value)> {
        self.lab.knobs.iter().zip(&self.values)
    }

    /// The default of knob `i` in this link: its own, or the one its
    /// leader's value gives it (see [`Follows`](super::knob::Follows)).
    pub fn default_of(&self, i: usize) -> &'static str {
        let knob = &self.lab.knobs[i];
        knob.follows
            .and_then(|f| {
                let leader = self.get(f.key)?.to_string();
                f.defaults.iter().find(|(value, _)| *value == leader).map(|(_, default)| *default)
            })
            .unwrap_or(knob.default)
    }

    /// Sets knob `i` to its default in this link.
    pub(super) fn reset(&mut self, i: usize) {
        let knob = &self.lab.knobs[i];
        self.values[i] =
            knob.parse(self.default_of(i)).unwrap_or_else(|e| panic!("default of {} is invalid: {e}", knob.key));
    }

    /// Sets `key` from its link text, validating it like [`parse`] does.
    /// The knobs that follow `key` and stood at their default move to the
    /// default of its new value.
    pub fn set(&mut self, key: &str, text: &str) -> Result<(), String> {
        let i = self
            .lab
            .knobs
            .iter()
            .position(|k| k.key == key)
            .ok_or_else(|| format!("`{key}` is not a knob of the {} lab", self.lab.name))?;
        let value = self.lab.knobs[i].parse(text)?;
        let at_default: Vec<usize> = (0..self.values.len())
            .filter(|&j| self.lab.knobs[j].follows.is_some_and(|f| f.key == key))
            .filter(|&j| self.lab.knobs[j].parse(self.default_of(j)).as_ref() == Ok(&self.values[j]))
            .collect();
        self.values[i] = value;
        for j in at_default {
            self.reset(j);
        }
        Ok(())
    }
}
