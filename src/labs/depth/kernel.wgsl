// kernel.wgsl — the depth lab's whole forward pass for many points: lift,
// every Runge–Kutta stage of every step of the ODE block, readout. All
// stages are chained in one dispatch, with no readback in between.
// CPU twin: `kernel::eval_cpu` in src/labs/depth/kernel.rs.
//
// The block's weights are sampled at each stage's depth on the CPU and packed
// per (step, stage) as [W1 (w×d), b1 (w), W2 (d×w), b2 (d)], row-major.
//
// Bindings (group 0):
//   0  dims     uniform        Dims (sizes, step h, whether to record)
//   1  points   storage, read  f32[n * 2]
//   2  fixed    storage, read  [lift W (d×2), lift b (d), out W (c×d), out b (c)]
//   3  stages   storage, read  f32[steps * stages * (2wd + w + d)]
//   4  tableau  storage, read  [a (4×4, row-major), b (4)]
//   5  logits   storage, rw    f32[n * c]
//   6  traj     storage, rw    f32[(steps + 1) * n * d] when dims.record = 1
// Workgroup size: 64 × 1 × 1; one invocation per point, folded into x and y
// past 65 535 workgroups (see `dims.groups_x`).
// Limits: d ≤ 16, at most 4 stages.

struct Dims {
    n: u32,
    d: u32,
    w: u32,
    c: u32,
    steps: u32,
    stages: u32,
    record: u32,
    groups_x: u32,
    h: f32,
    _pad0: f32,
    _pad1: f32,
    _pad2: f32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> points: array<f32>;
@group(0) @binding(2) var<storage, read> fixed: array<f32>;
@group(0) @binding(3) var<storage, read> stages: array<f32>;
@group(0) @binding(4) var<storage, read> tableau: array<f32>;
@group(0) @binding(5) var<storage, read_write> logits: array<f32>;
@group(0) @binding(6) var<storage, read_write> traj: array<f32>;

const MAX_D: u32 = 16u;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
    let p = (wg.y * dims.groups_x + wg.x) * 64u + lane;
    if (p >= dims.n) {
        return;
    }
    let d = dims.d;
    let w = dims.w;
    var h: array<f32, 16>;
    var y: array<f32, 16>;
    var k: array<f32, 64>; // stage derivatives, k[i * MAX_D + o]

    // Lift R² → R^d.
    let x0 = points[2u * p];
    let x1 = points[2u * p + 1u];
    for (var o = 0u; o < d; o++) {
        h[o] = fixed[2u * d + o] + fixed[2u * o] * x0 + fixed[2u * o + 1u] * x1;
    }
    if (dims.record == 1u) {
        for (var o = 0u; o < d; o++) {
            traj[p * d + o] = h[o];
        }
    }

    let per_stage = 2u * w * d + w + d;
    for (var n = 0u; n < dims.steps; n++) {
        for (var i = 0u; i < dims.stages; i++) {
            // Stage input y = h + h_step Σ_j a_ij k_j.
            for (var o = 0u; o < d; o++) {
                var acc = h[o];
                for (var j = 0u; j < i; j++) {
                    acc += dims.h * tableau[i * 4u + j] * k[j * MAX_D + o];
                }
                y[o] = acc;
            }
            // k_i = W2 tanh(W1 y + b1) + b2, one hidden unit at a time.
            let base = (n * dims.stages + i) * per_stage;
            let w1 = base;
            let b1 = base + w * d;
            let w2 = b1 + w;
            let b2 = w2 + d * w;
            for (var o = 0u; o < d; o++) {
                k[i * MAX_D + o] = stages[b2 + o];
            }
            for (var u = 0u; u < w; u++) {
                var z = stages[b1 + u];
                for (var q = 0u; q < d; q++) {
                    z += stages[w1 + u * d + q] * y[q];
                }
                let a = tanh(z);
                for (var o = 0u; o < d; o++) {
                    k[i * MAX_D + o] += stages[w2 + o * w + u] * a;
                }
            }
        }
        for (var o = 0u; o < d; o++) {
            var acc = h[o];
            for (var i = 0u; i < dims.stages; i++) {
                acc += dims.h * tableau[16u + i] * k[i * MAX_D + o];
            }
            h[o] = acc;
        }
        if (dims.record == 1u) {
            for (var o = 0u; o < d; o++) {
                traj[((n + 1u) * dims.n + p) * d + o] = h[o];
            }
        }
    }

    // Readout R^d → R^c.
    let ow = 3u * d;
    let ob = ow + dims.c * d;
    for (var c = 0u; c < dims.c; c++) {
        var acc = fixed[ob + c];
        for (var o = 0u; o < d; o++) {
            acc += fixed[ow + c * d + o] * h[o];
        }
        logits[p * dims.c + c] = acc;
    }
}
