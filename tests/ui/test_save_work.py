#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Keeping and saving work, as a person would (issue #27):
  1. Open Recent shows file names as they are ("astro__naut_2.png"), and
     after it every shortcut still works: d, Esc, s, m, Ctrl+Z, Ctrl+R,
     Ctrl+E, Ctrl+comma, Ctrl+Shift+S, Ctrl+question; p switches to the
     paper's ResWarp (the status says so, an opened jaw looks different)
     and back (the same frame again);
  2. a new photo starts neutral with Neutral pressed; a preset button stays
     pressed until a slider changes the expression;
  3. Intensity scales the preset and the user's tweak together;
  4. Save Image writes the full-resolution frame; saving onto a file asks
     (Cancel keeps it, Replace writes), saving onto the opened photo asks in
     its own words and Cancel leaves the photo untouched; the saved image
     keeps the photo's ICC profile and alpha; Ctrl+C copies; with Keep
     Expression on, the next photo keeps the sliders;
  5. closing with unsaved slider work asks Save / Discard / Cancel: Cancel
     keeps the window, Save writes the project the work was saved to and
     closes (Discard on opening another photo: test_sliders.py).
Screenshots stay in the artifacts folder."""
import hashlib
import os
import sys
import time

import numpy as np
import pyatspi
from PIL import Image, ImageCms

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mien_ui import (action, check, click, extents, failures, find, find_app, key, screenshot, wait, walk)  # noqa: E402

artifacts = os.environ["MIEN_ARTIFACTS"]
source_photo = os.environ["MIEN_PHOTO"]


def showing(node):
    try:
        return node.getState().contains(pyatspi.STATE_SHOWING)
    except Exception:
        return False


def label_shown(name):
    """True if a label of that name is on screen (hidden ones are not in
    the accessible tree at all)."""
    for node in walk(app):
        try:
            if node.name == name and node.getRoleName() == "label":
                return True
        except Exception:
            continue
    return False


def pressed(name):
    node = find(app, name=name, role="push button")
    return node.getState().contains(pyatspi.STATE_PRESSED)


def slider(name):
    return find(app, name=name, role="slider").queryValue()


def status():
    return find(app, contains=" — ", role="label").name


def enclosing_window(node):
    while node is not None and node.getRoleName() not in ("dialog", "alert", "frame", "window"):
        node = node.parent
    return node


def answer(question_name, button, contains=False):
    """Clicks a response of the question whose heading is question_name."""
    q = find(app, contains=question_name, timeout=10) if contains else \
        find(app, name=question_name, timeout=10)
    # (libadwaita 1.2 on GTK 4.8 names its response buttons "Cancel Cancel".)
    click(find(enclosing_window(q), contains=button, role="push button", timeout=5))
    time.sleep(0.5)


def window_gone(name):
    """True once no top-level of the app has that name. (GTK 4.8 gives the
    file chooser dialog the role "filler", without the showing state.)"""
    for i in range(app.childCount):
        try:
            w = app.getChildAtIndex(i)
            if w is not None and name in (w.name or "") \
                    and (showing(w) or w.getRoleName() == "filler"):
                return False
        except Exception:
            continue
    return True


def close_window(name):
    """Closes a secondary window with Escape (GTK dialogs bind it)."""
    key(0xFF1B)
    return wait(lambda: window_gone(name), 5)


app = find_app()
find(app, contains="1 face", timeout=30)

# A copy of the photo with underscores in its name: Open Recent must show
# them, and saving over "the opened photo" must never touch the source tree.
# It carries an ICC profile and an alpha channel (a half-transparent
# corner), which Save Image must keep.
photo = os.path.join(artifacts, "astro__naut_2.png")
icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
rgba = Image.open(source_photo).convert("RGBA")
alpha = np.full((rgba.height, rgba.width), 255, np.uint8)
alpha[-40:, -40:] = 128
rgba.putalpha(Image.fromarray(alpha))
rgba.save(photo, icc_profile=icc)
action("open-file", f"'{photo}'")
check(wait(lambda: "astro__naut_2.png" in status() and "1 face" in status(), 30),
      f"the copy opened: {status()!r}")
time.sleep(1.0)

preview = find(app, name="Photo preview")
px, py, pw, ph = extents(preview)
# Without a window manager the window takes keys after a click into it:
# click the photo's bottom-left corner, where there is no face to pick.
pyatspi.Registry.generateMouseEvent(px + 30, py + ph - 30, "abs")
time.sleep(0.2)
pyatspi.Registry.generateMouseEvent(px + 30, py + ph - 30, "b1c")
time.sleep(0.3)

# ---- 1. Open Recent, then every shortcut ------------------------------------
click(find(app, name="Main Menu", role="push button"))
time.sleep(0.5)
click(find(app, contains="Recent", role="menu item", timeout=5))
time.sleep(0.5)
item = None
for node in walk(app):
    try:
        if node.getRoleName() == "menu item" and "naut" in (node.name or ""):
            item = node
            break
    except Exception:
        continue
check(item is not None and item.name == "astro__naut_2.png",
      f"Open Recent shows the name with its underscores: {item.name if item else None!r}")
if item is not None:
    click(item)
time.sleep(2.0)
check(wait(lambda: "astro__naut_2.png" in status() and "frame" in status(), 20),
      f"the recent photo opened: {status()!r}")
screenshot("1-after-open-recent")

LEGEND, SPLIT = "Difference from the photo", "Multiscale ResWarp"
check(not label_shown(LEGEND) and not label_shown(SPLIT), "the result view shows no legend")
key(0x64)  # d
check(wait(lambda: label_shown(LEGEND), 5), "d after Open Recent: the difference view and its legend")
screenshot("1-difference-legend")
key(0xFF1B)  # Esc
check(wait(lambda: not label_shown(LEGEND), 5), "Esc goes back to the result view")
key(0x73)  # s
check(wait(lambda: label_shown(SPLIT) and label_shown("Vanilla ResWarp"), 5),
      "s: the split view labels its sides")
screenshot("1-split-labels")
key(0x73)
check(wait(lambda: not label_shown(SPLIT), 5), "s again leaves the split view")
mode_before = "multiscale" if "multiscale ResWarp" in status() else "vanilla"
key(0x6D)  # m
check(wait(lambda: ("multiscale ResWarp" in status()) == (mode_before == "vanilla"), 5),
      f"m switches the ResWarp mode: {status()!r}")
key(0x6D)
check(wait(lambda: f"{mode_before} ResWarp" in status(), 5), "m again switches it back")

# p: the paper's ResWarp (no residual fade), one key away (issue #26). An
# opened jaw stretches the lips past the fade's 2.5x, so the two differ.
paper_area = (slice(py, py + ph), slice(px, px + pw))


def settled(name):
    """The preview once two screenshots 0.5 s apart agree (the slider's
    preview refined to the full frame)."""
    last = screenshot(name)[paper_area]
    for _ in range(30):
        time.sleep(0.5)
        now = screenshot(name)[paper_area]
        if np.array_equal(now, last):
            return now
        last = now
    return last


jaw = slider("Jaw drop")
jaw.currentValue = 5.0
faded = settled("1-jaw-faded")
key(0x70)  # p
check(wait(lambda: "(the paper's, no fade)" in status(), 5),
      f"p switches to the paper's ResWarp: {status()!r}")
paper = settled("1-jaw-paper")
check(np.abs(paper - faded).sum(axis=2).max() > 0,
      "the paper's ResWarp shows the opened jaw differently")
key(0x70)
check(wait(lambda: "(the paper's" not in status(), 5), f"p again goes back: {status()!r}")
check(np.array_equal(settled("1-jaw-faded-again"), faded),
      "and the frame is the faded one again")
jaw.currentValue = 0.0
time.sleep(0.8)

lip = slider("Lip corner puller")
lip.currentValue = 2.0
time.sleep(0.8)  # one undo step once the slider settles
key(0x7A, ctrl=True)  # Ctrl+Z
check(wait(lambda: abs(lip.currentValue) < 1e-6, 5), f"Ctrl+Z undoes the slider (now {lip.currentValue})")
key(0x7A, ctrl=True, shift=True)  # Ctrl+Shift+Z
check(wait(lambda: abs(lip.currentValue - 2.0) < 0.11, 5), f"Ctrl+Shift+Z redoes it (now {lip.currentValue})")
key(0x7A, ctrl=True)
key(0x79, ctrl=True)  # Ctrl+Y
check(wait(lambda: abs(lip.currentValue - 2.0) < 0.11, 5), f"Ctrl+Y redoes it too (now {lip.currentValue})")
lip.currentValue = 2.5
time.sleep(0.3)
key(0x72, ctrl=True)  # Ctrl+R
check(wait(lambda: abs(lip.currentValue) < 1e-6, 5), f"Ctrl+R resets the sliders (now {lip.currentValue})")
check(pressed("Neutral"), "after Reset the Neutral preset is pressed")

# Zoom: 100 % shows the 512-pixel photo smaller than fit does; zoom in and
# out change the picture; fit brings it back.
area = (slice(py, py + ph), slice(px, px + pw))
fit = screenshot("1-zoom-fit")[area]


def preview_differs(reference):
    return bool(np.any(np.abs(screenshot("1-zoom")[area] - reference).sum(axis=2) > 0))


for sym, what in [(0x31, "Ctrl+1 zooms to 100 %"), (0x2B, "Ctrl+plus zooms in"),
                  (0x2D, "Ctrl+minus zooms out")]:
    before_zoom = screenshot("1-zoom-before")[area]
    key(sym, ctrl=True)
    check(wait(lambda: preview_differs(before_zoom), 5), what)
key(0x30, ctrl=True)  # Ctrl+0
check(wait(lambda: not preview_differs(fit), 5), "Ctrl+0 fits the photo again")

for sym, ctrl, shift, title, what in [
        (0x6F, True, False, "Open a Portrait", "Ctrl+O opens the Open dialog"),
        (0x73, True, False, "Save the Project", "Ctrl+S opens the Save Project dialog"),
        (0x65, True, False, "Export Animation", "Ctrl+E opens the export dialog"),
        (0x2C, True, False, "Preferences", "Ctrl+comma opens the preferences"),
        (0x73, True, True, "Save Image", "Ctrl+Shift+S opens the Save Image dialog"),
        (0x3F, True, True, "Shortcuts", "Ctrl+? opens the Shortcuts window")]:
    key(sym, ctrl=ctrl, shift=shift)
    found = wait(lambda: not window_gone(title), 10)
    check(found, what)
    if not found:
        screenshot("1-missing-" + title.replace(" ", "-"))
        print("  windows:", [(app.getChildAtIndex(i).name, app.getChildAtIndex(i).getRoleName())
                             for i in range(app.childCount)])
    if found:
        if title == "Save Image":
            name_text = None
            win = [app.getChildAtIndex(i) for i in range(app.childCount)
                   if title in (app.getChildAtIndex(i).name or "")][0]
            for node in walk(win):
                try:
                    if node.getRoleName() == "text":
                        t = node.queryText()
                        text = t.getText(0, t.characterCount)
                        if text.endswith(".png"):
                            name_text = text
                            break
                except Exception:
                    continue
            check(name_text == "astro__naut_2-neutral.png",
                  f"Save Image suggests NAME-EXPRESSION.png: {name_text!r}")
            screenshot("1-save-image-dialog")
        closed = close_window(title)
        check(closed, f"Escape closes {title}")
        # A window that closed gives the keys back to the main window.
        pyatspi.Registry.generateMouseEvent(px + 30, py + ph - 30, "b1c")
        time.sleep(0.3)

# After those dialogs, keys still reach the main window.
key(0x64)
check(wait(lambda: label_shown(LEGEND), 5), "d still works after the dialogs closed")
key(0xFF1B)
wait(lambda: not label_shown(LEGEND), 5)

# ---- 2. presets stay pressed until a slider changes them ---------------------
check(pressed("Neutral") and not pressed("Happy"), "Neutral is pressed on a neutral face")
click(find(app, name="Happy", role="push button"))
check(wait(lambda: pressed("Happy") and not pressed("Neutral"), 5), "Happy is pressed once applied")
happy_lip = lip.currentValue
check(happy_lip > 0.5, f"Happy raises the lip corners ({happy_lip})")
time.sleep(1.0)
smiling = screenshot("2-happy")[area]
B_KEYCODE = 56  # X keycode of b (Xvfb's default keymap)
pyatspi.Registry.generateKeyboardEvent(B_KEYCODE, None, pyatspi.KEY_PRESS)
check(wait(lambda: preview_differs(smiling), 5), "holding B shows the photo before the changes")
pyatspi.Registry.generateKeyboardEvent(B_KEYCODE, None, pyatspi.KEY_RELEASE)
check(wait(lambda: not preview_differs(smiling), 5), "releasing B shows the result again")

# ---- 3. Intensity keeps a tweak ------------------------------------------------
brow = slider("Inner brow raiser")
brow.currentValue = 2.0
check(wait(lambda: not pressed("Happy"), 5), "moving a slider releases the Happy button")
intensity = slider("Preset intensity")
intensity.currentValue = 0.5
check(wait(lambda: abs(brow.currentValue - 1.0) < 0.11, 5),
      f"half intensity halves the tweak too (inner brow {brow.currentValue}, was 2.0)")
check(abs(lip.currentValue - happy_lip / 2) < 0.11,
      f"and the preset (lip {lip.currentValue}, was {happy_lip})")
intensity.currentValue = 1.0
check(wait(lambda: abs(brow.currentValue - 2.0) < 0.11, 5),
      f"back to full intensity the tweak returns (inner brow {brow.currentValue})")
time.sleep(1.0)

# ---- 4. Save Image and the overwrite questions ---------------------------------
out = os.path.join(artifacts, "astro__naut_2-edited.png")
if os.path.exists(out):
    os.remove(out)
action("save-image", f"'{out}'")
check(wait(lambda: os.path.exists(out), 30), "Save Image writes the file")
time.sleep(0.5)
saved = Image.open(out)
check(saved.size == (512, 512), f"at the photo's full size: {saved.size}")
a = np.asarray(saved.convert("RGB")).astype(int)
b = np.asarray(Image.open(photo).convert("RGB")).astype(int)
changed = np.abs(a - b).sum(axis=2) > 6
ys, xs = np.nonzero(changed)
check(changed.sum() > 200, f"the saved image shows the new expression ({changed.sum()} pixels differ)")
check(changed.sum() > 0 and 120 < xs.mean() < 360 and 40 < ys.mean() < 300,
      f"the differences are on the face (centre {xs.mean():.0f}, {ys.mean():.0f})")
check(changed[400:, :].sum() == 0, "the rest of the photo is the photo")
check(saved.info.get("icc_profile") == icc, "the saved image keeps the photo's ICC profile")
check(saved.mode == "RGBA" and np.array_equal(np.asarray(saved)[..., 3], alpha),
      f"and its alpha channel (mode {saved.mode})")

saved_hash = hashlib.sha256(open(out, "rb").read()).hexdigest()
with open(out, "wb") as f:
    f.write(b"keep me")
action("save-image", f"'{out}'")
answer("Replace “astro__naut_2-edited.png”?", "Cancel")
time.sleep(1.0)
check(open(out, "rb").read() == b"keep me", "Cancel keeps the existing file")
action("save-image", f"'{out}'")
screenshot("4-replace-question")
answer("Replace “astro__naut_2-edited.png”?", "Replace")
check(wait(lambda: open(out, "rb").read(8) == b"\x89PNG\r\n\x1a\n", 30),
      "Replace writes the image over it")

photo_hash = hashlib.sha256(open(photo, "rb").read()).hexdigest()
action("save-image", f"'{photo}'")
q = find(app, name="Replace the Original Photo?", timeout=10)
check(q is not None, "saving onto the opened photo asks in its own words")
screenshot("4-original-question")
answer("Replace the Original Photo?", "Cancel")
time.sleep(1.0)
check(hashlib.sha256(open(photo, "rb").read()).hexdigest() == photo_hash,
      "Cancel leaves the opened photo untouched")

# ---- 4b. Copy Image; Keep Expression for the next photo ----------------------
pyatspi.Registry.generateMouseEvent(px + 30, py + ph - 30, "b1c")
time.sleep(0.3)
key(0x63, ctrl=True)  # Ctrl+C
check(wait(lambda: find(app, contains="Copied the image", timeout=0.5) is not None, 20),
      "Ctrl+C copies the image")
click(find(app, name="Main Menu", role="push button"))
time.sleep(0.5)
click(find(app, contains="Keep Expression", timeout=5))
time.sleep(0.5)
second = os.path.join(artifacts, "second.png")
Image.open(source_photo).save(second)
action("open-file", f"'{second}'")  # the work was saved: no question
check(wait(lambda: status().startswith("second.png") and "frame" in status(), 30),
      f"the next photo opened: {status()!r}")
check(abs(brow.currentValue - 2.0) < 0.11 and lip.currentValue > 0.5,
      f"Keep Expression kept the sliders (inner brow {brow.currentValue}, lip {lip.currentValue})")

# ---- 5. unsaved work on close --------------------------------------------------
pid = int(os.environ["MIEN_PID"])


def exited():
    try:
        os.kill(pid, 0)
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] == "Z"
    except OSError:
        return True


# The work so far goes into a project; then the brow moves again.
project = os.path.join(artifacts, "work.mien")
if os.path.exists(project):
    os.remove(project)
action("save-project", f"'{project}'")
check(wait(lambda: os.path.exists(project), 10), "the project is saved")
brow.currentValue = 3.0
time.sleep(0.5)
main = enclosing_window(preview)
click(find(main, name="Close", role="push button"))
q = find(app, name="Save Changes?", timeout=10)
check(q is not None, "closing with unsaved work asks Save Changes?")
screenshot("5-save-changes")
answer("Save Changes?", "Cancel")
time.sleep(1.0)
check(not exited() and find(app, name="Photo preview", timeout=2) is not None
      and not window_gone("Mien"), "Cancel keeps the window open")
click(find(main, name="Close", role="push button"))
answer("Save Changes?", "Save")
check(wait(exited, 15), "Save closes the window once the work is saved (the app quits)")
import json  # noqa: E402
au1 = json.load(open(project))["target"]["aus"].get("AU1")
check(au1 is not None and abs(au1 - 3.0) < 0.11,
      f"Save wrote the work into the project it came from (AU1 {au1})")

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
