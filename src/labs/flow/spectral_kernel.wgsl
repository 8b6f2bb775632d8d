// spectral_kernel.wgsl — decaying 2D turbulence, pseudo-spectral, on the GPU: one
// Runge–Kutta step of the vorticity equation in Fourier space, with the FFTs
// done here (radix-2, one workgroup per line, in workgroup memory).
// CPU twin: `Grid::rhs` with `ode::step` in src/labs/flow/spectral.rs (f64, num::fft);
// the same algorithm: ω_x + iω_y and u + iv ride one inverse FFT each, the
// product u ω_x + v ω_y one forward FFT, then the 2/3 rule and viscosity.
// Workgroup size: 64 everywhere (details at the end of this header);
// bindings below.
//
// Entry points (the host copies the Dims variant each one needs into
// `dims` between passes; see src/labs/flow/spectral_kernel.rs):
//   combine   stage = y + Σ_j c_j k_j           (an RK stage's input)
//   finish    y     = y + Σ_j c_j k_j           (the step's update)
//   prepare   work[0] = FFT(ω_x + iω_y), work[1] = FFT(u + iv), from `stage`
//   fft_rows  in-place FFT of every row of work fields field0 …, sign dims.sign
//   fft_cols  the same over columns; the inverse (sign +1) is unnormalized
//   product   work[2] = (u ω_x + v ω_y) / n⁴ from work[0], work[1] in space
//   rhs       k[stage] = −dealias(work[2]) − ν |k|² stage
//   unpack    work[0] = y / n² (then an inverse FFT gives ω in space)
//
// Bindings (group 0):
//   0  dims   uniform        Dims (n, log2 n, FFT sign, field0, RK stage, ν, c0…c3)
//   1  y      storage, rw    vec2<f32>[n²]: ω̂, row j = k_y index, column i = k_x
//   2  stage  storage, rw    vec2<f32>[n²]
//   3  k      storage, rw    vec2<f32>[4 n²]: the RK stages' slopes
//   4  work   storage, rw    vec2<f32>[3 n²]: three complex fields
// Workgroup size: 64. The FFTs take one line of n ≤ 512 points per
// workgroup, each invocation doing n/128 of the n/2 butterflies of a pass
// (few idle invocations at small n, which CPU drivers emulate one by one);
// the elementwise entry points run one invocation per point of n².

struct Dims {
    n: u32,
    log2n: u32,
    sign: f32,
    field0: u32,
    stage: u32,
    nu: f32,
    _pad0: u32,
    _pad1: u32,
    c: vec4<f32>,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read_write> y: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> stage: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> k: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> work: array<vec2<f32>>;

const TAU: f32 = 6.283185307179586;

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

// i · a
fn times_i(a: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(-a.y, a.x);
}

fn wavenumber(i: u32) -> f32 {
    if (i < dims.n / 2u) {
        return f32(i);
    }
    return f32(i) - f32(dims.n);
}

fn slopes(p: u32) -> vec2<f32> {
    let m = dims.n * dims.n;
    return dims.c.x * k[p] + dims.c.y * k[m + p] + dims.c.z * k[2u * m + p] + dims.c.w * k[3u * m + p];
}

@compute @workgroup_size(64)
fn combine(@builtin(global_invocation_id) gid: vec3<u32>) {
    let p = gid.x;
    if (p >= dims.n * dims.n) {
        return;
    }
    stage[p] = y[p] + slopes(p);
}

@compute @workgroup_size(64)
fn finish(@builtin(global_invocation_id) gid: vec3<u32>) {
    let p = gid.x;
    if (p >= dims.n * dims.n) {
        return;
    }
    y[p] = y[p] + slopes(p);
}

@compute @workgroup_size(64)
fn prepare(@builtin(global_invocation_id) gid: vec3<u32>) {
    let p = gid.x;
    let m = dims.n * dims.n;
    if (p >= m) {
        return;
    }
    let kx = wavenumber(p % dims.n);
    let ky = wavenumber(p / dims.n);
    let w = stage[p];
    let k2 = kx * kx + ky * ky;
    var psi = vec2<f32>(0.0, 0.0);
    if (k2 > 0.0) {
        psi = w / k2;
    }
    work[p] = kx * times_i(w) - ky * w;
    work[m + p] = ky * times_i(psi) + kx * psi;
}

@compute @workgroup_size(64)
fn product(@builtin(global_invocation_id) gid: vec3<u32>) {
    let p = gid.x;
    let m = dims.n * dims.n;
    if (p >= m) {
        return;
    }
    let scale = 1.0 / f32(m);
    let a = work[p] * scale;
    let b = work[m + p] * scale;
    work[2u * m + p] = vec2<f32>(b.x * a.x + b.y * a.y, 0.0);
}

@compute @workgroup_size(64)
fn rhs(@builtin(global_invocation_id) gid: vec3<u32>) {
    let p = gid.x;
    let m = dims.n * dims.n;
    if (p >= m) {
        return;
    }
    let kx = wavenumber(p % dims.n);
    let ky = wavenumber(p / dims.n);
    let cut = f32(dims.n) / 3.0;
    var nl = work[2u * m + p];
    if (abs(kx) >= cut || abs(ky) >= cut) {
        nl = vec2<f32>(0.0, 0.0);
    }
    k[dims.stage * m + p] = -nl - dims.nu * (kx * kx + ky * ky) * stage[p];
}

@compute @workgroup_size(64)
fn unpack(@builtin(global_invocation_id) gid: vec3<u32>) {
    let p = gid.x;
    let m = dims.n * dims.n;
    if (p >= m) {
        return;
    }
    work[p] = y[p] / f32(m);
}

var<workgroup> line: array<vec2<f32>, 512>;

// The FFT of the n points at base, base + stride, …: bit-reversed load, then
// log2 n butterfly passes, each thread one butterfly per pass.
fn fft_line(base: u32, stride: u32, t: u32) {
    let n = dims.n;
    let half = n / 2u;
    for (var e = t; e < n; e = e + 64u) {
        line[reverseBits(e) >> (32u - dims.log2n)] = work[base + e * stride];
    }
    workgroupBarrier();
    for (var s = 1u; s <= dims.log2n; s = s + 1u) {
        let mh = 1u << (s - 1u);
        for (var q = t; q < half; q = q + 64u) {
            let j = q % mh;
            let i0 = (q / mh) * (2u * mh) + j;
            let i1 = i0 + mh;
            let angle = dims.sign * TAU * f32(j) / f32(2u * mh);
            let b = cmul(vec2<f32>(cos(angle), sin(angle)), line[i1]);
            let a = line[i0];
            line[i0] = a + b;
            line[i1] = a - b;
        }
        workgroupBarrier();
    }
    for (var e = t; e < n; e = e + 64u) {
        work[base + e * stride] = line[e];
    }
}

@compute @workgroup_size(64)
fn fft_rows(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let field = dims.field0 + wg.y;
    fft_line(field * dims.n * dims.n + wg.x * dims.n, 1u, lid.x);
}

@compute @workgroup_size(64)
fn fft_cols(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let field = dims.field0 + wg.y;
    fft_line(field * dims.n * dims.n + wg.x, dims.n, lid.x);
}
