#!/usr/bin/env bash
# run.sh — the main job: sets the machine up, then runs the demo (writes results/demo/).
# Extra arguments are passed to `extract demo`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh

exec cargo run --release -p extract --bin extract -- demo --out results/demo "$@"
