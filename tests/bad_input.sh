#!/usr/bin/env bash
# Bad input of every kind: damaged captures, unreadable directory entries,
# invalid packs and site files (syntax, types, unknown and duplicate keys),
# contradictory options, outputs that cannot be written. Each must end with
# status 2 and a message naming the file and the place (packet number and
# byte offset, JSON line:column and field), the good inputs beside it must
# still be audited, and no report file may be left where none could be made.
# Expected places come from tshark/capinfos and from python walking the
# bytes, never from wirespec.
# Usage: bad_input.sh WIRESPEC SOURCE_DIR
set -u
ws=$(realpath "$1") src=$(realpath "$2")
corpus=$src/../shared/corpus/ndpi
[ -d "$corpus" ] || { echo "skipped: no corpus at $corpus"; exit 77; }
command -v capinfos >/dev/null && command -v tshark >/dev/null ||
    { echo "skipped: capinfos/tshark missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# run NAME WANT_RC -- command...: runs it (killed after 60 s: a hang fails).
run() {
    local name=$1 want=$2
    shift 3
    timeout 60 "$@" >out 2>err
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        bad "$name: exit $rc, wanted $want"; sed 's/^/   | /' err | head -5; return 1
    fi
    return 0
}
# has NAME TEXT: stderr holds TEXT exactly (a fixed string, one line).
has() {
    if grep -qF -- "$2" err; then ok "$1"; else
        bad "$1: stderr lacks: $2"; sed 's/^/   | /' err | head -5; fi
}
# absent NAME FILE...: none of the files exists (nor a temporary beside it).
absent() {
    local name=$1 f
    shift
    for f in "$@"; do
        if [ -e "$f" ] || ls "$f".tmp.* >/dev/null 2>&1; then bad "$name: $f was left"; return; fi
    done
    ok "$name: no output left"
}
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
# tshark's packet count of a file (what capinfos reads before any error).
count() { capinfos -c -M "$1" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}'; }
# capinfos' "An error occurred after reading N packets": N.
read_before_error() { capinfos -c "$1" 2>&1 | sed -n 's/.*after reading \([0-9]*\) packets.*/\1/p'; }

good=$corpus/1kxun.pcap
good2=$corpus/443-chrome.pcap
cp "$good" good.pcap
n_good=$(count good.pcap)
n_good2=$(count "$good2")

# ---- captures -------------------------------------------------------------

# pcap cut in the middle of a packet. python walks the records: the offset
# of the first record that does not fit, and its number.
head -c 50000 good.pcap > cut.pcap
read -r recno off <<<"$(python3 - cut.pcap <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off, n = 24, 0
while off + 16 <= len(d):
    cl = struct.unpack_from('<I', d, off + 8)[0]
    if off + 16 + cl > len(d):
        break
    off += 16 + cl; n += 1
print(n + 1, off)
EOF
)"
before=$(read_before_error cut.pcap)
if capinfos -c cut.pcap 2>&1 | grep -q "cut short in the middle of a packet" && [ "$before" = $((recno - 1)) ]; then
    ok "truncated pcap: capinfos reads $before packets, then 'cut short in the middle of a packet'"
else bad "truncated pcap: capinfos says $before packets, python $((recno - 1))"; fi
if run truncated-pcap 2 -- "$ws" audit --format json -o cut.json cut.pcap; then
    has truncated-pcap-message "wirespec: cut.pcap: packet $recno: truncated dump file; tried to read"
    has truncated-pcap-place "(the file is cut short in the middle of packet $recno, which starts at byte $off)"
    got=$(jget cut.json 'd["inputs"][0]["packets"], len(d["inputs"][0]["errors"])')
    [ "$got" = "($before, 1)" ] && ok "truncated pcap: the report keeps the $before packets and names the error" ||
        bad "truncated pcap: report says $got, wanted ($before, 1)"
fi

# The same in a file of format version 2.2, whose records hold the wire
# length where later versions hold the captured length (libpcap and
# Wireshark swap them back): python walks it the 2.2 way.
read -r old_no old_off <<<"$(python3 - good.pcap <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
out, off, recs = bytearray(d[:24]), 24, []
struct.pack_into('<HH', out, 4, 2, 2)
while off + 16 <= len(d) and len(recs) < 40:
    ts, tu, cl, wl = struct.unpack_from('<IIII', d, off)
    recs.append(len(out))
    out += struct.pack('<IIII', ts, tu, wl + 1000, cl) + d[off + 16:off + 16 + cl]
    off += 16 + cl
open('old.pcap', 'wb').write(bytes(out[:recs[30] + 20]))
print(31, recs[30])
EOF
)"
before=$(read_before_error old.pcap)
[ "$before" = $((old_no - 1)) ] && ok "version 2.2 pcap: capinfos reads $before packets" ||
    bad "version 2.2 pcap: capinfos reads $before, wanted $((old_no - 1))"
if run truncated-old-pcap 2 -- "$ws" audit -o old.txt old.pcap; then
    has truncated-old-pcap-place "wirespec: old.pcap: packet $old_no: truncated dump file; tried to read"
    has truncated-old-pcap-offset "(the file is cut short in the middle of packet $old_no, which starts at byte $old_off)"
fi

# A pcapng cut inside a block, one with a block length below 12 (python
# names the block), and one with blocks of unknown types that must be skipped.
editcap -F pcapng good.pcap good.pcapng
python3 - good.pcapng <<'EOF' > ng.places
import struct, sys
d = open(sys.argv[1], 'rb').read()
blocks, off = [], 0
while off < len(d):
    t, l = struct.unpack_from('<II', d, off); blocks.append((off, t)); off += l
pk = [o for o, t in blocks if t in (2, 3, 6)]
# cut 30 bytes into packet 9; packet 7's length set to 7
open('ngcut.pcapng', 'wb').write(d[:pk[8] + 30])
b = bytearray(d[:pk[11]]); struct.pack_into('<I', b, pk[6] + 4, 7)
open('ngbad.pcapng', 'wb').write(bytes(b))
def blk(t, body):
    body += b'\0' * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack('<II', t, n) + body + struct.pack('<I', n)
unk = blk(0x0000BEEF, b'a block type nobody defined')
cust = blk(0x00000BAD, struct.pack('<I', 32473) + b'custom block, copyable')
i2, i5 = blocks[2][0], blocks[5][0]
open('unknown.pcapng', 'wb').write(d[:i2] + unk + d[i2:i5] + cust + unk + d[i5:])
print(9, pk[8], 7, pk[6])
EOF
read -r cut_no cut_off bad_no bad_off < ng.places
before=$(read_before_error ngcut.pcapng)
[ "$before" = $((cut_no - 1)) ] && ok "truncated pcapng: capinfos reads $before packets" ||
    bad "truncated pcapng: capinfos reads $before, wanted $((cut_no - 1))"
if run truncated-pcapng 2 -- "$ws" audit -o ngcut.txt ngcut.pcapng; then
    has truncated-pcapng-message "wirespec: ngcut.pcapng: packet $cut_no: truncated pcapng dump file"
    has truncated-pcapng-place "(the file is cut short in the middle of packet $cut_no, which starts at byte $cut_off)"
fi
before=$(read_before_error ngbad.pcapng)
capinfos -c ngbad.pcapng 2>&1 | grep -q "damaged or corrupt" && [ "$before" = $((bad_no - 1)) ] &&
    ok "bad block length: capinfos reads $before packets, then 'damaged or corrupt'" ||
    bad "bad block length: capinfos reads $before, wanted $((bad_no - 1))"
if run bad-block-length 2 -- "$ws" audit -o ngbad.txt ngbad.pcapng; then
    has bad-block-length-message "wirespec: ngbad.pcapng: packet $bad_no: block in pcapng dump file has a length of 7 < 12 (the damage is at byte $bad_off)"
fi
want=$(count unknown.pcapng)
if run unknown-blocks 0 -- "$ws" audit --format json -o unknown.json unknown.pcapng; then
    got=$(jget unknown.json 'd["inputs"][0]["packets"]')
    [ "$got" = "$want" ] && [ "$want" = "$n_good" ] && ok "pcapng unknown blocks skipped: $got packets, as tshark" ||
        bad "unknown blocks: $got packets, tshark $want, the original $n_good"
fi

# A record whose caplen is above what any link type allows (262144): libpcap
# and tshark stop there. One whose caplen only exceeds the file's snaplen:
# libpcap keeps the first snaplen bytes, tshark reads it whole; the same
# packets are counted.
python3 - good.pcap <<'EOF' > caplen.places
import struct, sys
d = open(sys.argv[1], 'rb').read()
recs, off = [], 24
while off < len(d) and len(recs) < 6:
    recs.append(off); off += 16 + struct.unpack_from('<I', d, off + 8)[0]
b = bytearray(d[:recs[5]]); struct.pack_into('<I', b, recs[2] + 8, 300000)
open('hugecap.pcap', 'wb').write(bytes(b))
h = bytearray(d[:24]); struct.pack_into('<I', h, 16, 100)
open('snaplen.pcap', 'wb').write(bytes(h) + d[24:recs[5]])
print(3, recs[2])
EOF
read -r huge_no huge_off < caplen.places
capinfos -c hugecap.pcap 2>&1 | grep -q "File has 300000-byte packet, bigger than maximum of 262144" &&
    ok "caplen above the maximum: capinfos calls it 300000 bytes over 262144" || bad "capinfos on hugecap.pcap"
if run caplen-too-big 2 -- "$ws" audit -o huge.txt hugecap.pcap; then
    has caplen-too-big-message "wirespec: hugecap.pcap: packet $huge_no: invalid packet capture length 300000, bigger than snaplen of 262144 (the damage is at byte $huge_off)"
fi
if run caplen-over-snaplen 0 -- "$ws" audit --format json -o snap.json snaplen.pcap; then
    got=$(jget snap.json 'd["inputs"][0]["packets"]'); want=$(count snaplen.pcap)
    [ "$got" = "$want" ] && ok "caplen over the file's snaplen: $got packets, as tshark" || bad "snaplen: $got, tshark $want"
fi

# Empty, header-only-cut and non-capture files.
: > empty.pcap
head -c 10 good.pcap > header-cut.pcap
echo "not a capture" > notes.pcap
if run empty 2 -- "$ws" audit -o e.txt empty.pcap; then
    has empty-message "wirespec: empty.pcap: not a readable pcap or pcapng file: the file is empty (0 bytes)"; fi
if run header-cut 2 -- "$ws" audit -o h.txt header-cut.pcap; then
    has header-cut-message "wirespec: header-cut.pcap: not a readable pcap or pcapng file: truncated dump file; tried to read 24 file header bytes, only got 6"; fi
if run not-a-capture 2 -- "$ws" audit -o n.txt notes.pcap; then
    has not-a-capture-message "wirespec: notes.pcap: not a readable pcap or pcapng file: unknown file format"; fi

# ---- a directory with entries that cannot be read ---------------------------
# (as root, chmod does not stop a read: a FIFO with no writer, a dangling
# link, a directory named like a capture, a damaged capture, a socket.)
mkdir -p dir/sub dir/x.pcap
cp good.pcap dir/a.pcap
cp "$good2" dir/sub/b.pcap
cp "$good2" dir/x.pcap/c.pcap
cp cut.pcap dir/sub/cut.pcap
mkfifo dir/nowriter.pcap
ln -s "$tmp/gone.pcap" dir/dangling.pcap
echo notes > dir/README
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' dir/sock.pcap
if run directory 2 -- "$ws" audit --format json -o dir.json dir; then
    has directory-fifo "wirespec: dir/nowriter.pcap: a FIFO, not a regular file: not read (name it on the command line to read it)"
    has directory-socket "wirespec: dir/sock.pcap: a socket, not a regular file: not read"
    has directory-dangling "wirespec: dir/dangling.pcap: cannot read: a symbolic link to \"$tmp/gone.pcap\": No such file or directory"
    has directory-damaged "wirespec: dir/sub/cut.pcap: packet $recno: truncated dump file"
    got=$(jget dir.json '[(i["path"], i["packets"]) for i in d["inputs"] if not i["errors"]]')
    want="[('dir/a.pcap', $n_good), ('dir/sub/b.pcap', $n_good2), ('dir/x.pcap/c.pcap', $n_good2)]"
    got=$(python3 -c "print(sorted($got))"); want=$(python3 -c "print(sorted($want))")
    [ "$got" = "$want" ] && ok "directory: the good captures are audited whole ($want)" || bad "directory: $got, wanted $want"
    skipped=$(jget dir.json 'd["stats"]["skipped_files"]')
    [ "$skipped" = 1 ] && ok "directory: README passed over" || bad "directory: $skipped skipped files, wanted 1"
fi

# A FIFO named on the command line is read (first: it cannot be peeked for
# its first timestamp without losing what is read). A file that vanishes
# between the listing and its reading is reported, the rest audited: the
# writer removes b.pcap before closing the FIFO, while wirespec waits on it.
mkfifo pipe.pcap
cp "$good2" b.pcap
# (the FIFO stays open for writing until b.pcap is gone)
timeout 60 sh -c '{ cat good.pcap; rm -f b.pcap; } > pipe.pcap' &
if run vanished 2 -- "$ws" audit --format json -o v.json pipe.pcap b.pcap; then
    has vanished-message "wirespec: b.pcap: cannot open: No such file or directory"
    got=$(jget v.json '[(i["path"], i["packets"]) for i in d["inputs"]]')
    [ "$got" = "[('pipe.pcap', $n_good), ('b.pcap', 0)]" ] && ok "FIFO read whole, first; vanished file reported" ||
        bad "FIFO + vanished: $got"
fi
wait

# A damaged capture read from a FIFO: the place is the packet number only
# (what was read is gone), and looking for the byte must not wait for a
# second writer.
mkfifo cutpipe
timeout 60 sh -c 'cat cut.pcap > cutpipe' &
if run truncated-fifo 2 -- "$ws" audit -o cutpipe.txt cutpipe; then
    has truncated-fifo-message "wirespec: cutpipe: packet $recno: truncated dump file; tried to read"
fi
wait

# ---- packs and site files ----------------------------------------------------
pack=$src/rules/prysm-hosted-cloud.json
site=$src/rules/examples/prysm-hosted-cloud.site.json
rule0=$(jget "$pack" 'd["rules"][0]["id"]')
# pos FILE OFFSET: "LINE:COL" of a byte offset (1-based, as editors count).
pos() { python3 -c 'import sys; t=open(sys.argv[1],"rb").read()[:int(sys.argv[2])]; print("%d:%d" % (t.count(b"\n")+1, len(t)-(t.rfind(b"\n")+1)+1))' "$@"; }
# pyerr FILE: python's json error position, "LINE:COL".
pyerr() { python3 -c 'import json,sys
try: json.load(open(sys.argv[1]))
except json.JSONDecodeError as e: print("%d:%d" % (e.lineno, e.colno))' "$1"; }

# Syntax: a missing comma in a site; python places the error.
python3 - "$site" <<'EOF'
import sys
t = open(sys.argv[1]).read()
i = t.index('"roles"')
j = t.rindex(',', 0, i)
open('syntax.site.json', 'w').write(t[:j] + t[j + 1:])
EOF
at=$(pyerr syntax.site.json)
if run site-syntax 2 -- "$ws" audit --rules "$pack" --site syntax.site.json -o s1.json good.pcap; then
    has site-syntax-message "wirespec: error: syntax.site.json:$at: invalid JSON: object value separator ',' expected"
fi
absent site-syntax s1.json
# Comments are not JSON (RFC 8259); json-c would take them without its strict mode.
printf '{"name": "x", /* a comment */ "hosts": []}\n' > comment.site.json
if run site-comment 2 -- "$ws" audit --rules "$pack" --site comment.site.json -o s2.json good.pcap; then
    has site-comment-message "wirespec: error: comment.site.json:1:15: invalid JSON"; fi
absent site-comment s2.json
# Wrong types and an unknown key.
python3 - "$site" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d['hosts'][0]['match'] = 7
d['hosts'][1]['roles'] = 'prysm-cloud'
d['colour'] = 'red'
json.dump(d, open('types.site.json', 'w'), indent=2)
EOF
if run site-types 2 -- "$ws" audit --rules "$pack" --site types.site.json -o s3.json good.pcap; then
    has site-type-match "wirespec: error: types.site.json: hosts[0]: match: expected a string (an address, a CIDR prefix or a DNS name pattern), got a number"
    has site-type-roles "types.site.json: hosts[1] (\"$(jget "$site" 'd["hosts"][1]["match"]')\"): roles: expected a non-empty list of role names, got a string"
    has site-unknown-key "wirespec: error: types.site.json: colour: unknown key (expected one of: name, hosts, settings, features, absent_roles)"
fi
absent site-types s3.json
# A key given twice: json-c would keep the second silently.
python3 - "$site" <<'EOF' > dup.places
import sys
t = open(sys.argv[1]).read()
i = t.index('"match"')
t = t[:i] + '"location": "first", ' + t[i:]
j = t.index('}', i)
t = t[:j] + ', "location": "second"' + t[j:]
open('dup.site.json', 'w').write(t)
print(i, j + 2)
EOF
read -r first second < dup.places
p1=$(pos dup.site.json "$first"); p2=$(pos dup.site.json "$second")
if run site-duplicate 2 -- "$ws" audit --rules "$pack" --site dup.site.json -o s4.json good.pcap; then
    has site-duplicate-message "wirespec: error: dup.site.json:$p2: hosts[0]: duplicate key \"location\" (also at line ${p1%:*}, column ${p1#*:}; only one of the two values would be used)"
fi
absent site-duplicate s4.json

# The same in a pack: a duplicate "id" in the first rule, a wrong type, an
# unknown key, and invalid UTF-8.
python3 - "$pack" <<'EOF' > pack.places
import sys
t = open(sys.argv[1], encoding='utf-8').read()
r = t.index('{', t.index('"rules"'))
dup = t[:r + 1] + ' "id": "copy.of.id",' + t[r + 1:]
open('dup.pack.json', 'w', encoding='utf-8').write(dup)
second = dup.index('"id"', r + 10)
wrong = t.replace('"transport": "tcp"', '"transport": 6', 1).replace('"requirement"', '"colour": "red", "requirement"', 1)
open('wrong.pack.json', 'w', encoding='utf-8').write(wrong)
open('utf8.pack.json', 'wb').write(t.replace('"vendor": "', '"vendor": "\udcff', 1).encode('utf-8', 'surrogateescape'))
print(r + 2, second)
EOF
read -r first second < pack.places
p1=$(pos dup.pack.json "$first"); p2=$(pos dup.pack.json "$second")
if run pack-duplicate 2 -- "$ws" audit --rules dup.pack.json -o p1.json good.pcap; then
    has pack-duplicate-message "wirespec: error: dup.pack.json:$p2: rules[0]: duplicate key \"id\" (also at line ${p1%:*}, column ${p1#*:}; only one of the two values would be used)"
fi
absent pack-duplicate p1.json
if run pack-types 2 -- "$ws" audit --rules wrong.pack.json -o p2.json good.pcap; then
    has pack-type "wirespec: error: wrong.pack.json: rule \"$rule0\": transport: expected a string, got a number"
    has pack-unknown-key "wirespec: error: wrong.pack.json: rule \"$rule0\": colour: unknown key (expected one of: id, from, to"
fi
absent pack-types p2.json
# json-c stops at the bad byte: python finds it.
at=$(python3 -c 'import sys; t=open(sys.argv[1],"rb").read(); i=t.index(b"\xff"); p=t[:i]; print("%d:%d" % (p.count(b"\n")+1, i-p.rfind(b"\n")))' utf8.pack.json)
if run pack-utf8 2 -- "$ws" audit --rules utf8.pack.json -o p3.json good.pcap; then
    has pack-utf8-message "wirespec: error: utf8.pack.json:$at: invalid JSON: invalid utf-8 string"
fi
absent pack-utf8 p3.json

# ---- options -----------------------------------------------------------------
if run output-twice 2 -- "$ws" audit -o o1.json -o o2.json good.pcap; then
    has output-twice-message 'wirespec audit: --output given twice ("o1.json", then "o2.json"); give it once'; fi
absent output-twice o1.json o2.json
if run format-twice 2 -- "$ws" audit -f json --format text -o o3 good.pcap; then
    has format-twice-message 'wirespec audit: --format given twice ("json", then "text"); give it once'; fi
if run fail-on-twice 2 -- "$ws" audit --fail-on high --fail-on low -o o4 good.pcap; then
    has fail-on-twice-message 'wirespec audit: --fail-on given twice ("high", then "low"); give it once'; fi
if run site-twice 2 -- "$ws" audit --site "$site" --site "$site" -o o5 good.pcap; then
    has site-twice-message "wirespec audit: --site given twice"; fi
if run filter-twice 2 -- "$ws" audit --filter udp --filter tcp -o o6 good.pcap; then
    has filter-twice-message 'wirespec audit: --filter given twice ("udp", then "tcp"); give it once'; fi
if run limit-twice 2 -- "$ws" audit --limit max_flows=10 --limit max_flows=20 -o o7 good.pcap; then
    has limit-twice-message "wirespec audit: --limit max_flows given twice; give it once"; fi
absent options-no-output o3 o4 o5 o6 o7
cp good.pcap keep.pcap
if run output-is-input 2 -- "$ws" audit -o keep.pcap keep.pcap; then
    has output-is-input-message "wirespec audit: --output keep.pcap is also the input keep.pcap: the report would replace it"
    cmp -s keep.pcap good.pcap && ok "output-is-input: the capture is untouched" || bad "output-is-input: the capture changed"
fi
cp "$site" mysite.json
if run output-is-site 2 -- "$ws" audit --rules "$pack" --site mysite.json -o mysite.json good.pcap; then
    has output-is-site-message "wirespec audit: --output mysite.json is also the site file mysite.json"; fi
if run update-with-junit 2 -- "$ws" test --update --junit j.xml "$src/captures/lab"; then
    has update-with-junit-message "wirespec test: --update and --junit exclude each other"; fi
absent update-with-junit j.xml

# ---- outputs that cannot be written ------------------------------------------
if run output-no-dir 2 -- "$ws" audit -o no/such/r.json good.pcap; then
    has output-no-dir-message "wirespec audit: cannot write no/such/r.json: No such file or directory"; fi
if run output-under-file 2 -- "$ws" audit -o good.pcap/r.json good.pcap; then
    has output-under-file-message "wirespec audit: cannot write good.pcap/r.json: Not a directory"; fi
if run output-directory 2 -- "$ws" audit -o dir good.pcap; then
    has output-directory-message "wirespec audit: cannot write dir: Is a directory"; fi
if [ -w /dev/full ]; then
    if run output-full 2 -- "$ws" audit --format json -o /dev/full good.pcap; then
        has output-full-message "wirespec audit: writing /dev/full: No space left on device"; fi
    if run stdout-full 2 -- sh -c "\"$ws\" audit --format json good.pcap > /dev/full"; then
        has stdout-full-message "wirespec audit: writing the report: No space left on device"; fi
fi
ls | grep -q '\.tmp\.' && bad "a temporary report file was left: $(ls | grep '\.tmp\.')" || ok "no temporary report file left"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
