#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the measured section of docs/QUALITY.md from mien-eval's tables.

Usage: quality-report.py WORK PHOTOS DOC.md IMAGE_DIR
PHOTOS is the folder measured; WORK holds faces/, modes/ and sizes/ (mien-eval output folders, see
scripts/quality-report.sh) and load.txt. The section between the markers
"<!-- BEGIN mien-eval report -->" and "<!-- END mien-eval report -->" of
DOC.md is replaced (appended if missing); pictures go to IMAGE_DIR: one JPEG
strip per photo, one overview per photo with the faces numbered, PNG plots
drawn with PIL."""
import csv
import math
import os
import sys

from PIL import Image, ImageDraw, ImageFont

BEGIN = "<!-- BEGIN mien-eval report -->"
END = "<!-- END mien-eval report -->"
MARGIN, SATURATED, SAME_PERSON = 0.01, 0.99, 0.6
HD = ["multiscale", "vanilla", "bilinear", "bicubic"]
COLOURS = {"multiscale": (31, 119, 180), "vanilla": (44, 160, 44),
           "bilinear": (214, 39, 40), "bicubic": (255, 127, 14),
           "driving": (31, 119, 180), "field": (148, 103, 189),
           "shuffled": (127, 127, 127)}


def table(folder, name):
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def raised(r):
    ps, pr = num(r["p_source"]), num(r["p_result"])
    return pr >= ps + MARGIN or (ps >= SATURATED and pr >= SATURATED)


def mean(values):
    v = [x for x in values if not math.isnan(x)]
    return sum(v) / len(v) if v else math.nan


def font(size=13):
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",):
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


# ---- pictures ---------------------------------------------------------------

def overview(photo_path, faces, out_path):
    """The photo, 800 px wide, with each face's box and number."""
    img = Image.open(photo_path).convert("RGB")
    scale = 800 / img.width
    img = img.resize((800, round(img.height * scale)), Image.LANCZOS)
    d = ImageDraw.Draw(img)
    f = font(22)
    for r in faces:
        x, y, w, h = (num(r[k]) * scale for k in ("x", "y", "w", "h"))
        d.rectangle([x, y, x + w, y + h], outline=(255, 220, 0), width=3)
        d.text((x + 4, y + 2), r["face"], fill=(255, 220, 0), font=f,
               stroke_width=2, stroke_fill=(0, 0, 0))
    img.save(out_path, quality=80)


def heat(a, b, gain=4.0):
    """|a − b| (mean over RGB) through a black-red-yellow-white ramp."""
    import numpy as np
    d = np.abs(np.asarray(a, np.float32) - np.asarray(b, np.float32)).mean(2)
    t = np.clip(d * gain / 255.0, 0, 1)
    rgb = np.stack([np.clip(3 * t, 0, 1), np.clip(3 * t - 1, 0, 1),
                    np.clip(3 * t - 2, 0, 1)], 2)
    return Image.fromarray((rgb * 255).astype("uint8"))


def label(img, text):
    d = ImageDraw.Draw(img)
    d.text((4, 2), text, fill=(255, 255, 255), font=font(13),
           stroke_width=2, stroke_fill=(0, 0, 0))
    return img


def strip(src_dir, row, out_path):
    """Source, the four HD modes and two difference heat maps (scaled to
    240 px), then 1:1 crops of the eyes and the mouth for each."""
    stem = "%s-f%s" % (row["photo"], row["face"])
    pics = {m: Image.open(os.path.join(src_dir, "%s-%s.png" % (stem, m)))
            .convert("RGB") for m in ["source"] + HD}
    side = 240
    top = [label(pics[m].resize((side, side), Image.LANCZOS), m)
           for m in ["source"] + HD]
    top.append(label(heat(pics["multiscale"], pics["source"])
                     .resize((side, side), Image.LANCZOS),
                     "|multiscale − source| ×4"))
    top.append(label(heat(pics["bilinear"], pics["multiscale"])
                     .resize((side, side), Image.LANCZOS),
                     "|bilinear − multiscale| ×4"))
    iod = math.hypot(num(row["eye_l_x"]) - num(row["eye_r_x"]),
                     num(row["eye_l_y"]) - num(row["eye_r_y"]))
    ex, ey = ((num(row["eye_l_x"]) + num(row["eye_r_x"])) / 2,
              (num(row["eye_l_y"]) + num(row["eye_r_y"])) / 2)
    mx, my = num(row["mouth_x"]), num(row["mouth_y"])
    ew, eh = round(1.9 * iod), round(0.75 * iod)
    mw, mh = round(1.3 * iod), round(0.95 * iod)
    zooms = []
    for m in ["source"] + HD:
        e = pics[m].crop((round(ex - ew / 2), round(ey - eh / 2),
                          round(ex + ew / 2), round(ey + eh / 2)))
        mo = pics[m].crop((round(mx - mw / 2), round(my - mh / 2),
                           round(mx + mw / 2), round(my + mh / 2)))
        z = Image.new("RGB", (max(ew, mw), eh + mh + 2), (0, 0, 0))
        z.paste(e, (0, 0))
        z.paste(mo, (0, eh + 2))
        zooms.append(label(z, m + " 1:1"))
    width = max(len(top) * (side + 4), sum(z.width + 4 for z in zooms))
    height = side + 4 + max(z.height for z in zooms)
    canvas = Image.new("RGB", (width, height), (40, 40, 40))
    for i, t in enumerate(top):
        canvas.paste(t, (i * (side + 4), 0))
    x = 0
    for z in zooms:
        canvas.paste(z, (x, side + 4))
        x += z.width + 4
    canvas.save(out_path, quality=82)


class Plot:
    """A small line/marker chart on a PIL canvas."""

    def __init__(self, title, xlabel, ylabel, xs, ylim, xlog=True,
                 size=(560, 360)):
        self.img = Image.new("RGB", size, (255, 255, 255))
        self.d = ImageDraw.Draw(self.img)
        self.box = (70, 36, size[0] - 130, size[1] - 50)
        self.xs, self.ylim, self.xlog = xs, ylim, xlog
        self.f = font(12)
        l, t, r, b = self.box
        self.d.text((l, 8), title, fill=(0, 0, 0), font=font(14))
        self.d.rectangle(self.box, outline=(0, 0, 0))
        self.d.text(((l + r) / 2 - 40, b + 26), xlabel, fill=(0, 0, 0),
                    font=self.f)
        self.d.text((6, t - 20), ylabel, fill=(0, 0, 0), font=self.f)
        for x in xs:
            px = self.px(x)
            self.d.line([px, b, px, b + 4], fill=(0, 0, 0))
            self.d.text((px - 12, b + 7), "%g" % x, fill=(0, 0, 0),
                        font=self.f)
        lo, hi = ylim
        for k in range(6):
            v = lo + (hi - lo) * k / 5
            py = self.py(v)
            self.d.line([l - 4, py, l, py], fill=(0, 0, 0))
            self.d.line([l + 1, py, r - 1, py], fill=(230, 230, 230))
            self.d.text((8, py - 7), "%.3g" % v, fill=(0, 0, 0), font=self.f)
        self.n_series = 0

    def px(self, x):
        l, _, r, _ = self.box
        f = (math.log(x) - math.log(self.xs[0])) / (
            math.log(self.xs[-1]) - math.log(self.xs[0])) if self.xlog else \
            (x - self.xs[0]) / (self.xs[-1] - self.xs[0])
        return l + 10 + f * (r - l - 20)

    def py(self, y):
        _, t, _, b = self.box
        lo, hi = self.ylim
        return b - (min(max(y, lo), hi) - lo) / (hi - lo) * (b - t)

    def series(self, name, points, dash=False):
        c = COLOURS.get(name, (0, 0, 0))
        pts = [(self.px(x), self.py(y)) for x, y in points
               if not math.isnan(y)]
        if len(pts) > 1 and not dash:
            self.d.line(pts, fill=c, width=2)
        for p in pts:
            self.d.ellipse([p[0] - 3, p[1] - 3, p[0] + 3, p[1] + 3], fill=c)
        y = self.box[1] + 8 + 18 * self.n_series
        self.d.line([self.box[2] + 10, y + 7, self.box[2] + 30, y + 7],
                    fill=c, width=3)
        self.d.text((self.box[2] + 34, y), name, fill=(0, 0, 0), font=self.f)
        self.n_series += 1

    def save(self, path):
        self.img.save(path)


def nice_max(v):
    if not v or math.isnan(max(v)):
        return 1.0
    m = max(v) * 1.1
    e = 10 ** math.floor(math.log10(m))
    return math.ceil(m / e) * e


# ---- Markdown ----------------------------------------------------------------

def section_agreement(faces_rows, face_boxes, photos_dir, img_dir, rel):
    out = ["## face-api expression and identity agreement (issue #4)", ""]
    out.append(
        "Measured by `scripts/quality-report.sh` (mien-eval, every face "
        "face-api's tiny detector finds, multiscale ResWarp, each preset at "
        "intensity 1): face-api's expression model and identity descriptor "
        "(C port, engine/face) on the source photo and on the whole result "
        "frame, re-detected and matched to the source face by box overlap "
        "(IoU ≥ 0.5). Cells: probability of the preset's own class, source "
        "→ result (✓ raised by ≥ 0.01, or both ≥ 0.99: already saturated); "
        "then descriptor cosine similarity / Euclidean distance, source ↔ "
        "result (face-api's same-person threshold: distance < 0.6). "
        "Contempt has no face-api class: only identity.")
    out.append("")
    presets = []
    for r in faces_rows:
        if r["preset"] not in presets:
            presets.append(r["preset"])
    keys = sorted({(r["photo"], int(r["face"])) for r in faces_rows})
    out.append("| preset | raised on | faces where not |")
    out.append("|---|---|---|")
    for p in presets:
        rows = [r for r in faces_rows if r["preset"] == p]
        if rows[0]["class"] == "none":
            continue
        ok = [r for r in rows if raised(r)]
        bad = ["%s/%s" % (r["photo"], r["face"]) for r in rows
               if not raised(r)]
        out.append("| %s | %d of %d | %s |" % (p, len(ok), len(rows),
                                              ", ".join(bad) or "—"))
    dist = [num(r["distance"]) for r in faces_rows if r["found"] == "1"]
    cos = [num(r["cosine"]) for r in faces_rows if r["found"] == "1"]
    lost = [r for r in faces_rows if r["found"] != "1"]
    out.append("")
    out.append("Identity over all %d results: descriptor distance %.3f … "
               "%.3f (mean %.3f), cosine %.4f … %.4f; %d above 0.6; %d faces "
               "not found again." % (len(faces_rows), min(dist), max(dist),
                                     mean(dist), min(cos), max(cos),
                                     sum(d >= SAME_PERSON for d in dist),
                                     len(lost)))
    out.append("")
    for photo in sorted({k[0] for k in keys}):
        fs = sorted(k[1] for k in keys if k[0] == photo)
        boxes = [b for b in face_boxes if b["photo"] == photo]
        src = [n for n in os.listdir(photos_dir)
               if os.path.splitext(n)[0] == photo]
        out.append("### %s" % photo)
        out.append("")
        if boxes and src:
            name = "faces-%s.jpg" % photo
            overview(os.path.join(photos_dir, src[0]), boxes,
                     os.path.join(img_dir, name))
            out.append("![%s, faces numbered](%s/%s)" % (photo, rel, name))
            out.append("")
        out.append("| preset | " + " | ".join("face %d" % f for f in fs)
                   + " |")
        out.append("|---" * (len(fs) + 1) + "|")
        for p in presets:
            cells = []
            for f in fs:
                r = next(x for x in faces_rows if x["photo"] == photo
                         and int(x["face"]) == f and x["preset"] == p)
                idc = ("%.3f / %.3f" % (num(r["cosine"]), num(r["distance"]))
                       if r["found"] == "1" else "lost")
                if r["class"] == "none":
                    cells.append(idc)
                else:
                    cells.append("%.2f → %.2f %s · %s" % (
                        num(r["p_source"]), num(r["p_result"]),
                        "✓" if raised(r) else "✗", idc))
            out.append("| %s | %s |" % (p, " | ".join(cells)))
        out.append("")
    return out


def section_modes(modes, photos_dir, img_dir, rel):
    rows, anim = modes["metrics"], modes["animation"]
    out = ["## Quality and speed report (issue #8)", ""]
    out.append(
        "Made by `scripts/quality-report.sh` (about 2 minutes on 2 cores); "
        "any folder of portraits: `scripts/quality-report.sh FOLDER DOC.md "
        "IMAGE_DIR`. The largest face of each photo, every preset at "
        "intensity 1, four HD modes at the photo's native size: "
        "**multiscale** and **vanilla** ResWarp, and the paper's table 3 "
        "baselines, **bilinear** and **bicubic** up-sampling of O^r (the "
        "128² result) to the crop. Measures (engine/mien-eval.h, the same "
        "functions the app can call): identity = descriptor cosine / "
        "distance source ↔ result; expression = face-api probability of "
        "the preset's class; HD detail = energy of the band-pass levels of a "
        "Laplacian pyramid of the luma inside the face rectangle, result / "
        "source (all bands; and the finest band alone), and two "
        "no-reference sharpness measures, variance of the Laplacian and mean "
        "gradient magnitude, result / source.")
    out.append("")
    out.append("### Per photo: the strips")
    out.append("")
    out.append(
        "Each strip: source crop, the four modes, |multiscale − source| and "
        "|bilinear − multiscale| (×4, black → red → yellow → white); below, "
        "the eyes and the mouth of each at 1:1 (preset: %s)."
        % (modes["images"][0]["preset"] if modes["images"] else "—"))
    out.append("")
    for r in modes["images"]:
        name = "strip-%s.jpg" % r["photo"]
        strip(os.path.join(modes["dir"], "images"), r,
              os.path.join(img_dir, name))
        out.append("**%s** (face %s, crop %s²)" % (r["photo"], r["face"],
                                                  r["crop_w"]))
        out.append("")
        out.append("![strip %s](%s/%s)" % (r["photo"], rel, name))
        out.append("")
    out.append("### By HD mode (means over the presets)")
    out.append("")
    out.append("| photo | crop | mode | cosine | distance | HD detail (all "
               "bands) | finest band | Laplacian var. | mean gradient | "
               "ms / frame |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for photo in sorted({r["photo"] for r in rows}):
        for m in HD:
            rs = [r for r in rows if r["photo"] == photo and r["hd"] == m]
            if not rs:
                continue
            out.append("| %s | %s | %s | %.4f | %.3f | %.3f | %.3f | %.3f | "
                       "%.3f | %.1f |" % (
                           photo, rs[0]["crop"], m,
                           mean(num(r["cosine"]) for r in rs),
                           mean(num(r["distance"]) for r in rs),
                           mean(num(r["hf_all"]) for r in rs),
                           mean(num(r["hf_finest"]) for r in rs),
                           mean(num(r["lapvar_result"]) / num(r["lapvar_source"])
                                for r in rs),
                           mean(num(r["grad_result"]) / num(r["grad_source"])
                                for r in rs),
                           mean(num(r["ms_frame"]) for r in rs)))
    out.append("")
    out += mode_summary_plot(rows, img_dir, rel)
    out.append("### Temporal coherence")
    out.append("")
    out.append(
        "A 9-frame clip neutral → preset (ease-in-out timeline), rendered "
        "two ways: **driving** (c(t) through the generator every frame) and "
        "**field** (the target field scaled by the timeline's α(t), O^r = "
        "warp(I, αF) + α·(O^r − O^w) of the target). Flow warping error: "
        "frame t warped by the known motion to t+1 (from the two frames' "
        "fields), mean |difference| inside the face rectangle in 8-bit "
        "levels; plain = without the warp; shuffled = the same frames in "
        "the order 0 2 4 6 8 1 3 5 7 against the clip's motion (the "
        "control: must be far higher).")
    out.append("")
    out.append("| photo | crop | preset | mode | warping error (mean / max) "
               "| plain difference | shuffled | ms / frame |")
    out.append("|---|---|---|---|---|---|---|---|")
    for r in anim:
        out.append("| %s | %s | %s | %s | %.3f / %.3f | %.3f | %.3f | %.1f |"
                   % (r["photo"], r["crop"], r["preset"], r["mode"],
                      num(r["warp_mean"]), num(r["warp_max"]),
                      num(r["plain_mean"]), num(r["shuffled_warp_mean"]),
                      num(r["ms_frame"])))
    out.append("")
    return out


def mode_summary_plot(rows, img_dir, rel):
    """Bar-like chart: per photo, finest-band ratio by mode."""
    photos = sorted({r["photo"] for r in rows})
    p = Plot("Finest-band HD detail, result / source (mean over presets)",
             "photo (index)", "ratio", list(range(1, len(photos) + 1)),
             (0, 1.2), xlog=False)
    for m in HD:
        pts = [(i + 1, mean(num(r["hf_finest"]) for r in rows
                            if r["photo"] == ph and r["hd"] == m))
               for i, ph in enumerate(photos)]
        p.series(m, pts)
    p.save(os.path.join(img_dir, "plot-detail-by-photo.png"))
    return ["Photo index: " + ", ".join("%d = %s" % (i + 1, ph)
                                         for i, ph in enumerate(photos)),
            "", "![detail by photo and mode](%s/plot-detail-by-photo.png)"
            % rel, ""]


def section_sizes(sizes, img_dir, rel, load):
    rows, cost, anim = sizes["metrics"], sizes["cost"], sizes["animation"]
    if not rows:
        return []
    photo = rows[0]["photo"]
    out = ["### Against size", ""]
    out.append(
        "%s resampled to longer sides of %s (bilinear up-sampling, so the "
        "larger sizes add no real detail: they test that the measures and "
        "the pipeline work up to 4K; the face is re-detected at each size). "
        "Presets happy and surprised; cost = generator + HD step + paste "
        "for one frame (median), per-photo preparation (crop + "
        "decomposition), and the growth of peak resident memory (Linux "
        "VmHWM reset through /proc/self/clear_refs) while preparing and "
        "rendering the first frame; memory freed by earlier steps is reused, "
        "so small sizes can show 0. %s"
        % (photo, ", ".join(sorted({r["width"] for r in rows}, key=int)),
           load))
    out.append("")
    crops = sorted({int(r["crop"]) for r in rows})
    plots = []
    for key, title, ylabel, ylim in (
            ("hf_finest", "Finest-band detail vs crop size", "result/source",
             (0, 1.2)),
            ("cosine", "Identity vs crop size", "cosine", (0.9, 1.0))):
        p = Plot(title, "crop side (px)", ylabel, crops, ylim)
        for m in HD:
            p.series(m, [(c, mean(num(r[key]) for r in rows
                                  if int(r["crop"]) == c and r["hd"] == m))
                         for c in crops])
        name = "plot-%s-size.png" % key.replace("_", "-")
        p.save(os.path.join(img_dir, name))
        plots.append(name)
    ms = [num(r["ms_frame_median"]) for r in cost]
    p = Plot("Time per frame vs crop size", "crop side (px)", "ms",
             crops, (0, nice_max(ms)))
    for m in HD:
        p.series(m, [(c, mean(num(r["ms_frame_median"]) for r in cost
                              if int(r["crop"]) == c and r["hd"] == m))
                     for c in crops])
    p.save(os.path.join(img_dir, "plot-time-size.png"))
    plots.append("plot-time-size.png")
    if anim:
        w = [num(r["warp_mean"]) for r in anim] + \
            [num(r["shuffled_warp_mean"]) for r in anim]
        p = Plot("Warping error vs crop size", "crop side (px)",
                 "8-bit levels", crops, (0, nice_max(w)))
        for m in ("driving", "field"):
            p.series(m, [(int(r["crop"]), num(r["warp_mean"])) for r in anim
                         if r["mode"] == m])
        p.series("shuffled", [(int(r["crop"]), num(r["shuffled_warp_mean"]))
                              for r in anim if r["mode"] == "driving"])
        p.save(os.path.join(img_dir, "plot-warp-size.png"))
        plots.append("plot-warp-size.png")
    out += ["![%s](%s/%s)" % (n, rel, n) for n in plots]
    out.append("")
    out.append("| photo size | crop | mode | prep (ms) | ms / frame | peak "
               "memory growth (MB) |")
    out.append("|---|---|---|---|---|---|")
    for r in cost:
        out.append("| %s×%s | %s | %s | %s | %.1f | %s |" % (
            r["width"], r["height"], r["crop"], r["hd"],
            "—" if math.isnan(num(r["ms_prep"])) else "%.0f" % num(r["ms_prep"]),
            num(r["ms_frame_median"]),
            "—" if math.isnan(num(r["peak_mb"])) else "%.1f" % num(r["peak_mb"])))
    out.append("")
    return out


def section_skipped(runs):
    lines = []
    for run in runs:
        for r in run["skipped"]:
            line = "- %s: %s" % (os.path.basename(r["photo"]), r["reason"])
            if line not in lines:
                lines.append(line)
    return ["### Skipped photos", ""] + (lines or ["None."]) + [""]


def load_run(work, name):
    d = os.path.join(work, name)
    return {"dir": d, **{k: table(d, k + ".tsv") for k in
                         ("metrics", "animation", "cost", "images",
                          "skipped", "faces")}}


def main():
    work, photos_dir, doc, img_dir = sys.argv[1:5]
    os.makedirs(img_dir, exist_ok=True)
    rel = os.path.relpath(img_dir, os.path.dirname(os.path.abspath(doc)))
    faces, modes, sizes = (load_run(work, n) for n in
                           ("faces", "modes", "sizes"))
    load = ""
    if os.path.exists(os.path.join(work, "load.txt")):
        lines = open(os.path.join(work, "load.txt")).read().split("\n")
        load = ("Load average (1, 5, 15 min) %s. On the 2-core development "
                "machine shared with other engineers the timings are "
                "perturbed whenever the load is above 2." %
                "; ".join(l for l in lines if l))
    body = [BEGIN, ""]
    body += section_agreement(faces["metrics"], faces["faces"], photos_dir,
                              img_dir, rel)
    body += section_modes(modes, photos_dir, img_dir, rel)
    body += section_sizes(sizes, img_dir, rel, load)
    body += section_skipped([faces, modes, sizes])
    body.append(END)
    text = open(doc).read() if os.path.exists(doc) else ""
    if BEGIN in text and END in text:
        a, rest = text.split(BEGIN, 1)
        text = a + "\n".join(body) + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(body) + "\n"
    with open(doc + ".tmp", "w") as f:
        f.write(text)
    os.replace(doc + ".tmp", doc)
    print("wrote %s and %s" % (doc, img_dir))


if __name__ == "__main__":
    main()
