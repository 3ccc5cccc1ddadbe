# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad weights files are refused with one line naming the problem.

Starting from a valid small model written by tools/train/atw_model.py, each
case damages one thing (a missing tensor, a wrong shape, a wrong dtype, a
truncated body, hostile headers: a length beyond the file, huge offsets,
overlapping ranges, …) and runs `atw-run FILE`, which loads the file and
prints its info. Each must exit with status 1 and print exactly one line on
stderr that names the file and contains the expected words.

With MIEN_RENDER and a photo with its landmark file, also checks that
`mien-render --generator FILE` refuses a bad file the same way and writes
no output, and renders with a good one.

usage: test_atw_bad_input.py ATW_RUN [MIEN_RENDER PHOTO LANDMARKS]
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "train"))
import atw_model  # noqa: E402


def small_model(path):
    cfg = atw_model.Config(driving_names=["AU12_r", "AU26_r"], motion_width=2,
                           refine_width=2, motion_blocks=1, refine_blocks=1)
    atw_model.export_generator(atw_model.Generator(cfg), path)


def split(raw):
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def join(header, body, text=None):
    text = (text if text is not None else json.dumps(header)).encode()
    return struct.pack("<Q", len(text)) + text + body


def edit(raw, fn):
    """Applies fn(header, body) → (header, body) and re-serializes."""
    header, body = split(raw)
    header, body = fn(header, body)
    return join(header, body)


def drop(name):
    def fn(h, b):
        e = h.pop(name)
        lo, hi = e["data_offsets"]
        for v in h.values():
            if "data_offsets" in v and v["data_offsets"][0] >= hi:
                v["data_offsets"] = [x - (hi - lo) for x in v["data_offsets"]]
        return h, b[:lo] + b[hi:]
    return fn


def set_entry(name, **kw):
    def fn(h, b):
        h[name].update(kw)
        return h, b
    return fn


def set_meta(key, value):
    def fn(h, b):
        if value is None:
            h["__metadata__"].pop(key)
        else:
            h["__metadata__"][key] = value
        return h, b
    return fn


def overlap(h, b):
    # Two biases of the same size made to share one range.
    a, c = "refine.in_conv.bias", "refine.down1.bias"
    if h[a]["shape"] != h[c]["shape"]:
        c = "refine.up2.bias"
    h[c]["data_offsets"] = list(h[a]["data_offsets"])
    return h, b


def nan_value(h, b):
    lo = h["refine.out_conv.bias"]["data_offsets"][0]
    return h, b[:lo] + struct.pack("<f", float("nan")) + b[lo + 4:]


def extra_tensor(h, b):
    end = len(b)
    h["motion.res.7.conv1.weight"] = {"dtype": "F32", "shape": [1],
                                      "data_offsets": [end, end + 4]}
    return h, b + b"\0\0\0\0"


def cases(raw):
    header, body = split(raw)
    wname = "motion.in_conv.weight"
    shape = header[wname]["shape"]
    n = len(raw)
    dup = json.dumps(header)[:-1] + ',"refine.out_conv.bias":' + \
        json.dumps(header["refine.out_conv.bias"]) + "}"
    return [
        ("missing tensor", edit(raw, drop("refine.out_conv.bias")),
         ["refine.out_conv.bias", "missing"]),
        ("wrong shape", edit(raw, set_entry(wname, shape=[shape[1], shape[0]] + shape[2:])),
         [wname, "shape"]),
        ("wrong dtype I64", edit(raw, set_entry("refine.out_conv.bias", dtype="I64")),
         ["refine.out_conv.bias", "I64"]),
        ("wrong dtype F64", edit(raw, set_entry("refine.out_conv.bias", dtype="F64")),
         ["F64"]),
        ("truncated body", raw[:-10], ["data_offsets"]),
        ("trailing bytes", raw + b"\0" * 8, ["padded"]),
        ("header length beyond the file",
         struct.pack("<Q", n) + raw[8:], ["header length", "beyond"]),
        ("header length 2^63",
         struct.pack("<Q", 1 << 63) + raw[8:], ["header length"]),
        ("huge offsets", edit(raw, set_entry("refine.out_conv.bias",
                                             data_offsets=[0, 1e20])),
         ["refine.out_conv.bias", "data_offsets"]),
        ("negative offset", edit(raw, set_entry("refine.out_conv.bias",
                                                data_offsets=[-4, 8])),
         ["data_offsets"]),
        ("overlapping ranges", edit(raw, overlap), ["overlap"]),
        ("too short", raw[:5], ["too short"]),
        ("empty", b"", ["too short"]),
        ("header not JSON", join(None, body, "{not json" + " " * 20), ["header"]),
        ("header an array", join(None, body, "[1, 2]"), ["not a safetensors"]),
        ("negative dimension", edit(raw, set_entry(wname, shape=[-2] + shape[1:])),
         ["shape entry"]),
        ("rank 5", edit(raw, set_entry(wname, shape=[1] + shape)), ["rank 5"]),
        ("non-finite value", edit(raw, nan_value), ["non-finite"]),
        ("duplicate tensor", join(None, body + b"\0" * 0, dup), ["overlap"]),
        ("not an ATW file", edit(raw, set_meta("format", None)), ["mien-atw"]),
        ("newer version", edit(raw, set_meta("version", "2")), ["version"]),
        ("bad motion_scale", edit(raw, set_meta("motion_scale", "abc")),
         ["motion_scale"]),
        ("width disagrees with tensors", edit(raw, set_meta("motion_width", "3")),
         ["motion.in_conv.weight", "shape"]),
        ("fewer blocks than tensors", edit(raw, set_meta("refine_blocks", "0")),
         ["unexpected tensor", "refine.res.0"]),
        ("more blocks than tensors", edit(raw, set_meta("motion_blocks", "2")),
         ["motion.res.1", "missing"]),
        ("unknown AU", edit(raw, set_meta("driving_names", "AU12_r,AU99_r")),
         ["AU99_r"]),
        ("driving count disagrees", edit(raw, set_meta("driving_names", "AU12_r")),
         ["motion.in_conv.weight", "shape"]),
        ("unexpected tensor", edit(raw, extra_tensor), ["unexpected tensor"]),
        ("metadata value not a string",
         edit(raw, set_meta("taper_ramp", 6)), ["taper_ramp", "string"]),
    ]


def check(atw_run, path, words, label):
    r = subprocess.run([atw_run, path], capture_output=True, text=True)
    lines = r.stderr.strip().splitlines()
    msg = lines[0] if lines else ""
    ok = (r.returncode == 1 and len(lines) == 1 and path in msg
          and all(w in msg for w in words))
    print(f"{'ok  ' if ok else 'FAIL'} {label}: rc {r.returncode}: {msg}")
    return ok


def check_render(args, good, bad, tmp):
    render, photo, landmarks = args
    if not os.path.exists(photo):
        print(f"skip mien-render checks: {photo} not fetched (scripts/fetch-assets.sh)")
        return True
    out = os.path.join(tmp, "frame.png")
    base = [render, photo, "-L", landmarks, "--preset", "happy", "-q", "-o", out]
    r = subprocess.run(base + ["--generator", bad], capture_output=True, text=True)
    lines = r.stderr.strip().splitlines()
    ok = (r.returncode == 1 and len(lines) == 1 and "missing" in lines[0]
          and not os.path.exists(out))
    print(f"{'ok  ' if ok else 'FAIL'} mien-render --generator BAD: rc "
          f"{r.returncode}, output {'exists' if os.path.exists(out) else 'absent'}: "
          f"{lines[0] if lines else ''}")
    r = subprocess.run(base + ["--generator", good], capture_output=True, text=True)
    good_ok = r.returncode == 0 and os.path.getsize(out) > 0
    print(f"{'ok  ' if good_ok else 'FAIL'} mien-render --generator GOOD: rc "
          f"{r.returncode} {r.stderr.strip()}")
    return ok and good_ok


def main():
    atw_run = sys.argv[1]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, "good.safetensors")
        small_model(good)
        r = subprocess.run([atw_run, good], capture_output=True, text=True)
        ok = r.returncode == 0
        print(f"{'ok  ' if ok else 'FAIL'} valid file loads: {r.stdout.split(chr(10))[-2:]}")
        raw = open(good, "rb").read()
        for i, (label, data, words) in enumerate(cases(raw)):
            path = os.path.join(tmp, f"bad-{i:02d}.safetensors")
            with open(path, "wb") as f:
                f.write(data)
            ok = check(atw_run, path, words, label) and ok
        ok = check(atw_run, os.path.join(tmp, "absent.safetensors"),
                   ["cannot open"], "missing file") and ok
        ok = check(atw_run, tmp, [], "a directory") and ok
        if len(sys.argv) == 5:
            ok = check_render(sys.argv[2:], good,
                              os.path.join(tmp, "bad-00.safetensors"), tmp) and ok
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
