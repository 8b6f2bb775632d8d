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
//! A is dense, so above a few thousand nodes it is never stored:
//! [`Network::columns`] and [`Network::matvec`] evaluate entries on the fly
//! with the shared matrix-free kernel (`num::pairwise`; on the GPU, the
//! `network_kernel` module does the same). [`Network::dense`] exists for
//! small networks.

use serde::{Deserialize, Serialize};

use crate::num::pairwise::InverseDistance;

/// Largest network [`Network::dense`] will build (3 000² f64 is 72 MB).
pub const DENSE_MAX: usize = 3000;

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

    /// The kernel matrix A of this network (`num::pairwise`): weights
    /// w_i = |Γ_i| / 4π, so that A_ij = ½ (|Γ_i| + |Γ_j|) / (2π d_ij), and
    /// distances floored at [`min_distance`](Self::min_distance) (two
    /// elements at one point, possible only after merging blocks into
    /// centroids, keep A finite). `f` gets it.
    pub fn with_matrix<R>(&self, f: impl FnOnce(&InverseDistance) -> R) -> R {
        let w: Vec<f64> = self.gamma.iter().map(|g| g.abs() / (4.0 * std::f64::consts::PI)).collect();
        f(&InverseDistance { x: &self.x, y: &self.y, w: &w, period: self.period, floor: self.min_distance() })
    }

    /// The floor on distances in A: a thousandth of the box.
    pub fn min_distance(&self) -> f64 {
        match self.period {
            Some((lx, _)) => lx * 1e-3,
            None => 1e-3,
        }
    }

    /// Columns `cols` of A as an n × l matrix.
    pub fn columns(&self, cols: &[usize]) -> ndarray::Array2<f64> {
        self.with_matrix(|a| a.columns(cols))
    }

    /// y = A x, evaluating each entry once (A is symmetric) and storing none;
    /// the same bits natively (both cores) and in wasm (`num::pairwise`).
    pub fn matvec(&self, x: &[f64], y: &mut [f64]) {
        self.with_matrix(|a| a.matvec(x, y))
    }

    /// A in full, for the dense reference on small networks.
    pub fn dense(&self) -> ndarray::Array2<f64> {
        assert!(self.len() <= DENSE_MAX, "a dense {0} × {0} matrix is too large; use Lanczos", self.len());
        self.with_matrix(|a| a.dense())
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
        assert_eq!(open.with_matrix(|a| a.distance(0, 1)), 7.0);
        assert_eq!(wrapped.with_matrix(|a| a.distance(0, 1)), 1.0);
        assert!((wrapped.with_matrix(|a| a.entry(0, 1)) - 2.0 / (4.0 * std::f64::consts::PI)).abs() < 1e-15);
    }
}
