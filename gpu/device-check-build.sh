#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the engine-only build (meson -Dengine_only=true) and prepares the
# folder that travels to a lent GPU machine with it, for gpu/device-check.sh.
#
#   gpu/device-check-build.sh [BUILD_DIR (default build-gpu-engine)]
#
# The folder BUILD_DIR/device (git-ignored, as every build*/) holds
#   bin/   test-device, test-nn-residency, test-cuda-reswarp, test-cuda-nn,
#          test-animator-cuda,
#          bench-gpu, bench-reswarp: stripped; they need only glibc (cudart, libstdc++
#          and the reference BLAS are linked statically), and test-cuda-nn
#          also cuBLAS 13 and cuDNN 9, which are far too large to carry
#          (libcublasLt alone is 540 MB) and which device-check.sh looks
#          for on the machine.
#   data/  the astronaut photo as PPM with its 68 landmarks as text (for
#          bench-gpu), sample1 and sample2 at half size as PPM and the four
#          face-api models the analyzer loads (for test-cuda-nn).
# It checks that the folder and the rest of the working tree that travels
# fit in 64 MiB, then prints the device tool's `carry` and `command`.
# Needs: meson, ninja, nvcc (CUDA 13, cuDNN 9), /usr/bin/python3 with PIL,
# and data/samples + data/models (scripts/fetch-assets.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build-gpu-engine}
dev=$build/device

if [ -f "$build/build.ninja" ]; then
  meson configure "$build" -Dengine_only=true >/dev/null
else
  meson setup "$build" -Dengine_only=true -Dbuildtype=release -Dstrip=true \
    >/dev/null
fi
progs="tests/gpu/test-device tests/gpu/test-nn-residency tests/gpu/test-cuda-reswarp
       tests/gpu/test-cuda-nn tests/gpu/test-animator-cuda tests/bench/bench-gpu
       tests/bench/bench-reswarp"
ninja -C "$build" $progs

rm -rf "$dev"
mkdir -p "$dev/bin" "$dev/data/face-api"
for p in $progs; do
  cp "$build/$p" "$dev/bin/"
  strip "$dev/bin/$(basename "$p")"
done

# Shared libraries the programs need beyond the base system: none but
# cuBLAS and cuDNN (looked for on the machine); say so if that changes.
for f in "$dev"/bin/*; do
  extra=$(readelf -d "$f" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' \
          | grep -Ev '^(libc|libm|libdl|librt|libpthread|ld-linux-x86-64)\.so|^libcublas\.so|^libcudnn\.so' || true)
  if [ -n "$extra" ]; then
    echo "device-check-build: $(basename "$f") needs $extra, which the" \
         "device machine may lack: carry it in $dev/lib" >&2
    exit 1
  fi
done

models=data/models/face-api
for m in tiny_face_detector_model face_landmark_68_model \
         face_expression_model face_recognition_model; do
  cp "$models/$m.bin" "$models/$m-weights_manifest.json" "$dev/data/face-api/"
done
/usr/bin/python3 - "$dev/data" <<'EOF'
import json, sys
from PIL import Image
out = sys.argv[1]
Image.open('data/samples/astronaut.png').convert('RGB').save(out + '/astronaut.ppm')
lm = json.load(open('tests/data/landmarks/astronaut.json'))['faces'][0]['landmarks']
with open(out + '/astronaut-landmarks.txt', 'w') as f:
    for x, y in lm:
        f.write('%r %r\n' % (float(x), float(y)))
for s in (1, 2):
    im = Image.open('data/samples/sample%d.jpg' % s).convert('RGB')
    im.resize((im.width // 2, im.height // 2), Image.BILINEAR).save(
        out + '/sample%d.ppm' % s)
EOF

# What travels: tracked files, untracked files git does not ignore, and
# the carried folder.
tree=$( (git ls-files -z; git ls-files -z --others --exclude-standard) \
        | xargs -0 stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
carried=$(du -sb "$dev" | cut -f1)
total=$((tree + carried))
awk -v t="$tree" -v c="$carried" -v d="$dev" 'BEGIN {
  printf "device-check-build: working tree %.1f MiB + %s %.1f MiB = %.1f MiB (limit 64)\n",
         t / 1048576, d, c / 1048576, (t + c) / 1048576 }'
if [ "$total" -gt $((64 * 1048576)) ]; then
  echo "device-check-build: over the 64 MiB the device tool carries" >&2
  exit 1
fi
cat <<EOF

For the device tool's run (one call, about 6 minutes at most):
  carry:     ["$dev"]
  command:   bash gpu/device-check.sh $dev
  timeout_s: 420
Here (no GPU) the same command runs the CPU figures and skips the rest.
EOF
