#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One call on a lent GPU machine (issue #22): the gpu suite, bench-gpu at
# 1K/2K/4K/8K in both ResWarp modes with the generator, and the CPU's
# ResWarp (bench-reswarp, all threads and 2 threads) in the same run, as one
# Markdown table on stdout and in $OUT/device-check.md when OUT is set (the
# programs' own output goes to $OUT/device-check.log, or stderr).
#
#   bash gpu/device-check.sh [DIR (default build-gpu-engine/device)]
#
# DIR is what gpu/device-check-build.sh prepares here: bin/ (the
# engine-only build's programs) and data/. The machine starts bare; the
# programs need glibc, and test-cuda-nn cuBLAS 13 and cuDNN 9, which are
# looked for on the machine (ldconfig, the CUDA toolkit, Python's nvidia-*
# packages); without them that test is reported as not run.
#
# Every step has a time limit and the whole run stops starting steps after
# MIEN_CHECK_BUDGET_S seconds (default 330), so that it ends within 6
# minutes; what was skipped, and why, is printed above the table. Without a
# GPU (this development machine) the CUDA steps skip (exit 77) and the CPU
# figures are still measured. Exit status: 1 if a test failed or a step
# timed out, else 0.
set -u
cd "$(dirname "$0")/.."
dir=${1:-build-gpu-engine/device}
bin=$dir/bin
budget=${MIEN_CHECK_BUDGET_S:-330}
start=$SECONDS
log=${OUT:+$OUT/device-check.log}
log=${log:-/dev/stderr}
[ -n "${OUT:-}" ] && : >"$log"
export MIEN_DEVICE_DATA=$PWD/$dir/data MIEN_SOURCE_ROOT=$PWD LC_ALL=C

if [ ! -x "$bin/bench-reswarp" ]; then
  echo "device-check: $bin/bench-reswarp missing: run gpu/device-check-build.sh first" >&2
  exit 2
fi

notes=()
failed=0

# --- libraries -------------------------------------------------------------
add_path () { case ":${LD_LIBRARY_PATH:-}:" in *":$1:"*) ;; *)
  export LD_LIBRARY_PATH=$1${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} ;; esac; }
# The driver's libcuda.so.1: ld.so's cache, else the usual mounts.
if ! ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1 '; then
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib64/nvidia; do
    [ -e "$d/libcuda.so.1" ] && add_path "$d"
  done
fi
# Prints the folder holding $1, searching where CUDA and Python put it.
find_lib () {
  if ldconfig -p 2>/dev/null | grep -q " $1 "; then echo system; return 0; fi
  local d
  for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
           /usr/local/cuda-*/lib64 /usr/lib/x86_64-linux-gnu; do
    [ -e "$d/$1" ] && { echo "$d"; return 0; }
  done
  local f
  f=$(timeout 30 find /usr/local /opt /usr/lib /root -name "$1" -print -quit 2>/dev/null)
  [ -n "$f" ] && { dirname "$f"; return 0; }
  return 1
}
nn_libs=ok
for l in libcublas.so.13 libcudnn.so.9; do
  if d=$(find_lib "$l"); then
    [ "$d" != system ] && add_path "$d"
    echo "device-check: $l in $d" >>"$log"
  else
    nn_libs="$l not found on this machine"
  fi
done

# --- steps -----------------------------------------------------------------
# step NAME LIMIT_S CMD...: runs CMD with its output in $step_out, within
# LIMIT_S and what is left of the budget; sets step_rc (124: timed out,
# 125: not started).
step_out=$(mktemp)
trap 'rm -f "$step_out"' EXIT
step () {
  local name=$1 limit=$2; shift 2
  local left=$((budget - (SECONDS - start)))
  : >"$step_out"
  if [ "$left" -lt 10 ]; then
    step_rc=125
    notes+=("$name: not started, the ${budget} s budget was spent")
    return
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  local t0=$SECONDS
  timeout --kill-after=5 "$limit" "$@" >"$step_out" 2>&1
  step_rc=$?
  { echo "=== $name (rc $step_rc, $((SECONDS - t0)) s): $*"; cat "$step_out"; } >>"$log"
  if [ "$step_rc" -eq 124 ] || [ "$step_rc" -eq 137 ]; then
    step_rc=124
    notes+=("$name: stopped after $limit s (time limit)")
    failed=1
  fi
}

tests=()
run_test () {
  local name=$1 limit=$2 prog=$3
  local t0=$SECONDS
  step "$name" "$limit" "$bin/$prog"
  local t=$((SECONDS - t0)) r
  case $step_rc in
    0) r="ok" ;;
    77) r="skipped ($(grep -m1 '^SKIP' "$step_out" | cut -c1-120))" ;;
    124) r="TIMED OUT" ;;
    125) r="not started" ;;
    *) r="FAILED (exit $step_rc; $(grep -c FAIL "$step_out") failed checks)"
       failed=1 ;;
  esac
  tests+=("$name: $r, $t s")
}

host_cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //')
gpu_line=$(timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total \
           --format=csv,noheader 2>/dev/null | head -1)

notes+=("cuda-gl: not in the engine-only build (it needs EGL and libepoxy)")
run_test device 90 test-device
run_test nn-residency 30 test-nn-residency
run_test cuda-reswarp 150 test-cuda-reswarp
run_test animator-cuda 120 test-animator-cuda
if [ "$nn_libs" = ok ]; then
  run_test cuda-nn 150 test-cuda-nn
else
  tests+=("cuda-nn: not run ($nn_libs)")
  notes+=("cuda-nn: not run, $nn_libs")
fi

# bench-gpu: 21 frames (11 at 4K, 6 at 8K) after a warm-up frame.
declare -A g
device_line=""
step bench-gpu 150 "$bin/bench-gpu" 21 1024,2048,4096,8192
case $step_rc in
  0|124)
    device_line=$(grep -m1 '^device:' "$step_out")
    while IFS='|' read -r _ size mode res gen dev dl cpu pg pc mib ideal ratio up ker kr _; do
      key=$(echo "$size $mode $res" | tr -s ' ' | sed 's/^ //; s/ $//')
      g[$key]="$gen|$dev|$dl|$cpu|$pg|$pc|$mib|$ideal|$ratio|$up|$ker|$kr"
    done < <(grep -E '^\| [0-9]+² \|' "$step_out")
    [ "$step_rc" -eq 124 ] && notes+=("bench-gpu: rows after the time limit missing") ;;
  77) notes+=("bench-gpu: $(head -1 "$step_out")") ;;
  125) ;;
  *) notes+=("bench-gpu: exit $step_rc: $(tail -1 "$step_out")"); failed=1 ;;
esac

# bench-reswarp: the CPU's ResWarp on a synthetic photo, all threads, then
# 2 threads (the issue's CPU target) where the machine has more.
declare -A c
cpu_runs=(0)
[ "$(nproc)" -gt 2 ] && cpu_runs+=(2)
for th in "${cpu_runs[@]}"; do
  for sz in 1024:21 2048:21 4096:11 8192:6; do
    step "bench-reswarp ${sz%%:*}² threads=$th" 120 \
      "$bin/bench-reswarp" "${sz##*:}" "$th" "${sz%%:*}"
    [ "$step_rc" -ne 0 ] && [ "$step_rc" -ne 125 ] && [ "$step_rc" -ne 124 ] \
      && { notes+=("bench-reswarp ${sz%%:*}²: exit $step_rc"); failed=1; }
    while IFS='|' read -r _ size mode dec med min frames _; do
      key=$(echo "$size $mode" | tr -s ' ' | sed 's/^ //; s/ $//')
      c[$key/$th]="${med% ms}|${dec% ms}"
    done < <(grep -E '^\| [0-9]+² \|' "$step_out")
    t=$(sed -n 's/^threads: \([0-9]*\).*/\1/p' "$step_out")
    [ "$th" = 0 ] && [ -n "$t" ] && cpu_threads=$t
  done
done

# --- the table -------------------------------------------------------------
trim () { echo "$1" | sed 's/^ *//; s/ *$//; s/ ms$//'; }
report () {
  echo "## gpu/device-check.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo
  echo "- GPU: ${device_line:-none}${gpu_line:+ (nvidia-smi: $gpu_line)}"
  echo "- CPU: ${host_cpu:-?}, $(nproc) threads"
  echo "- gpu suite: $(IFS=';'; echo "${tests[*]}" | sed 's/;/; /g')"
  for n in "${notes[@]}"; do echo "- skipped or cut: $n"; done
  echo "- run took $((SECONDS - start)) s"
  echo
  local h2=""
  [ "${#cpu_runs[@]}" -gt 1 ] && h2=" CPU frame ms, 2 threads (bench-reswarp) |"
  echo "| crop | ResWarp | residuals | generator (CPU) ms | CUDA frame ms | CUDA frame + download ms | CPU frame ms, same inputs (bench-gpu) | CPU frame ms, ${cpu_threads:-all} threads (bench-reswarp) |$h2 CUDA prep ms | CPU decomposition ms (bench-reswarp) | frame MiB | ideal ms | ratio | of the CUDA frame, uploads ms | of the CUDA frame, kernels ms | kernels / ideal |"
  local sep="|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  [ -n "$h2" ] && sep="$sep---|"
  echo "$sep"
  for s in 1024 2048 4096 8192; do
    for m in vanilla multiscale; do
      for r in float half; do
        local gv=${g["$s² $m $r"]:-} cv=${c["$s² $m/0"]:-} c2=${c["$s² $m/2"]:-}
        [ -z "$gv" ] && [ "$r" = half ] && continue
        [ -z "$gv" ] && [ -z "$cv" ] && continue
        local gen=– dev=– dl=– cpu=– pg=– mib=– ideal=– ratio=– up=– ker=– kr=–
        if [ -n "$gv" ]; then
          IFS='|' read -r gen dev dl cpu pg _ mib ideal ratio up ker kr <<<"$gv"
        fi
        local cf=– cd=– c2f=–
        if [ "$r" = float ]; then
          [ -n "$cv" ] && IFS='|' read -r cf cd <<<"$cv"
          [ -n "$c2" ] && c2f=${c2%%|*}
        fi
        local row="| $s² | $m | $r | $(trim "$gen") | $(trim "$dev") | $(trim "$dl") | $(trim "$cpu") | $(trim "$cf") |"
        [ -n "$h2" ] && row="$row $(trim "$c2f") |"
        echo "$row $(trim "$pg") | $(trim "$cd") | $(trim "$mib") | $(trim "$ideal") | $(trim "$ratio") | $(trim "$up") | $(trim "$ker") | $(trim "$kr") |"
      done
    done
  done
}
if [ -n "${OUT:-}" ]; then
  report | tee "$OUT/device-check.md"
else
  report
fi
exit $failed
