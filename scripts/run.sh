#!/usr/bin/env bash
# run.sh — the main job: sets the machine up, then runs the pipeline as far as it exists, on small
# embedded defaults:
#   1. the engine's end-to-end demo (spiral classifier)      -> results/demo/
#   2. a small scripted Franka Kitchen data set (24 episodes) -> data/kitchen_mixed_small/
#   3. skill extraction on it (state embedder, K=8)           -> generated_dataset_clusters/kitchen/...
#   4. a few minutes of EXTRACT skill-model training on it    -> experiments/.../extract/small/
#      (metrics, loss curves, decoded-vs-true actions, checkpoints), summarised in results/skill_extract_small/
#   5. a short EXTRACT RL run in the kitchen on that skill model (rendered 64x64 frame stacks)
#      -> experiments/hrl/kitchen/cluster/extract/small/, summarised in results/rl_extract_small/
#      (learning curve, metrics, evaluation video)
# Extra arguments are passed to `extract demo`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh

cargo build --release -p extract --bin extract
./target/release/extract demo --out results/demo "$@"
./target/release/extract gen-data kitchen --small --out data/kitchen_mixed_small
./target/release/extract cluster --data data/kitchen_mixed_small/kitchen_mixed_data.h5 --out generated_dataset_clusters

# 4. EXTRACT's skill model, briefly: 10 short epochs (~200 steps) with a cheaper validation (top-of-10
# over 128 windows) and 10% of the segments held out, since 1% of 24 episodes is 3 segments.
labels="generated_dataset_clusters/kitchen/state_first_diff_KMeans_n_clusters:8_MedFilt(7)/mixed/clusters.h5"
run="experiments/skill_prior_learning/kitchen/hierarchical_cluster/extract/small"
rm -rf "$run"
./target/release/extract train --config extract/configs/skill_prior_learning/kitchen/hierarchical_cluster/extract.toml \
  --set data.data_file=data/kitchen_mixed_small/kitchen_mixed_data.h5 --set "data.labels_file=$labels" \
  --set general.prefix=small --set general.epochs=10 --set general.val_interval=2 --set general.log_interval=5 \
  --set general.top_of_n=10 --set general.val_data_size=128 --set data.val_fraction=0.1
mkdir -p results/skill_extract_small
cp "$run"/{summary.json,metrics.jsonl,config.toml} "$run"/plots/*.png results/skill_extract_small/
echo "skill-model report: results/skill_extract_small/ (run folder: $run)"

# 5. EXTRACT's hybrid skill-space SAC in the kitchen on that skill model, briefly: 3000 env steps on
# rendered 64x64 frame stacks by two env workers (threads; `mpirun -n 2` does the same with ranks),
# 50 warm-up skills, batches of 64, evaluated (2 episodes, the first filmed) before and after.
rl_run="experiments/hrl/kitchen/cluster/extract/small"
rm -rf "$rl_run"
./target/release/extract rl --config extract/configs/hrl/kitchen/cluster/extract.toml \
  --set "skill.run=$run" --set general.prefix=small --set train.env_steps=3000 \
  --set train.warmup_transitions=50 --set train.batch_size=64 --set train.eval_every=3000 \
  --set train.eval_episodes=2 --set train.log_every=500 --set train.workers=2
mkdir -p results/rl_extract_small
rm -f results/rl_extract_small/*
cp "$rl_run"/{summary.json,metrics.jsonl,config.toml} "$rl_run"/plots/returns.png results/rl_extract_small/
cp "$(ls -v "$rl_run"/videos/*.png | tail -n 1)" results/rl_extract_small/eval_video.png
echo "RL report: results/rl_extract_small/ (run folder: $rl_run)"
