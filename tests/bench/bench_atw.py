# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes random ATW weights at the paper's widths (tools/train/atw_model.py
preset "paper", 6.3M parameters) and smaller ones to a temporary folder and
times the engine's forward pass on each with bench-atw; prints a Markdown
table for docs/BENCHMARKS.md. The weights' values do not change the
cost.

usage: bench_atw.py BENCH_ATW [FRAMES] [THREADS]"""
import os
import statistics
import subprocess
import time
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools", "train"))
import atw_model  # noqa: E402


def torch_ms(model, frames, threads):
    """PyTorch's forward on the same model, for comparison."""
    import torch
    torch.set_num_threads(threads or os.cpu_count())
    x = torch.rand(1, 3, 128, 128) * 2 - 1
    c = torch.rand(1, model.cfg.d)
    times = []
    with torch.no_grad():
        model(x, c)
        for _ in range(frames):
            t0 = time.perf_counter()
            model(x, c)
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    bench = sys.argv[1]
    rest = sys.argv[2:]
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print("| widths (motion/refine) | parameters | frames | threads | "
          "median ms | min ms | mean ms | same model in PyTorch |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, widths in (("paper", atw_model.PRESETS["paper"]),
                             ("64-64", dict(motion_width=64, refine_width=64)),
                             ("32-32", dict(motion_width=32, refine_width=32)),
                             ("small", atw_model.PRESETS["small"])):
            path = os.path.join(tmp, name + ".safetensors")
            model = atw_model.Generator(atw_model.Config(**widths))
            atw_model.export_generator(model, path)
            r = subprocess.run([bench, path, *rest], capture_output=True,
                               text=True)
            if r.returncode:
                print(r.stderr, file=sys.stderr)
                return 1
            frames = int(rest[0]) if rest else 20
            threads = int(rest[1]) if len(rest) > 1 else 0
            print(r.stdout.strip() + f" PyTorch 1.13 median {torch_ms(model, frames, threads):.1f} ms |",
                  flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
