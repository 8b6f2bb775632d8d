//! What every face and every lab shares that is not numerics: the knob type
//! ([`knob`]), the lab type the registry lists ([`lab`]), and share links
//! ([`link`]), parsed and printed canonically from a lab's knob table.
//!
//! `core` knows no particular lab: the list of labs is `crate::labs::ALL`.

pub mod knob;
pub mod lab;
pub mod link;
