"""Reference timings for the sketch lab, in NumPy as a NumPy user would write it.

Prints one JSON object with milliseconds:
- bootstrap_ms: one bootstrap of a uniform sketch at the defaults (m = 20,000,
  n = 100, l = 500, B = 40, k = 1): per replica the Gram matrix of the
  resampled rows and numpy.linalg.eigh, median of 5;
- sweep_ms: the whole SVD sweep at the defaults (R = 100 sketches at each of
  l0 ... 16 l0, bootstrapped all at l0 and 10 above), once;
- opnorm_trial_ms: one operator-norm trial at n = 1,600, p = 400, B = 100:
  dense p x p differences and numpy.linalg.eigvalsh, median of 3;
- opnorm_sweep_ms: the operator-norm sweep at the defaults (p = 50 and 400,
  n = 50 ... 1,600, 50 trials per cell), estimated from 5 trials per cell
  times 10 (the whole sweep takes minutes in NumPy).
"""

import json

import numpy as np

from timing import median_ms

rng = np.random.default_rng(1)
m, n, l0, B, R, k = 20_000, 100, 500, 40, 100, 1
V, _ = np.linalg.qr(rng.standard_normal((n, n)))
A = (rng.standard_normal((m, n)) / np.sqrt(m) * (np.arange(1, n + 1) ** -1.0)) @ V.T


def top(g):
    w, v = np.linalg.eigh(g)
    return np.sqrt(max(w[-k], 0.0)), v[:, -k]


def bootstrap(y):
    _, own = top(y.T @ y)
    errs = []
    ll = y.shape[0]
    for _ in range(B):
        c = np.bincount(rng.integers(0, ll, ll), minlength=ll).astype(float)
        _, v = top(y.T @ (c[:, None] * y))
        errs.append(np.sqrt(max(0.0, 1 - (own @ v) ** 2)))
    return np.quantile(errs, 0.9)


def sketch(ll):
    return A[rng.integers(0, m, ll)] * np.sqrt(m / ll)


y0 = sketch(l0)
bootstrap_ms = median_ms(lambda: bootstrap(y0), 5)


def sweep():
    _, exact = top(A.T @ A)
    for j, mult in enumerate([1, 2, 4, 8, 16]):
        for r in range(R):
            y = sketch(mult * l0)
            _, v = top(y.T @ y)
            np.sqrt(max(0.0, 1 - (exact @ v) ** 2))
            if j == 0 or r < 10:
                bootstrap(y)


sweep_ms = median_ms(sweep, 1, warm_up=False)

nn, p, Bop = 1600, 400, 100


def trial(nn=nn, p=p):
    lam = np.arange(1, p + 1) ** -2.0
    x = rng.standard_normal((nn, p)) * np.sqrt(lam)
    s = x.T @ x / nn
    t = np.sqrt(nn) * np.abs(np.linalg.eigvalsh(s - np.diag(lam))).max()
    boots = []
    for _ in range(Bop):
        c = np.bincount(rng.integers(0, nn, nn), minlength=nn).astype(float)
        d = x.T @ ((c - 1)[:, None] * x) / nn
        boots.append(np.sqrt(nn) * np.abs(np.linalg.eigvalsh(d)).max())
    return t <= np.quantile(boots, 0.9)


opnorm_trial_ms = median_ms(trial, 3)


def opnorm_sweep(trials=5):
    for p_ in [50, 400]:
        for n_ in [50, 100, 200, 400, 800, 1600]:
            for _ in range(trials):
                trial(n_, p_)


opnorm_sweep_ms = median_ms(opnorm_sweep, 1, warm_up=False) * 10
print(
    json.dumps(
        {
            "bootstrap_ms": bootstrap_ms,
            "sweep_ms": sweep_ms,
            "opnorm_trial_ms": opnorm_trial_ms,
            "opnorm_sweep_ms": opnorm_sweep_ms,
        }
    )
)
