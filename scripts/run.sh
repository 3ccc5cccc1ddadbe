#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sets up, builds and shows Mien on a sample photo. Until the desktop app
# lands this runs the ResWarp tool on the sample portrait with a demo field
# and says where the result went.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
mkdir -p out
# Mouth corners of the sample portrait, in 0..1 of the photo.
/usr/bin/python3 scripts/make-demo-flow.py out/demo.flo 0.396 0.475 0.275
photo=${1:-data/samples/astronaut.png}
for mode in vanilla multiscale; do
  build/app/mien-reswarp "$photo" --flow out/demo.flo --mode "$mode" \
    -o "out/demo-$mode.png"
done
echo "Results: $(pwd)/out/demo-vanilla.png and $(pwd)/out/demo-multiscale.png"
