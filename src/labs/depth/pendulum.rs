//! The learned-dynamics study ("ResNets are not meaningful integrators"):
//! fit a 2 → 50 → 2 tanh vector field to pendulum trajectories sampled at Δt,
//! one step of a Runge–Kutta scheme per sample, then integrate the learned
//! field to T = 2 with ever smaller steps h. A field trained with an accurate
//! scheme converges towards the true pendulum as h → 0; one trained with
//! Euler learns Euler's error into the field, and stops improving.

use ndarray::{Array2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::labs::depth::block::{Block, Tape};
use crate::num::basis::{Basis, Family};
use crate::num::ode::{dopri5, Tableau};
use crate::num::optim::Adam;
use crate::num::pendulum::G;

/// Hidden width of the learned field, as in the published toy study.
pub const WIDTH: usize = 50;
/// Where the convergence study starts: θ0 = 3π/4 at rest.
pub const X0: [f64; 2] = [3.0 * std::f64::consts::FRAC_PI_4, 0.0];
/// The convergence study's horizon.
pub const HORIZON: f64 = 2.0;
/// Step sizes of the convergence study.
pub const STEP_SIZES: [f64; 9] = [0.4, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001];

/// The true pendulum state after time `t` from `x0`, to 1e-11.
pub fn truth(x0: [f64; 2], t: f64) -> [f64; 2] {
    let mut y = x0;
    dopri5(|_, y, dy| (dy[0], dy[1]) = (y[1], -G * y[0].sin()), 0.0, t, &mut y, 1e-12, 1e-12);
    y
}

/// Training pairs (x(t), x(t + dt)) from 16 seeded trajectories. Every
/// trajectory spans the same time, [`HORIZON`], whatever `dt`: its `P =
/// min(40, HORIZON/dt)` pairs start every `HORIZON/P` (consecutive samples
/// when `dt ≥ HORIZON/40`, spread over the span below that). Data covering
/// less time at small `dt` would make the study measure extrapolation, not
/// the scheme.
pub fn pairs(dt: f64, seed: u64) -> (Array2<f64>, Array2<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9e4d_0105);
    let per = ((HORIZON / dt).round() as usize).clamp(1, 40);
    let stride = HORIZON / per as f64;
    let (mut from, mut to) = (Vec::new(), Vec::new());
    for _ in 0..16 {
        let mut x = [rng.random_range(-2.5..2.5), rng.random_range(-1.0..1.0)];
        for _ in 0..per {
            let next = truth(x, dt);
            from.extend_from_slice(&x);
            to.extend_from_slice(&next);
            x = if stride == dt { next } else { truth(x, stride) };
        }
    }
    let n = from.len() / 2;
    (Array2::from_shape_vec((n, 2), from).expect("pairs"), Array2::from_shape_vec((n, 2), to).expect("pairs"))
}

#[derive(Clone, Debug, Serialize)]
pub struct Point {
    pub h: f64,
    pub error: f64,
}

/// A field in training, an epoch at a time (the depth driver's pendulum
/// units): one `scheme` step of size `dt` per pair, Adam on the mean
/// squared endpoint error, the pairs shuffled every epoch.
pub struct Fit {
    pub field: Block,
    /// The last finished epoch's mean training loss.
    pub loss: f64,
    pub epochs_run: usize,
    /// Set when training blew up: what did.
    pub diverged: Option<String>,
    scheme: &'static Tableau,
    dt: f64,
    batch: usize,
    x: Array2<f64>,
    y: Array2<f64>,
    rng: ChaCha8Rng,
    adam: Adam,
}

impl Fit {
    pub fn new(scheme: &'static Tableau, dt: f64, lr: f64, batch: usize, seed: u64) -> Fit {
        let (x, y) = pairs(dt, seed);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let basis = Basis::new(Family::Pwc, 1).expect("K = 1 is valid");
        let field = Block::init(basis, 2, WIDTH, &mut rng);
        let batch = batch.max(1);
        Fit { field, loss: f64::NAN, epochs_run: 0, diverged: None, scheme, dt, batch, x, y, rng, adam: Adam::new(lr) }
    }

    /// One epoch; its mean loss, or `None` if training blew up (see
    /// [`Fit::diverged`]) or had already.
    pub fn epoch(&mut self) -> Option<f64> {
        if self.diverged.is_some() {
            return None;
        }
        let (scheme, dt) = (self.scheme, self.dt);
        let n = self.x.nrows();
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, self.rng.random_range(0..=i));
        }
        let mut total = 0.0;
        for chunk in order.chunks(self.batch) {
            let xb = self.x.select(Axis(0), chunk);
            let yb = self.y.select(Axis(0), chunk);
            let mut tape = Tape::default();
            let pred = match self.field.forward(scheme, 1, dt, xb.view(), Some(&mut tape)) {
                Ok(p) => p,
                Err(b) => {
                    self.diverged = Some(b.quantity);
                    return None;
                }
            };
            let diff = &pred - &yb;
            let m = chunk.len() as f64;
            total += diff.mapv(|v| v * v).sum();
            let mut grad = self.field.zeros_like();
            self.field.backward(scheme, 1, dt, &tape, diff * (2.0 / m), &mut grad);
            let grads: Vec<Vec<f64>> = grad.tensors_mut().into_iter().map(|g| g.to_vec()).collect();
            if grads.iter().flatten().any(|g| !g.is_finite()) {
                self.diverged = Some("the gradient".into());
                return None;
            }
            self.adam.step(self.field.tensors_mut().into_iter().collect(), &grads);
        }
        self.epochs_run += 1;
        self.loss = total / n as f64;
        if !self.loss.is_finite() {
            self.diverged = Some("the training loss".into());
            return None;
        }
        Some(self.loss)
    }
}

/// Endpoint error at T = 2 of the learned field integrated with `scheme` at
/// each step size, against the true pendulum.
pub fn convergence(field: &Block, scheme: &Tableau) -> Vec<Point> {
    let exact = truth(X0, HORIZON);
    let x0 = Array2::from_shape_vec((1, 2), X0.to_vec()).expect("one state");
    STEP_SIZES
        .iter()
        .map(|&h| {
            let steps = (HORIZON / h).round() as usize;
            let error = match field.forward(scheme, steps, HORIZON, x0.view(), None) {
                Ok(x) => ((x[(0, 0)] - exact[0]).powi(2) + (x[(0, 1)] - exact[1]).powi(2)).sqrt(),
                Err(_) => f64::INFINITY,
            };
            Point { h, error }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truth_conserves_energy() {
        let energy = |x: [f64; 2]| 0.5 * x[1] * x[1] - G * x[0].cos();
        let x = truth(X0, HORIZON);
        assert!((energy(x) - energy(X0)).abs() < 1e-8);
    }

    #[test]
    fn pairs_are_one_true_step_apart() {
        let (x, y) = pairs(0.1, 1);
        assert_eq!(x.nrows(), 16 * 20);
        let next = truth([x[(0, 0)], x[(0, 1)]], 0.1);
        assert!((next[0] - y[(0, 0)]).abs() < 1e-12 && (next[1] - y[(0, 1)]).abs() < 1e-12);
    }
}
