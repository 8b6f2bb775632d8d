//! The image model's evaluation in f32, for the page's GPU path: the lift
//! and each Runge–Kutta stage's two 3 × 3 convolutions are dispatches of
//! `gpu/conv.wgsl` (through `gpu::cnn::Device`); tanh, the stage sums, the
//! global average pool and the readout run on the host between them.
//!
//! [`PackedImages`] holds the model as the evaluation needs it: the weight
//! functions are evaluated at every stage's depth once, on the CPU in f64
//! (`ConvBlock::convs`, the same φ(t) as training), so the GPU sees plain
//! convolutions. With `Device::Twin` the same recurrence runs on the
//! convolution's f32 CPU twins: the tests compare the GPU with it, and the
//! twin with the f64 model (`ImageModel::logits_in` in f64).

use serde::{Deserialize, Serialize};

use super::image::ImageModel;
use crate::gpu::cnn::Device;
use crate::gpu::conv::PackedConv;
use crate::gpu::GpuError;
use crate::num::conv::Shape;
use crate::num::ode::Tableau;

/// An [`ImageModel`] evaluated with one tableau and step count, in f32.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PackedImages {
    /// Side of the input images, and of the block's maps.
    pub side: usize,
    pub inner: usize,
    pub lift: PackedConv,
    /// Each stage's two convolutions at its depth, step after step.
    pub stages: Vec<[PackedConv; 2]>,
    /// The tableau: `a` row by row (row `i` has `i` entries), `b`.
    pub a: Vec<Vec<f32>>,
    pub b: Vec<f32>,
    /// Step size in depth (`1 / steps`).
    pub h: f32,
    /// Readout, `classes × c`, and its bias.
    pub out_w: Vec<f32>,
    pub out_b: Vec<f32>,
}

impl PackedImages {
    pub fn new(model: &ImageModel, tab: &Tableau, steps: usize) -> PackedImages {
        let block = &model.block;
        let dt = 1.0 / steps as f64;
        let mut phi = vec![0.0; block.basis.k];
        let mut stages = Vec::with_capacity(steps * tab.stages());
        for n in 0..steps {
            for i in 0..tab.stages() {
                block.basis.eval(tab.stage_time(i, n as f64 * dt, dt), &mut phi);
                stages.push(block.convs(&phi).map(|c| PackedConv::new(&c)));
            }
        }
        let f32s = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
        PackedImages {
            side: model.side,
            inner: block.side,
            lift: PackedConv::new(&model.lift),
            stages,
            a: tab.a.iter().map(|row| f32s(row)).collect(),
            b: f32s(tab.b),
            h: dt as f32,
            out_w: model.out_w.iter().map(|&x| x as f32).collect(),
            out_b: f32s(model.out_b.as_slice().expect("standard layout")),
        }
    }

    /// Class scores (`n × classes`, row-major) of the images `x` (`n × side²`).
    pub async fn logits(&self, device: &mut Device<'_>, x: &[f32]) -> Result<Vec<f32>, GpuError> {
        let n = x.len() / (self.side * self.side);
        let c = self.lift.c_out;
        let s = Shape { n, c, h: self.inner, w: self.inner };
        let mut state = device.forward(&self.lift, x, Shape { n, c: 1, h: self.side, w: self.side }).await?;
        let per_step = self.b.len();
        for step in self.stages.chunks(per_step) {
            let mut ks: Vec<Vec<f32>> = Vec::with_capacity(per_step);
            for (i, [conv1, conv2]) in step.iter().enumerate() {
                let mut y = state.clone();
                for (k, &a) in ks.iter().zip(&self.a[i]) {
                    if a != 0.0 {
                        y.iter_mut().zip(k).for_each(|(y, &k)| *y += self.h * a * k);
                    }
                }
                let mut hidden = device.forward(conv1, &y, s).await?;
                hidden.iter_mut().for_each(|v| *v = v.tanh());
                ks.push(device.forward(conv2, &hidden, s).await?);
            }
            for (k, &b) in ks.iter().zip(&self.b) {
                if b != 0.0 {
                    state.iter_mut().zip(k).for_each(|(y, &k)| *y += self.h * b * k);
                }
            }
        }
        let classes = self.out_b.len();
        let plane = s.h * s.w;
        let mut logits = Vec::with_capacity(n * classes);
        for img in 0..n {
            let pooled: Vec<f32> =
                (0..c).map(|ch| state[(img * c + ch) * plane..][..plane].iter().sum::<f32>() / plane as f32).collect();
            for o in 0..classes {
                logits.push((0..c).fold(self.out_b[o], |z, ch| z + self.out_w[o * c + ch] * pooled[ch]));
            }
        }
        Ok(logits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::basis::{Basis, Family};
    use crate::num::ode::RK4;
    use ndarray::Array2;
    use rand::SeedableRng;

    #[test]
    fn the_f32_twin_gives_the_f64_models_scores() {
        let basis = Basis::new(Family::Pwl, 4).unwrap();
        let model = ImageModel::init(basis, 4, 16, 5, &mut rand_chacha::ChaCha8Rng::seed_from_u64(2));
        let x = Array2::from_shape_fn((3, 256), |(i, j)| ((i * 256 + j) as f64 * 0.21).sin().abs());
        let want = model.logits_in(x.view(), &RK4, 4).unwrap();
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let got = pollster::block_on(PackedImages::new(&model, &RK4, 4).logits(&mut Device::Twin, &x32)).unwrap();
        assert_eq!(got.len(), want.len());
        let err = got.iter().zip(want.iter()).fold(0.0f64, |m, (&a, &b)| m.max((a as f64 - b).abs()));
        assert!(err < 1e-4, "scores differ by {err}");
        // Control: evaluated with half the steps, the scores move by more than that.
        let coarse = pollster::block_on(PackedImages::new(&model, &RK4, 2).logits(&mut Device::Twin, &x32)).unwrap();
        let moved = coarse.iter().zip(&got).fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(moved as f64 > 10.0 * err.max(1e-7), "two steps moved the scores by only {moved}");
    }
}
