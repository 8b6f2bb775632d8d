//! Runge–Kutta over depth with exact gradients, for any vector field whose
//! weights are functions of depth in a basis (the dense [`super::block::Block`]
//! and the convolutional [`super::image::ConvBlock`]).
//!
//! One step of size `h` of an explicit tableau `(a, b, c)` from state `y_n`:
//! `Y_i = y_n + h Σ_{j<i} a_ij k_j`, `k_i = f(Y_i; θ(t_n + c_i Δt))`,
//! `y_{n+1} = y_n + h Σ_i b_i k_i`, with `Δt = 1/steps` the step in
//! normalized depth and `h = span · Δt` the step in time. [`backward`]
//! runs the same recurrences in reverse (discretize, then optimize), so its
//! gradient is the exact gradient of what [`forward`] computed: of
//! `∂L/∂k_i`, each stage's own backward gives `∂L/∂Y_i` and the weights'
//! share, and `∂L/∂Y_i` flows to `∂L/∂y_n` and to `∂L/∂k_j` through `h a_ij`.

use ndarray::{Array2, ArrayView2};

use crate::num::basis::Basis;
use crate::num::mlp::Real;
use crate::num::ode::Tableau;

/// A state norm beyond which we call the integration blown up.
pub const BLOWUP: f64 = 1e6;

/// An integration that produced NaN or a state beyond [`BLOWUP`].
#[derive(Clone, Debug, PartialEq)]
pub struct Blowup {
    /// What blew up, for people: e.g. "the hidden state at depth t = 0.625".
    pub quantity: String,
}

/// A vector field `f(y; θ(t))` whose weights θ are functions of depth.
pub trait Field {
    /// The float the states are in (the step sizes and tableau
    /// coefficients, f64, are rounded to it).
    type Elem: Real;
    /// What one stage keeps for the backward pass.
    type Stage;
    fn basis(&self) -> &Basis;
    /// `k = f(y; θ(t))`, given `phi` = φ(t), for a batch of states `y` (one
    /// per row). With `train`, also the stage's record (it may keep `y`).
    fn stage(&self, phi: &[f64], y: Array2<Self::Elem>, train: bool) -> (Array2<Self::Elem>, Option<Self::Stage>);
    /// Given `gk = ∂L/∂k` of a recorded stage: adds the weights' gradient
    /// into `grad` and returns `∂L/∂y`.
    fn stage_backward(&self, stage: &Self::Stage, gk: &Array2<Self::Elem>, grad: &mut Self) -> Array2<Self::Elem>;
}

/// What [`forward`] records for [`backward`]: every stage of every step.
pub struct Tape<S> {
    pub(super) stages: Vec<S>,
}

impl<S> Default for Tape<S> {
    fn default() -> Self {
        Tape { stages: Vec::new() }
    }
}

/// Integrates the batch `h0` (one state per row) over depth [0, 1] in
/// `steps` steps of `tab`; `span` scales time (the step is `span / steps`)
/// while the weights are read at normalized depth. Records a tape if given
/// (and the field then runs in training mode).
pub fn forward<F: Field>(
    field: &F,
    tab: &Tableau,
    steps: usize,
    span: f64,
    h0: ArrayView2<F::Elem>,
    mut tape: Option<&mut Tape<F::Stage>>,
) -> Result<Array2<F::Elem>, Blowup> {
    let of = <F::Elem as Real>::of;
    let h = span / steps as f64;
    let dt = 1.0 / steps as f64;
    let mut state = h0.to_owned();
    let mut phi = vec![0.0; field.basis().k];
    let mut ks: Vec<Array2<F::Elem>> = Vec::with_capacity(tab.stages());
    if let Some(tape) = tape.as_deref_mut() {
        tape.stages.clear();
    }
    for n in 0..steps {
        ks.clear();
        for i in 0..tab.stages() {
            let mut y = state.clone();
            for (j, &a) in tab.a[i].iter().enumerate() {
                if a != 0.0 {
                    y.scaled_add(of(h * a), &ks[j]);
                }
            }
            field.basis().eval(tab.stage_time(i, n as f64 * dt, dt), &mut phi);
            let (k, stage) = field.stage(&phi, y, tape.is_some());
            if let (Some(tape), Some(stage)) = (tape.as_deref_mut(), stage) {
                tape.stages.push(stage);
            }
            ks.push(k);
        }
        for (i, k) in ks.iter().enumerate() {
            if tab.b[i] != 0.0 {
                state.scaled_add(of(h * tab.b[i]), k);
            }
        }
        let worst = state.iter().fold(0.0f64, |m, v| {
            let v = num_traits::ToPrimitive::to_f64(v).expect("a float");
            if v.is_nan() {
                f64::INFINITY
            } else {
                m.max(v.abs())
            }
        });
        if worst > BLOWUP {
            return Err(Blowup {
                quantity: format!(
                    "the hidden state at depth t = {:.3} (|h| = {})",
                    (n + 1) as f64 * dt,
                    if worst.is_finite() { format!("{worst:.3e}") } else { "NaN or ∞".into() }
                ),
            });
        }
    }
    Ok(state)
}

/// Backpropagates `g_out` = ∂L/∂(final state) through the recorded
/// forward pass. Returns ∂L/∂h0 and adds ∂L/∂(coefficients) into `grad`.
pub fn backward<F: Field>(
    field: &F,
    tab: &Tableau,
    steps: usize,
    span: f64,
    tape: &Tape<F::Stage>,
    g_out: Array2<F::Elem>,
    grad: &mut F,
) -> Array2<F::Elem> {
    let of = <F::Elem as Real>::of;
    let h = span / steps as f64;
    let s = tab.stages();
    assert_eq!(tape.stages.len(), steps * s, "tape from another integration");
    let mut g = g_out;
    for n in (0..steps).rev() {
        let mut gk: Vec<Array2<F::Elem>> = (0..s).map(|i| &g * of(h * tab.b[i])).collect();
        let mut g_state = g.clone();
        for i in (0..s).rev() {
            let gy = field.stage_backward(&tape.stages[n * s + i], &gk[i], grad);
            for (j, &aij) in tab.a[i].iter().enumerate() {
                if aij != 0.0 {
                    gk[j].scaled_add(of(h * aij), &gy);
                }
            }
            g_state += &gy;
        }
        g = g_state;
    }
    g
}

/// How far a block's weights move from constant in depth,
/// `‖θ − θ̄‖ / ‖θ̄‖` in L²(0, 1) over every weight, by the midpoint rule on
/// 256 depths (exact for the piecewise-constant bases up to K = 256 cells):
/// `at(φ)` is every weight at basis values φ, flattened, and `mean` the
/// same for the depth mean θ̄ (the projection onto one constant piece).
pub fn variation(basis: &Basis, mean: &[f64], at: impl Fn(&[f64]) -> Vec<f64>) -> f64 {
    let mut phi = vec![0.0; basis.k];
    let (mut off, n) = (0.0, 256);
    for i in 0..n {
        basis.eval((i as f64 + 0.5) / n as f64, &mut phi);
        off += at(&phi).iter().zip(mean).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / n as f64;
    }
    let scale = mean.iter().map(|v| v * v).sum::<f64>();
    (off / scale.max(f64::MIN_POSITIVE)).sqrt()
}
