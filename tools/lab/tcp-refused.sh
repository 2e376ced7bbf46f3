#!/bin/bash
# tcp-refused.sh — records tcp-refused.pcap: a TCP connect to a closed port,
# answered by the server's kernel with RST (RFC 9293 section 3.10.7.1).
#
# cli (10.99.3.2) --veth-- srv (10.99.3.3); nothing listens on srv:8443.
# Recorded on cli's interface.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_init

lab_ns cli
lab_ns srv
lab_wire cli eth0 10.99.3.2/24 srv eth0 10.99.3.3/24

lab_record_start tcp-refused cli eth0 "$LAB_FILTER_DEFAULT"
rec=$LAB_LAST_PID
# socat fails at once with "Connection refused"; that failure is the point.
if lab_in cli timeout 4 socat -u OPEN:/dev/null TCP:10.99.3.3:8443,sourceport=40001 \
	>"$LAB_TMP/client.log" 2>&1; then
	lab_die "connect to 10.99.3.3:8443 unexpectedly succeeded"
fi
grep -q 'Connection refused' "$LAB_TMP/client.log" ||
	lab_die "expected 'Connection refused', got: $(cat "$LAB_TMP/client.log")"
lab_record_stop "$rec" tcp-refused
