// Batched weighted Gram matrices for the sketch lab's bootstrap (CPU twin:
// gram.rs::grams_cpu, the same operations in the same order): for replica b
// with row counts c_b, G_b = Yᵀ diag(c_b) Y, one invocation per entry
// (b, a, c), summing over the l sketch rows in ascending order. Large
// batches fold the dispatch over y.
// Bindings: 0 uniform Dims, 1 y, 2 counts, 3 grams (storage).
// Workgroup size: 64 × 1 × 1; one invocation per Gram entry, folded into x and y.

struct Dims {
  l: u32,
  n: u32,
  boots: u32,
  // Invocations per row of the folded dispatch (64 × workgroups along x).
  stride: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
// The sketch, l × n, row-major.
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
// Counts, boots × l.
@group(0) @binding(2) var<storage, read_write> counts: array<f32>;
// Gram matrices, boots × n × n.
@group(0) @binding(3) var<storage, read_write> grams: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let id = gid.x + gid.y * dims.stride;
  let nn = dims.n * dims.n;
  if (id >= dims.boots * nn) {
    return;
  }
  let b = id / nn;
  let a = (id % nn) / dims.n;
  let c = id % dims.n;
  var sum = 0.0;
  for (var i = 0u; i < dims.l; i++) {
    sum = sum + counts[b * dims.l + i] * y[i * dims.n + a] * y[i * dims.n + c];
  }
  grams[id] = sum;
}
