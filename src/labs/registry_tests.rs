//! Tests over every lab in [`ALL`]: a lab added to the registry is covered
//! here at once, with nothing to add.

use super::*;
use crate::core::lab::{Lab, Status};
use crate::gpu::{ShaderSpec, WORKGROUP};

#[test]
fn names_are_unique_and_knob_keys_are_unique_and_not_reserved() {
    for (i, lab) in ALL.iter().enumerate() {
        assert!(ALL[..i].iter().all(|other| other.name != lab.name), "{} listed twice", lab.name);
        assert_eq!(by_name(lab.name), Some(*lab));
        let keys: Vec<_> = lab.knobs.iter().map(|k| k.key).collect();
        for (j, key) in keys.iter().enumerate() {
            assert!(!keys[..j].contains(key), "{} repeats {key}", lab.name);
            assert!(*key != "lab" && *key != "v", "{key} is reserved");
        }
    }
    assert_eq!(by_name("nope"), None);
}

#[test]
fn every_preset_parses_without_notice_and_names_its_lab() {
    let mut checked = 0;
    for lab in ALL {
        for preset in lab.presets {
            let parsed = parse(preset.link);
            assert_eq!(parsed.notices, vec![], "{}: preset {:?}", lab.name, preset.name);
            assert_eq!(parsed.link.lab, *lab, "preset {:?} is listed under {}", preset.name, lab.name);
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} presets");
    // The check can fail: a preset with a typo in a key is noticed.
    assert!(!parse("#lab=depth&stpes=2").notices.is_empty());
}

/// The front page cites each lab's papers: every built lab names at least
/// one, no paper is claimed twice, and together they are the ten the
/// playground is built on.
#[test]
fn the_built_labs_cite_the_ten_papers_once_each() {
    let mut papers: Vec<&str> = Vec::new();
    for lab in ALL.iter().filter(|lab| lab.status == Status::Ready) {
        assert!(!lab.papers.is_empty(), "{} cites no paper", lab.name);
        for paper in lab.papers {
            assert!(!papers.contains(paper), "{paper} is cited twice");
            assert!(paper.contains(": ") && paper.ends_with(')'), "{paper}: authors: title (venue/year)");
            papers.push(paper);
        }
    }
    assert_eq!(papers.len(), 10, "{papers:#?}");
}

#[test]
fn a_built_lab_has_a_run_presets_and_a_tiny_link_and_a_coming_one_has_none() {
    for lab in ALL {
        match lab.status {
            Status::Ready => {
                assert!(lab.run.is_some(), "{} is ready but has no run", lab.name);
                assert!(!lab.presets.is_empty(), "{} has no presets", lab.name);
                assert_eq!(parse(lab.tiny).notices, vec![], "{}: tiny link", lab.name);
                assert_eq!(parse(lab.tiny).link.lab, *lab);
            }
            Status::Coming => assert!(lab.run.is_none(), "{} is coming but runs", lab.name),
        }
    }
}

#[test]
fn every_built_lab_runs_its_tiny_link_and_reports_its_fields() {
    for lab in ALL.iter().filter(|lab| lab.status == Status::Ready) {
        let link = parse(lab.tiny).link;
        let run = lab.run.expect("a ready lab runs");
        let outcome = run(&link, &|| 0.0).unwrap_or_else(|e| panic!("{}: {e}", lab.name));
        assert_eq!(outcome.diverged, None, "{}", lab.name);
        let report = outcome.report.as_object().unwrap_or_else(|| panic!("{}: report is not an object", lab.name));
        for field in lab.fields {
            assert!(report.contains_key(*field), "{}: report lacks {field}", lab.name);
        }
        assert_eq!(report["link"], link.canonical(), "{}: the report names its canonical link", lab.name);
    }
}

/// What naga reads from a shader: the byte size of the struct bound as
/// uniform (at most one per shader), each entry point's workgroup size, and
/// every binding as (group, binding, is storage).
type NagaView = (Option<u32>, Vec<(String, [u32; 3])>, Vec<(u32, u32, bool)>);

fn naga_view(spec: &ShaderSpec) -> NagaView {
    let module = naga::front::wgsl::parse_str(spec.wgsl)
        .unwrap_or_else(|e| panic!("{}: {}", spec.file, e.emit_to_string(spec.wgsl)));
    let uniforms: Vec<u32> = module
        .global_variables
        .iter()
        .filter(|(_, var)| var.space == naga::AddressSpace::Uniform)
        .map(|(_, var)| module.types[var.ty].inner.size(module.to_ctx()))
        .collect();
    assert!(uniforms.len() <= 1, "{}: more than one uniform binding", spec.file);
    let entries = module.entry_points.iter().map(|ep| (ep.name.clone(), ep.workgroup_size)).collect();
    let mut bindings: Vec<(u32, u32, bool)> = module
        .global_variables
        .iter()
        .filter_map(|(_, var)| {
            let b = var.binding.as_ref()?;
            Some((b.group, b.binding, matches!(var.space, naga::AddressSpace::Storage { .. })))
        })
        .collect();
    bindings.sort();
    (uniforms.first().copied(), entries, bindings)
}

/// Checks one kernel's host-side assumptions against its shader.
fn check_shader(spec: &ShaderSpec) -> Result<(), String> {
    let (uniform, entries, bindings) = naga_view(spec);
    // Binding 0 the uniform, then storage buffers 1..=storage, all in group 0.
    let expected: Vec<(u32, u32, bool)> = (0..=spec.storage as u32).map(|i| (0, i, i > 0)).collect();
    if bindings != expected {
        return Err(format!("{}: bindings {bindings:?}, the host lays out {expected:?}", spec.file));
    }
    if uniform != Some(spec.uniform_size as u32) {
        return Err(format!("{}: the WGSL uniform is {uniform:?} bytes, Rust writes {}", spec.file, spec.uniform_size));
    }
    if entries.is_empty() {
        return Err(format!("{}: no entry points", spec.file));
    }
    for (name, size) in entries {
        if size != [WORKGROUP as u32, 1, 1] {
            return Err(format!("{}: {name} has workgroup size {size:?}, not [{WORKGROUP}, 1, 1]", spec.file));
        }
    }
    Ok(())
}

#[test]
fn every_kernel_uniform_bindings_and_workgroup_match_its_shader() {
    let mut specs = vec![crate::gpu::dense::SHADER, crate::gpu::conv::SHADER];
    specs.extend(ALL.iter().flat_map(|lab| lab.shaders.iter().copied()));
    assert!(specs.len() >= 6, "{} shaders registered", specs.len());
    for spec in &specs {
        check_shader(spec).unwrap();
    }
    // Controls: a Rust struct one word too big, and a shader whose entry
    // point has another workgroup size, are both caught.
    let dense = crate::gpu::dense::SHADER;
    assert!(check_shader(&ShaderSpec { uniform_size: dense.uniform_size + 4, ..dense }).is_err());
    assert!(check_shader(&ShaderSpec { storage: dense.storage + 1, ..dense }).is_err());
    let other = dense.wgsl.replace("@workgroup_size(64)", "@workgroup_size(32)");
    assert!(check_shader(&ShaderSpec { wgsl: Box::leak(other.into_boxed_str()), ..dense }).is_err());
}

/// The value of a `u32` module-scope `const` in a shader.
fn wgsl_const_u32(wgsl: &str, name: &str) -> Option<u32> {
    let module = naga::front::wgsl::parse_str(wgsl).ok()?;
    let (_, constant) = module.constants.iter().find(|(_, c)| c.name.as_deref() == Some(name))?;
    match module.global_expressions[constant.init] {
        naga::Expression::Literal(naga::Literal::U32(v)) => Some(v),
        _ => None,
    }
}

#[test]
fn constants_shared_by_rust_and_wgsl_agree() {
    use crate::labs::depth::kernel::{MAX_D, WGSL};
    assert_eq!(wgsl_const_u32(WGSL, "MAX_D"), Some(MAX_D as u32), "depth/kernel.wgsl's MAX_D");
    let dim = depth::lab::LAB.knobs.iter().find(|k| k.key == "dim").expect("depth has a dim knob");
    assert_eq!(dim.kind, crate::core::knob::Kind::Int { min: 2, max: MAX_D as i64 }, "the dim knob stops at MAX_D");
    // Control: a different value is read as different.
    assert_eq!(wgsl_const_u32("const MAX_D: u32 = 8u;", "MAX_D"), Some(8));
}

/// Links that reach a lab's other studies, for the metrics test: a metric
/// of one study is absent from another's report.
const OTHER_STUDIES: &[&str] = &[
    "#lab=depth&data=pendulum&epochs=2",
    "#lab=noise&study=titrate&models=2&tepochs=1",
    "#lab=noise&study=stabilize&paths=64",
    // Without training noise the two RNNs are one, trained once (natively
    // shared with `core::memo` when on; stepped, copied when done).
    "#lab=noise&units=4&epochs=1&add=0&mult=0",
    // Natively, the ε = 0 "robust" source is the natural one, not trained again.
    "#lab=transfer&hidden=32-32-16&epochs=2&seeds=1&n=5&eps=0",
];

/// Every live metric a lab names is a number in the report of its tiny
/// link or of one of its other studies' small links: the page and the
/// claims read the same name from the same place.
#[test]
fn every_metric_names_a_number_of_a_report() {
    let mut checked = 0;
    for lab in ALL.iter().filter(|lab| lab.status == Status::Ready) {
        assert!(!lab.metrics.is_empty(), "{} names no live metric", lab.name);
        let links =
            std::iter::once(lab.tiny).chain(OTHER_STUDIES.iter().copied().filter(|l| parse(l).link.lab == *lab));
        let reports: Vec<serde_json::Value> = links
            .map(|l| {
                let parsed = parse(l);
                assert_eq!(parsed.notices, vec![], "{l}");
                (lab.run.expect("ready"))(&parsed.link, &|| 0.0).unwrap_or_else(|e| panic!("{l}: {e}")).report
            })
            .collect();
        for name in lab.metrics {
            assert!(
                reports.iter().any(|r| crate::core::lab::metric(r, name).is_some_and(f64::is_finite)),
                "{}: metric {name} is not a number in any report",
                lab.name
            );
            checked += 1;
        }
        // Control: a name that is not in the report resolves to nothing.
        assert!(reports.iter().all(|r| crate::core::lab::metric(r, "no_such_metric").is_none()));
    }
    assert!(checked >= 20, "only {checked} metrics");
    let r = serde_json::json!({"a": {"1000": 0.5}, "b": [{"c": 2}], "s": "x"});
    assert_eq!(crate::core::lab::metric(&r, "a.1000"), Some(0.5));
    assert_eq!(crate::core::lab::metric(&r, "b.0.c"), Some(2.0));
    assert_eq!(crate::core::lab::metric(&r, "s"), None);
    assert_eq!(crate::core::lab::metric(&r, "b.1.c"), None);
}

/// Knob groups: in a lab with a `study` knob every group is one of its
/// studies and every study has knobs of its own; in a lab without, there
/// is at most one group besides the main one (a second panel).
#[test]
fn knob_groups_are_studies_or_one_panel() {
    fn check(lab: &Lab) -> Result<(), String> {
        let groups: Vec<&str> = lab.knobs.iter().map(|k| k.group).filter(|g| !g.is_empty()).collect();
        match lab.knobs.iter().find(|k| k.key == "study").map(|k| k.kind) {
            Some(crate::core::knob::Kind::Choice { choices }) => {
                if let Some(g) = groups.iter().find(|g| !choices.contains(g)) {
                    return Err(format!("{}: group {g} is not a study", lab.name));
                }
                if let Some(c) = choices.iter().find(|c| !groups.contains(c)) {
                    return Err(format!("{}: study {c} has no knobs of its own", lab.name));
                }
            }
            _ => {
                let mut distinct = groups.clone();
                distinct.dedup();
                if distinct.len() > 1 {
                    return Err(format!("{}: groups {distinct:?} but no study knob", lab.name));
                }
            }
        }
        if lab.knobs.iter().any(|k| k.key == "study" && !k.group.is_empty()) {
            return Err(format!("{}: the study knob itself must be shown for every study", lab.name));
        }
        Ok(())
    }
    for lab in ALL {
        check(lab).unwrap();
    }
    // Control: a study knob whose group names no study is caught.
    use crate::core::knob::{choice, int, Knob};
    const BAD: &[Knob] = &[
        choice("study", &["a", "b"], "a", "Study", ""),
        int("x", 0, 1, "0", "x", "").group("a"),
        int("y", 0, 1, "0", "y", "").group("c"),
    ];
    let bad = Lab { knobs: BAD, ..Lab::coming("bad", "Bad", "", BAD) };
    assert!(check(&bad).is_err());
    // The depth lab's evaluation knobs re-evaluate; its training knobs retrain.
    let depth = by_name("depth").unwrap();
    assert!(depth.knobs.iter().all(|k| k.reevaluates == (k.group == "evaluation")));
}

/// Each lab's driver stepped a unit at a time (as the page's worker does)
/// reports what `run` (the CLI, which may do units in parallel) reports for
/// the tiny link, timings aside.
#[test]
fn every_driver_stepped_reports_what_run_does() {
    fn strip(mut v: serde_json::Value) -> serde_json::Value {
        if let Some(map) = v.as_object_mut() {
            for key in ["timings_ms", "paths_per_second", "analysis_ms"] {
                map.remove(key);
            }
        }
        v
    }
    let mut checked = 0;
    let links = ALL.iter().map(|lab| lab.tiny).chain(OTHER_STUDIES.iter().copied());
    for text in links.filter(|l| !l.is_empty()) {
        let link = parse(text).link;
        let (Some(run), Some(stepped)) = (link.lab.run, link.lab.stepped) else { continue };
        let whole = strip(run(&link, &|| 0.0).unwrap().report);
        let by_step = strip(stepped(&link).unwrap());
        assert_eq!(whole, by_step, "{text}");
        // Control: the comparison sees a difference in any field.
        let mut other = by_step.clone();
        other.as_object_mut().unwrap().insert("link".into(), "#lab=x".into());
        assert_ne!(whole, other);
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} links");
}

/// The claims registry: every paper has a claim; every claim's links (the
/// claim, its control, their small versions) parse for its lab with no
/// notice once seeded; its statistic reads a number from its lab's report.
/// Claims that share a small link read one run of it (a small CNN transfer
/// run is 15 s in the test build; three claims share it).
#[test]
fn every_paper_has_a_claim_and_every_claim_reads_its_report() {
    use crate::core::over_seeds::{report, seeded};
    let mut reports = std::collections::HashMap::new();
    let mut papers = 0;
    for lab in ALL.iter().filter(|lab| lab.status == Status::Ready) {
        for (i, paper) in lab.papers.iter().enumerate() {
            assert!(lab.claims.iter().any(|c| c.paper == i), "{}: no claim of {paper}", lab.name);
            papers += 1;
        }
        for claim in lab.claims {
            assert!(claim.paper < lab.papers.len(), "{}: {}", lab.name, claim.name);
            for text in [claim.link, claim.control, claim.tiny, claim.tiny_control] {
                let link = seeded(lab, text, 3).unwrap_or_else(|e| panic!("{}: {e}", lab.name));
                assert_eq!((link.lab, link.int("seed")), (*lab, 3), "{text}");
            }
            let run = reports.entry(claim.tiny).or_insert_with(|| report(lab, claim.tiny, 1));
            let v = run.as_ref().and_then(|r| claim.statistic.read(r)).unwrap_or(f64::NAN);
            assert!(v.is_finite(), "{}: {} reads {v} from {}", lab.name, claim.name, claim.tiny);
        }
    }
    assert_eq!(papers, 10);
    // Control: a link of another lab is refused for this one.
    assert!(seeded(by_name("depth").unwrap(), "#lab=flow", 1).is_err());
}

/// One claim per lab end to end at tiny scale on one seed, with its control:
/// both give a number and the control changes it (the control is not the
/// claim's link in disguise). Tiny runs do not decide the claim: that is
/// `make claims`, over seeds 1–5 at full scale.
#[test]
fn one_claim_per_lab_runs_with_its_control_at_tiny_scale() {
    use crate::core::over_seeds::{value, verdict};
    for lab in ALL.iter().filter(|lab| lab.status == Status::Ready) {
        let claim = &lab.claims[0];
        let (v, c) = (value(lab, claim, claim.tiny, 1), value(lab, claim, claim.tiny_control, 1));
        assert!(v.is_finite() && c.is_finite(), "{}: {v} {c}", lab.name);
        assert_ne!(v, c, "{}: the control gives the claim's number", lab.name);
        let r = verdict(lab, claim, &[1], vec![v], vec![c]);
        assert_eq!((r.median, r.control.median), (v, c));
        // The claim and the control cannot both hold a comparison against each other.
        if matches!(
            claim.comparison,
            crate::core::claims::Comparison::BelowControl | crate::core::claims::Comparison::AboveControl
        ) {
            assert!(!(r.holds && r.control.holds));
        }
    }
}

/// The maps: every cell's link (on the map's base and on its small base)
/// parses for its lab with no notice once seeded, and every measure reads a
/// number from the first cell's small run.
#[test]
fn every_map_cell_parses_and_every_measure_reads_its_report() {
    use crate::core::over_seeds::{map_values as values, seeded};
    let mut maps = 0;
    for lab in ALL.iter().filter(|lab| lab.status == Status::Ready) {
        for map in lab.maps {
            assert!(map.paper < lab.papers.len(), "{}: {}", lab.name, map.name);
            for r in 0..map.rows.cells.len() {
                for c in 0..map.columns.cells.len() {
                    for text in [map.link(r, c), map.tiny_link(r, c)] {
                        seeded(lab, &text, 2).unwrap_or_else(|e| panic!("{}: {e}", lab.name));
                    }
                }
            }
            let v = values(lab, map, &map.tiny_link(0, 0), 1);
            assert_eq!(v.len(), map.measures.len());
            assert!(v.iter().all(|x| x.is_finite()), "{}: {} reads {v:?}", lab.name, map.name);
            maps += 1;
        }
    }
    assert!(maps >= 2, "{maps} maps");
}
