#!/usr/bin/env bash
# setup.sh — idempotent machine setup for this repository on Debian, run as root.
#
# Installs the system packages the build needs, checks the Rust toolchain, and prepares the
# git-ignored .deps/ folder. A second run changes nothing and needs no network. Run it directly
# (`bash scripts/setup.sh`) or source it (scripts/test.sh and scripts/run.sh do): sourcing also
# leaves cargo on the caller's PATH.
#
# Later issues extend it in one place each: Debian packages go into APT_PACKAGES, third-party
# files fetched from package registries go into setup_deps.
set -euo pipefail

SETUP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MIN_RUST="1.95"

# Debian packages needed now. Add new ones here (e.g. the Vulkan and MuJoCo issues).
APT_PACKAGES=(
  build-essential # cc and the linker rustc calls
  pkg-config      # finds system libraries for -sys crates
  git
  ca-certificates # TLS to the package registries
)

setup_log() { echo "setup: $*"; }
setup_die() {
  echo "setup: error: $*" >&2
  exit 1
}

# Installs whichever of APT_PACKAGES are missing; apt-get update runs only when something is.
setup_apt() {
  if ! command -v dpkg >/dev/null 2>&1; then
    setup_log "no dpkg (not Debian): make sure these are installed: ${APT_PACKAGES[*]}"
    return
  fi
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    setup_log "debian packages present: ${APT_PACKAGES[*]}"
    return
  fi
  [ "$(id -u)" -eq 0 ] || setup_die "missing debian packages (${missing[*]}); run as root to install them"
  setup_log "installing debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Prints "MAJOR.MINOR" of the cargo on PATH.
setup_cargo_version() {
  cargo --version | sed -E 's/^cargo ([0-9]+)\.([0-9]+).*/\1.\2/'
}

# True when version $1 (MAJOR.MINOR) >= version $2.
setup_version_ge() {
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

# Last resort when no cargo is found: Debian's rustup package, then the stable toolchain.
setup_rustup() {
  setup_log "cargo not found; trying Debian's rustup"
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends rustup; } >/dev/null 2>&1 || true
  fi
  if command -v rustup >/dev/null 2>&1; then
    rustup default stable >/dev/null 2>&1 || true
  fi
  export PATH="$1:$PATH"
  command -v cargo >/dev/null 2>&1 ||
    setup_die "cargo >= $MIN_RUST not found (looked on PATH and in $1) and rustup could not install it"
}

# Puts cargo >= MIN_RUST (with rustfmt and clippy) on PATH, or stops with one line saying why.
setup_rust() {
  local cargo_bin="${HOME:-/root}/.cargo/bin"
  if [ -d "$cargo_bin" ] && [[ ":$PATH:" != *":$cargo_bin:"* ]]; then
    export PATH="$cargo_bin:$PATH"
  fi
  command -v cargo >/dev/null 2>&1 || setup_rustup "$cargo_bin"
  local version
  version="$(setup_cargo_version)" || setup_die "$(command -v cargo) --version failed; is a default toolchain set (rustup default stable)?"
  setup_version_ge "$version" "$MIN_RUST" ||
    setup_die "cargo $version at $(command -v cargo) is too old; need >= $MIN_RUST (rustup update stable)"
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    command -v rustup >/dev/null 2>&1 || setup_die "cargo fmt/clippy missing and no rustup to add them"
    setup_log "adding rustfmt and clippy"
    rustup component add rustfmt clippy >/dev/null 2>&1 || setup_die "rustup could not add rustfmt and clippy"
  fi
  setup_log "cargo $version at $(command -v cargo)"
}

# Third-party files that come from package registries but not from apt or cargo (for example a
# library inside a PyPI wheel) are unpacked into the git-ignored .deps/ folder. Nothing needs
# fetching yet: this only creates the folder. Later issues add one idempotent step each here
# (skip when the file is already present with the expected checksum).
setup_deps() {
  mkdir -p "$SETUP_ROOT/.deps"
  setup_log "deps folder ready: .deps/ (nothing to fetch yet)"
}

setup_main() {
  setup_apt
  setup_rust
  setup_deps
}

setup_main
