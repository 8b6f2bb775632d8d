//! The sketch lab's claims, each against a control that would fail. The
//! defaults (m = 20,000, n = 100, R = 100, 50 trials) take a minute; these
//! run smaller settings where the same claims hold (measured with
//! `continuum run`, quoted per test), with bands wide enough for the
//! Monte-Carlo error of the smaller R.

use continuum::labs::parse;
use continuum::labs::sketch::svd::{quantile, Sweep};
use continuum::labs::sketch::{extrapolation, opnorm, Config};

mod common;
use common::gpu;

fn config(link: &str) -> Config {
    Config::from_link(&parse(link).link).unwrap()
}

fn svd_sweep(link: &str) -> Sweep {
    let mut sweep = Sweep::new(config(link).svd);
    while sweep.step() {}
    sweep
}

#[test]
fn the_bootstrap_covers_and_extrapolates_the_sketched_svd_error() {
    // m = 4000, n = 40, l₀ = 100, R = 60, B = 30 (`continuum run`, seed 1):
    // coverage 0.93 (uniform) and 0.90 (Gaussian); extrapolated ÷ true
    // 0.93–1.08 and 0.94–1.13.
    for sketch in ["uniform", "gaussian"] {
        let sweep = svd_sweep(&format!("#lab=sketch&sketch={sketch}&m=4000&n=40&l=100&R=60&B=30"));
        let rows = extrapolation(&sweep);
        let coverage = rows[0].coverage;
        assert!((0.75..=0.98).contains(&coverage), "{sketch}: coverage {coverage}");
        for r in &rows {
            let ratio = r.predicted / r.truth;
            assert!((0.75..=1.3).contains(&ratio), "{sketch}: l = {} extrapolated ÷ true = {ratio}", r.l);
        }
        // Control: the errors really shrink with l (else "extrapolation" would be trivial).
        assert!(rows[4].truth < 0.5 * rows[0].truth, "{sketch}: {} → {}", rows[0].truth, rows[4].truth);
    }
}

#[test]
fn a_bootstrap_that_ignores_the_sketch_size_fails_the_same_check() {
    // Control for the test above: the estimate at l₀ taken as the answer at
    // every l (no √(l₀/l)) is off by 4× at 16 l₀, far outside the band.
    let sweep = svd_sweep("#lab=sketch&m=4000&n=40&l=100&R=40&B=20");
    let rows = extrapolation(&sweep);
    let flat = rows[0].bootstrap.mean / rows[4].truth;
    assert!(flat > 2.0, "the unscaled estimate is only {flat}× the truth at 16 l₀");
}

#[test]
fn coverage_is_a_real_comparison() {
    // With α = 0.5 the estimate is the median: coverage drops to about a half.
    let sweep = svd_sweep("#lab=sketch&m=4000&n=40&l=100&R=60&B=30&alpha=0.5");
    let c = extrapolation(&sweep)[0].coverage;
    assert!((0.3..=0.7).contains(&c), "coverage at α = 0.5: {c}");
    assert!(quantile(&[1.0, 2.0], 0.5) == 1.5);
}

#[test]
fn the_operator_norm_bootstrap_covers_in_any_dimension() {
    // 60 trials, B = 60 (`continuum run '#lab=sketch&study=opnorm&p=200&nmax=200&trials=60&Bop=60'`):
    // coverage 0.78–0.97 over n = 50…200, p = 50 and 200. Here n ≥ 100 only.
    let mut c = config("#lab=sketch&study=opnorm&p=200&nmax=200&trials=60&Bop=60").opnorm;
    c.ns.retain(|&n| n >= 100);
    let mut sweep = opnorm::Sweep::new(c);
    sweep.finish();
    let mean = |p: usize| {
        let v: Vec<f64> = sweep.cells.iter().filter(|c| c.p == p).map(|c| c.coverage()).collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    for cell in &sweep.cells {
        assert!((0.72..=0.99).contains(&cell.coverage()), "n = {}, p = {}: {}", cell.n, cell.p, cell.coverage());
    }
    assert!((mean(50) - mean(200)).abs() < 0.1, "p = 50: {}, p = 200: {}", mean(50), mean(200));
    // Control: the bound without the bootstrap's quantile (q̂ halved) covers far less.
    let halved = sweep.cells.iter().flat_map(|c| &c.trials).filter(|t| t.t <= 0.5 * t.q).count() as f64
        / sweep.cells.iter().map(|c| c.trials.len()).sum::<usize>() as f64;
    assert!(halved < 0.5, "half the quantile still covers {halved}");
}

#[test]
fn trials_give_the_same_numbers_in_parallel_and_one_by_one() {
    let c = config("#lab=sketch&study=opnorm&p=20&nmax=100&trials=6&Bop=10").opnorm;
    let (mut a, mut b) = (opnorm::Sweep::new(c.clone()), opnorm::Sweep::new(c));
    a.finish();
    while b.step() {}
    for (x, y) in a.cells.iter().zip(&b.cells) {
        let (tx, ty): (Vec<f64>, Vec<f64>) =
            (x.trials.iter().map(|t| t.q).collect(), y.trials.iter().map(|t| t.q).collect());
        assert_eq!(tx, ty);
    }
}

#[test]
fn a_matrix_too_large_is_refused_with_a_reason() {
    let e = Config::from_link(&parse("#lab=sketch&m=100000&n=1000").link).unwrap_err();
    assert!(e.contains("20000000"), "{e}");
    let e = Config::from_link(&parse("#lab=sketch&n=5&k=6").link).unwrap_err();
    assert!(e.contains("k = 6"), "{e}");
}

// GPU kernels against their CPU twins (skipped without an adapter; see tests/common).

#[test]
fn sketch_replicas_match_cpu_twin() {
    use continuum::labs::sketch::replicas::{replicas_cpu, Batch, ReplicaKernel, Source};
    use continuum::labs::sketch::{svd, Config};
    use rand::SeedableRng;
    let Some(gpu) = gpu() else { return };
    let mut config = Config::from_link(&continuum::labs::parse("#lab=sketch").link).unwrap().svd;
    (config.m, config.n, config.l, config.boots) = (3000, 30, 200, 12);
    let p = svd::Problem::new(config.clone());
    let (n, l) = (config.n, config.l);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let mut kernel = ReplicaKernel::new(&gpu);
    let q_level = 1.0 - config.alpha;

    // The bootstrap: 12 replicas of one sketch.
    let y = p.sketch(l, &mut rng);
    let own = p.solve(&y);
    let counts = p.draw_counts(l, &mut rng);
    let (start, q) = p.start_block(&own);
    let y32: Vec<f32> = y.iter().map(|&v| v as f32).collect();
    let weights: Vec<f32> = counts.iter().map(|&v| v as f32).collect();
    let batch = Batch { source: Source::Shared(&y32), weights: &weights, start: &start, n, q, l };
    let (twin, _) = replicas_cpu(&batch);
    let got = pollster::block_on(kernel.run(&gpu, &batch)).unwrap();
    let err = continuum::gpu::parity_error(&got, &twin);
    assert!(err <= 1e-3, "bootstrap: parity error {err:e}");
    let grams: Vec<Vec<f64>> =
        counts.chunks_exact(l).map(|c| continuum::labs::sketch::linalg::weighted_gram(&y, n, Some(c))).collect();
    let f64_quantile = svd::quantile(&p.replica_errors(&own, &grams), q_level);
    let gpu_quantile = svd::quantile(&p.block_errors(&own, &got, q), q_level);
    assert!(
        (gpu_quantile / f64_quantile - 1.0).abs() < 0.02,
        "bootstrap estimate: GPU {gpu_quantile}, f64 {f64_quantile}"
    );

    // Eight sketches gathered from A, against their f64 solutions.
    let a = p.matrix_f32();
    let (mut rows, mut w, mut errors) = (vec![], vec![], vec![]);
    for _ in 0..8 {
        let sampled = p.sampled_rows(l, &mut rng.clone()).expect("a row-sampling sketch");
        errors.push(p.error(&p.exact, &p.solve(&p.sketch(l, &mut rng))));
        rows.extend(sampled.iter().map(|&(i, _)| i as f32));
        w.extend(sampled.iter().map(|&(_, s)| (s * s) as f32));
    }
    let (start, _) = p.start_block(&p.exact);
    let batch = Batch { source: Source::Gather { a: &a, rows: &rows }, weights: &w, start: &start, n, q, l };
    let (twin, _) = replicas_cpu(&batch);
    let got = pollster::block_on(kernel.run(&gpu, &batch)).unwrap();
    let err = continuum::gpu::parity_error(&got, &twin);
    assert!(err <= 1e-3, "gathered sketches: parity error {err:e}");
    for (g, c) in p.block_errors(&p.exact, &got, q).iter().zip(&errors) {
        assert!((g - c).abs() <= 0.02 * c.abs() + 1e-4, "a sketch's error: GPU {g}, f64 {c}");
    }
    // Control: the sketches handed over one place out of order no longer match their f64 errors.
    let (mut rows2, mut w2) = (rows.clone(), w.clone());
    rows2.rotate_left(l);
    w2.rotate_left(l);
    let shifted = Batch { source: Source::Gather { a: &a, rows: &rows2 }, weights: &w2, ..batch };
    let moved = pollster::block_on(kernel.run(&gpu, &shifted)).unwrap();
    let worst = p
        .block_errors(&p.exact, &moved, q)
        .iter()
        .zip(&errors)
        .map(|(g, c)| (g - c).abs() / c.abs())
        .fold(0.0, f64::max);
    assert!(worst > 0.02, "out of order, the errors still match ({worst})");
}
