//! Decaying 2D turbulence in the periodic box [0, 2π)²: the
//! vorticity–streamfunction equations, pseudo-spectral, CPU reference.
//! `spectral_kernel.wgsl` (run by `spectral_kernel`) is the GPU version of
//! the same algorithm, step for step.
//!
//! ω_t + u·∇ω = ν ∇²ω, with u = ∂ψ/∂y, v = −∂ψ/∂x and ∇²ψ = −ω. The state is
//! ω̂ on an n × n grid (unnormalized FFT: ω̂ = Σ ω e^{−ik·x}), stored as
//! interleaved (re, im) f64 so the generic [`ode::step`] advances it with any
//! Butcher tableau. One right-hand side costs three FFTs: two inverse ones,
//! each carrying two real fields as one complex field (ω_x + iω_y and
//! u + iv), and one forward one of the product u ω_x + v ω_y. The 2/3 rule
//! (|k_x|, |k_y| < n/3) removes aliasing, which makes the semi-discrete system
//! a Galerkin truncation: it conserves energy and enstrophy exactly when
//! ν = 0, so their drift measures the time stepping alone.
//!
//! FFTs are [`crate::num::fft`]'s, and every transcendental function is
//! `libm`'s: the same arithmetic natively and in wasm, so a flow link gives
//! the same bits in the page and in `continuum run`.

use num_complex::Complex64;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::num::fft::Fft;
use crate::num::ode::{self, Tableau};

/// Resolutions the solver takes: powers of two, as the FFTs want.
pub const RESOLUTIONS: [usize; 4] = [64, 128, 256, 512];
/// Initial modes live in |k_x|, |k_y| ≤ this, below the 2/3 cut of the
/// coarsest grid (64/3 ≈ 21), so one seed gives one flow at every resolution.
const K_INIT: i32 = 16;
/// Peak wavenumber of the initial spectrum.
const K_PEAK: f64 = 5.0;
/// Courant number for the time step.
const CFL: f64 = 0.5;
/// Runge–Kutta scheme from [`ode`].
pub const SCHEME: &Tableau = &ode::RK4;

/// The solver's fixed data: grid, wavenumbers and viscosity.
pub struct Grid {
    pub n: usize,
    pub nu: f64,
    /// Signed integer wavenumber of each FFT index.
    pub k: Vec<f64>,
    fwd: Fft,
    inv: Fft,
}

impl Grid {
    pub fn new(n: usize, nu: f64) -> Grid {
        assert!(n.is_power_of_two() && n >= 8, "resolution {n} must be a power of two");
        let k = (0..n).map(|i| wavenumber(i, n)).collect();
        Grid { n, nu, k, fwd: Fft::new(n, false), inv: Fft::new(n, true) }
    }

    /// Whether mode (kx, ky) survives the 2/3 rule.
    pub fn kept(&self, i: usize, j: usize) -> bool {
        let cut = self.n as f64 / 3.0;
        self.k[i].abs() < cut && self.k[j].abs() < cut
    }

    /// 2D FFT in place over an n × n row-major field (forward or inverse,
    /// unnormalized).
    pub fn fft2(&self, data: &mut [Complex64], inverse: bool) {
        let plan = if inverse { &self.inv } else { &self.fwd };
        plan.process(data);
        transpose(data, self.n);
        plan.process(data);
        transpose(data, self.n);
    }

    /// The spectra of ω_x + i ω_y and of u + i v (u = ∂ψ/∂y, v = −∂ψ/∂x,
    /// ψ̂ = ω̂ / |k|²) at mode (row j, column i) of ω̂ `w`.
    fn gradient_and_velocity(&self, w: &[f64], i: usize, j: usize) -> (Complex64, Complex64) {
        let p = j * self.n + i;
        let (kx, ky) = (self.k[i], self.k[j]);
        let wh = Complex64::new(w[2 * p], w[2 * p + 1]);
        let k2 = kx * kx + ky * ky;
        let psi = if k2 > 0.0 { wh / k2 } else { Complex64::new(0.0, 0.0) };
        let ii = Complex64::new(0.0, 1.0);
        (ii * kx * wh - ky * wh, ii * ky * psi + kx * psi)
    }

    /// dω̂/dt at ω̂ (`w` and `dw` interleaved re/im). Index (row j, column i)
    /// holds wavenumber (k_x, k_y) = (k[i], k[j]).
    pub fn rhs(&self, w: &[f64], dw: &mut [f64], scratch: &mut Scratch) {
        let n = self.n;
        let (a, b) = (&mut scratch.a, &mut scratch.b);
        for j in 0..n {
            for i in 0..n {
                (a[j * n + i], b[j * n + i]) = self.gradient_and_velocity(w, i, j);
            }
        }
        self.fft2(a, true);
        self.fft2(b, true);
        let scale = 1.0 / (n * n) as f64;
        for p in 0..n * n {
            let (wx, wy) = (a[p].re * scale, a[p].im * scale);
            let (u, v) = (b[p].re * scale, b[p].im * scale);
            a[p] = Complex64::new(u * wx + v * wy, 0.0);
        }
        self.fft2(a, false);
        for j in 0..n {
            for i in 0..n {
                let p = j * n + i;
                let k2 = self.k[i] * self.k[i] + self.k[j] * self.k[j];
                let nl = if self.kept(i, j) { a[p] } else { Complex64::new(0.0, 0.0) };
                dw[2 * p] = -nl.re - self.nu * k2 * w[2 * p];
                dw[2 * p + 1] = -nl.im - self.nu * k2 * w[2 * p + 1];
            }
        }
    }
}

/// Work arrays for [`Grid::rhs`].
pub struct Scratch {
    a: Vec<Complex64>,
    b: Vec<Complex64>,
}

impl Scratch {
    pub fn new(n: usize) -> Scratch {
        Scratch { a: vec![Complex64::new(0.0, 0.0); n * n], b: vec![Complex64::new(0.0, 0.0); n * n] }
    }
}

/// The signed wavenumber of FFT index `i` on `n` points.
pub fn wavenumber(i: usize, n: usize) -> f64 {
    if i < n / 2 {
        i as f64
    } else {
        i as f64 - n as f64
    }
}

fn transpose(data: &mut [Complex64], n: usize) {
    for j in 0..n {
        for i in j + 1..n {
            data.swap(j * n + i, i * n + j);
        }
    }
}

/// Decaying turbulence: the grid, the state and its clock.
pub struct Turbulence {
    pub grid: Grid,
    /// ω̂, interleaved (re, im), n² complex values.
    pub w_hat: Vec<f64>,
    pub t: f64,
    /// Steps taken.
    pub steps: usize,
    /// The fixed time step, from the initial field's speed and the viscous limit.
    pub dt: f64,
    work: ode::Work<f64>,
    scratch: Scratch,
}

impl Turbulence {
    /// A random initial vorticity field from `seed`, with energy spectrum
    /// E(k) ∝ k² exp(−2 (k / K_PEAK)²) (on average over the random amplitude
    /// factor) and random phases, scaled to unit rms velocity;
    /// ν = 1 / Re (box length 2π, velocity scale 1).
    pub fn new(n: usize, re: f64, seed: u64) -> Turbulence {
        let grid = Grid::new(n, 1.0 / re);
        let mut w_hat = vec![0.0; 2 * n * n];
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let index = |k: i32| if k >= 0 { k as usize } else { (k + n as i32) as usize };
        // Each pair ±k once, in a fixed order: the half plane ky > 0, or ky = 0 and kx > 0.
        for ky in 0..=K_INIT {
            for kx in -K_INIT..=K_INIT {
                let amplitude_draw: f64 = rng.random();
                let phase: f64 = rng.random::<f64>() * std::f64::consts::TAU;
                if ky == 0 && kx <= 0 {
                    continue;
                }
                let k = ((kx * kx + ky * ky) as f64).sqrt();
                // |û|² = |ω̂|²/k² and a shell holds ∝ k modes, so E(k) ∝ k|û|² = |ω̂|²/k: an
                // amplitude ∝ k^{1.5} e^{−(k/k0)²} (times a random factor) gives E ∝ k² e^{−2(k/k0)²}.
                // libm's pow, exp, cos and sin, not the platform's: the same
                // bits natively and in wasm.
                let amplitude = libm::pow(k, 1.5) * libm::exp(-(k / K_PEAK) * (k / K_PEAK)) * (0.5 + amplitude_draw);
                let c = Complex64::new(amplitude * libm::cos(phase), amplitude * libm::sin(phase));
                let (p, q) = (index(ky) * n + index(kx), index(-ky) * n + index(-kx));
                w_hat[2 * p] = c.re;
                w_hat[2 * p + 1] = c.im;
                w_hat[2 * q] = c.re;
                w_hat[2 * q + 1] = -c.im;
            }
        }
        let mut flow = Turbulence {
            work: ode::Work::new(SCHEME, 2 * n * n),
            scratch: Scratch::new(n),
            grid,
            w_hat,
            t: 0.0,
            steps: 0,
            dt: 0.0,
        };
        let scale = (0.5 / flow.energy()).sqrt();
        flow.w_hat.iter_mut().for_each(|x| *x *= scale);
        let dx = std::f64::consts::TAU / n as f64;
        let kmax = n as f64 / 3.0;
        let advective = CFL * dx / flow.max_speed().max(1e-12);
        // RK4's stability interval on the negative real axis is about 2.78.
        let viscous = 2.5 / (flow.grid.nu * kmax * kmax);
        flow.dt = advective.min(viscous);
        flow
    }

    /// One step of [`SCHEME`].
    pub fn step(&mut self) {
        let Turbulence { grid, w_hat, t, dt, work, scratch, .. } = self;
        ode::step(SCHEME, &mut |_, w: &[f64], dw: &mut [f64]| grid.rhs(w, dw, scratch), *t, *dt, w_hat, work);
        *t += *dt;
        self.steps += 1;
    }

    /// Steps until `t` is reached (the last step lands at or just past it).
    pub fn advance_to(&mut self, t: f64) -> usize {
        let mut steps = 0;
        while self.t + 1e-12 < t {
            self.step();
            steps += 1;
        }
        steps
    }

    /// Mean kinetic energy ½⟨u² + v²⟩ = ½ Σ |ω̂|² / k² / n⁴.
    pub fn energy(&self) -> f64 {
        self.spectral_sum(|k2| if k2 > 0.0 { 1.0 / k2 } else { 0.0 })
    }

    /// Mean enstrophy ½⟨ω²⟩ = ½ Σ |ω̂|² / n⁴.
    pub fn enstrophy(&self) -> f64 {
        self.spectral_sum(|_| 1.0)
    }

    fn spectral_sum(&self, weight: impl Fn(f64) -> f64) -> f64 {
        let n = self.grid.n;
        let mut sum = 0.0;
        for j in 0..n {
            for i in 0..n {
                let p = j * n + i;
                let k2 = self.grid.k[i].powi(2) + self.grid.k[j].powi(2);
                sum += (self.w_hat[2 * p].powi(2) + self.w_hat[2 * p + 1].powi(2)) * weight(k2);
            }
        }
        0.5 * sum / (n as f64).powi(4)
    }

    /// The vorticity field ω on the grid, row-major (row = y).
    pub fn vorticity(&self) -> Vec<f64> {
        let n = self.grid.n;
        let mut field: Vec<Complex64> = self.w_hat.chunks(2).map(|c| Complex64::new(c[0], c[1])).collect();
        self.grid.fft2(&mut field, true);
        field.iter().map(|c| c.re / (n * n) as f64).collect()
    }

    /// The largest speed |u| on the grid.
    pub fn max_speed(&self) -> f64 {
        let n = self.grid.n;
        let mut b: Vec<Complex64> = vec![Complex64::new(0.0, 0.0); n * n];
        for j in 0..n {
            for i in 0..n {
                b[j * n + i] = self.grid.gradient_and_velocity(&self.w_hat, i, j).1;
            }
        }
        self.grid.fft2(&mut b, true);
        // libm::hypot, not the platform's (`Complex::norm`): the same bits in wasm.
        b.iter().map(|c| libm::hypot(c.re, c.im) / (n * n) as f64).fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_initial_field_is_real_resolution_independent_and_scaled() {
        let coarse = Turbulence::new(64, 1000.0, 3);
        let fine = Turbulence::new(128, 1000.0, 3);
        assert!((coarse.energy() - 0.5).abs() < 1e-12);
        // Same modes on both grids: the field at shared points agrees.
        let (a, b) = (coarse.vorticity(), fine.vorticity());
        for j in 0..64 {
            for i in 0..64 {
                assert!((a[j * 64 + i] - b[2 * j * 128 + 2 * i]).abs() < 1e-9);
            }
        }
        // A real field: its inverse FFT had no imaginary part to drop.
        let mut field: Vec<Complex64> = coarse.w_hat.chunks(2).map(|c| Complex64::new(c[0], c[1])).collect();
        coarse.grid.fft2(&mut field, true);
        let imag = field.iter().map(|c| c.im.abs()).fold(0.0, f64::max);
        let real = field.iter().map(|c| c.re.abs()).fold(0.0, f64::max);
        assert!(imag < 1e-12 * real, "imaginary part {imag} of {real}");
        assert_ne!(Turbulence::new(64, 1000.0, 4).w_hat, coarse.w_hat);
    }

    /// A single Fourier mode ω = cos(x) is a steady Euler solution (u·∇ω = 0)
    /// and decays as e^{−νt} with viscosity: checks signs and the viscous term.
    #[test]
    fn a_single_mode_decays_at_the_viscous_rate() {
        let mut flow = Turbulence::new(32, 10.0, 0);
        flow.w_hat.iter_mut().for_each(|x| *x = 0.0);
        let n = 32;
        for p in [1, n - 1] {
            flow.w_hat[2 * p] = (n * n) as f64 / 2.0;
        }
        let before = flow.vorticity()[0];
        flow.dt = 0.01;
        flow.advance_to(1.0);
        let after = flow.vorticity()[0];
        assert!((before - 1.0).abs() < 1e-12);
        assert!((after - (-flow.grid.nu * flow.t).exp()).abs() < 1e-8, "{after}");
    }

    /// With ν = 0 the dealiased system conserves energy and enstrophy; what
    /// drifts is RK4's error alone, so halving dt must cut the drift by about
    /// 2⁴ (measured: 31× and 31×) and it is small at the default step.
    #[test]
    fn energy_and_enstrophy_are_kept_without_viscosity() {
        let drift = |div: f64| {
            let mut flow = Turbulence::new(64, 1000.0, 1);
            flow.grid.nu = 0.0;
            flow.dt /= div;
            let (e0, z0) = (flow.energy(), flow.enstrophy());
            let steps = flow.advance_to(4.0);
            ((flow.energy() / e0 - 1.0).abs(), (flow.enstrophy() / z0 - 1.0).abs(), steps, flow.vorticity())
        };
        let (de, dz, steps, field) = drift(1.0);
        let (de2, dz2, _, _) = drift(2.0);
        assert!(steps >= 200, "{steps} steps");
        // Measured 1.8e-5 and 3.9e-4 over 232 steps at CFL 0.5.
        assert!(de < 1e-4 && dz < 2e-3, "energy drift {de:e}, enstrophy drift {dz:e}");
        assert!(de / de2 > 16.0 && dz / dz2 > 16.0, "drift ratios {} {}", de / de2, dz / dz2);
        // The flow did evolve: conservation is not the field standing still.
        let start = Turbulence::new(64, 1000.0, 1).vorticity();
        let moved = start.iter().zip(&field).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(moved > 0.5, "max change {moved}");
    }

    #[test]
    fn energy_and_enstrophy_decay_with_viscosity() {
        let mut flow = Turbulence::new(64, 100.0, 1);
        let (mut e, mut z) = (flow.energy(), flow.enstrophy());
        let (e0, z0) = (e, z);
        for _ in 0..50 {
            flow.step();
            let (e1, z1) = (flow.energy(), flow.enstrophy());
            assert!(e1 < e && z1 < z, "energy {e} → {e1}, enstrophy {z} → {z1}");
            (e, z) = (e1, z1);
        }
        // dE/dt = −2ν Z at least roughly: energy fell by about 2ν ∫Z dt.
        let expected = 2.0 * flow.grid.nu * 0.5 * (z0 + z) * flow.t;
        assert!(((e0 - e) / expected - 1.0).abs() < 0.05, "lost {} against {expected}", e0 - e);
    }
}
