//! The cylinder wake as the Koopman lab's second data set (`data=wake`): the
//! paper's fluid case, simulated by the lattice-Boltzmann solver the flow
//! lab draws ([`crate::num::lbm`]), so the link (Re, resolution, seed)
//! reproduces every snapshot.
//!
//! 1. **Shedding.** From t = 0 the transverse velocity v at a probe 3 D
//!    behind the cylinder's centre is read every [`EVERY`] time units (D/U).
//!    Shedding is *established* once, after [`WARMUP`], the probe's swing
//!    over the last [`HALF`] samples is at least [`MIN_SWING`] and within 5 %
//!    of the swing over the [`HALF`] before (the limit cycle has saturated).
//!    A swing that is small and not growing after [`WARMUP`] means a steady
//!    wake (below Re ≈ 47 the cylinder does not shed); so does no shedding by
//!    [`GIVE_UP`]. Both are errors that say so.
//! 2. **Snapshots.** From then on, every [`EVERY`] time units, the vorticity
//!    on a window from 1 D to 9 D behind the centre and 2 D to either side
//!    is averaged over blocks of D/4 × D/4 cells: [`WIDTH`] × [`HEIGHT`] =
//!    512 numbers per snapshot (a 64 × 32 window would cost four times the
//!    training time, in the encoder's first and the decoder's last layer).
//! 3. **Frequency.** The shedding frequency f (cycles per snapshot step) is
//!    the peak of the probe's spectrum over the recorded snapshots: mean
//!    removed, Hann window, discrete Fourier transform, and the peak bin
//!    refined by a parabola through the log magnitudes of it and its two
//!    neighbours ([`dominant_frequency`]). A linear model that steps the
//!    wake forward by one snapshot has eigenvalues at angles ±2π k f.

use crate::gpu::lbm::LbmKernel;
use crate::gpu::{Gpu, GpuError};
use crate::num::lbm::{vorticity_from, Body, Lbm};

/// Time units (D / U) between snapshots: about 11 snapshots per shedding
/// period at St ≈ 0.17.
pub const EVERY: f64 = 0.5;
/// Snapshot window, in blocks of D/4 cells.
pub const WIDTH: usize = 32;
pub const HEIGHT: usize = 16;
/// Earliest time (D / U) at which shedding may count as established.
pub const WARMUP: f64 = 20.0;
/// Samples in each half of the saturation check (10 time units).
pub const HALF: usize = 20;
/// Smallest swing (half of max − min) of the probe's v, in units of U, that counts as shedding.
pub const MIN_SWING: f64 = 0.05;
/// Time (D / U) by which shedding must be established.
pub const GIVE_UP: f64 = 150.0;

/// Recorded wake snapshots and what was measured on the way.
#[derive(Clone, Debug)]
pub struct Wake {
    /// `count × (WIDTH · HEIGHT)` raw vorticity (U / D), row-major windows.
    pub snapshots: Vec<f64>,
    /// The probe's v (units of U) at each snapshot.
    pub probe: Vec<f64>,
    /// Time (D / U) at which shedding was established and recording began.
    pub onset: f64,
    /// The Reynolds number simulated (lower than asked when the lattice caps it).
    pub re: f64,
    /// Shedding frequency, cycles per snapshot step, from the probe's spectrum.
    pub frequency: f64,
}

impl Wake {
    /// A wake from its snapshots and probe signal (the page's GPU recording
    /// hands these to the training workers); the frequency is measured here.
    pub fn from_parts(snapshots: Vec<f64>, probe: Vec<f64>, onset: f64, re: f64) -> Result<Wake, String> {
        if probe.is_empty() || snapshots.len() != probe.len() * WIDTH * HEIGHT {
            return Err(format!(
                "a wake needs {} numbers per snapshot: got {} for {} snapshots",
                WIDTH * HEIGHT,
                snapshots.len(),
                probe.len()
            ));
        }
        if snapshots.iter().chain(&probe).any(|v| !v.is_finite()) {
            return Err("the wake's snapshots are not finite".into());
        }
        let frequency = dominant_frequency(&probe)
            .ok_or_else(|| "the probe's spectrum has no peak: record more snapshots".to_string())?;
        Ok(Wake { snapshots, probe, onset, re, frequency })
    }
}

/// What a recording watches, whichever lattice it steps: the probe's
/// history, shedding's onset, and the snapshots once shedding is established.
/// The lattice is stepped outside, [`every`](Self::every) steps between two
/// [`observe`](Self::observe)s: on the CPU by [`record`], on the GPU by
/// [`GpuRecording`].
pub struct Recorder {
    nx: usize,
    ny: usize,
    d: f64,
    solid: Vec<bool>,
    re: f64,
    steps_per_time: f64,
    every: usize,
    probe_cell: usize,
    /// Intervals observed since t = 0.
    intervals: usize,
    /// The probe's v at every interval since t = 0.
    history: Vec<f64>,
    onset: Option<f64>,
    count: usize,
    snapshots: Vec<f64>,
    probe: Vec<f64>,
}

impl Recorder {
    /// A recording of `count` snapshots of the flow on `lbm`'s lattice, from its start.
    pub fn new(lbm: &Lbm, count: usize) -> Recorder {
        assert!(lbm.ny.is_multiple_of(32), "the window needs D = res/8 divisible by 4");
        Recorder {
            nx: lbm.nx,
            ny: lbm.ny,
            d: lbm.d,
            solid: lbm.solid.clone(),
            re: lbm.re,
            steps_per_time: lbm.steps_per_time(),
            every: (EVERY * lbm.steps_per_time()).round() as usize,
            probe_cell: (lbm.ny / 2) * lbm.nx + (lbm.nx as f64 / 5.0 + 3.0 * lbm.d) as usize,
            intervals: 0,
            history: Vec::new(),
            onset: None,
            count,
            snapshots: Vec::new(),
            probe: Vec::new(),
        }
    }

    /// Lattice steps between two observations ([`EVERY`] time units).
    pub fn every(&self) -> usize {
        self.every
    }

    /// Snapshots recorded so far, and how many are asked for.
    pub fn progress(&self) -> (usize, usize) {
        (self.probe.len(), self.count)
    }

    /// Simulated time, D / U, at the last observation.
    pub fn time(&self) -> f64 {
        (self.intervals * self.every) as f64 / self.steps_per_time
    }

    /// Time (D / U) at which shedding was established, once it is.
    pub fn onset(&self) -> Option<f64> {
        self.onset
    }

    /// Whether every snapshot is in.
    pub fn done(&self) -> bool {
        self.probe.len() >= self.count
    }

    /// The velocity field (u, v) in units of U after the next interval:
    /// `Ok(true)` once every snapshot is in; an error when the wake does not
    /// shed or the field is not finite (the simulation blew up).
    pub fn observe(&mut self, u: &[f64], v: &[f64]) -> Result<bool, String> {
        if self.done() {
            return Ok(true);
        }
        self.intervals += 1;
        if u.iter().chain(v).any(|x| !x.is_finite()) {
            return Err(blew_up(self.time()));
        }
        let probe = v[self.probe_cell];
        if self.onset.is_some() {
            self.probe.push(probe);
            self.snapshots.extend(self.window(u, v));
            return Ok(self.done());
        }
        self.history.push(probe);
        let t = self.time();
        let n = self.history.len();
        if t < WARMUP || n < 2 * HALF {
            return Ok(false);
        }
        let (older, newer) = (swing(&self.history[n - 2 * HALF..n - HALF]), swing(&self.history[n - HALF..]));
        if newer >= MIN_SWING && (newer - older).abs() <= 0.05 * newer {
            self.onset = Some(t);
        } else if (newer < MIN_SWING / 5.0 && newer <= older) || t >= GIVE_UP {
            return Err(format!(
                "no vortex shedding at Re = {:.0}: by t = {t:.0} D/U the transverse velocity 3 D behind the \
                 cylinder swings by only ±{newer:.3} U{} (shedding is ±{MIN_SWING} U or more, saturated). A \
                 cylinder sheds above Re ≈ 47: raise Re.",
                self.re,
                if newer <= older { " and is not growing" } else { "" },
            ));
        }
        Ok(false)
    }

    /// The recorded wake (call once [`done`](Self::done)).
    pub fn finish(self) -> Result<Wake, String> {
        Wake::from_parts(self.snapshots, self.probe, self.onset.unwrap_or(f64::NAN), self.re)
    }

    /// The snapshot window of the vorticity of (u, v) (see the module docs).
    fn window(&self, u: &[f64], v: &[f64]) -> Vec<f64> {
        let (nx, d) = (self.nx, self.d);
        let w = vorticity_from(u, v, &self.solid, nx, self.ny, d);
        let block = (d / 4.0).round() as usize;
        let x0 = (nx as f64 / 5.0 + d).round() as usize;
        let y0 = self.ny / 2 - 2 * d as usize;
        let mut out = Vec::with_capacity(WIDTH * HEIGHT);
        for by in 0..HEIGHT {
            for bx in 0..WIDTH {
                let mut sum = 0.0;
                for y in y0 + by * block..y0 + (by + 1) * block {
                    for x in x0 + bx * block..x0 + (bx + 1) * block {
                        sum += w[y * nx + x];
                    }
                }
                out.push(sum / (block * block) as f64);
            }
        }
        out
    }
}

fn blew_up(t: f64) -> String {
    format!("the wake simulation blew up at t = {t:.1}; lower Re")
}

/// A cylinder at Reynolds number `re` in a `2 res × res` channel (the flow
/// lab's), seeded by `seed`, simulated in f64 on the CPU until `count`
/// snapshots are in. This is the wake every link names: the CLI's, and
/// the page's without WebGPU.
pub fn record(re: f64, res: usize, seed: u64, count: usize) -> Result<Wake, String> {
    let mut lbm = Lbm::new(res, Body::Cylinder, re, seed);
    let mut recorder = Recorder::new(&lbm, count);
    loop {
        for _ in 0..recorder.every() {
            lbm.step();
        }
        if !lbm.is_finite() {
            return Err(blew_up(lbm.steps as f64 / lbm.steps_per_time()));
        }
        let (u, v) = lbm.velocity();
        if recorder.observe(&u, &v)? {
            return recorder.finish();
        }
    }
}

/// The same recording with the lattice in f32 on the GPU (`gpu/lbm.wgsl`,
/// whose twin is [`Lbm`]): the page's, when it has WebGPU. One
/// [`advance`](Self::advance) is one interval: a submission of
/// [`Recorder::every`] steps and a read-back of the velocity field.
pub struct GpuRecording {
    kernel: LbmKernel,
    pub recorder: Recorder,
}

impl GpuRecording {
    /// Uploads the start state of the lattice [`record`] starts from.
    pub fn new(gpu: &Gpu, re: f64, res: usize, seed: u64, count: usize) -> GpuRecording {
        let lbm = Lbm::new(res, Body::Cylinder, re, seed);
        let mut kernel = LbmKernel::new(gpu);
        kernel.load(gpu, &lbm);
        GpuRecording { kernel, recorder: Recorder::new(&lbm, count) }
    }

    /// One interval: the recorder's verdict ([`Recorder::observe`]), or
    /// the device's failure (the page then records on the CPU instead).
    pub async fn advance(&mut self, gpu: &Gpu) -> Result<Result<bool, String>, GpuError> {
        self.kernel.advance(gpu, self.recorder.every())?;
        let (u, v) = self.kernel.velocity(gpu).await?;
        Ok(self.recorder.observe(&u, &v))
    }
}

/// Half of max − min.
fn swing(values: &[f64]) -> f64 {
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    (hi - lo) / 2.0
}

/// The frequency (cycles per sample) of the largest peak of `signal`'s
/// spectrum, between the second bin and Nyquist (see the module docs);
/// `None` for a flat or too short signal.
///
/// A direct DFT (any length; [`crate::num::fft`] takes powers of two) with
/// `libm`'s sines: the platform's `cos`/`sin` (the system library natively,
/// a port in wasm) may differ in the last bit, and the page must report the
/// CLI's frequency exactly. At a few hundred samples the O(n²) sum takes
/// about a millisecond.
pub fn dominant_frequency(signal: &[f64]) -> Option<f64> {
    let n = signal.len();
    if n < 8 {
        return None;
    }
    let mean = signal.iter().sum::<f64>() / n as f64;
    let tau = std::f64::consts::TAU;
    let windowed: Vec<f64> = signal
        .iter()
        .enumerate()
        .map(|(i, v)| (v - mean) * 0.5 * (1.0 - libm::cos(tau * i as f64 / (n - 1) as f64)))
        .collect();
    let magnitude = |k: usize| {
        let (mut re, mut im) = (0.0, 0.0);
        for (i, v) in windowed.iter().enumerate() {
            let (s, c) = libm::sincos(tau * (k * i % n) as f64 / n as f64);
            re += v * c;
            im -= v * s;
        }
        re.hypot(im)
    };
    let spectrum: Vec<f64> = (0..=n / 2).map(magnitude).collect();
    let peak = (2..n / 2).max_by(|&a, &b| spectrum[a].total_cmp(&spectrum[b]))?;
    if spectrum[peak] <= 1e-12 * spectrum.iter().sum::<f64>().max(1e-300) || spectrum[peak] == 0.0 {
        return None;
    }
    let (a, b, c) = (libm::log(spectrum[peak - 1]), libm::log(spectrum[peak]), libm::log(spectrum[peak + 1]));
    let denominator = a - 2.0 * b + c;
    let shift = if denominator.abs() > 0.0 { 0.5 * (a - c) / denominator } else { 0.0 };
    Some((peak as f64 + shift.clamp(-0.5, 0.5)) / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pure tone between bins, with a harmonic and an offset: the peak is
    /// the tone's frequency to well under 1 %; a flat signal has none.
    #[test]
    fn the_spectral_peak_finds_a_tone_between_bins() {
        for f in [0.043, 0.0911, 0.17] {
            let s: Vec<f64> = (0..300)
                .map(|i| {
                    let p = std::f64::consts::TAU * f * i as f64;
                    0.3 + p.sin() + 0.3 * (2.0 * p + 0.4).sin()
                })
                .collect();
            let found = dominant_frequency(&s).unwrap();
            assert!((found - f).abs() < 0.002 * f, "{found} vs {f}");
        }
        assert_eq!(dominant_frequency(&[1.5; 64]), None);
    }

    #[test]
    fn the_window_is_behind_the_cylinder_and_sized_in_body_lengths() {
        for res in [64, 128] {
            let lbm = Lbm::new(res, Body::Cylinder, 60.0, 1);
            let (u, v) = lbm.velocity();
            assert_eq!(Recorder::new(&lbm, 1).window(&u, &v).len(), WIDTH * HEIGHT);
            let block = (lbm.d / 4.0).round() as usize;
            assert_eq!(block * WIDTH, 8 * lbm.d as usize);
            let x0 = (lbm.nx as f64 / 5.0 + lbm.d).round() as usize;
            assert!(x0 + WIDTH * block < lbm.nx && !lbm.solid[(lbm.ny / 2) * lbm.nx + x0]);
        }
    }
}
