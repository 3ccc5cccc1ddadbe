#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Regenerates the measured part of docs/QUALITY.md and its pictures
# (docs/images/quality/) from the sample photos, or from any folder of
# portraits:
#
#   scripts/quality-report.sh [PHOTO_FOLDER [DOC.md [IMAGE_DIR]]]
#
# Three mien-eval runs (see app/mien-eval-tool.c): every face of every
# photo in multiscale mode (issue #4's expression/identity table); the
# largest face of each photo in all four HD modes with animations and the
# pictures for the strips; and the astronaut (or the folder's first photo)
# resampled to longer sides of 1024, 2048 and 3840 for the size plots.
# Then scripts/quality-report.py writes the section between the
# "mien-eval report" markers of DOC.md, the strips and the plots.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
photos=${1:-$root/data/samples}
doc=${2:-$root/docs/QUALITY.md}
images=${3:-$root/docs/images/quality}
build=${MIEN_BUILD:-$root/build}
eval=$build/app/mien-eval
[ -x "$eval" ] || { echo "quality-report: build first (ninja -C $build)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
models=${MIEN_FACE_MODELS:-$root/data/models/face-api}

sized=$root/data/samples/astronaut.png
[ -f "$sized" ] || sized=$(find "$photos" -maxdepth 1 -type f | sort | head -n 1)

echo "before the runs $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$work/load.txt"
"$eval" "$photos" -m "$models" -a --hd multiscale -A none -I none -o "$work/faces"
"$eval" "$photos" -m "$models" -o "$work/modes"
"$eval" "$sized" -m "$models" -s 1024,2048,3840 -p happy,surprised \
  -A surprised -I none -o "$work/sizes"
echo "after them $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$work/load.txt"
/usr/bin/python3 "$root/scripts/quality-report.py" "$work" "$photos" "$doc" "$images"
