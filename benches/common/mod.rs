//! What the benches share (`mod common;` in each).

use std::time::Instant;

/// The median wall time of `runs` calls of `f`, in milliseconds, after one
/// untimed call (warm-up: caches, pipelines, allocations).
pub fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}
