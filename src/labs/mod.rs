//! The labs, one folder each, and the registry that lists them.
//!
//! A lab's folder holds its registry entry (`lab.rs`: knob table, presets,
//! `run`), its model or engine (`mod.rs` and the rest), its GPU kernels with their shaders beside them, and its
//! wasm face (`web.rs`). [`ALL`] is the one list of labs: the CLI, the
//! page's navigation and views, the "coming" pages and the registry tests
//! all read it. Adding a lab is a new folder here, one in `www/labs/`, and
//! one line in [`ALL`] (see `docs/adding-a-lab.md`).

use crate::core::lab::Lab;
use crate::core::link::{self, Parsed};

pub mod depth;
pub mod fields;
pub mod flow;
pub mod koopman;
pub mod noise;
pub mod sketch;
pub mod transfer;

/// Every lab, in navigation order. The first is the lab of a link that
/// names none.
pub const ALL: &[&Lab] = &[
    &depth::lab::LAB,
    &flow::lab::LAB,
    &koopman::lab::LAB,
    &noise::lab::LAB,
    &sketch::lab::LAB,
    &fields::lab::LAB,
    &transfer::lab::LAB,
];

/// The lab called `name`.
pub fn by_name(name: &str) -> Option<&'static Lab> {
    ALL.iter().copied().find(|lab| lab.name == name)
}

/// Reads a share link against the registry; see [`link::parse_with`].
pub fn parse(input: &str) -> Parsed {
    link::parse_with(input, ALL)
}

#[cfg(test)]
mod link_tests;
#[cfg(test)]
mod registry_tests;
