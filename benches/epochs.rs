//! `cargo bench --bench epochs`: training time per epoch of the labs whose
//! page reproduces `continuum run` bit for bit (depth's default spiral link,
//! Koopman's consistent and plain models), natively and, when the wasm core
//! is built (`make wasm`), in wasm under Node (`tools/ref/wasm_epochs.mjs`,
//! the page's worker code path: the same `*Session::epoch` calls). Each epoch
//! is one unit of the lab's driver.
//!
//! Medians over every epoch of the runs (depth: seeds 1–3 at 200 epochs;
//! Koopman: 100 epochs, one seed). `tools/ref/before-issue-17.sh` runs this
//! same file against the commit before the fast-numerics work, for the
//! speed-up in one run.

use std::time::Instant;

use continuum::core::driver::Driver;
use continuum::labs;
use continuum::labs::depth::DepthRun;
use continuum::labs::koopman::KoopmanRun;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Milliseconds of each call of `epoch` until it reports the end.
fn epoch_times(mut epoch: impl FnMut() -> bool) -> Vec<f64> {
    let mut times = Vec::new();
    loop {
        let t = Instant::now();
        if !epoch() {
            return times;
        }
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
}

fn main() {
    let mut depth_times = Vec::new();
    for seed in 1..=3 {
        let link = labs::parse(&format!("#lab=depth&seed={seed}")).link;
        let mut run = DepthRun::start(&link).unwrap();
        depth_times.extend(epoch_times(|| run.step(&|| 0.0).is_some()));
    }
    println!(
        "native  depth #lab=depth: {:.2} ms per epoch (median of {})",
        median(depth_times.clone()),
        depth_times.len()
    );
    for (name, extra) in [("consistent", ""), ("plain", "&nu=0&eta=0")] {
        let link = labs::parse(&format!("#lab=koopman&epochs=100{extra}")).link;
        let mut run = KoopmanRun::start(&link).unwrap();
        let times = epoch_times(|| run.step(&|| 0.0).is_some());
        println!("native  koopman {name}: {:.2} ms per epoch (median of {})", median(times.clone()), times.len());
    }

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root.join("www/pkg/continuum_bg.wasm").exists() {
        println!("wasm: not measured (build it first: make wasm)");
        return;
    }
    let out = std::process::Command::new("node")
        .arg(root.join("tools/ref/wasm_epochs.mjs"))
        .arg(root.join("www/pkg"))
        .output();
    match out {
        Ok(out) if out.status.success() => print!("{}", String::from_utf8_lossy(&out.stdout)),
        Ok(out) => println!("wasm: node failed: {}", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")),
        Err(e) => println!("wasm: not measured (node: {e})"),
    }
}
