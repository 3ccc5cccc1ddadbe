#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Takes the screenshots of docs/USER-GUIDE.md and the metainfo from the
running app (driven through AT-SPI under Xvfb by scripts/screenshots.sh):
  app-surprised.jpg    the Surprised preset on the sample portrait;
  app-split.jpg        the split view, vanilla | multiscale, labelled;
  app-save-image.jpg   the Happy preset just saved with Save Image, and the
                       message that says so.
Each is the main window's 1280×800, written to MIEN_SHOTS_DIR as JPEG
quality 90."""
import os
import subprocess
import sys
import time

import pyatspi
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "ui"))
from mien_ui import click, extents, find, find_app  # noqa: E402

out_dir = os.environ["MIEN_SHOTS_DIR"]
artifacts = os.environ["MIEN_ARTIFACTS"]
CONTROL_L, SHIFT_L = 37, 50  # X keycodes (Xvfb's default keymap)


def grab(name, box):
    raw = os.path.join(artifacts, name + ".png")
    subprocess.run(["import", "-window", "root", raw], check=True)
    x, y, w, h = box
    shot = Image.open(raw).convert("RGB").crop((x, y, x + w, y + h))
    path = os.path.join(out_dir, name + ".jpg")
    shot.save(path, quality=90, optimize=True)
    print(f"{path}: {shot.size[0]}×{shot.size[1]}")


def key(sym, ctrl=False, shift=False):
    gen = pyatspi.Registry.generateKeyboardEvent
    if ctrl:
        gen(CONTROL_L, None, pyatspi.KEY_PRESS)
    if shift:
        gen(SHIFT_L, None, pyatspi.KEY_PRESS)
    gen(sym, None, pyatspi.KEY_SYM)
    if shift:
        gen(SHIFT_L, None, pyatspi.KEY_RELEASE)
    if ctrl:
        gen(CONTROL_L, None, pyatspi.KEY_RELEASE)
    time.sleep(0.5)


def settled(seconds=2.0):
    """Waits for the frame to finish rendering (the status line says
    "frame N ms" once it has)."""
    deadline = time.time() + 30
    while time.time() < deadline:
        if "frame" in find(app, contains=" — ", role="label").name:
            break
        time.sleep(0.2)
    time.sleep(seconds)


app = find_app()
find(app, contains="1 face", timeout=60)
window = find(app, name="Mien", role="frame")
# The window's default size (GSettings window-width/height), from its
# top-left corner: GTK 4.8 reports the frame 10 px short on both sides.
x, y, _, _ = extents(window)
box = (x, y, 1280, 800)
preview = find(app, name="Photo preview")
px, py, pw, ph = extents(preview)
# Without a window manager the window takes keys after a click into it:
# the photo's bottom-left corner, where there is no face to pick.
pyatspi.Registry.generateMouseEvent(px + 30, py + ph - 30, "b1c")
time.sleep(0.5)

click(find(app, name="Surprised", role="push button"))
settled()
grab("app-surprised", box)

key(0x73)  # s: the split view
settled()
grab("app-split", box)
key(0x73)

click(find(app, name="Happy", role="push button"))
settled(1.0)
# Save Image through the app's action (the file chooser would cover the
# face without a window manager): the toast says where it went.
subprocess.run(["gdbus", "call", "--session", "--dest", "io.github.mien.Mien",
                "--object-path", "/io/github/mien/Mien", "--method",
                "org.gtk.Actions.Activate", "save-image",
                f"[<'{os.path.join(artifacts, 'astronaut-happy.jpg')}'>]", "{}"],
               check=True, capture_output=True)
find(app, contains="Saved the image", timeout=30)
time.sleep(0.5)
grab("app-save-image", box)
