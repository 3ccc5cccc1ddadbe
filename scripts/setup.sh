#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what Mien needs on Debian 12 (only what is missing), then fetches
# the models and sample photos into data/ (git-ignored). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build and engine; tests (numpy reference, sanitizer runtime, fuzzing).
PACKAGES=(
  build-essential meson ninja-build pkg-config
  libglib2.0-dev libgdk-pixbuf-2.0-dev libjson-glib-dev libopenblas-dev
  python3-numpy python3-pil python3-torch clang libclang-rt-14-dev
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
  libgif-dev libimagequant-dev ffmpeg
  libpng-dev libtiff-dev liblcms2-dev libexif-dev webp-pixbuf-loader heif-gdk-pixbuf
  libheif-examples
  libgtk-4-dev libadwaita-1-dev libepoxy-dev gettext
  desktop-file-utils appstream python3-markdown
  debhelper dpkg-dev
  xvfb xauth dbus dbus-x11 at-spi2-core python3-pyatspi imagemagick
  locales
)
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The suite also runs in German (comma decimal point): numbers in files must
# stay C-locale whatever the user's locale is.
if ! locale -a 2>/dev/null | grep -qix 'de_DE\.utf-\?8'; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO sed -i 's/^# *\(de_DE\.UTF-8 UTF-8\)/\1/' /etc/locale.gen
  grep -q '^de_DE\.UTF-8 UTF-8' /etc/locale.gen \
    || echo 'de_DE.UTF-8 UTF-8' | $SUDO tee -a /etc/locale.gen >/dev/null
  $SUDO locale-gen >/dev/null
fi

scripts/fetch-assets.sh
