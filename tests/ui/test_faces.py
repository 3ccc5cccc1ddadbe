#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Faces in the app (issue #19), as a person would meet them on a photo of
two people (sample2.jpg):
  1. the status says "face 1 of 2";
  2. with the pointer over the photo every face found is outlined, the
     animated one in the accent blue, the other in white; with the pointer
     away, no outline is drawn;
  3. clicking the other face animates it: "face 2 of 2", and the blue
     outline moves to it;
  4. Find Faces Again (Thorough) in the main menu searches again and says
     what it found; the animated face stays the one the user chose.
Face boxes come from mien-faces --json (MIEN_FACES); screenshots stay in
the artifacts folder."""
import json
import os
import subprocess
import sys
import time

import numpy as np
import pyatspi

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mien_ui import (check, click, extents, find, find_app, finish,  # noqa: E402
                     screenshot, wait)

photo = os.environ["MIEN_PHOTO"]


def status():
    return find(app, contains=" — ", role="label").name


def move_to(x, y):
    pyatspi.Registry.generateMouseEvent(int(x), int(y), "abs")
    time.sleep(0.6)


def click_at(x, y):
    move_to(x, y)
    pyatspi.Registry.generateMouseEvent(int(x), int(y), "b1c")
    time.sleep(0.3)


faces = json.loads(subprocess.run([os.environ["MIEN_FACES"], "--json", photo],
                                  check=True, capture_output=True, text=True).stdout)
pw, ph = faces["width"], faces["height"]
boxes = [f["box"] for f in faces["faces"]]
check(len(boxes) == 2, f"mien-faces finds the two faces of {os.path.basename(photo)}: {len(boxes)}")

app = find_app()
check(wait(lambda: "face 1 of 2" in status(), 60), f"the status says which face of how many: {status()!r}")
preview = find(app, name="Photo preview")
x, y, w, h = extents(preview)
scale = min(w / pw, h / ph)  # fit: centred
ox, oy = x + (w - pw * scale) / 2, y + (h - ph * scale) / 2


def on_screen(b):
    return ox + (b["x"] + b["width"] / 2) * scale, oy + (b["y"] + b["height"] / 2) * scale


BLUE = np.array([54, 133, 227])


def outline_pixels(img, b, colour, tol=40):
    """Pixels of that colour on a 10-px band around box b's edge."""
    x0, y0 = ox + b["x"] * scale, oy + b["y"] * scale
    x1, y1 = x0 + b["width"] * scale, y0 + b["height"] * scale
    band = np.zeros(img.shape[:2], bool)
    X0, Y0, X1, Y1 = (int(round(v)) for v in (x0, y0, x1, y1))
    band[Y0 - 5:Y1 + 5, X0 - 5:X1 + 5] = True
    band[Y0 + 5:Y1 - 5, X0 + 5:X1 - 5] = False
    near = np.abs(img - colour).max(axis=2) <= tol
    return int((near & band).sum())


# The active face is face 0 (the larger); hover over the photo's corner.
move_to(x + 10, y + h - 10)
img = screenshot("faces-hover")
blue0, blue1 = outline_pixels(img, boxes[0], BLUE), outline_pixels(img, boxes[1], BLUE)
# The white line is drawn at 85 % over a dark one: about 220 and up.
white1 = outline_pixels(img, boxes[1], np.array([240, 240, 240]), tol=30)
print(f"hovering: blue on face 1 {blue0}, on face 2 {blue1}; white on face 2 {white1}")
check(blue0 > 200, "the animated face is outlined in blue")
check(blue1 < 20 and white1 > 200, "the other face is outlined in white")

# Away from the photo: no outline.
move_to(x + w + 60, y + 30)  # the side panel
img = screenshot("faces-away")
check(outline_pixels(img, boxes[0], BLUE) < 20, "no outline with the pointer away")

# Clicking the other face animates it.
click_at(*on_screen(boxes[1]))
check(wait(lambda: "face 2 of 2" in status(), 30), f"a click on the other face animates it: {status()!r}")
move_to(x + 10, y + h - 10)
img = screenshot("faces-second")
check(outline_pixels(img, boxes[1], BLUE) > 200 and outline_pixels(img, boxes[0], BLUE) < 20,
      "the blue outline moved to the clicked face")

# Find Faces Again (Thorough): searches again, says so, keeps the choice.
click(find(app, name="Main Menu", role="push button"))
time.sleep(0.5)
click(find(app, contains="Find Faces Again", role="menu item", timeout=5))
msg = find(app, contains="The thorough search found", timeout=120)
check(msg is not None, f"the thorough search says what it found: {msg.name!r}")
check(wait(lambda: "face 2 of" in status(), 10), f"the chosen face stays animated: {status()!r}")
screenshot("faces-thorough")

finish()
