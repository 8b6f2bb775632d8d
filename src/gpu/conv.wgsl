// conv.wgsl — batched 3 × 3 convolution ("same" zero padding, stride 1 or 2)
// and its input gradient, for image models' evaluation, saliency and PGD.
// CPU twins: `conv::forward` and `conv::input_gradient` in src/gpu/conv.rs,
// which sum in the same order (the f64 training path is num::conv).
//
// Layout: images [n][c][h][w]; kernel W [c_out][c_in][3][3] (row o of
// num::conv::Conv::w), bias b [c_out]; output [n][c_out][ho][wo] with
// ho = ceil(h / stride), wo = ceil(w / stride).
//
// Bindings (group 0):
//   0  dims  uniform        Dims
//   1  w     storage        f32[c_out * 9 * c_in]
//   2  b     storage        f32[c_out]
//   3  src   storage        forward: x f32[n*c_in*h*w]; input_gradient: dy f32[n*c_out*ho*wo]
//   4  dst   storage        forward: y f32[n*c_out*ho*wo]; input_gradient: dx f32[n*c_in*h*w]
// Workgroup size: 64 × 1 × 1, one invocation per output element, folded
// into x and y past 65 535 workgroups (`dims.groups_x`).

struct Dims {
    n: u32,
    c_in: u32,
    c_out: u32,
    h: u32,
    w: u32,
    ho: u32,
    wo: u32,
    stride: u32,
    groups_x: u32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read_write> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> src: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;

fn invocation(wg: vec3<u32>, lane: u32) -> u32 {
    return (wg.y * dims.groups_x + wg.x) * 64u + lane;
}

// y[img, o, i, j] = b[o] + Σ_{c, a, e} W[o, c, a, e] x[img, c, s·i + a − 1, s·j + e − 1],
// summed from the bias in order of c, a, e (taps outside the image skipped).
@compute @workgroup_size(64)
fn forward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
    let index = invocation(wg, lane);
    if (index >= dims.n * dims.c_out * dims.ho * dims.wo) {
        return;
    }
    let j = index % dims.wo;
    let i = (index / dims.wo) % dims.ho;
    let o = (index / (dims.wo * dims.ho)) % dims.c_out;
    let img = index / (dims.wo * dims.ho * dims.c_out);
    var acc = b[o];
    for (var c = 0u; c < dims.c_in; c++) {
        for (var a = 0u; a < 3u; a++) {
            let y = i32(dims.stride * i + a) - 1;
            if (y < 0 || y >= i32(dims.h)) {
                continue;
            }
            for (var e = 0u; e < 3u; e++) {
                let x = i32(dims.stride * j + e) - 1;
                if (x < 0 || x >= i32(dims.w)) {
                    continue;
                }
                let weight = w[o * 9u * dims.c_in + 9u * c + 3u * a + e];
                acc += weight * src[((img * dims.c_in + c) * dims.h + u32(y)) * dims.w + u32(x)];
            }
        }
    }
    dst[index] = acc;
}

// dx[img, c, y, x] = Σ_{o, a, e} W[o, c, a, e] dy[img, o, i, j] over the output
// pixels (i, j) whose window reads (y, x): s·i = y + 1 − a, s·j = x + 1 − e.
// Summed from zero in order of o, a, e.
@compute @workgroup_size(64)
fn input_gradient(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
    let index = invocation(wg, lane);
    if (index >= dims.n * dims.c_in * dims.h * dims.w) {
        return;
    }
    let x = index % dims.w;
    let y = (index / dims.w) % dims.h;
    let c = (index / (dims.w * dims.h)) % dims.c_in;
    let img = index / (dims.w * dims.h * dims.c_in);
    let s = i32(dims.stride);
    var acc = 0.0;
    for (var o = 0u; o < dims.c_out; o++) {
        for (var a = 0u; a < 3u; a++) {
            let ty = i32(y) + 1 - i32(a);
            if (ty < 0 || ty % s != 0 || ty / s >= i32(dims.ho)) {
                continue;
            }
            for (var e = 0u; e < 3u; e++) {
                let tx = i32(x) + 1 - i32(e);
                if (tx < 0 || tx % s != 0 || tx / s >= i32(dims.wo)) {
                    continue;
                }
                let weight = w[o * 9u * dims.c_in + 9u * c + 3u * a + e];
                acc += weight * src[((img * dims.c_out + o) * dims.ho + u32(ty / s)) * dims.wo + u32(tx / s)];
            }
        }
    }
    dst[index] = acc;
}
