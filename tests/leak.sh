#!/usr/bin/env bash
# Leaks and memory errors on the paths users take: an audit of a few corpus
# captures (IKE and ESP, fragments, DNS, TLS) with every pack and a site,
# the error paths (a damaged capture, a site with a key given twice, an
# unwritable output), `rules check` of every pack with a site, and `test`
# on captures/lab.
#   - sanitizer build (-DWS_SANITIZE=ON): each run under ASan, UBSan and
#     LeakSanitizer, and also every capture under captures/ audited (with
#     the site file beside it), skipped cases included; any report fails.
#   - normal build: under valgrind --leak-check=full
#     --errors-for-leak-kinds=definite,indirect, when WS_LEAK_CHECK=1 (.ci/run
#     sets it; valgrind takes minutes), else skipped.
# ctest label "leak". Usage: leak.sh WIRESPEC SOURCE_DIR
set -u
ws=$(realpath "$1") src=$(realpath "$2")
corpus=$src/../shared/corpus/ndpi
[ -d "$corpus" ] || { echo "skipped: no corpus at $corpus"; exit 77; }
if nm "$ws" 2>/dev/null | grep -q '__asan_init\|__asan_report' || ldd "$ws" 2>/dev/null | grep -q libasan; then
    mode=sanitizer
elif [ "${WS_LEAK_CHECK:-0}" = 1 ]; then
    command -v valgrind >/dev/null || { echo "skipped: valgrind is not installed"; exit 77; }
    mode=valgrind
else
    echo "skipped: a normal build is checked under valgrind only with WS_LEAK_CHECK=1 (.ci/run)"
    exit 77
fi
echo "mode: $mode"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

export ASAN_OPTIONS=detect_leaks=1:exitcode=99:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=99
# check NAME WANT_RCS -- command...: runs it under the checker; WANT_RCS is
# the exit statuses wirespec itself may give ("0 1").
check() {
    local name=$1 want=$2
    shift 3
    local log=$tmp/log rc
    if [ $mode = valgrind ]; then
        valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
            --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
            --log-file="$tmp/vg" "$@" >"$tmp/out" 2>"$log"
        rc=$?
        cat "$tmp/vg" >>"$log"
    else
        "$@" >"$tmp/out" 2>"$log"
        rc=$?
    fi
    if grep -qE 'Sanitizer|runtime error|definitely lost|indirectly lost|Invalid (read|write|free)|uninitialised|Mismatched free' "$log" ||
       [ "$rc" = 99 ] ||
       ! [[ " $want " == *" $rc "* ]]; then
        echo "FAIL $name: exit $rc (wanted one of: $want)"
        grep -vE '^wirespec' "$log" | sed -n 1,40p | sed 's/^/   | /'
        fail=$((fail + 1))
        return
    fi
    echo "ok   $name"
    pass=$((pass + 1))
}

site=$src/rules/examples/pexip-infinity.site.json
check audit-corpus "0 1" -- "$ws" audit --site "$site" --format json -o "$tmp/r.json" \
    "$corpus/ipsec_isakmp_esp.pcap" "$corpus/esp.pcapng" "$corpus/dns_fragmented.pcap" \
    "$corpus/ip_fragmented_garbage.pcap" "$corpus/long_tls_certificate.pcap" "$corpus/dns.pcap"
check audit-text-and-filter "0 1" -- "$ws" audit --site "$site" --filter udp -o "$tmp/r.txt" \
    "$corpus/ipsec_isakmp_esp.pcap"
head -c 30000 "$corpus/1kxun.pcap" > "$tmp/cut.pcap"
check audit-damaged-capture "2" -- "$ws" audit --format json -o "$tmp/cut.json" "$tmp/cut.pcap" "$tmp/missing.pcap"
printf '{"name": "a", "name": "b", "hosts": [{"match": 7}]}\n' > "$tmp/dup.json"
check audit-bad-site "2" -- "$ws" audit --site "$tmp/dup.json" "$corpus/dns.pcap"
check audit-unwritable "2" -- "$ws" audit -o "$tmp/no/such/r.json" "$corpus/dns.pcap"
check audit-limits-reached "0 1" -- "$ws" audit --limit max_flows=3 --limit max_report_flows=2 \
    --limit max_findings=1 --limit frag_max_bytes=1K --limit max_names=1 --site "$site" \
    --format json -o "$tmp/l.json" "$corpus/1kxun.pcap" "$corpus/dns_fragmented.pcap"
check rules-check "0" -- "$ws" rules check --site "$site" "$src"/rules/*.json
check rules-show "0" -- "$ws" rules show pexip-infinity
check test-lab "0" -- env WIRESPEC_RULES_DIR="$src/rules" "$ws" test "$src/captures/lab"

if [ $mode = sanitizer ]; then
    # Every capture of the regression corpus, skipped cases included.
    while IFS= read -r cap; do
        dir=$(dirname "$cap") base=$(basename "$cap")
        s=()
        for cand in "$dir/site.json" "$dir/${base%.*}.site.json"; do
            [ -f "$cand" ] && s=(--site "$cand") && break
        done
        check "captures/${cap#"$src"/captures/}" "0 1" -- env WIRESPEC_RULES_DIR="$src/rules" \
            "$ws" audit "${s[@]}" --format json -o "$tmp/c.json" "$cap"
    done < <(find "$src/captures" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort)
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
