#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# D-Bus activation (DBusActivatable=true, issue #27): with the service file
# (data/io.github.mien.Mien.service.in) pointing at this build's mien, a
# `gapplication action … open-file` on a session where Mien is not running
# starts it as a service, which opens the photo and answers on the bus.
# Usage: test-dbus-activation.sh MIEN_BINARY PHOTO SERVICE_IN
set -u
mien=$(realpath "$1") photo=$2 service_in=$3
for tool in Xvfb dbus-run-session gapplication gdbus; do
  command -v "$tool" >/dev/null || { echo "no $tool: skipped"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/dbus-1/services"
sed "s|@bindir@/mien|$mien|" "$service_in" >"$tmp/dbus-1/services/io.github.mien.Mien.service"
# The session bus reads its service folders when it starts: set them first.
export XDG_DATA_HOME=$tmp GSETTINGS_BACKEND=memory
# Our own X server on a random display, as tests/ui/run-ui-test.sh does:
# xvfb-run -a sometimes waited forever for a server that never started.
display=":$((500 + RANDOM % 400))"
Xvfb "$display" -screen 0 800x600x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
for i in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
export DISPLAY=$display
dbus-run-session -- bash -c '
  photo=$1
  timeout 30 gapplication action io.github.mien.Mien open-file "'"'"'$photo'"'"'" \
    || { echo "FAIL: the action did not reach Mien"; exit 1; }
  for i in $(seq 100); do
    actions=$(gdbus call --session --dest io.github.mien.Mien \
      --object-path /io/github/mien/Mien --method org.gtk.Actions.List 2>/dev/null) && break
    sleep 0.2
  done
  pid=$(gdbus call --session --dest org.freedesktop.DBus --object-path / \
    --method org.freedesktop.DBus.GetConnectionUnixProcessID io.github.mien.Mien \
    2>/dev/null | sed -n "s/^(uint32 \([0-9]*\),)$/\1/p")
  timeout 10 gapplication action io.github.mien.Mien quit
  # The activated Mien is ours: make sure it is gone before the bus is.
  for i in $(seq 50); do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  case "$actions" in
    *save-image*) echo "ok: Mien was started by D-Bus activation and answers: $actions";;
    *) echo "FAIL: no answer from an activated Mien ($actions)"; exit 1;;
  esac
' bash "$photo" >"$tmp/log" 2>&1
rc=$?
# Into a file, not a pipe: an activated Mien inherits the bus's output and
# would hold a pipe open after the test.
kill "$xvfb" 2>/dev/null
wait "$xvfb" 2>/dev/null
grep -v "fd limit" "$tmp/log"
exit "$rc"
