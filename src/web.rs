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
