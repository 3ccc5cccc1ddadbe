# SPDX-License-Identifier: GPL-3.0-or-later
"""The exported files are right, read back by independent decoders.

export-frames animates a photo and writes a PNG sequence, a GIF and an MP4;
ffprobe/ffmpeg and PIL read them back:
- MP4: h264, yuv420p, BT.709, frame count, exact frame rate, size (odd sides
  padded to even), index before the data (+faststart), and every decoded frame
  within PSNR >= 35 dB of the PNG frame;
- GIF: frame count, loops forever (loop=0), delays summing to the clip length
  in 1/100 s, every composited frame within PSNR >= 30 dB of the PNG frame;
- PNG: frame 1 byte-identical to the photo saved as PNG, sizes after scaling.
Usage: test_export_files.py EXPORT_FRAMES_EXE
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

TOOL = sys.argv[1]
SOURCE = os.environ.get("MIEN_SOURCE_ROOT", ".")
failures = 0


def check(ok, message):
    global failures
    print(("ok   " if ok else "FAIL ") + message)
    failures += 0 if ok else 1


def run(*args):
    r = subprocess.run([TOOL, *map(str, args), "-q"], capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise SystemExit(f"export-frames {' '.join(map(str, args))} failed: "
                         f"{r.stderr.strip()}")


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def png_frames(folder):
    names = sorted(os.listdir(folder))
    return names, [np.asarray(Image.open(os.path.join(folder, n)).convert("RGB"))
                   for n in names]


def probe(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_streams",
         "-show_format", "-of", "json", path],
        capture_output=True, text=True, check=True).stdout
    info = json.loads(out)
    return info["streams"][0], info["format"]


def decode_mp4(path, w, h):
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt",
         "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def top_level_boxes(path):
    boxes, data = [], open(path, "rb").read()
    at = 0
    while at + 8 <= len(data):
        size = int.from_bytes(data[at:at + 4], "big")
        boxes.append(data[at + 4:at + 8].decode("latin-1"))
        if size < 8:
            break
        at += size
    return boxes


def gif_frames(path):
    im = Image.open(path)
    frames, delays = [], []
    for i in range(im.n_frames):
        im.seek(i)
        delays.append(im.info.get("duration"))
        frames.append(np.asarray(im.convert("RGB")))
    return im.info.get("loop"), frames, delays


def make_photo(tmp):
    """The sample portrait if set up, else a synthetic photo-like picture."""
    sample = os.path.join(SOURCE, "data/samples/astronaut.png")
    if os.path.exists(sample):
        return sample
    y, x = np.mgrid[0:384, 0:384] / 384.0
    rng = np.random.default_rng(3)
    img = np.stack([0.5 + 0.3 * np.sin(6 * x + c) * np.cos(5 * y - c)
                    for c in range(3)], -1) + rng.normal(0, 0.03, (384, 384, 3))
    path = os.path.join(tmp, "synthetic.png")
    Image.fromarray(np.uint8(np.clip(img, 0, 1) * 255)).save(path)
    print("(no data/samples/astronaut.png: using a synthetic photo)")
    return path


def test_clip(tmp, photo):
    n = 12
    w, h = Image.open(photo).size
    run(photo, "-o", f"{tmp}/frames", "-n", n, "--save-photo", f"{tmp}/photo.png")
    run(photo, "-o", f"{tmp}/clip.mp4", "-n", n)
    run(photo, "-o", f"{tmp}/clip.gif", "-n", n)

    names, png = png_frames(f"{tmp}/frames")
    check(names == [f"frame_{i:05d}.png" for i in range(1, n + 1)],
          f"PNG sequence: {len(names)} files frame_00001.png … (expected {n})")
    check(open(f"{tmp}/frames/frame_00001.png", "rb").read()
          == open(f"{tmp}/photo.png", "rb").read(),
          "PNG frame 1 is byte-identical to the photo saved as PNG")
    check(all(f.shape == (h, w, 3) for f in png), f"PNG frames are {w}×{h}")
    moved = np.abs(png[-1].astype(int) - png[0].astype(int)).max()
    check(moved > 10, f"the clip moves (last vs first frame: max diff {moved})")

    s, fmt = probe(f"{tmp}/clip.mp4")
    check(s["codec_name"] == "h264", f"MP4 codec {s['codec_name']}")
    check(s["pix_fmt"] == "yuv420p", f"MP4 pix_fmt {s['pix_fmt']}")
    check(s.get("color_space") == "bt709", f"MP4 colour space "
          f"{s.get('color_space')}, range {s.get('color_range')}")
    check(int(s["nb_read_frames"]) == n, f"MP4 decodes to {s['nb_read_frames']} "
          f"frames (expected {n})")
    check(s["r_frame_rate"] == "30/1" and s["avg_frame_rate"] == "30/1",
          f"MP4 frame rate {s['r_frame_rate']} avg {s['avg_frame_rate']}")
    check(abs(float(fmt["duration"]) - n / 30) < 1e-3,
          f"MP4 duration {fmt['duration']} s (expected {n / 30:.4f})")
    check((s["width"], s["height"]) == (w + w % 2, h + h % 2),
          f"MP4 size {s['width']}×{s['height']}")
    boxes = top_level_boxes(f"{tmp}/clip.mp4")
    check("moov" in boxes and boxes.index("moov") < boxes.index("mdat"),
          f"+faststart: boxes {boxes}")
    video = decode_mp4(f"{tmp}/clip.mp4", s["width"], s["height"])
    scores = [psnr(v[:h, :w], p) for v, p in zip(video, png)]
    check(len(video) == n and min(scores) >= 35.0,
          f"MP4 vs PNG frames: PSNR min {min(scores):.1f} dB, mean "
          f"{np.mean(scores):.1f} dB over {len(video)} frames (need >= 35)")

    loop, gif, delays = gif_frames(f"{tmp}/clip.gif")
    check(len(gif) == n, f"GIF has {len(gif)} frames (expected {n})")
    check(loop == 0, f"GIF loops forever (loop={loop})")
    # Delays in 1/100 s, 3 or 4 at 30 fps, summing to the clip's length.
    check(sum(delays) == round(n * 100 / 30) * 10
          and set(delays) <= {30, 40}, f"GIF delays {delays} ms")
    scores = [psnr(g, p) for g, p in zip(gif, png)]
    check(min(scores) >= 30.0, f"GIF vs PNG frames: PSNR min {min(scores):.1f} "
          f"dB, mean {np.mean(scores):.1f} dB (need >= 30)")


def test_rates_and_sizes(tmp, photo):
    # An odd-sized crop: MP4 pads to even by repeating the last column/row.
    odd = f"{tmp}/odd.png"
    Image.open(photo).convert("RGB").crop((0, 0, 301, 201)).save(odd)
    run(odd, "-o", f"{tmp}/odd.mp4", "-n", 8, "--fps", "30000/1001")
    run(odd, "-o", f"{tmp}/odd-frames", "-n", 8)
    s, fmt = probe(f"{tmp}/odd.mp4")
    check((s["width"], s["height"]) == (302, 202),
          f"odd 301×201 → MP4 {s['width']}×{s['height']} (padded)")
    check(s["r_frame_rate"] == "30000/1001" and int(s["nb_read_frames"]) == 8,
          f"29.97 fps: {s['r_frame_rate']}, {s['nb_read_frames']} frames")
    check(abs(float(fmt["duration"]) - 8 * 1001 / 30000) < 1e-3,
          f"29.97 fps duration {fmt['duration']} s")
    video = decode_mp4(f"{tmp}/odd.mp4", 302, 202)
    _, png = png_frames(f"{tmp}/odd-frames")
    scores = [psnr(v[:201, :301], p) for v, p in zip(video, png)]
    pad = psnr(video[0][:201, 301], png[0][:, 300])
    check(min(scores) >= 35.0 and pad >= 30.0,
          f"odd MP4 vs PNG: PSNR min {min(scores):.1f} dB; padding column vs "
          f"last column {pad:.1f} dB")

    run(odd, "-o", f"{tmp}/half", "-n", 2, "--scale", "half")
    size = Image.open(f"{tmp}/half/frame_00002.png").size
    check(size == (151, 101), f"half scale: 301×201 → {size[0]}×{size[1]}")
    # Half scale of an even size is the 2×2 block mean of the full frame (the
    # photo itself for frame 1), to 8-bit rounding.
    run(photo, "-o", f"{tmp}/half-even", "-n", 1, "--scale", "half")
    full = np.asarray(Image.open(photo).convert("RGB"), float)
    half = np.asarray(Image.open(f"{tmp}/half-even/frame_00001.png"), float)
    h, w = full.shape[0] // 2, full.shape[1] // 2
    mean = full[:2 * h, :2 * w].reshape(h, 2, w, 2, 3).mean((1, 3))
    err = np.abs(half - mean).max() if half.shape == mean.shape else 99
    check(err <= 1.0, f"half scale is the 2×2 area mean (max diff {err:.2f})")

    run(odd, "-o", f"{tmp}/small.gif", "-n", 24, "--fps", 24, "--scale", 100)
    loop, gif, delays = gif_frames(f"{tmp}/small.gif")
    check(gif[0].shape[:2] == (67, 100), f"max side 100: GIF "
          f"{gif[0].shape[1]}×{gif[0].shape[0]}")
    check(len(gif) == 24 and sum(delays) == 1000 and set(delays) <= {40, 50},
          f"24 fps GIF: {len(gif)} frames, delays sum {sum(delays)} ms")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        photo = make_photo(tmp)
        test_clip(tmp, photo)
        test_rates_and_sizes(tmp, photo)
    print(f"{failures} failed")
    sys.exit(1 if failures else 0)


main()
