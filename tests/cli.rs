//! The `continuum` binary end to end.

use std::process::Command;

fn continuum(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_continuum")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn link_prints_canonical_config_and_notices() {
    let (code, stdout, stderr) =
        continuum(&["link", "http://127.0.0.1:8000/#lab=depth&steps=200&scheme=euler&bogus=1"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["lab"], "depth");
    assert_eq!(json["config"]["scheme"], "euler");
    assert_eq!(json["config"]["steps"], 8, "out of range falls back to the default");
    let link = json["link"].as_str().unwrap();
    assert!(link.starts_with("#lab=depth&v=1&data="), "{link}");
    let notices = json["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 2);
    assert!(stderr.contains("steps") && stderr.contains("1..=64"), "{stderr}");
    assert!(stderr.contains("bogus"), "{stderr}");
}

#[test]
fn canonical_link_is_stable_through_the_cli() {
    let (_, first, _) = continuum(&["link", "lab=koopman&noise=0.08"]);
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    let link = first["link"].as_str().unwrap();
    let (_, second, stderr) = continuum(&["link", link]);
    let second: serde_json::Value = serde_json::from_str(&second).unwrap();
    assert_eq!(second["link"], first["link"]);
    assert_eq!(second["config"]["noise"], 0.08);
    assert!(stderr.is_empty() || !stderr.contains("notice"), "{stderr}");
}

#[test]
fn run_of_a_flow_link_prints_the_issue_fields() {
    let (code, stdout, stderr) = continuum(&["run", "#lab=flow&res=64&t=0.5&nodes=600&l=100&k=3&sampling=uniform"]);
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for field in
        ["link", "nodes", "l", "sampling", "eigenvalues_nystrom", "eigenvalues_exact", "eig_rel_error", "vec_angle"]
    {
        assert!(json.get(field).is_some(), "missing {field}");
    }
    for timing in ["simulation", "network", "nystrom", "exact"] {
        assert!(json["timings_ms"][timing].as_f64().is_some_and(|t| t >= 0.0), "missing timing {timing}");
    }
    assert_eq!(json["l"], 100);
    assert_eq!(json["sampling"], "uniform");
    assert_eq!(json["eigenvalues_exact"].as_array().unwrap().len(), 3);
    assert!(json["t"].as_f64().unwrap() >= 0.5);
    // A threshold that leaves no network is an error with a reason, not a crash.
    let (code, _, stderr) = continuum(&["run", "#lab=flow&res=64&t=0&threshold=1&l=2&k=1"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("lower it"), "{stderr}");
}

#[test]
fn info_names_an_adapter_or_cpu() {
    let (code, stdout, _) = continuum(&["info"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    match json["device"].as_str() {
        Some("gpu") => assert!(json["adapter"].as_str().is_some_and(|a| !a.is_empty())),
        Some("cpu") => assert!(json["reason"].is_string()),
        other => panic!("unexpected device {other:?}"),
    }
}

#[test]
fn run_of_a_diverging_link_exits_0_and_says_so() {
    let (code, stdout, stderr) = continuum(&["run", "#lab=depth&lr=10&epochs=20&scheme=euler&steps=2&data=moons"]);
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["diverged"], true);
    assert!(json["divergence"]["message"].as_str().unwrap().contains("Lower the learning rate"));
    assert!(stderr.contains("diverged"), "{stderr}");
}

#[test]
fn run_prints_every_documented_field() {
    let (code, stdout, stderr) = continuum(&["run", "#lab=depth&data=xor&epochs=2"]);
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for field in [
        "link",
        "train_loss",
        "train_accuracy",
        "test_accuracy",
        "params",
        "epochs_run",
        "diverged",
        "invariance",
        "compression",
        "convergence",
        "timings_ms",
    ] {
        assert!(json.get(field).is_some(), "missing {field}");
    }
    assert_eq!(json["epochs_run"], 2);
    assert!(json["link"].as_str().unwrap().contains("data=xor"));
}

#[test]
fn run_prints_every_ready_labs_fields_and_says_when_a_lab_is_not_built() {
    use continuum::core::lab::Status;
    for lab in continuum::labs::ALL {
        match lab.status {
            Status::Ready => {
                let (code, stdout, stderr) = continuum(&["run", lab.tiny]);
                assert_eq!(code, 0, "{}: {stderr}", lab.name);
                let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                for field in lab.fields {
                    assert!(json.get(field).is_some(), "{}: missing {field}", lab.name);
                }
            }
            Status::Coming => {
                let (code, stdout, stderr) = continuum(&["run", &format!("#lab={}", lab.name)]);
                assert_ne!(code, 0);
                assert!(stdout.is_empty());
                assert!(stderr.contains(&format!("{} lab is not built yet", lab.name)), "{stderr}");
            }
        }
    }
}

/// `continuum claims` shares repeated work between its runs (`core::memo`):
/// the depth lab's compression claim and its control train one model, a
/// noise link and its no-noise control one deterministic RNN and its
/// evaluations, a titration and its `poison=0` control the clean
/// classifiers, a sketch link and its `alpha` control the sketches and their
/// bootstraps (the transfer lab's natural source is shared the same way; its
/// tiny claims take longer). What it prints must be what separate runs give: every claim's and control's
/// value equals the statistic of its own run in this process, where
/// nothing is shared.
#[test]
fn claims_that_share_work_print_what_separate_runs_give() {
    use continuum::core::over_seeds::report;
    for name in ["depth", "noise", "sketch"] {
        let lab = continuum::labs::by_name(name).unwrap();
        let (code, stdout, stderr) = continuum(&["claims", "--lab", name, "--tiny", "--seeds", "1", "--json"]);
        assert_eq!(code, 0, "{stderr}");
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let printed = json["claims"].as_array().unwrap();
        assert_eq!(printed.len(), lab.claims.len());
        let mut checked = 0;
        let mut reports = std::collections::HashMap::new();
        for (row, claim) in printed.iter().zip(lab.claims) {
            // The claims whose control repeats the claim's work.
            if !["eK=1", "add=0", "poison=0", "alpha="].iter().any(|k| claim.tiny_control.contains(k)) {
                continue;
            }
            checked += 1;
            let got = |v: &serde_json::Value| v[0].as_f64().unwrap_or(f64::NAN);
            let mut value = |link: &'static str| {
                let r = reports.entry(link).or_insert_with(|| report(lab, link, 1));
                r.as_ref().and_then(|r| claim.statistic.read(r)).unwrap_or(f64::NAN)
            };
            let alone = [value(claim.tiny), value(claim.tiny_control)];
            // Through JSON as the printed ones went (its parser may round the last bit).
            let alone: [f64; 2] = serde_json::from_str(&serde_json::to_string(&alone).unwrap()).unwrap();
            let shared = [got(&row["values"]), got(&row["control"]["values"])];
            assert_eq!(shared.map(f64::to_bits), alone.map(f64::to_bits), "{name}: {}", claim.name);
        }
        assert!(checked >= 2, "{name}: no claim shares work");
    }
}

/// `continuum map --json` prints each map's cells (rows × columns, row-major)
/// with every measure's per-seed values, median, interval and reading; the
/// same seeds give the same numbers. Tiny links: this checks the machinery,
/// not the map (that is `make maps`, over seeds 1–5 at full scale).
#[test]
fn map_prints_every_cell_with_its_measures_over_seeds() {
    let args = ["map", "--lab", "fields", "--tiny", "--seeds", "1-2", "--json"];
    let (code, stdout, stderr) = continuum(&args);
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let map = &json["maps"][0];
    assert_eq!(map["lab"], "fields");
    let (rows, columns) = (map["rows"][1].as_array().unwrap().len(), map["columns"][1].as_array().unwrap().len());
    let cells = map["cells"].as_array().unwrap();
    assert_eq!(cells.len(), rows * columns);
    for cell in cells {
        assert!(cell["link"].as_str().unwrap().starts_with("#lab=fields&"), "{cell}");
        for m in cell["measures"].as_array().unwrap() {
            let values = m["values"].as_array().unwrap();
            assert_eq!(values.len(), 2, "{m}");
            assert!(values.iter().all(|v| v.as_f64().is_some_and(f64::is_finite)), "{m}");
            let (lo, hi) = (m["interval"][0].as_f64().unwrap(), m["interval"][1].as_f64().unwrap());
            assert!(lo <= m["median"].as_f64().unwrap() && m["median"].as_f64().unwrap() <= hi, "{m}");
            assert!(["above", "below", "across"].contains(&m["reading"].as_str().unwrap()));
        }
    }
    // The copy and adding rows differ (the task knob reaches the run).
    let first = |i: usize| cells[i]["measures"][2]["values"].clone();
    assert_ne!(first(0), first(columns * (rows - 1)));
    let (_, again, _) = continuum(&args);
    assert_eq!(again, stdout, "the same seeds give the same map");
    // Control: a bad seed range is refused with a message.
    let (code, _, stderr) = continuum(&["map", "--lab", "fields", "--seeds", "5-1"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--seeds 5-1"), "{stderr}");
}

/// `continuum lesson`: every built-in lesson is valid and round-trips
/// through its link; hostile or broken input exits 2 with the reason, never
/// a panic.
#[test]
fn lesson_check_accepts_the_built_in_lessons_and_refuses_broken_ones_with_the_reason() {
    let mut built_in = 0;
    for lab in continuum::labs::ALL {
        let file = format!("www/labs/{}/lesson.json", lab.name);
        if !std::path::Path::new(&file).exists() {
            continue;
        }
        built_in += 1;
        let (code, out, err) = continuum(&["lesson", "check", &file]);
        assert_eq!(code, 0, "{file}: {err}");
        assert!(out.starts_with("valid: ") && out.contains(lab.name), "{out}");
        let (_, link, _) = continuum(&["lesson", "encode", &file]);
        let (code, json, _) = continuum(&["lesson", "decode", link.trim()]);
        assert_eq!(code, 0);
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        let original: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(back, original, "{file}: the link carries the lesson");
    }
    assert_eq!(built_in, continuum::labs::ALL.len(), "a lesson per lab");
    // Twenty steps of the built-in lessons' own prose fit in a link under 8 KB.
    let steps: Vec<serde_json::Value> = continuum::labs::ALL
        .iter()
        .flat_map(|lab| {
            let text = std::fs::read_to_string(format!("www/labs/{}/lesson.json", lab.name)).unwrap();
            serde_json::from_str::<serde_json::Value>(&text).unwrap()["steps"].as_array().unwrap().clone()
        })
        .cycle()
        .take(20)
        .collect();
    let dir = std::env::temp_dir().join(format!("continuum-lesson-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    };
    let hostile = [
        (
            write("script.json", r#"{"v":1,"title":"t","steps":[{"link":"javascript:alert(1)","text":"x"}]}"#),
            "not a link of this site",
        ),
        (write("version.json", r#"{"v":9,"title":"t","steps":[]}"#), "version 9"),
        (write("deep.json", &"[".repeat(5000)), "not valid JSON"),
        (write("big.json", &" ".repeat(1 << 20)), "bytes"),
        (write("binary.json", "\u{0}\u{1}\u{2}"), "not valid JSON"),
        ("#lesson=%%%".to_string(), "base64url"),
        ("#lesson=AAAA".to_string(), "damaged"),
        (dir.join("missing.json").to_string_lossy().into_owned(), "missing.json"),
    ];
    let twenty =
        write("twenty.json", &serde_json::json!({"v": 1, "title": "Twenty steps", "steps": steps}).to_string());
    let (code, link, err) = continuum(&["lesson", "encode", &twenty]);
    assert_eq!(code, 0, "{err}");
    assert!(link.trim().len() < 8192, "20 steps in {} characters", link.trim().len());
    for (source, why) in &hostile {
        let (code, out, err) = continuum(&["lesson", "check", source]);
        assert_eq!(code, 2, "{source}: {out}");
        assert!(err.contains(why) && !err.contains("panicked"), "{source}: {err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The front page draws from `www/registry.json` before the core loads: it
/// must be the registry as `continuum registry` prints it (regenerate with
/// `cargo run -- registry > www/registry.json`).
#[test]
fn the_front_pages_registry_module_is_the_registry() {
    let (code, out, err) = continuum(&["registry"]);
    assert_eq!(code, 0, "{err}");
    let printed: serde_json::Value = serde_json::from_str(&out).unwrap();
    let file: serde_json::Value = serde_json::from_str(&std::fs::read_to_string("www/registry.json").unwrap()).unwrap();
    assert_eq!(file, printed, "www/registry.json is stale: run `cargo run -- registry > www/registry.json`");
    let labs = printed.as_array().unwrap();
    assert_eq!(labs.len(), continuum::labs::ALL.len());
    for (lab, entry) in continuum::labs::ALL.iter().zip(labs) {
        assert_eq!(entry["name"], lab.name);
        assert_eq!(entry["presets"].as_array().unwrap().len(), lab.presets.len());
    }
}
