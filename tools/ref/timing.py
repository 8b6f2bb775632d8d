"""Timing shared by the reference scripts."""

import time


def median_ms(f, runs, warm_up=True):
    """Median wall time of `runs` calls of f, in milliseconds (after one untimed call)."""
    if warm_up:
        f()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append((time.perf_counter() - t) * 1e3)
    return sorted(times)[runs // 2]
