#!/usr/bin/env bash
# The command line as users meet it: help, version, exit status, and a clear
# message naming file and place for every kind of bad input.
# Usage: cli.sh WIRESPEC SOURCE_DIR
set -u
ws=$1 src=$2
corpus=$src/../shared/corpus/ndpi
[ -d "$corpus" ] || { echo "skipped: no corpus at $corpus"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

# expect NAME WANT_RC STDERR_PATTERN -- command...
expect() {
    local name=$1 want=$2 pat=$3
    shift 4
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL $name: exit $rc, wanted $want"; sed 's/^/   | /' "$tmp/err" | head -5; fail=$((fail + 1)); return
    fi
    if [ -n "$pat" ] && ! grep -qE -- "$pat" "$tmp/err" "$tmp/out"; then
        echo "FAIL $name: output lacks /$pat/"; sed 's/^/   | /' "$tmp/err" | head -5; fail=$((fail + 1)); return
    fi
    echo "ok   $name"; pass=$((pass + 1))
}
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

good=$corpus/1kxun.pcap
expect version 0 '^wirespec [0-9]+\.[0-9]+' -- "$ws" --version
expect help 0 'audit' -- "$ws" --help
expect audit-help 0 '--format' -- "$ws" audit --help
expect no-command 2 'Usage' -- "$ws"
expect unknown-command 2 'unknown command "frobnicate"' -- "$ws" frobnicate
expect unknown-option 2 "unrecognized option '--frob'" -- "$ws" audit --frob "$good"
expect no-input 2 'no input' -- "$ws" audit
expect bad-format 2 'unknown format "xml"' -- "$ws" audit --format xml "$good"
expect bad-limit-name 2 'unknown limit "max_flowz"' -- "$ws" audit --limit max_flowz=3 "$good"
expect bad-limit-value 2 'limit max_flows: "lots" is not a count' -- "$ws" audit --limit max_flows=lots "$good"
expect bad-limit-form 2 'NAME=VALUE' -- "$ws" audit --limit max_flows "$good"
expect bad-limit-bool 2 'limit threads: "2" is not 0 or 1' -- "$ws" audit --limit threads=2 "$good"
expect bad-filter 2 'invalid filter "tcp port"' -- "$ws" audit --filter 'tcp port' "$good"
expect missing-file 2 "$tmp/nope.pcap: cannot open: No such file" -- "$ws" audit "$tmp/nope.pcap"
: > "$tmp/empty.pcap"
expect empty-file 2 "$tmp/empty.pcap: not a readable pcap" -- "$ws" audit "$tmp/empty.pcap"
echo "not a capture" > "$tmp/notes.txt"
expect not-a-capture 2 "$tmp/notes.txt: not a readable pcap" -- "$ws" audit "$tmp/notes.txt"
expect unwritable-output 2 "cannot write $tmp/no/such/dir/r.json" -- "$ws" audit -o "$tmp/no/such/dir/r.json" "$good"

# A capture cut in the middle of a packet: what could be read is reported,
# the message names the file and the packet, and the exit status is 2.
head -c 50000 "$good" > "$tmp/cut.pcap"
complete=$(tshark -r "$tmp/cut.pcap" -T fields -e frame.number 2>/dev/null | wc -l)
expect truncated 2 "$tmp/cut.pcap: packet $((complete + 1)): truncated" -- \
    "$ws" audit --format json -o "$tmp/cut.json" "$tmp/cut.pcap"
got=$(jget "$tmp/cut.json" 'd["inputs"][0]["packets"]')
if [ "$got" = "$complete" ]; then echo "ok   truncated-keeps-$complete-packets"; pass=$((pass + 1));
else echo "FAIL truncated: report has $got packets, tshark reads $complete"; fail=$((fail + 1)); fi

# --output writes the complete report and leaves no temporary file behind.
expect output-file 0 '' -- "$ws" audit --format json -o "$tmp/r.json" "$good"
n=$(jget "$tmp/r.json" 'd["stats"]["packets"]')
want=$(tshark -r "$good" -T fields -e frame.number 2>/dev/null | wc -l)
if [ "$n" = "$want" ] && [ -z "$(ls "$tmp" | grep '\.tmp\.')" ]; then echo "ok   output-complete"; pass=$((pass + 1));
else echo "FAIL output: $n packets (tshark $want), or a temporary file was left"; fail=$((fail + 1)); fi

# Standard input reads the same packets as the file.
"$ws" audit --format json - < "$good" > "$tmp/stdin.json" 2>"$tmp/err"
n2=$(jget "$tmp/stdin.json" 'd["stats"]["packets"]')
if [ "$n2" = "$want" ]; then echo "ok   stdin"; pass=$((pass + 1)); else echo "FAIL stdin: $n2 packets, wanted $want"; fail=$((fail + 1)); fi

# A directory: captures audited recursively, other files passed over, a
# broken entry reported while the rest is still audited.
mkdir -p "$tmp/dir/sub"
cp "$good" "$tmp/dir/a.pcap"
cp "$corpus/443-chrome.pcap" "$tmp/dir/sub/b.capture"
echo "notes" > "$tmp/dir/README"
expect directory 0 '' -- "$ws" audit --format json -o "$tmp/dir.json" "$tmp/dir"
files=$(jget "$tmp/dir.json" 'len(d["inputs"])'); skipped=$(jget "$tmp/dir.json" 'd["stats"]["skipped_files"]')
if [ "$files" = 2 ] && [ "$skipped" = 1 ]; then echo "ok   directory-contents"; pass=$((pass + 1));
else echo "FAIL directory: $files inputs, $skipped skipped (wanted 2, 1)"; fail=$((fail + 1)); fi
ln -s "$tmp/gone.pcap" "$tmp/dir/dangling.pcap"
expect directory-broken-entry 2 "dangling.pcap: cannot read" -- "$ws" audit --format json -o "$tmp/dir2.json" "$tmp/dir"
files=$(jget "$tmp/dir2.json" 'sum(1 for i in d["inputs"] if i["packets"] > 0)')
if [ "$files" = 2 ]; then echo "ok   directory-rest-audited"; pass=$((pass + 1));
else echo "FAIL directory with a broken entry: $files inputs read, wanted 2"; fail=$((fail + 1)); fi

# A link type wirespec does not read (802.11, 105) is counted as skipped, not
# an error: a classic pcap header and two 24-byte frames.
python3 -c 'import struct,sys
hdr = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 105)
rec = struct.pack("<IIII", 1700000000, 0, 24, 24) + bytes(24)
sys.stdout.buffer.write(hdr + rec + rec)' > "$tmp/wlan.pcap"
expect unsupported-link 0 '' -- "$ws" audit --format json -o "$tmp/wlan.json" "$tmp/wlan.pcap"
sk=$(jget "$tmp/wlan.json" 'd["inputs"][0]["skipped_packets"] == d["inputs"][0]["packets"] == 2')
if [ "$sk" = True ]; then echo "ok   unsupported-link-counted"; pass=$((pass + 1));
else echo "FAIL unsupported link: packets not counted as skipped"; fail=$((fail + 1)); fi

# --filter keeps only matching packets (count checked with tshark's filter).
expect filter 0 '' -- "$ws" audit --format json -o "$tmp/f.json" --filter udp "$good"
n=$(jget "$tmp/f.json" 'd["stats"]["packets"]')
want=$(tshark -r "$good" -Y udp -T fields -e frame.number 2>/dev/null | wc -l)
if [ "$n" = "$want" ]; then echo "ok   filter-count"; pass=$((pass + 1)); else echo "FAIL filter: $n packets, tshark $want"; fail=$((fail + 1)); fi

# Output to a FIFO (as to /dev/null or /dev/stdout) is written into it; the
# FIFO is still a FIFO afterwards (a rename over it would replace it).
mkfifo "$tmp/fifo"
timeout 20 cat "$tmp/fifo" > "$tmp/from-fifo" &
reader=$!
expect output-fifo 0 '' -- "$ws" audit --format json -o "$tmp/fifo" "$good"
wait $reader || true
if [ -p "$tmp/fifo" ] && jget "$tmp/from-fifo" 'd["stats"]["packets"]' >/dev/null; then
    echo "ok   output-fifo-kept"; pass=$((pass + 1))
else echo "FAIL output to a FIFO: FIFO replaced or report unreadable"; fail=$((fail + 1)); fi
expect output-directory 2 "cannot write $tmp: Is a directory" -- "$ws" audit -o "$tmp" "$good"
expect output-unwritable 2 "cannot write $tmp/no/such/r.json" -- "$ws" audit -o "$tmp/no/such/r.json" "$good"
if ! ls "$tmp"/no 2>/dev/null | grep -q .; then echo "ok   output-no-partial-file"; pass=$((pass + 1));
else echo "FAIL output: a partial file was left"; fail=$((fail + 1)); fi

# --format junit: XML a CI server reads; the refused SR path (tcp-refused.pcap,
# captures/lab/README.md: SYN answered by RST,ACK) is a failing test case in
# both suites, findings (type high: a mandatory row) and coverage (blocked).
lab="$src/captures/lab"
expect junit 1 '' -- "$ws" audit --format junit -o "$tmp/r.xml" --site "$lab/tcp-refused.site.json" "$lab/tcp-refused.pcap"
if python3 - "$tmp/r.xml" <<'PY'
import sys, xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
suites = {s.get("name"): s for s in root.findall("testsuite")}
f = suites["findings"].findall("testcase")
c = suites["coverage"].findall("testcase")
ok = (root.get("failures") == "2" and len(f) == 1 and f[0].get("classname") == "blocked-path"
      and f[0].find("failure").get("type") == "high"
      and "avaya-sr-manager-transcoder tcp/8443 10.99.3.2 -> 10.99.3.3" == f[0].get("name")
      and len(c) == 2 and sum(1 for t in c if t.find("failure") is not None) == 1
      and sum(1 for t in c if t.find("skipped") is not None) == 1)
sys.exit(0 if ok else 1)
PY
then echo "ok   junit-content"; pass=$((pass + 1)); else echo "FAIL junit: unexpected content in $tmp/r.xml"; fail=$((fail + 1)); fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
