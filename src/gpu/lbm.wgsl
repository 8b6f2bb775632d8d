// lbm.wgsl — one D2Q9 lattice-Boltzmann step (pull streaming with full-way
// bounce-back, then BGK collision), and the velocity field.
// CPU twin: `Lbm::step` and `Lbm::velocity` in src/num/lbm.rs (f64), with the
// same velocity set, boundaries and order of operations.
//
// Entry points:
//   step      next = collide(stream(f)); one invocation per cell. The host
//             swaps `f` and `next` between steps (two bind groups).
//   velocity  vel = (u, v) / U0 per cell, 0 in the body.
// Workgroup size: 64 × 1 × 1, over cells.
//
// Bindings (group 0):
//   0  dims   uniform        Dims (nx, ny, ω = 1/τ, U0)
//   1  table  storage, rw    u32[10 * cells]: the gather table (gpu/lbm.rs,
//                            `gather_table`): table[q * cells + p] is the index
//                            in f that population q of cell p streams from, or
//                            9 * cells for the inlet's equilibrium; plane 9 is
//                            1 in the body
//   2  f      storage, rw    f32[9 * cells], f[q * cells + y * nx + x]
//   3  next   storage, rw    f32[9 * cells]
//   4  vel    storage, rw    f32[2 * cells], (u, v) interleaved
//
// The nine velocities c_q = (CX, CY) and weights W (src/num/lbm.rs) are
// written out at each use: the step is unrolled by hand, because a loop over
// constant arrays indexes them dynamically, which compilers turn into a
// private copy of the array per use (slow on SwiftShader's emulation,
// register spills on GPUs). Boundaries live in the table, so every fluid
// cell runs the same straight-line code.

struct Dims {
    nx: u32,
    ny: u32,
    omega: f32,
    u0: f32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
    _pad3: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read_write> table: array<u32>;
@group(0) @binding(2) var<storage, read_write> f: array<f32>;
@group(0) @binding(3) var<storage, read_write> next: array<f32>;
@group(0) @binding(4) var<storage, read_write> vel: array<f32>;

// Equilibrium population of weight w and velocity (cx, cy) at density rho and velocity (u, v).
fn equilibrium(w: f32, cx: f32, cy: f32, rho: f32, u: f32, v: f32) -> f32 {
    let cu = cx * u + cy * v;
    return w * rho * (1.0 + 3.0 * cu + 4.5 * cu * cu - 1.5 * (u * u + v * v));
}

// Population q of cell p after streaming: where the table says, or at the
// inlet the free stream's equilibrium (density 1, velocity (U0, 0)).
fn pull(q: u32, p: u32, w: f32, cx: f32, cy: f32) -> f32 {
    let cells = dims.nx * dims.ny;
    let s = table[q * cells + p];
    let inlet = equilibrium(w, cx, cy, 1.0, dims.u0, 0.0);
    return select(f[min(s, 9u * cells - 1u)], inlet, s >= 9u * cells);
}

@compute @workgroup_size(64)
fn step(@builtin(global_invocation_id) gid: vec3<u32>) {
    let cells = dims.nx * dims.ny;
    let p = gid.x;
    if (p >= cells) {
        return;
    }
    if (table[9u * cells + p] != 0u) {
        for (var q = 0u; q < 9u; q = q + 1u) {
            next[q * cells + p] = f[q * cells + p];
        }
        return;
    }
    let f0 = f[p];
    let f1 = pull(1u, p, 1.0 / 9.0, 1.0, 0.0);
    let f2 = pull(2u, p, 1.0 / 9.0, 0.0, 1.0);
    let f3 = pull(3u, p, 1.0 / 9.0, -1.0, 0.0);
    let f4 = pull(4u, p, 1.0 / 9.0, 0.0, -1.0);
    let f5 = pull(5u, p, 1.0 / 36.0, 1.0, 1.0);
    let f6 = pull(6u, p, 1.0 / 36.0, -1.0, 1.0);
    let f7 = pull(7u, p, 1.0 / 36.0, -1.0, -1.0);
    let f8 = pull(8u, p, 1.0 / 36.0, 1.0, -1.0);
    // Moments, summed over q in order as the CPU twin does (its terms with
    // c = 0 add nothing).
    let rho = f0 + f1 + f2 + f3 + f4 + f5 + f6 + f7 + f8;
    let u = (f1 - f3 + f5 - f6 - f7 + f8) / rho;
    let v = (f2 - f4 + f5 + f6 - f7 - f8) / rho;
    let o = dims.omega;
    next[p] = f0 + o * (equilibrium(4.0 / 9.0, 0.0, 0.0, rho, u, v) - f0);
    next[cells + p] = f1 + o * (equilibrium(1.0 / 9.0, 1.0, 0.0, rho, u, v) - f1);
    next[2u * cells + p] = f2 + o * (equilibrium(1.0 / 9.0, 0.0, 1.0, rho, u, v) - f2);
    next[3u * cells + p] = f3 + o * (equilibrium(1.0 / 9.0, -1.0, 0.0, rho, u, v) - f3);
    next[4u * cells + p] = f4 + o * (equilibrium(1.0 / 9.0, 0.0, -1.0, rho, u, v) - f4);
    next[5u * cells + p] = f5 + o * (equilibrium(1.0 / 36.0, 1.0, 1.0, rho, u, v) - f5);
    next[6u * cells + p] = f6 + o * (equilibrium(1.0 / 36.0, -1.0, 1.0, rho, u, v) - f6);
    next[7u * cells + p] = f7 + o * (equilibrium(1.0 / 36.0, -1.0, -1.0, rho, u, v) - f7);
    next[8u * cells + p] = f8 + o * (equilibrium(1.0 / 36.0, 1.0, -1.0, rho, u, v) - f8);
}

@compute @workgroup_size(64)
fn velocity(@builtin(global_invocation_id) gid: vec3<u32>) {
    let cells = dims.nx * dims.ny;
    let p = gid.x;
    if (p >= cells) {
        return;
    }
    if (table[9u * cells + p] != 0u) {
        vel[2u * p] = 0.0;
        vel[2u * p + 1u] = 0.0;
        return;
    }
    let f0 = f[p];
    let f1 = f[cells + p];
    let f2 = f[2u * cells + p];
    let f3 = f[3u * cells + p];
    let f4 = f[4u * cells + p];
    let f5 = f[5u * cells + p];
    let f6 = f[6u * cells + p];
    let f7 = f[7u * cells + p];
    let f8 = f[8u * cells + p];
    let rho = f0 + f1 + f2 + f3 + f4 + f5 + f6 + f7 + f8;
    vel[2u * p] = (f1 - f3 + f5 - f6 - f7 + f8) / rho / dims.u0;
    vel[2u * p + 1u] = (f2 - f4 + f5 + f6 - f7 - f8) / rho / dims.u0;
}
