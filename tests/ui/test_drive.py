#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Drive with Video or Photo… in the app (issue #23), as a person would.

Made here, so nothing is skipped: a driving photo (the astronaut rendered
surprised by mien-render --preset surprised), a photo without a face, and a
short driving clip (the astronaut animated smiling and back by mien-render
--animate, as tests/drive makes its clips).

Checks:
- the main menu's entry opens a file chooser for videos and photos;
- a driving photo sets the sliders (AUs and head turn) to what
  mien-render --drive solves for the same photo (an independent run of the
  CLI, its --save-project), as one undo step;
- a driving photo without a face says so and leaves the sliders alone;
- a driving video: Cancel during tracking stops it and leaves no file;
  tracked again, the dialog shows the frames and lost-face line, the frame
  scale (scrubbing changes the result shown) and Play; Export… asks where;
  the export writes an MP4 with one frame per driving frame at the driving
  rate (ffprobe) with the clip's sound, and a folder of PNG frames equal to
  the ones mien-render --drive writes for the same photo and clip; no
  temporary is left; Cancel during an export (of 300 frames) leaves no file
  and no temporary.
The file choosers are GTK's own under Xvfb; files are handed over with the
app's drive-file and drive-export actions (as gapplication would)."""
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pyatspi
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mien_ui import (action, check, click, extents, find, find_app,  # noqa: E402
                     finish, key, screenshot, wait)

ARTIFACTS = os.environ["MIEN_ARTIFACTS"]
RENDER = os.environ["MIEN_RENDER"]
PHOTO = os.environ["MIEN_PHOTO"]
FPS = 10
work = os.path.join(ARTIFACTS, "work")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)


def streams(path):
    p = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                        "stream=codec_type", "-of", "csv=p=0", path],
                       capture_output=True, text=True)
    return p.stdout.split()


def decode(path):
    p = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo",
                        "-pix_fmt", "rgb24", "-"], capture_output=True,
                       check=True)
    return np.frombuffer(p.stdout, np.uint8).astype(np.int16)


def render(*args):
    p = subprocess.run([RENDER, *args], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout


def frames_of(path):
    p = subprocess.run(["ffprobe", "-v", "error", "-count_frames",
                        "-select_streams", "v:0", "-show_entries",
                        "stream=nb_read_frames,r_frame_rate", "-of", "json",
                        path], capture_output=True, text=True)
    if p.returncode != 0:
        return None, None
    s = json.loads(p.stdout)["streams"][0]
    num, den = s["r_frame_rate"].split("/")
    return int(s["nb_read_frames"]), float(num) / float(den)


# ---- the inputs, made here ---------------------------------------------------
surprised = os.path.join(work, "surprised.png")
render(PHOTO, "--preset", "surprised", "-q", "-o", surprised)
# What the command line solves for it, every channel (its project file).
cli_project = os.path.join(work, "cli-driven.mien")
render(PHOTO, "--drive", surprised, "-q", "-o",
       os.path.join(work, "cli-driven.png"), "--save-project", cli_project)
expected = json.load(open(cli_project))["target"]["aus"]
print(f"     mien-render --drive solves: {expected}")
faceless = os.path.join(work, "no-face.png")
Image.fromarray(np.full((256, 256, 3), 128, np.uint8)).save(faceless)
silent = os.path.join(work, "smile-silent.mp4")
render(PHOTO, "--animate", "--fps", str(FPS), "-q", "-o", silent,
       "-k", "0:neutral", "-k", "0.8:12=4,6=2", "-k", "1.6:neutral")
# With a sound track (a tone), which the export must carry.
clip = os.path.join(work, "smile.mp4")
subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", silent, "-f", "lavfi",
                "-i", "sine=frequency=440:duration=5", "-c:v", "copy",
                "-c:a", "aac", "-shortest", clip], check=True)
# What the command line writes for the same photo and clip.
cli_clip = os.path.join(work, "cli-driven.mp4")
cli_says = render(PHOTO, "--drive", clip, "-o", cli_clip)
cli_frames = os.path.join(work, "cli-frames")
render(PHOTO, "--drive", clip, "-q", "-o", cli_frames)
long_clip = os.path.join(work, "long.mp4")
render(PHOTO, "--animate", "--fps", "25", "-q", "-o", long_clip,
       "-k", "0:neutral", "-k", "6:26=3,25=3", "-k", "12:neutral")
clip_frames, clip_fps = frames_of(clip)
print(f"     driving clip: {clip_frames} frames at {clip_fps} fps")

app = find_app()
find(app, contains="1 face", timeout=60)

SLIDERS = {"AU1": "Inner brow raiser", "AU25": "Lips part",
           "AU15": "Lip corner depressor", "AU12": "Lip corner puller",
           "yaw": "Head turn", "pitch": "Head nod", "roll": "Head tilt"}


def slider(au):
    return find(app, name=SLIDERS[au], role="slider").queryValue().currentValue


def sliders():
    return {au: slider(au) for au in SLIDERS}


# ---- 1. The menu entry opens a chooser ---------------------------------------
click(find(app, name="Main Menu", role="push button"))
time.sleep(0.5)
click(find(app, contains="Drive with Video or Photo", role="menu item", timeout=5))
chooser = find(app, name="Drive with Video or Photo", timeout=10)
check(chooser is not None, "the menu entry opens the file chooser")
print(f"     the chooser is a {chooser.getRoleName()!r}")
screenshot("1-chooser")
click(find(chooser, contains="Cancel", role="push button", timeout=5))
time.sleep(0.5)

# ---- 2. A driving photo -------------------------------------------------------
before = sliders()
check(all(abs(v) < 1e-6 for v in before.values()), f"the sliders start at rest {before}")
action("drive-file", f"'{surprised}'")
check(wait(lambda: slider("AU1") > 0.5, 60), f"a driving photo moves the sliders ({sliders()})")
time.sleep(1.0)
after = sliders()
for au, value in after.items():
    want = expected.get(au, 0.0)
    check(abs(value - want) < 0.02,
          f"{SLIDERS[au]} ({au}) is what mien-render --drive solves: {value:.2f} vs {want:.2f}")
screenshot("2-driven-by-photo")
# One undo step back to rest (the step settles after 0.4 s).
time.sleep(1.0)
# Without a window manager the window takes keys after a click into it:
# the preview's bottom-left corner, where there is no face to pick.
px, py, pw, ph = extents(find(app, name="Photo preview"))
pyatspi.Registry.generateMouseEvent(px + 20, py + ph - 20, "abs")
time.sleep(0.2)
pyatspi.Registry.generateMouseEvent(px + 20, py + ph - 20, "b1c")
time.sleep(0.5)
key(0x7A, ctrl=True)  # Ctrl+Z
check(wait(lambda: all(abs(v) < 1e-6 for v in sliders().values()), 10),
      f"one Undo returns every slider to rest ({sliders()})")
key(0x7A, ctrl=True, shift=True)  # Ctrl+Shift+Z
check(wait(lambda: abs(slider("AU1") - after["AU1"]) < 1e-6, 10),
      f"Redo brings the driven expression back ({sliders()})")

# ---- 3. A driving photo without a face ----------------------------------------
held = sliders()
action("drive-file", f"'{faceless}'")
msg = find(app, contains="no-face.png", timeout=60)
check(msg is not None and "face" in msg.name.lower(), f"a photo without a face says so: {msg.name!r}")
time.sleep(0.5)
check(sliders() == held, f"and changes nothing ({sliders()} vs {held})")

# ---- 4. A driving video: Cancel while tracking --------------------------------
before_files = set(os.listdir(work))
action("drive-file", f"'{long_clip}'")
dialog = find(app, name="Drive with Video", role="frame", timeout=15)
bar = find(dialog, role="progress bar", timeout=10)
check(wait(lambda: bar.queryValue().currentValue > 0.0, 60),
      f"tracking shows progress ({bar.queryValue().currentValue})")
screenshot("4-tracking")
click(find(dialog, name="Cancel", role="push button", timeout=5))
status = find(dialog, name="Tracking cancelled", timeout=30)
check(status is not None, "Cancel stops the tracking")
export = find(dialog, name="Export…", role="push button")
check(not export.getState().contains(pyatspi.STATE_SENSITIVE),
      "nothing to export after Cancel")
leftover = set(os.listdir(work)) - before_files
check(not leftover, f"a cancelled tracking leaves no file ({sorted(leftover)})")
click(find(dialog, name="Close", role="push button", timeout=5))
check(wait(lambda: all(n.name != "Drive with Video" for n in app), 10), "Close closes the dialog")

# ---- 5. A driving video: track, scrub, play, export ----------------------------
action("drive-file", f"'{clip}'")
dialog = find(app, name="Drive with Video", role="frame", timeout=15)
line = find(dialog, contains="face was lost on", timeout=120)
check(line.name.startswith(f"{clip_frames} frames"),
      f"the dialog tells the frames and faces lost: {line.name!r}")
check("lost on 0 frames" in line.name, f"the face was never lost in this clip: {line.name!r}")
scale = find(dialog, name="Frame", role="slider", timeout=5)
check(abs(scale.queryValue().maximumValue - (clip_frames - 1)) < 1e-6,
      f"the frame scale spans the clip ({scale.queryValue().maximumValue})")
time.sleep(1.0)
first = screenshot("5-frame-0")
scale.queryValue().currentValue = clip_frames // 2
time.sleep(3.0)
middle = screenshot("5-frame-middle")
x, y, w, h = extents(find(dialog, name="Result", role="image", timeout=5))
diff = np.abs(middle[y:y + h, x:x + w] - first[y:y + h, x:x + w]).sum(axis=2) > 6
check(diff.sum() > 100, f"scrubbing to the smile changes the result shown ({diff.sum()} pixels)")
play = find(dialog, name="Play", timeout=5)
print(f"     Play is a {play.getRoleName()!r}")
scale.queryValue().currentValue = 0
time.sleep(1.0)
click(play)
check(wait(lambda: scale.queryValue().currentValue >= clip_frames - 1, 60),
      f"Play runs to the last frame ({scale.queryValue().currentValue})")
click(find(dialog, name="Export…", role="push button", timeout=5))
saver = find(app, name="Export Driven Animation", timeout=10)
check(saver is not None, "Export… asks where to save")
screenshot("5-export-chooser")
click(find(saver, contains="Cancel", role="push button", timeout=5))
time.sleep(0.5)
out = os.path.join(work, "driven.mp4")
action("drive-export", f"'{out}'")
done = find(dialog, contains="Saved to", timeout=180)
check(done is not None and out in done.name, f"the export says where: {done.name!r}")
n, rate = frames_of(out)
check(n == clip_frames, f"the MP4 has one frame per driving frame ({n} vs {clip_frames})")
check(rate is not None and abs(rate - clip_fps) < 1e-3,
      f"at the driving clip's rate ({rate} vs {clip_fps})")
check(streams(out) == ["video", "audio"] and "audio copied" in cli_says,
      f"the driving clip's sound is carried into the MP4 ({streams(out)})")
# The pixels, compared without the encoder's losses: both as PNG frames.
frames_dir = os.path.join(work, "driven-frames")
action("drive-export", f"'{frames_dir}'")
find(dialog, contains="Saved to " + frames_dir, timeout=180)
names = sorted(os.listdir(frames_dir)) if os.path.isdir(frames_dir) else []
cli_names = sorted(os.listdir(cli_frames))
check(len(names) == clip_frames and names == cli_names,
      f"a folder name exports PNG frames, named as the CLI names them ({len(names)})")
# Measured: at most 1 level on ~26 values of a frame (0.003 %), all in the
# face crop (float rounding); a different clip would differ everywhere.
# Since the driven gaze moves the irises (issue #25/#23), that rounding can
# also flip a pixel on the edge of the eye opening, which the iris move
# masks hard (measured: 1 pixel in 2 of the 17 frames, up to 47 levels):
# such pixels are counted apart, the rest within 2 levels. Their number
# depends on where the driven irises land: with the tracker's crop hold
# (session 17) 1-4 pixels in 13 of the 17 frames, 3-5 levels, all on one
# iris's edge; so at most 6 a frame. Since the iris search snaps the iris
# model's window to its grid (session 18), none. A different clip or frame
# differs over the whole face (thousands of pixels).
worst, differing, total, flipped, flipped_max = 0.0, 0, 0, 0, 0
for name in names:
    a = np.asarray(Image.open(os.path.join(frames_dir, name)).convert("RGB"), np.int16)
    b = np.asarray(Image.open(os.path.join(cli_frames, name)).convert("RGB"), np.int16)
    if a.shape != b.shape:
        worst = 999.0
        continue
    d = np.abs(a - b)
    far = int((d.max(axis=2) > 2).sum())
    flipped += far
    flipped_max = max(flipped_max, far)
    near = np.where(d > 2, 0, d)
    worst, differing, total = max(worst, float(near.max())), differing + int((d > 0).sum()), total + d.size
share = differing / max(total, 1)
print(f"     against mien-render's frames: max difference {worst} outside {flipped} "
      f"flipped pixels (at most {flipped_max} a frame), {share:.6f} of values differ")
check(names and worst <= 2.0 and share < 1e-3 and flipped_max <= 6,
      f"the frames are the ones mien-render --drive writes (max {worst}, "
      f"{flipped} flipped pixels, {share:.6f} differ)")
temps = [f for f in os.listdir(work) if f.startswith(".")]
check(not temps, f"no temporary left beside it ({temps})")
screenshot("5-exported")
click(find(dialog, name="Close", role="push button", timeout=5))
check(wait(lambda: all(n.name != "Drive with Video" for n in app), 10), "Close closes the dialog")

# ---- 6. Cancel during an export leaves nothing ------------------------------
# The 300-frame clip, so that the export takes long enough to cancel. (Not
# a larger photo: opening one while this test walks the accessible tree
# crashed GTK 4.8's AT-SPI code, with or without the drive dialog.)
action("drive-file", f"'{long_clip}'")
dialog = find(app, name="Drive with Video", role="frame", timeout=15)
find(dialog, contains="face was lost on", timeout=240)
cancelled = os.path.join(work, "cancelled.mp4")
before_files = set(os.listdir(work))
action("drive-export", f"'{cancelled}'")
bar = find(dialog, role="progress bar", timeout=10)
check(wait(lambda: bar.queryValue().currentValue > 0.0, 60),
      f"the export shows progress ({bar.queryValue().currentValue})")
screenshot("6-exporting")
click(find(dialog, name="Cancel", role="push button", timeout=5))
msg = find(dialog, contains="Export cancelled", timeout=60)
check(msg is not None, f"Cancel stops the export: {msg.name!r}")
leftover = set(os.listdir(work)) - before_files
check(not leftover, f"a cancelled export leaves no file and no temporary ({sorted(leftover)})")
click(find(dialog, name="Close", role="push button", timeout=5))

finish()
