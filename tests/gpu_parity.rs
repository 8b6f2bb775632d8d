//! GPU kernels against their CPU twins on a real wgpu device — natively the
//! Vulkan CPU driver (lavapipe) when installed.
//!
//! Without an adapter a test reports itself skipped, not passed: it prints
//! `SKIPPED: <test>` and appends its name to the file `CONTINUUM_SKIP_LOG`
//! names, and `make test` moves it from the passed count to the skipped one
//! (libtest has no skipped outcome of its own). With `CONTINUUM_REQUIRE_GPU=1`
//! (set by `make test` when a Vulkan driver is installed) a missing adapter
//! is a failure instead.

use continuum::gpu::dense::{self, DenseKernel};
use continuum::gpu::{Gpu, GpuError};

fn gpu() -> Option<Gpu> {
    match pollster::block_on(Gpu::new(None)) {
        Ok(gpu) => Some(gpu),
        Err(e) if std::env::var("CONTINUUM_REQUIRE_GPU").as_deref() == Ok("1") => {
            panic!("CONTINUUM_REQUIRE_GPU=1 but no GPU: {e}")
        }
        Err(e) => {
            let name = std::thread::current().name().unwrap_or("a GPU test").to_string();
            eprintln!("SKIPPED: {name} (no GPU adapter: {e})");
            if let Ok(path) = std::env::var("CONTINUUM_SKIP_LOG") {
                use std::io::Write;
                let mut log =
                    std::fs::OpenOptions::new().create(true).append(true).open(path).expect("the skip log opens");
                writeln!(log, "{name}").expect("the skip log is writable");
            }
            None
        }
    }
}

#[test]
fn dense_kernel_matches_cpu_twin_and_reuses_buffers() {
    let Some(gpu) = gpu() else { return };
    let mut kernel = DenseKernel::new(&gpu);
    // Small, then larger (buffers grow), then small again (buffers reused,
    // stale data beyond the batch must not leak into the result).
    for (seed, batch, n_in, n_out) in [(1, 7, 3, 5), (2, 1000, 16, 32), (3, 33, 2, 16), (4, 1, 1, 1)] {
        let (w, b, x) = dense::random_problem(seed, batch, n_in, n_out);
        let cpu = dense::forward(w.view(), b.view(), x.view());
        let got = pollster::block_on(kernel.run(&gpu, w.view(), b.view(), x.view())).unwrap();
        let err = dense::parity_error(&got, &cpu);
        assert!(err <= 1e-5, "batch {batch} {n_in}→{n_out}: parity error {err:e}");
    }
}

#[test]
fn dense_kernel_folds_large_dispatches() {
    // 140 000 × 32 outputs need 70 000 workgroups: more than one dimension holds.
    let Some(gpu) = gpu() else { return };
    let mut kernel = DenseKernel::new(&gpu);
    let (w, b, x) = dense::random_problem(5, 140_000, 2, 32);
    let cpu = dense::forward(w.view(), b.view(), x.view());
    let got = pollster::block_on(kernel.run(&gpu, w.view(), b.view(), x.view())).unwrap();
    let err = dense::parity_error(&got, &cpu);
    assert!(err <= 1e-5, "parity error {err:e}");
}

#[test]
fn a_lost_device_is_reported_not_panicked() {
    let Some(gpu) = gpu() else { return };
    let mut kernel = DenseKernel::new(&gpu);
    let (w, b, x) = dense::random_problem(6, 8, 2, 4);
    gpu.simulate_loss();
    let result = pollster::block_on(kernel.run(&gpu, w.view(), b.view(), x.view()));
    assert!(matches!(result, Err(GpuError::Lost(_))), "{:?}", result.map(|_| ()));
}

#[test]
fn depth_kernel_matches_cpu_twin_for_every_tableau() {
    use continuum::labs::depth::kernel::{eval_cpu, grid, parity_error, DepthKernel, Packed};
    use continuum::labs::depth::Trainer;
    use continuum::labs::{self, depth};
    use continuum::num::ode;
    let Some(gpu) = gpu() else { return };
    // A briefly trained model, so the weights vary in depth.
    let parsed = labs::parse("#lab=depth&data=moons&epochs=3&basis=fem&K=5&width=12&dim=5");
    let mut trainer = Trainer::new(depth::Config::from_link(&parsed.link).unwrap().0).unwrap();
    while trainer.epoch().is_some() {}
    let mut kernel = DepthKernel::new(&gpu);
    let points = grid(64, -1.5, 1.5);
    for tab in ode::ALL {
        for (steps, record) in [(8, false), (3, true)] {
            let packed = Packed::new(&trainer.model, tab, steps);
            let cpu = eval_cpu(&packed, &points, record);
            let got = pollster::block_on(kernel.eval(&gpu, &packed, &points, record)).unwrap();
            let err = parity_error(&got.logits, &cpu.logits);
            assert!(err <= 1e-5, "{} {steps} steps: logits parity {err:e}", tab.name);
            if record {
                let err = parity_error(got.trajectory.as_ref().unwrap(), cpu.trajectory.as_ref().unwrap());
                assert!(err <= 1e-5, "{}: trajectory parity {err:e}", tab.name);
            }
        }
    }
}

#[test]
fn koopman_rollouts_match_cpu_twin() {
    use continuum::labs::koopman::kernel::{rollout_cpu, starts, KoopmanKernel, Packed};
    use continuum::labs::koopman::{Config, Trainer};
    let Some(gpu) = gpu() else { return };
    let mut kernel = KoopmanKernel::new(&gpu);
    let link = continuum::labs::parse("#lab=koopman&epochs=2&b=7").link;
    let mut trainer = Trainer::new(Config::from_link(&link).unwrap());
    while trainer.epoch().is_some() {}
    // A full 1000-step horizon (several dispatches carrying the latent state;
    // one long dispatch stopped writing after 243 steps on lavapipe), then
    // smaller (buffers reused: stale data must not leak).
    for (n, steps) in [(130, 1000), (5, 17)] {
        let packed = Packed::new(&trainer.model, &trainer.data, &starts(n, steps), steps);
        let cpu = rollout_cpu(&packed);
        let got = pollster::block_on(kernel.rollout(&gpu, &packed)).unwrap();
        let err = continuum::gpu::parity_error(&got, &cpu);
        assert!(err <= 1e-4, "{n} × {steps}: parity error {err:e}");
        assert!(got[got.len() - 2..].iter().all(|v| *v != 0.0), "the last step was written");
    }
}

/// A vortical network from a short turbulence run (periodic distances).
fn flow_network(hash: &str, nodes: usize) -> continuum::labs::flow::network::Network {
    use continuum::labs::flow::{Config, Simulation};
    let config = Config::from_link(&continuum::labs::parse(hash).link).unwrap();
    let mut sim = Simulation::new(&config);
    sim.advance_to(config.t).unwrap();
    sim.network(&sim.vorticity(), config.threshold, nodes)
}

#[test]
fn network_matvecs_and_columns_match_cpu_twin() {
    use continuum::labs::flow::network_kernel::NetworkKernel;
    use continuum::num::eigen::Lanczos;
    let Some(gpu) = gpu() else { return };
    let mut kernel = NetworkKernel::new(&gpu);
    for (hash, nodes) in [("#lab=flow&res=64&t=0.3", 1500), ("#lab=flow&flow=cylinder&res=64&t=2&Re=100", 400)] {
        let net = flow_network(hash, nodes);
        let n = net.len();
        kernel.load(&gpu, &net, 30);
        // Mat-vec: f32 sums of n terms against the f64 twin, relative to the result's scale.
        let x: Vec<f64> = (0..n).map(|i| ((i * 7919) % 13) as f64 / 13.0 - 0.5).collect();
        let mut want = vec![0.0; n];
        net.matvec(&x, &mut want);
        let got = pollster::block_on(kernel.matvec(&gpu, &x)).unwrap();
        let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let err = got.iter().zip(&want).map(|(g, w)| (g - w).abs()).fold(0.0, f64::max) / scale;
        assert!(err < 1e-5, "{hash}: mat-vec error {err:e} (n = {n})");
        // Columns.
        let cols: Vec<usize> = (0..30).map(|c| c * n / 30).collect();
        let got = pollster::block_on(kernel.columns(&gpu, &cols)).unwrap();
        let cpu = net.columns(&cols);
        for (c, &j) in cols.iter().enumerate() {
            let want: Vec<f32> = (0..n).map(|i| cpu[(i, c)] as f32).collect();
            let err = continuum::gpu::parity_error(&got[c * n..(c + 1) * n], &want);
            assert!(err < 1e-5, "{hash}: column {j}: {err:e}");
        }
        // Lanczos on GPU mat-vecs finds the CPU's leading eigenvalues.
        let run = |gpu_side: bool| {
            let mut lz = Lanczos::new(n, 3, 5);
            let mut av = vec![0.0; n];
            while !lz.done() {
                if gpu_side {
                    av = pollster::block_on(kernel.matvec(&gpu, lz.vector())).unwrap();
                } else {
                    net.matvec(lz.vector(), &mut av);
                }
                lz.push(&av);
            }
            lz.result().values
        };
        let (cpu, on_gpu) = (run(false), run(true));
        for (a, b) in cpu.iter().zip(&on_gpu) {
            assert!((a - b).abs() < 1e-5 * a.abs(), "{hash}: Lanczos {cpu:?} against {on_gpu:?}");
        }
    }
}

#[test]
fn lattice_boltzmann_matches_cpu_twin_and_conserves_mass() {
    use continuum::labs::flow::lbm::{Body, Lbm, Q};
    use continuum::labs::flow::lbm_kernel::LbmKernel;
    let Some(gpu) = gpu() else { return };
    let mut kernel = LbmKernel::new(&gpu);
    for body in [Body::Cylinder, Body::Airfoil] {
        let mut cpu = Lbm::new(32, body, 20.0, 3);
        kernel.load(&gpu, &cpu);
        for _ in 0..200 {
            cpu.step();
        }
        kernel.advance(&gpu, 200).unwrap();
        let (u, v) = pollster::block_on(kernel.velocity(&gpu)).unwrap();
        let (cu, cv) = cpu.velocity();
        let err = u.iter().zip(&cu).chain(v.iter().zip(&cv)).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(err < 1e-3, "{body:?}: velocity parity {err:e} (free-stream units)");
    }
    // Closed box: the f32 populations keep their total to f32 round-off.
    let mut closed = Lbm::new(32, Body::Cylinder, 20.0, 3);
    closed.inflow = false;
    kernel.load(&gpu, &closed);
    let mass = |f: &[f32]| {
        let cells = closed.nx * closed.ny;
        (0..cells)
            .filter(|&p| !closed.solid[p])
            .map(|p| (0..Q).map(|q| f[q * cells + p] as f64).sum::<f64>())
            .sum::<f64>()
    };
    let m0 = mass(&pollster::block_on(kernel.populations(&gpu)).unwrap());
    kernel.advance(&gpu, 500).unwrap();
    let m1 = mass(&pollster::block_on(kernel.populations(&gpu)).unwrap());
    assert!((m1 / m0 - 1.0).abs() < 1e-5, "mass {m0} → {m1}");
}

#[test]
fn spectral_turbulence_matches_cpu_twin() {
    use continuum::labs::flow::spectral::Turbulence;
    use continuum::labs::flow::spectral_kernel::SpectralKernel;
    let Some(gpu) = gpu() else { return };
    let mut kernel = SpectralKernel::new(&gpu);
    // The FFTs alone first: no steps, the inverse transform of the initial field.
    for n in [64, 128] {
        let mut cpu = Turbulence::new(n, 500.0, 2);
        kernel.load(&gpu, &cpu);
        let scale = cpu.vorticity().iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let field_error =
            |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max) / scale;
        let got = pollster::block_on(kernel.vorticity(&gpu)).unwrap();
        let err = field_error(&got, &cpu.vorticity());
        assert!(err < 1e-5, "{n}²: inverse FFT parity {err:e}");
        // Then 20 RK4 steps.
        for _ in 0..20 {
            cpu.step();
        }
        kernel.advance(&gpu, 20).unwrap();
        let got = pollster::block_on(kernel.vorticity(&gpu)).unwrap();
        let err = field_error(&got, &cpu.vorticity());
        assert!(err < 1e-4, "{n}²: vorticity after 20 steps, parity {err:e}");
        assert!((kernel.t - cpu.t).abs() < 1e-12);
    }
}

#[test]
fn fields_advection_matches_cpu_twin() {
    use continuum::labs::fields::advect::{advect_cpu, sample_grid, velocity_grid, AdvectKernel};
    use continuum::labs::fields::torus::Field;
    let Some(gpu) = gpu() else { return };
    let mut kernel = AdvectKernel::new(&gpu);
    // Two dyes on a 64² grid over 40 steps, then one dye on 16² (buffers reused).
    for (res, dyes, steps, kappa) in [(64, 2, 40, 0.0), (16, 1, 7, 0.5)] {
        let field = Field::new("random", kappa, 2);
        let vel = velocity_grid(&field, res);
        let dye0: Vec<f32> =
            (0..dyes).flat_map(|d| sample_grid(res, move |x, y| (x + d as f64).sin() * (2.0 * y).cos())).collect();
        let cpu = advect_cpu(&vel, &dye0, res, 0.05, steps);
        let got = pollster::block_on(kernel.advect(&gpu, &vel, &dye0, res, 0.05, steps)).unwrap();
        let err = continuum::gpu::parity_error(&got, &cpu);
        assert!(err <= 1e-4, "{res}² × {dyes} dyes, {steps} steps: parity error {err:e}");
        let moved = continuum::gpu::parity_error(&cpu, &dye0);
        assert!(moved > 1e-2, "the dye did not move ({moved:e}): the comparison proves nothing");
    }
}

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

#[test]
fn transfer_source_features_match_cpu_twin() {
    use continuum::gpu::dense::{forward, DenseKernel};
    use continuum::labs::transfer::{frozen_depth, Config, SeedRun};
    let Some(gpu) = gpu() else { return };
    let config =
        Config::from_link(&continuum::labs::parse("#lab=transfer&hidden=32-32-16&epochs=1&seeds=1").link).unwrap();
    let mut run = SeedRun::new(&config, 1);
    while run.epoch() {}
    // The page's path: the target test set through the source's tanh layers, one dispatch each.
    let mut kernel = DenseKernel::new(&gpu);
    let x = run.data.target_test.x.mapv(|v| v as f32);
    let (mut on_gpu, mut on_cpu) = (x.clone(), x);
    for layer in &run.robust.model.layers[..frozen_depth(&run.robust, false)] {
        let (w, b) = (layer.w.mapv(|v| v as f32), layer.b.mapv(|v| v as f32));
        on_gpu = pollster::block_on(kernel.run(&gpu, w.view(), b.view(), on_gpu.view())).unwrap();
        on_cpu = forward(w.view(), b.view(), on_cpu.view());
    }
    let err = continuum::gpu::dense::parity_error(&on_gpu, &on_cpu);
    assert!(err <= 1e-5, "parity error {err:e}");
    // And the f32 features are the lab's f64 ones to f32 precision.
    let f64s = run.robust.features(run.data.target_test.x.view(), 3);
    let worst = on_cpu.iter().zip(f64s.iter()).map(|(a, b)| (*a as f64 - b).abs()).fold(0.0, f64::max);
    assert!(worst < 1e-4, "f32 features differ from f64 by {worst}");
}

#[test]
fn transfer_saliency_maps_match_cpu_twin() {
    use continuum::labs::transfer::saliency::{saliency_cpu, SaliencyKernel};
    use continuum::labs::transfer::{pack, Config, SeedRun};
    let Some(gpu) = gpu() else { return };
    let config =
        Config::from_link(&continuum::labs::parse("#lab=transfer&hidden=32-32-16&epochs=2&seeds=1").link).unwrap();
    let mut run = SeedRun::new(&config, 1);
    while run.epoch() {}
    let mut layers = pack(&run.robust.model.layers);
    let head = layers.pop().unwrap();
    let data = &run.data.source_test;
    let x = data.x.slice(ndarray::s![..64, ..]).mapv(|v| v as f32);
    let cpu = saliency_cpu(&layers, &head, x.view(), &data.y[..64]);
    let mut kernel = SaliencyKernel::new(&gpu);
    let got = pollster::block_on(kernel.saliency(&gpu, &layers, &head, x.view(), &data.y[..64])).unwrap();
    let err = continuum::gpu::parity_error(&got, &cpu);
    assert!(err <= 1e-4, "parity error {err:e}");
    // The f32 twin is the lab's f64 saliency to f32 precision.
    let f64s = run.robust.saliency(data, 64);
    let scale = f64s.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let worst = cpu.iter().zip(f64s.iter()).map(|(a, b)| (*a as f64 - b).abs()).fold(0.0, f64::max);
    assert!(worst < 1e-4 * scale, "f32 maps differ from f64 by {worst} (scale {scale})");
}

#[test]
fn noise_paths_match_cpu_twin() {
    use continuum::labs::noise::paths::{advance_cpu, stats, Sde};
    use continuum::labs::noise::paths_kernel::PathsKernel;
    let Some(gpu) = gpu() else { return };
    let mut kernel = PathsKernel::new(&gpu);
    // Two sizes (buffers grow, then are reused); steps not a multiple of 4
    // or of the records, so blocks straddle checkpoints.
    for (paths, horizon, dt) in [(70, 0.5, 1e-3), (300, 2.0, 1e-3), (5, 0.0123, 1e-3)] {
        let sde = Sde { a: 0.5, sigma: 1.5, dt, horizon, paths, seed: 11 };
        let cpu = advance_cpu(&sde, 0, paths);
        let got = pollster::block_on(kernel.run(&gpu, &sde)).unwrap();
        // log|X| is a sum over the steps of log|1 + y| (f32, the device's log):
        // differences grow like the square root of the steps.
        let err = continuum::gpu::parity_error(&got, &cpu);
        assert!(err <= 1e-4, "{paths} paths to T = {horizon}: parity error {err:e}");
        let (g, c) = (stats(&sde, &got), stats(&sde, &cpu));
        assert!(
            (g.fraction_decayed - c.fraction_decayed).abs() <= 1.0 / paths as f64,
            "a path near its start may round either way"
        );
    }
    // Control: another seed's paths are far from these.
    let sde = Sde { a: 0.5, sigma: 1.5, dt: 1e-3, horizon: 0.5, paths: 70, seed: 11 };
    let other = pollster::block_on(kernel.run(&gpu, &Sde { seed: 12, ..sde })).unwrap();
    assert!(continuum::gpu::parity_error(&other, &advance_cpu(&sde, 0, 70)) > 0.1);
}
