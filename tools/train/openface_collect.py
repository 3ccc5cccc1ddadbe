#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Collects OpenFace 2 per-image CSVs into the one CSV atw_train.py reads.

OpenFace's FaceLandmarkImg (-fdir IMAGES -out_dir PROCESSED -aus) writes
PROCESSED/<image stem>.csv with one row per detected face and the columns
face, confidence, …, AU01_r … AU45_r, AU01_c … . This keeps, per image, the
face with the highest confidence, drops images where OpenFace found none
or was not confident (--min-confidence), and writes
    filename,AU01_r,…,AU45_r
with filename relative to the image folder.

usage: openface_collect.py IMAGES PROCESSED OUT.csv [--min-confidence 0.9]
"""
import argparse
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from atw_model import OPENFACE_AUS  # noqa: E402

EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")


def best_face(path, min_conf):
    with open(path, newline="") as f:
        rows = [{k.strip(): v.strip() for k, v in r.items()}
                for r in csv.DictReader(f)]
    rows = [r for r in rows if r.get("success", "1") == "1"
            and float(r.get("confidence", 1)) >= min_conf
            and all(a in r for a in OPENFACE_AUS)]
    return max(rows, key=lambda r: float(r.get("confidence", 1)), default=None)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("images")
    p.add_argument("processed")
    p.add_argument("out")
    p.add_argument("--min-confidence", type=float, default=0.9)
    a = p.parse_args()
    kept = skipped = 0
    with open(a.out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["filename"] + OPENFACE_AUS)
        for name in sorted(os.listdir(a.images)):
            if not name.lower().endswith(EXTENSIONS):
                continue
            stem = os.path.splitext(name)[0]
            path = os.path.join(a.processed, stem + ".csv")
            row = best_face(path, a.min_confidence) if os.path.exists(path) else None
            if row is None:
                skipped += 1
                continue
            w.writerow([name] + [row[au] for au in OPENFACE_AUS])
            kept += 1
    print(f"{kept} images kept, {skipped} without a confident face")


if __name__ == "__main__":
    main()
