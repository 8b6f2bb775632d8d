//! `cargo bench --bench noise`: the noise lab's timings, measured in one run.
//!
//! - one training epoch of the noisy RNN at the defaults (64 units, T = 140,
//!   500 sequences, batches of 32; f32 products on f64 weights, one core),
//!   median of 3;
//! - stabilisation paths per second at the defaults (a = 0.5, σ = 1.5,
//!   dt = 1e-3, T = 20, 2,000 paths): the CPU on every core, and the paths
//!   kernel on whatever adapter wgpu finds (with upload and readback);
//! - the titration at the defaults: training the 16 classifiers (every
//!   core) and the analysis (noisy evaluation of every model and the
//!   detector), once;
//! - with `CONTINUUM_REF_PYTHON` set (as `make bench` does): the RNN epoch in
//!   JAX (f64 and f32, jitted) and the paths in NumPy (`tools/ref/noise.py`),
//!   with the ratios.

mod common;
use common::median_ms;

use std::time::Instant;

use continuum::gpu::Gpu;
use continuum::labs::noise::driver::run;
use continuum::labs::noise::paths::simulate_cpu;
use continuum::labs::noise::paths_kernel::PathsKernel;
use continuum::labs::noise::{Config, Report, RnnSeed};
use continuum::labs::parse;

fn main() {
    let config = Config::from_link(&parse("#lab=noise").link).unwrap();
    let mut seed = RnnSeed::new(&config.rnn, 1);
    let epoch_ms = median_ms(3, || {
        seed.noisy.epoch(&seed.train);
    });
    println!(
        "one epoch of the noisy RNN (64 units, T = 140, 500 sequences), f32, one core: {epoch_ms:.0} ms (median of 3)"
    );

    let sde = Config::from_link(&parse("#lab=noise&study=stabilize").link).unwrap().sde;
    let cpu_ms = median_ms(3, || {
        simulate_cpu(&sde);
    });
    let cpu_rate = sde.paths as f64 / (cpu_ms / 1e3);
    println!(
        "stabilisation, 2,000 paths × 20,000 steps on the CPU (every core): {cpu_ms:.0} ms, {cpu_rate:.0} paths/s"
    );
    match pollster::block_on(Gpu::new(None)) {
        Ok(gpu) => {
            let mut kernel = PathsKernel::new(&gpu);
            let gpu_ms = median_ms(3, || {
                pollster::block_on(kernel.run(&gpu, &sde)).unwrap();
            });
            println!(
                "  the same on the GPU ({}): {gpu_ms:.0} ms, {:.0} paths/s with upload and readback",
                gpu.adapter,
                sde.paths as f64 / (gpu_ms / 1e3)
            );
        }
        Err(e) => println!("  GPU: not measured ({e})"),
    }

    let t = Instant::now();
    let link = parse("#lab=noise&study=titrate").link;
    if let Report::Titrate(r) = run(&link, &|| t.elapsed().as_secs_f64() * 1e3).unwrap() {
        println!(
            "titration at the defaults: training 16 classifiers {:.0} ms (every core), analysis {:.0} ms (AUC {:.3}, targets {} of {})",
            r.timings_ms["train"].as_f64().unwrap_or(f64::NAN),
            r.analysis_ms,
            r.detection.auc,
            r.detection.targets_found,
            r.backdoored_models
        );
    }

    let Ok(python) = std::env::var("CONTINUUM_REF_PYTHON") else {
        println!("JAX and NumPy: not measured (run `make bench`, which sets CONTINUUM_REF_PYTHON)");
        return;
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(&python).arg(root.join("tools/ref/noise.py")).output().expect("python runs");
    if !out.status.success() {
        println!("the reference failed: {}", String::from_utf8_lossy(&out.stderr));
        return;
    }
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the reference prints JSON");
    let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
    println!(
        "JAX epoch (jit, lax.scan, jax.grad): f64 {:.0} ms, f32 {:.0} ms; ours ÷ JAX f64 = {:.2}, ours ÷ JAX f32 = {:.2}",
        f("epoch_ms_f64"),
        f("epoch_ms_f32"),
        epoch_ms / f("epoch_ms_f64"),
        epoch_ms / f("epoch_ms_f32")
    );
    println!(
        "NumPy paths (vectorised over paths): {:.0} paths/s; ours (CPU) ÷ NumPy = {:.2} in throughput",
        f("paths_per_second"),
        cpu_rate / f("paths_per_second")
    );
}
