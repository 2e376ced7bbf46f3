#!/usr/bin/env bash
# Every capture of the nDPI corpus (544 real files, some deliberately
# malformed) goes through `wirespec audit`: no crash, no sanitizer report,
# exit 0 or 1 for a file read to its end, exit 2 only with a message naming
# the file; and the whole directory in one process gives the same packet
# total as the files one by one.
# Usage: corpus.sh WIRESPEC SOURCE_DIR
set -u
ws=$1 src=$2
corpus=$src/../shared/corpus/ndpi
[ -d "$corpus" ] || { echo "skipped: no corpus at $corpus"; exit 77; }

export ASAN_OPTIONS=exitcode=99:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=exitcode=99:print_stacktrace=1:halt_on_error=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check_one() {
    f=$1 tmp=$2 ws=$3
    base=$(basename "$f")
    "$ws" audit --format json --output "$tmp/$base.json" "$f" 2>"$tmp/$base.err"
    rc=$?
    if grep -qE "AddressSanitizer|LeakSanitizer|runtime error|UndefinedBehaviorSanitizer" "$tmp/$base.err"; then
        echo "FAIL $base: sanitizer report"; sed -n 1,30p "$tmp/$base.err"; return 1
    fi
    case $rc in
    0|1) ;;
    2) grep -qF "$f" "$tmp/$base.err" || { echo "FAIL $base: exit 2 without naming the file"; return 1; }
       echo "note $base: $(head -1 "$tmp/$base.err")" ;;
    *) echo "FAIL $base: exit $rc"; sed -n 1,30p "$tmp/$base.err"; return 1 ;;
    esac
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/$base.json" ||
        { echo "FAIL $base: report is not JSON"; return 1; }
    return 0
}
export -f check_one

files=$(find "$corpus" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort)
n=$(echo "$files" | wc -l)
echo "$files" | xargs -P "$(nproc)" -I{} bash -c 'check_one "$@"' _ {} "$tmp" "$ws" > "$tmp/log"
fails=$(grep -c '^FAIL' "$tmp/log")
grep -v '^note' "$tmp/log"
echo "$(grep -c '^note' "$tmp/log") files reported as damaged (exit 2 with a message):"
grep '^note' "$tmp/log" | sed 's/^/  /'

# One process over the whole directory reads as many packets as all files.
"$ws" audit --format json --output "$tmp/all.json" "$corpus" 2>"$tmp/all.err"
rc=$?
if grep -qE "Sanitizer|runtime error" "$tmp/all.err" || [ $rc -gt 2 ]; then
    echo "FAIL directory run: exit $rc"; sed -n 1,30p "$tmp/all.err"; fails=$((fails + 1))
else
    sum=$(cat "$tmp"/*.pcap*.json "$tmp"/*.cap.json | python3 -c '
import json, sys
dec = json.JSONDecoder(); s = sys.stdin.read(); i = 0; total = 0
while i < len(s):
    while i < len(s) and s[i].isspace(): i += 1
    if i >= len(s): break
    o, i = dec.raw_decode(s, i); total += o["stats"]["packets"]
print(total)')
    whole=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stats"]["packets"])' "$tmp/all.json")
    if [ "$sum" != "$whole" ]; then
        echo "FAIL directory run read $whole packets, the files one by one $sum"; fails=$((fails + 1))
    else
        echo "directory run: $whole packets, same as the files one by one"
    fi
fi
echo "$((n - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
