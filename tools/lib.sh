# Shared helpers for tools/*.sh: messages, and installing what is missing.
# Every installer is idempotent: it checks first and does nothing if present.

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Installs Debian packages that are missing, when we can (root + apt-get).
need_debian_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    die "missing: ${missing[*]}. This is not a Debian machine; install their equivalents with your package manager."
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
    { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q "${missing[@]}" >/dev/null; } ||
    die "could not install ${missing[*]}; run: sudo apt-get update && sudo apt-get install ${missing[*]}"
}

# The wasm-bindgen crate version in Cargo.lock: the CLI must match it exactly.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_wasm_bindgen() {
  local want have
  want=$(locked_wasm_bindgen_version)
  [ -n "$want" ] || die "Cargo.lock names no wasm-bindgen version"
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$want" ]; then
    say "installing wasm-bindgen-cli $want (have: ${have:-none}); takes a few minutes once"
    cargo install wasm-bindgen-cli --version "=$want" --force ||
      die "could not install wasm-bindgen-cli $want; run: cargo install wasm-bindgen-cli --version =$want"
  fi
}

ensure_node_packages() {
  command -v node >/dev/null && command -v npm >/dev/null ||
    die "Node.js 20+ and npm are needed (Debian: apt-get install nodejs npm, or https://nodejs.org)"
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm packages (npm ci)"
    npm ci --no-audit --no-fund >/dev/null || die "npm ci failed; check access to the npm registry"
  fi
}

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  need_debian_packages chromium chromium-driver
  [ -x /usr/bin/chromium ] || die "the browser tests need /usr/bin/chromium (Debian: apt-get install chromium chromium-driver)"
}
