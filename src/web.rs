//! The page's shared face: what `www/` calls through wasm-bindgen that is
//! not any one lab's and needs the list of labs (the registry, links and
//! editing them). The WebGPU device and the helpers every face uses live
//! below the labs, in `core::js`; each lab's own face is
//! `labs/<lab>/web.rs`. Thin on purpose: every rule lives in the labs,
//! `core` and numerics; this file only converts.

use wasm_bindgen::prelude::*;

use crate::core::js::to_js;
use crate::labs;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// A lesson's JSON text validated by `core::lesson::parse`: `{lesson, json}`
/// (`json` compact, in the format's order: what a `#lesson=` link carries),
/// or the reason it is not a lesson.
#[wasm_bindgen(js_name = lessonParse)]
pub fn lesson_parse(text: &str) -> Result<JsValue, JsValue> {
    let lesson = crate::core::lesson::parse(text, labs::ALL).map_err(|e| JsValue::from_str(&e))?;
    to_js(&serde_json::json!({ "json": lesson.to_json(), "lesson": lesson }))
}

/// Every lab, in navigation order: `[{name, title, summary, presets, status}]`.
#[wasm_bindgen]
pub fn labs() -> Result<JsValue, JsValue> {
    to_js(labs::ALL)
}

/// The knob table of `lab`: `[{key, type, …range, default, label, help}]`.
#[wasm_bindgen]
pub fn knobs(lab: &str) -> Result<JsValue, JsValue> {
    let lab = labs::by_name(lab).ok_or_else(|| JsValue::from_str(&format!("no lab named {lab}")))?;
    to_js(lab.knobs)
}

/// Reads a link: `{lab, v, config, link, notices}`; see `link::Parsed::report`.
#[wasm_bindgen(js_name = parseLink)]
pub fn parse_link(input: &str) -> Result<JsValue, JsValue> {
    to_js(&labs::parse(input).report())
}

/// Sets `key` to `value` in `link` (see `link::with_knob`): the parsed result,
/// shaped as `parseLink`'s, with a notice if the value was refused.
#[wasm_bindgen(js_name = withKnob)]
pub fn with_knob(link: &str, key: &str, value: &str) -> Result<JsValue, JsValue> {
    to_js(&crate::core::link::with_knob(link, key, value, labs::ALL).report())
}

/// One claim of the registry, for the scoreboard.
#[derive(serde::Serialize)]
struct ClaimEntry {
    lab: &'static str,
    index: usize,
    name: &'static str,
    paper: &'static str,
    paper_value: &'static str,
    link: &'static str,
    control: &'static str,
    statistic: String,
    comparison: String,
}

/// Every claim of the registry, lab by lab: `[{lab, index, name, paper, paper_value, link, control, statistic, comparison}]`.
#[wasm_bindgen]
pub fn claims() -> Result<JsValue, JsValue> {
    let entries: Vec<ClaimEntry> = labs::ALL
        .iter()
        .flat_map(|lab| {
            lab.claims.iter().enumerate().map(move |(index, c)| ClaimEntry {
                lab: lab.name,
                index,
                name: c.name,
                paper: lab.papers.get(c.paper).copied().unwrap_or(""),
                paper_value: c.paper_value,
                link: c.link,
                control: c.control,
                statistic: c.statistic.describe(),
                comparison: c.comparison.describe(),
            })
        })
        .collect();
    to_js(&entries)
}

fn claim_of(
    lab: &str,
    index: usize,
) -> Result<(&'static crate::core::lab::Lab, &'static crate::core::claims::Claim), JsValue> {
    let lab = labs::by_name(lab).ok_or_else(|| JsValue::from_str(&format!("no lab named {lab}")))?;
    let claim =
        lab.claims.get(index).ok_or_else(|| JsValue::from_str(&format!("{} has no claim {index}", lab.name)))?;
    Ok((lab, claim))
}

/// The statistics of claims `indices` of `lab` on `link` (a claim's link or
/// control) at `seed`: the lab's run to the end, once, in the calling
/// worker, then each claim's number from its report (NaN if the run failed
/// or the report lacks it). The numbers `continuum claims` gives, which also
/// runs each distinct link and seed once.
#[wasm_bindgen(js_name = claimValues)]
pub fn claim_values(lab: &str, link: &str, seed: u32, indices: Vec<u32>) -> Result<Vec<f64>, JsValue> {
    let claims: Vec<_> = indices.iter().map(|&i| claim_of(lab, i as usize)).collect::<Result<_, _>>()?;
    let Some(&(lab, _)) = claims.first() else { return Ok(Vec::new()) };
    let report = crate::core::over_seeds::report(lab, link, seed as u64);
    Ok(claims
        .iter()
        .map(|(_, claim)| report.as_ref().and_then(|r| claim.statistic.read(r)).unwrap_or(f64::NAN))
        .collect())
}

/// From now on this core's runs share repeated work (`core::memo`), as
/// `continuum claims` does, until [`forget_shared_work`]: the claims
/// worker runs a claim's link and its control at one seed together.
#[wasm_bindgen(js_name = shareWork)]
pub fn share_work() {
    crate::core::memo::enable();
}

/// Drops the work kept for sharing (after each claim and seed).
#[wasm_bindgen(js_name = forgetSharedWork)]
pub fn forget_shared_work() {
    crate::core::memo::forget();
}

/// The verdict before every seed is in (`core::claims::decided`): `null`
/// while the seeds still to come could change it, else
/// `{holds, control_holds}`, which the full run will give too. `values`
/// and `control` are the seeds in so far (any order), of `seeds` in all.
#[wasm_bindgen(js_name = claimDecided)]
pub fn claim_decided(
    lab: &str,
    index: usize,
    seeds: usize,
    values: Vec<f64>,
    control: Vec<f64>,
) -> Result<JsValue, JsValue> {
    let (_, claim) = claim_of(lab, index)?;
    let decided = crate::core::claims::decided(claim.comparison, seeds, &values, &control);
    to_js(&decided.map(|(holds, control_holds)| serde_json::json!({"holds": holds, "control_holds": control_holds})))
}

/// The verdict from per-seed values (NaN for a seed that failed): median,
/// interval, holds, as `continuum claims --json` prints it.
#[wasm_bindgen(js_name = claimVerdict)]
pub fn claim_verdict(
    lab: &str,
    index: usize,
    seeds: Vec<u32>,
    values: Vec<f64>,
    control: Vec<f64>,
) -> Result<JsValue, JsValue> {
    let (lab, claim) = claim_of(lab, index)?;
    let seeds: Vec<u64> = seeds.into_iter().map(u64::from).collect();
    to_js(&crate::core::over_seeds::verdict(lab, claim, &seeds, values, control))
}
