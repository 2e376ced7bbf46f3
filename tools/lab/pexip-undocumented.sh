#!/bin/bash
# pexip-undocumented.sh — records pexip-undocumented.pcap: an endpoint reaching
# a Pexip Conferencing Node on ports the Pexip port document (seeds/001) does
# not list, beside one connection it does list.
#
#   ept 10.99.11.2 -- rtr (10.99.11.1 | 10.99.10.1) -- conf 10.99.10.3
#
# 1. ept -> conf TCP 3389 from port 40389: socat listens on conf and echoes;
#    the connection is established, one line goes each way (the client waits
#    0.3 s for the echo before its FIN), both sides close.
# 2. ept -> conf TCP 23 from port 40023: nothing listens; conf answers RST,ACK
#    (RFC 9293 section 3.10.7.1).
# 3. ept -> conf TLS on TCP 443 from port 40443 (SNI meet.lab.example), one
#    line each way, close_notify and FIN (allowed: Endpoint -> Conferencing
#    Node 443).
# Recorded on conf eth0.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pexip.sh"
lab_init

for n in ept rtr conf; do lab_ns "$n"; done
lab_wire ept eth0 10.99.11.2/24 rtr eth1 10.99.11.1/24
lab_wire rtr eth0 10.99.10.1/24 conf eth0 10.99.10.3/24
lab_route ept default 10.99.11.1
lab_route conf default 10.99.10.1
lab_forward rtr

lab_bg rdp conf timeout 30 socat TCP-LISTEN:3389,bind=10.99.10.3,reuseaddr PIPE
lab_wait_for_listen conf 3389 5 || lab_die "listener on conf:3389 did not start"
lab_tls_cert meet meet.lab.example
lab_tls_server tls conf 443 meet

lab_record_start pexip-undocumented conf eth0 "$LAB_FILTER_DEFAULT"
rec=$LAB_LAST_PID

# 1. TCP 3389, established, one line echoed
(echo "wirespec lab"; sleep 0.3) | lab_in ept timeout 5 socat -t 1 - \
	TCP:10.99.10.3:3389,bind=10.99.11.2,sourceport=40389 >"$LAB_TMP/rdp.out" 2>&1 ||
	lab_die "TCP 3389 failed: $(cat "$LAB_TMP/rdp.out")"
grep -q "wirespec lab" "$LAB_TMP/rdp.out" || lab_die "no echo on 3389: $(cat "$LAB_TMP/rdp.out")"
sleep 0.3
# 2. TCP 23, refused
if lab_in ept timeout 4 socat -u OPEN:/dev/null TCP:10.99.10.3:23,bind=10.99.11.2,sourceport=40023 \
	>"$LAB_TMP/telnet.log" 2>&1; then
	lab_die "connect to 10.99.10.3:23 unexpectedly succeeded"
fi
grep -q 'Connection refused' "$LAB_TMP/telnet.log" ||
	lab_die "expected 'Connection refused', got: $(cat "$LAB_TMP/telnet.log")"
# 3. TLS 443
pex_tls_client ept 10.99.11.2:40443 10.99.10.3:443 meet.lab.example
lab_record_stop "$rec" pexip-undocumented
