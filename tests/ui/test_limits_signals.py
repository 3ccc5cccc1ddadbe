#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Limits and signals in the app, as a person (or the session) would meet
them (issue #20):
  1. the Memory limit preference: set to 0.5 GiB, a photo whose header says
     it needs more (6000×6000) is refused with a message naming the limit,
     and the open photo stays;
  2. SIGTERM during an MP4 export over an earlier clip: the app cancels the
     export and quits; the earlier clip is byte-identical and no hidden
     temporary is left beside it.
The app runs with HOME set to an empty folder, so the export's suggested
destination ($HOME/NAME-EXPRESSION.mp4, no Videos folder) is inside it."""
import glob
import os
import signal
import struct
import sys
import time

import pyatspi
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mien_ui import (action, check, click, find, find_app, finish, key,  # noqa: E402
                     screenshot, wait, walk)

pid = int(os.environ["MIEN_PID"])
home = os.environ["HOME"]
artifacts = os.environ["MIEN_ARTIFACTS"]


def alive():
    return os.path.exists(f"/proc/{pid}") and \
        open(f"/proc/{pid}/stat").read().split(") ")[1][0] != "Z"


# HOME starts empty (the folder is kept between runs, with the artifacts).
os.makedirs(home, exist_ok=True)
for stale in glob.glob(os.path.join(home, "*")) + glob.glob(os.path.join(home, ".*mien-*")):
    if os.path.isfile(stale):
        os.remove(stale)

app = find_app()
find(app, contains="1 face", timeout=30)

# ---- 1. the memory limit preference -----------------------------------------
click(find(app, name="Main Menu", role="push button"))
time.sleep(0.5)
click(find(app, contains="Preferences", role="menu item", timeout=5))
spin = find(app, contains="Memory limit", role="spin button", timeout=10).queryValue()
check(abs(spin.currentValue) < 1e-6, f"the memory limit starts at 0, automatic ({spin.currentValue})")
spin.currentValue = 0.5
check(wait(lambda: abs(spin.currentValue - 0.5) < 1e-6, 5), "set to 0.5 GiB")
screenshot("preferences-memory-limit")
# "Teeth in opened mouths": on by default, and a click turns it off (the
# engine's switch; mien-render --no-teeth and test-teeth check its effect).
# (GTK 4.8 gives the switch the role "check box" and its label twice.)
prefs = find(app, name="Preferences", timeout=5)
# GTK 4.8 exposes the switch as a "check box" whose one action is "toggle"
# (what Space on the focused switch does).
teeth = find(prefs, contains="Teeth in opened mouths", role="check box", timeout=5)


def toggle(node):
    acts = node.queryAction()
    names = [acts.getName(i) for i in range(acts.nActions)]
    check("toggle" in names, f"the switch can be toggled ({names})")
    if "toggle" in names:
        acts.doAction(names.index("toggle"))


check(teeth.getState().contains(pyatspi.STATE_CHECKED), "teeth are drawn by default")
toggle(teeth)
check(wait(lambda: not teeth.getState().contains(pyatspi.STATE_CHECKED), 5),
      "the teeth switch turns off")
toggle(teeth)
check(wait(lambda: teeth.getState().contains(pyatspi.STATE_CHECKED), 5),
      "and on again")
prefs = find(app, name="Preferences", timeout=5)
click(find(prefs, name="Close", role="push button", timeout=5))
time.sleep(0.5)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# 36 megapixels (under the pixel limit): about 0.8 GiB to open and animate.
big = os.path.join(artifacts, "big-header.png")
with open(big, "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 6000, 6000, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
action("open-file", f"'{big}'")
msg = find(app, contains="memory limit", timeout=15)
check(msg is not None and "512 MiB" in msg.name and "6000" in msg.name,
      f"refused under the preference's limit, which it names: {msg.name if msg else None!r}")
check(find(app, contains="astronaut.png — ") is not None, "the photo is still open")
screenshot("memory-limit-refusal")

# ---- 2. SIGTERM during an export ---------------------------------------------
click(find(app, name="Happy", role="push button"))
time.sleep(1.0)
key(0x65, ctrl=True)  # Ctrl+E
# The destination label reads "PATH Save to" (its text, then the title
# that labels it); GTK 4.8 gives labels no AT-SPI text interface.
label = find(app, contains=".mp4 Save to", role="label", timeout=10)
dest = label.name[:-len(" Save to")]
check(dest.startswith(home) and dest.endswith(".mp4"), f"the suggested destination is in HOME: {dest!r}")
earlier = b"an earlier clip the user keeps\n"
with open(dest, "wb") as f:
    f.write(earlier)
duration = find(app, name="Duration (seconds)", role="spin button", timeout=5).queryValue()
duration.currentValue = 60.0
click(find(app, name="Export", role="push button", timeout=5))
question = find(app, contains="Replace “astronaut-happy.mp4”", timeout=10)
# (libadwaita 1.2 on GTK 4.8 names its response buttons "Replace Replace".)
click(find(app, contains="Replace Replace", role="push button", timeout=5))
check(wait(lambda: glob.glob(os.path.join(home, ".*mien-*")), 30), "the export runs")
time.sleep(2.0)
temporaries = glob.glob(os.path.join(home, ".*mien-*"))
check(len(temporaries) == 1, f"a hidden temporary is being written: {temporaries}")
screenshot("exporting-before-sigterm")
os.kill(pid, signal.SIGTERM)
check(wait(lambda: not alive(), 60), "SIGTERM: the app quits")
with open(dest, "rb") as f:
    check(f.read() == earlier, "the earlier clip is byte-identical")
left = glob.glob(os.path.join(home, ".*mien-*"))
check(not left, f"no temporary is left: {left}")
log = open(os.path.join(artifacts, "mien.log"), errors="replace").read()
check("quit on SIGTERM" in log, "the log says why it quit")

finish()
