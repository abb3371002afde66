#!/usr/bin/env bash
# Runs our `bench` and the peers (numpy/OpenBLAS, PyTorch) in one sitting and writes their JSON
# lines to results/bench/, so ratios come from one machine state (see results/bench/SUMMARY.md).
# Usage: bash tests/bench_peers/run_all.sh PYTHON [SHARED_BENCH_DIR]; then
#   python3 tests/bench_peers/summarize.py   (the tables of results/bench/SUMMARY.md)
#   PYTHON: a venv python with torch, numpy and threadpoolctl (see shared/bench/README.md)
#   SHARED_BENCH_DIR: the peer scripts (default: ../shared/bench beside the repository)
# Lines with foreign_cpu above ~0.05 ran while another process used the CPUs: rerun those.
set -euo pipefail
PY=${1:?usage: run_all.sh PYTHON [SHARED_BENCH_DIR]}
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PEERS=$(cd "${2:-../shared/bench}" && pwd)
OUT=results/bench
mkdir -p "$OUT"
export BENCH_QUIET_WAIT=${BENCH_QUIET_WAIT:-5}

cargo build --release -p tests --bin bench
{ date -u; uptime; lscpu | grep -E 'Model name|^CPU\(s\)|MHz|L2|L3'; grep -o -w -E 'avx2|fma|avx512f' /proc/cpuinfo | sort | uniq -c; } > "$OUT/machine.txt"
(cd "$PEERS" && "$PY" peak_flops.py) > "$OUT/peer_peak_flops.jsonl"
./target/release/bench all > "$OUT/ours.jsonl"
(cd "$PEERS" && "$PY" matmul.py) > "$OUT/peer_matmul_env.jsonl"
(cd "$PEERS" && env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" matmul.py) > "$OUT/peer_matmul_best.jsonl"
(cd "$PEERS" && "$PY" conv.py) > "$OUT/peer_conv.jsonl"
(cd "$PEERS" && "$PY" skill_vae.py) > "$OUT/peer_skill_vae.jsonl"
(cd "$PEERS" && "$PY" sac.py) > "$OUT/peer_sac.jsonl"
"$PY" tests/bench_peers/overhead.py > "$OUT/peer_overhead.jsonl"
# Skill-model training steps (not in `bench all`: the EXTRACT step takes about a second).
./target/release/bench skill_train > "$OUT/ours_skill_train.jsonl"
"$PY" tests/bench_peers/skill_train.py > "$OUT/peer_skill_train.jsonl"
# sgemm alternated with numpy three times: the medians cancel slow drifts of a shared machine.
rm -f "$OUT"/matmul_interleaved_*.jsonl
for _ in 1 2 3; do
  ./target/release/bench matmul >> "$OUT/matmul_interleaved_ours.jsonl"
  (cd "$PEERS" && "$PY" matmul.py) >> "$OUT/matmul_interleaved_peers.jsonl"
done
# Ours again at the end: a drift between the two runs of ours shows how much the machine moved.
./target/release/bench all > "$OUT/ours_rerun.jsonl"
