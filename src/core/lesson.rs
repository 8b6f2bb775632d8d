//! Lessons: a teacher's sequence of lab links, each with its text, an
//! optional question, a live check and what to notice, shared as one link.
//!
//! A lesson is JSON (version [`VERSION`]):
//!
//! ```text
//! {"v": 1, "title": str, "author"?: str,
//!  "steps": [{"link": "#lab=…", "text": str,
//!             "question"?: str | {"choices": [str], "answer"?: int},
//!             "check"?: {"metric": str, "op": "<" | "<=" | ">" | ">=", "value": number}
//!                     | {"claim": str},
//!             "notice"?: str}]}
//! ```
//!
//! It travels in the link as `#lesson=` + base64url (no padding) of the
//! raw-deflated JSON; the page compresses with the browser's
//! `CompressionStream("deflate-raw")`, the CLI with `miniz_oxide`: the bytes
//! differ, the JSON they inflate to does not.
//!
//! A lesson is untrusted input. [`parse`] accepts only what the format
//! names (unknown fields are errors), within the limits below; a step's
//! link must be a link of a built lab on this site, its check must name a
//! metric that lab reports (the live metrics vocabulary, `Lab::metrics`),
//! and links in its text must be this site's hashes. Every failure is one
//! message that names the problem and where it is. The page renders lesson
//! strings as text only (`www/ui/lesson.js`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::core::lab::{Lab, Status};

/// The one version this site reads.
pub const VERSION: u64 = 1;
/// Limits: the inflated JSON, the link, the steps and each string (characters).
pub const MAX_JSON_BYTES: usize = 64 * 1024;
pub const MAX_LINK_BYTES: usize = 32 * 1024;
pub const MAX_STEPS: usize = 50;
pub const MAX_TITLE: usize = 200;
pub const MAX_TEXT: usize = 4000;
pub const MAX_CHOICES: usize = 8;
/// What a shared link starts with (after the site's address).
pub const PREFIX: &str = "#lesson=";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    pub v: u64,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub link: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<Question>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<Check>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
}

/// A free-text question, or a choice with an optional right answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Question {
    Free(String),
    Choices(Choices),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choices {
    pub choices: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<usize>,
}

/// A live metric compared with a number, or a claim of the step's lab
/// (by its name in the claims registry) whose verdict on the page must be
/// "holds" (the recorded one, or the seeds the student ran).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Check {
    Metric(MetricCheck),
    Claim(ClaimCheck),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricCheck {
    pub metric: String,
    pub op: String,
    pub value: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimCheck {
    pub claim: String,
}

impl MetricCheck {
    /// Whether `x` passes (`op` is one of the four, as [`parse`] made sure).
    pub fn passes(&self, x: f64) -> bool {
        match self.op.as_str() {
            "<" => x < self.value,
            "<=" => x <= self.value,
            ">" => x > self.value,
            ">=" => x >= self.value,
            _ => false,
        }
    }
}

/// A lesson from its JSON text, validated (see the module docs) against the
/// labs of `labs` (the registry, `labs::ALL`).
pub fn parse(json: &str, labs: &[&'static Lab]) -> Result<Lesson, String> {
    if json.len() > MAX_JSON_BYTES {
        return Err(format!("the lesson is {} bytes; at most {MAX_JSON_BYTES} are read", json.len()));
    }
    // The version first, so a future lesson is named as such rather than as malformed.
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("the lesson is not valid JSON: {e}"))?;
    match value.get("v").and_then(|v| v.as_u64()) {
        Some(VERSION) => {}
        Some(v) => return Err(format!("this is a version {v} lesson; this site reads version {VERSION}")),
        None => return Err(format!("the lesson has no version (\"v\": {VERSION})")),
    }
    let lesson: Lesson =
        serde_json::from_value(value).map_err(|e| format!("the lesson does not follow the format: {e}"))?;
    lesson.validate(labs)?;
    Ok(lesson)
}

impl Lesson {
    fn validate(&self, labs: &[&'static Lab]) -> Result<(), String> {
        limit("the title", &self.title, MAX_TITLE)?;
        if self.title.trim().is_empty() {
            return Err("the lesson has no title".into());
        }
        if let Some(author) = &self.author {
            limit("the author", author, MAX_TITLE)?;
        }
        if self.steps.is_empty() || self.steps.len() > MAX_STEPS {
            return Err(format!("a lesson has 1 to {MAX_STEPS} steps; this one has {}", self.steps.len()));
        }
        for (i, step) in self.steps.iter().enumerate() {
            step.validate(labs).map_err(|e| format!("step {}: {e}", i + 1))?;
        }
        Ok(())
    }

    /// The lesson as compact JSON, in the format's field order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a lesson serialises")
    }
}

impl Step {
    fn validate(&self, labs: &[&'static Lab]) -> Result<(), String> {
        let lab = site_link(&self.link, labs).map_err(|e| format!("its link {e}"))?;
        limit("its text", &self.text, MAX_TEXT)?;
        text_links(&self.text).map_err(|e| format!("its text {e}"))?;
        if let Some(notice) = &self.notice {
            limit("its notice", notice, MAX_TEXT)?;
            text_links(notice).map_err(|e| format!("its notice {e}"))?;
        }
        match &self.question {
            Some(Question::Free(q)) => limit("its question", q, MAX_TEXT)?,
            Some(Question::Choices(c)) => {
                if c.choices.len() < 2 || c.choices.len() > MAX_CHOICES {
                    return Err(format!("a question has 2 to {MAX_CHOICES} choices; this one has {}", c.choices.len()));
                }
                for choice in &c.choices {
                    limit("a choice", choice, MAX_TITLE)?;
                }
                if let Some(a) = c.answer {
                    if a >= c.choices.len() {
                        return Err(format!(
                            "its answer is choice {a}, but the choices are numbered 0 to {}",
                            c.choices.len() - 1
                        ));
                    }
                }
            }
            None => {}
        }
        if let Some(Check::Claim(c)) = &self.check {
            if !lab.claims.iter().any(|k| k.name == c.claim) {
                let names: Vec<&str> = lab.claims.iter().map(|k| k.name).collect();
                return Err(format!(
                    "its check names the claim {:?}, which the {} lab does not have; its claims: {}",
                    short(&c.claim),
                    lab.name,
                    names.join("; ")
                ));
            }
        }
        if let Some(Check::Metric(check)) = &self.check {
            if !["<", "<=", ">", ">="].contains(&check.op.as_str()) {
                return Err(format!("its check's op is {:?}; use <, <=, > or >=", check.op));
            }
            if !check.value.is_finite() {
                return Err("its check's value is not a finite number".into());
            }
            if !lab.metrics.contains(&check.metric.as_str()) {
                return Err(format!(
                    "its check reads {:?}, which the {} lab does not report; it reports {}",
                    check.metric,
                    lab.name,
                    lab.metrics.join(", ")
                ));
            }
        }
        Ok(())
    }
}

fn limit(what: &str, text: &str, max: usize) -> Result<(), String> {
    let n = text.chars().count();
    if n > max {
        return Err(format!("{what} has {n} characters; at most {max}"));
    }
    Ok(())
}

/// The built lab a step's link opens: a `#lab=` hash of this site whose
/// every knob is known (a typo would open other settings than the author's).
fn site_link(link: &str, labs: &[&'static Lab]) -> Result<&'static Lab, String> {
    if !link.starts_with("#lab=") {
        return Err(format!("{:?} is not a link of this site (they start with #lab=)", short(link)));
    }
    if link.len() > 2000 {
        return Err(format!("is {} characters long; at most 2000", link.len()));
    }
    let parsed = crate::core::link::parse_with(link, labs);
    let name = parsed.link.lab.name;
    let own = link == format!("#lab={name}") || link.starts_with(&format!("#lab={name}&"));
    if parsed.link.lab.status != Status::Ready || !own {
        return Err(format!("{:?} names no lab of this site", short(link)));
    }
    if let Some(notice) = parsed.notices.first() {
        return Err(format!("{:?}: {}", short(link), notice.message));
    }
    Ok(parsed.link.lab)
}

/// Markdown links `[label](target)` in lesson text go to this site's
/// hashes only: `#lab=…` or `#lesson=…`.
fn text_links(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let end = after.find(')').unwrap_or(after.len());
        let target = after[..end].trim();
        if !(target.starts_with("#lab=") || target.starts_with(PREFIX)) {
            return Err(format!("links to {:?}; lessons link only to this site's hashes (#lab=…)", short(target)));
        }
        rest = &after[end..];
    }
    Ok(())
}

fn short(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_string()
    }
}

/// The `#lesson=` link of a lesson (compact JSON, raw deflate, base64url).
pub fn encode(lesson: &Lesson) -> String {
    let bytes = miniz_oxide::deflate::compress_to_vec(lesson.to_json().as_bytes(), 10);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The lesson in a link (`…#lesson=…`, or the part after `#lesson=`).
pub fn decode(link: &str, labs: &[&'static Lab]) -> Result<Lesson, String> {
    parse(&decode_json(link)?, labs)
}

/// The JSON text a lesson link carries, before validation.
pub fn decode_json(link: &str) -> Result<String, String> {
    let data = match link.find(PREFIX) {
        Some(at) => &link[at + PREFIX.len()..],
        None if !link.contains('#') => link,
        None => return Err("not a lesson link: it has no #lesson=".into()),
    };
    if data.len() > MAX_LINK_BYTES {
        return Err(format!("the lesson link is {} bytes; at most {MAX_LINK_BYTES} are read", data.len()));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(data.trim_end_matches('='))
        .map_err(|e| format!("the lesson link is damaged (not base64url: {e}); copy it again whole"))?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, MAX_JSON_BYTES).map_err(|e| {
        if matches!(e.status, miniz_oxide::inflate::TINFLStatus::HasMoreOutput) {
            format!("the lesson inflates to more than {MAX_JSON_BYTES} bytes")
        } else {
            "the lesson link is damaged (it does not inflate); copy it again whole".to_string()
        }
    })?;
    String::from_utf8(json).map_err(|_| "the lesson is not UTF-8 text".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::ALL;

    const GOOD: &str = r##"{"v":1,"title":"Depth as time","steps":[
        {"link":"#lab=depth&scheme=euler","text":"Train *Euler*, then see [RK4](#lab=depth&scheme=rk4).",
         "question":{"choices":["up","down"],"answer":1},
         "check":{"metric":"test_accuracy","op":">","value":0.8},"notice":"It holds."},
        {"link":"#lab=koopman","text":"مرحبا — the plain model drifts.","question":"Why?"}]}"##;

    #[test]
    fn a_lesson_round_trips_through_its_link() {
        let lesson = parse(GOOD, ALL).unwrap();
        let link = encode(&lesson);
        assert!(link.starts_with(PREFIX) && !link.contains('='.to_string().repeat(2).as_str()));
        assert_eq!(decode(&format!("https://example.org/{link}"), ALL).unwrap(), lesson);
        assert!(matches!(lesson.steps[0].question, Some(Question::Choices(_))));
        assert!(matches!(lesson.steps[1].question, Some(Question::Free(_))));
        let Some(Check::Metric(check)) = &lesson.steps[0].check else { panic!("a metric check") };
        assert!(check.passes(0.9) && !check.passes(0.8));
        // A claim's verdict as the check: a claim of the step's lab, by name.
        let claim = crate::labs::by_name("koopman").unwrap().claims[0].name;
        let with_claim = GOOD.replacen(r#""question":"Why?""#, &format!(r#""check":{{"claim":"{claim}"}}"#), 1);
        assert!(matches!(&parse(&with_claim, ALL).unwrap().steps[1].check, Some(Check::Claim(_))));
        let err = parse(&with_claim.replace(claim, "Koopman cures colds"), ALL).unwrap_err();
        assert!(err.contains("does not have") && err.contains(claim), "{err}");
    }

    #[test]
    fn hostile_and_malformed_lessons_are_refused_with_the_reason() {
        let with = |from: &str, to: &str| GOOD.replacen(from, to, 1);
        let cases = [
            (with("\"v\":1", "\"v\":2"), "version 2"),
            (with("#lab=depth&scheme=euler", "javascript:alert(1)"), "not a link of this site"),
            (with("#lab=depth&scheme=rk4", "javascript:alert(1)"), "link only to this site"),
            (with("#lab=depth&scheme=euler", "#lab=nowhere"), "names no lab"),
            (with("#lab=depth&scheme=euler", "#lab=depth&sheme=euler"), "sheme"),
            (with("test_accuracy", "cookies"), "does not report"),
            (with("\">\"", "\"!=\""), "op"),
            (with("\"answer\":1", "\"answer\":5"), "answer"),
            (with("\"title\"", "\"script\":1,\"title\""), "unknown field"),
            (with("Depth as time", &"x".repeat(300)), "at most 200"),
            ("[".repeat(10_000), "not valid JSON"),
            ("{\"v\":1,\"title\":\"t\",\"steps\":[]}".into(), "1 to 50 steps"),
            ("x".repeat(MAX_JSON_BYTES + 1), "bytes"),
        ];
        for (json, why) in &cases {
            let err = parse(json, ALL).unwrap_err();
            assert!(err.contains(why), "{why}: {err}");
        }
        // Tags in strings are not the format's business: they stay text (the page never renders HTML).
        assert!(parse(&with("Depth as time", "<script>alert(1)</script><img src=x onerror=alert(2)>"), ALL).is_ok());
        // Links: damaged, not base64url, a bomb of zeros, and no lesson at all.
        assert!(decode_json("#lesson=%%%").unwrap_err().contains("base64url"));
        assert!(decode_json("#lesson=AAAA").unwrap_err().contains("damaged"));
        let bomb = miniz_oxide::deflate::compress_to_vec(&vec![b' '; 1 << 20], 10);
        assert!(decode_json(&format!("#lesson={}", URL_SAFE_NO_PAD.encode(bomb))).unwrap_err().contains("more than"));
        assert!(decode_json("#lab=depth").unwrap_err().contains("no #lesson="));
    }
}
