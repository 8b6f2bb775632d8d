"""Reference timings for the flow lab's eigenpairs: NumPy and SciPy.

Reads the vortical network and the sampled columns from the JSON file named on
the command line (written by `cargo bench --bench flow`) and prints one JSON
object with median milliseconds:
- nystrom_ms: the QR form in NumPy as a NumPy user would write it
  (matrix-free columns, eigendecomposition of W truncated at 0.1 of its
  largest magnitude, thin QR of C, eigenpairs of R W+ R^T), median of 3;
- nystrom_reduced_ms: the same matrix the way `src/num/nystrom.rs` computes
  it (thin QR of B = C V_r, r the kept eigenvalues of W), median of 3;
- arpack_ms: the exact leading pairs the way a NumPy user would get them,
  building the dense A (n^2 doubles) and calling scipy's ARPACK (eigsh),
  once; with the leading eigenvalues of both, to compare with ours.
"""

import json
import sys
import time

import numpy as np

from timing import median_ms


def entries(net, rows, cols):
    x, y = np.asarray(net["x"]), np.asarray(net["y"])
    w = np.abs(np.asarray(net["gamma"])) / (4 * np.pi)
    dx = np.abs(x[rows][:, None] - x[cols][None, :])
    dy = np.abs(y[rows][:, None] - y[cols][None, :])
    if net["period"] is not None:
        lx, ly = net["period"]
        dx = np.minimum(dx, lx - dx)
        dy = np.minimum(dy, ly - dy)
        floor = lx * 1e-3
    else:
        floor = 1e-3
    a = (w[rows][:, None] + w[cols][None, :]) / np.maximum(np.sqrt(dx * dx + dy * dy), floor)
    a[rows[:, None] == cols[None, :]] = 0.0
    return a


def nystrom(net, s, k, reduced=False):
    """The QR form; `reduced` takes the thin QR of B = C V_r (as src/num/nystrom.rs
    does) instead of C: the same matrix C W+ C^T."""
    n = len(net["x"])
    c = entries(net, np.arange(n), s)
    w = 0.5 * (c[s] + c[s].T)
    lam, v = np.linalg.eigh(w)
    keep = np.abs(lam) >= 0.1 * np.max(np.abs(lam))
    if reduced:
        q, r = np.linalg.qr(c @ v[:, keep])
        m = (r / lam[keep]) @ r.T
    else:
        q, r = np.linalg.qr(c)
        m = r @ ((v[:, keep] / lam[keep]) @ v[:, keep].T) @ r.T
    theta, u = np.linalg.eigh(m)
    top = np.argsort(theta)[::-1][:k]
    return theta[top], q @ u[:, top]


def main():
    data = json.load(open(sys.argv[1]))
    net, s, k = data["network"], np.asarray(data["samples"]), data["k"]
    out = {}
    values, _ = nystrom(net, s, k)
    out["nystrom_ms"] = median_ms(lambda: nystrom(net, s, k), 3, warm_up=False)
    out["nystrom_values"] = values.tolist()
    out["nystrom_reduced_ms"] = median_ms(lambda: nystrom(net, s, k, reduced=True), 3, warm_up=False)
    out["nystrom_reduced_values"] = nystrom(net, s, k, reduced=True)[0].tolist()
    if "--no-arpack" not in sys.argv:
        from scipy.sparse.linalg import eigsh

        n = len(net["x"])
        t = time.perf_counter()
        a = np.empty((n, n))
        for r0 in range(0, n, 2000):
            rows = np.arange(r0, min(n, r0 + 2000))
            a[rows] = entries(net, rows, np.arange(n))
        build = (time.perf_counter() - t) * 1e3
        t = time.perf_counter()
        lam = eigsh(a, k=k, which="LA", return_eigenvectors=False)
        out["arpack_ms"] = build + (time.perf_counter() - t) * 1e3
        out["dense_build_ms"] = build
        out["arpack_values"] = sorted(lam.tolist(), reverse=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
