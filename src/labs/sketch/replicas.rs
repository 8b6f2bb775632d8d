//! Batches of sketch replicas on the GPU (`replicas.wgsl`): the bootstrap's
//! B replicas of one sketch, or R independent sketches of A, each reduced to
//! the top of its spectrum in one submission.
//!
//! 1. **Rows** (R sketches of A by row sampling): `gather` copies the
//!    sampled rows of A; the sampling scales go in as Gram weights
//!    (`Y = diag(s) A[rows]` gives `YᵀY = A[rows]ᵀ diag(s²) A[rows]`).
//!    Gaussian sketches are not row gathers: the host sends them whole.
//! 2. **Grams**: `G_b = Y_bᵀ diag(c_b) Y_b`, the bootstrap's counts or the
//!    sketches' weights as `c_b`.
//! 3. **Subspace**: [`ITERS`] steps of block power iteration on
//!    `q = k + 5` columns, `V ← orth(G V)`, from the start block the CPU's
//!    solver starts from, then `Z = G V`. The host finishes with one
//!    Rayleigh–Ritz step in f64 on `(V, Z)` (`linalg::ritz`).
//!
//! Each step has a CPU twin here, in f32 with the same operations in the
//! same order ([`replicas_cpu`]); the lab's own numbers are the f64 ones of
//! `linalg`, which the page compares with the GPU's.

use crate::gpu::{Bindings, Gpu, GpuError, ShaderSpec, WORKGROUP};

pub const WGSL: &str = include_str!("replicas.wgsl");
pub const SHADER: ShaderSpec =
    ShaderSpec { file: "replicas.wgsl", wgsl: WGSL, uniform_size: std::mem::size_of::<Dims>(), storage: 6 };

/// Block power iterations before the host's Rayleigh–Ritz step.
pub const ITERS: usize = 30;
/// Workgroups along x before the dispatch folds over y.
const MAX_X: usize = 65_535;

/// Where a batch's sketches come from.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// One sketch (`l × n`) shared by every replica: the bootstrap.
    Shared(&'a [f32]),
    /// `count` sketches, `count × l × n`, made by the host.
    Sketches(&'a [f32]),
    /// `count` sketches gathered from `a` (`m × n`): `rows` is `count × l`.
    Gather { a: &'a [f32], rows: &'a [f32] },
}

/// One batch: its sketches of `l` rows, the Gram weights (`count × l`),
/// and the start block (`n × q`, the same for every matrix).
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a> {
    pub source: Source<'a>,
    pub weights: &'a [f32],
    pub start: &'a [f32],
    pub n: usize,
    pub q: usize,
    pub l: usize,
}

impl Batch<'_> {
    /// Matrices in the batch.
    pub fn count(&self) -> usize {
        self.weights.len() / self.l
    }
}

/// `y[r, i, :] = a[rows[r, i], :]`.
pub fn gather_cpu(a: &[f32], n: usize, rows: &[f32]) -> Vec<f32> {
    rows.iter().flat_map(|&r| a[r as usize * n..(r as usize + 1) * n].iter().copied()).collect()
}

/// `G_b = Y_bᵀ diag(c_b) Y_b` for `count = weights.len() / l` matrices, `Y_b`
/// at `b · y_stride` in `y`.
pub fn grams_cpu(y: &[f32], n: usize, l: usize, weights: &[f32], y_stride: usize) -> Vec<f32> {
    let count = weights.len() / l;
    let mut out = vec![0.0f32; count * n * n];
    for (b, g) in out.chunks_exact_mut(n * n).enumerate() {
        let yb = &y[b * y_stride..];
        for (id, o) in g.iter_mut().enumerate() {
            let (r, c) = (id / n, id % n);
            *o = (0..l).fold(0.0f32, |s, i| s + weights[b * l + i] * yb[i * n + r] * yb[i * n + c]);
        }
    }
    out
}

/// `Z_b = G_b V_b` for blocks of `q` columns (`n × q`, row-major).
pub fn product_cpu(grams: &[f32], v: &[f32], n: usize, q: usize) -> Vec<f32> {
    let mut z = vec![0.0f32; v.len()];
    for (id, o) in z.iter_mut().enumerate() {
        let (b, i, j) = (id / (n * q), (id % (n * q)) / q, id % q);
        *o = (0..n).fold(0.0f32, |s, p| s + grams[b * n * n + i * n + p] * v[b * n * q + p * q + j]);
    }
    z
}

/// The columns of each block orthonormalised (modified Gram–Schmidt, twice).
pub fn orthonormalize_cpu(z: &[f32], n: usize, q: usize) -> Vec<f32> {
    let mut v = z.to_vec();
    for block in v.chunks_exact_mut(n * q) {
        for _ in 0..2 {
            for j in 0..q {
                for i in 0..j {
                    let d = (0..n).fold(0.0f32, |s, p| s + block[p * q + i] * block[p * q + j]);
                    for p in 0..n {
                        block[p * q + j] -= d * block[p * q + i];
                    }
                }
                let norm = (0..n).fold(0.0f32, |s, p| s + block[p * q + j] * block[p * q + j]).sqrt();
                if norm > 0.0 {
                    for p in 0..n {
                        block[p * q + j] /= norm;
                    }
                }
            }
        }
    }
    v
}

/// The GPU's result on the CPU: `V` then `Z = G V` (each `count × n × q`),
/// and the Gram matrices.
pub fn replicas_cpu(batch: &Batch) -> (Vec<f32>, Vec<f32>) {
    let (n, q, l, count) = (batch.n, batch.q, batch.l, batch.count());
    let (y, y_stride) = match batch.source {
        Source::Shared(y) => (y.to_vec(), 0),
        Source::Sketches(y) => (y.to_vec(), l * n),
        Source::Gather { a, rows } => (gather_cpu(a, n, rows), l * n),
    };
    let grams = grams_cpu(&y, n, l, batch.weights, y_stride);
    let mut v: Vec<f32> = (0..count).flat_map(|_| batch.start.iter().copied()).collect();
    for _ in 0..ITERS {
        v = orthonormalize_cpu(&product_cpu(&grams, &v, n, q), n, q);
    }
    let z = product_cpu(&grams, &v, n, q);
    v.extend(z);
    (v, grams)
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Dims {
    l: u32,
    n: u32,
    count: u32,
    stride: u32,
    y_stride: u32,
    q: u32,
    m: u32,
    pad: u32,
}

const A: usize = 0;
const ROWS: usize = 1;
const Y: usize = 2;
const WEIGHTS: usize = 3;
const BLOCKS: usize = 5;

/// [`replicas_cpu`] on the GPU.
pub struct ReplicaKernel {
    layout: wgpu::BindGroupLayout,
    /// gather, gram, product, orthonormalize.
    pipelines: Vec<wgpu::ComputePipeline>,
    bindings: Bindings,
}

impl ReplicaKernel {
    pub fn new(gpu: &Gpu) -> ReplicaKernel {
        let (layout, pipelines) =
            gpu.compute_pipelines("replicas", WGSL, &["gather", "gram", "product", "orthonormalize"], 6);
        ReplicaKernel { layout, pipelines, bindings: Bindings::new(gpu, "replicas", std::mem::size_of::<Dims>()) }
    }

    /// `V` then `Z = G V` for every matrix of the batch, as [`replicas_cpu`].
    pub async fn run(&mut self, gpu: &Gpu, batch: &Batch<'_>) -> Result<Vec<f32>, GpuError> {
        gpu.check()?;
        let (n, q, l, count) = (batch.n, batch.q, batch.l, batch.count());
        let (a, rows, y, y_stride, m): (&[f32], &[f32], &[f32], usize, usize) = match batch.source {
            Source::Shared(y) => (&[0.0], &[0.0], y, 0, 0),
            Source::Sketches(y) => (&[0.0], &[0.0], y, l * n, 0),
            Source::Gather { a, rows } => (a, rows, &[], l * n, a.len() / n),
        };
        let y_len = if y.is_empty() { count * l * n } else { y.len() };
        let blocks = count * n * q;
        // One fold serves every dispatch: the widest one's.
        let x = (count * l * n).max(count * n * n).div_ceil(WORKGROUP).clamp(1, MAX_X);
        let dims = Dims {
            l: l as u32,
            n: n as u32,
            count: count as u32,
            stride: (x * WORKGROUP) as u32,
            y_stride: y_stride as u32,
            q: q as u32,
            m: m as u32,
            pad: 0,
        };
        let groups = |total: usize| {
            let g = total.div_ceil(WORKGROUP).max(1);
            (g.min(x) as u32, g.div_ceil(x) as u32)
        };
        self.bindings.ensure(
            gpu,
            &self.layout,
            &[a.len(), rows.len(), y_len, batch.weights.len(), count * n * n, 2 * blocks],
            2 * blocks,
        );
        let queue = &gpu.queue;
        queue.write_buffer(&self.bindings.dims, 0, bytemuck::bytes_of(&dims));
        if m > 0 {
            queue.write_buffer(self.bindings.buffer(A), 0, bytemuck::cast_slice(a));
            queue.write_buffer(self.bindings.buffer(ROWS), 0, bytemuck::cast_slice(rows));
        } else {
            queue.write_buffer(self.bindings.buffer(Y), 0, bytemuck::cast_slice(y));
        }
        queue.write_buffer(self.bindings.buffer(WEIGHTS), 0, bytemuck::cast_slice(batch.weights));
        let start: Vec<f32> = (0..count).flat_map(|_| batch.start.iter().copied()).collect();
        queue.write_buffer(self.bindings.buffer(BLOCKS), 0, bytemuck::cast_slice(&start));
        let [gather, gram, product, orthonormalize] = &self.pipelines[..] else { unreachable!("four entry points") };
        let mut dispatches = Vec::new();
        if m > 0 {
            dispatches.push((gather, groups(count * l * n)));
        }
        dispatches.push((gram, groups(count * n * n)));
        for _ in 0..ITERS {
            dispatches.push((product, groups(blocks)));
            dispatches.push((orthonormalize, groups(count)));
        }
        dispatches.push((product, groups(blocks)));
        let mut encoder = self.bindings.encoder(gpu);
        self.bindings.pass(&mut encoder, &dispatches);
        self.bindings.submit_and_read(gpu, encoder, BLOCKS, 2 * blocks).await
    }
}
