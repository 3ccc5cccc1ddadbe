# SPDX-License-Identifier: GPL-3.0-or-later
"""A real clip from `mien-render --animate` on the sample portrait, read back
by independent decoders (ffprobe/ffmpeg, PIL), and its temporal smoothness.

Files (neutral → happy, 1 s at 30 fps = 31 frames, whole photo):
- PNG sequence: 31 files, frame 1 has exactly the photo's pixels and is
  byte-identical to `mien-render --preset neutral` saved as PNG, last frame
  moved;
- MP4: h264, yuv420p, 31 frames at 30/1, the photo's size, every frame
  within PSNR >= 35 dB of the PNG frame;
- GIF: 31 frames, loops forever.
Smoothness (neutral → happy, 2 s at 30 fps, eased, both interpolation
modes): the mean absolute difference of consecutive frames inside the face
crop has no spikes (max step <= 2.5 × median step over the moving frames),
the distance from frame 1 grows monotonically (α monotone), and the two
modes end on the same frame. With --plot PNG it draws both step curves.
The analyzer finds the face when the models are set up; otherwise the
landmark fixture is passed. Skips (77) without data/samples/astronaut.png.
Usage: test_animate_files.py MIEN_RENDER [--plot OUT.png]
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageDraw

TOOL = sys.argv[1]
PLOT = sys.argv[sys.argv.index("--plot") + 1] if "--plot" in sys.argv else None
SOURCE = os.environ.get("MIEN_SOURCE_ROOT", ".")
PHOTO = os.path.join(SOURCE, "data/samples/astronaut.png")
MODELS = os.path.join(SOURCE, "data/models/face-api")
failures = 0


def check(ok, message):
    global failures
    print(("ok   " if ok else "FAIL ") + message)
    failures += 0 if ok else 1


def face_args():
    if os.path.exists(os.path.join(
            MODELS, "tiny_face_detector_model-weights_manifest.json")):
        return []
    print("(no face models: using the landmark fixture)")
    return ["--landmarks",
            os.path.join(SOURCE, "tests/data/landmarks/astronaut.json")]


def render(*args):
    r = subprocess.run([TOOL, PHOTO, *face_args(), *map(str, args)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"mien-render {' '.join(map(str, args))} failed: "
                         f"{r.stderr.strip()}")
    return r


def load(path):
    return np.asarray(Image.open(path).convert("RGB"))


def frames(folder):
    names = sorted(os.listdir(folder))
    return names, [load(os.path.join(folder, n)) for n in names]


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def probe(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-of",
         "json", path], capture_output=True, text=True, check=True).stdout
    return json.loads(out)["streams"][0]


def decode_mp4(path, w, h):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f",
                          "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def test_files(tmp):
    n = 31
    common = ["--animate", "--preset", "happy", "--duration", 1, "-q"]
    render(*common, "-o", f"{tmp}/frames")
    render(*common, "-o", f"{tmp}/clip.mp4")
    render(*common, "-o", f"{tmp}/clip.gif")
    render("--preset", "neutral", "-q", "-o", f"{tmp}/neutral.png")
    photo = load(PHOTO)
    h, w = photo.shape[:2]

    names, png = frames(f"{tmp}/frames")
    check(names == [f"frame_{i:05d}.png" for i in range(1, n + 1)],
          f"PNG sequence: {len(names)} frames (expected {n})")
    check(np.array_equal(png[0], photo), "PNG frame 1 has the photo's pixels")
    # The still keeps the photo's ICC profile (issue #19); clip frames are
    # converted to sRGB and carry none, so compare pixels, not bytes.
    check(np.array_equal(png[0], load(f"{tmp}/neutral.png")),
          "PNG frame 1 has the pixels of mien-render --preset neutral")
    check(Image.open(f"{tmp}/neutral.png").info.get("icc_profile")
          == Image.open(PHOTO).info.get("icc_profile"),
          "the neutral still keeps the photo's ICC profile")
    moved = np.abs(png[-1].astype(int) - png[0].astype(int)).max()
    check(moved > 20, f"the last frame moved (max diff {moved})")

    s = probe(f"{tmp}/clip.mp4")
    check(s["codec_name"] == "h264" and s["pix_fmt"] == "yuv420p",
          f"MP4 {s['codec_name']} {s['pix_fmt']}")
    check(int(s["nb_read_frames"]) == n and s["r_frame_rate"] == "30/1",
          f"MP4 {s['nb_read_frames']} frames at {s['r_frame_rate']}")
    check((s["width"], s["height"]) == (w, h),
          f"MP4 size {s['width']}×{s['height']}")
    video = decode_mp4(f"{tmp}/clip.mp4", s["width"], s["height"])
    scores = [psnr(v, p) for v, p in zip(video, png)]
    check(len(video) == n and min(scores) >= 35.0,
          f"MP4 vs PNG frames: PSNR min {min(scores):.1f} dB, mean "
          f"{np.mean(scores):.1f} dB (need >= 35)")

    gif = Image.open(f"{tmp}/clip.gif")
    check(gif.n_frames == n and gif.info.get("loop") == 0,
          f"GIF {gif.n_frames} frames, loop={gif.info.get('loop')}")


def crop_box(stdout):
    # "…: face 0, crop 215×215 at (117, 0), …" from a single-frame render.
    text = stdout.split("crop ")[1]
    size, at = text.split(" at (")
    cw, ch = map(int, size.split("×"))
    x, y = map(int, at.split(")")[0].split(", "))
    return x, y, cw, ch


def smoothness(tmp):
    x, y, cw, ch = crop_box(render("--preset", "happy", "-o",
                                   f"{tmp}/one.png").stdout)
    curves = {}
    for mode in ("driving", "field"):
        out = f"{tmp}/smooth-{mode}"
        render("--animate", "--preset", "happy", "--duration", 2,
               "--interpolation", mode, "-q", "-o", out)
        _, fr = frames(out)
        face = [f[y:y + ch, x:x + cw].astype(np.float64) for f in fr]
        steps = np.array([np.abs(b - a).mean() for a, b in zip(face, face[1:])])
        dist = np.array([np.abs(f - face[0]).mean() for f in face])
        curves[mode] = (steps, dist, face[-1])
        moving = steps[steps > 0.05 * steps.max()]
        ratio = steps.max() / np.median(moving)
        check(ratio <= 2.5, f"{mode}: max step {steps.max():.3f} = "
              f"{ratio:.2f} × median step {np.median(moving):.3f} "
              f"(need <= 2.5; {len(steps)} steps)")
        drops = np.diff(dist).min()
        check(drops >= -0.02, f"{mode}: distance from frame 1 grows "
              f"monotonically (largest drop {drops:.4f}; final {dist[-1]:.2f})")
    last = np.abs(curves["driving"][2] - curves["field"][2]).max()
    check(last <= 1.0, f"both modes end on the same frame (max diff {last})")
    return curves


def plot(curves, path):
    """Per-frame step curves, drawn with PIL: x = frame, y = mean |Δ|."""
    W, H, m = 900, 420, 60
    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)
    top = max(c[0].max() for c in curves.values()) * 1.15
    n = len(next(iter(curves.values()))[0])
    def px(i, v):
        return m + (W - 2 * m) * i / (n - 1), H - m - (H - 2 * m) * v / top
    d.rectangle([m, m, W - m, H - m], outline="black")
    for k in range(6):
        v = top * k / 5
        _, yy = px(0, v)
        d.line([m - 5, yy, m, yy], fill="black")
        d.text((5, yy - 6), f"{v:.2f}", fill="black")
    for i in range(0, n, 10):
        xx, _ = px(i, 0)
        d.line([xx, H - m, xx, H - m + 5], fill="black")
        d.text((xx - 8, H - m + 8), f"{i + 1}", fill="black")
    colours = {"driving": (200, 40, 40), "field": (40, 90, 200)}
    for k, (mode, (steps, _, _)) in enumerate(curves.items()):
        pts = [px(i, v) for i, v in enumerate(steps)]
        d.line(pts, fill=colours[mode], width=2)
        for p in pts:
            d.ellipse([p[0] - 2, p[1] - 2, p[0] + 2, p[1] + 2],
                      fill=colours[mode])
        d.text((W - m - 230, m + 10 + 16 * k),
               f"{mode} interpolation", fill=colours[mode])
    d.text((m, 20), "neutral -> happy, 2 s at 30 fps, eased: mean |frame i+1 "
           "- frame i| in the face crop (8-bit levels)", fill="black")
    d.text((W // 2 - 60, H - 25), "step i (frame i -> i+1)", fill="black")
    img.save(path)
    print(f"plot written to {path}")


def main():
    if not os.path.exists(PHOTO):
        print("skip: data/samples/astronaut.png is missing (scripts/setup.sh)")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        test_files(tmp)
        curves = smoothness(tmp)
        if PLOT:
            plot(curves, PLOT)
    print(f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
