//! Knobs: the typed controls of a lab.
//!
//! Each lab declares its knobs once, as a table in its own folder: key, kind
//! (with range or choices), default, label and one line of help. That table
//! drives link parsing and printing ([`super::link`]), the CLI, and, exported
//! to the page as JSON, the controls. Adding a knob is one line.

use serde::Serialize;

/// The type and allowed values of one knob.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Kind {
    /// An integer in `min..=max`.
    Int { min: i64, max: i64 },
    /// A finite number in `min..=max`; `log` hints a logarithmic slider.
    Float { min: f64, max: f64, log: bool },
    /// One of a fixed set of names.
    Choice { choices: &'static [&'static str] },
    /// A comma-separated, strictly increasing list of integers in
    /// `min..=max`, at most `max_len` long (may be empty).
    IntList { min: i64, max: i64, max_len: usize },
}

/// One control of a lab: the unit of the knob table.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Knob {
    pub key: &'static str,
    #[serde(flatten)]
    pub kind: Kind,
    /// The default, written as it appears in a link.
    pub default: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    /// The panel or study the knob belongs to; empty for the lab's main
    /// controls. A lab with studies names each study's knobs after it
    /// (`rnn`, `titrate`, …), so the page shows the shared knobs and those
    /// of the link's study; a lab with two panels names the second
    /// (`evaluation`, `operator`).
    pub group: &'static str,
    /// Changing it re-evaluates the trained model; every other knob retrains.
    pub reevaluates: bool,
    /// A default that depends on another knob's value (see [`Follows`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follows: Option<Follows>,
}

/// A knob whose default depends on another knob's value: the depth lab's
/// epochs are 200 on two-dimensional points and 10 on images, where one
/// epoch costs hundreds of convolutions.
///
/// The rule, for links (`super::link`): a follower missing from a link (or
/// given a value it does not take) gets the default for the value its
/// leader has in that link, wherever the two stand in the link. When the
/// page changes the leader ([`super::lab::Link::set`]), a follower left at
/// its default moves to the new default, and one set to anything else
/// keeps its value. Canonical links name every knob, so what a link
/// already printed means does not change.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Follows {
    /// The leader's key.
    pub key: &'static str,
    /// `(leader's value, this knob's default)`; other values of the
    /// leader give the knob's own `default`.
    pub defaults: &'static [(&'static str, &'static str)],
}

pub const fn int(
    key: &'static str,
    min: i64,
    max: i64,
    default: &'static str,
    label: &'static str,
    help: &'static str,
) -> Knob {
    Knob { key, kind: Kind::Int { min, max }, default, label, help, group: "", reevaluates: false, follows: None }
}

/// A number knob; `.log()` gives it a logarithmic slider.
pub const fn float(
    key: &'static str,
    min: f64,
    max: f64,
    default: &'static str,
    label: &'static str,
    help: &'static str,
) -> Knob {
    Knob {
        key,
        kind: Kind::Float { min, max, log: false },
        default,
        label,
        help,
        group: "",
        reevaluates: false,
        follows: None,
    }
}

pub const fn choice(
    key: &'static str,
    choices: &'static [&'static str],
    default: &'static str,
    label: &'static str,
    help: &'static str,
) -> Knob {
    Knob { key, kind: Kind::Choice { choices }, default, label, help, group: "", reevaluates: false, follows: None }
}

/// The seed knob every lab carries.
pub const SEED: Knob = int(
    "seed",
    0,
    4_294_967_295,
    "1",
    "Seed",
    "Seeds the data, the initial weights and every random choice: the same link gives the same run.",
);

impl Knob {
    /// The same number knob with a logarithmic slider.
    pub const fn log(self) -> Knob {
        match self.kind {
            Kind::Float { min, max, .. } => Knob { kind: Kind::Float { min, max, log: true }, ..self },
            _ => panic!("only number knobs have a logarithmic slider"),
        }
    }

    /// The same knob in panel or study `group` (see [`Knob::group`]).
    pub const fn group(self, group: &'static str) -> Knob {
        Knob { group, ..self }
    }

    /// The same knob, re-evaluating the trained model rather than retraining.
    pub const fn reevaluates(self) -> Knob {
        Knob { reevaluates: true, ..self }
    }

    /// The same knob, with its default set by `key`'s value (see [`Follows`]).
    pub const fn follows(self, key: &'static str, defaults: &'static [(&'static str, &'static str)]) -> Knob {
        Knob { follows: Some(Follows { key, defaults }), ..self }
    }

    /// The knobs of `knobs` the page shows for a link whose study is
    /// `study`: the main ones and those of that study or panel.
    pub fn shown<'a>(knobs: &'a [Knob], study: &'a str) -> impl Iterator<Item = &'a Knob> {
        knobs.iter().filter(move |k| k.group.is_empty() || k.group == study)
    }
}

/// The value of one knob, already validated against its [`Kind`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Int(i64),
    Float(f64),
    Choice(&'static str),
    IntList(Vec<i64>),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(v) => write!(f, "{v}"),
            // Rust prints the shortest decimal that parses back to the same f64.
            Value::Float(v) => write!(f, "{v}"),
            Value::Choice(v) => f.write_str(v),
            Value::IntList(v) => {
                let items: Vec<String> = v.iter().map(i64::to_string).collect();
                f.write_str(&items.join(","))
            }
        }
    }
}

impl Knob {
    /// The allowed values, in words, for messages and help.
    pub fn range_text(&self) -> String {
        match self.kind {
            Kind::Int { min, max } => format!("an integer in {min}..={max}"),
            Kind::Float { min, max, .. } => format!("a number in {min}..={max}"),
            Kind::Choice { choices } => format!("one of {}", choices.join(", ")),
            Kind::IntList { min, max, max_len } => {
                format!("up to {max_len} increasing integers in {min}..={max}, separated by commas")
            }
        }
    }

    /// Validates `text` against this knob; the error says what was expected.
    pub fn parse(&self, text: &str) -> Result<Value, String> {
        let knob = self;
        let expected = || format!("is not {}", knob.range_text());
        match knob.kind {
            Kind::Int { min, max } => match text.parse::<i64>() {
                Ok(v) if (min..=max).contains(&v) => Ok(Value::Int(v)),
                _ => Err(expected()),
            },
            Kind::Float { min, max, .. } => match text.parse::<f64>() {
                Ok(v) if v.is_finite() && (min..=max).contains(&v) => Ok(Value::Float(v)),
                _ => Err(expected()),
            },
            Kind::Choice { choices } => {
                choices.iter().find(|c| **c == text).map(|c| Value::Choice(c)).ok_or_else(expected)
            }
            Kind::IntList { min, max, max_len } => {
                if text.is_empty() {
                    return Ok(Value::IntList(Vec::new()));
                }
                let mut items = Vec::new();
                for item in text.split(',') {
                    match item.trim().parse::<i64>() {
                        Ok(v) if (min..=max).contains(&v) && items.last().is_none_or(|&last| v > last) => items.push(v),
                        _ => return Err(expected()),
                    }
                }
                if items.len() > max_len {
                    return Err(expected());
                }
                Ok(Value::IntList(items))
            }
        }
    }
}
