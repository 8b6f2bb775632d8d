#!/usr/bin/env bash
# Training epochs now against the commit before the fast-numerics work
# (issue 17), measured in one run on this machine:
#   - checks that commit out in a git worktree (.tools/before-issue-17),
#     sharing this checkout's target/ so only the crate itself is rebuilt;
#   - copies benches/epochs.rs there as an example and builds its wasm core;
#   - runs benches/epochs.rs (native, and wasm under Node) then and now, alternating twice.
# Needs `make wasm` to have built www/pkg here first. About 5 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/lib.sh

BASE=7d50b17 # "ShaderSpec.storage …", the last commit before num::lanes
dir=.tools/before-issue-17
[ -f www/pkg/continuum_bg.wasm ] || die "build the wasm core first: make wasm"
[ -d "$dir" ] || git worktree add --detach "$dir" "$BASE" >/dev/null
ln -sfn "$PWD/target" "$dir/target"
mkdir -p "$dir/examples" .tools/before-issue-17-pkg
cp benches/epochs.rs "$dir/examples/epochs.rs"

say "building the commit before issue 17 ($BASE)"
(cd "$dir" && cargo build --release --example epochs -q && cp target/release/examples/epochs ../before-issue-17-epochs)
(cd "$dir" && tools/wasm.sh >/dev/null && cp -r www/pkg/. ../before-issue-17-pkg/)
say "building now"
cargo bench --bench epochs --no-run -q 2>/dev/null
now=$(ls -t target/release/deps/epochs-* | grep -v '\.d$' | head -1)

for round in 1 2; do
  say "round $round: before issue 17"
  .tools/before-issue-17-epochs 2>/dev/null | grep -v wasm || true
  node tools/ref/wasm_epochs.mjs .tools/before-issue-17-pkg
  say "round $round: now"
  "$now"
done
