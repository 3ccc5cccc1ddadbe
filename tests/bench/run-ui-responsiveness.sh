#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Makes a 4096² portrait from the sample (MIEN_BENCH_SIZE=8192 for 8K) and
# runs the responsiveness driver against the real app under Xvfb.
# Usage: run-ui-responsiveness.sh MIEN OUTDIR
set -eu
mien=$1 out=$(mkdir -p "$2" && cd "$2" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
size=${MIEN_BENCH_SIZE:-4096}
photo="$out/astronaut-$size.png"
[ -s "$photo" ] || /usr/bin/python3 -c "
from PIL import Image
Image.open('$src/data/samples/astronaut.png').convert('RGB').resize(($size, $size), Image.BICUBIC).save('$photo')"
export MIEN_RESPONSIVENESS_LOG="$out/responsiveness.json"
rm -f "$MIEN_RESPONSIVENESS_LOG"
export GSETTINGS_SCHEMA_DIR=${GSETTINGS_SCHEMA_DIR:-$(dirname "$mien")/../data}
exec bash "$src/tests/ui/run-ui-test.sh" "$mien" "$src/tests/bench/ui-responsiveness.py" "$out" "$photo"
