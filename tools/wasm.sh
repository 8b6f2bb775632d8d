#!/usr/bin/env bash
# Builds the wasm core into www/pkg/ (the `wasm` profile of Cargo.toml: release,
# light dependencies optimized for size; wasm-bindgen --target web, without the
# name section: function names for stack traces cost 72 KB of the gzipped core).
#
# Toolchain, in order of preference (the path taken is printed):
#   1. the rustup wasm32-unknown-unknown target, if installed;
#   2. `rustup target add wasm32-unknown-unknown`, if that works;
#   3. Debian's rustc-web with -Zbuild-std (packages rustc-web, cargo-web,
#      rust-web-src, lld-16), with RUSTC, RUSTC_BOOTSTRAP=1 and wasm-ld-16 as below.
# CONTINUUM_WASM_TOOLCHAIN=debian forces path 3 (to test the fallback).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib.sh

TARGET=wasm32-unknown-unknown
path=""
if [ "${CONTINUUM_WASM_TOOLCHAIN:-}" != debian ]; then
  if rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
    path="rustup (installed target)"
  elif rustup target add "$TARGET" >/dev/null 2>&1; then
    path="rustup (target just added)"
  fi
fi

if [ -n "$path" ]; then
  say "wasm toolchain: $path"
  cargo build --lib --profile wasm --target "$TARGET"
  target_dir=target
else
  say "wasm toolchain: Debian rustc-web with -Zbuild-std (no rustup wasm32 target)"
  need_debian_packages rustc-web cargo-web rust-web-src lld-16
  [ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/src/rust ] && command -v wasm-ld-16 >/dev/null ||
    die "the Debian wasm fallback needs /usr/bin/rustc, /usr/lib/rustlib/src/rust and wasm-ld-16 (apt-get install rustc-web cargo-web rust-web-src lld-16), or install the rustup target: rustup target add $TARGET"
  # A separate target dir: the standard library is rebuilt once per dir, and
  # the two rustc versions must not evict each other's artifacts.
  target_dir=target/debian-wasm
  RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-16 \
    /usr/bin/cargo build --lib --profile wasm --target "$TARGET" --target-dir "$target_dir" -Zbuild-std=std,panic_abort
fi

ensure_wasm_bindgen
rm -rf www/pkg  # nothing stale (an old snippet) survives a rebuild
wasm-bindgen --target web --remove-name-section --out-dir www/pkg "$target_dir/$TARGET/wasm/continuum.wasm"
say "wasm core: www/pkg/continuum_bg.wasm ($(du -k www/pkg/continuum_bg.wasm | cut -f1) KiB, $(gzip -9c www/pkg/continuum_bg.wasm | wc -c) bytes gzipped)"
