#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The window opens the photo given on the command line, every control has an
accessible name, the GL preview really draws the photo, and a corrupt file
gives a message in the window while the photo stays."""
import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mien_ui import ARTIFACTS, extents, find, find_app, screenshot, walk, wait_for  # noqa: E402

failures = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures.append(msg)


app = find_app()
window = find(app, role="frame")
status = find(app, contains="512 × 512", timeout=20)
check("astronaut.png" in status.name, f"status line names the photo: {status.name!r}")
find(app, name="Open", role="push button")
preview = find(app, name="Photo preview")

# Every button and slider must have a name a screen reader can read.
unnamed = []
for node in walk(window):
    try:
        role = node.getRoleName()
    except Exception:
        continue
    name = node.name or ""
    # GTK falls back to the type name ("GtkMenuButton"), which a screen
    # reader would read out: that counts as unnamed. So does a raw mnemonic.
    if role in ("push button", "toggle button", "slider", "check box", "radio button", "menu button") and (
            not name or re.fullmatch(r"(Gtk|Adw)\w+", name) or "_" in name):
        unnamed.append(f"{role} {name!r}")
check(not unnamed, f"every control has an accessible name (unnamed: {unnamed})")

# The GL preview shows the photo: the preview area must look like it.
shot = screenshot("open-photo")
x, y, w, h = extents(preview)
area = shot[y:y + h, x:x + w]
from PIL import Image  # noqa: E402
photo = np.asarray(Image.open(os.environ["MIEN_PHOTO"]).convert("RGB")).astype(np.int16)
# Fit: the photo is centred at scale min(w/512, h/512).
s = min(w / photo.shape[1], h / photo.shape[0])
pw, ph = int(photo.shape[1] * s), int(photo.shape[0] * s)
ox, oy = (w - pw) // 2, (h - ph) // 2
ref = np.asarray(Image.fromarray(photo.astype(np.uint8)).resize((pw, ph), Image.NEAREST)).astype(np.int16)[8:-8, 8:-8]
# Magnified previews use nearest sampling (pixels stay crisp at 1:1 and
# beyond), hence NEAREST for the reference.
# GTK 4.8 reports extents relative to the window, without the client-side
# decoration's offset: search a small neighbourhood for the best alignment.
best = (1e9, 0, 0)
for dy in range(-40, 41):
    for dx in range(-40, 41):
        top, left = y + oy + 8 + dy, x + ox + 8 + dx
        if top < 0 or left < 0:
            continue
        shown = shot[top:top + ref.shape[0], left:left + ref.shape[1]]
        if shown.shape != ref.shape:
            continue
        err = float(np.mean(np.abs(shown - ref)))
        best = min(best, (err, dx, dy))
err, dx, dy = best
check(err < 6.0, f"preview shows the photo (mean abs difference {err:.1f} levels at offset {dx},{dy})")

# A corrupt file opened over D-Bus: a message in the window, photo stays.
bad = os.path.join(ARTIFACTS, "corrupt.jpg")
with open(bad, "wb") as f:
    f.write(b"\xff\xd8\xff\xe0" + b"\0" * 64)
subprocess.run(["gdbus", "call", "--session", "--dest", "io.github.mien.Mien",
                "--object-path", "/io/github/mien/Mien", "--method",
                "org.gtk.Actions.Activate", "open-file", f"[<'{bad}'>]", "{}"],
               check=True, capture_output=True)
toast = find(app, contains="not an image", timeout=10)
check(toast is not None, f"error message shown: {toast.name!r}")
screenshot("corrupt-file")
status = find(app, contains="astronaut.png — ")
check("512 × 512" in status.name, f"the photo is still open: {status.name!r}")



def open_over_dbus(path):
    subprocess.run(["gdbus", "call", "--session", "--dest", "io.github.mien.Mien",
                    "--object-path", "/io/github/mien/Mien", "--method",
                    "org.gtk.Actions.Activate", "open-file", f"[<'{path}'>]", "{}"],
                   check=True, capture_output=True)


# A 20000×20000 PNG: only its header needs to be read to refuse it.
import struct  # noqa: E402
import zlib  # noqa: E402


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


huge = os.path.join(ARTIFACTS, "huge.png")
with open(huge, "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
open_over_dbus(huge)
msg = find(app, contains="too large", timeout=15)
check("20000" in msg.name and "megapixels" in msg.name, f"huge image refused with the limit: {msg.name!r}")
check("512 × 512" in find(app, contains="astronaut.png — ").name, "the photo is still open after the huge one")

# A photo without a face: shown, with a message.
noface = os.path.join(ARTIFACTS, "shuttle.png")
Image.open(os.environ["MIEN_PHOTO"]).crop((330, 0, 512, 300)).save(noface)
open_over_dbus(noface)
msg = find(app, contains="No face found", timeout=30)
check(msg is not None, f"no-face photo gives a message: {msg.name!r}")
status = find(app, contains="shuttle.png — ", timeout=10)
check("182 × 300" in status.name and "no face" in status.name, f"the no-face photo is shown: {status.name!r}")
screenshot("no-face")

# And the app is still usable: the portrait opens again with its face.
open_over_dbus(os.environ["MIEN_PHOTO"])
status = find(app, contains="1 face", timeout=30)
check("astronaut.png" in status.name, f"usable afterwards: {status.name!r}")

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
