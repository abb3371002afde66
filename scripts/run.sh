#!/usr/bin/env bash
# run.sh — the main job: sets the machine up, then runs the pipeline as far as it exists, on small
# embedded defaults:
#   1. the engine's end-to-end demo (spiral classifier)      -> results/demo/
#   2. a small scripted Franka Kitchen data set (24 episodes) -> data/kitchen_mixed_small/
#   3. skill extraction on it (state embedder, K=8)           -> generated_dataset_clusters/kitchen/...
# Extra arguments are passed to `extract demo`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh

cargo build --release -p extract --bin extract
./target/release/extract demo --out results/demo "$@"
./target/release/extract gen-data kitchen --small --out data/kitchen_mixed_small
./target/release/extract cluster --data data/kitchen_mixed_small/kitchen_mixed_data.h5 --out generated_dataset_clusters
