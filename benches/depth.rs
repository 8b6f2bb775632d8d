//! `cargo bench --bench depth`: the depth lab's forward pass and training,
//! as medians over repeated runs and as ratios measured in the same run.
//!
//! - forward pass of 65,536 points (d = 2, w = 32, RK4, 16 steps;
//!   `kernel::benchmark_problem`): the library's f64 path (`Model::logits`,
//!   ndarray), a hand-written f64 loop over pre-sampled weights, the f32 CPU
//!   path of the kernel (lanes, all cores), and the GPU kernel on whatever
//!   adapter wgpu finds (none: said so). With `CONTINUUM_REF_PYTHON` set (as
//!   `make bench` does), NumPy and JAX evaluate the same network on the same
//!   points in the same run (`tools/ref/depth_forward.py`), and the wasm
//!   build's CPU path is timed under Node (`tools/ref/wasm_depth.mjs`); the
//!   ratios are printed, and the logits compared;
//! - one training epoch of the default spiral link.

mod common;
use common::median_ms;

use continuum::core::driver::Driver;
use continuum::gpu::Gpu;
use continuum::labs;
use continuum::labs::depth::kernel::{benchmark_problem, eval_cpu, DepthKernel, Packed};
use continuum::labs::depth::{DepthRun, Model};
use continuum::num::basis::{Basis, Family};
use continuum::num::ode;
use ndarray::Array2;
use rand::SeedableRng;

/// The forward pass written out by hand in f64 for d = 2: weights sampled
/// at stage depths once, then tight loops per point.
fn hand_loop(p: &Packed, points: &[f32]) -> f64 {
    let (w, c) = (p.w, p.c);
    let sw: Vec<f64> = p.stage_weights.iter().map(|&v| v as f64).collect();
    let fx: Vec<f64> = p.fixed.iter().map(|&v| v as f64).collect();
    let a: Vec<f64> = p.tableau.iter().map(|&v| v as f64).collect();
    let h = p.h as f64;
    let per = 2 * w * 2 + w + 2;
    let mut checksum = 0.0;
    for pt in points.chunks_exact(2) {
        let (x0, x1) = (pt[0] as f64, pt[1] as f64);
        let mut s = [fx[4] + fx[0] * x0 + fx[1] * x1, fx[5] + fx[2] * x0 + fx[3] * x1];
        let mut k = [[0.0f64; 2]; 4];
        for n in 0..p.steps {
            for i in 0..p.stages {
                let mut y = s;
                for j in 0..i {
                    y[0] += h * a[i * 4 + j] * k[j][0];
                    y[1] += h * a[i * 4 + j] * k[j][1];
                }
                let base = (n * p.stages + i) * per;
                let (w1, b1, w2) = (&sw[base..], &sw[base + 2 * w..], &sw[base + 3 * w..]);
                let b2 = &sw[base + 5 * w..];
                let mut out = [b2[0], b2[1]];
                for u in 0..w {
                    let z = (b1[u] + w1[2 * u] * y[0] + w1[2 * u + 1] * y[1]).tanh();
                    out[0] += w2[u] * z;
                    out[1] += w2[w + u] * z;
                }
                k[i] = out;
            }
            for i in 0..p.stages {
                s[0] += h * a[16 + i] * k[i][0];
                s[1] += h * a[16 + i] * k[i][1];
            }
        }
        for cc in 0..c {
            checksum += fx[6 + 2 * c + cc] + fx[6 + 2 * cc] * s[0] + fx[6 + 2 * cc + 1] * s[1];
        }
    }
    checksum
}

fn main() {
    // cargo bench passes --bench; nothing else to parse.
    let (packed, points) = benchmark_problem();
    let x = Array2::from_shape_fn((points.len() / 2, 2), |(i, j)| points[2 * i + j] as f64);
    // The same seeded model as `benchmark_problem`, unpacked, for the f64 path.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let model = Model::init(Basis::new(Family::Pwc, 16).unwrap(), 2, 32, 2, &mut rng);
    assert_eq!(Packed::new(&model, &ode::RK4, 16), packed);

    println!("forward pass, 65,536 points, d = 2, w = 32, RK4, 16 steps (median of 5):");
    let lib = median_ms(5, || {
        std::hint::black_box(model.logits(x.view(), &ode::RK4, 16).unwrap());
    });
    let hand = median_ms(5, || {
        std::hint::black_box(hand_loop(&packed, &points));
    });
    let twin = median_ms(5, || {
        std::hint::black_box(eval_cpu(&packed, &points, false));
    });
    println!("  library f64 (ndarray)      {lib:9.1} ms");
    println!("  hand-written f64 loop      {hand:9.1} ms");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("  f32 CPU path (lanes, {cores} cores) {twin:9.1} ms");
    println!("  ratio library / hand loop  {:9.2}   (target ≤ 2)", lib / hand);
    references(&packed, &points, twin);
    match pollster::block_on(Gpu::new(None)) {
        Ok(gpu) => {
            let mut kernel = DepthKernel::new(&gpu);
            let gpu_ms = median_ms(5, || {
                std::hint::black_box(pollster::block_on(kernel.eval(&gpu, &packed, &points, false)).unwrap());
            });
            println!("  GPU kernel ({}, {})  {gpu_ms:9.1} ms  (incl. upload and readback)", gpu.adapter, gpu.backend);
            println!("  ratio GPU / hand loop      {:9.2}", gpu_ms / hand);
            println!(
                "  256² grid within a 60 Hz frame (16.7 ms): {}",
                if gpu_ms <= 16.7 { "yes" } else { "no, on this adapter" }
            );
        }
        Err(e) => println!("  GPU kernel: not measured ({e})"),
    }

    let link = labs::parse("#lab=depth").link;
    let epoch = median_ms(5, || {
        let mut run = DepthRun::start(&link).unwrap();
        std::hint::black_box(run.step(&|| 0.0));
    });
    let setup = median_ms(5, || {
        std::hint::black_box(DepthRun::start(&link).unwrap());
    });
    println!("one training epoch of the default spiral link: {:.1} ms (median of 5)", epoch - setup);
}

/// NumPy, JAX and the wasm build on the same problem, in this run, when
/// `make bench` has set up the reference tools (`CONTINUUM_REF_PYTHON`).
fn references(packed: &Packed, points: &[f32], ours_ms: f64) {
    let Ok(python) = std::env::var("CONTINUUM_REF_PYTHON") else {
        println!("  NumPy / JAX / wasm: not measured (run `make bench`, which sets CONTINUUM_REF_PYTHON)");
        return;
    };
    let logits = eval_cpu(packed, points, false).logits;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("depth-forward.json");
    let problem = serde_json::json!({ "packed": packed, "points": points, "logits": logits });
    std::fs::write(&json, problem.to_string()).unwrap();
    let bin = dir.join("depth-forward-logits.f32");
    std::fs::write(&bin, logits.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>()).unwrap();
    let run = |cmd: &str, args: &[&std::ffi::OsStr]| -> Option<serde_json::Value> {
        let out = std::process::Command::new(cmd).args(args).output().ok()?;
        if !out.status.success() {
            println!("  {cmd} failed: {}", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or(""));
            return None;
        }
        serde_json::from_slice(&out.stdout).ok()
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut jax_ms = None;
    if let Some(r) = run(&python, &[root.join("tools/ref/depth_forward.py").as_os_str(), json.as_os_str()]) {
        jax_ms = r["jax_ms"].as_f64();
        for (name, key) in [("NumPy", "numpy"), ("JAX (jit, XLA CPU)", "jax")] {
            match r[format!("{key}_ms")].as_f64() {
                Some(ms) => println!(
                    "  {name:<26} {ms:9.1} ms   ours ÷ {key} = {:.2}   (largest logit difference {:.1e})",
                    ours_ms / ms,
                    r[format!("{key}_max_diff")].as_f64().unwrap_or(f64::NAN)
                ),
                None => println!("  {name}: not measured ({})", r[format!("{key}_error")]),
            }
        }
    }
    let wasm = root.join("www/pkg/continuum_bg.wasm");
    if !wasm.exists() {
        println!("  wasm: not measured (build it first: make wasm)");
    } else if let Some(r) = run("node", &[root.join("tools/ref/wasm_depth.mjs").as_os_str(), bin.as_os_str()]) {
        let ms = r["wasm_ms"].as_f64().unwrap_or(f64::NAN);
        let jax = |ms: f64| jax_ms.map_or(String::new(), |j| format!("   wasm ÷ jax = {:.2}", ms / j));
        println!(
            "  wasm CPU path (Node, 1 thread) {ms:9.1} ms   wasm ÷ native = {:.2}{}   same bits as native: {}",
            ms / ours_ms,
            jax(ms),
            r["identical"]
        );
        let pool = r["pool_ms"].as_f64().unwrap_or(f64::NAN);
        println!(
            "  wasm CPU path (Node, {} worker threads, as the page's grid pool) {pool:9.1} ms   wasm ÷ native = {:.2}{}   same bits as native: {}",
            r["pool_workers"],
            pool / ours_ms,
            jax(pool),
            r["pool_identical"]
        );
    }
}
