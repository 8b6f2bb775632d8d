#!/usr/bin/env bash
# `make claims`: every claim of the registry and its control over seeds 1–5,
# at full scale (release build), recorded in docs/claims.json (what the
# scoreboard at #lab=claims shows until a visitor runs it) and
# docs/claims.md (the table, the date and the commit). `LAB=depth make
# claims` re-records one lab's rows and keeps the others; docs/claims.md
# then says which rows were recorded when.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin continuum
start=$(date +%s)
commit="$(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes')"
if [ -z "${LAB:-}" ]; then
  target/release/continuum claims --seeds "${SEEDS:-1-5}" --jobs "${JOBS:-2}" --json > docs/claims.json.new
  mv docs/claims.json.new docs/claims.json
  echo "all labs at commit $commit on $(date -u +%F), in $(( $(date +%s) - start )) s" > docs/claims.when
else
  target/release/continuum claims --lab "$LAB" --seeds "${SEEDS:-1-5}" --jobs "${JOBS:-2}" --json > docs/claims.lab.json
  # The lab's rows replace its old ones, in the registry's order of labs.
  node -e '
    const fs = require("fs");
    const [all, one, lab] = process.argv.slice(1);
    const old = JSON.parse(fs.readFileSync(all, "utf8")).claims;
    const fresh = JSON.parse(fs.readFileSync(one, "utf8")).claims;
    const at = old.findIndex((c) => c.lab === lab);
    const kept = old.filter((c) => c.lab !== lab);
    kept.splice(at < 0 ? kept.length : at, 0, ...fresh);
    fs.writeFileSync(all, JSON.stringify({ claims: kept }, null, 2) + "\n");
  ' docs/claims.json docs/claims.lab.json "$LAB"
  rm docs/claims.lab.json
  echo "the $LAB rows at commit $commit on $(date -u +%F), in $(( $(date +%s) - start )) s" >> docs/claims.when
fi
node tools/claims-md.mjs docs/claims.json "$(paste -sd ';' docs/claims.when | sed 's/;/; /g')" > docs/claims.md
echo "docs/claims.md: $(grep -c '^| [a-z]' docs/claims.md) claims"
