// kernel.wgsl — batched long-horizon rollouts of a Koopman autoencoder:
// from each latent initial condition z0, step z ← C z and decode
// x̂ = tanh(W3 tanh(W2 tanh(W1 z + b1) + b2) + b3) every step, and write the
// state the prediction stands for, (θ, θ̇) = P x̂ + offset (the lift's plane).
// The m-dimensional x̂ is never stored: each coordinate is folded into the
// projection as soon as it is decoded.
// CPU twin: `kernel::rollout_cpu` in src/labs/koopman/kernel.rs.
//
// A dispatch advances steps [first, last) and leaves the latent state in `z`
// for the next dispatch: the host splits a long horizon into chunks, so no
// invocation runs for long (one long loop stopped early on lavapipe, and
// real GPUs have watchdogs).
//
// Bindings (group 0):
//   0  dims    uniform        Dims (n initial conditions, latent b, snapshot m, steps, chunk)
//   1  params  storage, read  [C (b×b), W1 (16×b), b1 (16), W2 (16×16), b2 (16),
//                              W3 (m×16), b3 (m), P (m×2), offset (2)], row-major
//   2  z       storage, rw    f32[n * b]: the latent states, initial conditions first
//   3  out     storage, rw    f32[n * steps * 2], out[(p * steps + k) * 2 + j]
// Workgroup size: 64 × 1 × 1; one invocation per initial condition.
// Limits: b ≤ 32; the decoder's hidden width is 16.

struct Dims {
    n: u32,
    b: u32,
    m: u32,
    steps: u32,
    first: u32,
    last: u32,
    _pad0: u32,
    _pad1: u32,
}

const MAX_B: u32 = 32u;
const H: u32 = 16u;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> state: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let p = gid.x;
    if (p >= dims.n) {
        return;
    }
    let b = dims.b;
    let m = dims.m;
    let ow1 = b * b;
    let ob1 = ow1 + H * b;
    let ow2 = ob1 + H;
    let ob2 = ow2 + H * H;
    let ow3 = ob2 + H;
    let ob3 = ow3 + m * H;
    let op = ob3 + m;
    let ooff = op + 2u * m;

    var z: array<f32, MAX_B>;
    var next: array<f32, MAX_B>;
    var h1: array<f32, H>;
    var h2: array<f32, H>;
    for (var i = 0u; i < b; i++) {
        z[i] = state[p * b + i];
    }
    for (var k = dims.first; k < dims.last; k++) {
        for (var i = 0u; i < b; i++) {
            var acc = 0.0;
            for (var j = 0u; j < b; j++) {
                acc += params[i * b + j] * z[j];
            }
            next[i] = acc;
        }
        for (var i = 0u; i < b; i++) {
            z[i] = next[i];
        }
        for (var u = 0u; u < H; u++) {
            var acc = params[ob1 + u];
            for (var j = 0u; j < b; j++) {
                acc += params[ow1 + u * b + j] * z[j];
            }
            h1[u] = tanh(acc);
        }
        for (var u = 0u; u < H; u++) {
            var acc = params[ob2 + u];
            for (var j = 0u; j < H; j++) {
                acc += params[ow2 + u * H + j] * h1[j];
            }
            h2[u] = tanh(acc);
        }
        var s0 = params[ooff];
        var s1 = params[ooff + 1u];
        for (var i = 0u; i < m; i++) {
            var acc = params[ob3 + i];
            for (var j = 0u; j < H; j++) {
                acc += params[ow3 + i * H + j] * h2[j];
            }
            let x = tanh(acc);
            s0 += x * params[op + 2u * i];
            s1 += x * params[op + 2u * i + 1u];
        }
        out[(p * dims.steps + k) * 2u] = s0;
        out[(p * dims.steps + k) * 2u + 1u] = s1;
    }
    for (var i = 0u; i < b; i++) {
        state[p * b + i] = z[i];
    }
}
