//! The shared GPU folder's kernels (the dense self-test, the convolution) against their CPU
//! twins, and a lost device; each lab's kernels are tested in its own file.

use continuum::gpu::dense::{self, DenseKernel};
use continuum::gpu::GpuError;

mod common;
use common::gpu;

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
fn cnn_stages_on_the_gpu_match_their_twin() {
    use continuum::gpu::cnn::{Device, PackedCnn};
    use continuum::gpu::conv::ConvKernel;
    use continuum::num::cnn::Cnn;
    use rand::SeedableRng;
    let Some(gpu) = gpu() else { return };
    // The transfer lab's CNN source: 16 × 16 images, two stages of 8 and 16 channels.
    let cnn = Cnn::init((1, 16, 16), &[8, 16], 10, &mut rand_chacha::ChaCha8Rng::seed_from_u64(3));
    let packed = PackedCnn::new(&cnn);
    let x: Vec<f32> = (0..7 * 256).map(|i| ((i as f32) * 0.13).sin()).collect();
    let mut kernel = ConvKernel::new(&gpu);
    let (on_gpu, stages_gpu) = pollster::block_on(packed.features(&mut Device::Gpu(&gpu, &mut kernel), &x)).unwrap();
    let (twin, stages_twin) = pollster::block_on(packed.features(&mut Device::Twin, &x)).unwrap();
    let err = continuum::gpu::parity_error(&on_gpu, &twin);
    assert!(err < 1e-5, "features: parity error {err}");
    let v: Vec<f32> = (0..twin.len()).map(|i| ((i as f32) * 0.71).cos()).collect();
    let on_gpu =
        pollster::block_on(packed.input_gradient(&mut Device::Gpu(&gpu, &mut kernel), &stages_gpu, v.clone())).unwrap();
    let twin = pollster::block_on(packed.input_gradient(&mut Device::Twin, &stages_twin, v)).unwrap();
    let err = continuum::gpu::parity_error(&on_gpu, &twin);
    assert!(err < 1e-5, "input gradient: parity error {err}");
}

#[test]
fn the_depth_labs_image_model_on_the_gpu_matches_its_twin() {
    use continuum::gpu::cnn::Device;
    use continuum::gpu::conv::ConvKernel;
    use continuum::labs::depth::image::ImageModel;
    use continuum::labs::depth::image_kernel::PackedImages;
    use continuum::num::basis::{Basis, Family};
    use rand::SeedableRng;
    let Some(gpu) = gpu() else { return };
    // The digits' model: 8 × 8 images, 8 channels, RK4 at 8 steps (32 stages, 65 dispatches).
    let model =
        ImageModel::init(Basis::new(Family::Pwl, 8).unwrap(), 8, 8, 10, &mut rand_chacha::ChaCha8Rng::seed_from_u64(4));
    let packed = PackedImages::new(&model, &continuum::num::ode::RK4, 8);
    let x: Vec<f32> = (0..20 * 64).map(|i| ((i as f32) * 0.37).sin().abs()).collect();
    let mut kernel = ConvKernel::new(&gpu);
    let on_gpu = pollster::block_on(packed.logits(&mut Device::Gpu(&gpu, &mut kernel), &x)).unwrap();
    let twin = pollster::block_on(packed.logits(&mut Device::Twin, &x)).unwrap();
    let err = continuum::gpu::parity_error(&on_gpu, &twin);
    assert!(err < 1e-5, "scores: parity error {err}");
}

#[test]
fn conv_kernel_matches_its_twins_on_both_strides_and_entry_points() {
    use continuum::gpu::conv::{self, ConvKernel};
    use continuum::num::conv::Shape;
    let Some(gpu) = gpu() else { return };
    let mut kernel = ConvKernel::new(&gpu);
    for (seed, stride, side, c_in, c_out, n) in
        [(1, 1, 8, 1, 8, 5), (2, 2, 16, 3, 4, 2), (3, 2, 7, 2, 2, 3), (4, 1, 8, 8, 8, 64)]
    {
        let s = Shape { n, c: c_in, h: side, w: side };
        let (packed, x) = conv::random_problem(seed, s, c_out, stride);
        let cpu = conv::forward(&packed, &x, s);
        let got = pollster::block_on(kernel.forward(&gpu, &packed, &x, s)).unwrap();
        let err = continuum::gpu::parity_error(&got, &cpu);
        assert!(err < 1e-5, "forward, stride {stride}, side {side}: parity error {err}");
        let dy: Vec<f32> = (0..cpu.len()).map(|i| ((i as f32) * 0.29).cos()).collect();
        let cpu = conv::input_gradient(&packed, &dy, s);
        let got = pollster::block_on(kernel.input_gradient(&gpu, &packed, &dy, s)).unwrap();
        let err = continuum::gpu::parity_error(&got, &cpu);
        assert!(err < 1e-5, "input gradient, stride {stride}, side {side}: parity error {err}");
    }
}
