# SPDX-License-Identifier: GPL-3.0-or-later
"""The Flatpak manifest parses, names the app and its command, is on a
supported GNOME runtime (47 or later; 43 is end-of-life), builds Mien last,
ships the face models and libexif, and every source is pinned: an archive
by its sha256, a git checkout by a full commit hash (not a branch or a tag
alone)."""
import re
import json
import sys

m = json.load(open(sys.argv[1]))
assert m["id"] == "io.github.mien.Mien" and m["command"] == "mien", "id/command"
assert m["runtime"] == "org.gnome.Platform" and int(m["runtime-version"]) >= 47, \
    f"runtime {m['runtime']} {m['runtime-version']}: GNOME 47 or later"
names = [x["name"] for x in m["modules"]]
assert names[-1] == "mien" and "face-api-models" in names and "libexif" in names, names
for mod in m["modules"]:
    for src in mod.get("sources", []):
        if src["type"] == "archive":
            assert re.fullmatch(r"[0-9a-f]{64}", src.get("sha256", "")), \
                f"no sha256 for {src['url']}"
        elif src["type"] == "git":
            assert re.fullmatch(r"[0-9a-f]{40}", src.get("commit", "")) \
                and "branch" not in src, f"{src['url']}: not pinned by commit"
        else:
            assert src["type"] == "dir" and mod["name"] == "mien", \
                f"{mod['name']}: a {src['type']} source cannot be pinned"
print("ok:", names)
