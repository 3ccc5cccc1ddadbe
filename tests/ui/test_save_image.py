#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Save Image keeps the photo's metadata (issue #27), checked with PIL as an
independent reader:
  - a JPEG photo stored sideways (EXIF Orientation 6) with an ICC profile
    and camera tags opens upright;
  - the JPEG quality set in Preferences (70 here) is the quality of the
    saved JPEG (its quantization tables are PIL's at 70);
  - Save Image as .jpg writes the upright, full-size frame with the EXIF
    kept (camera tags, date) and normalized (Orientation 1, the pixel size
    of the upright frame, no thumbnail), and the ICC profile kept;
  - Save Image as .png keeps the same EXIF (eXIf chunk) and profile;
  - "Sharper skin detail" (issue #26) is off by default; turned on, the
    saved frame changes only about the face and is mien-render --sharp's
    frame, as the default one is mien-render's.
Screenshots stay in the artifacts folder."""
import io
import os
import subprocess
import sys
import time

import numpy as np
from PIL import Image, ImageCms, ImageOps

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pyatspi  # noqa: E402
from mien_ui import (action, check, click, failures, find, find_app, screenshot, wait)  # noqa: E402

ORIENTATION, MAKE, MODEL, SOFTWARE = 0x0112, 0x010F, 0x0110, 0x0131
EXIF_IFD, DATE_ORIGINAL, PIXEL_X, PIXEL_Y = 0x8769, 0x9003, 0xA002, 0xA003
QUALITY = 70

artifacts = os.environ["MIEN_ARTIFACTS"]
source_photo = os.environ["MIEN_PHOTO"]


def status():
    return find(app, contains=" — ", role="label").name


app = find_app()
find(app, contains="1 face", timeout=30)

# ---- the photo: 512×400 upright, stored sideways with Orientation 6 ---------
upright = Image.open(source_photo).convert("RGB").crop((0, 0, 512, 400))
stored = upright.transpose(Image.Transpose.ROTATE_90)  # 400×512; 6 turns it back
# PIL's own sRGB profile: a file Mien wrote without it would carry none.
icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
exif = Image.Exif()
exif[ORIENTATION] = 6
exif[MAKE] = "MienTestCam"
exif[MODEL] = "Sideways 6"
exif[SOFTWARE] = "test_save_image.py"
# (PIL 9.4 writes a sub-IFD given as a dict, not one changed by get_ifd.)
exif[EXIF_IFD] = {DATE_ORIGINAL: "2026:12:02 08:30:00", PIXEL_X: 400, PIXEL_Y: 512}
photo = os.path.join(artifacts, "sideways.jpg")
stored.save(photo, quality=95, exif=exif.tobytes(), icc_profile=icc)
check(Image.open(photo).getexif().get(ORIENTATION) == 6 and Image.open(photo).size == (400, 512),
      "the test photo is stored sideways with Orientation 6")

action("open-file", f"'{photo}'")
check(wait(lambda: "sideways.jpg" in status() and "1 face" in status(), 30),
      f"the sideways photo opened with its face found: {status()!r}")
time.sleep(1.0)

# ---- the JPEG quality preference ------------------------------------------------
click(find(app, name="Main Menu", role="push button"))
time.sleep(0.5)
click(find(app, contains="Preferences", role="menu item", timeout=5))
# (GTK 4.8 names it "JPEG quality JPEG quality": the row title and the label.)
spin = find(app, contains="JPEG quality", role="spin button", timeout=10).queryValue()
check(abs(spin.currentValue - 95) < 1e-6, f"the JPEG quality preference starts at 95 ({spin.currentValue})")
spin.currentValue = QUALITY
check(wait(lambda: abs(spin.currentValue - QUALITY) < 1e-6, 5), f"set to {QUALITY}")
screenshot("preferences-jpeg-quality")
# Close the preferences with the window's own Close button.
prefs = find(app, name="Preferences", timeout=5)
click(find(prefs, name="Close", role="push button", timeout=5))
time.sleep(0.5)

# ---- a changed expression, saved ---------------------------------------------
click(find(app, name="Happy", role="push button"))
time.sleep(1.5)
out_jpg = os.path.join(artifacts, "sideways-happy.jpg")
out_png = os.path.join(artifacts, "sideways-happy.png")
for path in (out_jpg, out_png):
    if os.path.exists(path):
        os.remove(path)
action("save-image", f"'{out_jpg}'")
check(wait(lambda: os.path.exists(out_jpg), 30), "Save Image writes the JPEG")
time.sleep(0.5)
action("save-image", f"'{out_png}'")
check(wait(lambda: os.path.exists(out_png), 30), "Save Image writes the PNG")
time.sleep(0.5)
screenshot("saved")


def reference_quantization(quality):
    buf = io.BytesIO()
    upright.save(buf, "JPEG", quality=quality)
    return Image.open(buf).quantization


saved = Image.open(out_jpg)
check(saved.size == (512, 400), f"the JPEG is the upright frame at full size: {saved.size}")
check(saved.quantization == reference_quantization(QUALITY),
      f"the JPEG was written at quality {QUALITY} (quantization tables as PIL's)")
check(saved.quantization != reference_quantization(95), "and not at the default 95")
check(saved.info.get("icc_profile") == icc, "the JPEG keeps the photo's ICC profile")

# The photo as a viewer shows it: decoded, then turned by its EXIF.
shown = np.asarray(ImageOps.exif_transpose(Image.open(photo)).convert("RGB")).astype(int)
a = np.asarray(saved.convert("RGB")).astype(int)
p = np.asarray(Image.open(out_png).convert("RGB")).astype(int)
# Upright: below the face the saved frames are the photo as shown (the PNG
# within a level or two of decoder rounding, the JPEG within its quality
# 70 error); the same rows turned upside down are far off.
rest_png = np.abs(p[330:] - shown[330:]).mean()
rest_jpg = np.abs(a[330:] - shown[330:]).mean()
flipped = np.abs(p[330:] - shown[::-1, ::-1][330:]).mean()
check(rest_png < 1.0 and rest_jpg < 6.0 and flipped > 20,
      f"the pixels are upright (mean difference below the face: PNG {rest_png:.2f}, "
      f"JPEG {rest_jpg:.2f}; turned over {flipped:.1f})")
face = (np.abs(p[60:260, 150:360] - shown[60:260, 150:360]).sum(axis=2) > 30).sum()
check(face > 200, f"and show the new expression ({face} face pixels changed)")

for path, what in ((out_jpg, "JPEG"), (out_png, "PNG")):
    im = Image.open(path)
    ex = im.getexif()
    sub = ex.get_ifd(EXIF_IFD)
    print(f"     {what} EXIF: {dict(ex)}, Exif IFD: {dict(sub)}")
    check(len(ex) > 0, f"the {what} has EXIF")
    check(ex.get(ORIENTATION) == 1, f"{what}: Orientation is 1, the pixels being upright ({ex.get(ORIENTATION)})")
    check(ex.get(MAKE) == "MienTestCam" and ex.get(MODEL) == "Sideways 6",
          f"{what}: the camera tags are kept ({ex.get(MAKE)!r}, {ex.get(MODEL)!r})")
    check(sub.get(DATE_ORIGINAL) == "2026:12:02 08:30:00",
          f"{what}: the date taken is kept ({sub.get(DATE_ORIGINAL)!r})")
    check((sub.get(PIXEL_X), sub.get(PIXEL_Y)) == (512, 400),
          f"{what}: the EXIF pixel size is the upright frame's ({sub.get(PIXEL_X)}×{sub.get(PIXEL_Y)})")
    check(im.info.get("icc_profile") == icc, f"{what}: the ICC profile is kept")
    check(im.size == (512, 400), f"{what}: size {im.size}")
    if what == "JPEG":
        check(ex.get_ifd(0x0001) in ({}, None) or len(ex.get_ifd(0x0001)) == 0,
              "JPEG: no thumbnail (it would show the old face)")

# ---- "Sharper skin detail" (issue #26) ---------------------------------------
click(find(app, name="Main Menu", role="push button"))
time.sleep(0.5)
click(find(app, contains="Preferences", role="menu item", timeout=5))
prefs = find(app, name="Preferences", timeout=5)
sharp = find(prefs, contains="Sharper skin detail", role="check box", timeout=5)
check(not sharp.getState().contains(pyatspi.STATE_CHECKED), "sharper skin detail is off by default")
acts = sharp.queryAction()
names = [acts.getName(i) for i in range(acts.nActions)]
check("toggle" in names, f"the switch can be toggled ({names})")
if "toggle" in names:
    acts.doAction(names.index("toggle"))
check(wait(lambda: sharp.getState().contains(pyatspi.STATE_CHECKED), 5), "the switch turns on")
screenshot("preferences-sharp")
click(find(prefs, name="Close", role="push button", timeout=5))
time.sleep(1.5)
out_sharp = os.path.join(artifacts, "sideways-happy-sharp.png")
if os.path.exists(out_sharp):
    os.remove(out_sharp)
action("save-image", f"'{out_sharp}'")
check(wait(lambda: os.path.exists(out_sharp), 30), "Save Image writes the sharper PNG")
time.sleep(0.5)
s = np.asarray(Image.open(out_sharp).convert("RGB")).astype(int)
moved = np.abs(s - p).max(axis=2)
check((moved >= 2).sum() > 50 and moved[330:].max() == 0,
      f"the sharper frame differs about the face ({(moved >= 2).sum()} pixels by 2 levels "
      f"or more) and nowhere below it ({moved[330:].max()})")
render = os.environ.get("MIEN_RENDER")
if render:
    for flags, mine, what in (([], p, "default"), (["--sharp"], s, "sharper")):
        ref = os.path.join(artifacts, f"render-{what}.png")
        subprocess.run([render, photo, "-p", "happy", "-q", "-o", ref] + flags, check=True)
        r = np.asarray(Image.open(ref).convert("RGB")).astype(int)
        off = np.abs(r - mine).max() if r.shape == mine.shape else None
        check(off is not None and off <= 1,
              f"the app's {what} frame is mien-render {' '.join(flags + ['-p happy'])}'s "
              f"(largest difference {off} levels)")

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
