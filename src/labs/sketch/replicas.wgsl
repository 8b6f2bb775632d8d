// Batches of sketch replicas on the GPU (CPU twins in replicas.rs, the same
// operations in the same order, f32): row gathers of A into R sketches,
// weighted Gram matrices G_b = Y_bᵀ diag(c_b) Y_b (a bootstrap's replicas
// share one Y: y_stride 0), and block power iteration Z = G V with
// Gram–Schmidt on each matrix's q columns. Large batches fold the dispatch
// over y.
// Bindings: 0 uniform Dims; storage 1 a (m × n), 2 rows (count × l, row
// indices as f32), 3 y (sketches), 4 counts (count × l weights), 5 grams
// (count × n × n), 6 blocks (V then Z, each count × n × q).
// Workgroup size: 64 × 1 × 1; one invocation per output entry (per matrix
// for orthonormalize).

struct Dims {
  l: u32,
  n: u32,
  // Matrices in the batch: bootstrap replicas or repeated sketches.
  count: u32,
  // Invocations per row of the folded dispatch (64 × workgroups along x).
  stride: u32,
  // f32s between consecutive sketches in y (0: one sketch shared by all).
  y_stride: u32,
  // Columns of each block V.
  q: u32,
  m: u32,
  pad: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read_write> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> rows: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> counts: array<f32>;
@group(0) @binding(5) var<storage, read_write> grams: array<f32>;
@group(0) @binding(6) var<storage, read_write> blocks: array<f32>;

fn index(gid: vec3<u32>) -> u32 {
  return gid.x + gid.y * dims.stride;
}

// y[r, i, c] = a[rows[r, i], c].
@compute @workgroup_size(64)
fn gather(@builtin(global_invocation_id) gid: vec3<u32>) {
  let id = index(gid);
  if (id >= dims.count * dims.l * dims.n) {
    return;
  }
  let ri = id / dims.n;
  let c = id % dims.n;
  y[id] = a[u32(rows[ri]) * dims.n + c];
}

@compute @workgroup_size(64)
fn gram(@builtin(global_invocation_id) gid: vec3<u32>) {
  let id = index(gid);
  let nn = dims.n * dims.n;
  if (id >= dims.count * nn) {
    return;
  }
  let b = id / nn;
  let r = (id % nn) / dims.n;
  let c = id % dims.n;
  let base = b * dims.y_stride;
  var sum = 0.0;
  for (var i = 0u; i < dims.l; i++) {
    sum = sum + counts[b * dims.l + i] * y[base + i * dims.n + r] * y[base + i * dims.n + c];
  }
  grams[id] = sum;
}

// Z_b = G_b V_b (V at the start of blocks, Z after it).
@compute @workgroup_size(64)
fn product(@builtin(global_invocation_id) gid: vec3<u32>) {
  let id = index(gid);
  let nq = dims.n * dims.q;
  if (id >= dims.count * nq) {
    return;
  }
  let b = id / nq;
  let i = (id % nq) / dims.q;
  let j = id % dims.q;
  var sum = 0.0;
  for (var p = 0u; p < dims.n; p++) {
    sum = sum + grams[b * dims.n * dims.n + i * dims.n + p] * blocks[b * nq + p * dims.q + j];
  }
  blocks[dims.count * nq + id] = sum;
}

// V_b = the columns of Z_b orthonormalised (modified Gram–Schmidt, twice).
@compute @workgroup_size(64)
fn orthonormalize(@builtin(global_invocation_id) gid: vec3<u32>) {
  let b = index(gid);
  if (b >= dims.count) {
    return;
  }
  let nq = dims.n * dims.q;
  let v = b * nq;
  let z = dims.count * nq + b * nq;
  for (var e = 0u; e < nq; e++) {
    blocks[v + e] = blocks[z + e];
  }
  for (var sweep = 0u; sweep < 2u; sweep++) {
    for (var j = 0u; j < dims.q; j++) {
      for (var i = 0u; i < j; i++) {
        var d = 0.0;
        for (var p = 0u; p < dims.n; p++) {
          d = d + blocks[v + p * dims.q + i] * blocks[v + p * dims.q + j];
        }
        for (var p = 0u; p < dims.n; p++) {
          blocks[v + p * dims.q + j] = blocks[v + p * dims.q + j] - d * blocks[v + p * dims.q + i];
        }
      }
      var s = 0.0;
      for (var p = 0u; p < dims.n; p++) {
        s = s + blocks[v + p * dims.q + j] * blocks[v + p * dims.q + j];
      }
      let norm = sqrt(s);
      if (norm > 0.0) {
        for (var p = 0u; p < dims.n; p++) {
          blocks[v + p * dims.q + j] = blocks[v + p * dims.q + j] / norm;
        }
      }
    }
  }
}
