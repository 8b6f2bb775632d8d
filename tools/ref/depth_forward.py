"""Reference timings for the depth lab's forward pass: NumPy and JAX (jit, XLA on the CPU).

Reads a packed model and its points from the JSON file named on the command line
(written by `cargo bench --bench depth`), evaluates the same network the same
way as `src/labs/depth/kernel.rs` (lift, then RK stages with the weights
sampled at each stage's depth, then readout; float32 throughout), and prints
one JSON object: median milliseconds of 5 runs each, and the largest absolute
difference of each reference's logits from ours.
"""

import json
import sys

import numpy as np

from timing import median_ms


def unpack(m):
    d, w, c, steps, stages = m["d"], m["w"], m["c"], m["steps"], m["stages"]
    fx = np.asarray(m["fixed"], dtype=np.float32)
    lift_w = fx[: 2 * d].reshape(d, 2)
    lift_b = fx[2 * d : 3 * d]
    out_w = fx[3 * d : 3 * d + c * d].reshape(c, d)
    out_b = fx[3 * d + c * d :]
    per = 2 * w * d + w + d
    st = np.asarray(m["stage_weights"], dtype=np.float32).reshape(steps * stages, per)
    w1 = st[:, : w * d].reshape(-1, w, d)
    b1 = st[:, w * d : w * d + w]
    w2 = st[:, w * d + w : w * d + w + d * w].reshape(-1, d, w)
    b2 = st[:, w * d + w + d * w :]
    tab = np.asarray(m["tableau"], dtype=np.float32)
    a, b = tab[:16].reshape(4, 4), tab[16:]
    return dict(lift_w=lift_w, lift_b=lift_b, out_w=out_w, out_b=out_b, w1=w1, b1=b1, w2=w2, b2=b2,
                a=a, b=b, h=np.float32(m["h"]), steps=steps, stages=stages)


def forward(xp, p, x):
    h = x @ p["lift_w"].T + p["lift_b"]
    s = 0
    for _ in range(p["steps"]):
        ks = []
        for i in range(p["stages"]):
            y = h
            for j in range(i):
                y = y + (p["h"] * p["a"][i, j]) * ks[j]
            z = xp.tanh(y @ p["w1"][s].T + p["b1"][s])
            ks.append(z @ p["w2"][s].T + p["b2"][s])
            s += 1
        for i in range(p["stages"]):
            h = h + (p["h"] * p["b"][i]) * ks[i]
    return h @ p["out_w"].T + p["out_b"]


def main():
    data = json.load(open(sys.argv[1]))
    p = unpack(data["packed"])
    x = np.asarray(data["points"], dtype=np.float32).reshape(-1, 2)
    ours = np.asarray(data["logits"], dtype=np.float32).reshape(x.shape[0], -1)
    out = {}
    ref = forward(np, p, x)
    out["numpy_ms"] = median_ms(lambda: forward(np, p, x), 5)
    out["numpy_max_diff"] = float(np.max(np.abs(ref - ours)))
    try:
        import jax
        import jax.numpy as jnp

        jp = {k: (jnp.asarray(v) if isinstance(v, np.ndarray) else v) for k, v in p.items()}
        f = jax.jit(lambda xx: forward(jnp, jp, xx))
        xj = jnp.asarray(x)
        f(xj).block_until_ready()
        out["jax_ms"] = median_ms(lambda: f(xj).block_until_ready(), 5)
        out["jax_max_diff"] = float(np.max(np.abs(np.asarray(f(xj)) - ours)))
        out["jax_devices"] = str(jax.devices())
    except ImportError as e:
        out["jax_error"] = str(e)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
