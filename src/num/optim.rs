//! Adam (Kingma & Ba) with optional decoupled weight decay (AdamW,
//! Loshchilov & Hutter), and gradient clipping by global norm.

use crate::num::mlp::Real;

#[derive(Clone)]
pub struct Adam<T: Real = f64> {
    pub lr: f64,
    /// Decoupled weight decay: `p -= lr · weight_decay · p` before each step (0: plain Adam).
    pub weight_decay: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    t: i32,
    m: Vec<Vec<T>>,
    v: Vec<Vec<T>>,
}

impl<T: Real> Adam<T> {
    pub fn new(lr: f64) -> Adam<T> {
        Adam { lr, weight_decay: 0.0, beta1: 0.9, beta2: 0.999, eps: 1e-8, t: 0, m: Vec::new(), v: Vec::new() }
    }

    /// One update of `params` (slices in a fixed order) along `grads` (same shapes).
    pub fn step(&mut self, params: Vec<&mut [T]>, grads: &[Vec<T>]) {
        if self.m.is_empty() {
            self.m = grads.iter().map(|g| vec![T::zero(); g.len()]).collect();
            self.v = self.m.clone();
        }
        self.t += 1;
        let c1 = 1.0 - self.beta1.powi(self.t);
        let c2 = 1.0 - self.beta2.powi(self.t);
        let (lr, decay, beta1, beta2, eps) =
            (T::of(self.lr), T::of(self.weight_decay), T::of(self.beta1), T::of(self.beta2), T::of(self.eps));
        let (c1, c2) = (T::of(c1), T::of(c2));
        for (((p, g), m), v) in params.into_iter().zip(grads).zip(&mut self.m).zip(&mut self.v) {
            assert_eq!(p.len(), g.len(), "parameter and gradient shapes differ");
            // Zipped rather than indexed: without bounds checks the compiler
            // runs several parameters per instruction (square root and
            // division included, which round exactly as the scalar ones).
            for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                *p -= lr * decay * *p;
                *m = beta1 * *m + (T::one() - beta1) * g;
                *v = beta2 * *v + (T::one() - beta2) * g * g;
                *p -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
            }
        }
    }
}

/// Scales `grads` so their joint Euclidean norm is at most `max` (as
/// PyTorch's `clip_grad_norm_`); returns the norm before clipping.
pub fn clip_global_norm<T: Real>(grads: &mut [Vec<T>], max: f64) -> f64 {
    let norm = grads.iter().flatten().fold(T::zero(), |s, &g| s + g * g).sqrt();
    let norm = norm.to_f64().unwrap_or(f64::NAN);
    if norm > max {
        let scale = T::of(max / (norm + 1e-6));
        grads.iter_mut().flatten().for_each(|g| *g *= scale);
    }
    norm
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimizes_a_quadratic() {
        let mut x = vec![3.0f64, -2.0];
        let mut adam = Adam::new(0.1);
        for _ in 0..500 {
            let g = vec![2.0 * (x[0] - 1.0), 2.0 * (x[1] + 0.5)];
            adam.step(vec![&mut x], &[g]);
        }
        assert!((x[0] - 1.0).abs() < 1e-3 && (x[1] + 0.5).abs() < 1e-3, "{x:?}");
    }

    #[test]
    fn weight_decay_shrinks_parameters_without_gradient() {
        let mut x = vec![2.0f64];
        let mut adamw = Adam::new(0.1);
        adamw.weight_decay = 0.5;
        adamw.step(vec![&mut x], &[vec![0.0]]);
        assert!((x[0] - 2.0 * (1.0 - 0.05)).abs() < 1e-12, "{x:?}");
    }

    #[test]
    fn clipping_bounds_the_joint_norm_and_keeps_direction() {
        let mut g = vec![vec![3.0f64], vec![4.0]];
        assert_eq!(clip_global_norm(&mut g, 1.0), 5.0);
        assert!((g[0][0] - 0.6).abs() < 1e-6 && (g[1][0] - 0.8).abs() < 1e-6, "{g:?}");
        let mut small = vec![vec![0.1]];
        clip_global_norm(&mut small, 1.0);
        assert_eq!(small[0][0], 0.1);
    }
}
