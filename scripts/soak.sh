#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The slider soak of issue #20: the real app on a 4K photo (a sample upscaled
# to 3840 px wide) under Xvfb, sliders dragged through AT-SPI for SECONDS
# (default 1200), resident memory reported at start and end (growth <= 5 %).
# Usage: scripts/soak.sh [SECONDS] [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-1200} build=${2:-build}
out=$build/soak
mkdir -p "$out"
photo=$out/sample3-4k.png
[ -f "$photo" ] || /usr/bin/convert data/samples/sample3.jpg -resize 3840x "$photo"
GSETTINGS_SCHEMA_DIR=$build/data MIEN_SOAK_SECONDS=$seconds \
  bash tests/ui/run-ui-test.sh "$build/app/mien" tests/soak/soak_sliders.py "$out" "$photo"
