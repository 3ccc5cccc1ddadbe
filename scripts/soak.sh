#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The slider soak of issue #20: the real app on a 4K photo (a sample upscaled
# to 3840 px wide; MIEN_SOAK_WIDTH=7680 for 8K) under Xvfb, sliders dragged
# through AT-SPI for SECONDS (default 1200), resident memory reported at
# start and end (growth <= 5 %) and its peak (issue #22: 8K open-and-drag).
# Usage: scripts/soak.sh [SECONDS] [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-1200} build=${2:-build}
out=$build/soak
mkdir -p "$out"
width=${MIEN_SOAK_WIDTH:-3840}
photo=$out/sample3-$width.png
[ -f "$photo" ] || /usr/bin/convert data/samples/sample3.jpg -resize "${width}x" "$photo"
GSETTINGS_SCHEMA_DIR=$build/data MIEN_SOAK_SECONDS=$seconds \
  bash tests/ui/run-ui-test.sh "$build/app/mien" tests/soak/soak_sliders.py "$out" "$photo"
