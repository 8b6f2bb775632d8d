//! Explicit Runge–Kutta integrators.
//!
//! Butcher tableaux are data ([`Tableau`]), and one generic stepper
//! ([`step`]) serves all of them, in f32 or f64, over a flat state — a batch of
//! states is just a longer slice. [`dopri5`] is an adaptive Dormand–Prince 5(4)
//! integrator for reference trajectories.

use num_traits::Float;

/// A Butcher tableau: `k_i = f(t + c_i h, y + h Σ_j a_ij k_j)`, `y' = y + h Σ b_i k_i`.
#[derive(Debug, PartialEq)]
pub struct Tableau {
    /// The name used in links (`scheme=`).
    pub name: &'static str,
    /// Strictly lower-triangular rows; row `i` has `i` entries.
    pub a: &'static [&'static [f64]],
    pub b: &'static [f64],
    pub c: &'static [f64],
    /// Classical order of accuracy.
    pub order: u32,
}

/// How far below the end of its depth cell a stage with `c = 1` is evaluated,
/// as in the ContinuousNet code: a piecewise weight function then still takes
/// the current cell's value, not the next one's.
pub const LAST_STAGE_INSET: f64 = 1e-5;

pub const EULER: Tableau = Tableau { name: "euler", a: &[&[]], b: &[1.0], c: &[0.0], order: 1 };
pub const MIDPOINT: Tableau = Tableau { name: "midpoint", a: &[&[], &[0.5]], b: &[0.0, 1.0], c: &[0.0, 0.5], order: 2 };
pub const HEUN: Tableau = Tableau { name: "heun", a: &[&[], &[1.0]], b: &[0.5, 0.5], c: &[0.0, 1.0], order: 2 };
pub const RK3: Tableau = Tableau {
    name: "rk3",
    a: &[&[], &[0.5], &[-1.0, 2.0]],
    b: &[1.0 / 6.0, 2.0 / 3.0, 1.0 / 6.0],
    c: &[0.0, 0.5, 1.0],
    order: 3,
};
pub const RK4: Tableau = Tableau {
    name: "rk4",
    a: &[&[], &[0.5], &[0.0, 0.5], &[0.0, 0.0, 1.0]],
    b: &[1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0],
    c: &[0.0, 0.5, 0.5, 1.0],
    order: 4,
};
pub const RK38: Tableau = Tableau {
    name: "rk38",
    a: &[&[], &[1.0 / 3.0], &[-1.0 / 3.0, 1.0], &[1.0, -1.0, 1.0]],
    b: &[1.0 / 8.0, 3.0 / 8.0, 3.0 / 8.0, 1.0 / 8.0],
    c: &[0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0],
    order: 4,
};

/// Every tableau, from first order up.
pub const ALL: [&Tableau; 6] = [&EULER, &MIDPOINT, &HEUN, &RK3, &RK4, &RK38];

/// The names of [`ALL`], in its order, for knob tables (a `const` list of
/// names cannot be mapped from `ALL` in Rust yet; a test checks they agree).
pub const SCHEMES: &[&str] = &["euler", "midpoint", "heun", "rk3", "rk4", "rk38"];

impl Tableau {
    pub fn by_name(name: &str) -> Option<&'static Tableau> {
        ALL.into_iter().find(|t| t.name == name)
    }

    pub fn stages(&self) -> usize {
        self.b.len()
    }

    /// The time at which stage `i` of the step `[t, t + h]` is evaluated.
    pub fn stage_time(&self, i: usize, t: f64, h: f64) -> f64 {
        if self.c[i] >= 1.0 {
            (t + h - LAST_STAGE_INSET).max(t)
        } else {
            t + self.c[i] * h
        }
    }
}

/// Scratch space for [`step`], reused across steps to avoid allocation.
pub struct Work<T> {
    k: Vec<Vec<T>>,
    stage: Vec<T>,
}

impl<T: Float> Work<T> {
    pub fn new(tab: &Tableau, len: usize) -> Work<T> {
        Work { k: vec![vec![T::zero(); len]; tab.stages()], stage: vec![T::zero(); len] }
    }
}

/// Advances `y` from `t` to `t + h` with `tab`. `f(t, y, dy)` writes `dy = f(t, y)`.
pub fn step<T: Float>(
    tab: &Tableau,
    f: &mut impl FnMut(f64, &[T], &mut [T]),
    t: f64,
    h: f64,
    y: &mut [T],
    work: &mut Work<T>,
) {
    let s = tab.stages();
    let ht = T::from(h).expect("h fits in T");
    for i in 0..s {
        work.stage.copy_from_slice(y);
        for (j, &a) in tab.a[i].iter().enumerate() {
            if a != 0.0 {
                let ha = ht * T::from(a).expect("a fits in T");
                for (x, k) in work.stage.iter_mut().zip(&work.k[j]) {
                    *x = *x + ha * *k;
                }
            }
        }
        let (_, rest) = work.k.split_at_mut(i);
        f(tab.stage_time(i, t, h), &work.stage, &mut rest[0]);
    }
    for i in 0..s {
        let hb = ht * T::from(tab.b[i]).expect("b fits in T");
        if tab.b[i] != 0.0 {
            for (x, k) in y.iter_mut().zip(&work.k[i]) {
                *x = *x + hb * *k;
            }
        }
    }
}

/// Integrates `y` from `t0` to `t1` in `steps` equal steps.
pub fn integrate<T: Float>(
    tab: &Tableau,
    mut f: impl FnMut(f64, &[T], &mut [T]),
    t0: f64,
    t1: f64,
    steps: usize,
    y: &mut [T],
) {
    let h = (t1 - t0) / steps as f64;
    let mut work = Work::new(tab, y.len());
    for n in 0..steps {
        step(tab, &mut f, t0 + n as f64 * h, h, y, &mut work);
    }
}

/// Adaptive Dormand–Prince 5(4) from `t0` to `t1` with mixed tolerance
/// `atol + rtol |y|` per component; returns the number of accepted steps.
pub fn dopri5(
    mut f: impl FnMut(f64, &[f64], &mut [f64]),
    t0: f64,
    t1: f64,
    y: &mut [f64],
    rtol: f64,
    atol: f64,
) -> usize {
    const C: [f64; 7] = [0.0, 0.2, 0.3, 0.8, 8.0 / 9.0, 1.0, 1.0];
    const A: [&[f64]; 7] = [
        &[],
        &[0.2],
        &[3.0 / 40.0, 9.0 / 40.0],
        &[44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0],
        &[19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0],
        &[9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0],
        &[35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0],
    ];
    // 5th-order weights are A[6]; E = b5 − b4 gives the error estimate.
    const E: [f64; 7] =
        [71.0 / 57600.0, 0.0, -71.0 / 16695.0, 71.0 / 1920.0, -17253.0 / 339200.0, 22.0 / 525.0, -1.0 / 40.0];
    let n = y.len();
    let mut k = vec![vec![0.0; n]; 7];
    let mut stage = vec![0.0; n];
    let mut t = t0;
    let mut h = ((t1 - t0) / 100.0).abs().max(1e-6);
    let mut accepted = 0;
    while t < t1 {
        h = h.min(t1 - t);
        for i in 0..7 {
            stage.copy_from_slice(y);
            for (j, a) in A[i].iter().enumerate() {
                for m in 0..n {
                    stage[m] += h * a * k[j][m];
                }
            }
            let (_, rest) = k.split_at_mut(i);
            f(t + C[i] * h, &stage, &mut rest[0]);
        }
        // stage now holds the 5th-order solution (stage 7 is evaluated at it: FSAL).
        let mut err: f64 = 0.0;
        for m in 0..n {
            let e: f64 = (0..7).map(|i| E[i] * k[i][m]).sum::<f64>() * h;
            let scale = atol + rtol * y[m].abs().max(stage[m].abs());
            err = err.max((e / scale).abs());
        }
        if err <= 1.0 || h < 1e-12 {
            t += h;
            y.copy_from_slice(&stage);
            accepted += 1;
        }
        let factor = if err == 0.0 { 5.0 } else { (0.9 * libm::pow(err, -0.2)).clamp(0.2, 5.0) };
        h *= factor;
    }
    accepted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_names_follow_the_tableaux() {
        let names: Vec<&str> = ALL.iter().map(|t| t.name).collect();
        assert_eq!(names, SCHEMES);
    }

    fn endpoint_error(tab: &Tableau, steps: usize) -> f64 {
        let mut y = [1.0f64];
        integrate(tab, |_, y, dy| dy[0] = -y[0], 0.0, 1.0, steps, &mut y);
        (y[0] - (-1.0f64).exp()).abs()
    }

    #[test]
    fn empirical_order_on_exponential_decay() {
        for tab in ALL {
            // h = 2^-3 … 2^-8; the order is the least-squares slope of log err vs log h.
            let points: Vec<(f64, f64)> =
                (3..=8).map(|p| ((0.5f64).powi(p).ln(), endpoint_error(tab, 1 << p).ln())).collect();
            let n = points.len() as f64;
            let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
            let my = points.iter().map(|p| p.1).sum::<f64>() / n;
            let slope = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>()
                / points.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>();
            assert!((slope - tab.order as f64).abs() <= 0.2, "{}: order {slope:.3}, expected {}", tab.name, tab.order);
        }
    }

    #[test]
    fn every_tableau_satisfies_its_order_conditions() {
        for tab in ALL {
            let s = tab.stages();
            let a = |i: usize, j: usize| tab.a[i].get(j).copied().unwrap_or(0.0);
            let (b, c) = (tab.b, tab.c);
            for i in 0..s {
                assert_eq!(tab.a[i].len(), i, "{}: row {i} must be strictly lower", tab.name);
                let row: f64 = tab.a[i].iter().sum();
                assert!((row - c[i]).abs() < 1e-14, "{}: c_{i} ≠ Σ a_{i}j", tab.name);
            }
            let sum = |g: &dyn Fn(usize) -> f64| (0..s).map(g).sum::<f64>();
            let ac = |i: usize| (0..s).map(|j| a(i, j) * c[j]).sum::<f64>();
            let mut conditions: Vec<(f64, f64)> = vec![(sum(&|i| b[i]), 1.0)];
            if tab.order >= 2 {
                conditions.push((sum(&|i| b[i] * c[i]), 0.5));
            }
            if tab.order >= 3 {
                conditions.push((sum(&|i| b[i] * c[i] * c[i]), 1.0 / 3.0));
                conditions.push((sum(&|i| b[i] * ac(i)), 1.0 / 6.0));
            }
            if tab.order >= 4 {
                let ac2 = |i: usize| (0..s).map(|j| a(i, j) * c[j] * c[j]).sum::<f64>();
                let aac = |i: usize| (0..s).map(|j| a(i, j) * ac(j)).sum::<f64>();
                conditions.push((sum(&|i| b[i] * c[i].powi(3)), 0.25));
                conditions.push((sum(&|i| b[i] * c[i] * ac(i)), 1.0 / 8.0));
                conditions.push((sum(&|i| b[i] * ac2(i)), 1.0 / 12.0));
                conditions.push((sum(&|i| b[i] * aac(i)), 1.0 / 24.0));
            }
            for (k, (got, want)) in conditions.iter().enumerate() {
                assert!((got - want).abs() < 1e-14, "{}: condition {k}: {got} ≠ {want}", tab.name);
            }
        }
    }

    #[test]
    fn last_stage_stays_inside_its_cell() {
        let t = RK4.stage_time(3, 0.25, 0.25);
        assert!(t < 0.5 && t > 0.5 - 2e-5);
        assert_eq!(RK4.stage_time(1, 0.25, 0.25), 0.375);
        assert_eq!(Tableau::by_name("rk38"), Some(&RK38));
    }

    #[test]
    fn f32_and_f64_steppers_agree() {
        let mut y32 = [1.0f32, 0.5];
        let mut y64 = [1.0f64, 0.5];
        integrate(&RK4, |_, y: &[f32], dy: &mut [f32]| (dy[0], dy[1]) = (y[1], -y[0]), 0.0, 1.0, 16, &mut y32);
        integrate(&RK4, |_, y: &[f64], dy: &mut [f64]| (dy[0], dy[1]) = (y[1], -y[0]), 0.0, 1.0, 16, &mut y64);
        assert!((y32[0] as f64 - y64[0]).abs() < 1e-6 && (y32[1] as f64 - y64[1]).abs() < 1e-6);
    }

    #[test]
    fn dopri5_meets_its_tolerance_on_a_harmonic_oscillator() {
        let mut y = [1.0, 0.0];
        let steps = dopri5(|_, y, dy| (dy[0], dy[1]) = (y[1], -y[0]), 0.0, 10.0, &mut y, 1e-10, 1e-12);
        assert!((y[0] - 10f64.cos()).abs() < 1e-8 && (y[1] + 10f64.sin()).abs() < 1e-8, "{y:?}");
        assert!(steps > 10 && steps < 2000, "{steps} steps");
    }
}
