#!/bin/bash
# tcp-dropped.sh — records tcp-dropped.pcap: a TCP connect silently dropped by
# an iptables DROP rule in a router; the client retransmits its SYN (RFC 6298
# section 5, RFC 9293 section 3.8.1) and gives up after 3.5 s.
#
# cli (10.99.4.2) -- rtr (10.99.4.1 | 10.99.40.1, FORWARD DROP tcp dport 443) -- srv (10.99.40.2)
# srv does listen on 443: the failure is the firewall's. Recorded on cli's interface.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_init

lab_ns cli
lab_ns rtr
lab_ns srv
lab_wire cli eth0 10.99.4.2/24 rtr eth0 10.99.4.1/24
lab_wire rtr eth1 10.99.40.1/24 srv eth0 10.99.40.2/24
lab_route cli default 10.99.4.1
lab_route srv default 10.99.40.1
lab_forward rtr
lab_in rtr iptables -A FORWARD -p tcp -d 10.99.40.2 --dport 443 -j DROP

lab_bg listener srv timeout 20 socat TCP-LISTEN:443,reuseaddr PIPE
lab_wait_for_listen srv 443 5 || lab_die "listener on srv:443 did not start"

lab_record_start tcp-dropped cli eth0 "$LAB_FILTER_DEFAULT"
rec=$LAB_LAST_PID
if lab_in cli timeout 4 socat -u OPEN:/dev/null \
	TCP:10.99.40.2:443,sourceport=40002,connect-timeout=3.5 >"$LAB_TMP/client.log" 2>&1; then
	lab_die "connect to 10.99.40.2:443 unexpectedly succeeded"
fi
lab_record_stop "$rec" tcp-dropped
