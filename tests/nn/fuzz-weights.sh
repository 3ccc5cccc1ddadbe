#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the weight-loader fuzzer with clang (libFuzzer + AddressSanitizer +
# UndefinedBehaviorSanitizer; the meson build itself uses gcc) and runs it
# for a bounded time from a seed corpus: the real face-api manifests with a
# little data, and small hand-made manifests of each dtype.
# Usage: fuzz-weights.sh SOURCE_ROOT BUILD_DIR [SECONDS]
set -euo pipefail
src=$1
out=$2/fuzz-weights
seconds=${3:-20}
command -v clang >/dev/null || { echo "SKIP: clang not installed"; exit 77; }
mkdir -p "$out/corpus"
nn=$src/engine/nn
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I"$src/engine" -I"$src/tests" \
  "$src/tests/nn/fuzz-weights.c" "$nn/mien-weights.c" "$nn/mien-json.c" \
  "$nn/mien-tensor.c" "$src/engine/mien-error.c" "$src/engine/mien-c-locale.c" -lm -o "$out/fuzz-weights" \
  2>"$out/build.log" || { cat "$out/build.log"; exit 1; }

seed() { printf '%s\0' "$1" >"$out/corpus/$2"; head -c "${3:-0}" /dev/urandom >>"$out/corpus/$2"; }
seed '[{"paths":["a.bin"],"weights":[{"name":"w","shape":[2,3],"dtype":"float32"}]}]' f32 24
seed '[{"paths":["a.bin"],"weights":[{"name":"q","shape":[4],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1}}]}]' u8 4
seed '[{"paths":["a.bin","b.bin"],"weights":[{"name":"h","shape":[2,2],"dtype":"float32","quantization":{"dtype":"float16"}},{"name":"i","shape":[],"dtype":"int32"}]}]' f16 12
seed '[{"paths":["a.bin"],"weights":[{"name":"q","shape":[3],"dtype":"float32","quantization":{"dtype":"uint16","scale":1e-3,"min":0}}]}]' u16 6
models=$src/data/models/face-api
if [ -d "$models" ]; then
  for m in tiny_face_detector_model face_expression_model; do
    { cat "$models/$m-weights_manifest.json"; printf '\0'; head -c 4096 "$models/$m.bin"; } \
      >"$out/corpus/$m"
  done
fi
# -rss_limit_mb keeps a declared-huge tensor from passing as "works on my
# machine": the loader must refuse before allocating.
# With MIEN_FUZZ_CPU_SECONDS=N: N seconds of the fuzzer's own CPU time
# (tests/fuzz/cpu-budget.sh) instead of SECONDS of wall time.
[ -n "${MIEN_FUZZ_CPU_SECONDS:-}" ] && seconds=$((MIEN_FUZZ_CPU_SECONDS * 20))
budget_out=$("$src/tests/fuzz/cpu-budget.sh" "$out/fuzz.log" \
  "$out/fuzz-weights" "$out/corpus" -max_total_time="$seconds" \
  -rss_limit_mb=1024 -max_len=65536 -artifact_prefix="$out/" -timeout=10 -print_final_stats=1) \
  || { tail -n 40 "$out/fuzz.log"; exit 1; }
grep -E "^stat::|Done" "$out/fuzz.log" | tail -n 8
grep -E '^#[0-9]+' "$out/fuzz.log" | tail -n 1
echo "fuzzed the weight loader for ${budget_out##* } CPU-s without a crash"
