//! Every `.wgsl` file under `src/` (each beside its kernel) parses and
//! validates with naga, the same front end wgpu uses, so a broken shader
//! fails `cargo test` on any machine, GPU or not.

use std::path::{Path, PathBuf};

/// Every `.wgsl` file under `dir`, recursively.
fn shaders(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the folder reads") {
        let path = entry.unwrap().path();
        if path.is_dir() {
            shaders(&path, out);
        } else if path.extension().and_then(|e| e.to_str()) == Some("wgsl") {
            out.push(path);
        }
    }
}

#[test]
fn every_shader_validates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    shaders(&dir, &mut paths);
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
