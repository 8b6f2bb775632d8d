//! What a lab is, as the registry sees it: a name, words for the page, a knob
//! table, presets and, once built, a headless `run`.
//!
//! Each lab's folder defines one `pub const LAB: Lab`; `crate::labs::ALL`
//! lists them. Everything that enumerates labs (the CLI, the page's
//! navigation and views, the "coming" pages, the registry tests) reads that
//! list, so adding a lab is one folder and one line.

use serde::Serialize;

use super::knob::Knob;
use super::link::Link;
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

/// One lab of the playground.
#[derive(Serialize)]
pub struct Lab {
    /// The name used in links (`lab=NAME`), on the command line, and as the
    /// folder name on both sides (`src/labs/NAME/`, `www/labs/NAME/`).
    pub name: &'static str,
    pub title: &'static str,
    /// What the lab shows, in two sentences for the page.
    pub summary: &'static str,
    /// Knobs in canonical link order.
    #[serde(skip)]
    pub knobs: &'static [Knob],
    pub presets: &'static [Preset],
    pub status: Status,
    /// `None` for a lab that is not built yet.
    #[serde(skip)]
    pub run: Option<Run>,
    /// A link that `run` finishes in about a second, for the registry tests.
    #[serde(skip)]
    pub tiny: &'static str,
    /// Fields every report of `run` carries (the names its issue gives).
    #[serde(skip)]
    pub fields: &'static [&'static str],
    /// The lab's GPU kernels' shaders.
    #[serde(skip)]
    pub shaders: &'static [ShaderSpec],
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
            knobs,
            presets: &[],
            status: Status::Coming,
            run: None,
            tiny: "",
            fields: &[],
            shaders: &[],
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
