#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""How firmly does face-api read a recipe on each face? Renders N random
neighbours of a recipe (each AU intensity times U(1 - S, 1 + S), at most 5)
with mien-calibrate -d (the pipeline's measurement, detection included) and
prints, per face, in how many of them p(CLASS) rose by the test's margin.

  neighbourhood.py MIEN_CALIBRATE MODEL_DIR CLASS RECIPE N S PHOTO...

A face raised in all neighbours holds firmly; one raised in a few is a coin
toss that a small change of the rig will flip either way; one raised in
none is out of reach of recipes near this one."""
import random
import re
import subprocess
import sys


def main():
    exe, models, cls, recipe, n, spread = sys.argv[1:7]
    photos = sys.argv[7:]
    terms = [t.split("=") for t in recipe.split(",")]
    rng = random.Random(7)
    recipes = [recipe]
    for _ in range(int(n)):
        recipes.append(",".join(
            "%s=%.2f" % (au, min(5.0, float(v) * rng.uniform(
                1 - float(spread), 1 + float(spread))))
            if not au.startswith("gaze") else "%s=%s" % (au, v)
            for au, v in terms))
    out = subprocess.run([exe, "-v", "-d", models] + photos, input="".join(
        "%s %s\n" % (cls, r) for r in recipes), capture_output=True,
        text=True, check=True).stdout
    line_re = re.compile(r"^\s+(\S+) p ([\d.]+) -> ([\d.]+)")
    raised, total, base = {}, {}, {}
    k = 0
    for line in out.splitlines():
        m = line_re.match(line)
        if m:
            face, ps, pr = m.group(1), float(m.group(2)), float(m.group(3))
            up = pr >= ps + 0.01 or (ps >= 0.99 and pr >= 0.99)
            if k == 0:
                base[face] = (ps, pr, up)
            else:
                raised[face] = raised.get(face, 0) + up
                total[face] = total.get(face, 0) + 1
        elif line.startswith("raised"):
            k += 1
    print("%s %s: per face, the recipe's p and in how many of %s neighbours "
          "(±%d %%) p rose" % (cls, recipe, n, round(100 * float(spread))))
    for face in base:
        ps, pr, up = base[face]
        print("  %-16s %.4f -> %.4f %-10s neighbours raised %2d/%d"
              % (face, ps, pr, "raised" if up else "NOT", raised.get(face, 0),
                 total.get(face, 0)))


if __name__ == "__main__":
    main()
