#!/usr/bin/env bash
# Kitchen stepping and rendering, ours and gymnasium-robotics' alternated three times in one sitting
# (this VM's speed drifts by tens of percent; compare medians). Writes results/bench/kitchen_*.jsonl.
# Usage: bash tests/bench_peers/kitchen.sh PYTHON   (a venv with mujoco<3.4 and gymnasium-robotics 1.4.2)
set -euo pipefail
PY=${1:?usage: kitchen.sh PYTHON}
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT=results/bench
mkdir -p "$OUT"
cargo build --release -p tests --bin bench
rm -f "$OUT"/kitchen_ours.jsonl "$OUT"/kitchen_peer.jsonl
for _ in 1 2 3; do
  ./target/release/bench kitchen_step --threads 1,2 >> "$OUT/kitchen_ours.jsonl"
  ./target/release/bench render >> "$OUT/kitchen_ours.jsonl"
  MUJOCO_GL=egl "$PY" tests/bench_peers/kitchen.py step render 2>/dev/null >> "$OUT/kitchen_peer.jsonl"
done
