#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Random search for a preset's AU recipe against face-api (mien-calibrate).

  search.py MIEN_CALIBRATE MODEL_DIR CLASS "AU=lo:hi,AU=lo:hi,..." N [PHOTO...]

Scores each random recipe by (faces raised, mean log-ratio) and prints the
best ones; recipes whose worst identity distance reaches 0.5 are dropped
(face-api's same-person threshold is 0.6). This is how the intensities in
engine/mien-au.c were chosen; run it again after changing the rig."""
import random
import subprocess
import sys


def main():
    exe, models, cls, space, n = sys.argv[1:6]
    photos = sys.argv[6:]
    ranges = []
    for term in space.split(","):
        au, lohi = term.split("=")
        lo, hi = (float(v) for v in lohi.split(":"))
        ranges.append((au, lo, hi))
    rng = random.Random(1)
    recipes = []
    for _ in range(int(n)):
        recipes.append(",".join("%s=%.1f" % (au, rng.uniform(lo, hi))
                                for au, lo, hi in ranges))
    # The corners of the box first: the all-high recipe is often best.
    recipes.insert(0, ",".join("%s=%.1f" % (au, hi) for au, lo, hi in ranges))
    proc = subprocess.run([exe, models] + photos, input="".join(
        "%s %s\n" % (cls, r) for r in recipes), capture_output=True, text=True,
        check=True)
    results = []
    for recipe, line in zip(recipes, proc.stdout.splitlines()):
        f = line.split()
        raised = int(f[1].split("/")[0])
        log_ratio, dist = float(f[9]), float(f[11])
        if dist < 0.5:
            results.append((raised, log_ratio, dist, recipe))
    results.sort(reverse=True)
    for r in results[:8]:
        print("raised %2d  log_ratio %.3f  dist %.3f  %s %s" % (r[0], r[1], r[2], cls, r[3]))


if __name__ == "__main__":
    main()
