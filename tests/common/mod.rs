//! What the integration tests share: the GPU device, or a recorded skip.
//!
//! GPU kernels are tested against their CPU twins on a real wgpu device —
//! natively the Vulkan CPU driver (lavapipe) when installed. Each lab's
//! parity tests sit in that lab's test file and start with
//! `let Some(gpu) = gpu() else { return };`.
//!
//! Without an adapter a test reports itself skipped, not passed: it prints
//! `SKIPPED: <test>` and appends its name to the file `CONTINUUM_SKIP_LOG`
//! names, and `make test` moves it from the passed count to the skipped one
//! (libtest has no skipped outcome of its own). With `CONTINUUM_REQUIRE_GPU=1`
//! (set by `make test` when a Vulkan driver is installed) a missing adapter
//! is a failure instead.

use continuum::gpu::Gpu;

/// The device, or `None` after recording the calling test as skipped.
pub fn gpu() -> Option<Gpu> {
    match pollster::block_on(Gpu::new(None)) {
        Ok(gpu) => Some(gpu),
        Err(e) if std::env::var("CONTINUUM_REQUIRE_GPU").as_deref() == Ok("1") => {
            panic!("CONTINUUM_REQUIRE_GPU=1 but no GPU: {e}")
        }
        Err(e) => {
            let name = std::thread::current().name().unwrap_or("a GPU test").to_string();
            eprintln!("SKIPPED: {name} (no GPU adapter: {e})");
            if let Ok(path) = std::env::var("CONTINUUM_SKIP_LOG") {
                use std::io::Write;
                let mut log =
                    std::fs::OpenOptions::new().create(true).append(true).open(path).expect("the skip log opens");
                writeln!(log, "{name}").expect("the skip log is writable");
            }
            None
        }
    }
}
