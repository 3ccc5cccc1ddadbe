#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The Debian package (issue #27): builds it from a copy of the working tree
# with dpkg-buildpackage (the models fetched at build time, as debian/rules
# does on a clean checkout), checks the build log for warnings, installs it
# with dpkg -i, deletes the copy, and then, from an empty folder with no
# source tree and no MIEN_MODEL_DIR, checks:
#   - mien --version and mien-render --version;
#   - the installed mien-render renders the sample photo, byte for byte the
#     same pixels as the build tree's mien-render;
#   - the desktop file, icons, GSettings schema (compiled by the trigger),
#     MIME type, D-Bus service, metainfo and user guide are in place, and
#     desktop-file-validate and appstreamcli validate pass on them.
# The package is purged again at the end, whatever happened.
#
# It costs a full build (about 1.5 min of two cores): it runs only with
# MIEN_PACKAGE_TEST=1 (.ci/run sets it; scripts/test.sh runs it once), and
# installing needs root (CI is a throwaway root machine).
# Usage: test-deb.sh SOURCE_ROOT BUILD_TREE_MIEN_RENDER PHOTO
set -uo pipefail
src=$(realpath "$1") built_render=$(realpath "$2") photo=$(realpath "$3")

if [ "${MIEN_PACKAGE_TEST:-}" != 1 ]; then
  echo "skip: set MIEN_PACKAGE_TEST=1 to build and install the Debian package"
  exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "skip: installing the package needs root"
  exit 77
fi
if dpkg-query -W -f='${Status}' mien 2>/dev/null | grep -q "ok installed"; then
  echo "skip: a mien package is already installed; the test would replace it"
  exit 77
fi
for tool in dpkg-buildpackage dh desktop-file-validate appstreamcli; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/setup.sh installs it)"; exit 1; }
done
[ -s "$photo" ] || { echo "skip: no sample photo at $photo"; exit 77; }

failures=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

work=$(mktemp -d /tmp/mien-deb-test.XXXXXX)
installed=0
cleanup() {
  local rc=$?
  # dpkg needs /usr/sbin (ldconfig) on PATH.
  if ((installed)) && ! PATH=/usr/sbin:/usr/bin:/sbin:/bin dpkg --purge mien >"$work/purge.log" 2>&1; then
    cat "$work/purge.log"; echo "FAIL: dpkg --purge mien"; rc=1
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT

# ---- build ------------------------------------------------------------------
version=$(sed -n '1s/^mien (\([^)]*\)).*/\1/p' "$src/debian/changelog")
tree="$work/mien-$version"
mkdir -p "$tree"
# The working tree as git sees it: tracked and new files, not what is
# ignored (build dirs, data/models: debian/rules must fetch the models).
# Outside a git checkout (an unpacked tarball), the same by name.
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$src" && git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | tar --null -T - -cf -) | tar -xf - -C "$tree"
else
  (cd "$src" && tar --exclude='./build*' --exclude=./obj-\* --exclude=./data/models \
     --exclude=./data/samples --exclude=node_modules --exclude=./debian/mien \
     --exclude=./debian/.debhelper -cf - .) | tar -xf - -C "$tree"
fi
[ -f "$tree/debian/rules" ] || { echo "FAIL: cannot copy the source tree"; exit 1; }
start=$(date +%s)
(cd "$tree" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1
rc=$?
echo "dpkg-buildpackage: exit $rc after $(( $(date +%s) - start )) s"
if [ "$rc" -ne 0 ]; then
  tail -n 40 "$work/build.log"
  echo "FAIL: dpkg-buildpackage"
  exit 1
fi
# The zero-warning rule: the compiler's and debhelper's.
if grep -n -i "warning:" "$work/build.log"; then
  fail "the package build gave warnings (above)"
else
  ok "the package build gave no warnings ($(grep -c -E '^\[[0-9]+/[0-9]+\] ' "$work/build.log") build steps)"
fi
grep -q "scripts/fetch-assets.sh --models" "$work/build.log" \
  && ok "the face models were fetched at build time" \
  || fail "debian/rules did not fetch the models"
deb=$(ls "$work"/mien_"$version"_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { echo "FAIL: no .deb in $work"; exit 1; }
ok "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

# ---- install, then no source tree -------------------------------------------
if dpkg -i "$deb" >"$work/install.log" 2>&1; then
  installed=1
  ok "dpkg -i installed the package"
else
  cat "$work/install.log"
  echo "FAIL: dpkg -i"
  exit 1
fi
rm -rf "$tree"
run=$(mktemp -d "$work/run.XXXXXX")
cp "$photo" "$run/photo.png"
cd "$run" || exit 1
unset MIEN_MODEL_DIR GSETTINGS_SCHEMA_DIR MIEN_SOURCE_ROOT MIEN_BUILD_ROOT
# Only the system's programs: nothing of the build tree or the user's.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

for bin in mien mien-render mien-reswarp mien-faces mien-eval; do
  [ "$(dpkg -S "/usr/bin/$bin" 2>/dev/null | cut -d: -f1)" = mien ] \
    || fail "/usr/bin/$bin is not from the package"
done
v=$(/usr/bin/mien --version 2>&1)
[ "$v" = "mien ${version%%-*}" ] && ok "mien --version: $v" || fail "mien --version: '$v'"
v=$(/usr/bin/mien-render --version 2>&1)
[ "$v" = "mien-render ${version%%-*}" ] && ok "mien-render --version: $v" || fail "mien-render --version: '$v'"

# The installed renderer on the sample photo, against the build tree's.
if /usr/bin/mien-render photo.png --preset happy --mode multiscale \
     -o installed.png >render.log 2>&1; then
  ok "the installed mien-render rendered the photo ($(head -n 1 render.log))"
else
  cat render.log; fail "the installed mien-render failed on the sample photo"
fi
"$built_render" photo.png --preset happy --mode multiscale -o built.png >/dev/null 2>&1 \
  || fail "the build tree's mien-render failed"
if [ -s installed.png ] && [ -s built.png ]; then
  # Same pixels; the package is built at -O2, the tree at -O3: compared
  # as decoded samples (PIL), which must be identical.
  cmp_out=$(/usr/bin/python3 -c '
import sys
import numpy as np
from PIL import Image
a = np.asarray(Image.open("installed.png")).astype(int)
b = np.asarray(Image.open("built.png")).astype(int)
c = np.asarray(Image.open("photo.png").convert(Image.open("built.png").mode)).astype(int)
if a.shape != b.shape:
    print("sizes differ", a.shape, b.shape); sys.exit(1)
changed = int((np.abs(b - c).sum(axis=-1) > 0).sum())
print("max difference", int(np.abs(a - b).max()), "over", a.shape,
      "; pixels the expression changed:", changed)
sys.exit(0 if np.array_equal(a, b) and changed > 200 else 1)' 2>&1)
  [ $? -eq 0 ] && ok "installed and build-tree renders are identical: $cmp_out" \
    || fail "installed and build-tree renders differ: $cmp_out"
fi

# ---- desktop integration ----------------------------------------------------
app=io.github.mien.Mien
for f in /usr/share/applications/$app.desktop \
         /usr/share/icons/hicolor/scalable/apps/$app.svg \
         /usr/share/icons/hicolor/symbolic/apps/$app-symbolic.svg \
         /usr/share/glib-2.0/schemas/$app.gschema.xml \
         /usr/share/mime/packages/$app.mime.xml \
         /usr/share/dbus-1/services/$app.service \
         /usr/share/metainfo/$app.metainfo.xml \
         /usr/share/doc/mien/user-guide.html \
         /usr/share/mien/models/face-api/tiny_face_detector_model-weights_manifest.json \
         /usr/share/mien/models/human/iris.json /usr/share/mien/models/human/iris.bin \
         /usr/share/mien/models/human/selfie.json /usr/share/mien/models/human/selfie.bin \
         /usr/share/mien/models/human/facemesh.json /usr/share/mien/models/human/facemesh.bin; do
  [ -s "$f" ] && ok "in place: $f" || fail "missing: $f"
done
desktop-file-validate /usr/share/applications/$app.desktop \
  && ok "desktop-file-validate passes on the installed desktop file" \
  || fail "desktop-file-validate"
appstreamcli validate --no-net /usr/share/metainfo/$app.metainfo.xml >as.log 2>&1 \
  && ok "appstreamcli validate passes on the installed metainfo" \
  || { cat as.log; fail "appstreamcli validate"; }
# The triggers ran: the schema is compiled in, the MIME type is known.
gsettings list-keys $app 2>/dev/null | grep -q '^reswarp-mode$' \
  && ok "the schema is compiled (gsettings knows $app)" \
  || fail "gsettings does not know $app: the schema was not compiled"
grep -q 'application/x-mien-project' /usr/share/mime/types 2>/dev/null \
  && ok "the MIME database knows application/x-mien-project" \
  || fail "application/x-mien-project is not in /usr/share/mime/types"
grep -qx "Exec=/usr/bin/mien --gapplication-service" /usr/share/dbus-1/services/$app.service \
  && ok "the D-Bus service starts /usr/bin/mien" || fail "the D-Bus service's Exec line"

echo "$failures failed"
[ "$failures" -eq 0 ]
