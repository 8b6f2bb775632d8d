// saliency.wgsl — one layer of an MLP's input gradient, batched: for a tanh
// layer with outputs a (batch × n_out) and weights W (n_out × n_in), the
// gradient with respect to its input is g_in = (g ⊙ (1 − a²)) W. The transfer
// lab chains it down the source network for saliency maps.
// CPU twin: `saliency::backprop_cpu` in src/labs/transfer/saliency.rs.
//
// Bindings (group 0):
//   0  dims  uniform        Dims { batch, n_in, n_out, stride }
//   1  g     storage        f32[batch * n_out], the gradient at the layer's output
//   2  a     storage        f32[batch * n_out], the layer's tanh outputs
//   3  w     storage        f32[n_out * n_in], row-major
//   4  out   storage        f32[batch * n_in]
// Workgroup size: 64 × 1 × 1; one invocation per (sample, input), folded into x and y.

struct Dims {
  batch: u32,
  n_in: u32,
  n_out: u32,
  // Invocations per row of the folded dispatch (64 × workgroups along x).
  stride: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read_write> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> a: array<f32>;
@group(0) @binding(3) var<storage, read_write> w: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let id = gid.x + gid.y * dims.stride;
  if (id >= dims.batch * dims.n_in) {
    return;
  }
  let row = id / dims.n_in;
  let j = id % dims.n_in;
  var sum = 0.0;
  for (var o = 0u; o < dims.n_out; o++) {
    let k = row * dims.n_out + o;
    sum = sum + g[k] * (1.0 - a[k] * a[k]) * w[o * dims.n_in + j];
  }
  out[id] = sum;
}
