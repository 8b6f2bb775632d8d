//! `cargo bench --bench flow`: the flow lab's report, measured in one run.
//!
//! - A vortical network of 20 000 nodes (the 20 000 strongest cells of a
//!   256² turbulence field), k = 5, l = 500: Nyström (both samplings, median
//!   of 3) against the exact leading pairs by matrix-free Lanczos, on the CPU
//!   and on GPU mat-vecs when wgpu finds an adapter; the ratio, the errors,
//!   and the peak heap during each, with the largest single allocation (a
//!   dense A would be n² · 8 bytes = 3.2 GB; the bench fails if any
//!   allocation reaches a tenth of that).
//! - Error against l on the default flow's network (`#lab=flow`, 3 520
//!   nodes), both samplings, mean over the k = 5 pairs and seeds 1–4.
//! - Simulation steps per second at 256²: spectral turbulence and the
//!   lattice-Boltzmann cylinder (a 512 × 256 channel), CPU and GPU.
//! - With `CONTINUUM_REF_PYTHON` set (as `make bench` does): the same
//!   Nyström in NumPy on the same network and columns, and the exact pairs
//!   by a dense A and SciPy's ARPACK, in this run (`tools/ref/nystrom.py`),
//!   with the ratios.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

use continuum::gpu::lbm::LbmKernel;
use continuum::gpu::Gpu;
use continuum::labs::flow::network::{Field, Network};
use continuum::labs::flow::network_kernel::NetworkKernel;
use continuum::labs::flow::spectral::Turbulence;
use continuum::labs::flow::spectral_kernel::SpectralKernel;
use continuum::labs::flow::{self, Config, Simulation};
use continuum::num::eigen::{self, Lanczos};
use continuum::num::lbm::{Body, Lbm};
use continuum::num::nystrom::{self, Form, Sampling};

/// Counts heap bytes: current, peak since the last reset, largest block.
struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(now, Relaxed);
        LARGEST.fetch_max(layout.size(), Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn reset_peak() {
    PEAK.store(CURRENT.load(Relaxed), Relaxed);
    LARGEST.store(0, Relaxed);
}

/// (peak above `base`, largest block), in MB.
fn memory(base: usize) -> (f64, f64) {
    ((PEAK.load(Relaxed) - base) as f64 / 1e6, LARGEST.load(Relaxed) as f64 / 1e6)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

const N: usize = 20_000;
const L: usize = 500;
const K: usize = 5;

fn main() {
    let gpu = pollster::block_on(Gpu::new(None)).ok();
    match &gpu {
        Some(g) => println!("GPU: {} ({})", g.adapter, g.backend),
        None => println!("GPU: none found; CPU figures only"),
    }

    // The network: the N strongest cells of a 256² field at t = 0.5.
    let mut flow = Turbulence::new(256, 2000.0, 1);
    flow.advance_to(0.5);
    let w = flow.vorticity();
    let mut magnitudes: Vec<f64> = w.iter().map(|v| v.abs()).collect();
    magnitudes.sort_by(|a, b| b.total_cmp(a));
    let threshold = magnitudes[N - 1] / magnitudes[0];
    let h = std::f64::consts::TAU / 256.0;
    let net = Network::from_field(&Field { w: &w, nx: 256, ny: 256, dx: h, dy: h, periodic: true }, threshold, N);
    let n = net.len();
    println!("\nNetwork: {n} nodes (block {}), k = {K}, l = {L}", net.block);
    let dense_bytes = (n * n * 8) as f64 / 1e6;

    // Exact: Lanczos on CPU mat-vecs.
    let base = CURRENT.load(Relaxed);
    reset_peak();
    let t0 = Instant::now();
    let mut lanczos = Lanczos::new(n, K, 1);
    let mut av = vec![0.0; n];
    while !lanczos.done() {
        net.matvec(lanczos.vector(), &mut av);
        lanczos.push(&av);
    }
    let exact = lanczos.result();
    let lanczos_cpu_ms = t0.elapsed().as_secs_f64() * 1e3;
    let (lanczos_peak, lanczos_largest) = memory(base);
    println!(
        "Lanczos (CPU mat-vecs): {lanczos_cpu_ms:.0} ms, {} mat-vecs; peak heap +{lanczos_peak:.1} MB, largest block {lanczos_largest:.1} MB",
        lanczos.steps()
    );

    let mut nystrom_uniform_ms = f64::NAN;
    for sampling in [Sampling::Quasi, Sampling::Uniform] {
        let base = CURRENT.load(Relaxed);
        reset_peak();
        let mut times = Vec::new();
        let mut last = None;
        for seed in 1..=3 {
            let t0 = Instant::now();
            let s = nystrom::sample(sampling, &net.x, &net.y, L, seed);
            let c = net.columns(&s);
            let pairs = nystrom::eigenpairs(&c, &s, K, Form::Qr);
            times.push(t0.elapsed().as_secs_f64() * 1e3);
            last = Some(pairs);
        }
        let (peak, largest) = memory(base);
        let ms = median(times);
        if sampling == Sampling::Uniform {
            nystrom_uniform_ms = ms;
        }
        let (rel, angle) = eigen::errors(&last.expect("three runs"), &exact);
        println!(
            "Nyström ({}): {ms:.0} ms (median of 3); exact ÷ Nyström = {:.1}×; peak heap +{peak:.1} MB, largest block {largest:.1} MB",
            sampling.name(),
            lanczos_cpu_ms / ms
        );
        println!(
            "  seed 3: relative eigenvalue errors {:?}, angles {:?}°",
            rel.iter().map(|e| format!("{e:.3}")).collect::<Vec<_>>(),
            angle.iter().map(|a| format!("{a:.1}")).collect::<Vec<_>>()
        );
        assert!(largest < dense_bytes / 10.0, "an allocation of {largest} MB: a dense A is {dense_bytes} MB");
    }
    assert!(lanczos_largest < dense_bytes / 10.0, "Lanczos allocated {lanczos_largest} MB at once");
    println!("(a dense A would be {dense_bytes:.0} MB)");
    references(&net, &exact, nystrom_uniform_ms, lanczos_cpu_ms);

    if let Some(gpu) = &gpu {
        let mut kernel = NetworkKernel::new(gpu);
        kernel.load(gpu, &net, L);
        let t0 = Instant::now();
        let mut lanczos = Lanczos::new(n, K, 1);
        while !lanczos.done() {
            let av = pollster::block_on(kernel.matvec(gpu, lanczos.vector())).expect("GPU mat-vec");
            lanczos.push(&av);
        }
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        let (rel, _) = eigen::errors(&lanczos.result(), &exact);
        println!(
            "Lanczos (GPU mat-vecs): {ms:.0} ms, {} mat-vecs; CPU ÷ GPU = {:.2}×; leading eigenvalue against the CPU's: {:.1e}",
            lanczos.steps(),
            lanczos_cpu_ms / ms,
            rel[0]
        );
        let s = nystrom::sample(Sampling::Quasi, &net.x, &net.y, L, 1);
        let t0 = Instant::now();
        pollster::block_on(kernel.columns(gpu, &s)).expect("GPU columns");
        println!("Nyström's {L} columns on the GPU: {:.0} ms", t0.elapsed().as_secs_f64() * 1e3);
    }

    let config = Config::from_link(&continuum::labs::parse("#lab=flow").link).unwrap();
    let mut sim = Simulation::new(&config);
    sim.advance_to(config.t).unwrap();
    let net = sim.network(&sim.vorticity(), config.threshold, config.max_nodes);
    let (exact, _) = flow::exact(&net, K, 1);
    println!("\nError against l, default flow ({} nodes), mean over {K} pairs and seeds 1–4:", net.len());
    for sampling in [Sampling::Quasi, Sampling::Uniform] {
        let cells: Vec<String> = [50, 100, 200, 400]
            .iter()
            .map(|&l| {
                let (mut rel, mut angle) = (0.0, 0.0);
                for seed in 1..=4 {
                    let (r, a) = flow::mean_errors(
                        &flow::nystrom(&net, l, sampling, K, seed, Form::Qr, nystrom::TRUNCATION).0,
                        &exact,
                    );
                    rel += r / 4.0;
                    angle += a / 4.0;
                }
                format!("l={l}: {rel:.3}, {angle:.1}°")
            })
            .collect();
        println!("  {:<8} {}", sampling.name(), cells.join("; "));
    }

    println!("\nSimulation at 256² (steps per second, median of 3):");
    let per_second = |steps: usize, mut run: Box<dyn FnMut() + '_>| {
        median(
            (0..3)
                .map(|_| {
                    let t0 = Instant::now();
                    run();
                    steps as f64 / t0.elapsed().as_secs_f64()
                })
                .collect(),
        )
    };
    let mut flow = Turbulence::new(256, 2000.0, 1);
    let cpu = per_second(
        5,
        Box::new(|| {
            for _ in 0..5 {
                flow.step();
            }
        }),
    );
    println!("  spectral turbulence, CPU (f64, num::fft): {cpu:.1}");
    let mut lbm = Lbm::new(256, Body::Cylinder, 200.0, 1);
    let lbm_cpu = per_second(
        20,
        Box::new(|| {
            for _ in 0..20 {
                lbm.step();
            }
        }),
    );
    println!("  lattice Boltzmann 512 × 256, CPU (f64): {lbm_cpu:.1}");
    if let Some(gpu) = &gpu {
        let flow = Turbulence::new(256, 2000.0, 1);
        let mut kernel = SpectralKernel::new(gpu);
        kernel.load(gpu, &flow);
        let steps = 20;
        let rate = per_second(
            steps,
            Box::new(|| {
                kernel.advance(gpu, steps).unwrap();
                pollster::block_on(kernel.w_hat(gpu)).unwrap();
            }),
        );
        println!("  spectral turbulence, GPU (f32): {rate:.1} ({:.1}× the CPU)", rate / cpu);
        let lbm = Lbm::new(256, Body::Cylinder, 200.0, 1);
        let mut kernel = LbmKernel::new(gpu);
        kernel.load(gpu, &lbm);
        let steps = 200;
        let rate = per_second(
            steps,
            Box::new(|| {
                kernel.advance(gpu, steps).unwrap();
                pollster::block_on(kernel.velocity(gpu)).unwrap();
            }),
        );
        println!("  lattice Boltzmann 512 × 256, GPU (f32): {rate:.1} ({:.1}× the CPU)", rate / lbm_cpu);
    }
}

/// NumPy's Nyström and SciPy's ARPACK on the same network, in this run.
fn references(net: &Network, exact: &eigen::Eigenpairs, nystrom_ms: f64, lanczos_ms: f64) {
    let Ok(python) = std::env::var("CONTINUUM_REF_PYTHON") else {
        println!("NumPy / ARPACK: not measured (run `make bench`, which sets CONTINUUM_REF_PYTHON)");
        return;
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("flow-network.json");
    let samples = nystrom::sample(Sampling::Uniform, &net.x, &net.y, L, 1);
    let ours = nystrom::eigenpairs(&net.columns(&samples), &samples, K, Form::Qr);
    std::fs::write(&json, serde_json::json!({ "network": net, "samples": samples, "k": K }).to_string()).unwrap();
    let out = std::process::Command::new(&python)
        .arg(root.join("tools/ref/nystrom.py"))
        .arg(&json)
        .output()
        .expect("the reference python runs");
    if !out.status.success() {
        println!("NumPy / ARPACK failed: {}", String::from_utf8_lossy(&out.stderr));
        return;
    }
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the reference prints JSON");
    let numpy_ms = r["nystrom_ms"].as_f64().unwrap_or(f64::NAN);
    let agree = ours
        .values
        .iter()
        .zip(r["nystrom_values"].as_array().into_iter().flatten())
        .map(|(a, b)| (a / b.as_f64().unwrap_or(f64::NAN) - 1.0).abs())
        .fold(0.0, f64::max);
    println!("NumPy Nyström (uniform, l = {L}, QR of C): {numpy_ms:.0} ms; ours ÷ NumPy = {:.2} (target ≤ 0.33); eigenvalues agree to {agree:.1e}", nystrom_ms / numpy_ms);
    let reduced_ms = r["nystrom_reduced_ms"].as_f64().unwrap_or(f64::NAN);
    println!(
        "NumPy Nyström written as ours (QR of C V_r): {reduced_ms:.0} ms; ours ÷ NumPy = {:.2} (the same algorithm on both sides)",
        nystrom_ms / reduced_ms
    );
    if let Some(arpack_ms) = r["arpack_ms"].as_f64() {
        let agree = exact
            .values
            .iter()
            .zip(r["arpack_values"].as_array().into_iter().flatten())
            .map(|(a, b)| (a / b.as_f64().unwrap_or(f64::NAN) - 1.0).abs())
            .fold(0.0, f64::max);
        println!(
            "SciPy ARPACK on a dense A (build {:.0} ms + eigsh): {arpack_ms:.0} ms; our Lanczos ÷ ARPACK = {:.2}; eigenvalues agree to {agree:.1e}",
            r["dense_build_ms"].as_f64().unwrap_or(f64::NAN),
            lanczos_ms / arpack_ms
        );
    }
}
