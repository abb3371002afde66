"""PyTorch twins of the `bench` binary's rows that shared/bench lacks: per-op overhead (a small
`a + b`, plain and recorded by autograd), elementwise add / exp / tanh throughput, and the
SAC-critic-sized MLP forward + backward. One JSON line per measurement, same fields as ours.

Run in a throwaway venv with torch (see shared/bench/README.md), same sitting as `bench`:
    BENCH_THREADS=1,2 python3 tests/bench_peers/overhead.py
Timing as shared/bench/_common.py: warm-up, then BENCH_REPS (7) repetitions of ~0.1 s, median.
"""
import json
import os
import statistics
import time

import torch


def threads_list():
    return [int(t) for t in os.environ.get("BENCH_THREADS", "1,2").split(",")]


def bench(fn, warmup):
    for _ in range(warmup):
        fn()
    t0 = time.perf_counter()
    fn()
    inner = max(1, min(1_000_000, int(0.1 / max(time.perf_counter() - t0, 1e-9))))
    per_call = []
    for _ in range(int(os.environ.get("BENCH_REPS", "7"))):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        per_call.append((time.perf_counter() - t0) / inner)
    return statistics.median(per_call), min(per_call)


def emit(t, sec, best, **kw):
    print(json.dumps(dict(kw, threads=t, sec=sec, sec_best=best, lib="torch", torch=torch.__version__)), flush=True)


def overhead(t):
    for shape in [(128, 128), (1, 1)]:
        a, b = torch.randn(shape), torch.randn(shape)
        sec, best = bench(lambda: a + b, 100)
        emit(t, sec, best, bench="overhead", op="tensor_add", shape=list(shape), ns_per_op=sec * 1e9)
    a, b = torch.randn(128, 128, requires_grad=True), torch.randn(128, 128, requires_grad=True)

    def recorded():  # 64 recorded adds per graph, as ours per tape
        for _ in range(64):
            a + b

    sec, best = bench(recorded, 10)
    emit(t, sec / 64, best / 64, bench="overhead", op="var_add", shape=[128, 128], ns_per_op=sec / 64 * 1e9)


def elementwise(t):
    for n in [1_000, 100_000, 10_000_000]:
        a, b = torch.randn(n), torch.randn(n)
        for op, fn in [("add", lambda: a + b), ("exp", lambda: a.exp()), ("tanh", lambda: a.tanh())]:
            sec, best = bench(fn, 3)
            emit(t, sec, best, bench="elementwise", op=op, n=n, per_s=n / sec)


def mlp(t):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(70, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                              torch.nn.ReLU(), torch.nn.Linear(256, 1))
    x, target = torch.randn(256, 70), torch.randn(256, 1)

    def step():
        net.zero_grad(set_to_none=True)
        (net(x) - target).pow(2).mean().backward()

    sec, best = bench(step, 20)
    emit(t, sec, best, bench="mlp_fwd_bwd", batch=256, sizes=[70, 256, 256, 1], per_s=1 / sec)


def main():
    for t in threads_list():
        torch.set_num_threads(t)
        overhead(t)
        elementwise(t)
        mlp(t)


if __name__ == "__main__":
    main()
