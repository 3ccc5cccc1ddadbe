#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs one UI test against the real `mien` binary: a private D-Bus session,
# Xvfb with Mesa GL, the AT-SPI bus, the app on a photo; then the Python test
# drives it through AT-SPI like a screen reader would.
# Usage: run-ui-test.sh MIEN_BINARY TEST.py ARTIFACT_DIR [PHOTO]
set -u
mien=$1 test_py=$2 artifacts=$3 photo=${4:-}
mkdir -p "$artifacts"
exec dbus-run-session -- bash -c '
  mien=$1 test_py=$2 artifacts=$3 photo=$4
  # Xvfb picks a free display itself and writes its number when it is ready
  # (-displayfd): a random number could meet another test'"'"'s Xvfb or a
  # stale socket ("cannot open display" while the socket was there).
  # The display must also accept a client: twice in one session (of ~200
  # UI test runs) the app said "cannot open display: :0" right after Xvfb
  # had written its number, and the test then waited 90 s for an app that
  # had already exited. So a client opens it first (libX11 through ctypes:
  # no extra package), and a display that never answers gets a second Xvfb.
  opens() {
    /usr/bin/python3 -c "import ctypes, sys
x = ctypes.CDLL(\"libX11.so.6\"); x.XOpenDisplay.restype = ctypes.c_void_p
d = x.XOpenDisplay(sys.argv[1].encode()); sys.exit(0 if d else 1)" "$1" 2>/dev/null
  }
  start_xvfb() {
  for attempt in 1 2; do
    rm -f "$artifacts/display"
    Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp \
      3>"$artifacts/display" >"$artifacts/xvfb.log" 2>&1 &
    xvfb=$!
    # Up to 20 s: on a loaded machine Xvfb can take longer than 5 s.
    for i in $(seq 200); do [ -s "$artifacts/display" ] && break; sleep 0.1; done
    display=":$(head -n 1 "$artifacts/display" 2>/dev/null)"
    ready=0
    for i in $(seq 100); do opens "$display" && { ready=1; break; }; sleep 0.1; done
    [ $ready -eq 1 ] && break
    echo "Xvfb on $display does not accept clients (attempt $attempt)" >&2
    kill $xvfb 2>/dev/null; wait $xvfb 2>/dev/null
  done
  }
  start_xvfb
  export DISPLAY=$display GTK_A11Y=atspi NO_AT_BRIDGE=0 GDK_BACKEND=x11
  export GSETTINGS_BACKEND=memory
  # Recent files (and anything else kept under the data home) stay in the
  # artifacts: a test neither reads nor changes those of the user.
  export XDG_DATA_HOME="$artifacts/xdg-data"
  /usr/libexec/at-spi-bus-launcher --launch-immediately >/dev/null 2>&1 &
  sleep 1
  # The app once more said "cannot open display: :0" although a client had
  # just opened it (ui-save-image, sessions 32 and 33, a few in ~400 runs):
  # then a fresh Xvfb and a second start, rather than a failed test.
  for launch in 1 2; do
    "$mien" ${photo:+"$photo"} >"$artifacts/mien.log" 2>&1 &
    app=$!
    for i in $(seq 10); do kill -0 $app 2>/dev/null || break; sleep 0.1; done
    if kill -0 $app 2>/dev/null \
       || ! grep -q "cannot open display" "$artifacts/mien.log"; then
      break
    fi
    echo "the app could not open $display (start $launch); a new Xvfb" >&2
    wait $app 2>/dev/null
    kill $xvfb 2>/dev/null; wait $xvfb 2>/dev/null
    start_xvfb
    export DISPLAY=$display
  done
  MIEN_PID=$app MIEN_ARTIFACTS="$artifacts" /usr/bin/python3 "$test_py"
  rc=$?
  kill $app 2>/dev/null; wait $app 2>/dev/null
  app_rc=$?
  kill $xvfb 2>/dev/null
  # An app that died of a crash signal (abort, bus error, floating-point
  # exception, segmentation fault) fails the test, even when every check
  # passed before it: ui-save-work once quit with a segmentation fault after
  # "Save" and still passed. The kill above gives 143 (SIGTERM), which is
  # how a test that leaves the app running ends it.
  case $app_rc in
    134|135|136|139)
      echo "FAIL the app crashed (exit status $app_rc, signal $((app_rc - 128))); the end of its log:" >&2
      tail -n 20 "$artifacts/mien.log" >&2
      rc=1 ;;
  esac
  exit $rc
 ' bash "$mien" "$test_py" "$artifacts" "$photo"
