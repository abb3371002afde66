#!/usr/bin/env bash
# test.sh — the whole test suite: formatting, lints, then every test in the workspace.
# Exits non-zero at the first failure. Needs nothing set by hand: setup.sh installs what is missing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Sourced so that the PATH it sets up (cargo in ~/.cargo/bin) applies here too.
source scripts/setup.sh

# setup.sh installed Mesa's software Vulkan driver (lavapipe), so a wgpu adapter exists: every GPU
# kernel really runs, and "no wgpu adapter" is a test failure instead of a skip.
export EXTRACT_REQUIRE_GPU=1

step() { echo "test: $*"; }

step "cargo fmt --all -- --check"
cargo fmt --all -- --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test --workspace"
cargo test --workspace

step "all checks passed"
