#!/usr/bin/env bash
# `make maps`: every map of the registry (core::maps) over seeds 1–5 at full
# scale (release build), recorded in docs/maps.json (what each lab page's
# "Maps" panel draws) and docs/maps.md (the tables, the date and the commit).
# About an hour on two cores: the noise lab's maps are 85 full runs.
# LAB=noise or MAP=text (part of a map's name) to record only some.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin continuum
start=$(date +%s)
target/release/continuum map ${LAB:+--lab "$LAB"} ${MAP:+--map "$MAP"} --seeds "${SEEDS:-1-5}" --jobs "${JOBS:-2}" --json > docs/maps.json.new
node tools/maps-md.mjs docs/maps.json.new docs/maps.json "$(date -u +%Y-%m-%d) at $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes')" "$(( $(date +%s) - start )) s with --jobs ${JOBS:-2}" > docs/maps.md.new
mv docs/maps.md.new docs/maps.md
rm docs/maps.json.new  # merged into docs/maps.json above
echo "docs/maps.json, docs/maps.md: $(( $(date +%s) - start )) s"
