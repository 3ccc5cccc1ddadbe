#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sets up, builds and launches Mien on the sample portrait.
# Without a display, it renders the sample with the command-line tool
# instead and says where the pictures went.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
photo=data/samples/astronaut.png
# Run uninstalled: the compiled schema is in the build tree.
export MIEN_LOCALEDIR="$PWD/build/po"
export GSETTINGS_SCHEMA_DIR="$PWD/build/data${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec build/app/mien "${1:-$photo}"
fi
echo "No display found: rendering with mien-render instead of opening the window."
mkdir -p out
for mode in vanilla multiscale; do
  build/app/mien-render "$photo" --preset happy --intensity 1 --mode "$mode" \
    -o "out/happy-$mode.png"
done
echo "Results: $PWD/out/happy-vanilla.png and $PWD/out/happy-multiscale.png"
