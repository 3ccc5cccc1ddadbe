#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A slider soak (issue #20): drags sliders and presses presets in the real
app through AT-SPI for MIEN_SOAK_SECONDS (default 1200), on whatever photo the
app was started with, and reports the app's resident memory (VmRSS of
MIEN_PID) at the start, every minute and at the end, and its peak. Fails if it grew by more
than 5 % from the first reading taken after a warm-up (the first frames fill
caches that are meant to stay). Run it through scripts/soak.sh."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ui"))
from mien_ui import click, find, find_app  # noqa: E402

SECONDS = float(os.environ.get("MIEN_SOAK_SECONDS", "1200"))
WARMUP = min(60.0, SECONDS / 10)
PID = int(os.environ["MIEN_PID"])
SLIDERS = ["Lip corner puller", "Inner brow raiser", "Jaw drop", "Brow lowerer"]
PRESETS = ["Happy", "Surprised", "Neutral"]


def rss_kib(field="VmRSS"):
    """The app's resident memory now (VmRSS), or its peak (VmHWM), in KiB."""
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} for the app")


app = find_app()
find(app, contains="ResWarp", timeout=180)
sliders = [find(app, name=n, role="slider").queryValue() for n in SLIDERS]
presets = [find(app, name=n, role="push button") for n in PRESETS]

start = time.time()
baseline = None
readings = []
step = 0
next_report = start
while time.time() - start < SECONDS:
    # A drag is many small value changes; the worker drops stale requests.
    s = sliders[step % len(sliders)]
    for v in (1.0, 2.0, 3.0, 4.0, 5.0, 2.5, 0.0):
        s.currentValue = v
        time.sleep(0.05)
    if step % 10 == 9:
        click(presets[(step // 10) % len(presets)])
    step += 1
    now = time.time()
    if baseline is None and now - start >= WARMUP:
        baseline = rss_kib()
        print(f"after {now - start:.0f} s warm-up: RSS {baseline / 1024:.1f} MiB", flush=True)
    if now >= next_report:
        readings.append((now - start, rss_kib()))
        print(f"{now - start:7.0f} s  RSS {readings[-1][1] / 1024:.1f} MiB  ({step} drags)", flush=True)
        next_report += 60

end = rss_kib()
print(f"peak RSS of the app over the run (VmHWM): {rss_kib('VmHWM') / 1024:.1f} MiB",
      flush=True)
growth = (end - baseline) / baseline
print(f"start (after warm-up) {baseline / 1024:.1f} MiB, end {end / 1024:.1f} MiB, "
      f"growth {100 * growth:+.2f} % over {time.time() - start:.0f} s, {step} drags")
ok = growth <= 0.05
print("ok   RSS growth <= 5 %" if ok else "FAIL RSS grew by more than 5 %")
sys.exit(0 if ok else 1)
