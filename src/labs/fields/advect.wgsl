// Semi-Lagrangian transport of many dyes on a periodic grid (the fields lab;
// the CPU twin is advect.rs::advect_cpu, which does the same operations in
// the same order). Cell (a, b) sits at (a h, b h), h = 2π / res. Each
// invocation traces its cell's characteristic back over `steps` midpoint
// steps of dt through the bilinear velocity, then reads every dye at the
// departure point from the initial dyes.
// Bindings: 0 uniform Dims, 1 vel, 2 dye0, 3 dye (storage).
// Workgroup size: 64 × 1 × 1; one invocation per cell.

struct Dims {
  res: u32,
  dyes: u32,
  steps: u32,
  // dt / h: the backtrace in grid units per unit of velocity.
  s: f32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
// vx then vy at the cells, res² each.
@group(0) @binding(1) var<storage, read_write> vel: array<f32>;
// `dyes` initial dyes of res² cells each.
@group(0) @binding(2) var<storage, read_write> dye0: array<f32>;
// The transported dyes, laid out as dye0.
@group(0) @binding(3) var<storage, read_write> dye: array<f32>;

fn wrap(i: i32, n: i32) -> u32 {
  return u32(((i % n) + n) % n);
}

// Bilinear read of `len` values at `base` of `vel` (which = 0) or `dye0`
// (which = 1) at grid coordinates (gx, gy), periodic.
fn sample(which: u32, base: u32, gx: f32, gy: f32) -> f32 {
  let n = i32(dims.res);
  let fx = floor(gx);
  let fy = floor(gy);
  let tx = gx - fx;
  let ty = gy - fy;
  let i0 = wrap(i32(fx), n);
  let j0 = wrap(i32(fy), n);
  let i1 = wrap(i32(fx) + 1, n);
  let j1 = wrap(i32(fy) + 1, n);
  let r = dims.res;
  var c: vec4<f32>;
  if (which == 0u) {
    c = vec4<f32>(vel[base + j0 * r + i0], vel[base + j0 * r + i1], vel[base + j1 * r + i0], vel[base + j1 * r + i1]);
  } else {
    c = vec4<f32>(dye0[base + j0 * r + i0], dye0[base + j0 * r + i1], dye0[base + j1 * r + i0], dye0[base + j1 * r + i1]);
  }
  let top = c.x * (1.0 - tx) + c.y * tx;
  let bottom = c.z * (1.0 - tx) + c.w * tx;
  return top * (1.0 - ty) + bottom * ty;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let cells = dims.res * dims.res;
  let cell = gid.x;
  if (cell >= cells) {
    return;
  }
  var x = f32(cell % dims.res);
  var y = f32(cell / dims.res);
  let s = dims.s;
  for (var k = 0u; k < dims.steps; k++) {
    let mx = x - 0.5 * s * sample(0u, 0u, x, y);
    let my = y - 0.5 * s * sample(0u, cells, x, y);
    let vx = sample(0u, 0u, mx, my);
    let vy = sample(0u, cells, mx, my);
    x = x - s * vx;
    y = y - s * vy;
  }
  for (var d = 0u; d < dims.dyes; d++) {
    dye[d * cells + cell] = sample(1u, d * cells, x, y);
  }
}
