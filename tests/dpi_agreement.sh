#!/usr/bin/env bash
# The application wirespec tags per flow agrees with Debian's ndpiReader (the
# same nDPI 4.2) for at least 95% of the flows of the nDPI corpus.
# Usage: dpi_agreement.sh WIRESPEC SOURCE_DIR
set -u
ws=$1 src=$2
corpus=$src/../shared/corpus/ndpi
[ -d "$corpus" ] || { echo "skipped: no corpus at $corpus"; exit 77; }
command -v ndpiReader >/dev/null || { echo "skipped: ndpiReader not installed (libndpi-bin)"; exit 77; }
out=$("$src/tools/dpi-agreement" --wirespec "$ws" --corpus "$corpus" -j "$(nproc)" 2>&1)
echo "$out" | grep -E '^(captures|flows|agreement)'
line=$(echo "$out" | grep '^agreement on the application:')
agree=$(echo "$line" | sed -E 's/.*: ([0-9]+) \/ ([0-9]+) .*/\1/')
total=$(echo "$line" | sed -E 's/.*: ([0-9]+) \/ ([0-9]+) .*/\2/')
if [ -z "$agree" ] || [ -z "$total" ] || [ "$total" -eq 0 ]; then
    echo "0 passed, 1 failed (no agreement figure)"; exit 1
fi
if [ $((agree * 100)) -ge $((total * 95)) ]; then
    echo "1 passed, 0 failed"
else
    echo "agreement below 95%"; echo "0 passed, 1 failed"; exit 1
fi
