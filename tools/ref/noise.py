"""Reference timings for the noise lab, as a JAX or NumPy user would write them.

Prints one JSON object with milliseconds:
- epoch_ms_f64 / epoch_ms_f32: one training epoch of the noisy Lipschitz RNN
  at the defaults (64 units, T = 140, 500 sequences in batches of 32, Adam),
  in JAX: the Euler-Maruyama loop as lax.scan, jax.grad, the whole step
  jitted; with 64-bit floats (our arithmetic) and with JAX's default 32-bit;
  median of 3 epochs after compilation;
- paths_per_second: Euler-Maruyama paths of dX = aX dt + sigma X dW in NumPy
  (a = 0.5, sigma = 1.5, dt = 1e-3, T = 20), vectorised over 2,000 paths,
  log|X| kept as the lab keeps it.
"""

import json
import os
import subprocess
import sys

from timing import median_ms


def rnn_epoch(x64):
    import jax

    jax.config.update("jax_enable_x64", x64)
    import jax.numpy as jnp

    n, T, N, B = 64, 140, 500, 32
    beta, gamma, lr = 0.75, 1e-3, 3e-3
    key = jax.random.PRNGKey(1)
    k = jax.random.split(key, 8)
    dt = jnp.float64 if x64 else jnp.float32
    params = {
        "B": jax.random.normal(k[0], (n, n), dt) * 0.1 / n,
        "C": jax.random.normal(k[1], (n, n), dt) * 0.1 / n,
        "E": jax.random.uniform(k[2], (n,), dt, -1, 1),
        "b": jax.random.uniform(k[3], (n,), dt, -1, 1),
        "D": jax.random.uniform(k[4], (n, 2), dt, -0.125, 0.125),
        "c": jax.random.uniform(k[5], (2,), dt, -0.125, 0.125),
        "d": jnp.full((n,), 0.1, dt),
    }
    x_all = jax.random.normal(k[6], (N, T), dt)
    y_all = jnp.arange(N) % 2

    def lipschitz(M):
        return beta * (M - M.T) + (1 - beta) * (M + M.T) - gamma * jnp.eye(n, dtype=dt)

    def loss(p, x, y, key):
        A, W = lipschitz(p["B"]), lipschitz(p["C"])
        noise = jax.random.normal(key, (T, x.shape[0], n), dt) * 0.05
        mult = 1 - 0.02 * jax.random.uniform(jax.random.fold_in(key, 1), (T, x.shape[0], n), dt)

        def step(h, inp):
            xt, xi, m = inp
            f = h @ A + jnp.tanh(h @ W + xt[:, None] * p["E"] + p["b"])
            return h + p["d"] * m * f + xi, None

        h, _ = jax.lax.scan(step, jnp.zeros((x.shape[0], n), dt), (x.T, noise, mult))
        logits = h @ p["D"] + p["c"]
        return -jnp.mean(jax.nn.log_softmax(logits)[jnp.arange(x.shape[0]), y])

    @jax.jit
    def train_step(p, m, v, t, x, y, key):
        g = jax.grad(loss)(p, x, y, key)
        m = jax.tree.map(lambda m, g: 0.9 * m + 0.1 * g, m, g)
        v = jax.tree.map(lambda v, g: 0.999 * v + 0.001 * g * g, v, g)
        p = jax.tree.map(
            lambda p, m, v: p - lr * (m / (1 - 0.9**t)) / (jnp.sqrt(v / (1 - 0.999**t)) + 1e-8), p, m, v
        )
        return p, m, v

    state = {"p": params, "m": jax.tree.map(jnp.zeros_like, params), "v": jax.tree.map(jnp.zeros_like, params), "t": 0}

    def epoch():
        p, m, v = state["p"], state["m"], state["v"]
        for start in range(0, N, B):
            state["t"] += 1
            p, m, v = train_step(p, m, v, state["t"], x_all[start : start + B], y_all[start : start + B], jax.random.fold_in(key, state["t"]))
        jax.block_until_ready(p)
        state["p"], state["m"], state["v"] = p, m, v

    return median_ms(epoch, 3)


def paths_per_second():
    import numpy as np

    rng = np.random.default_rng(1)
    a, sigma, dt, T, N = 0.5, 1.5, 1e-3, 20.0, 2000
    steps = int(round(T / dt))

    def run():
        logx = np.zeros(N)
        for _ in range(steps):
            logx += np.log(np.abs(1 + a * dt + sigma * np.sqrt(dt) * rng.standard_normal(N)))
        return logx

    ms = median_ms(run, 1, warm_up=False)
    return N / (ms / 1000)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "epoch":
        print(rnn_epoch(sys.argv[2] == "64"))
        sys.exit(0)
    here = os.path.dirname(os.path.abspath(__file__))
    out = {}
    for bits in ["64", "32"]:
        r = subprocess.run([sys.executable, os.path.join(here, "noise.py"), "epoch", bits], capture_output=True, text=True, check=True)
        out[f"epoch_ms_f{bits}"] = float(r.stdout.strip().splitlines()[-1])
    out["paths_per_second"] = paths_per_second()
    print(json.dumps(out))
