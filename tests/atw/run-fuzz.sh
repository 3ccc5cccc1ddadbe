#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Fuzzes the safetensors parser and the ATW weights loader with libFuzzer
# for a short time (FUZZ_SECONDS, default 15; with the build about 25 s): builds fuzz-atw-loader.c and
# the engine sources it needs with clang -fsanitize=fuzzer,address,undefined,
# seeds the corpus with a valid small model and damaged copies of it, runs.
# Exit 77 (meson: skipped) when clang or libFuzzer is missing.
set -euo pipefail
src=${MIEN_SOURCE_ROOT:?}
out=${MIEN_BUILD_ROOT:?}/tests/atw/fuzz
python=${PYTHON:-/usr/bin/python3}
seconds=${FUZZ_SECONDS:-15}
command -v clang >/dev/null || { echo "clang not found: skipped"; exit 77; }
mkdir -p "$out/corpus"
engine=(mien-au.c mien-c-locale.c mien-error.c mien-generator.c mien-image.c mien-pool.c)
nn=(mien-json.c mien-nn-backend.c mien-nn-cpu.c mien-nn-cpu-conv.c
    mien-nn-cpu-resample.c mien-nn-op.c mien-nn.c
    mien-safetensors.c mien-tensor.c mien-weights.c)
srcs=("$src/tests/atw/fuzz-atw-loader.c" "$src/engine/atw/mien-atw.c")
for f in "${engine[@]}"; do srcs+=("$src/engine/$f"); done
for f in "${nn[@]}"; do srcs+=("$src/engine/nn/$f"); done
blas_cflags=$(pkg-config --cflags openblas 2>/dev/null || echo -I/usr/include/x86_64-linux-gnu/openblas-pthread)
if ! clang -std=c17 -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
     -fno-sanitize-recover=undefined -I"$src/engine" $blas_cflags \
     "${srcs[@]}" -o "$out/fuzz-atw-loader" -lopenblas -lm -lpthread \
     2> "$out/build.log"; then
  if grep -q "fuzzer" "$out/build.log"; then
    echo "libFuzzer unavailable: skipped"; cat "$out/build.log"; exit 77
  fi
  cat "$out/build.log"; exit 1
fi
# Seeds: a valid small model (so the fuzzer starts inside the format) and
# a few damaged copies.
"$python" - "$src" "$out/corpus" <<'PY'
import os, struct, sys
sys.path.insert(0, os.path.join(sys.argv[1], "tools", "train"))
import atw_model
d = sys.argv[2]
cfg = atw_model.Config(driving_names=["AU12_r"], motion_width=1,
                       refine_width=1, motion_blocks=1, refine_blocks=0)
p = os.path.join(d, "valid.safetensors")
atw_model.export_generator(atw_model.Generator(cfg), p)
raw = open(p, "rb").read()
for name, data in (("truncated", raw[:len(raw) // 2]),
                   ("header-only", raw[:8 + struct.unpack("<Q", raw[:8])[0]]),
                   ("bad-length", struct.pack("<Q", len(raw)) + raw[8:])):
    open(os.path.join(d, name + ".safetensors"), "wb").write(data)
PY
cd "$out"
# With MIEN_FUZZ_CPU_SECONDS=N: N seconds of the fuzzer's own CPU time
# (tests/fuzz/cpu-budget.sh) instead of FUZZ_SECONDS of wall time.
[ -n "${MIEN_FUZZ_CPU_SECONDS:-}" ] && seconds=$((MIEN_FUZZ_CPU_SECONDS * 20))
rc=0
budget_out=$(ASAN_OPTIONS=detect_leaks=1 "$src/tests/fuzz/cpu-budget.sh" fuzz.log \
  ./fuzz-atw-loader -max_total_time="$seconds" \
  -rss_limit_mb=2048 -max_len=65536 -timeout=10 -print_final_stats=1 corpus) || rc=$?
tail -n 25 fuzz.log
echo "${budget_out##* } CPU-s"
exit $rc
