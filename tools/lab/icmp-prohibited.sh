#!/bin/bash
# icmp-prohibited.sh — records icmp-prohibited.pcap: TCP and UDP attempts that a
# router rejects with ICMP destination unreachable (RFC 792; code 13
# "communication administratively prohibited", RFC 1812 section 5.2.7.1),
# plus a UDP attempt the router rejects with code 3 "port unreachable".
#
# cli (10.99.5.2) -- rtr (10.99.5.1 | 10.99.50.1) -- srv (10.99.50.2)
# rtr FORWARD rules:
#   tcp dport 5061 -> REJECT --reject-with icmp-admin-prohibited
#   udp dport 5060 -> REJECT --reject-with icmp-admin-prohibited
#   udp dport 5070 -> REJECT --reject-with icmp-port-unreachable
# Attempts, in order: TCP 40011->5061, UDP 40012->5060, UDP 40013->5070.
# Recorded on cli's interface.
#
# Then icmp6-prohibited.pcap, the same over IPv6 (RFC 4443 section 3.1: type 1
# code 1 "communication with destination administratively prohibited", code 4
# "port unreachable"): cli fd99:5::2 -- rtr fd99:5::1 | fd99:50::1 -- srv fd99:50::2,
# ip6tables REJECT --reject-with icmp6-adm-prohibited / icmp6-port-unreachable,
# same ports, source ports 40014, 40015, 40016.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_init

lab_ns cli
lab_ns rtr
lab_ns srv
lab_wire cli eth0 10.99.5.2/24 rtr eth0 10.99.5.1/24
lab_wire rtr eth1 10.99.50.1/24 srv eth0 10.99.50.2/24
lab_wire_more cli eth0 fd99:5::2/64 rtr eth0 fd99:5::1/64
lab_wire_more rtr eth1 fd99:50::1/64 srv eth0 fd99:50::2/64
lab_route cli default 10.99.5.1
lab_route srv default 10.99.50.1
lab_route cli default fd99:5::1
lab_route srv default fd99:50::1
lab_forward rtr
lab_in rtr iptables -A FORWARD -p tcp -d 10.99.50.2 --dport 5061 -j REJECT --reject-with icmp-admin-prohibited
lab_in rtr iptables -A FORWARD -p udp -d 10.99.50.2 --dport 5060 -j REJECT --reject-with icmp-admin-prohibited
lab_in rtr iptables -A FORWARD -p udp -d 10.99.50.2 --dport 5070 -j REJECT --reject-with icmp-port-unreachable
lab_in rtr ip6tables -A FORWARD -p tcp -d fd99:50::2 --dport 5061 -j REJECT --reject-with icmp6-adm-prohibited
lab_in rtr ip6tables -A FORWARD -p udp -d fd99:50::2 --dport 5060 -j REJECT --reject-with icmp6-adm-prohibited
lab_in rtr ip6tables -A FORWARD -p udp -d fd99:50::2 --dport 5070 -j REJECT --reject-with icmp6-port-unreachable

lab_record_start icmp-prohibited cli eth0 "$LAB_FILTER_DEFAULT"
rec=$LAB_LAST_PID
lab_in cli timeout 4 socat -u OPEN:/dev/null TCP:10.99.50.2:5061,sourceport=40011,connect-timeout=3 \
	>"$LAB_TMP/tcp.log" 2>&1 && lab_die "TCP 5061 unexpectedly connected"
grep -q 'No route to host' "$LAB_TMP/tcp.log" ||
	lab_die "TCP 5061: expected 'No route to host', got: $(cat "$LAB_TMP/tcp.log")"
# One datagram each; socat waits 1 s for an answer (none comes: ICMP instead).
echo "wirespec lab" | lab_in cli timeout 3 socat -t 1 - UDP:10.99.50.2:5060,sourceport=40012 \
	>"$LAB_TMP/udp1.log" 2>&1 || true
echo "wirespec lab" | lab_in cli timeout 3 socat -t 1 - UDP:10.99.50.2:5070,sourceport=40013 \
	>"$LAB_TMP/udp2.log" 2>&1 || true
lab_record_stop "$rec" icmp-prohibited

lab_record_start icmp6-prohibited cli eth0 "$LAB_FILTER_DEFAULT"
rec=$LAB_LAST_PID
lab_in cli timeout 4 socat -u OPEN:/dev/null TCP6:[fd99:50::2]:5061,sourceport=40014,connect-timeout=3 \
	>"$LAB_TMP/tcp6.log" 2>&1 && lab_die "TCP6 5061 unexpectedly connected"
grep -q 'Permission denied' "$LAB_TMP/tcp6.log" ||
	lab_die "TCP6 5061: expected 'Permission denied', got: $(cat "$LAB_TMP/tcp6.log")"
echo "wirespec lab" | lab_in cli timeout 3 socat -t 1 - UDP6:[fd99:50::2]:5060,sourceport=40015 \
	>"$LAB_TMP/udp61.log" 2>&1 || true
echo "wirespec lab" | lab_in cli timeout 3 socat -t 1 - UDP6:[fd99:50::2]:5070,sourceport=40016 \
	>"$LAB_TMP/udp62.log" 2>&1 || true
lab_record_stop "$rec" icmp6-prohibited
