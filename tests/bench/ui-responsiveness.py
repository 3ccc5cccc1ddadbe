#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Responsiveness on a 4K photo (MIEN_BENCH_SIZE=8192: 8K; with
MIEN_RESPONSIVENESS_ZOOM=1 the app drags at 1:1 on the face instead of the
fitted view), CPU only: moves the "Lip corner puller"
slider 60 times a second for 10 s through AT-SPI, then reads the app's own
measurements ($MIEN_RESPONSIVENESS_LOG): the longest gap between frame-clock
ticks (a main-loop stall), the time from each move to the first frame that
shows it or a later position (median and worst), and the time from the last
move to its frame on screen. Targets (issues #5 and #22): no stall over
50 ms, median move to screen within 50 ms, final frame within 300 ms. Only
the stall and the final frame decide the exit status (as before #22); the
median is printed against its target."""
import json
import math
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ui"))
from mien_ui import find, find_app  # noqa: E402

RATE_HZ, SECONDS = 60, int(os.environ.get("MIEN_DRAG_SECONDS", "10"))
app = find_app()
find(app, contains="1 face", timeout=120)
slider = find(app, name="Lip corner puller", role="slider").queryValue()
time.sleep(1.0)  # let the first frame land

def cpu_times():
    """The machine's CPU counters (/proc/stat's first line), to say how
    much of the drag's time the hypervisor took (steal) and how much was
    idle: the stalls depend on both on a shared VM."""
    try:
        with open("/proc/stat") as f:
            return [int(v) for v in f.readline().split()[1:9]]
    except OSError:
        return None


cpu_before = cpu_times()
start = time.monotonic()
n = 0
late = 0
while True:
    t = time.monotonic() - start
    if t >= SECONDS:
        break
    slider.currentValue = 2.5 + 2.5 * math.sin(2 * math.pi * 0.5 * t)
    n += 1
    next_t = start + n / RATE_HZ
    sleep = next_t - time.monotonic()
    if sleep > 0:
        time.sleep(sleep)
    else:
        late += 1
cpu_after = cpu_times()
final = 4.2
slider.currentValue = final
time.sleep(2.0)
r = subprocess.run(["gdbus", "call", "--session", "--dest", "io.github.mien.Mien",
                "--object-path", "/io/github/mien/Mien", "--method",
                "org.gtk.Actions.Activate", "quit", "[]", "{}"], capture_output=True, text=True)
print("quit:", r.returncode, r.stdout.strip(), r.stderr.strip())
time.sleep(1.5)
with open(os.environ["MIEN_RESPONSIVENESS_LOG"]) as f:
    m = json.load(f)
print(f"moves sent: {n + 1} in {SECONDS} s ({late} sent late by the driver)")
print(json.dumps(m, indent=1))
ok_stall = m["max_tick_gap_ms"] <= 50
ok_latency = 0 <= m["last_change_to_screen_ms"] <= 300
print(f"longest main-loop stall: {m['max_tick_gap_ms']:.1f} ms (target <= 50): {'met' if ok_stall else 'NOT met'}")
print(f"last move to screen: {m['last_change_to_screen_ms']:.1f} ms (target <= 300): {'met' if ok_latency else 'NOT met'}")
if "opening_max_tick_gap_ms" in m:
    # Reported, not a target: the photo's opening before the first move.
    print(f"longest stall while the photo opened (before the first move): "
          f"{m['opening_max_tick_gap_ms']:.1f} ms")
if "move_to_screen_median_ms" in m:
    med = m["move_to_screen_median_ms"]
    print(f"move to screen: median {med:.1f} ms (target <= 50): {'met' if 0 <= med <= 50 else 'NOT met'}, "
          f"worst {m['move_to_screen_worst_ms']:.1f} ms over {m['moves_shown']} moves")
if cpu_before and cpu_after:
    d = [b - a for a, b in zip(cpu_before, cpu_after)]
    total = sum(d) or 1
    # /proc/stat: user nice system idle iowait irq softirq steal
    print(f"during the drag: idle {100 * d[3] / total:.0f} %, "
          f"steal {100 * d[7] / total:.1f} %")
try:
    print("load average:", open("/proc/loadavg").read().split()[:3])
except OSError:
    pass
sys.exit(0 if ok_stall and ok_latency else 1)
