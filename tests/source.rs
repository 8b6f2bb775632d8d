//! Checks on the source tree, GPU or not.
//!
//! - The layering `src/lib.rs` states, read from the source text: which files
//!   each file names (`crate::…`, `super::…` and submodule paths, in `use`
//!   lines and in code), with no cycle between files, and shared numerics and
//!   the GPU folder naming no lab, no link and no face.
//! - Every `.wgsl` file under `src/` (each beside its kernel) parses and
//!   validates with naga, the same front end wgpu uses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every file under `dir` whose name ends in `.ext`, recursively.
fn files_ending(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the folder reads") {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_ending(&path, ext, out);
        } else if path.extension().and_then(|e| e.to_str()) == Some(ext) {
            out.push(path);
        }
    }
}

/// The module path of a file under `src/`: `labs/depth/mod.rs` → `["labs", "depth"]`.
fn module_of(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel.trim_end_matches(".rs").split('/').map(String::from).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The file that defines the longest prefix of `path` (a module path), if any.
fn file_of(files: &BTreeMap<Vec<String>, String>, path: &[String]) -> Option<String> {
    (1..=path.len()).rev().find_map(|n| files.get(&path[..n]).cloned())
}

/// The module paths a file's code names (its tests left out: a test may
/// reach anywhere), resolved against the file's module: `crate::…`,
/// `super::…`, and a bare `child::…` where `child` is a submodule.
fn named_paths(source: &str, module: &[String]) -> Vec<Vec<String>> {
    let code: String = source
        .split("#[cfg(test)]")
        .next()
        .unwrap_or("")
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let starts = code.char_indices().filter(|&(i, c)| {
        (c.is_ascii_lowercase() || c == '_')
            && !code[..i].ends_with(|p: char| p.is_alphanumeric() || p == '_' || p == ':' || p == '\'' || p == '"')
    });
    for (start, _) in starts {
        let rest = &code[start..];
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
        let mut segments: Vec<&str> = rest[..end].split("::").collect();
        if segments.len() < 2 {
            continue;
        }
        let mut path: Vec<String> = match segments[0] {
            "crate" => Vec::new(),
            "super" => module[..module.len().saturating_sub(1)].to_vec(),
            "self" => module.to_vec(),
            _ => {
                let mut p = module.to_vec();
                p.push(String::new());
                p
            }
        };
        if path.last().is_some_and(String::is_empty) {
            path.pop();
        } else {
            segments.remove(0);
        }
        path.extend(segments.iter().filter(|s| !s.is_empty()).map(|s| s.to_string()));
        // `use crate::a::{b, c::d}`: each item of the group, one level deep.
        if rest[end..].starts_with('{') {
            let group = &rest[end + 1..rest[end..].find('}').map_or(rest.len(), |i| end + i)];
            for item in group.split(',').map(str::trim).filter(|s| !s.is_empty() && *s != "self") {
                let mut p = path.clone();
                p.extend(item.split("::").map(|s| s.split_whitespace().next().unwrap_or("").to_string()));
                out.push(p);
            }
        }
        out.push(path);
    }
    out
}

/// Every file under `src/` and the files it names.
fn graph() -> BTreeMap<String, Vec<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    files_ending(&src, "rs", &mut paths);
    let rel = |p: &PathBuf| p.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
    let files: BTreeMap<Vec<String>, String> =
        paths.iter().map(rel).filter(|r| r != "main.rs").map(|r| (module_of(&r), r)).collect();
    let mut graph = BTreeMap::new();
    for path in &paths {
        let r = rel(path);
        let source = std::fs::read_to_string(path).unwrap();
        let mut named: Vec<String> = named_paths(&source, &module_of(&r))
            .iter()
            .filter_map(|p| file_of(&files, p))
            .filter(|f| *f != r && f != "lib.rs")
            .collect();
        named.sort();
        named.dedup();
        graph.insert(r, named);
    }
    graph
}

/// A cycle in `graph`, as the files along it, if there is one.
fn find_cycle(graph: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, Vec<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|n| n == next).unwrap();
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(next, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(node, graph, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn no_file_names_a_file_that_names_it_back() {
    let graph = graph();
    assert!(graph.len() > 30, "read only {} files", graph.len());
    assert_eq!(find_cycle(&graph), None);
    // Control: the checker finds a cycle when there is one.
    let mut broken = graph.clone();
    broken.get_mut("num/ode.rs").unwrap().push("labs/depth/mod.rs".into());
    broken.get_mut("labs/depth/mod.rs").unwrap().push("num/ode.rs".into());
    assert!(find_cycle(&broken).is_some());
}

#[test]
fn shared_numerics_and_the_gpu_folder_know_no_lab_link_or_face() {
    let graph = graph();
    let mut checked = 0;
    for (file, named) in &graph {
        if file.starts_with("num/") || file.starts_with("gpu/") {
            checked += 1;
            for other in named {
                assert!(
                    other.starts_with("num/") || other.starts_with("gpu/"),
                    "{file} names {other}: shared numerics and the GPU folder know no lab"
                );
            }
        }
        if file.starts_with("core/") {
            assert!(named.iter().all(|o| !o.starts_with("labs/")), "{file} names a lab: {named:?}");
        }
    }
    assert!(checked >= 8, "only {checked} files under num/ and gpu/");
    // Control: the reader resolves a real reference (the depth lab names the ODE tableaux).
    assert!(graph["labs/depth/mod.rs"].contains(&"num/ode.rs".to_string()), "{:?}", graph["labs/depth/mod.rs"]);
}

#[test]
fn every_shader_validates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    files_ending(&dir, "wgsl", &mut paths);
    let mut checked = 0;
    for path in paths {
        let source = std::fs::read_to_string(&path).unwrap();
        let module = naga::front::wgsl::parse_str(&source)
            .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.emit_to_string(&source)));
        naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::empty())
            .validate(&module)
            .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.emit_to_string(&source)));
        assert!(
            source.lines().take(20).any(|l| l.contains("Workgroup size")),
            "{}: the header comment must give bindings and workgroup size",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} shaders found under {}", dir.display());
}

/// One kernel naming convention: a shader `<name>.wgsl` sits beside the
/// `<name>.rs` that includes it, and every `include_str!` of a shader names
/// its own sibling.
#[test]
fn every_shader_sits_beside_the_kernel_of_its_name() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut shaders = Vec::new();
    files_ending(&dir, "wgsl", &mut shaders);
    for shader in &shaders {
        let kernel = shader.with_extension("rs");
        let name = shader.file_name().unwrap().to_str().unwrap();
        let source = std::fs::read_to_string(&kernel)
            .unwrap_or_else(|_| panic!("{} has no kernel {} beside it", shader.display(), kernel.display()));
        assert!(source.contains(&format!("include_str!(\"{name}\")")), "{} does not include {name}", kernel.display());
    }
    let mut rust = Vec::new();
    files_ending(&dir, "rs", &mut rust);
    let mut includes = 0;
    for file in &rust {
        let source = std::fs::read_to_string(file).unwrap();
        for (i, _) in source.match_indices("include_str!(\"") {
            let named = &source[i + 14..][..source[i + 14..].find('"').unwrap()];
            if named.ends_with(".wgsl") {
                let stem = file.file_stem().unwrap().to_str().unwrap();
                assert_eq!(named, format!("{stem}.wgsl"), "{} includes {named}", file.display());
                includes += 1;
            }
        }
    }
    assert_eq!(includes, shaders.len());
    assert!(includes >= 10, "only {includes} shaders");
}

/// A lab's page face (`labs/<lab>/web.rs`) stands below the registry: it
/// reads links with its own entry and uses `core::js`, never the page-wide
/// face (`web.rs`) or the list of labs (`labs/mod.rs`).
#[test]
fn lab_faces_know_neither_the_registry_nor_the_page_face() {
    let graph = graph();
    let mut checked = 0;
    for (file, named) in &graph {
        if file.starts_with("labs/") && file.ends_with("/web.rs") {
            checked += 1;
            for other in named {
                assert!(other != "web.rs" && other != "labs/mod.rs", "{file} names {other}");
            }
        }
    }
    let faces = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/labs"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("web.rs").exists())
        .count();
    assert!(faces >= 7 && checked == faces, "{checked} of {faces} lab faces read");
    // Control: the reader sees what the page face names (the registry).
    assert!(graph["web.rs"].contains(&"labs/mod.rs".to_string()), "{:?}", graph["web.rs"]);
}

#[test]
fn a_broken_shader_is_rejected() {
    // Guards the test above against a validator that accepts anything.
    let broken = "@compute @workgroup_size(64) fn main() { let x: f32 = 1u; }";
    let module = naga::front::wgsl::parse_str(broken);
    let invalid = match module {
        Err(_) => true,
        Ok(m) => naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::empty())
            .validate(&m)
            .is_err(),
    };
    assert!(invalid);
}
