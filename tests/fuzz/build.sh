#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the libFuzzer targets of tests/fuzz with clang (libFuzzer +
# AddressSanitizer + UndefinedBehaviorSanitizer; the meson build itself uses
# gcc). The engine's core and io sources (the lists in engine/meson.build)
# are compiled once into OUT/obj, instrumented for coverage, and recompiled
# only when a source or any engine header is newer than its object.
# Usage: build.sh SOURCE_ROOT OUT [TARGET...]   (default: every fuzz-*.c)
# Exit 77 when clang or libFuzzer is missing (meson: skipped).
set -euo pipefail
src=$(cd "$1" && pwd)
out=$2
shift 2
command -v clang >/dev/null || { echo "clang not installed: skipped"; exit 77; }
mkdir -p "$out/obj"
pkgs="glib-2.0 gobject-2.0 gio-2.0 gdk-pixbuf-2.0 json-glib-1.0 libpng libtiff-4 lcms2 libexif libavformat libavcodec libavutil libswscale imagequant"
pc_cflags=$(pkg-config --cflags $pkgs)
pc_libs=$(pkg-config --libs $pkgs)
cflags=(-std=c17 -g -O1 -D_GNU_SOURCE -fno-omit-frame-pointer
        -fsanitize=address,undefined -fno-sanitize-recover=all
        -fsanitize=fuzzer-no-link
        -DMIEN_INSTALLED_MODEL_DIR='"/nonexistent"'
        -DMIEN_SOURCE_MODEL_DIR="\"$src/data/models/face-api\""
        -I"$src/engine" -I"$src/tests/fuzz")
# The sources of libmien_core and libmien_io, as engine/meson.build lists them.
mapfile -t sources < <(/usr/bin/python3 - "$src/engine/meson.build" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for lib in ("mien_warp_rows", "mien_core", "mien_io"):
    block = re.search(r"static_library\('%s',(.*?)\n\)" % lib, text, re.S).group(1)
    for name in re.findall(r"^\s*'([^']+\.c)'", block, re.M):
        print("engine/" + name)
PY
)
sources+=(engine/nn/mien-json.c)
[ ${#sources[@]} -gt 10 ] || { echo "no sources found in engine/meson.build"; exit 1; }
newest_header=$(find "$src/engine" -name '*.h' -printf '%T@\n' | sort -n | tail -1)
compile() {
  local s=$1 o
  o="$out/obj/$(echo "$s" | tr '/' '_').o"
  if [ -f "$o" ] && [ "$o" -nt "$src/$s" ] \
     && awk -v h="$newest_header" -v t="$(stat -c %Y "$o")" 'BEGIN { exit !(t >= h) }'; then
    return 0
  fi
  clang "${cflags[@]}" $pc_cflags -c "$src/$s" -o "$o" 2>"$o.log" || { cat "$o.log"; return 1; }
}
objects=()
for s in "${sources[@]}"; do
  compile "$s" || exit 1
  objects+=("$out/obj/$(echo "$s" | tr '/' '_').o")
done
# Only the objects of today's sources: one left from a file that has since
# been split or removed would define the same functions again.
rm -f "$out/libmien-fuzz.a"
ar rcs "$out/libmien-fuzz.a" "${objects[@]}"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$src"/tests/fuzz/fuzz-*.c; do t=$(basename "$f" .c); targets+=("$t"); done
fi
blas=$(pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
for t in "${targets[@]}"; do
  if [ -x "$out/$t" ] && [ "$out/$t" -nt "$src/tests/fuzz/$t.c" ] \
     && [ "$out/$t" -nt "$out/libmien-fuzz.a" ]; then continue; fi
  if ! clang "${cflags[@]}" -fsanitize=fuzzer $pc_cflags "$src/tests/fuzz/$t.c" \
       "$out/libmien-fuzz.a" $pc_libs -lgif $blas -lm -lpthread -o "$out/$t" \
       2>"$out/$t.log"; then
    if grep -q "libclang_rt.fuzzer\|fuzzer.*not found" "$out/$t.log"; then
      echo "libFuzzer unavailable: skipped"; cat "$out/$t.log"; exit 77
    fi
    cat "$out/$t.log"; exit 1
  fi
done
