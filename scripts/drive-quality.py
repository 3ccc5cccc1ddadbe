#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The driving-by-example quality table and speed split (issue #23,
docs/QUALITY.md "Driving by example", docs/BENCHMARKS.md).

For each driving clip x sample face:
  1. mien-render FACE --drive CLIP -o OUT.mp4 --drive-stats drv.tsv
     (the driving clip's filtered measures, the solved AUs, the time split);
  2. mien-render FACE --drive OUT.mp4 --drive-stats res.tsv --drive-filter 0
     (the result tracked raw: its mouth, eyes, brows, frame-to-frame step,
     and each frame's face-api descriptor cosine to FACE);
  3. mien-render FACE --drive CLIP --drive-stats raw.tsv --drive-filter 0
     (the driving clip tracked raw: its own jitter).
Identity: descriptor cosine of the result's frames to the photo (mean,
worst). Expression: Pearson r of mouth opening, eye opening and brow height
(each in iod, per frame) between driving and result. Jitter: mean
frame-to-frame landmark step (pose removed, iod) on the driving clip's still
frames (filtered step < STILL), result over driving.

usage: drive-quality.py OUTDIR [--clips a.mp4,b.mp4] [--faces f1,f2]
                        [--end SECONDS]
Faces default to 1024-pixel crops around the largest face of sample1,
sample3, sample5 (made in OUTDIR) and the astronaut (512)."""
import argparse
import csv
import json
import math
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DRIVING = os.path.join(ROOT, "..", "shared", "data", "driving")
STILL = 0.004


def render_bin(build):
    return os.path.join(build, "app", "mien-render")


def stats(path):
    return list(csv.DictReader(open(path), delimiter="\t"))


def pearson(a, b):
    n = len(a)
    if n < 3:
        return float("nan")
    ma, mb = sum(a) / n, sum(b) / n
    va = sum((x - ma) ** 2 for x in a)
    vb = sum((y - mb) ** 2 for y in b)
    if va <= 0 or vb <= 0:
        return float("nan")
    return sum((x - ma) * (y - mb) for x, y in zip(a, b)) / math.sqrt(va * vb)


def face_crop(build, sample, out):
    from PIL import Image
    p = subprocess.run([os.path.join(build, "app", "mien-faces"), sample,
                        "--json"], capture_output=True, text=True, check=True)
    faces = json.loads(p.stdout)
    faces = faces.get("faces", faces) if isinstance(faces, dict) else faces
    f = max(faces, key=lambda f: f["box"]["width"] * f["box"]["height"])
    b = f["box"]
    img = Image.open(sample).convert("RGB")
    side = min(1024, img.width, img.height)
    cx, cy = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
    x0 = int(min(max(cx - side / 2, 0), img.width - side))
    y0 = int(min(max(cy - side / 2, 0), img.height - side))
    img.crop((x0, y0, x0 + side, y0 + side)).save(out)


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), p.stderr.strip()))
    return p.stdout


def strip(mp4, out, every=10, height=128, zoom=0.4):
    """Every 10th frame of a result side by side (a contact strip), the
    centre of the frame (the face crops are centred on the face)."""
    n = int(subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0",
         "-count_frames", "-show_entries",
         "stream=nb_read_frames", "-of", "csv=p=0", mp4],
        capture_output=True, text=True).stdout.strip() or 0)
    cols = max(1, (n + every - 1) // every)
    run(["ffmpeg", "-v", "error", "-y", "-i", mp4, "-vf",
         "select='not(mod(n\\,%d))',crop=iw*%g:ih*%g,scale=-2:%d,tile=%dx1"
         % (every, zoom, zoom, height, cols),
         "-frames:v", "1", "-q:v", "4", out])


def times(stdout):
    for line in stdout.splitlines():
        if line.startswith("times:"):
            return line
    return ""


def measure(build, face, clip, outdir, end):
    name = "%s--%s" % (os.path.splitext(os.path.basename(face))[0],
                       os.path.splitext(os.path.basename(clip))[0])
    out = os.path.join(outdir, name + ".mp4")
    drv = os.path.join(outdir, name + ".drv.tsv")
    res = os.path.join(outdir, name + ".res.tsv")
    raw = os.path.join(outdir, name + ".raw.tsv")
    cut = ["--end", str(end)] if end else []
    r = render_bin(build)
    o = run([r, face, "--drive", clip, "-o", out, "--drive-stats", drv,
             "--overwrite"] + cut)
    run([r, face, "--drive", out, "--drive-stats", res, "--drive-filter",
         "0"])
    run([r, face, "--drive", clip, "--drive-stats", raw, "--drive-filter",
         "0"] + cut)
    d, e, w = stats(drv), stats(res), stats(raw)
    n = min(len(d), len(e), len(w))
    both = [i for i in range(n) if d[i]["found"] == "1"
            and e[i]["found"] == "1"]
    ident = [float(e[i]["identity"]) for i in range(n)
             if e[i]["found"] == "1"]
    row = {"face": os.path.basename(face), "clip": os.path.basename(clip),
           "frames": n, "missing": sum(1 for x in d[:n]
                                       if x["found"] == "0")}
    row["id_mean"] = sum(ident) / len(ident) if ident else float("nan")
    row["id_worst"] = min(ident) if ident else float("nan")
    for k in ("mouth", "eyes", "brows"):
        row["r_" + k] = pearson([float(d[i][k]) for i in both],
                                [float(e[i][k]) for i in both])
    still = [i for i in range(1, n) if d[i]["found"] == "1"
             and d[i - 1]["found"] == "1" and float(d[i]["step"]) < STILL
             and e[i]["found"] == "1" and w[i]["found"] == "1"]
    jr = [float(e[i]["step"]) for i in still]
    jd = [float(w[i]["step"]) for i in still]
    row["still"] = len(still)
    row["jit_res"] = sum(jr) / len(jr) if jr else float("nan")
    row["jit_drv"] = sum(jd) / len(jd) if jd else float("nan")
    row["jit_ratio"] = (row["jit_res"] / row["jit_drv"]
                        if jd and row["jit_drv"] > 0 else float("nan"))
    row["times"] = times(o)
    strip(out, os.path.join(outdir, name + "-strip.jpg"))
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--clips", default="liveportrait-d19.mp4,"
                    "liveportrait-d12.mp4,mead-W009-surprised.mp4")
    ap.add_argument("--faces", default="")
    ap.add_argument("--end", type=float, default=6.0)
    a = ap.parse_args()
    if not os.path.isdir(DRIVING):
        print("skip: %s is absent" % DRIVING)
        return 77
    os.makedirs(a.outdir, exist_ok=True)
    faces = [f for f in a.faces.split(",") if f]
    if not faces:
        for s in ("sample1", "sample3", "sample5"):
            out = os.path.join(a.outdir, s + "-face.png")
            if not os.path.exists(out):
                face_crop(a.build, os.path.join(ROOT, "data", "samples",
                                                s + ".jpg"), out)
            faces.append(out)
        faces.append(os.path.join(ROOT, "data", "samples", "astronaut.png"))
    rows = []
    for clip in a.clips.split(","):
        for face in faces:
            row = measure(a.build, face, os.path.join(DRIVING, clip),
                          a.outdir, a.end)
            rows.append(row)
            print("| %s | %s | %d | %d | %.3f | %.3f | %.2f | %.2f | %.2f | "
                  "%d | %.4f | %.4f | %.2f |" % (
                      row["clip"], row["face"], row["frames"],
                      row["missing"], row["id_mean"], row["id_worst"],
                      row["r_mouth"], row["r_eyes"], row["r_brows"],
                      row["still"], row["jit_res"], row["jit_drv"],
                      row["jit_ratio"]))
            print("    " + row["times"])
            sys.stdout.flush()
    json.dump(rows, open(os.path.join(a.outdir, "quality.json"), "w"),
              indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
