//! What every face and every lab shares that is not numerics: the knob type
//! ([`knob`]), the lab type the registry lists ([`lab`]), share links
//! ([`link`]), parsed and printed canonically from a lab's knob table, the
//! resumable experiment driver every lab's runs go through ([`driver`]), and
//! (in wasm) what every lab's page face shares (`js`).
//!
//! `core` knows no particular lab: the list of labs is `crate::labs::ALL`.

pub mod claims;
pub mod driver;
#[cfg(target_arch = "wasm32")]
pub mod js;
pub mod knob;
pub mod lab;
pub mod lesson;
pub mod link;
pub mod maps;
pub mod memo;
pub mod over_seeds;
pub mod report;
