#!/usr/bin/env bash
# Runs every suite, keeps going past failures, and ends with one line:
# `N passed, N failed, N skipped`, totalled over all suites (checks such as
# fmt and clippy count as one test each; a test that could not run, such as a
# GPU test without an adapter, counts as skipped, never as passed). Exits
# non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
. tools/lib.sh

passed=0
failed=0
skipped=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

# One check: a command that passes or fails as a whole.
check() {
  local name=$1; shift
  say "$name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $name"; fi
}

# A run from a clean clone gains nothing from incremental compilation, whose
# data was 473 MB of target/ (of 2.2 GB after `cargo test --no-run`); set
# CARGO_INCREMENTAL=1 to keep it between runs of your own.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
cold_run_mb=3000  # what a cold run writes: target/, node_modules/, dist/
free_mb=$(df -Pm . | awk 'NR == 2 { print $4 }')
say "disk: ${free_mb} MB free here; a cold run writes about ${cold_run_mb} MB"
[ "${free_mb:-0}" -lt "$cold_run_mb" ] && echo "WARNING: under ${cold_run_mb} MB free; the Rust builds may fail with 'No space left on device'"

# Installs first; a failure here stops the run with its message.
ensure_node_packages
ensure_chromium
if [ -d /usr/share/vulkan/icd.d ] || command -v apt-get >/dev/null; then
  command -v apt-get >/dev/null && need_debian_packages mesa-vulkan-drivers
fi

check "cargo fmt --check" cargo fmt --check
# The wasm32 target, for the clippy pass below and the wasm build (tools/wasm.sh
# falls back to Debian's toolchain where rustup cannot add it).
rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown ||
  rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  # Both targets in one cargo run, so the two single-threaded passes over
  # this crate overlap: 359 s cold against 459 s for one after the other
  # (2026-12-07, this 2-core machine).
  host=$(rustc -vV | sed -n 's/^host: //p')
  check "cargo clippy (native and wasm32)" cargo clippy --target "$host" --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings
else
  check "cargo clippy (native)" cargo clippy --all-targets --quiet -- -D warnings
  say "cargo clippy (wasm32): not run — needs the rustup wasm32 target (rustup target add wasm32-unknown-unknown)"
fi

# Rust unit, integration and doc tests. With a Vulkan driver installed, the
# GPU parity tests must find an adapter rather than quietly not run.
say "cargo test"
require_gpu=0
ls /usr/share/vulkan/icd.d/*.json >/dev/null 2>&1 && require_gpu=1
CONTINUUM_REQUIRE_GPU=$require_gpu CONTINUUM_SKIP_LOG="$log/skipped.txt" cargo test 2>&1 | tee "$log/cargo.txt" | grep -v "XDG_RUNTIME_DIR"
cargo_status=${PIPESTATUS[0]}
read -r p f < <(awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } } END { print p+0, f+0 }' "$log/cargo.txt")
passed=$((passed + p)); failed=$((failed + f))
if [ -s "$log/skipped.txt" ]; then
  s=$(wc -l < "$log/skipped.txt")
  echo "skipped (no GPU adapter): $(tr '\n' ' ' < "$log/skipped.txt")"
  passed=$((passed - s)); skipped=$((skipped + s))
fi
if [ "$cargo_status" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); echo "FAILED: cargo test did not build or run"; fi

# The site the browser tests load: wasm core + bundled front end.
check "build the wasm core" tools/wasm.sh
check "build the front end (vite)" npx vite build --logLevel warn

for webgpu in 1 0; do
  label=$([ $webgpu = 1 ] && echo "with WebGPU (SwiftShader)" || echo "without WebGPU")
  say "browser tests $label"
  CONTINUUM_WEBGPU=$webgpu node --test --test-concurrency=1 --test-reporter=spec tests/e2e/ 2>&1 | tee "$log/e2e$webgpu.txt"
  p=$(awk '/^ℹ pass / { print $3 }' "$log/e2e$webgpu.txt"); f=$(awk '/^ℹ fail / { print $3 }' "$log/e2e$webgpu.txt")
  c=$(awk '/^ℹ cancelled / { print $3 }' "$log/e2e$webgpu.txt")
  s=$(awk '/^ℹ skipped / { print $3 }' "$log/e2e$webgpu.txt")
  skipped=$((skipped + ${s:-0}))
  if [ -z "$p" ]; then failed=$((failed + 1)); echo "FAILED: browser tests $label did not report"; continue; fi
  passed=$((passed + p)); failed=$((failed + ${f:-0} + ${c:-0}))
done

echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
