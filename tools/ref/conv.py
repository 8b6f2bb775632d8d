"""Reference timings for the convolutional units: JAX (jit, XLA on the CPU).

Reads the CNN, its batch and our logits from the JSON file named on the
command line (written by `cargo bench --bench conv`), builds the same network
(per stage: 3 × 3 convolution with zero padding 1 by `lax.conv_general_dilated`,
ReLU, 2 × 2 max pool; then the dense head; NCHW throughout, float64), and
prints one JSON object: median milliseconds of 21 runs of the forward pass and
of one training step (mean softmax cross-entropy, its gradient, Adam), and the
largest absolute difference of its logits from ours.
"""

import json
import sys

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

from timing import median_ms  # noqa: E402


def main():
    p = json.load(open(sys.argv[1]))
    side, classes = p["side"], p["classes"]
    x = jnp.asarray(p["x"], dtype=jnp.float64).reshape(-1, 1, side, side)
    y = jnp.asarray(p["y"])
    params = []
    for c in p["convs"]:
        w = jnp.asarray(c["w"], dtype=jnp.float64).reshape(c["c_out"], c["c_in"], 3, 3)
        params.append((w, jnp.asarray(c["b"], dtype=jnp.float64)))
    head_w = jnp.asarray(p["head_w"], dtype=jnp.float64).reshape(classes, -1)
    params.append((head_w, jnp.asarray(p["head_b"], dtype=jnp.float64)))

    def forward(params, x):
        h = x
        for w, b in params[:-1]:
            h = lax.conv_general_dilated(h, w, (1, 1), ((1, 1), (1, 1)), dimension_numbers=("NCHW", "OIHW", "NCHW"))
            h = jnp.maximum(h + b[None, :, None, None], 0.0)
            h = lax.reduce_window(h, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
        w, b = params[-1]
        return h.reshape(h.shape[0], -1) @ w.T + b

    def loss(params, x, y):
        z = forward(params, x)
        return -jnp.mean(jax.nn.log_softmax(z)[jnp.arange(z.shape[0]), y])

    fwd = jax.jit(forward)

    @jax.jit
    def step(params, m, v, t, x, y):
        g = jax.grad(loss)(params, x, y)
        b1, b2, lr, eps = 0.9, 0.999, 1e-3, 1e-8
        m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, g)
        v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, g)
        mh = jax.tree_util.tree_map(lambda m: m / (1 - b1**t), m)
        vh = jax.tree_util.tree_map(lambda v: v / (1 - b2**t), v)
        params = jax.tree_util.tree_map(lambda p, m, v: p - lr * m / (jnp.sqrt(v) + eps), params, mh, vh)
        return params, m, v

    logits = fwd(params, x).block_until_ready()
    ours = jnp.asarray(p["logits"], dtype=jnp.float64).reshape(logits.shape)
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    state = {"params": params, "m": zeros, "v": zeros, "t": 1.0}

    def one_step():
        out = step(state["params"], state["m"], state["v"], state["t"], x, y)
        jax.block_until_ready(out)
        state["params"], state["m"], state["v"] = out
        state["t"] += 1.0

    print(json.dumps({
        "forward_ms": median_ms(lambda: fwd(params, x).block_until_ready(), 21),
        "step_ms": median_ms(one_step, 21),
        "max_diff": float(jnp.max(jnp.abs(logits - ours))),
    }))


main()
