//! The transfer lab's claims, each against a control that would fail. The
//! default link (256-256-128, 15 epochs, 3 seeds) takes about a minute; the
//! test uses a 64-64-32 source for 8 epochs and one seed, where the same
//! effect was measured (`continuum run '#lab=transfer&seeds=1&hidden=64-64-32&epochs=8'`:
//! n = 10: natural 0.835, robust 0.948; n = 100: 0.933, 0.984).

use continuum::labs::parse;
use continuum::labs::transfer::{transfer, Config, SeedRun};

mod common;
use common::gpu;

/// Target accuracy (natural, robust) at n = 10 and 100.
fn gaps(link: &str) -> [(f64, f64); 2] {
    let config = Config::from_link(&parse(link).link).unwrap();
    let mut run = SeedRun::new(&config, config.seed);
    while run.epoch() {}
    assert!(run.natural.diverged.is_none() && run.robust.diverged.is_none());
    [10, 100].map(|n| {
        (
            transfer(&run.natural, &run.data, n, false, config.seed).0,
            transfer(&run.robust, &run.data, n, false, config.seed).0,
        )
    })
}

#[test]
fn a_robust_source_transfers_better_with_little_target_data() {
    let [(nat10, rob10), (nat100, rob100)] = gaps("#lab=transfer&hidden=64-64-32&epochs=8&seeds=1");
    assert!(rob10 >= nat10 + 0.05, "n = 10: robust {rob10} against natural {nat10}");
    assert!(rob100 - nat100 < rob10 - nat10, "the gap grew: {} at 10, {} at 100", rob10 - nat10, rob100 - nat100);
    // Control: a "robust" source trained with ε = 0 is the natural one: no gap.
    let [(a, b), _] = gaps("#lab=transfer&hidden=64-64-32&epochs=8&seeds=1&eps=0");
    assert!((b - a).abs() < 0.02, "ε = 0 gives a gap of {}", b - a);
}

#[test]
fn pgd_stays_in_the_ball_and_raises_the_loss() {
    use continuum::labs::transfer::{pgd, Source};
    let config = Config::from_link(&parse("#lab=transfer&hidden=32-32-16&epochs=2&seeds=1").link).unwrap();
    let mut run = SeedRun::new(&config, 1);
    while run.epoch() {}
    let source: &Source = &run.natural;
    let data = &run.data.source_test;
    let x = data.x.slice(ndarray::s![..50, ..]);
    let adv = pgd(&source.model, x, &data.y[..50], 1.0);
    for (a, b) in adv.rows().into_iter().zip(x.rows()) {
        let d = &a - &b;
        assert!(d.dot(&d).sqrt() <= 1.0 + 1e-12);
    }
    let acc = |x: ndarray::ArrayView2<f64>| continuum::num::mlp::accuracy(&source.model.apply(x), &data.y[..50]);
    assert!(acc(adv.view()) < acc(x) - 0.1, "the attack did not hurt: {} → {}", acc(x), acc(adv.view()));
}

// GPU kernels against their CPU twins (skipped without an adapter; see tests/common).

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
    for layer in &run.robust.mlp().expect("an MLP source").layers[..frozen_depth(&run.robust, false)] {
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
    let mut layers = pack(&run.robust.mlp().expect("an MLP source").layers);
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
