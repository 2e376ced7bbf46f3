#!/usr/bin/env bash
# Hostile traffic at a small size: every kind of `wsgen --profile hostile`
# audited under a small memory budget must reach the limits it aims at and
# the report must count them (tools/hostile --smoke: counters and limits
# checked, peak RSS printed, never asserted).
# Usage: hostile.sh WIRESPEC SOURCE_DIR
set -u
ws=$(realpath "$1") src=$(realpath "$2")
build=$(dirname "$ws")
[ -x "$build/tools/gen/wsgen" ] || { echo "skipped: no wsgen beside $ws"; exit 77; }
exec python3 "$src/tools/hostile" --build "$build" --smoke
