# The two commands (see README.md):
#   make serve   build everything and serve the playground at http://127.0.0.1:8000
#   make test    run every test; ends with "N passed, N failed"
# Both install what they need first and are safe to run again.

.PHONY: serve test build wasm site dev bench claims maps clean

serve: build
	node tools/serve.mjs dist 8000

test:
	tools/test.sh

build: site

wasm:
	tools/wasm.sh

site: wasm
	@bash -c '. tools/lib.sh && ensure_node_packages'
	cargo run --quiet -- registry > www/registry.json
	npx vite build --logLevel warn

# Benchmarks: every Rust one in benches/ (one per lab), then the page's
# responsiveness in Chromium, its weight (bytes of a cold visit per lab) and
# each lab's time from opening its claim preset to the verdict, and the time
# its "Over seeds" panel takes to its verdicts on seeds 1–5.
# The NumPy/JAX references (tools/ref/) are installed into .tools/bench-venv
# here, never by `make test`.
bench: site
	python=$$(tools/ref/setup.sh) && for b in benches/*.rs; do \
	  CONTINUUM_REF_PYTHON=$$python cargo bench --bench "$$(basename "$$b" .rs)" || exit 1; done
	@bash -c '. tools/lib.sh && ensure_chromium'
	node tools/bench-page.mjs 3
	node tools/bench-bytes.mjs
	node tools/bench-verdict.mjs
	node tools/bench-seeds.mjs

# Every claim and its control over seeds 1–5, full scale: docs/claims.md and
# docs/claims.json (the scoreboard's recorded numbers). About 6–9 minutes on
# two cores; SEEDS=1-3 JOBS=4 to change.
claims:
	tools/claims.sh

# docs/maps.json and docs/maps.md: every map (a claim's measures over a grid of
# settings) over seeds 1–5; about an hour on two cores. LAB=noise for one lab.
maps:
	tools/maps.sh

# Vite's dev server with live reload (after `make wasm`).
dev: wasm
	@bash -c '. tools/lib.sh && ensure_node_packages'
	npx vite

clean:
	rm -rf dist www/pkg target
