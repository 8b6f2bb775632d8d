// dense.wgsl — batched dense layer y = tanh(W x + b), the building block of
// the depth lab's vector field. CPU twin: `dense::forward` in src/gpu/dense.rs.
//
// Bindings (group 0):
//   0  dims  uniform        Dims { batch, n_in, n_out }
//   1  w     storage, read  f32[n_out * n_in], row-major (row o = weights into output o)
//   2  b     storage, read  f32[n_out]
//   3  x     storage, read  f32[batch * n_in], row-major (row n = sample n)
//   4  y     storage, rw    f32[batch * n_out], row-major
// Workgroup size: 64 × 1 × 1; one invocation per output element (n, o).
// Dispatch: ceil(batch * n_out / 64) workgroups, folded into x and y when
// that exceeds the 65 535 limit per dimension (see `dims.groups_x`).

struct Dims {
    batch: u32,
    n_in: u32,
    n_out: u32,
    groups_x: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
    let index = (wg.y * dims.groups_x + wg.x) * 64u + lane;
    if (index >= dims.batch * dims.n_out) {
        return;
    }
    let n = index / dims.n_out;
    let o = index % dims.n_out;
    var acc = b[o];
    for (var i = 0u; i < dims.n_in; i++) {
        acc += w[o * dims.n_in + i] * x[n * dims.n_in + i];
    }
    y[index] = tanh(acc);
}
