"""Markdown tables of our `bench` numbers against the peers, from the JSON lines that
tests/bench_peers/run_all.sh wrote (default folder results/bench). Ratios > 1 mean we are faster.
`rerun` is ours.jsonl's twin measured at the end of the same sitting: the spread between the two
is the machine's noise. Usage: python3 tests/bench_peers/summarize.py [results/bench]
"""
import json
import os
import statistics
import sys

DIR = sys.argv[1] if len(sys.argv) > 1 else "results/bench"


def load(name):
    path = os.path.join(DIR, name)
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in open(path) if line.startswith("{")]


OURS, RERUN = load("ours.jsonl"), load("ours_rerun.jsonl")
NP_ENV, NP_BEST = load("peer_matmul_env.jsonl"), load("peer_matmul_best.jsonl")
CONV, OVH = load("peer_conv.jsonl"), load("peer_overhead.jsonl")
VAE, SAC = load("peer_skill_vae.jsonl"), load("peer_sac.jsonl")


def find(rows, **kw):
    return next((r for r in rows if all(r.get(k) == v for k, v in kw.items())), None)


def get(row, key, scale=1.0):
    return None if row is None or key not in row else row[key] * scale


def fmt(x, digits=3):
    if x is None:
        return "–"
    return f"{x:.0f}" if abs(x) >= 10 ** digits else f"{x:.{digits}g}"


def ratio(a, b):
    return "–" if a is None or b is None else f"{a / b:.2f}"


def table(header, rows):
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")
    print()


def matmul():
    rows = []
    for t in (1, 2):
        for n in (64, 256, 1024):
            key = dict(bench="matmul", n=n, threads=t)
            o = find(OURS, lib="ours", **key)
            ours, best = get(o, "gflops"), get(find(NP_BEST, lib="numpy-openblas", n=n, threads=t), "gflops")
            rows.append([n, t, f"{fmt(ours)} ({o and o.get('kernel')})", fmt(get(find(RERUN, lib="ours", **key), "gflops")),
                         fmt(get(find(OURS, lib="gemm", **key), "gflops")),
                         fmt(get(find(OURS, lib="matrixmultiply", **key), "gflops")),
                         fmt(get(find(NP_ENV, lib="numpy-openblas", n=n, threads=t), "gflops")), fmt(best),
                         fmt(get(find(NP_BEST, lib="torch", n=n, threads=t), "gflops")), ratio(ours, best)])
    table(["sgemm n", "threads", "ours GFLOP/s (kernel)", "ours rerun", "gemm direct", "matrixmultiply direct",
           "numpy (env)", "numpy (auto kernel)", "torch", "ours / numpy auto"], rows)


def matmul_interleaved():
    """Medians over the alternating passes in matmul_interleaved_*.jsonl (ours, numpy, ours, ...)."""
    ours, peers = load("matmul_interleaved_ours.jsonl"), load("matmul_interleaved_peers.jsonl")
    if not ours or not peers:
        return

    def med(rows, **kw):
        v = [r["gflops"] for r in rows if all(r.get(k) == x for k, x in kw.items())]
        return (statistics.median(v), min(v), max(v)) if v else (None, None, None)

    rows = []
    for t in (1, 2):
        for n in (64, 256, 1024):
            o, mm, g, npy, th = (med(ours, lib="ours", n=n, threads=t), med(ours, lib="matrixmultiply", n=n, threads=t),
                                 med(ours, lib="gemm", n=n, threads=t), med(peers, lib="numpy-openblas", n=n, threads=t),
                                 med(peers, lib="torch", n=n, threads=t))
            rows.append([n, t, f"{fmt(o[0])} ({fmt(o[1])}–{fmt(o[2])})", fmt(mm[0]), fmt(g[0]),
                         f"{fmt(npy[0])} ({fmt(npy[1])}–{fmt(npy[2])})", fmt(th[0]), ratio(o[0], npy[0]), ratio(o[0], th[0])])
    table(["sgemm n", "threads", "ours median (min–max)", "matrixmultiply direct", "gemm direct",
           "numpy median (min–max)", "torch", "ours / numpy", "ours / torch"], rows)


def elementwise():
    rows = []
    for op in ("add", "exp", "tanh"):
        for t in (1, 2):
            for n in (1000, 100000, 10000000):
                o = get(find(OURS, bench="elementwise", op=op, n=n, threads=t), "per_s", 1e-6)
                p = get(find(OVH, bench="elementwise", op=op, n=n, threads=t), "per_s", 1e-6)
                rows.append([op, f"{n:.0e}", t, fmt(o), fmt(p), ratio(o, p)])
    table(["elementwise", "n", "threads", "ours M elem/s", "torch M elem/s", "ours / torch"], rows)


def overhead():
    rows = []
    for op, shape in (("tensor_add", [128, 128]), ("tensor_add", [1, 1]), ("var_add", [128, 128])):
        for t in (1, 2):
            o = get(find(OURS, bench="overhead", op=op, shape=shape, threads=t), "ns_per_op")
            p = get(find(OVH, bench="overhead", op=op, shape=shape, threads=t), "ns_per_op")
            rows.append([f"{op} {shape[0]}x{shape[1]}", t, fmt(o), fmt(p), ratio(p, o)])
    table(["per-op cost", "threads", "ours ns/op", "torch ns/op", "torch / ours"], rows)


def workloads():
    conv, mlp = dict(bench="conv_encoder_fwd_bwd"), dict(bench="mlp_fwd_bwd")
    cases = [("conv encoder fwd+bwd, batch 32", conv, CONV, conv, "per_s", "per_s"),
             ("MLP 70-256-256-1 fwd+bwd, batch 256", mlp, OVH, mlp, "per_s", "per_s")]
    for cfg in ("cell-bn0", "cell-bn1"):
        cases.append((f"skill VAE step {cfg}", dict(bench="skill_vae_step", config=cfg), VAE, dict(config=cfg),
                      "steps_per_s", "steps_per_s"))
    for cfg in ("2x256", "spirl5x256"):
        cases.append((f"SAC update {cfg}", dict(bench="sac_update", config=cfg), SAC, dict(config=cfg),
                      "updates_per_s", "updates_per_s"))
    rows = []
    for name, key, peer, pkey, ok, pk in cases:
        for t in (1, 2):
            o = get(find(OURS, threads=t, **key), ok)
            p = get(find(peer, threads=t, **pkey), pk)
            rows.append([name, t, fmt(o), fmt(get(find(RERUN, threads=t, **key), ok)), fmt(p), ratio(o, p)])
    table(["workload", "threads", "ours /s", "ours rerun", "torch /s", "ours / torch"], rows)


if __name__ == "__main__":
    matmul()
    matmul_interleaved()
    elementwise()
    overhead()
    workloads()
