// lbm.wgsl — one D2Q9 lattice-Boltzmann step (pull streaming with full-way
// bounce-back, then BGK collision), and the velocity field.
// CPU twin: `Lbm::step` and `Lbm::velocity` in src/labs/flow/lbm.rs (f64), with the
// same velocity set, boundaries and order of operations.
//
// Entry points:
//   step      next = collide(stream(f)); one invocation per cell. The host
//             copies `next` back over `f` after each step.
//   velocity  vel = (u, v) / U0 per cell, 0 in the body.
//
// Bindings (group 0):
//   0  dims   uniform        Dims (nx, ny, inflow flag, ω = 1/τ, U0)
//   1  solid  storage, rw    f32[cells], 1 in the body
//   2  f      storage, rw    f32[9 * cells], f[q * cells + y * nx + x]
//   3  next   storage, rw    f32[9 * cells]
//   4  vel    storage, rw    f32[2 * cells], (u, v) interleaved
// Workgroup size: 64 × 1 × 1, over cells.

struct Dims {
    nx: u32,
    ny: u32,
    inflow: u32,
    omega: f32,
    u0: f32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read_write> solid: array<f32>;
@group(0) @binding(2) var<storage, read_write> f: array<f32>;
@group(0) @binding(3) var<storage, read_write> next: array<f32>;
@group(0) @binding(4) var<storage, read_write> vel: array<f32>;

const CX = array<i32, 9>(0, 1, 0, -1, 0, 1, -1, -1, 1);
const CY = array<i32, 9>(0, 0, 1, 0, -1, 1, 1, -1, -1);
const W = array<f32, 9>(4.0 / 9.0, 1.0 / 9.0, 1.0 / 9.0, 1.0 / 9.0, 1.0 / 9.0, 1.0 / 36.0, 1.0 / 36.0, 1.0 / 36.0, 1.0 / 36.0);
const OPP = array<u32, 9>(0u, 3u, 4u, 1u, 2u, 7u, 8u, 5u, 6u);

fn equilibrium(q: u32, rho: f32, u: f32, v: f32) -> f32 {
    let cu = f32(CX[q]) * u + f32(CY[q]) * v;
    return W[q] * rho * (1.0 + 3.0 * cu + 4.5 * cu * cu - 1.5 * (u * u + v * v));
}

@compute @workgroup_size(64)
fn step(@builtin(global_invocation_id) gid: vec3<u32>) {
    let cells = dims.nx * dims.ny;
    let p = gid.x;
    if (p >= cells) {
        return;
    }
    if (solid[p] > 0.5) {
        for (var q = 0u; q < 9u; q = q + 1u) {
            next[q * cells + p] = f[q * cells + p];
        }
        return;
    }
    let x = i32(p % dims.nx);
    let y = i32(p / dims.nx);
    let nx = i32(dims.nx);
    let ny = i32(dims.ny);
    var fin: array<f32, 9>;
    for (var q = 0u; q < 9u; q = q + 1u) {
        let sy = ((y - CY[q]) % ny + ny) % ny;
        var sx = x - CX[q];
        if (dims.inflow == 0u) {
            sx = (sx % nx + nx) % nx;
        }
        if (sx < 0) {
            fin[q] = equilibrium(q, 1.0, dims.u0, 0.0);
        } else if (sx >= nx) {
            fin[q] = f[q * cells + u32(sy * nx + x)];
        } else {
            let s = u32(sy * nx + sx);
            if (solid[s] > 0.5) {
                fin[q] = f[OPP[q] * cells + p];
            } else {
                fin[q] = f[q * cells + s];
            }
        }
    }
    var rho = 0.0;
    var u = 0.0;
    var v = 0.0;
    for (var q = 0u; q < 9u; q = q + 1u) {
        rho = rho + fin[q];
        u = u + f32(CX[q]) * fin[q];
        v = v + f32(CY[q]) * fin[q];
    }
    u = u / rho;
    v = v / rho;
    for (var q = 0u; q < 9u; q = q + 1u) {
        next[q * cells + p] = fin[q] + dims.omega * (equilibrium(q, rho, u, v) - fin[q]);
    }
}

@compute @workgroup_size(64)
fn velocity(@builtin(global_invocation_id) gid: vec3<u32>) {
    let cells = dims.nx * dims.ny;
    let p = gid.x;
    if (p >= cells) {
        return;
    }
    var rho = 0.0;
    var u = 0.0;
    var v = 0.0;
    for (var q = 0u; q < 9u; q = q + 1u) {
        let fq = f[q * cells + p];
        rho = rho + fq;
        u = u + f32(CX[q]) * fq;
        v = v + f32(CY[q]) * fq;
    }
    if (solid[p] > 0.5) {
        vel[2u * p] = 0.0;
        vel[2u * p + 1u] = 0.0;
    } else {
        vel[2u * p] = u / rho / dims.u0;
        vel[2u * p + 1u] = v / rho / dims.u0;
    }
}
