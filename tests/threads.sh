#!/usr/bin/env bash
# With nDPI on a thread of its own (--limit threads=1) the reports are those
# of one thread (threads=0), byte for byte: the nDPI corpus in one process (with and without a site), every
# capture of captures/ with its site file, and a generated bench capture big
# enough to wrap the queues many times, to end flows at idle sweeps and to
# check the flows open at the end on a thread of their own.
# Under ThreadSanitizer (tools/setup --tsan) a data race fails the run too.
# Usage: threads.sh WIRESPEC SOURCE_DIR
set -u
ws=$1 src=$2
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 compared=0

# same NAME ARGS...: the audit both ways; the reports and exit codes must match.
same() {
    local name=$1
    shift
    local rc0 rc1
    "$ws" audit -f json -o "$tmp/$name.0.json" --limit threads=0 "$@" 2>"$tmp/$name.0.err"
    rc0=$?
    "$ws" audit -f json -o "$tmp/$name.1.json" --limit threads=1 "$@" 2>"$tmp/$name.1.err"
    rc1=$?
    if grep -q "ThreadSanitizer" "$tmp/$name.1.err"; then
        echo "FAIL $name: ThreadSanitizer report"; sed -n 1,40p "$tmp/$name.1.err"; fail=1; return
    fi
    if [ $rc0 -gt 2 ] || [ $rc0 != $rc1 ]; then
        echo "FAIL $name: exit $rc0 with one thread, $rc1 with threads"
        sed -n 1,20p "$tmp/$name.1.err"; fail=1; return
    fi
    if ! cmp -s "$tmp/$name.0.json" "$tmp/$name.1.json"; then
        echo "FAIL $name: the reports differ"
        diff "$tmp/$name.0.json" "$tmp/$name.1.json" | head -20; fail=1; return
    fi
    compared=$((compared + 1))
}

corpus=$src/../shared/corpus/ndpi
if [ -d "$corpus" ]; then
    same ndpi "$corpus"
    same ndpi-site --site "$src/tools/gen/bench.site.json" "$corpus"
fi
for p in "$src"/captures/*/*.pcap "$src"/captures/*/*/capture.pcap; do
    [ -f "$p" ] || continue
    site=${p%.pcap}.site.json
    [ -f "$site" ] || site=$(dirname "$p")/site.json
    name=$(echo "${p#$src/captures/}" | tr / _)
    if [ -f "$site" ]; then same "$name" --site "$site" "$p"; else same "$name" "$p"; fi
done

wsgen=$(dirname "$ws")/tools/gen/wsgen
if [ -x "$wsgen" ]; then
    # 200 s of capture: idle sweeps end flows while others are in detection.
    # Its 7,539 flows all end at the end of input: their checks run on a
    # thread of their own (audit.c, flush_checks); with records dropped by
    # max_report_flows they stay on the main thread.
    if "$wsgen" --profile bench --packets 150000 --flows 8000 -o "$tmp/bench.pcap" 2>/dev/null; then
        same bench --site "$src/tools/gen/bench.site.json" "$tmp/bench.pcap"
        same bench-capped --site "$src/tools/gen/bench.site.json" \
            --limit max_report_flows=5000 "$tmp/bench.pcap"
    fi
fi

echo "$compared reports compared"
[ $compared -gt 0 ] || { echo "FAIL: nothing compared"; exit 1; }
exit $fail
