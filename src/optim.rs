//! Adam (Kingma & Ba), over a model's parameter slices.

pub struct Adam {
    pub lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    t: i32,
    m: Vec<Vec<f64>>,
    v: Vec<Vec<f64>>,
}

impl Adam {
    pub fn new(lr: f64) -> Adam {
        Adam { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, t: 0, m: Vec::new(), v: Vec::new() }
    }

    /// One update of `params` (slices in a fixed order) along `grads` (same shapes).
    pub fn step(&mut self, params: Vec<&mut [f64]>, grads: &[Vec<f64>]) {
        if self.m.is_empty() {
            self.m = grads.iter().map(|g| vec![0.0; g.len()]).collect();
            self.v = self.m.clone();
        }
        self.t += 1;
        let c1 = 1.0 - self.beta1.powi(self.t);
        let c2 = 1.0 - self.beta2.powi(self.t);
        for (((p, g), m), v) in params.into_iter().zip(grads).zip(&mut self.m).zip(&mut self.v) {
            assert_eq!(p.len(), g.len(), "parameter and gradient shapes differ");
            for i in 0..p.len() {
                m[i] = self.beta1 * m[i] + (1.0 - self.beta1) * g[i];
                v[i] = self.beta2 * v[i] + (1.0 - self.beta2) * g[i] * g[i];
                p[i] -= self.lr * (m[i] / c1) / ((v[i] / c2).sqrt() + self.eps);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimizes_a_quadratic() {
        let mut x = vec![3.0, -2.0];
        let mut adam = Adam::new(0.1);
        for _ in 0..500 {
            let g = vec![2.0 * (x[0] - 1.0), 2.0 * (x[1] + 0.5)];
            adam.step(vec![&mut x], &[g]);
        }
        assert!((x[0] - 1.0).abs() < 1e-3 && (x[1] + 0.5).abs() < 1e-3, "{x:?}");
    }
}
