//! The vortical network of a 2D flow (Bai et al. 2019, after
//! Nair & Taira 2015): nodes are vortical elements, and the edge weight
//! between two is the mean of the velocities each induces at the other.
//!
//! Element i has circulation Γ_i = ω_i Δx Δy at r_i. By Biot–Savart a point
//! vortex induces speed |Γ_i| / (2π ‖r_i − r_j‖) at distance ‖r_i − r_j‖, so
//! A_ij = ½ (|Γ_i| + |Γ_j|) / (2π d_ij), A_ii = 0, with d_ij the periodic
//! (minimum-image) distance in a periodic box. A is symmetric, non-negative
//! and has a zero diagonal, hence indefinite.
//!
//! A is dense, so above a few thousand nodes it is never stored: [`Network::column`]
//! and [`Network::matvec`] evaluate entries on the fly (on the GPU, the
//! `network_kernel` module does the same). [`Network::dense`] exists for small networks.

use serde::{Deserialize, Serialize};

/// Largest network [`Network::dense`] will build (3 000² f64 is 72 MB).
pub const DENSE_MAX: usize = 3000;

/// Bands of rows in [`Network::matvec`]: fixed, so the result does not depend
/// on the number of cores.
pub const BANDS: usize = 16;

/// Vortical elements: positions, circulations and the box they live in.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Network {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    /// Signed circulation of each element.
    pub gamma: Vec<f64>,
    /// The box's size when it is periodic (distances wrap), else `None`.
    pub period: Option<(f64, f64)>,
    /// Side of the square blocks of cells merged into one element (1: none).
    pub block: usize,
    /// Cells that passed the threshold, before coarse-graining.
    pub cells: usize,
}

/// A vorticity field on a grid: row-major, row = y, cell (i, j) centred at
/// ((i + ½) dx, (j + ½) dy).
pub struct Field<'a> {
    pub w: &'a [f64],
    pub nx: usize,
    pub ny: usize,
    pub dx: f64,
    pub dy: f64,
    pub periodic: bool,
}

impl Network {
    /// Nodes are the cells with |ω| ≥ `threshold` · max |ω|. If there are more
    /// than `max_nodes`, cells are merged over square blocks of b × b cells,
    /// with b the smallest side that leaves at most `max_nodes` occupied
    /// blocks: an element's Γ is the sum of its cells' and its position their
    /// |Γ|-weighted centroid.
    pub fn from_field(field: &Field, threshold: f64, max_nodes: usize) -> Network {
        let (nx, ny) = (field.nx, field.ny);
        let peak = field.w.iter().fold(0.0f64, |m, w| m.max(w.abs()));
        let cut = threshold * peak;
        let chosen: Vec<usize> =
            (0..nx * ny).filter(|&p| peak > 0.0 && field.w[p].abs() >= cut && field.w[p] != 0.0).collect();
        let area = field.dx * field.dy;
        let mut block = 1;
        loop {
            let (bx, by) = (nx.div_ceil(block), ny.div_ceil(block));
            let mut occupied = vec![false; bx * by];
            let mut count = 0;
            for &p in &chosen {
                let b = (p / nx / block) * bx + (p % nx) / block;
                count += !occupied[b] as usize;
                occupied[b] = true;
            }
            if count <= max_nodes.max(1) {
                break;
            }
            block += 1;
        }
        let bx = nx.div_ceil(block);
        let mut slot = vec![usize::MAX; bx * ny.div_ceil(block)];
        let mut net = Network {
            x: Vec::new(),
            y: Vec::new(),
            gamma: Vec::new(),
            period: field.periodic.then_some((nx as f64 * field.dx, ny as f64 * field.dy)),
            block,
            cells: chosen.len(),
        };
        let mut weight = Vec::new();
        for &p in &chosen {
            let (i, j) = (p % nx, p / nx);
            let b = (j / block) * bx + i / block;
            if slot[b] == usize::MAX {
                slot[b] = net.gamma.len();
                net.x.push(0.0);
                net.y.push(0.0);
                net.gamma.push(0.0);
                weight.push(0.0);
            }
            let e = slot[b];
            let g = field.w[p] * area;
            net.gamma[e] += g;
            weight[e] += g.abs();
            net.x[e] += g.abs() * (i as f64 + 0.5) * field.dx;
            net.y[e] += g.abs() * (j as f64 + 0.5) * field.dy;
        }
        for e in 0..net.len() {
            net.x[e] /= weight[e];
            net.y[e] /= weight[e];
        }
        net
    }

    pub fn len(&self) -> usize {
        self.gamma.len()
    }

    pub fn is_empty(&self) -> bool {
        self.gamma.is_empty()
    }

    /// The distance between elements i and j (minimum image when periodic).
    pub fn distance(&self, i: usize, j: usize) -> f64 {
        let (mut dx, mut dy) = ((self.x[i] - self.x[j]).abs(), (self.y[i] - self.y[j]).abs());
        if let Some((lx, ly)) = self.period {
            dx = dx.min(lx - dx);
            dy = dy.min(ly - dy);
        }
        (dx * dx + dy * dy).sqrt()
    }

    /// A_ij. Two elements at one point (possible only after merging blocks
    /// into centroids) are treated as one cell apart, so A stays finite.
    pub fn entry(&self, i: usize, j: usize) -> f64 {
        if i == j {
            return 0.0;
        }
        let d = self.distance(i, j).max(self.min_distance());
        (self.gamma[i].abs() + self.gamma[j].abs()) / (4.0 * std::f64::consts::PI * d)
    }

    /// The floor on distances in [`entry`](Self::entry): a thousandth of the box.
    pub fn min_distance(&self) -> f64 {
        match self.period {
            Some((lx, _)) => lx * 1e-3,
            None => 1e-3,
        }
    }

    /// Column j of A.
    pub fn column(&self, j: usize, out: &mut [f64]) {
        for (i, o) in out.iter_mut().enumerate() {
            *o = self.entry(i, j);
        }
    }

    /// Columns `cols` of A as an n × l matrix, each column computed on its
    /// own (over the cores natively; every entry is [`entry`](Self::entry)'s
    /// value, whatever the split).
    pub fn columns(&self, cols: &[usize]) -> faer::Mat<f64> {
        let n = self.len();
        let mut buf = vec![0.0; n * cols.len()];
        #[cfg(not(target_arch = "wasm32"))]
        {
            use rayon::prelude::*;
            buf.par_chunks_mut(n.max(1)).zip(cols).for_each(|(col, &j)| self.column(j, col));
        }
        #[cfg(target_arch = "wasm32")]
        for (col, &j) in buf.chunks_mut(n.max(1)).zip(cols) {
            self.column(j, col);
        }
        faer::Mat::from_fn(n, cols.len(), |i, k| buf[k * n + i])
    }

    /// y = A x, evaluating each entry once (A is symmetric) and storing none.
    ///
    /// The rows are cut into [`BANDS`] bands of about equal work (row i has
    /// n − 1 − i pairs); each band adds its pairs into a vector of its own,
    /// in groups of four columns with four partial sums per row (so the
    /// loop vectorizes), and the band vectors are then added in band order.
    /// The order of every addition is fixed by n alone, so the result is the
    /// same whether the bands run over the cores (natively) or one after
    /// another (in wasm), and the same bits on both.
    pub fn matvec(&self, x: &[f64], y: &mut [f64]) {
        let n = self.len();
        let floor = self.min_distance();
        let weight: Vec<f64> = self.gamma.iter().map(|g| g.abs() / (4.0 * std::f64::consts::PI)).collect();
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
                unsafe { self.band_avx2(rows, x, &weight, floor, &mut out) };
                return out;
            }
            self.band(rows, x, &weight, floor, &mut out);
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
    fn row_pairs(&self, i: usize, x: &[f64], weight: &[f64], floor: f64, out: &mut [f64]) {
        let (xi, yi, wi, vi) = (self.x[i], self.y[i], weight[i], x[i]);
        let (lx, ly) = self.period.unwrap_or((f64::INFINITY, f64::INFINITY));
        let entry = |px: f64, py: f64, w: f64| {
            let (dx, dy) = ((xi - px).abs(), (yi - py).abs());
            // min(d, L − d) is d itself when there is no period (L = ∞).
            let (dx, dy) = (dx.min(lx - dx), dy.min(ly - dy));
            (wi + w) / (dx * dx + dy * dy).sqrt().max(floor)
        };
        let rest = i + 1..self.len();
        let (px, py, pw) = (&self.x[rest.clone()], &self.y[rest.clone()], &weight[rest.clone()]);
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
    fn band(&self, rows: std::ops::Range<usize>, x: &[f64], weight: &[f64], floor: f64, out: &mut [f64]) {
        for i in rows {
            self.row_pairs(i, x, weight, floor, out);
        }
    }

    /// [`band`](Self::band) compiled for AVX2: the same operations four
    /// wide (no FMA, so the bits are every other build's).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn band_avx2(&self, rows: std::ops::Range<usize>, x: &[f64], weight: &[f64], floor: f64, out: &mut [f64]) {
        self.band(rows, x, weight, floor, out);
    }

    /// A in full, for the dense reference on small networks.
    pub fn dense(&self) -> faer::Mat<f64> {
        assert!(self.len() <= DENSE_MAX, "a dense {0} × {0} matrix is too large; use Lanczos", self.len());
        faer::Mat::from_fn(self.len(), self.len(), |i, j| self.entry(i, j))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(w: &[f64], n: usize, periodic: bool) -> Field<'_> {
        Field { w, nx: n, ny: n, dx: 1.0, dy: 1.0, periodic }
    }

    #[test]
    fn nodes_pass_the_threshold_and_merge_into_blocks() {
        let n = 8;
        let w: Vec<f64> = (0..n * n).map(|p| if p % 3 == 0 { 2.0 } else { 0.1 }).collect();
        let net = Network::from_field(&field(&w, n, false), 0.5, 1000);
        assert_eq!(net.len(), (0..n * n).filter(|p| p % 3 == 0).count());
        assert_eq!(net.block, 1);
        let merged = Network::from_field(&field(&w, n, false), 0.5, 16);
        assert!(merged.len() <= 16 && merged.block == 2, "{} nodes, block {}", merged.len(), merged.block);
        // Merging keeps the total circulation.
        let total = |net: &Network| net.gamma.iter().sum::<f64>();
        assert!((total(&net) - total(&merged)).abs() < 1e-12);
    }

    #[test]
    fn distances_wrap_in_a_periodic_box() {
        let mut w = vec![0.0; 64];
        w[0] = 1.0;
        w[7] = 1.0;
        let open = Network::from_field(&field(&w, 8, false), 0.5, 100);
        let wrapped = Network::from_field(&field(&w, 8, true), 0.5, 100);
        assert_eq!(open.distance(0, 1), 7.0);
        assert_eq!(wrapped.distance(0, 1), 1.0);
        assert!((wrapped.entry(0, 1) - 2.0 / (4.0 * std::f64::consts::PI)).abs() < 1e-15);
    }

    #[test]
    fn matvec_and_columns_match_the_dense_matrix() {
        // A small periodic network (fewer rows than bands) and a larger open
        // one (every band used, rows not a multiple of four).
        for (n, periodic) in [(12, true), (37, false)] {
            let w: Vec<f64> = (0..n * n).map(|p| ((p * 37 % 11) as f64 - 5.0) * 0.3).collect();
            let net = Network::from_field(&field(&w, n, periodic), 0.2, 1000);
            assert!(periodic || net.len() > 4 * BANDS, "{} nodes", net.len());
            let a = net.dense();
            let x: Vec<f64> = (0..net.len()).map(|i| (i as f64).sin()).collect();
            let mut y = vec![0.0; net.len()];
            net.matvec(&x, &mut y);
            for i in 0..net.len() {
                let expected: f64 = (0..net.len()).map(|j| a[(i, j)] * x[j]).sum();
                assert!((y[i] - expected).abs() < 1e-12 * (1.0 + expected.abs()), "{n}: row {i}");
                assert_eq!(a[(i, i)], 0.0);
            }
        }
        let n = 12;
        let w: Vec<f64> = (0..n * n).map(|p| ((p * 37 % 11) as f64 - 5.0) * 0.3).collect();
        let net = Network::from_field(&field(&w, n, true), 0.2, 1000);
        let a = net.dense();
        let c = net.columns(&[3, 5]);
        assert_eq!(c[(7, 1)], a[(7, 5)]);
        assert_eq!(a[(2, 9)], a[(9, 2)]);
    }
}
