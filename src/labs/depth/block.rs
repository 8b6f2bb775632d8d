//! The ODE block: dh/dt = W2(t) tanh(W1(t) h + b1(t)) + b2(t), integrated by
//! an explicit Runge–Kutta tableau, with exact gradients.
//!
//! Each weight is a function of normalized depth t ∈ [0, 1] in a [`Basis`]:
//! `w1[k]` is the k-th coefficient matrix, so W1(t) = Σ_k φ_k(t) w1[k].
//! [`Block::forward`] can record a [`Tape`]; [`Block::backward`] then
//! backpropagates through every stage of every step (discretize, then
//! optimize) and returns the gradient of the input state and of every
//! coefficient. The Runge–Kutta recurrences are [`super::rk`]'s; this file
//! is the field of one stage and its backward pass.

use ndarray::{Array1, Array2, Array3, ArrayView2, Axis, Zip};
use rand::Rng;

use crate::num::basis::Basis;
use crate::num::ode::Tableau;
use crate::num::rng::gaussian;

use super::rk::{self, Field};
pub use super::rk::{Blowup, BLOWUP};

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub basis: Basis,
    /// State dimension.
    pub d: usize,
    /// Hidden width of the vector field.
    pub w: usize,
    /// `K × w × d`
    pub w1: Array3<f64>,
    /// `K × w`
    pub b1: Array2<f64>,
    /// `K × d × w`
    pub w2: Array3<f64>,
    /// `K × d`
    pub b2: Array2<f64>,
    /// Continuous-in-depth normalization of the hidden pre-activations, if on.
    pub norm: Option<Norm>,
}

/// Continuous-in-depth normalization: while training, each stage normalizes
/// `z = W1 y + b1` by its batch mean and variance; those statistics, recorded
/// at the stage depths, are fitted onto the basis by least squares
/// ([`NormFit`]) and used, as functions of depth, for evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct Norm {
    /// Fitted mean and variance coefficients (`K × w` each); `None` until
    /// the first fit, when evaluation uses batch statistics.
    pub stats: Option<(Array2<f64>, Array2<f64>)>,
}

/// Added to variances before the square root.
pub const NORM_EPS: f64 = 1e-5;

/// The weights at one depth: θ(t).
pub struct At {
    pub w1: Array2<f64>,
    pub b1: Array1<f64>,
    pub w2: Array2<f64>,
    pub b2: Array1<f64>,
}

/// What the forward pass keeps for the backward pass: per stage, the basis
/// values at its depth, its input state and its hidden activation.
pub type Tape = rk::Tape<Stage>;

/// One recorded stage of the dense field.
pub struct Stage {
    phi: Vec<f64>,
    y: Array2<f64>,
    /// tanh of the (normalized) pre-activation.
    a: Array2<f64>,
    norm: Option<StageNorm>,
}

/// A normalized stage: the normalized pre-activation ẑ, 1/σ, and the batch
/// mean and variance (recorded for [`NormFit`]).
struct StageNorm {
    zhat: Array2<f64>,
    inv: Array1<f64>,
    mean: Array1<f64>,
    var: Array1<f64>,
}

/// Least-squares fit of normalization statistics onto a basis:
/// accumulates Ψᵀ Ψ and Ψᵀ s over recorded stages, then solves
/// (Ψᵀ Ψ) c = Ψᵀ s. Depths never sampled (e.g. pwc cells finer than the
/// steps) take the average statistics, through a small ridge towards it.
pub struct NormFit {
    basis: Basis,
    /// Ψᵀ Ψ
    gram: Array2<f64>,
    /// Ψᵀ 1
    psum: Array1<f64>,
    /// Ψᵀ s for the means and the variances
    mean: Array2<f64>,
    var: Array2<f64>,
    /// Σ s over samples, and their count
    sum_mean: Array1<f64>,
    sum_var: Array1<f64>,
    count: f64,
}

impl NormFit {
    pub fn new(basis: Basis, w: usize) -> NormFit {
        NormFit {
            basis,
            gram: Array2::zeros((basis.k, basis.k)),
            psum: Array1::zeros(basis.k),
            mean: Array2::zeros((basis.k, w)),
            var: Array2::zeros((basis.k, w)),
            sum_mean: Array1::zeros(w),
            sum_var: Array1::zeros(w),
            count: 0.0,
        }
    }

    /// Adds every normalized stage of a training tape.
    pub fn record(&mut self, tape: &Tape) {
        for stage in &tape.stages {
            if let Some(StageNorm { mean, var, .. }) = &stage.norm {
                for i in 0..self.basis.k {
                    let p = stage.phi[i];
                    if p == 0.0 {
                        continue;
                    }
                    for j in 0..self.basis.k {
                        self.gram[(i, j)] += p * stage.phi[j];
                    }
                    self.psum[i] += p;
                    self.mean.row_mut(i).scaled_add(p, mean);
                    self.var.row_mut(i).scaled_add(p, var);
                }
                self.sum_mean += mean;
                self.sum_var += var;
                self.count += 1.0;
            }
        }
    }

    /// The fitted `(mean, var)` coefficients, or `None` if nothing was recorded.
    pub fn solve(&self) -> Option<(Array2<f64>, Array2<f64>)> {
        if self.count == 0.0 {
            return None;
        }
        let k = self.basis.k;
        let ones = self.basis.constant();
        let ridge = 1e-9 * self.count;
        let m = Array2::from_shape_fn((k, k), |(i, j)| self.gram[(i, j)] + if i == j { ridge } else { 0.0 });
        let llt = crate::num::linalg::Cholesky::new(&m)?;
        // θ(t) = avg + Σ c_k φ_k(t), with c fitted to the deviations s − avg:
        // (Ψᵀ Ψ + ridge) c = Ψᵀ s − (Ψᵀ 1) avgᵀ.
        let fit = |rhs: &Array2<f64>, sum: &Array1<f64>| -> Array2<f64> {
            let avg = sum / self.count;
            let b = Array2::from_shape_fn((k, rhs.ncols()), |(i, j)| rhs[(i, j)] - self.psum[i] * avg[j]);
            let c = llt.solve(&b);
            Array2::from_shape_fn(rhs.raw_dim(), |(i, j)| c[(i, j)] + ones[i] * avg[j])
        };
        let mean = fit(&self.mean, &self.sum_mean);
        let var = fit(&self.var, &self.sum_var).mapv(|v| v.max(0.0));
        Some((mean, var))
    }
}

impl Block {
    /// Random weights from `rng`, constant in depth: θ(t) ≡ θ₀ for every
    /// family (nodal families — whose functions sum to one — get θ₀ in every
    /// coefficient, orthonormal ones in the constant coefficient). Training
    /// then moves neighbouring depths apart only as far as the data asks,
    /// which keeps θ(t) smooth: the property that lets a trained model be
    /// re-integrated with other steps and compressed onto a smaller basis.
    pub fn init(basis: Basis, d: usize, w: usize, rng: &mut impl Rng) -> Block {
        let k = basis.k;
        let nodal = !matches!(basis.family, crate::num::basis::Family::Legendre | crate::num::basis::Family::Fourier);
        let w1_0 = Array2::from_shape_fn((w, d), |_| gaussian(rng) / (d as f64).sqrt());
        let b1_0 = Array1::from_shape_fn(w, |_| 0.1 * gaussian(rng));
        let w2_0 = Array2::from_shape_fn((d, w), |_| gaussian(rng) / (w as f64).sqrt());
        let keep = |kk: usize| if nodal || kk == 0 { 1.0 } else { 0.0 };
        let w1 = Array3::from_shape_fn((k, w, d), |(kk, i, j)| keep(kk) * w1_0[(i, j)]);
        let b1 = Array2::from_shape_fn((k, w), |(kk, i)| keep(kk) * b1_0[i]);
        let w2 = Array3::from_shape_fn((k, d, w), |(kk, i, j)| keep(kk) * w2_0[(i, j)]);
        let b2 = Array2::zeros((k, d));
        Block { basis, d, w, w1, b1, w2, b2, norm: None }
    }

    pub fn zeros_like(&self) -> Block {
        Block {
            basis: self.basis,
            d: self.d,
            w: self.w,
            w1: Array3::zeros(self.w1.raw_dim()),
            b1: Array2::zeros(self.b1.raw_dim()),
            w2: Array3::zeros(self.w2.raw_dim()),
            b2: Array2::zeros(self.b2.raw_dim()),
            norm: None,
        }
    }

    pub fn params(&self) -> usize {
        self.w1.len() + self.b1.len() + self.w2.len() + self.b2.len()
    }

    /// The coefficient arrays, for optimizers.
    pub fn tensors_mut(&mut self) -> [&mut [f64]; 4] {
        [
            self.w1.as_slice_mut().expect("standard layout"),
            self.b1.as_slice_mut().expect("standard layout"),
            self.w2.as_slice_mut().expect("standard layout"),
            self.b2.as_slice_mut().expect("standard layout"),
        ]
    }

    /// θ(t) from basis values `phi` = φ(t).
    pub fn at(&self, phi: &[f64]) -> At {
        let mut at = At {
            w1: Array2::zeros((self.w, self.d)),
            b1: Array1::zeros(self.w),
            w2: Array2::zeros((self.d, self.w)),
            b2: Array1::zeros(self.d),
        };
        for (k, &p) in phi.iter().enumerate() {
            if p != 0.0 {
                at.w1.scaled_add(p, &self.w1.index_axis(Axis(0), k));
                at.b1.scaled_add(p, &self.b1.index_axis(Axis(0), k));
                at.w2.scaled_add(p, &self.w2.index_axis(Axis(0), k));
                at.b2.scaled_add(p, &self.b2.index_axis(Axis(0), k));
            }
        }
        at
    }

    /// θ(t) for evaluation: with fitted normalization statistics, folded into
    /// the first layer, `W1 ← W1 / σ(t)`, `b1 ← (b1 − μ(t)) / σ(t)`, so that
    /// evaluating needs no normalization step (the GPU kernel relies on this).
    pub fn at_eval(&self, phi: &[f64]) -> At {
        let mut at = self.at(phi);
        if let Some(Norm { stats: Some((mean, var)) }) = &self.norm {
            let phi = ndarray::ArrayView1::from(phi);
            let mu = phi.dot(mean);
            let v = phi.dot(var);
            for u in 0..self.w {
                let inv = 1.0 / (v[u].max(0.0) + NORM_EPS).sqrt();
                at.w1.row_mut(u).mapv_inplace(|x| x * inv);
                at.b1[u] = (at.b1[u] - mu[u]) * inv;
            }
        }
        at
    }

    /// How far training moved θ(t) from constant in depth:
    /// `‖θ − θ̄‖ / ‖θ̄‖` in L²(0, 1) over every weight, where `θ̄` is the
    /// depth mean (the projection onto one constant piece), by the midpoint
    /// rule on 256 depths (exact for the piecewise-constant bases up to
    /// K = 256 cells). A block that starts constant in depth and is barely
    /// trained scores near 0, and then no projection can lose much.
    pub fn theta_variation(&self) -> f64 {
        let flat = |a: &At| a.w1.iter().chain(&a.b1).chain(&a.w2).chain(&a.b2).copied().collect::<Vec<f64>>();
        let one = Basis::new(crate::num::basis::Family::Pwc, 1).expect("one piece is a valid basis");
        rk::variation(&self.basis, &flat(&self.project(one).at(&[1.0])), |phi| flat(&self.at(phi)))
    }

    /// The block re-expressed in another basis by L2 projection of every weight.
    pub fn project(&self, to: Basis) -> Block {
        let p = crate::num::basis::projection(&self.basis, &to);
        let (w, d) = (self.w, self.d);
        let map2 = |a: &Array2<f64>| p.dot(a);
        let map3 = |a: &Array3<f64>, r: usize, c: usize| {
            let flat = a.to_shape((self.basis.k, r * c)).expect("contiguous").to_owned();
            p.dot(&flat).into_shape_with_order((to.k, r, c)).expect("same size")
        };
        let norm = self
            .norm
            .as_ref()
            .map(|n| Norm { stats: n.stats.as_ref().map(|(m, v)| (map2(m), map2(v).mapv(|x: f64| x.max(0.0)))) });
        Block {
            basis: to,
            d,
            w,
            w1: map3(&self.w1, w, d),
            b1: map2(&self.b1),
            w2: map3(&self.w2, d, w),
            b2: map2(&self.b2),
            norm,
        }
    }

    /// Integrates the batch `h0` (`batch × d`) over depth [0, 1] in `steps`
    /// steps of `tab`; `span` scales time (the step is `span / steps`) while
    /// the weights are read at normalized depth. Records a tape if given.
    pub fn forward(
        &self,
        tab: &Tableau,
        steps: usize,
        span: f64,
        h0: ArrayView2<f64>,
        tape: Option<&mut Tape>,
    ) -> Result<Array2<f64>, Blowup> {
        rk::forward(self, tab, steps, span, h0, tape)
    }

    /// Backpropagates `g_out` = ∂L/∂(final state) through the recorded
    /// forward pass. Returns ∂L/∂h0 and adds ∂L/∂(coefficients) into `grad`.
    pub fn backward(
        &self,
        tab: &Tableau,
        steps: usize,
        span: f64,
        tape: &Tape,
        g_out: Array2<f64>,
        grad: &mut Block,
    ) -> Array2<f64> {
        rk::backward(self, tab, steps, span, tape, g_out, grad)
    }
}

impl Field for Block {
    type Elem = f64;
    type Stage = Stage;

    fn basis(&self) -> &Basis {
        &self.basis
    }

    /// `k = W2 tanh(W1 y + b1) + b2` at θ(t). While training (and before
    /// any fit), the pre-activation is normalized by batch statistics;
    /// otherwise by the fitted ones, folded into the weights.
    fn stage(&self, phi: &[f64], y: Array2<f64>, train: bool) -> (Array2<f64>, Option<Stage>) {
        let batch_norm = self.norm.as_ref().is_some_and(|n| train || n.stats.is_none());
        let at = if batch_norm { self.at(phi) } else { self.at_eval(phi) };
        let mut z = y.dot(&at.w1.t());
        z += &at.b1;
        let norm = batch_norm.then(|| {
            let mean = z.mean_axis(Axis(0)).expect("a non-empty batch");
            z -= &mean;
            let var = z.mapv(|v| v * v).mean_axis(Axis(0)).expect("a non-empty batch");
            let inv = var.mapv(|v| 1.0 / (v + NORM_EPS).sqrt());
            z *= &inv;
            StageNorm { zhat: z.clone(), inv, mean, var }
        });
        crate::num::elementary::tanh_in_place(z.as_slice_mut().expect("a fresh product is contiguous"));
        let mut k = z.dot(&at.w2.t());
        k += &at.b2;
        let stage = train.then(|| Stage { phi: phi.to_vec(), y, a: z, norm });
        (k, stage)
    }

    fn stage_backward(&self, stage: &Stage, gki: &Array2<f64>, grad: &mut Block) -> Array2<f64> {
        let Stage { phi, y, a, norm } = stage;
        let at = self.at(phi);
        // k = a W2ᵀ + b2
        let gw2 = gki.t().dot(a);
        let gb2 = gki.sum_axis(Axis(0));
        let mut gz = gki.dot(&at.w2);
        // a = tanh z
        Zip::from(&mut gz).and(a).for_each(|g, &a| *g *= 1.0 - a * a);
        // ẑ = (z − μ_B) / σ_B: gz = (gẑ − mean(gẑ) − ẑ mean(gẑ ẑ)) / σ_B
        if let Some(StageNorm { zhat, inv, .. }) = norm {
            let mean_g = gz.mean_axis(Axis(0)).expect("a non-empty batch");
            let mean_gz = (&gz * zhat).mean_axis(Axis(0)).expect("a non-empty batch");
            gz = (&gz - &mean_g - &(zhat * &mean_gz)) * inv;
        }
        let gw1 = gz.t().dot(y);
        let gb1 = gz.sum_axis(Axis(0));
        let gy = gz.dot(&at.w1);
        for (k, &p) in phi.iter().enumerate() {
            if p != 0.0 {
                grad.w1.index_axis_mut(Axis(0), k).scaled_add(p, &gw1);
                grad.b1.index_axis_mut(Axis(0), k).scaled_add(p, &gb1);
                grad.w2.index_axis_mut(Axis(0), k).scaled_add(p, &gw2);
                grad.b2.index_axis_mut(Axis(0), k).scaled_add(p, &gb2);
            }
        }
        gy
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::basis::Family;
    use crate::num::ode;
    use rand::SeedableRng;

    fn block(family: Family, k: usize, seed: u64) -> Block {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut b = Block::init(Basis::new(family, family.valid_size(k)).unwrap(), 3, 4, &mut rng);
        // Give every coefficient (and b2) a value so no gradient is trivially zero.
        for t in b.tensors_mut() {
            for (i, v) in t.iter_mut().enumerate() {
                *v += 0.3 * ((i as f64 * 1.7 + seed as f64).sin());
            }
        }
        b
    }

    /// L = Σ c ⊙ h(1) for a fixed c, so ∂L/∂h(1) = c.
    fn loss(b: &Block, tab: &Tableau, steps: usize, h0: &Array2<f64>, c: &Array2<f64>) -> f64 {
        (b.forward(tab, steps, 1.0, h0.view(), None).unwrap() * c).sum()
    }

    #[test]
    fn gradients_match_central_differences() {
        let h0 = Array2::from_shape_fn((5, 3), |(i, j)| ((i * 3 + j) as f64 * 0.37).sin());
        let c = Array2::from_shape_fn((5, 3), |(i, j)| ((i + 2 * j) as f64 * 0.53).cos());
        for tab in ode::ALL {
            for family in [Family::Pwc, Family::Pwl, Family::Fem, Family::Legendre, Family::Fourier] {
                let steps = 3;
                let b = block(family, 4, 11);
                let mut tape = Tape::default();
                b.forward(tab, steps, 1.0, h0.view(), Some(&mut tape)).unwrap();
                let mut grad = b.zeros_like();
                let gh0 = b.backward(tab, steps, 1.0, &tape, c.clone(), &mut grad);
                let eps = 1e-6;
                let check = |analytic: f64, plus: f64, minus: f64, what: &str| {
                    let numeric = (plus - minus) / (2.0 * eps);
                    let err = (analytic - numeric).abs() / (1.0 + numeric.abs());
                    assert!(err < 1e-6, "{} {family:?} {what}: analytic {analytic}, numeric {numeric}", tab.name);
                };
                // Every coefficient of every parameter kind.
                for t in 0..4 {
                    let len = b.clone().tensors_mut()[t].len();
                    for i in 0..len {
                        let (mut p, mut m) = (b.clone(), b.clone());
                        p.tensors_mut()[t][i] += eps;
                        m.tensors_mut()[t][i] -= eps;
                        let analytic = grad.clone().tensors_mut()[t][i];
                        check(
                            analytic,
                            loss(&p, tab, steps, &h0, &c),
                            loss(&m, tab, steps, &h0, &c),
                            &format!("tensor {t}[{i}]"),
                        );
                    }
                }
                // The input state.
                for i in 0..h0.len() {
                    let (mut p, mut m) = (h0.clone(), h0.clone());
                    p.as_slice_mut().unwrap()[i] += eps;
                    m.as_slice_mut().unwrap()[i] -= eps;
                    check(gh0.as_slice().unwrap()[i], loss(&b, tab, steps, &p, &c), loss(&b, tab, steps, &m, &c), "h0");
                }
            }
        }
    }

    #[test]
    fn gradients_through_batch_normalization_match_central_differences() {
        let h0 = Array2::from_shape_fn((6, 3), |(i, j)| ((i * 3 + j) as f64 * 0.41).sin());
        let c = Array2::from_shape_fn((6, 3), |(i, j)| ((i + 2 * j) as f64 * 0.29).cos());
        // Training mode (a tape is recorded) normalizes by batch statistics.
        let train_loss = |b: &Block, tab: &Tableau, h0: &Array2<f64>| {
            (b.forward(tab, 2, 1.0, h0.view(), Some(&mut Tape::default())).unwrap() * &c).sum()
        };
        for (tab, family) in [(&ode::RK4, Family::Fem), (&ode::HEUN, Family::Legendre), (&ode::EULER, Family::Pwc)] {
            let mut b = block(family, 3, 2);
            b.norm = Some(Norm { stats: None });
            let mut tape = Tape::default();
            b.forward(tab, 2, 1.0, h0.view(), Some(&mut tape)).unwrap();
            let mut grad = b.zeros_like();
            let gh0 = b.backward(tab, 2, 1.0, &tape, c.clone(), &mut grad);
            let eps = 1e-6;
            for t in 0..4 {
                for i in 0..b.clone().tensors_mut()[t].len() {
                    let (mut p, mut m) = (b.clone(), b.clone());
                    p.tensors_mut()[t][i] += eps;
                    m.tensors_mut()[t][i] -= eps;
                    let numeric = (train_loss(&p, tab, &h0) - train_loss(&m, tab, &h0)) / (2.0 * eps);
                    let analytic = grad.clone().tensors_mut()[t][i];
                    assert!(
                        (analytic - numeric).abs() < 1e-6 * (1.0 + numeric.abs()),
                        "{} {family:?} tensor {t}[{i}]: {analytic} vs {numeric}",
                        tab.name
                    );
                }
            }
            for i in 0..h0.len() {
                let (mut p, mut m) = (h0.clone(), h0.clone());
                p.as_slice_mut().unwrap()[i] += eps;
                m.as_slice_mut().unwrap()[i] -= eps;
                let numeric = (train_loss(&b, tab, &p) - train_loss(&b, tab, &m)) / (2.0 * eps);
                let analytic = gh0.as_slice().unwrap()[i];
                assert!((analytic - numeric).abs() < 1e-6 * (1.0 + numeric.abs()), "{}: h0[{i}]", tab.name);
            }
        }
    }

    #[test]
    fn fitted_statistics_reproduce_the_batch_statistics_at_recorded_depths() {
        // Euler with pwc and K = steps: one stage per cell, so the fit interpolates.
        let mut b = block(Family::Pwc, 4, 8);
        b.norm = Some(Norm { stats: None });
        let h0 = Array2::from_shape_fn((16, 3), |(i, j)| ((i * 5 + j) as f64 * 0.23).cos());
        let mut tape = Tape::default();
        let trained = b.forward(&ode::EULER, 4, 1.0, h0.view(), Some(&mut tape)).unwrap();
        let mut fit = NormFit::new(b.basis, b.w);
        fit.record(&tape);
        b.norm = Some(Norm { stats: fit.solve() });
        // Evaluation mode now uses the fitted functions of depth: same output.
        let evaluated = b.forward(&ode::EULER, 4, 1.0, h0.view(), None).unwrap();
        let worst = (&trained - &evaluated).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(worst < 1e-6, "{worst}");
        // And the statistics survive projection onto the same basis.
        let same = b.project(b.basis);
        assert_eq!(
            same.forward(&ode::EULER, 4, 1.0, h0.view(), None).unwrap().map(|v| (v * 1e9).round()),
            evaluated.map(|v| (v * 1e9).round())
        );
    }

    #[test]
    fn euler_with_pwc_and_k_equal_steps_is_a_resnet_bit_for_bit() {
        let steps = 6;
        let b = block(Family::Pwc, steps, 3);
        let h0 = Array2::from_shape_fn((7, 3), |(i, j)| (i as f64 - j as f64 * 0.7).sin());
        let ode_out = b.forward(&ode::EULER, steps, 1.0, h0.view(), None).unwrap();
        // The ResNet: x ← x + h f(x; θ_n), layer n using slice n, written out by hand.
        let h = 1.0 / steps as f64;
        let mut x = h0.clone();
        for n in 0..steps {
            let mut z = x.dot(&b.w1.index_axis(Axis(0), n).t());
            z += &b.b1.index_axis(Axis(0), n);
            crate::num::elementary::tanh_in_place(z.as_slice_mut().expect("a fresh product is contiguous"));
            let mut f = z.dot(&b.w2.index_axis(Axis(0), n).t());
            f += &b.b2.index_axis(Axis(0), n);
            x.scaled_add(h, &f);
        }
        assert_eq!(ode_out, x);
    }

    #[test]
    fn blowup_is_reported_not_returned() {
        let mut b = block(Family::Pwc, 2, 5);
        b.w2.mapv_inplace(|v| v * 1e9);
        b.b2.fill(1e9);
        let h0 = Array2::from_elem((2, 3), 1.0);
        let err = b.forward(&ode::RK4, 4, 1.0, h0.view(), None).unwrap_err();
        assert!(err.quantity.contains("hidden state"), "{}", err.quantity);
    }
}
