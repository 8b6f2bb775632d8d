//! Matrix-free inverse-distance kernel matrices of points in the plane:
//!
//!   A_ij = (w_i + w_j) / max(d_ij, floor),   A_ii = 0,
//!
//! with d_ij the Euclidean distance, or the minimum-image distance in a
//! periodic box. A is symmetric and dense, so above a few thousand points it
//! is never stored: [`InverseDistance::matvec`] and
//! [`InverseDistance::columns`] evaluate entries on the fly, and
//! [`InverseDistance::dense`] exists for small problems. (The flow lab's
//! vortical network is one: w_i = |Γ_i| / 4π gives the mean of the
//! Biot–Savart speeds two point vortices induce at each other.)
//!
//! # Speed and determinism
//! `matvec` visits each pair i < j once and uses its entry twice. The rows
//! are cut into [`BANDS`] bands of about equal work (row i has n − 1 − i
//! pairs); each band adds its pairs into a vector of its own, in groups of
//! four columns with four partial sums per row (so the loop vectorizes:
//! AVX2 natively where present, SIMD128 in wasm), and the band vectors are
//! added in band order. The order of every addition is fixed by n alone,
//! so the result is the same whether the bands run over the cores
//! (natively, rayon) or one after another (wasm), and the same bits on both.
//! No multiply–add is fused, so the AVX2 build rounds like every other.

use ndarray::Array2;

/// Bands of rows in [`InverseDistance::matvec`]: fixed, so the result does
/// not depend on the number of cores.
pub const BANDS: usize = 16;

/// Points, their weights, the box and the distance floor of one kernel matrix.
#[derive(Clone, Copy, Debug)]
pub struct InverseDistance<'a> {
    pub x: &'a [f64],
    pub y: &'a [f64],
    pub w: &'a [f64],
    /// The box's size when it is periodic (distances wrap), else `None`.
    pub period: Option<(f64, f64)>,
    /// Distances below this count as this (two points at one place stay finite).
    pub floor: f64,
}

impl InverseDistance<'_> {
    pub fn len(&self) -> usize {
        self.w.len()
    }

    pub fn is_empty(&self) -> bool {
        self.w.is_empty()
    }

    /// The distance between points i and j (minimum image when periodic).
    pub fn distance(&self, i: usize, j: usize) -> f64 {
        let (mut dx, mut dy) = ((self.x[i] - self.x[j]).abs(), (self.y[i] - self.y[j]).abs());
        if let Some((lx, ly)) = self.period {
            dx = dx.min(lx - dx);
            dy = dy.min(ly - dy);
        }
        (dx * dx + dy * dy).sqrt()
    }

    /// A_ij.
    pub fn entry(&self, i: usize, j: usize) -> f64 {
        if i == j {
            return 0.0;
        }
        (self.w[i] + self.w[j]) / self.distance(i, j).max(self.floor)
    }

    /// Columns `cols` of A as an n × l matrix, each column computed on its
    /// own (over the cores natively; every entry is [`entry`](Self::entry)'s
    /// value, whatever the split).
    pub fn columns(&self, cols: &[usize]) -> Array2<f64> {
        let n = self.len();
        let column = |j: usize, out: &mut [f64]| {
            for (i, o) in out.iter_mut().enumerate() {
                *o = self.entry(i, j);
            }
        };
        let mut buf = vec![0.0; n * cols.len()];
        #[cfg(not(target_arch = "wasm32"))]
        {
            use rayon::prelude::*;
            buf.par_chunks_mut(n.max(1)).zip(cols).for_each(|(col, &j)| column(j, col));
        }
        #[cfg(target_arch = "wasm32")]
        for (col, &j) in buf.chunks_mut(n.max(1)).zip(cols) {
            column(j, col);
        }
        Array2::from_shape_fn((n, cols.len()), |(i, k)| buf[k * n + i])
    }

    /// A in full, for dense references on small problems.
    pub fn dense(&self) -> Array2<f64> {
        Array2::from_shape_fn((self.len(), self.len()), |(i, j)| self.entry(i, j))
    }

    /// y = A x, evaluating each entry once and storing none (module docs:
    /// the order of the additions, and why it gives the same bits everywhere).
    pub fn matvec(&self, x: &[f64], y: &mut [f64]) {
        let n = self.len();
        let edges: Vec<usize> = (0..=BANDS)
            .map(|b| {
                let f = 1.0 - (1.0 - b as f64 / BANDS as f64).sqrt();
                ((n as f64 * f).round() as usize).min(n)
            })
            .collect();
        let band = |b: usize| {
            let mut out = vec![0.0; n];
            let rows = edges[b]..edges[b + 1];
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2 (checked just above).
                unsafe { self.band_avx2(rows, x, &mut out) };
                return out;
            }
            self.band(rows, x, &mut out);
            out
        };
        #[cfg(not(target_arch = "wasm32"))]
        let parts: Vec<Vec<f64>> = {
            use rayon::prelude::*;
            (0..BANDS).into_par_iter().map(band).collect()
        };
        #[cfg(target_arch = "wasm32")]
        let parts: Vec<Vec<f64>> = (0..BANDS).map(band).collect();
        y.iter_mut().for_each(|v| *v = 0.0);
        for part in &parts {
            for (v, p) in y.iter_mut().zip(part) {
                *v += p;
            }
        }
    }

    /// The pairs (i, j > i) of row i: adds A_ij x_j to `out[i]` and
    /// A_ij x_i to `out[j]`.
    #[inline(always)]
    fn row_pairs(&self, i: usize, x: &[f64], out: &mut [f64]) {
        let (xi, yi, wi, vi, floor) = (self.x[i], self.y[i], self.w[i], x[i], self.floor);
        let (lx, ly) = self.period.unwrap_or((f64::INFINITY, f64::INFINITY));
        let entry = |px: f64, py: f64, w: f64| {
            let (dx, dy) = ((xi - px).abs(), (yi - py).abs());
            // min(d, L − d) is d itself when there is no period (L = ∞).
            let (dx, dy) = (dx.min(lx - dx), dy.min(ly - dy));
            (wi + w) / (dx * dx + dy * dy).sqrt().max(floor)
        };
        let rest = i + 1..self.len();
        let (px, py, pw) = (&self.x[rest.clone()], &self.y[rest.clone()], &self.w[rest.clone()]);
        let (xs, outs) = (&x[rest.clone()], &mut out[rest]);
        let mut acc = [0.0f64; 4];
        let groups = px.len() / 4;
        for g in 0..groups {
            let at = 4 * g;
            let (px, py, pw, xs) = (&px[at..at + 4], &py[at..at + 4], &pw[at..at + 4], &xs[at..at + 4]);
            let o = &mut outs[at..at + 4];
            for l in 0..4 {
                let a = entry(px[l], py[l], pw[l]);
                acc[l] += a * xs[l];
                o[l] += a * vi;
            }
        }
        let mut tail = 0.0;
        for t in 4 * groups..px.len() {
            let a = entry(px[t], py[t], pw[t]);
            tail += a * xs[t];
            outs[t] += a * vi;
        }
        out[i] += ((acc[0] + acc[1]) + (acc[2] + acc[3])) + tail;
    }

    /// The pairs of rows `rows` into `out` (see [`matvec`](Self::matvec)).
    #[inline(always)]
    fn band(&self, rows: std::ops::Range<usize>, x: &[f64], out: &mut [f64]) {
        for i in rows {
            self.row_pairs(i, x, out);
        }
    }

    /// [`band`](Self::band) compiled for AVX2: the same operations four
    /// wide (no FMA, so the bits are every other build's).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn band_avx2(&self, rows: std::ops::Range<usize>, x: &[f64], out: &mut [f64]) {
        self.band(rows, x, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points on a wavy curve, some of them on top of each other.
    fn points(n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let x = (0..n).map(|i| ((i * 7 % 13) as f64 * 0.37).rem_euclid(4.0)).collect();
        let y = (0..n).map(|i| ((i * 5 % 11) as f64 * 0.41).rem_euclid(4.0)).collect();
        let w = (0..n).map(|i| 0.1 + (i % 5) as f64 * 0.2).collect();
        (x, y, w)
    }

    #[test]
    fn matvec_matches_the_dense_matrix_with_and_without_a_period() {
        // Fewer rows than bands, and enough that every band is used with
        // rows not a multiple of four.
        for (n, period) in [(12, Some((4.0, 4.0))), (37, None), (101, Some((4.0, 4.0)))] {
            let (x, y, w) = points(n);
            let a = InverseDistance { x: &x, y: &y, w: &w, period, floor: 1e-3 };
            let dense = a.dense();
            let v: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
            let mut out = vec![0.0; n];
            a.matvec(&v, &mut out);
            for i in 0..n {
                let expected: f64 = (0..n).map(|j| dense[(i, j)] * v[j]).sum();
                assert!((out[i] - expected).abs() < 1e-12 * (1.0 + expected.abs()), "{n}: row {i}");
                assert_eq!(dense[(i, i)], 0.0);
            }
            let c = a.columns(&[3, 5]);
            assert_eq!(c[(7, 1)], dense[(7, 5)]);
            assert_eq!(dense[(2, 9)], dense[(9, 2)]);
        }
    }

    #[test]
    fn the_period_wraps_distances_and_the_floor_bounds_entries() {
        let (x, y, w) = (vec![0.1, 3.9, 0.1], vec![0.0, 0.0, 0.0], vec![1.0, 1.0, 1.0]);
        let open = InverseDistance { x: &x, y: &y, w: &w, period: None, floor: 1e-3 };
        let wrapped = InverseDistance { period: Some((4.0, 4.0)), ..open };
        assert!((open.distance(0, 1) - 3.8).abs() < 1e-12);
        assert!((wrapped.distance(0, 1) - 0.2).abs() < 1e-12);
        // Two points at one place: the floor, not infinity.
        assert_eq!(open.entry(0, 2), 2.0 / 1e-3);
    }
}
