//! Share links: the whole state of an experiment as `#lab=NAME&v=1&key=value&…`.
//!
//! Parsing never fails: every problem (an unknown key, a bad or out-of-range
//! value, a malformed pair) becomes a [`Notice`] that names the key, and the
//! knob keeps its default. Printing is canonical — `lab`, then `v`, then every
//! knob in table order — so a link read and written again is a fixed point, and
//! a link replays the same run even if defaults change later.
//!
//! The page and the CLI both go through this module; JavaScript never
//! re-implements validation.

use serde::Serialize;

pub use super::knob::Value;
use super::lab::Lab;
pub use super::lab::{Link, VERSION};

/// A problem found while reading a link; the run goes on with the default.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Notice {
    /// The key concerned, when there is one.
    pub key: Option<String>,
    pub message: String,
}

/// What [`parse`] returns: the link it could read, and what it had to fix.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    pub link: Link,
    pub notices: Vec<Notice>,
}

impl Parsed {
    /// The JSON shape shared by the page and `continuum link`:
    /// `{lab, v, config: {key: value, …}, link, notices}`, keys in link order.
    pub fn report(&self) -> Report<'_> {
        Report {
            lab: self.link.lab.name,
            v: VERSION,
            config: Config(&self.link),
            link: self.link.canonical(),
            notices: &self.notices,
        }
    }
}

/// See [`Parsed::report`].
#[derive(Serialize)]
pub struct Report<'a> {
    pub lab: &'static str,
    pub v: i64,
    pub config: Config<'a>,
    pub link: String,
    pub notices: &'a [Notice],
}

/// A link's knob values as a JSON object in canonical key order.
pub struct Config<'a>(pub &'a Link);

impl Serialize for Config<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.values.len()))?;
        for (knob, value) in self.0.entries() {
            map.serialize_entry(knob.key, value)?;
        }
        map.end()
    }
}

/// Reads `input` against `labs` and sets `key` to `text` (as a slider or a
/// button does): the one way the page edits a link. A value the knob does
/// not take, or a key the lab lacks, leaves the link as it was and adds a
/// notice that says why; nothing else of the link is lost.
pub fn with_knob(input: &str, key: &str, text: &str, labs: &[&'static Lab]) -> Parsed {
    let mut parsed = parse_with(input, labs);
    if let Err(message) = parsed.link.set(key, text) {
        parsed
            .notices
            .push(Notice { key: Some(key.to_string()), message: format!("{key}: {message}; kept as it was") });
    }
    parsed
}

impl Lab {
    /// Reads a link of this lab alone (a lab's face parses with its own
    /// entry, not the registry; a link naming another lab gets a notice).
    pub fn parse(&'static self, input: &str) -> Parsed {
        parse_with(input, std::slice::from_ref(&self))
    }
}

/// Reads a link: a bare hash (`lab=depth&steps=8`, with or without `#`) or a
/// full URL whose fragment holds it, against `labs` (the first is the lab of
/// a link that names none). Never fails; see [`Notice`]. The playground's
/// registry is `crate::labs::ALL`, and `crate::labs::parse` reads against it.
pub fn parse_with(input: &str, labs: &[&'static Lab]) -> Parsed {
    let hash = match input.find('#') {
        Some(i) => &input[i + 1..],
        None if input.contains("://") => "",
        None => input,
    };
    let mut notices = Vec::new();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for part in hash.split('&').filter(|p| !p.trim().is_empty()) {
        match part.split_once('=') {
            Some((k, v)) => pairs.push((percent_decode(k.trim()), percent_decode(v.trim()))),
            None => notices
                .push(Notice { key: None, message: format!("`{}` is not a key=value pair; ignored", shorten(part)) }),
        }
    }

    let mut lab = labs[0];
    for (k, v) in pairs.iter().filter(|(k, _)| k == "lab") {
        match labs.iter().find(|l| l.name == v) {
            Some(found) => lab = found,
            None => {
                let names: Vec<_> = labs.iter().map(|l| l.name).collect();
                notices.push(Notice {
                    key: Some(k.clone()),
                    message: format!(
                        "lab: `{}` is not a lab (one of {}); showing {}",
                        shorten(v),
                        names.join(", "),
                        lab.name
                    ),
                });
            }
        }
    }

    let mut link = Link::defaults(lab);
    let mut seen: Vec<&str> = Vec::new();
    // Knobs whose default follows another knob are read last, so that their
    // default (when missing or invalid) is the one the link's leader gives.
    let follower = |key: &str| lab.knobs.iter().any(|k| k.key == key && k.follows.is_some());
    let (leaders, followers): (Vec<_>, Vec<_>) = pairs.iter().partition(|(k, _)| !follower(k));
    let mut given = vec![false; lab.knobs.len()];
    for (key, text) in leaders.into_iter().chain(followers) {
        if key == "lab" {
            continue;
        }
        if key == "v" {
            match text.parse::<i64>() {
                Ok(v) if (1..=VERSION).contains(&v) => {}
                Ok(v) if v > VERSION => notices.push(Notice {
                    key: Some("v".into()),
                    message: format!("v: link version {v} is newer than this app (version {VERSION}); reading it as version {VERSION}"),
                }),
                _ => notices.push(Notice {
                    key: Some("v".into()),
                    message: format!("v: `{}` is not a link version (1..={VERSION}); reading it as version {VERSION}", shorten(text)),
                }),
            }
            continue;
        }
        let Some(i) = lab.knobs.iter().position(|k| k.key == key) else {
            notices.push(Notice {
                key: Some(key.clone()),
                message: format!("`{}` is not a knob of the {} lab; ignored", shorten(key), lab.name),
            });
            continue;
        };
        let knob = &lab.knobs[i];
        if seen.contains(&knob.key) {
            notices.push(Notice {
                key: Some(key.clone()),
                message: format!("{key}: given more than once; the last value is used"),
            });
        }
        seen.push(knob.key);
        match knob.parse(text) {
            Ok(value) => {
                link.values[i] = value;
                given[i] = true;
            }
            Err(why) => {
                // An earlier valid duplicate must not survive a later bad one.
                link.reset(i);
                given[i] = false;
                let default = match link.default_of(i) {
                    "" => "(empty)",
                    text => text,
                };
                notices.push(Notice {
                    key: Some(key.clone()),
                    message: format!("{key}: `{}` {why}; using the default {default}", shorten(text)),
                })
            }
        }
    }
    // A follower the link does not give takes the default its leader's value gives.
    for i in 0..lab.knobs.len() {
        if lab.knobs[i].follows.is_some() && !given[i] {
            link.reset(i);
        }
    }
    Parsed { link, notices }
}

/// Decodes `%XX` escapes and `+`; anything malformed is kept as it is.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Keeps messages readable when a link carries something huge.
fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head}…")
    }
}
