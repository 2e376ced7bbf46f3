#!/bin/bash
# tls-sni-only.sh — records tls-sni-only.pcap: one TLS 1.3 connection whose
# ClientHello carries server_name streaming-eu1.cloud.prysm.com (RFC 6066
# section 3, RFC 8446); no DNS in the capture (the client connects by address).
#
# cli (10.99.7.2) --veth-- srv (10.99.7.10): openssl s_server -rev on 443;
# openssl s_client sends one line, reads it back reversed, then quits (close_notify, FIN).
# Recorded on cli's interface.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_init

lab_ns cli
lab_ns srv
lab_wire cli eth0 10.99.7.2/24 srv eth0 10.99.7.10/24
lab_tls_cert stream streaming-eu1.cloud.prysm.com
lab_tls_server tls srv 443 stream

lab_record_start tls-sni-only cli eth0 "$LAB_FILTER_DEFAULT"
rec=$LAB_LAST_PID
(echo "wirespec lab"; sleep 0.5; echo Q) | lab_in cli timeout 5 openssl s_client \
	-connect 10.99.7.10:443 -bind 10.99.7.2:40021 \
	-servername streaming-eu1.cloud.prysm.com >"$LAB_TMP/client.log" 2>&1 ||
	lab_die "s_client failed: $(tail -5 "$LAB_TMP/client.log")"
grep -q "bal cepseriw" "$LAB_TMP/client.log" || lab_die "no reply from s_server"
lab_record_stop "$rec" tls-sni-only
