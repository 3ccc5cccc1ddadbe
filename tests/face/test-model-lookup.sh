#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# mien-render, mien-faces and mien-eval find the face models the same way
# (engine/io/mien-model-dir.c): --models DIR, else $MIEN_MODEL_DIR, else the
# installed folder, else the source tree's data/models/face-api. Each is
# pointed at a copy of the models whose detector weights are cut short, by
# the variable and by the option; each must then fail naming that copy (so
# it read the models from there), and succeed again with the variable
# pointing at a folder without models (the lookup falls through).
# Usage: test-model-lookup.sh MIEN_RENDER MIEN_FACES MIEN_EVAL
set -u
render=$1 faces=$2 eval=$3
root=${MIEN_SOURCE_ROOT:-.}
models=$root/data/models/face-api
photo=$root/data/samples/astronaut.png
if [ ! -r "$models/tiny_face_detector_model.bin" ] || [ ! -r "$photo" ]; then
  echo "SKIP: models or astronaut.png missing (scripts/setup.sh)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bad" "$work/empty"
cp "$models"/* "$work/bad/"
head -c 1000 "$models/tiny_face_detector_model.bin" \
  > "$work/bad/tiny_face_detector_model.bin"
fail=0

# tool NAME, then its arguments for one run that needs the models.
run_tool () {
  case $1 in
    render) "$render" "$photo" -o "$work/out.png" --overwrite "${@:2}" ;;
    faces) "$faces" "$photo" "${@:2}" ;;
    eval) rm -rf "$work/eval"; "$eval" "$photo" -q -p happy --hd vanilla \
            -A none -I none -o "$work/eval" "${@:2}" ;;
  esac
}

for tool in render faces eval; do
  for how in variable option; do
    if [ $how = variable ]; then
      out=$(MIEN_MODEL_DIR=$work/bad run_tool $tool 2>&1)
    else
      out=$(MIEN_MODEL_DIR=$work/empty run_tool $tool --models "$work/bad" 2>&1)
    fi
    rc=$?
    if [ $rc -eq 0 ] || ! grep -q "$work/bad" <<<"$out"; then
      echo "FAIL: $tool with the damaged copy by $how: exit $rc: $out"
      fail=1
    else
      echo "ok: $tool reads the models named by the $how"
    fi
  done
  out=$(MIEN_MODEL_DIR=$work/empty run_tool $tool 2>&1)
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL: $tool with MIEN_MODEL_DIR holding no models: exit $rc: $out"
    fail=1
  else
    echo "ok: $tool falls through a folder without models"
  fi
done
exit $fail
