#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# mien-render --no-teeth (issue #26): sample6's face 2 (closed lips)
# enlarged 2x, surprised: the crop differs from the default's (teeth drawn
# into the opened mouth) and equals the one MIEN_MOUTH_NO_TEETH=1 gives.
# Skips (77) without data/samples (scripts/setup.sh).
set -u
tool=$1
root=${MIEN_SOURCE_ROOT:-$(dirname "$0")/../..}
photo="$root/data/samples/sample6.jpg"
[ -f "$photo" ] || { echo "SKIP: $photo missing (scripts/setup.sh)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# The photo and its landmarks at twice the size (pixel centres kept).
/usr/bin/python3 - "$photo" "$root/tests/data/landmarks/sample6.json" "$tmp" <<'PY'
import json, sys
from PIL import Image
photo, marks, out = sys.argv[1:]
im = Image.open(photo).convert("RGB")
im.resize((im.width * 2, im.height * 2), Image.BILINEAR).save(out + "/big.png")
js = json.load(open(marks))
js["width"], js["height"] = js["width"] * 2, js["height"] * 2
for f in js["faces"]:
    f["box"] = [v * 2 for v in f["box"]]
    f["landmarks"] = [[(x + 0.5) * 2 - 0.5, (y + 0.5) * 2 - 0.5] for x, y in f["landmarks"]]
json.dump(js, open(out + "/big.json", "w"))
PY

render() {
  local out=$1; shift
  "$@" "$tmp/big.png" --landmarks "$tmp/big.json" -f 2 -p surprised \
    --crop-only -q -o "$tmp/$out" || { echo "FAIL render $out"; failures=$((failures + 1)); }
}
render with.png "$tool"
render without.png "$tool" --no-teeth
render env.png env MIEN_MOUTH_NO_TEETH=1 "$tool"

if cmp -s "$tmp/with.png" "$tmp/without.png"; then
  echo "FAIL --no-teeth: the same crop as with teeth"; failures=$((failures + 1))
else
  echo "ok   --no-teeth changes the opened mouth"
fi
if cmp -s "$tmp/without.png" "$tmp/env.png"; then
  echo "ok   --no-teeth is MIEN_MOUTH_NO_TEETH=1"
else
  echo "FAIL --no-teeth differs from MIEN_MOUTH_NO_TEETH=1"; failures=$((failures + 1))
fi
if "$tool" --help | grep -q -- "--no-teeth"; then
  echo "ok   --help names --no-teeth"
else
  echo "FAIL --help lacks --no-teeth"; failures=$((failures + 1))
fi
echo "$failures failed"
[ "$failures" -eq 0 ]
