#!/bin/bash
# ike-esp-oneway.sh — records ike-esp-oneway.pcap: two Pexip nodes complete
# IKEv2 on UDP 500 (RFC 7296) through a router, then send ESP (IP protocol 50,
# RFC 4303) both ways, but the router drops ESP in one direction, so the
# capture on the Management Node shows ESP leaving and none coming back.
#
#   mgmt 10.99.14.2 -- rtr (10.99.14.1 | 10.99.15.1) -- conf 10.99.15.2
#   rtr: iptables -A FORWARD -p esp -s 10.99.15.2 -d 10.99.14.2 -j DROP
#
# 1. IKEv2 mgmt -> conf, no NAT; CHILD_SA refused (no kernel ESP), IKE_SA
#    deleted.
# 2. ESP written by scapy: 3 packets mgmt -> conf (delivered, dropped by
#    conf's INPUT chain in place of an IPsec stack), then 3 packets
#    conf -> mgmt (dropped by the router).
# Recorded on mgmt eth0.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pexip.sh"
lab_init

for n in mgmt rtr conf; do lab_ns "$n"; done
lab_wire mgmt eth0 10.99.14.2/24 rtr eth0 10.99.14.1/24
lab_wire rtr eth1 10.99.15.1/24 conf eth0 10.99.15.2/24
lab_route mgmt default 10.99.14.1
lab_route conf default 10.99.15.1
lab_forward rtr
lab_in rtr iptables -A FORWARD -p esp -s 10.99.15.2 -d 10.99.14.2 -j DROP
pex_esp_sink mgmt
pex_esp_sink conf

pex_ike_conf mgmt 10.99.14.2 mgmt.pexip.lab.example conf=10.99.15.2=conf.pexip.lab.example
pex_ike_conf conf 10.99.15.2 conf.pexip.lab.example mgmt=10.99.14.2=mgmt.pexip.lab.example
lab_charon mgmt mgmt
lab_charon conf conf
lab_swanctl_load mgmt
lab_swanctl_load conf

lab_record_start ike-esp-oneway mgmt eth0 "$LAB_FILTER_DEFAULT"
rec=$LAB_LAST_PID
lab_record_start ike-esp-oneway-conf conf eth0 "$LAB_FILTER_DEFAULT"
rec_conf=$LAB_LAST_PID

pex_ike_up mgmt conf 1
grep -q "unable to install inbound and outbound IPsec SA" "$LAB_TMP/conf/charon.log" ||
	lab_die "expected the responder to fail installing the CHILD_SA (no kernel ESP)"
pex_ike_down mgmt conf
pex_esp mgmt 10.99.14.2 10.99.15.2 0xc1000001 1 3
pex_esp conf 10.99.15.2 10.99.14.2 0xc2000001 1 3
lab_record_stop "$rec" ike-esp-oneway
# The far side's view is kept only to check the drop happened at the router:
# conf did send its 3 ESP packets.
lab_record_stop "$rec_conf" ike-esp-oneway-conf ike-esp-oneway-conf.check
n=$(tshark -r "$LAB_OUT/ike-esp-oneway-conf.check" -Y 'esp and ip.src == 10.99.15.2' 2>/dev/null | wc -l)
rm -f "$LAB_OUT/ike-esp-oneway-conf.check"
[ "$n" = 3 ] || lab_die "conf sent $n ESP packets, expected 3"
n=$(lab_in rtr iptables -nvxL FORWARD | awk '$3 == "DROP" && $4 == "50" {print $1}')
[ "$n" = 3 ] || lab_die "the router dropped $n ESP packets, expected 3"
