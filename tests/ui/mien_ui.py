# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for driving Mien through AT-SPI (pyatspi) and checking screenshots."""
import os
import subprocess
import time

import numpy as np
import pyatspi
from PIL import Image

ARTIFACTS = os.environ.get("MIEN_ARTIFACTS", "/tmp")


def _app_log_tail(lines=20):
    """The last lines of the app's own output (run-ui-test.sh writes it to
    ARTIFACTS/mien.log), for a failure message."""
    try:
        with open(os.path.join(ARTIFACTS, "mien.log"), errors="replace") as f:
            tail = f.read().splitlines()[-lines:]
    except OSError:
        return "(no mien.log)"
    return "\n".join(tail) if tail else "(mien.log is empty)"


def _app_exited():
    """Whether the app run-ui-test.sh started (MIEN_PID) is gone."""
    pid = os.environ.get("MIEN_PID")
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (OSError, ValueError):
        return False
    # A zombie (exited, not yet reaped by the runner) counts as gone.
    try:
        with open(f"/proc/{int(pid)}/stat") as f:
            return f.read().split(") ")[-1].startswith("Z")
    except OSError:
        return True


def find_app(name="mien", timeout=90.0):
    # 90 s: on a 2-core machine running another suite beside (a sanitizer
    # build), the app once took longer than 40 s to register (ui-save-image
    # under de_DE, 2026-12-03). An app that exits stops the wait at once,
    # and the failure shows the end of its log either way.
    deadline = time.time() + timeout
    while time.time() < deadline:
        desktop = pyatspi.Registry.getDesktop(0)
        for app in desktop:
            if app is not None and app.name == name:
                return app
        if _app_exited():
            raise AssertionError(f"application '{name}' exited before it "
                                 f"appeared on the AT-SPI bus; its log:\n"
                                 f"{_app_log_tail()}")
        time.sleep(0.2)
    raise AssertionError(f"application '{name}' never appeared on the AT-SPI "
                         f"bus; its log:\n{_app_log_tail()}")


def walk(node, depth=0, max_depth=40):
    if node is None or depth > max_depth:
        return
    yield node
    try:
        n_children = node.childCount
    except Exception:
        return  # the node went away while the tree was walked (a closed toast)
    for i in range(n_children):
        try:
            child = node.getChildAtIndex(i)
        except Exception:
            continue
        yield from walk(child, depth + 1, max_depth)


def find(root, name=None, role=None, contains=None, timeout=10.0):
    """First accessible below root matching name / role / substring."""
    deadline = time.time() + timeout
    while True:
        for node in walk(root):
            try:
                n, r = node.name or "", node.getRoleName()
            except Exception:
                continue
            if name is not None and n != name:
                continue
            if contains is not None and contains not in n:
                continue
            if role is not None and r != role:
                continue
            return node
        if time.time() > deadline:
            raise AssertionError(f"no accessible with name={name!r} role={role!r} contains={contains!r}")
        time.sleep(0.2)


def click(node):
    """Clicks node, or (GTK 4.8's menu buttons) its first child that can."""
    candidates = [node] + [node.getChildAtIndex(i) for i in range(node.childCount)]
    for candidate in candidates:
        try:
            action = candidate.queryAction()
        except NotImplementedError:
            continue
        for i in range(action.nActions):
            if action.getName(i) in ("click", "press", "activate"):
                action.doAction(i)
                return
    raise AssertionError(f"{node.name}: no click action")


def extents(node):
    """Screen rectangle (x, y, w, h) of a widget."""
    e = node.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
    return e.x, e.y, e.width, e.height


def screenshot(name):
    path = os.path.join(ARTIFACTS, name + ".png")
    subprocess.run(["import", "-window", "root", path], check=True)
    return np.asarray(Image.open(path).convert("RGB")).astype(np.int16)


def wait_for(predicate, timeout=10.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


# ---- checks and input shared by the tests ----------------------------------

failures = []


def check(cond, msg):
    """Records one property: 'ok' or 'FAIL' and the message; the test goes on."""
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures.append(msg)


def finish():
    """Ends the test: exit status 1 if any check failed."""
    import sys
    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


def wait(predicate, timeout=10.0):
    """True once predicate() is (exceptions count as not yet), False after
    timeout seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return True
        except Exception:
            pass
        time.sleep(0.1)
    return False


def action(name, param):
    """Activates an application action over D-Bus, as the desktop would
    (param: a GVariant text, e.g. "'/tmp/photo.png'")."""
    subprocess.run(["gdbus", "call", "--session", "--dest", "io.github.mien.Mien",
                    "--object-path", "/io/github/mien/Mien", "--method",
                    "org.gtk.Actions.Activate", name, f"[<{param}>]", "{}"],
                   check=True, capture_output=True)


CONTROL_L, SHIFT_L = 37, 50  # X keycodes (Xvfb's default keymap)


def key(sym, ctrl=False, shift=False):
    """Presses a key (an X keysym) as the keyboard would: modifiers down,
    key, up."""
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
    time.sleep(0.3)
