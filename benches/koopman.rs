//! `cargo bench --bench koopman`: the Koopman lab's report, measured in one run.
//!
//! - 1000-step relative error of the consistent and the plain Koopman
//!   autoencoder on the default noisy pendulum (θ0 = 2.4, noise 0.03), over
//!   seeds 1–5 (`CONTINUUM_KOOPMAN_SEEDS` to change), with mean, standard
//!   deviation and median;
//! - training time per epoch (median over all runs of each model);
//! - rollouts of 256 initial conditions × 1000 steps: f32 CPU twin against the
//!   GPU kernel on whatever adapter wgpu finds.

use std::time::Instant;

use continuum::core::driver::Driver;
use continuum::gpu::Gpu;
use continuum::labs;
use continuum::labs::koopman::kernel::{rollout_cpu, starts, KoopmanKernel, Packed};
use continuum::labs::koopman::KoopmanRun;

fn stats(xs: &[f64]) -> String {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    format!(
        "mean {mean:.3} ± {sd:.3} (sd), median {:.3}, min {:.3}, max {:.3}",
        sorted[sorted.len() / 2],
        sorted[0],
        sorted[sorted.len() - 1]
    )
}

fn main() {
    let seeds: u64 = std::env::var("CONTINUUM_KOOPMAN_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let mut last = None;
    for (name, extra) in [("consistent", ""), ("plain", "&nu=0&eta=0")] {
        let mut errors = Vec::new();
        let mut per_epoch = Vec::new();
        for seed in 1..=seeds {
            let parsed = labs::parse(&format!("#lab=koopman&seed={seed}{extra}"));
            let mut run = KoopmanRun::start(&parsed.link).unwrap();
            let t = Instant::now();
            while run.step(&|| 0.0).is_some() {}
            per_epoch.push(t.elapsed().as_secs_f64() * 1e3 / run.trainer.epoch.max(1) as f64);
            run.finish(&|| 0.0);
            errors.push(run.report().rel_error[&1000]);
            last = Some(run.trainer);
        }
        per_epoch.sort_by(f64::total_cmp);
        println!("{name:>10}: 1000-step relative error over seeds 1..={seeds}: {}", stats(&errors));
        println!("{name:>10}: per seed {:?}", errors.iter().map(|e| (e * 1e3).round() / 1e3).collect::<Vec<_>>());
        println!("{name:>10}: training {:.1} ms per epoch (median)", per_epoch[per_epoch.len() / 2]);
    }
    let trainer = last.expect("trained");
    let packed = Packed::new(&trainer.model, &trainer.data, &starts(256, 1000), 1000);
    let t = Instant::now();
    let cpu = rollout_cpu(&packed);
    let cpu_ms = t.elapsed().as_secs_f64() * 1e3;
    match pollster::block_on(Gpu::new(None)) {
        Ok(gpu) => {
            let mut kernel = KoopmanKernel::new(&gpu);
            pollster::block_on(kernel.rollout(&gpu, &packed)).unwrap();
            let mut times: Vec<f64> = (0..5)
                .map(|_| {
                    let t = Instant::now();
                    pollster::block_on(kernel.rollout(&gpu, &packed)).unwrap();
                    t.elapsed().as_secs_f64() * 1e3
                })
                .collect();
            times.sort_by(f64::total_cmp);
            let got = pollster::block_on(kernel.rollout(&gpu, &packed)).unwrap();
            println!(
                "rollouts 256 × 1000: CPU twin {cpu_ms:.0} ms, GPU ({}) {:.0} ms median of 5 → ratio {:.2}; parity {:.1e}",
                gpu.adapter,
                times[2],
                cpu_ms / times[2],
                continuum::gpu::parity_error(&got, &cpu)
            );
        }
        Err(e) => println!("rollouts 256 × 1000: CPU twin {cpu_ms:.0} ms; GPU not measured ({e})"),
    }
}
