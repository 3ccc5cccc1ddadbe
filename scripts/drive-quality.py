#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The driving-by-example quality table and speed split (issue #23,
docs/QUALITY.md "Driving by example", docs/BENCHMARKS.md).

For each driving clip x sample face (the face driven: -f F, the face a
crop was cut around, not mien-render's default, the largest):
  1. mien-render FACE -f F --drive CLIP -o OUT.mp4 --drive-stats drv.tsv
     (the driving clip's filtered measures, the solved AUs, the time split);
  2. mien-render FACE -f F --drive OUT.mp4 --drive-stats res.tsv
     --drive-filter 0 --drive-face N (the result tracked raw: its mouth,
     eyes, brows, frame-to-frame step, and each frame's face-api
     descriptor cosine to FACE's face F); N: the faces of the result's
     first frame nearest the driven face first (mien-faces on that frame),
     tried until the track's first frame lies on the driven face (the
     tracker's detection order need not be mien-faces'); a row where none
     does says "wrong face tracked";
  3. mien-render FACE --drive CLIP --drive-stats raw.tsv --drive-filter 0
     (the driving clip tracked raw: its own jitter; once per clip).
Identity: descriptor cosine of the result's frames to the photo (mean,
worst). Expression: Pearson r of mouth opening, eye opening and brow height
(each in iod, per frame) between driving and result (r does not depend on
each series' rest or scale, so "normalized to its own rest" changes
nothing). Jitter: mean frame-to-frame landmark step (pose removed, iod) on
the driving clip's still frames (filtered step < STILL), result over
driving. Mouth gain: the result's mouth opening p5-p95 over the driving
clip's (r does not see a muted mouth). A contact strip per pair (every
10th frame, the result's face) is written to OUTDIR.

FWE (flow-warping error, Lai et al. 2018), on each video with its OWN flow:
for consecutive frames t, t+1, Farneback flow F (t -> t+1) and B
(t+1 -> t) of the video itself; frame t+1 warped back to t
(I[t+1](x + F(x))); pixels failing the forward-backward check
(|F + B(x+F)|^2 > 0.01 (|F|^2 + |B(x+F)|^2) + 0.5, Ruder et al.) are
occluded and left out; the MEAN SQUARED RGB error (values 0-1) over the
rest, averaged over the frame pairs, x 1000. Region: the face, for both
videos alike: the union box of the raw-tracked 68 landmarks over the clip,
widened by a quarter of its size on each side (a third upwards, for the
forehead), cut square and scaled to 256 x 256. Needs python3-opencv and
numpy (Debian: apt-get install python3-opencv; only this script needs
them, not the build or the tests); without cv2 the FWE columns are
skipped with a line saying so.

Driving PHOTOS (.jpg in --clips): identity only (the face-api descriptor
cosine, mien-faces --json on the result PNG and on FACE, the faces nearest
the driven one); r, jitter and FWE need motion.

Ground-truth clips (--gt): the astronaut animated with the keyframes of
tests/drive/test_drive_cli.py (GT_NEUTRAL_FIRST, GT_SMILE_FIRST, GT_GAZE;
12 fps; mien-render --animate), made in OUTDIR and driven like the real
clips, whole (not cut by --end; OUTDIR/gt-*.mp4 named in --clips too).

usage: drive-quality.py OUTDIR [--build BUILD] [--clips a.mp4,b.jpg|all]
                        [--faces f1,f2] [--end SECONDS] [--gt]
                        [--no-fwe] [--reverse] [--cached-only]
                        [--table FILE.md] [--judge-build BUILD]
--clips all: every .mp4 and .jpg in ../shared/data/driving. Faces default
to 1024-pixel crops around the largest face of sample1, sample3, sample5
(made in OUTDIR) and the astronaut (512); --faces sample6,sample2 makes the
same crops of those samples (a bare sample name), or takes a path.
Runs face by face (each face on every clip, --reverse: the clips in the
opposite order, for a second run beside the first on other faces).
Results already in OUTDIR (NAME.row.json) are reused, so an interrupted
run goes on where it stopped; --cached-only measures nothing and lists
the pairs not measured. Prints (and with --table writes) a Markdown
table in the clips' order, the count of pairs meeting each of issue #23's
bars, and how far each driving clip's parts move; quality.json holds
every row.

--judge-build J: steps 2 and 3 (and the choice of the result's face) run
J's mien-render instead of BUILD's, and r compares the driving clip tracked
by J (filtered, as mien-render drives) with the result tracked raw by J. A
change to the tracker then moves only what it renders, not the judge
reading it. Keep one OUTDIR per judge: the driving clip's tracks are
cached per clip."""
import argparse
import csv
import importlib.util
import json
import math
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DRIVING = os.path.join(ROOT, "..", "shared", "data", "driving")
STILL = 0.004
FWE_SIDE = 256
TRACK_SIDE = 720  # mien_drive_options.track_side's default

try:
    import cv2
    import numpy as np
except ImportError:  # the FWE columns are skipped
    cv2 = None


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


def faces_of(build, photo):
    p = subprocess.run([os.path.join(build, "app", "mien-faces"), photo,
                        "--json"], capture_output=True, text=True, check=True)
    faces = json.loads(p.stdout)
    return faces.get("faces", faces) if isinstance(faces, dict) else faces


def area(f):
    return f["box"]["width"] * f["box"]["height"]


def centre(f):
    b = f["box"]
    return b["x"] + b["width"] / 2, b["y"] + b["height"] / 2


def face_crop(build, sample, out):
    from PIL import Image
    f = max(faces_of(build, sample), key=area)
    b = f["box"]
    img = Image.open(sample).convert("RGB")
    side = min(1024, img.width, img.height)
    cx, cy = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
    x0 = int(min(max(cx - side / 2, 0), img.width - side))
    y0 = int(min(max(cy - side / 2, 0), img.height - side))
    img.crop((x0, y0, x0 + side, y0 + side)).save(out)
    json.dump({"centre": [cx - x0, cy - y0]}, open(out + ".json", "w"))


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), p.stderr.strip()))
    return p.stdout


def n_frames(mp4):
    return int(subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0",
         "-count_frames", "-show_entries",
         "stream=nb_read_frames", "-of", "csv=p=0", mp4],
        capture_output=True, text=True).stdout.strip() or 0)


def strip(mp4, out, rows=None, every=10, height=128):
    """Every 10th frame of a result side by side (a contact strip): the
    face (the FWE box of ROWS, its tracked landmarks), else the centre
    0.4 of the frame."""
    cols = max(1, (n_frames(mp4) + every - 1) // every)
    w, h = video_size(mp4)
    box = face_box(rows, w, h, max(w, h) / min(max(w, h), TRACK_SIDE)) \
        if rows else None
    crop = "crop=%d:%d:%d:%d" % (box[2], box[2], box[0], box[1]) if box \
        else "crop=iw*0.4:ih*0.4"
    run(["ffmpeg", "-v", "error", "-y", "-i", mp4, "-vf",
         "select='not(mod(n\\,%d))',%s,scale=-2:%d,tile=%dx1"
         % (every, crop, height, cols),
         "-frames:v", "1", "-q:v", "4", out])


def times(stdout):
    for line in stdout.splitlines():
        if line.startswith("times:"):
            return line
    return ""


# ---- FWE ---------------------------------------------------------------

def face_box(rows, width, height, scale):
    """The union of the found frames' landmark boxes (times SCALE),
    widened, square, inside the frame: (x, y, side) or None."""
    xs, ys = [], []
    for r in rows:
        if r["found"] != "1":
            continue
        xs += [scale * float(r["x%d" % k]) for k in range(68)]
        ys += [scale * float(r["y%d" % k]) for k in range(68)]
    if not xs:
        return None
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    w, h = x1 - x0, y1 - y0
    x0, x1 = x0 - 0.25 * w, x1 + 0.25 * w
    y0, y1 = y0 - 0.33 * h, y1 + 0.25 * h
    side = min(max(x1 - x0, y1 - y0), width, height)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    x = int(min(max(cx - side / 2, 0), width - side))
    y = int(min(max(cy - side / 2, 0), height - side))
    return x, y, int(side)


def video_size(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height:stream_side_data=rotation", "-of", "json",
         path], capture_output=True, text=True).stdout
    s = json.loads(out)["streams"][0]
    w, h = s["width"], s["height"]
    rot = [d.get("rotation", 0) for d in s.get("side_data_list", [])]
    if rot and abs(int(rot[0])) % 180 == 90:
        w, h = h, w
    return w, h


def frames_of(path, box, end):
    """The video's frames, cut to BOX and scaled to FWE_SIDE², as float
    RGB 0-1 arrays."""
    x, y, side = box
    cmd = ["ffmpeg", "-v", "error", "-i", path]
    if end:
        cmd += ["-t", str(end)]
    cmd += ["-vf", "crop=%d:%d:%d:%d,scale=%d:%d:flags=area"
            % (side, side, x, y, FWE_SIDE, FWE_SIDE),
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(cmd, capture_output=True, check=True).stdout
    n = len(raw) // (FWE_SIDE * FWE_SIDE * 3)
    a = np.frombuffer(raw[:n * FWE_SIDE * FWE_SIDE * 3], np.uint8)
    return a.reshape(n, FWE_SIDE, FWE_SIDE, 3).astype(np.float32) / 255.0


def flow(a, b):
    ga = cv2.cvtColor((a * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)
    gb = cv2.cvtColor((b * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)
    return cv2.calcOpticalFlowFarneback(ga, gb, None, 0.5, 3, 15, 3, 5, 1.2,
                                        0)


def fwe(path, rows, end):
    """Flow-warping error x 1000 of a video on its face box, or nan."""
    if cv2 is None:
        return float("nan")
    w, h = video_size(path)
    # The landmarks are in the tracked frame's pixels: mien-render tracks
    # frames scaled to at most TRACK_SIDE on their longer side.
    k = max(w, h) / min(max(w, h), TRACK_SIDE)
    box = face_box(rows, w, h, k)
    if box is None:
        return float("nan")
    fr = frames_of(path, box, end)
    gx, gy = np.meshgrid(np.arange(FWE_SIDE, dtype=np.float32),
                         np.arange(FWE_SIDE, dtype=np.float32))
    errs = []
    for t in range(len(fr) - 1):
        f = flow(fr[t], fr[t + 1])
        b = flow(fr[t + 1], fr[t])
        mx, my = gx + f[..., 0], gy + f[..., 1]
        warped = cv2.remap(fr[t + 1], mx, my, cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
        bw = cv2.remap(b, mx, my, cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_REPLICATE)
        s = f + bw
        ok = ((s ** 2).sum(-1) <= 0.01 * ((f ** 2).sum(-1)
                                          + (bw ** 2).sum(-1)) + 0.5)
        ok &= (mx >= 0) & (mx <= FWE_SIDE - 1) & (my >= 0) & \
            (my <= FWE_SIDE - 1)
        if ok.sum() == 0:
            continue
        d = ((warped - fr[t]) ** 2).mean(-1)
        errs.append(float(d[ok].mean()))
    return 1000.0 * sum(errs) / len(errs) if errs else float("nan")


# ---- one clip, one face -------------------------------------------------

def stem(path):
    base, _, index = path.partition(":")
    return os.path.splitext(os.path.basename(base))[0] + (
        "-" + index if index else "")


def driven_face(build, face, cache={}):
    """The face to drive in FACE: N of "PATH:N", else the one a crop was
    cut around (face_crop's PATH.json), else the one nearest the photo's
    centre. Not mien-render's default, the largest: in sample1's crop a
    face cut by the edge has the larger box. Returns (path, index, face,
    size)."""
    if face not in cache:
        from PIL import Image
        path, _, index = face.partition(":")
        fs = faces_of(build, path)
        size = Image.open(path).size
        cx, cy = size[0] / 2, size[1] / 2
        if os.path.exists(path + ".json"):  # face_crop's face
            cx, cy = json.load(open(path + ".json"))["centre"]
        if index:
            i = int(index)
        else:
            i = min(range(len(fs)), key=lambda i: (centre(fs[i])[0]
                                                   - cx) ** 2
                    + (centre(fs[i])[1] - cy) ** 2) if fs else 0
        cache[face] = (path, i, fs[i] if fs else None, size)
    return cache[face]


def nearest_face(build, face, out, frame):
    """The faces of OUT's first frame, nearest the driven face first (as
    indices of mien-faces' order), and the driven face's centre and width
    in OUT's pixels."""
    run(["ffmpeg", "-v", "error", "-y", "-i", out, "-frames:v", "1",
         "-update", "1", frame])
    from PIL import Image
    fs = faces_of(build, frame)
    _, _, want, size = driven_face(build, face)
    fw, fh = Image.open(frame).size
    cx, cy = centre(want)
    cx, cy = cx * fw / size[0], cy * fh / size[1]
    order = sorted(range(len(fs)), key=lambda i: (centre(fs[i])[0] - cx)
                   ** 2 + (centre(fs[i])[1] - cy) ** 2)
    return order, (cx, cy, want["box"]["width"] * fw / size[0])


def tracked_right_face(rows, target, size):
    """Whether the track's first found frame is on the driven face: its
    landmarks' centre within half a face width of the driven face's."""
    k = max(size) / min(max(size), TRACK_SIDE)
    for r in rows:
        if r["found"] == "1":
            x = k * sum(float(r["x%d" % i]) for i in range(68)) / 68
            y = k * sum(float(r["y%d" % i]) for i in range(68)) / 68
            return math.hypot(x - target[0], y - target[1]) < 0.5 * target[2]
    return False


def driving_raw(build, face, clip, outdir, end, do_fwe):
    """The driving clip tracked raw (and its FWE), once per clip."""
    raw = os.path.join(outdir, "driving--%s.raw.tsv" % stem(clip))
    meta = raw + ".json"
    if os.path.exists(meta):
        m = json.load(open(meta))
        if not do_fwe or not math.isnan(m.get("fwe", float("nan"))) or \
                cv2 is None:
            return stats(raw), m
    cut = ["--end", str(end)] if end else []
    run([render_bin(build), face, "--drive", clip, "--drive-stats", raw,
         "--drive-filter", "0"] + cut)
    w = stats(raw)
    m = {"fwe": fwe(clip, w, end) if do_fwe else float("nan")}
    json.dump(m, open(meta, "w"))
    return w, m


def driving_filtered(build, face, clip, outdir, end):
    """The driving clip tracked as mien-render drives with it (filtered),
    by a fixed judge (--judge-build), once per clip."""
    filt = os.path.join(outdir, "driving--%s.filt.tsv" % stem(clip))
    if not os.path.exists(filt):
        cut = ["--end", str(end)] if end else []
        run([render_bin(build), face, "--drive", clip, "--drive-stats",
             filt + ".part"] + cut)
        os.replace(filt + ".part", filt)
    return stats(filt)


def measure(build, face, clip, outdir, end, do_fwe, judge=None):
    name = "%s--%s" % (stem(face), stem(clip))
    done = os.path.join(outdir, name + ".row.json")
    if os.path.exists(done):
        row = json.load(open(done))
        if not do_fwe or cv2 is None or not math.isnan(row["fwe_res"]):
            return row
    face_arg = face
    face, index, _, _ = driven_face(build, face_arg)
    pf = ["-f", str(index)]
    out = os.path.join(outdir, name + ".mp4")
    drv = os.path.join(outdir, name + ".drv.tsv")
    res = os.path.join(outdir, name + ".res.tsv")
    cut = ["--end", str(end)] if end else []
    r = render_bin(build)
    if os.path.exists(out) and os.path.exists(drv):
        o = ""  # driven before (mien-render writes both atomically)
    else:
        o = run([r, face, "--drive", clip, "-o", out, "--drive-stats", drv,
                 "--overwrite"] + pf + cut)
    # The judge: the build that re-tracks the result and the driving clip.
    # By default the build that rendered; --judge-build holds it fixed, so
    # that a change to the tracker is not judged by itself.
    jb = judge or build
    rj = render_bin(jb)
    order, target = nearest_face(jb, face_arg, out,
                                 os.path.join(outdir, name + "-first.png"))
    nfaces = len(order)
    # --drive-face counts in the tracker's detection order, which need not
    # be mien-faces' (sample3's crop: index 1 of mien-faces locked on the
    # face cut by the left edge): try the nearest faces until the track's
    # first frame is on the driven face.
    pick = -1
    for i in list(dict.fromkeys((order or [0])[:3] + [0, 1, 2])):
        run([rj, face, "--drive", out, "--drive-stats", res,
             "--drive-filter", "0", "--drive-face", str(i)] + pf)
        if tracked_right_face(stats(res), target, video_size(out)):
            pick = i
            break
    w, m = driving_raw(jb, face, clip, outdir, end, do_fwe)
    # With a fixed judge, the driving clip's filtered measures (r, and the
    # still frames) are the judge's too: drv.tsv is the rendering build's,
    # which the change under test may have moved.
    d = driving_filtered(jb, face, clip, outdir, end) if judge \
        else stats(drv)
    e = stats(res)
    n = min(len(d), len(e), len(w))
    both = [i for i in range(n) if d[i]["found"] == "1"
            and e[i]["found"] == "1"]
    ident = [float(e[i]["identity"]) for i in range(n)
             if e[i]["found"] == "1"]
    row = {"face": os.path.basename(face), "clip": os.path.basename(clip),
           "frames": n, "missing": sum(1 for x in d[:n]
                                       if x["found"] == "0"),
           "result_missing": sum(1 for x in e[:n] if x["found"] == "0"),
           "faces_in_result": nfaces, "picked": pick, "driven": index}
    if pick < 0:
        print("%s: no --drive-face tracked the driven face" % name,
              file=sys.stderr)
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
    row["fwe_res"] = fwe(out, e, None) if do_fwe else float("nan")
    row["fwe_drv"] = m["fwe"]
    row["fwe_ratio"] = row["fwe_res"] / row["fwe_drv"] \
        if row["fwe_drv"] > 0 else float("nan")
    row["times"] = times(o)
    strip(out, os.path.join(outdir, name + "-strip.jpg"), e)
    json.dump(row, open(done, "w"))
    return row


def measure_photo(build, face, photo, outdir):
    """A driving photo: the result's identity (descriptor cosine)."""
    name = "%s--%s-photo" % (stem(face), stem(photo))
    done = os.path.join(outdir, name + ".row.json")
    if os.path.exists(done):
        return json.load(open(done))
    out = os.path.join(outdir, name + ".png")
    face_arg = face
    face, index, want, _ = driven_face(build, face_arg)
    o = run([render_bin(build), face, "--drive", photo, "-o", out,
             "--overwrite", "-f", str(index)])
    fs = faces_of(build, out)
    row = {"face": os.path.basename(face), "clip": os.path.basename(photo),
           "frames": 1, "aus": " ".join(l for l in o.splitlines()
                                        if "AU" in l or "neutral" in l)}
    if fs and want is not None and want.get("descriptor"):
        cx, cy = centre(want)
        g = min(fs, key=lambda f: (centre(f)[0] - cx) ** 2
                + (centre(f)[1] - cy) ** 2)
        a, b = want["descriptor"], g["descriptor"]
        row["id_mean"] = row["id_worst"] = sum(x * y for x, y in zip(a, b)) \
            / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
    else:
        row["id_mean"] = row["id_worst"] = float("nan")
    json.dump(row, open(done, "w"))
    return row


# ---- the ground-truth clips ----------------------------------------------

def gt_clips(build, outdir):
    spec = importlib.util.spec_from_file_location(
        "tdc", os.path.join(ROOT, "tests", "drive", "test_drive_cli.py"))
    t = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(t)
    photo = os.path.join(ROOT, "data", "samples", "astronaut.png")
    clips = []
    for name, keys in (("gt-neutral-first", t.GT_NEUTRAL_FIRST),
                       ("gt-smile-first", t.GT_SMILE_FIRST),
                       ("gt-gaze", t.GT_GAZE)):
        out = os.path.join(outdir, name + ".mp4")
        if not os.path.exists(out):
            cmd = [render_bin(build), photo, "--animate", "--fps",
                   str(t.FPS), "-q", "-o", out]
            for k in keys:
                cmd += ["-k", k]
            run(cmd)
        clips.append(out)
    return clips


def spread(rows, key):
    v = sorted(float(r[key]) for r in rows if r["found"] == "1")
    return v[int(0.95 * (len(v) - 1))] - v[int(0.05 * (len(v) - 1))] \
        if v else float("nan")


def mouth_gain(outdir, row):
    """How much of the driver's mouth the result shows: the result's mouth
    opening p5-p95 over the driving clip's (r ignores the size)."""
    name = os.path.join(outdir, "%s--%s" % (stem(row["face"]),
                                            stem(row["clip"])))
    if not os.path.exists(name + ".res.tsv"):
        return float("nan")
    d = spread(stats(name + ".drv.tsv"), "mouth")
    return spread(stats(name + ".res.tsv"), "mouth") / d if d > 0 \
        else float("nan")


def fmt(x, f):
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) \
        else f % x


def line(row):
    if row.get("picked") == -1:
        row = dict(row, face=row["face"] + " (wrong face tracked)")
    if row["frames"] == 1:
        return "| %s | %s | photo | %s | %s | — | — | — | — | — | — | — | — |" % (
            row["clip"], row["face"], fmt(row["id_mean"], "%.3f"),
            fmt(row["id_worst"], "%.3f"))
    return ("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %d | %s | %s | "
            "%s | %s |" % (
                row["clip"], row["face"], row["frames"],
                fmt(row["id_mean"], "%.3f"), fmt(row["id_worst"], "%.3f"),
                fmt(row["r_mouth"], "%.2f"),
                fmt(row.get("gain_mouth", float("nan")), "%.2f"), fmt(row["r_eyes"], "%.2f"),
                fmt(row["r_brows"], "%.2f"), row["still"],
                fmt(row["jit_ratio"], "%.2f"), fmt(row["fwe_res"], "%.3f"),
                fmt(row["fwe_drv"], "%.3f"), fmt(row["fwe_ratio"], "%.2f")))


HEADER = ("| clip | face | frames | identity mean | identity worst | r mouth | "
          "mouth gain | r eyes | r brows | still frames | jitter ratio | "
          "FWE result | FWE driving | FWE ratio |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- "
          "| --- | --- | --- |")


def summary(rows):
    """Issue #23's bars: how many pairs meet each, real clips and the
    ground-truth clips apart."""
    def ok(x):
        return not (isinstance(x, float) and math.isnan(x))

    def med(v):
        v = sorted(v)
        return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1]
                                                  + v[len(v) // 2]) / 2
    out = []
    for title, sel in (("real clips", lambda r: not r["clip"].startswith(
            "gt-") and r["frames"] > 1),
            ("driving photos", lambda r: r["frames"] == 1),
            ("ground-truth clips", lambda r: r["clip"].startswith("gt-"))):
        rs = [r for r in rows if sel(r)]
        if not rs:
            continue
        out.append("%s: %d pairs" % (title, len(rs)))
        idw = [r["id_worst"] for r in rs if ok(r["id_worst"])]
        if idw:
            out.append("  identity worst >= 0.9: %d of %d (lowest %.3f, "
                       "median %.3f)" % (sum(x >= 0.9 for x in idw),
                                         len(idw), min(idw), med(idw)))
        if rs[0]["frames"] == 1:
            continue
        for k, bar in (("mouth", 0.9), ("eyes", 0.8), ("brows", 0.8)):
            v = [r["r_" + k] for r in rs if ok(r["r_" + k])]
            if v:
                out.append("  r %s: median %.2f (bar %.1f), worst %.2f; "
                           ">= 0.9: %d, >= 0.8: %d of %d" % (
                               k, med(v), bar, min(v),
                               sum(x >= 0.9 for x in v),
                               sum(x >= 0.8 for x in v), len(v)))
        v = [r["gain_mouth"] for r in rs if ok(r.get("gain_mouth",
                                                      float("nan")))]
        if v:
            out.append("  mouth gain: median %.2f (p5-p95 of the result's "
                       "opening over the driver's)" % med(v))
        for k, bar in (("jit_ratio", 1.2), ("fwe_ratio", 1.5)):
            v = [r[k] for r in rs if ok(r.get(k, float("nan")))]
            if v:
                out.append("  %s <= %.1f: %d of %d (median %.2f, worst "
                           "%.2f)" % (k, bar, sum(x <= bar for x in v),
                                      len(v), med(v), max(v)))
    return out


def clip_ranges(outdir, clips):
    """Per driving clip: how far its mouth, eyes and brows move (p5-p95 of
    the raw track, iod) -- r means little on a part that hardly moves."""
    out = ["| clip | frames | mouth p5-p95 | eyes p5-p95 | brows p5-p95 "
           "| FWE driving |", "| --- | --- | --- | --- | --- | --- |"]
    for clip in clips:
        raw = os.path.join(outdir, "driving--%s.raw.tsv" % stem(clip))
        if clip.endswith(".jpg") or not os.path.exists(raw):
            continue
        w = [r for r in stats(raw) if r["found"] == "1"]
        cells = []
        for k in ("mouth", "eyes", "brows"):
            v = sorted(float(r[k]) for r in w)
            cells.append("%.3f" % (v[int(0.95 * (len(v) - 1))]
                                   - v[int(0.05 * (len(v) - 1))])
                         if v else "—")
        m = json.load(open(raw + ".json")) if os.path.exists(
            raw + ".json") else {}
        out.append("| %s | %d | %s | %s |" % (
            os.path.basename(clip), len(w), " | ".join(cells),
            fmt(m.get("fwe", float("nan")), "%.3f")))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--clips", default="liveportrait-d19.mp4,"
                    "liveportrait-d12.mp4,mead-W009-surprised.mp4")
    ap.add_argument("--faces", default="")
    ap.add_argument("--end", type=float, default=6.0)
    ap.add_argument("--gt", action="store_true")
    ap.add_argument("--no-fwe", action="store_true")
    ap.add_argument("--table", default="")
    ap.add_argument("--reverse", action="store_true")
    ap.add_argument("--cached-only", action="store_true")
    ap.add_argument("--judge-build", default="")
    a = ap.parse_args()
    if not os.path.isdir(DRIVING):
        print("skip: %s is absent" % DRIVING)
        return 77
    do_fwe = not a.no_fwe
    if do_fwe and cv2 is None:
        print("no FWE: python3-opencv (cv2) and numpy are not installed "
              "(apt-get install python3-opencv); the FWE columns are "
              "skipped")
        do_fwe = False
    os.makedirs(a.outdir, exist_ok=True)
    faces = []
    for f in a.faces.split(",") if a.faces else ["sample1", "sample3",
                                                  "sample5", "astronaut"]:
        if f == "astronaut":
            faces.append(os.path.join(ROOT, "data", "samples",
                                      "astronaut.png"))
        elif os.sep not in f and not os.path.exists(f):
            out = os.path.join(a.outdir, f + "-face.png")
            if not os.path.exists(out):
                face_crop(a.build, os.path.join(ROOT, "data", "samples",
                                                f + ".jpg"), out)
            faces.append(out)
        else:
            faces.append(f)
    if a.clips == "all":
        clips = sorted(c for c in os.listdir(DRIVING)
                       if c.endswith(".mp4") or c.endswith(".jpg"))
    else:
        clips = [c for c in a.clips.split(",") if c]
    clips = [os.path.join(DRIVING, c) for c in clips]
    gts = gt_clips(a.build, a.outdir) if a.gt else []
    order = [(c, f) for f in faces for c in clips + gts]
    if a.reverse:
        order = [(c, f) for f in faces for c in reversed(clips + gts)]
    if a.cached_only or a.table:
        # The table in the clips' order, from the rows OUTDIR holds.
        order = [(c, f) for c in clips + gts for f in faces]
    rows = []
    print(HEADER)
    for clip, face in order:
        if a.cached_only and not os.path.exists(os.path.join(
                a.outdir, "%s--%s%s.row.json" % (
                    stem(face), stem(clip),
                    "-photo" if clip.endswith(".jpg") else ""))):
            print("| %s | %s | not measured |" % (os.path.basename(clip),
                                                  stem(face)))
            continue
        if True:
            try:
                if clip.endswith(".jpg"):
                    row = measure_photo(a.build, face, clip, a.outdir)
                else:
                    gt = clip in gts or os.path.dirname(
                        os.path.abspath(clip)) == os.path.abspath(a.outdir)
                    row = measure(a.build, face, clip, a.outdir,
                                  None if gt else a.end, do_fwe,
                                  a.judge_build or None)
            except (RuntimeError, subprocess.CalledProcessError) as ex:
                print("| %s | %s | failed: %s |" % (
                    os.path.basename(clip), os.path.basename(face),
                    str(ex).splitlines()[-1][:200]))
                continue
            if row["frames"] > 1:
                row["gain_mouth"] = mouth_gain(a.outdir, row)
            rows.append(row)
            print(line(row))
            sys.stdout.flush()
    json.dump(rows, open(os.path.join(a.outdir, "quality.json"), "w"),
              indent=1)
    summ = summary(rows) + [""] + clip_ranges(a.outdir, clips + gts)
    print("\n".join(summ))
    if a.table:
        with open(a.table, "w") as t:
            t.write(HEADER + "\n" + "".join(line(r) + "\n" for r in rows)
                    + "\n" + "\n".join(summ) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
