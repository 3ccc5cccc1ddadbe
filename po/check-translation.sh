#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A translation is complete when every string the sources mark translatable
# (po/POTFILES.in, extracted afresh) has a non-fuzzy translation.
# Usage: check-translation.sh SOURCE_ROOT LANG
set -eu
root=$1 lang=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=C_:1c,2 \
  --add-comments --files-from=po/POTFILES.in -o "$tmp/current.pot" 2>"$tmp/xgettext.log" \
  || { cat "$tmp/xgettext.log"; exit 1; }
msgmerge -q --no-fuzzy-matching -o "$tmp/merged.po" "po/$lang.po" "$tmp/current.pot"
stats=$(msgfmt --check --statistics -o /dev/null "$tmp/merged.po" 2>&1)
echo "$lang: $stats"
case "$stats" in
  *untranslated*|*fuzzy*)
    msgattrib --untranslated --only-fuzzy "$tmp/merged.po" 2>/dev/null | grep '^msgid' || true
    msgattrib --untranslated "$tmp/merged.po" | grep '^msgid' | head -20
    exit 1;;
esac
