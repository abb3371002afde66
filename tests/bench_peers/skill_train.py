"""PyTorch twin of `bench skill_train`: one training step (forward + backward + AdamW) of EXTRACT's image
cluster skill model (batch 128, T = 31, 4 stacked 64x64 frames) and of state SPiRL (batch 128, H = 10),
at kitchen sizes. One JSON line per model and thread count, same fields as ours.

The models are the PyTorch references the Rust models are checked against (built by
extract/tests/fixtures/gen_skill_model_fixtures.py, upstream's module trees and per-step loops), here in
f32. Run with a venv that has torch (see shared/bench/README.md):
    BENCH_THREADS=1,2 python3 tests/bench_peers/skill_train.py
Timing as the other peers: warm-up, then BENCH_REPS (7) repetitions of ~0.1 s or one step, median.
"""
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "extract" / "tests" / "fixtures"))
import gen_skill_model_fixtures as ref  # noqa: E402  (sets f64 as default dtype on import)

torch.set_default_dtype(torch.float32)
B, A, K, T_EXTRACT = 128, 9, 8, 31


def bench(fn, warmup):
    for _ in range(warmup):
        fn()
    t0 = time.perf_counter()
    fn()
    inner = max(1, int(0.1 / max(time.perf_counter() - t0, 1e-9)))
    per_call = []
    for _ in range(int(os.environ.get("BENCH_REPS", "7"))):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        per_call.append((time.perf_counter() - t0) / inner)
    return statistics.median(per_call), min(per_call)


def extract_workload():
    d = ref.KITCHEN
    m = ref.extract_model(d, True)
    lens = torch.randint(9, T_EXTRACT + 1, (B,))
    lens[-1] = T_EXTRACT
    steps = torch.arange(T_EXTRACT)
    mask = (steps[None] < lens[:, None]).float()
    actions = torch.randn(B, T_EXTRACT, A).mul(0.5).tanh() * mask[..., None]
    progress = steps[None] / (lens[:, None] - 1) * mask
    obs, skills = torch.rand(B, 12, 64, 64) * 2 - 1, torch.randint(0, K, (B,))
    last, onehot = lens - 1, F.one_hot(skills, K).float()

    def loss():
        x = torch.cat([actions, onehot[:, None].expand(B, T_EXTRACT, K)], 2)
        mu, ls = ref.gaussian(ref.run_encoder(m.q, x)[torch.arange(B), last], 2.0)
        z = mu + torch.exp(ls) * torch.randn_like(mu)
        qh_mu, qh_ls = ref.gaussian(m.p_z.linear_encoder(torch.cat([m.p_z.conv_encoder(obs), onehot], 1)), 2.0)
        logits = m.p_k(obs)
        dec = ref.run_decoder(m, torch.cat([z, onehot], 1), T_EXTRACT)
        rec = (((dec[..., :A] - actions) ** 2 / 2 + ref.HALF_LOG_2PI) * mask[..., None]).mean()
        prog = (((dec[..., A] - progress) ** 2) * mask).mean()
        return (rec + prog + 1e-3 * ref.kl_unit(mu, ls) + F.cross_entropy(logits, skills)
                + ref.nll_sum(qh_mu, qh_ls, z.detach()))

    return m, loss, T_EXTRACT


def spirl_workload():
    m = ref.spirl_model(dict(ref.KITCHEN, Z=10, prior_layers=6), False)
    obs, actions = torch.randn(B, 60), torch.randn(B, 10, A).mul(0.5).tanh()

    def loss():
        mu, ls = ref.gaussian(ref.run_encoder(m.q, actions)[:, -1], math.inf)
        z = mu + torch.exp(ls) * torch.randn_like(mu)
        qh_mu, qh_ls = ref.gaussian(m.p[0](obs), math.inf)
        rec = ((ref.run_decoder(m, z, 10) - actions) ** 2 / 2 + ref.HALF_LOG_2PI).mean()
        return rec + 5e-4 * ref.kl_unit(mu, ls) + ref.nll_sum(qh_mu, qh_ls, z.detach())

    return m, loss, 10


def main():
    for name, make in [("extract_image", extract_workload), ("spirl_state", spirl_workload)]:
        for t in [int(x) for x in os.environ.get("BENCH_THREADS", "1,2").split(",")]:
            torch.set_num_threads(t)
            torch.manual_seed(0)
            m, loss, steps = make()
            m.train()
            opt = torch.optim.AdamW(m.parameters(), lr=1e-3)

            def step():
                opt.zero_grad(set_to_none=True)
                loss().backward()
                opt.step()

            sec, best = bench(step, 3)
            print(json.dumps(dict(bench="skill_train", model=name, batch=B, steps=steps, samples_per_s=B / sec,
                                  params=sum(p.numel() for p in m.parameters()), threads=t, sec=sec, sec_best=best,
                                  lib="torch", torch=torch.__version__)), flush=True)


if __name__ == "__main__":
    main()
