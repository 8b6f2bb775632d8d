// network_kernel.wgsl — the vortical network's adjacency, never stored:
// A_ij = (w_i + w_j) / max(d_ij, floor) for i ≠ j, A_ii = 0, with
// w_i = |Γ_i| / (4π) and d_ij the (periodic, minimum-image) distance.
// CPU twins: `Network::matvec` and `Network::column` in src/labs/flow/network.rs.
//
// Entry points:
//   matvec   y = A x; one invocation per row i, looping over all j.
//   columns  out[c * n + i] = A(i, s_c) for the sampled columns s.
//
// Bindings (group 0):
//   0  dims   uniform        Dims (n nodes, l columns, periodic flag, floor, box lx × ly)
//   1  nodes  storage, rw    f32[3n]: x, y, w of node i at 3i, 3i + 1, 3i + 2
//   2  input  storage, rw    matvec: x, f32[n]; columns: s, column indices as f32[l]
//   3  out    storage, rw    matvec: y, f32[n]; columns: f32[l * n], column-major
// Workgroup size: 64 × 1 × 1 (matvec: 1D over rows; columns: x over rows,
// y over columns).

struct Dims {
    n: u32,
    l: u32,
    periodic: u32,
    floor: f32,
    lx: f32,
    ly: f32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read_write> nodes: array<f32>;
@group(0) @binding(2) var<storage, read_write> input: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn entry(i: u32, j: u32) -> f32 {
    if (i == j) {
        return 0.0;
    }
    var dx = abs(nodes[3u * i] - nodes[3u * j]);
    var dy = abs(nodes[3u * i + 1u] - nodes[3u * j + 1u]);
    if (dims.periodic != 0u) {
        dx = min(dx, dims.lx - dx);
        dy = min(dy, dims.ly - dy);
    }
    return (nodes[3u * i + 2u] + nodes[3u * j + 2u]) / max(sqrt(dx * dx + dy * dy), dims.floor);
}

@compute @workgroup_size(64)
fn matvec(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= dims.n) {
        return;
    }
    var acc = 0.0;
    for (var j = 0u; j < dims.n; j = j + 1u) {
        acc = acc + entry(i, j) * input[j];
    }
    out[i] = acc;
}

@compute @workgroup_size(64)
fn columns(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let c = gid.y;
    if (i >= dims.n || c >= dims.l) {
        return;
    }
    out[c * dims.n + i] = entry(i, u32(input[c]));
}
