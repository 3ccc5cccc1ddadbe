#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# D-Bus activation (DBusActivatable=true, issue #27): with the service file
# (data/io.github.mien.Mien.service.in) pointing at this build's mien, a
# `gapplication action … open-file` on a session where Mien is not running
# starts it as a service, which opens the photo and answers on the bus.
# Usage: test-dbus-activation.sh MIEN_BINARY PHOTO SERVICE_IN
set -u
mien=$1 photo=$2 service_in=$3
for tool in xvfb-run dbus-run-session gapplication gdbus; do
  command -v "$tool" >/dev/null || { echo "no $tool: skipped"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/dbus-1/services"
sed "s|@bindir@/mien|$mien|" "$service_in" >"$tmp/dbus-1/services/io.github.mien.Mien.service"
# The session bus reads its service folders when it starts: set them first.
export XDG_DATA_HOME=$tmp GSETTINGS_BACKEND=memory
exec xvfb-run -a dbus-run-session -- bash -c '
  photo=$1
  gapplication action io.github.mien.Mien open-file "'"'"'$photo'"'"'" \
    || { echo "FAIL: the action did not reach Mien"; exit 1; }
  for i in $(seq 100); do
    actions=$(gdbus call --session --dest io.github.mien.Mien \
      --object-path /io/github/mien/Mien --method org.gtk.Actions.List 2>/dev/null) && break
    sleep 0.2
  done
  gapplication action io.github.mien.Mien quit
  case "$actions" in
    *save-image*) echo "ok: Mien was started by D-Bus activation and answers: $actions";;
    *) echo "FAIL: no answer from an activated Mien ($actions)"; exit 1;;
  esac
' bash "$photo" 2>&1 | grep -v "fd limit"
exit "${PIPESTATUS[0]}"
