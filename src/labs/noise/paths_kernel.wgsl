// Euler–Maruyama paths of dX = aX dt + σX dW kept as log|X| (the maths and
// the CPU twin, advance_cpu, are in paths.rs; the generator is Philox4x32-10
// as in philox.rs, with the high word of each product from 16-bit halves).
// Each invocation runs one path through every step and writes log|X| at the
// records + 1 checkpoints k·steps/records.
// Bindings: 0 uniform Dims, 1 out (storage, paths × (records + 1) f32).
// Workgroup size: 64 × 1 × 1; one invocation per path.

struct Dims {
  paths: u32,
  steps: u32,
  records: u32,
  key0: u32,
  key1: u32,
  // a·dt and σ·√dt in f32, computed by the host as the CPU twin uses them.
  a_dt: f32,
  s: f32,
  pad: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

fn mulhilo(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let p11 = a1 * b1;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return vec2<u32>(p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u), a * b);
}

fn philox(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var r = 0u; r < 10u; r++) {
    if (r > 0u) {
      k = k + vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
    }
    let p0 = mulhilo(0xD2511F53u, c.x);
    let p1 = mulhilo(0xCD9E8D57u, c.z);
    c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
  }
  return c;
}

fn uniform01(w: u32) -> f32 {
  return (f32(w >> 8u) + 0.5) * (1.0 / 16777216.0);
}

fn normals(w: vec4<u32>) -> vec4<f32> {
  let tau = 6.2831855;
  let r0 = sqrt(-2.0 * log(uniform01(w.x)));
  let r1 = sqrt(-2.0 * log(uniform01(w.z)));
  let t0 = tau * uniform01(w.y);
  let t1 = tau * uniform01(w.w);
  return vec4<f32>(r0 * cos(t0), r0 * sin(t0), r1 * cos(t1), r1 * sin(t1));
}

fn log_step(y: f32) -> f32 {
  let u = 1.0 + y;
  if (u == 1.0) {
    return y;
  }
  if (u > 0.0) {
    return log(u) * (y / (u - 1.0));
  }
  return log(max(-u, 1.17549435e-38));
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = gid.x;
  if (p >= dims.paths) {
    return;
  }
  let key = vec2<u32>(dims.key0, dims.key1);
  let row = p * (dims.records + 1u);
  var l = 0.0;
  var z = vec4<f32>(0.0);
  out[row] = 0.0;
  for (var k = 1u; k <= dims.records; k++) {
    let start = (k - 1u) * dims.steps / dims.records;
    let stop = k * dims.steps / dims.records;
    for (var n = start; n < stop; n++) {
      if (n % 4u == 0u || n == start) {
        z = normals(philox(vec4<u32>(p, n / 4u, 0u, 0u), key));
      }
      l = l + log_step(dims.a_dt + dims.s * z[n % 4u]);
    }
    out[row + k] = l;
  }
}
