#!/bin/bash
# dns-then-tls.sh — records dns-then-tls.pcap: the client resolves
# api.prysm.com (DNS A query and answer, RFC 1035) through glibc, then opens a
# TLS 1.3 connection to the answered address with server_name api.prysm.com
# (RFC 6066 section 3).
#
# cli (10.99.6.2) --veth-- srv (10.99.6.53: dnsmasq; 10.99.6.10: openssl s_server -rev on 443)
# dnsmasq answers only from --host-record=api.prysm.com,10.99.6.10 (TTL 300).
# The client is `openssl s_client -4 -connect api.prysm.com:443`, with
# /etc/resolv.conf replaced (private mount) by "nameserver 10.99.6.53".
# Recorded on cli's interface.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_init
command -v dnsmasq >/dev/null || lab_die "missing program: dnsmasq"

lab_ns cli
lab_ns srv
lab_wire cli eth0 10.99.6.2/24 srv eth0 10.99.6.53/24
lab_addr srv eth0 10.99.6.10/24
lab_neigh cli eth0 10.99.6.10 "$(lab_mac_of srv eth0)"

lab_bg dns srv timeout 20 dnsmasq --keep-in-foreground --conf-file=/dev/null \
	--no-resolv --no-hosts --no-poll --bind-interfaces --listen-address=10.99.6.53 \
	--port=53 --user=root --pid-file= --local-ttl=300 --log-queries --log-facility=- \
	--host-record=api.prysm.com,10.99.6.10
lab_wait_for "$LAB_TMP/dns.log" "started" 5 || lab_die "dnsmasq did not start: $(cat "$LAB_TMP/dns.log")"
lab_tls_cert api api.prysm.com
lab_tls_server tls srv 443 api
printf 'nameserver 10.99.6.53\noptions attempts:1 timeout:2\n' >"$LAB_TMP/resolv.conf"

lab_record_start dns-then-tls cli eth0 "$LAB_FILTER_DEFAULT"
rec=$LAB_LAST_PID
(echo "wirespec lab"; sleep 0.5; echo Q) | lab_in_resolv cli "$LAB_TMP/resolv.conf" \
	timeout 5 openssl s_client -4 -connect api.prysm.com:443 -bind 10.99.6.2:40031 \
	-servername api.prysm.com >"$LAB_TMP/client.log" 2>&1 ||
	lab_die "s_client failed: $(tail -5 "$LAB_TMP/client.log")"
grep -q "bal cepseriw" "$LAB_TMP/client.log" || lab_die "no reply from s_server"
lab_record_stop "$rec" dns-then-tls
