//! `cargo bench --bench sketch`: the sketch lab's timings, measured in one run.
//!
//! - one bootstrap (B = 40) of a uniform sketch at the defaults (m = 20,000,
//!   n = 100, l = 500): ours in f64 (Gram matrices and subspace iteration,
//!   the numbers the lab reports), the f32 CPU twin of the replica batch, and
//!   the batch on whatever adapter wgpu finds (and R = 100 gathered sketches);
//! - the whole SVD sweep at the defaults, and the operator-norm sweep at the
//!   defaults (50 trials per cell, every core), once each; and one
//!   operator-norm trial at n = 1,600, p = 400;
//! - with `CONTINUUM_REF_PYTHON` set (as `make bench` does): the same in
//!   NumPy (`tools/ref/sketch.py`), with the ratios.

mod common;
use common::median_ms;

use std::time::Instant;

use continuum::gpu::Gpu;
use continuum::labs::parse;
use continuum::labs::sketch::replicas::{replicas_cpu, Batch, ReplicaKernel, Source, ITERS};
use continuum::labs::sketch::svd::{self, Problem, Sweep};
use continuum::labs::sketch::{opnorm, Config};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn main() {
    let config = Config::from_link(&parse("#lab=sketch").link).unwrap();
    let problem = Problem::new(config.svd.clone());
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let y = problem.sketch(config.svd.l, &mut rng);
    let own = problem.solve(&y);
    let boot_ms = median_ms(5, || {
        svd::quantile(&problem.bootstrap(&y, &own, &mut rng), 0.9);
    });
    println!("one bootstrap (B = 40, l = 500, n = 100), f64 Grams + pairs: {boot_ms:.1} ms (median of 5)");
    let counts: Vec<f32> = problem.draw_counts(config.svd.l, &mut rng).iter().map(|&c| c as f32).collect();
    let y32: Vec<f32> = y.iter().map(|&v| v as f32).collect();
    let (start, q) = problem.start_block(&own);
    let (n, l) = (config.svd.n, config.svd.l);
    let boot = Batch { source: Source::Shared(&y32), weights: &counts, start: &start, n, q, l };
    let twin_ms = median_ms(3, || {
        replicas_cpu(&boot);
    });
    println!("  its 40 replicas as the GPU batch does them (Grams, {ITERS} block power steps), f32 CPU twin: {twin_ms:.1} ms");
    // R = 100 sketches at l0, rows gathered from A.
    let a = problem.matrix_f32();
    let (mut rows, mut weights) = (Vec::new(), Vec::new());
    for _ in 0..config.svd.runs {
        for (i, s) in problem.sampled_rows(l, &mut rng).expect("uniform sketches sample rows") {
            rows.push(i as f32);
            weights.push((s * s) as f32);
        }
    }
    let (start_exact, _) = problem.start_block(&problem.exact);
    let sketches =
        Batch { source: Source::Gather { a: &a, rows: &rows }, weights: &weights, start: &start_exact, n, q, l };
    match pollster::block_on(Gpu::new(None)) {
        Ok(gpu) => {
            let mut kernel = ReplicaKernel::new(&gpu);
            let gpu_ms = median_ms(5, || {
                pollster::block_on(kernel.run(&gpu, &boot)).unwrap();
            });
            println!("  the same on the GPU ({}): {gpu_ms:.1} ms with upload and readback", gpu.adapter);
            let r_ms = median_ms(3, || {
                pollster::block_on(kernel.run(&gpu, &sketches)).unwrap();
            });
            println!("  R = {} sketches at l0 on the GPU (gather, Grams, power steps): {r_ms:.1} ms", config.svd.runs);
        }
        Err(e) => println!("  GPU: not measured ({e})"),
    }
    let t = Instant::now();
    let mut sweep = Sweep::new(config.svd.clone());
    while sweep.step() {}
    let sweep_ms = t.elapsed().as_secs_f64() * 1e3;
    println!("whole SVD sweep at the defaults (R = 100 × 5 sizes): {sweep_ms:.0} ms");
    let t = Instant::now();
    let mut op = opnorm::Sweep::new(config.opnorm.clone());
    op.finish();
    let op_ms = t.elapsed().as_secs_f64() * 1e3;
    println!("operator-norm sweep at the defaults (50 trials, 2 × 6 cells, every core): {op_ms:.0} ms");
    let one = opnorm::OpConfig { ps: vec![400], ns: vec![1600], trials: 1, ..config.opnorm.clone() };
    let trial_ms = median_ms(3, || {
        let mut s = opnorm::Sweep::new(one.clone());
        while s.step() {}
    });
    println!("one operator-norm trial (n = 1600, p = 400, B = 100), one core: {trial_ms:.0} ms");

    let Ok(python) = std::env::var("CONTINUUM_REF_PYTHON") else {
        println!("NumPy: not measured (run `make bench`, which sets CONTINUUM_REF_PYTHON)");
        return;
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(&python).arg(root.join("tools/ref/sketch.py")).output().expect("python runs");
    if !out.status.success() {
        println!("NumPy failed: {}", String::from_utf8_lossy(&out.stderr));
        return;
    }
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the reference prints JSON");
    let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
    println!("NumPy one bootstrap: {:.1} ms; ours ÷ NumPy = {:.2}", f("bootstrap_ms"), boot_ms / f("bootstrap_ms"));
    println!("NumPy whole SVD sweep: {:.0} ms; ours ÷ NumPy = {:.2}", f("sweep_ms"), sweep_ms / f("sweep_ms"));
    println!(
        "NumPy one operator-norm trial (dense p × p differences, eigvalsh): {:.0} ms; ours ÷ NumPy = {:.2}",
        f("opnorm_trial_ms"),
        trial_ms / f("opnorm_trial_ms")
    );
    println!(
        "NumPy operator-norm sweep at the defaults (5 trials per cell, × 10; its BLAS threads): {:.0} ms; ours (every core) ÷ NumPy = {:.2}",
        f("opnorm_sweep_ms"),
        op_ms / f("opnorm_sweep_ms")
    );
}
