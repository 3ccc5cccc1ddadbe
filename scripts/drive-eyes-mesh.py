#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue #23's eye fidelity read with a second judge: MediaPipe's face mesh
(`mien-faces --mesh`) instead of face-api's 68 landmarks.

drive-quality.py reads the eye opening of the driving clip and of the
result from face-api's landmarks (the tracker's), whose lids follow a
blink only in part. This script takes one pair that drive-quality.py has
rendered (OUTDIR/FACE-face--CLIP.mp4 and the crop OUTDIR/FACE-face.png),
reads every frame of the first END seconds of both videos with the mesh,
and prints the Pearson r of the two eye openings and the p5-p95 spread of
each (so that a result that barely moves its lids shows as such).

The eye opening is the mean of three vertical lid distances per eye
(mesh points 160/144, 159/145, 158/153 and 385/380, 386/374, 387/373)
over the distance between the eyes' corner midpoints (33/133, 362/263).
The driver is the largest face of each frame, the result the face
nearest the one the crop was cut around (OUTDIR/FACE-face.png.json).
The driver's readings are cached in OUTDIR/mesh-eyes-CLIP.json.

usage: drive-eyes-mesh.py OUTDIR FACE CLIP [--build BUILD] [--end S]
  e.g. drive-eyes-mesh.py /tmp/dq sample5 liveportrait-d9
One mien-faces run per frame (about 0.4 s each on 2 cores). Exits 77
where ../shared/data/driving is absent."""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DRIVING = os.path.join(ROOT, "..", "shared", "data", "driving")
UPPER = [160, 159, 158, 385, 386, 387]
LOWER = [144, 145, 153, 380, 374, 373]


def frames(video, end, folder):
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", video, "-t",
                    str(end), os.path.join(folder, "%05d.png")], check=True)
    return sorted(os.path.join(folder, f) for f in os.listdir(folder))


def centre(face):
    b = face["box"]
    return b["x"] + b["width"] / 2, b["y"] + b["height"] / 2


def eye_opening(build, photo, near):
    """The mesh's eye opening of one face of PHOTO (None: no mesh)."""
    out = subprocess.run([os.path.join(build, "app", "mien-faces"), "--json",
                          "--mesh", photo], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    faces = [f for f in json.loads(out.stdout)["faces"] if f.get("mesh")]
    if not faces:
        return None
    if near is None:
        face = max(faces, key=lambda f: f["box"]["width"] * f["box"]["height"])
    else:
        face = min(faces, key=lambda f: (centre(f)[0] - near[0]) ** 2
                   + (centre(f)[1] - near[1]) ** 2)
    m = face["mesh"]["points"]
    c0 = ((m[33][0] + m[133][0]) / 2, (m[33][1] + m[133][1]) / 2)
    c1 = ((m[362][0] + m[263][0]) / 2, (m[362][1] + m[263][1]) / 2)
    iod = math.hypot(c0[0] - c1[0], c0[1] - c1[1])
    if not iod > 0:
        return None
    lids = sum(math.hypot(m[a][0] - m[b][0], m[a][1] - m[b][1])
               for a, b in zip(UPPER, LOWER))
    return lids / len(UPPER) / iod


def pearson(a, b):
    n = len(a)
    if n < 3:
        return float("nan")
    ma, mb = sum(a) / n, sum(b) / n
    sa = math.sqrt(sum((x - ma) ** 2 for x in a))
    sb = math.sqrt(sum((y - mb) ** 2 for y in b))
    if not (sa > 0 and sb > 0):
        return float("nan")
    return sum((x - ma) * (y - mb) for x, y in zip(a, b)) / (sa * sb)


def spread(v):
    s = sorted(v)
    return s[int(0.95 * (len(s) - 1))] - s[int(0.05 * (len(s) - 1))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("face")
    ap.add_argument("clip")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--end", type=float, default=3.0)
    a = ap.parse_args()
    if not os.path.isdir(DRIVING):
        print("skip: %s is absent" % DRIVING)
        return 77
    clip = os.path.splitext(a.clip)[0]
    cache = os.path.join(a.outdir, "mesh-eyes-%s.json" % clip)
    if os.path.exists(cache):
        driver = json.load(open(cache))
    else:
        with tempfile.TemporaryDirectory() as t:
            driver = [eye_opening(a.build, p, None) for p in
                      frames(os.path.join(DRIVING, clip + ".mp4"), a.end, t)]
        json.dump(driver, open(cache, "w"))
    crop = os.path.join(a.outdir, a.face + "-face.png")
    near = None
    if os.path.exists(crop + ".json"):
        near = json.load(open(crop + ".json"))["centre"]
    video = os.path.join(a.outdir, "%s-face--%s.mp4" % (a.face, clip))
    if not os.path.exists(video):
        print("no %s: render it with drive-quality.py first" % video,
              file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as t:
        result = [eye_opening(a.build, p, near) for p in frames(video, a.end, t)]
    n = min(len(driver), len(result))
    both = [i for i in range(n) if driver[i] is not None
            and result[i] is not None]
    d = [driver[i] for i in both]
    r = [result[i] for i in both]
    if not both:
        print("%s %s: no frame with a mesh in both" % (a.face, clip))
        return 1
    print("%s %s: mesh eyes r %.2f over %d frames; p5-p95 driver %.3f, "
          "result %.3f iod" % (a.face, clip, pearson(d, r), len(both),
                               spread(d), spread(r)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
