#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue #23's MEAD check: does the emotion of a driving clip carry over?

Each of the eight MEAD clips in ../shared/data/driving/ (one woman going from
rest to neutral, angry, contempt, disgusted, fear, happy, sad or surprised)
drives a neutral sample face through `mien-render --drive`; face-api's
expression of the result's LAST frame (mien-faces --json on that frame, the
face nearest the driven one) is compared with the clip's emotion. The face is
cut from its photo first (a square of 3 face boxes, at most 1024 px), as
drive-quality.py does, so that each run renders a 1K frame.

Most MEAD clips do not go from rest to the emotion: the performer shows it
from the first frame to the last (face-api's neutral probability is under
0.01 on every frame of the surprised clip; the rest frames mien-render
picks average 0.00-0.02 neutral on surprised, disgusted and fear), so a
clip alone has no rest to measure the expression against, and
mien-render's rest (the clip's most neutral frames) is the emotion itself. By default each clip is therefore
driven with the same performer's neutral clip (mead-W009-neutral.mp4)
played first (--no-neutral-first: the clip alone): the rest is then found
in the neutral part, as mien-render finds it in any clip, and the last frame
is still the emotional clip's last.

usage: mead-check.py OUTDIR [--build BUILD] [--faces sample6.jpg:2,...]
                     [--no-neutral-first] [--clips angry,happy,...]
                     [--extra 'MIEN-RENDER OPTIONS']
Each run also writes its --drive-stats table and its last frame (PNG) into
OUTDIR; the table gives the rest frames' mean face-api neutral probability
and face-api's class of the driving clip's own last frame (the performer:
what the judge makes of the emotion before any driving; its frame is
written to OUTDIR too, never into the repository).
Prints a Markdown table and the count of clips whose class matches.
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys

from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DRIVING = os.path.join(ROOT, "..", "shared", "data", "driving")
# Clip name → face-api's class name.
EMOTIONS = {"neutral": "neutral", "angry": "angry", "contempt": None,
            "disgusted": "disgusted", "fear": "fearful", "happy": "happy",
            "sad": "sad", "surprised": "surprised"}
CLASSES = ["neutral", "happy", "sad", "angry", "fearful", "disgusted",
           "surprised"]


def faces_of(build, photo):
    out = subprocess.run([os.path.join(build, "app", "mien-faces"), "--json",
                          photo], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["faces"]


def centre(face):
    b = face["box"]
    return b["x"] + b["width"] / 2, b["y"] + b["height"] / 2


def cut_face(build, spec, outdir):
    """A square of 3 face boxes around face N of a sample photo (≤ 1024)."""
    name, index = spec.split(":")
    photo = os.path.join(ROOT, "data", "samples", name)
    face = faces_of(build, photo)[int(index)]
    cx, cy = centre(face)
    side = 3 * max(face["box"]["width"], face["box"]["height"])
    img = Image.open(photo).convert("RGB")
    side = min(side, img.width, img.height)
    x0 = int(min(max(0, cx - side / 2), img.width - side))
    y0 = int(min(max(0, cy - side / 2), img.height - side))
    crop = img.crop((x0, y0, x0 + int(side), y0 + int(side)))
    if crop.width > 1024:
        crop = crop.resize((1024, 1024), Image.LANCZOS)
    path = os.path.join(outdir, "%s-%s.png" % (os.path.splitext(name)[0], index))
    crop.save(path)
    return path


def last_frame_faces(build, video, frame):
    """mien-faces on the video's last frame, written to FRAME."""
    # Seek near the end and let -update 1 overwrite the one image with
    # every frame decoded after it: the file ends as the very last frame.
    # (Until session 27 "-frames:v 1" kept the first frame after the seek,
    # about 5 frames before the end of a 25 fps clip.)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-sseof", "-0.5",
                    "-i", video, "-update", "1", frame], check=True)
    return faces_of(build, frame)


def class_of(face):
    """face-api's class of one face and its probabilities."""
    probs = dict(zip(CLASSES, face["expressions"])) if isinstance(
        face["expressions"], list) else face["expressions"]
    return max(probs, key=probs.get), probs


def last_frame_class(build, video, near, outdir):
    faces = last_frame_faces(build, video,
                             os.path.splitext(video)[0] + "-last.png")
    if not faces:
        return None, {}
    return class_of(min(faces, key=lambda g: (centre(g)[0] - near[0]) ** 2
                        + (centre(g)[1] - near[1]) ** 2))


def driver_class(build, clip, outdir):
    """face-api's class of the driving clip's own last frame (the
    performer's face, the largest found), written to OUTDIR: how far the
    judge itself reads the clip as its emotion."""
    frame = os.path.join(outdir, "driver-%s-last.png" %
                         os.path.splitext(os.path.basename(clip))[0])
    faces = last_frame_faces(build, clip, frame)
    if not faces:
        return None, {}
    return class_of(max(faces, key=lambda g: g["box"]["width"]
                        * g["box"]["height"]))


def neutral_first(clip, outdir):
    """The neutral clip, then clip, as one video (lossless enough: CRF 12)."""
    out = os.path.join(outdir, "neutral-then-" + os.path.basename(clip))
    neutral = os.path.join(DRIVING, "mead-W009-neutral.mp4")
    if not os.path.exists(out):
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", neutral,
                        "-i", clip, "-filter_complex",
                        "[0:v][1:v]concat=n=2:v=1:a=0[v]", "-map", "[v]",
                        "-c:v", "libx264", "-crf", "12", "-pix_fmt",
                        "yuv420p", out], check=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--faces", default="sample6.jpg:2,sample3.jpg:1")
    ap.add_argument("--no-neutral-first", action="store_true",
                    help="drive with the emotional clip alone")
    ap.add_argument("--clips", default=",".join(EMOTIONS),
                    help="which emotions (default: all eight)")
    ap.add_argument("--extra", default="",
                    help="more mien-render options, e.g. '--strength 1.5'")
    a = ap.parse_args()
    if not os.path.isdir(DRIVING):
        print("skip: %s is missing" % DRIVING)
        return 77
    os.makedirs(a.outdir, exist_ok=True)
    render = os.path.join(a.build, "app", "mien-render")
    rows, hits, counted = [], 0, 0
    # The same class as face-api gives the performer's own last frame:
    # what the judge can confirm whatever the clip is named (MEAD's last
    # frames are mid-utterance: the angry and happy clips end on a frame
    # face-api reads as surprised).
    agree, judged = 0, 0
    for spec in a.faces.split(","):
        photo = cut_face(a.build, spec, a.outdir)
        # The driven face is the one nearest the crop's centre (a group
        # photo's crop holds neighbours too): drive it, and read it back.
        side = Image.open(photo).width
        found = faces_of(a.build, photo)
        index = min(range(len(found)), key=lambda i: (centre(found[i])[0] - side / 2) ** 2
                    + (centre(found[i])[1] - side / 2) ** 2)
        near = centre(found[index])
        for clip, want in EMOTIONS.items():
            if clip not in a.clips.split(","):
                continue
            src = os.path.join(DRIVING, "mead-W009-%s.mp4" % clip)
            if not os.path.exists(src):
                continue
            own_class, own_probs = driver_class(a.build, src, a.outdir)
            own = ("%s %.2f" % (own_class, own_probs[own_class])
                   if own_class else "no face")
            if not a.no_neutral_first:
                src = neutral_first(src, a.outdir)
            stem = "%s-%s" % (os.path.splitext(os.path.basename(photo))[0],
                              clip)
            out = os.path.join(a.outdir, stem + ".mp4")
            p = subprocess.run([render, photo, "--drive", src, "--face",
                                str(index), "-o", out, "--overwrite",
                                "--drive-stats",
                                os.path.join(a.outdir, stem + ".tsv")]
                               + shlex.split(a.extra),
                               capture_output=True, text=True)
            if p.returncode != 0:
                rows.append((spec, clip, want, own,
                             "error: " + p.stderr.strip(), "", ""))
                continue
            m = re.search(r"rest: (\d+) frames \(first (\d+)\), neutral "
                          r"([0-9.]+)", p.stdout)
            rest = "%s (%s frames)" % (m.group(3), m.group(1)) if m else "?"
            got, probs = last_frame_class(a.build, out, near, a.outdir)
            top = ", ".join("%s %.2f" % (k, v) for k, v in
                            sorted(probs.items(), key=lambda kv: -kv[1])[:3])
            if want is not None:
                counted += 1
                hits += got == want
            if own_class is not None:
                judged += 1
                agree += got == own_class
            rows.append((spec, clip, want or "(no face-api class)", own,
                         rest, got, top))
            print("%s %s: rest neutral %s; %s (%s); the driver's own last "
                  "frame: %s" % (spec, clip, rest, got, top, own), flush=True)
    print("\n| face | clip | want | the driver's own last frame | rest: "
          "face-api neutral | face-api's class of the last frame | top three |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %s | %s | %s | %s | %s | %s |" % r)
    print("\n%d of %d clips with a face-api class match" % (hits, counted))
    print("%d of %d with the class face-api gives the driver's own last "
          "frame" % (agree, judged))
    return 0


if __name__ == "__main__":
    sys.exit(main())
