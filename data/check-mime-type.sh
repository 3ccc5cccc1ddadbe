#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The .mien MIME type compiles with shared-mime-info's own tool, maps *.mien
# to application/x-mien-project, and the desktop file opens that type.
# Usage: check-mime-type.sh MIME_XML DESKTOP_FILE
set -eu
mime_xml=$1 desktop=$2
command -v update-mime-database >/dev/null || { echo "no update-mime-database"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/packages"
cp "$mime_xml" "$tmp/packages/"
update-mime-database "$tmp"
grep -q '^50:application/x-mien-project:\*\.mien$' "$tmp/globs2" \
  || { echo "*.mien is not application/x-mien-project:"; cat "$tmp/globs2"; exit 1; }
grep -q '^MimeType=.*application/x-mien-project;' "$desktop" \
  || { echo "the desktop file does not open application/x-mien-project"; exit 1; }
echo "ok: *.mien is application/x-mien-project, opened by Mien"
