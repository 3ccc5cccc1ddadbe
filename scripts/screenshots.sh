#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Retakes the screenshots in docs/images that the user guide and the
# metainfo show (app-surprised.jpg, app-split.jpg, app-save-image.jpg): the
# built app on the sample portrait under Xvfb, driven through AT-SPI by
# scripts/screenshots.py, at the default window size (1280×800).
# Usage: scripts/screenshots.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "${1:-build}")
[ -x "$build/app/mien" ] || { echo "build $build first (ninja -C $build)"; exit 1; }
[ -s data/samples/astronaut.png ] || scripts/fetch-assets.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GSETTINGS_SCHEMA_DIR="$build/data" MIEN_SHOTS_DIR="$PWD/docs/images"
bash tests/ui/run-ui-test.sh "$build/app/mien" scripts/screenshots.py "$work" \
  "$PWD/data/samples/astronaut.png"
