# SPDX-License-Identifier: GPL-3.0-or-later
"""The Flatpak manifest parses, names the app and its command, is on a
supported GNOME runtime (47 or later; 43 is end-of-life), builds Mien last,
ships the face models, and every archive source carries a sha256."""
import json
import sys

m = json.load(open(sys.argv[1]))
assert m["id"] == "io.github.mien.Mien" and m["command"] == "mien", "id/command"
assert m["runtime"] == "org.gnome.Platform" and int(m["runtime-version"]) >= 47, \
    f"runtime {m['runtime']} {m['runtime-version']}: GNOME 47 or later"
names = [x["name"] for x in m["modules"]]
assert names[-1] == "mien" and "face-api-models" in names, names
for mod in m["modules"]:
    for src in mod.get("sources", []):
        if src["type"] == "archive":
            assert len(src.get("sha256", "")) == 64, f"no sha256 for {src['url']}"
print("ok:", names)
