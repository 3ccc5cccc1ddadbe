#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# mien-render --sharp (issue #26, the app's "Sharper skin detail"): the
# cubic residual resampler and the texture transport together.
#  - the crop is the one MIEN_RESWARP_CUBIC=1 MIEN_RESWARP_TRANSPORT=1 give,
#    and differs from the default's;
#  - with --no-fade (the paper's ResWarp) it is a usage error (exit 2);
#  - mien-reswarp --sharp does the same with the same switch;
#  - issue #26's per-tile measure (scripts/detail-tiles.py, sample3,
#    surprised): --sharp keeps the finest band where the face moves
#    (median tile >= 0.95, 5th percentile >= 0.7; the default reads 0.78 and
#    0.59) and invents none (95th percentile <= 1.15);
#  - the same bar on sample4's fearful, the softest photo with the frown's
#    furrows over raised brows: the forehead lines as soft as the photo and
#    the texture deepened less in the shadows under the cubic warp keep it
#    at 1.14 (1.28 before session 31).
# Skips (77) without data/samples (scripts/setup.sh).
set -u
tool=$1
reswarp=$2
build=$(cd "$(dirname "$tool")/.." && pwd)
root=${MIEN_SOURCE_ROOT:-$(dirname "$0")/../..}
photo="$root/data/samples/sample3.jpg"
[ -f "$photo" ] || { echo "SKIP: $photo missing (scripts/setup.sh)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

render() {
  local out=$1; shift
  "$@" "$photo" -p surprised --crop-only -q -o "$tmp/$out" || fail "render $out"
}
render default.pfm "$tool"
render sharp.pfm "$tool" --sharp
render env.pfm env MIEN_RESWARP_CUBIC=1 MIEN_RESWARP_TRANSPORT=1 "$tool"

if cmp -s "$tmp/default.pfm" "$tmp/sharp.pfm"; then
  fail "--sharp: the same crop as the default"
else
  echo "ok   --sharp changes the crop"
fi
if cmp -s "$tmp/sharp.pfm" "$tmp/env.pfm"; then
  echo "ok   --sharp is MIEN_RESWARP_CUBIC=1 MIEN_RESWARP_TRANSPORT=1"
else
  fail "--sharp differs from MIEN_RESWARP_CUBIC=1 MIEN_RESWARP_TRANSPORT=1"
fi
"$tool" "$photo" --sharp --no-fade -q -o "$tmp/both.png" 2> "$tmp/both.err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q -- "--no-fade" "$tmp/both.err" && [ ! -e "$tmp/both.png" ]; then
  echo "ok   --sharp with --no-fade is refused (exit 2, nothing written)"
else
  fail "--sharp --no-fade: exit $rc, $(cat "$tmp/both.err")"
fi
if "$tool" --help | grep -q -- "--sharp"; then
  echo "ok   --help names --sharp"
else
  fail "--help lacks --sharp"
fi

# mien-reswarp on the same crop and field (F.flo of the default render).
"$tool" "$photo" -p surprised --crop-only -q -d "$tmp/debug" -o "$tmp/debug.png" \
  || fail "render with --debug-dir"
rw() { local out=$1; shift; "$@" "$tmp/debug/crop-before.png" --flow "$tmp/debug/F.flo" -q -o "$tmp/$out"; }
rw rw-default.pfm "$reswarp" || fail "mien-reswarp"
rw rw-sharp.pfm "$reswarp" --sharp || fail "mien-reswarp --sharp"
rw rw-env.pfm env MIEN_RESWARP_CUBIC=1 MIEN_RESWARP_TRANSPORT=1 "$reswarp" || fail "mien-reswarp (env)"
if cmp -s "$tmp/rw-sharp.pfm" "$tmp/rw-env.pfm" && ! cmp -s "$tmp/rw-sharp.pfm" "$tmp/rw-default.pfm"; then
  echo "ok   mien-reswarp --sharp is the environment variables' and not the default"
else
  fail "mien-reswarp --sharp"
fi
if rw rw-both.png "$reswarp" --sharp --no-fade 2> /dev/null; then
  fail "mien-reswarp --sharp --no-fade accepted"
else
  echo "ok   mien-reswarp refuses --sharp with --no-fade"
fi

# The per-tile measure of FACE's CASE, the default against --sharp, into
# $tmp/tiles-FACE.json.
tiles() {
  /usr/bin/python3 "$root/scripts/detail-tiles.py" --before "$build" \
    --after "$build" --after-flags=--sharp --faces "$1" --cases "$2" \
    --json "$tmp/tiles-$1.json" > "$tmp/tiles-$1.txt" 2>&1 \
    || { cat "$tmp/tiles-$1.txt"; fail "detail-tiles.py $1 $2"; }
}

tiles sample3.jpg surprised
/usr/bin/python3 - "$tmp/tiles-sample3.jpg.json" <<'PY' || failures=$((failures + 1))
import json, sys
import numpy as np
rows = json.load(open(sys.argv[1]))
p = {k.split("|")[2]: np.percentile(v["tiles"], [5, 50, 95])
     for k, v in rows.items()}
bad = 0
def check(ok, text):
    global bad
    print(("ok   " if ok else "FAIL ") + text)
    bad += not ok
b, a = p["before"], p["after"]
check(a[1] >= 0.95 and a[0] >= 0.7,
      "--sharp keeps the finest band: median %.3f (>= 0.95), 5th percentile "
      "%.3f (>= 0.7); the default %.3f, %.3f" % (a[1], a[0], b[1], b[0]))
check(a[1] > b[1] + 0.05, "and more of it than the default")
check(a[2] <= 1.15, "--sharp invents none: 95th percentile %.3f (<= 1.15)"
      % a[2])
sys.exit(1 if bad else 0)
PY

tiles sample4.jpg fearful
/usr/bin/python3 - "$tmp/tiles-sample4.jpg.json" <<'PY' || failures=$((failures + 1))
import json, sys
import numpy as np
rows = json.load(open(sys.argv[1]))
a = np.percentile(rows["fearful|sample4.jpg|after"]["tiles"], [5, 50, 95])
ok = a[2] <= 1.15
print(("ok   " if ok else "FAIL ") + "sample4 fearful with --sharp invents "
      "none: 95th percentile %.3f (<= 1.15)" % a[2])
sys.exit(0 if ok else 1)
PY
echo "$failures failed"
[ "$failures" -eq 0 ]
