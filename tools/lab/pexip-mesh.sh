#!/bin/bash
# pexip-mesh.sh — records pexip-mesh.pcap: three Pexip nodes that should form
# a full IKE mesh (Pexip port document, seeds/001: "Each Conferencing Node
# must be able to reach every other Conferencing Node"), where one pair cannot
# reach each other.
#
#   A 10.99.12.2 (Management Node)    \_ br0 10.99.12.1 in rtr -- eth1 10.99.13.1 -- C 10.99.13.2 (Conferencing Node)
#   B 10.99.12.3 (Conferencing Node)  /
#   rtr: iptables -A FORWARD -p udp -s 10.99.12.3 -d 10.99.13.2 --dport 500 -j DROP
#
# 1. A -> B IKEv2 (bridged, same LAN), completes; CHILD_SA refused (no kernel
#    ESP); IKE_SA deleted. Then ESP written by scapy (lib-pexip.sh), 3 packets
#    each way: A -> B SPI 0xc1000001, B -> A SPI 0xc2000001.
# 2. A -> C IKEv2 (routed), completes likewise; ESP A -> C SPI 0xc1000002,
#    C -> A SPI 0xc2000002, 3 each way.
# 3. B -> C IKE_SA_INIT, dropped by the router: charon retransmits it twice
#    (retransmit_timeout 2.0 s, base 1.8: sends at about 0, 2.0 and 5.6 s) and
#    gives up; no answer ever.
# Recorded at the router, on br0 (promiscuous, so br0 also receives the
# frames the bridge forwards between A and B): every packet of the three pairs
# appears exactly once, routed ones as they enter or leave the LAN.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pexip.sh"
lab_init

for n in rtr a b c; do lab_ns "$n"; done
pex_lan rtr 10.99.12.1/24 a=10.99.12.2/24 b=10.99.12.3/24
lab_wire rtr eth1 10.99.13.1/24 c eth0 10.99.13.2/24
lab_route c default 10.99.13.1
lab_forward rtr
lab_in rtr iptables -A FORWARD -p udp -s 10.99.12.3 -d 10.99.13.2 --dport 500 -j DROP
for n in a b c; do pex_esp_sink "$n"; done

pex_ike_conf a 10.99.12.2 a.pexip.lab.example \
	b=10.99.12.3=b.pexip.lab.example c=10.99.13.2=c.pexip.lab.example
pex_ike_conf b 10.99.12.3 b.pexip.lab.example \
	a=10.99.12.2=a.pexip.lab.example c=10.99.13.2=c.pexip.lab.example
pex_ike_conf c 10.99.13.2 c.pexip.lab.example \
	a=10.99.12.2=a.pexip.lab.example b=10.99.12.3=b.pexip.lab.example
for n in a b c; do lab_charon "$n" "$n"; done
for n in a b c; do lab_swanctl_load "$n"; done

lab_record_start pexip-mesh rtr br0 "$LAB_FILTER_DEFAULT"
rec=$LAB_LAST_PID

pex_ike_up a b 1
pex_ike_down a b
pex_esp a 10.99.12.2 10.99.12.3 0xc1000001 1 3
pex_esp b 10.99.12.3 10.99.12.2 0xc2000001 1 3
pex_ike_up a c 2
pex_ike_down a c
pex_esp a 10.99.12.2 10.99.13.2 0xc1000002 1 3
pex_esp c 10.99.13.2 10.99.12.2 0xc2000002 1 3
lab_swanctl b --initiate --ike c --child lab --timeout 25 >"$LAB_TMP/initiate-b-c.log" 2>&1 || true
lab_wait_for "$LAB_TMP/b/charon.log" "giving up after 2 retransmits" 20 ||
	lab_die "B did not give up on C: $(tail -20 "$LAB_TMP/b/charon.log")"
grep -q "received packet: from 10.99.12.2\[500\]" "$LAB_TMP/c/charon.log" ||
	lab_die "C's log does not show A's packets"
grep -q "received packet: from 10.99.12.3" "$LAB_TMP/c/charon.log" &&
	lab_die "C received B's IKE_SA_INIT, expected the router to drop it"
n=$(lab_in rtr iptables -nvxL FORWARD | awk '$3 == "DROP" && $4 == "17" {print $1}')
[ "$n" = 3 ] || lab_die "the router dropped $n IKE packets from B, expected 3"
lab_record_stop "$rec" pexip-mesh
