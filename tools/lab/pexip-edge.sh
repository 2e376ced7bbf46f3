#!/bin/bash
# pexip-edge.sh — records pexip-edge.pcap: two Pexip Proxying Edge Nodes in a
# DMZ and a Transcoding Conferencing Node inside; an external endpoint reaches
# one edge node on HTTPS, and the edge node relays to the Conferencing Node
# inside IPsec. The two edge nodes never talk to each other (the site puts
# them in different locations, which the document exempts from the full mesh).
#
#   edge1 10.99.17.2 (Proxying Edge Node) \
#   edge2 10.99.17.3 (Proxying Edge Node) /- br0 10.99.17.1 in rtr
#   rtr eth1 10.99.19.1 -- conf 10.99.19.2 (Transcoding Conferencing Node)
#   rtr eth2 10.99.18.1 -- ept  10.99.18.2 (external endpoint)
#
# 1. conf initiates IKEv2 to edge1, then to edge2, on UDP 500, no NAT
#    (RFC 7296); each CHILD_SA is refused (no kernel ESP), each IKE_SA deleted.
# 2. ESP (IP protocol 50, RFC 4303, written by scapy) conf <-> edge2, 3 each way.
# 3. ept opens TLS 1.3 to edge1:443 from port 40443 (SNI meet.lab.example):
#    one line each way, close_notify, FIN.
# 4. The relay: ESP edge1 -> conf and conf -> edge1, 3 each way.
# Recorded at the router on br0: every packet to or from an edge node crosses it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pexip.sh"
lab_init

for n in rtr edge1 edge2 conf ept; do lab_ns "$n"; done
pex_lan rtr 10.99.17.1/24 edge1=10.99.17.2/24 edge2=10.99.17.3/24
lab_wire rtr eth1 10.99.19.1/24 conf eth0 10.99.19.2/24
lab_route conf default 10.99.19.1
lab_wire rtr eth2 10.99.18.1/24 ept eth0 10.99.18.2/24
lab_route ept default 10.99.18.1
lab_forward rtr
for n in edge1 edge2 conf; do pex_esp_sink "$n"; done

pex_ike_conf conf 10.99.19.2 conf.pexip.lab.example \
	edge1=10.99.17.2=edge1.pexip.lab.example edge2=10.99.17.3=edge2.pexip.lab.example
pex_ike_conf edge1 10.99.17.2 edge1.pexip.lab.example conf=10.99.19.2=conf.pexip.lab.example
pex_ike_conf edge2 10.99.17.3 edge2.pexip.lab.example conf=10.99.19.2=conf.pexip.lab.example
for n in conf edge1 edge2; do lab_charon "$n" "$n"; done
for n in conf edge1 edge2; do lab_swanctl_load "$n"; done
lab_tls_cert meet meet.lab.example
lab_tls_server tls edge1 443 meet

lab_record_start pexip-edge rtr br0 "$LAB_FILTER_DEFAULT"
rec=$LAB_LAST_PID

# 1. IKE conf -> edge1, conf -> edge2
pex_ike_up conf edge1 1
pex_ike_down conf edge1
pex_ike_up conf edge2 2
pex_ike_down conf edge2
# 2. ESP conf <-> edge2
pex_esp conf 10.99.19.2 10.99.17.3 0xc2000001 1 3
pex_esp edge2 10.99.17.3 10.99.19.2 0xe2000001 1 3
# 3. the endpoint's HTTPS to edge1
(echo "wirespec lab"; sleep 0.5; echo Q) | lab_in ept timeout 5 openssl s_client \
	-connect 10.99.17.2:443 -bind 10.99.18.2:40443 -servername meet.lab.example \
	>"$LAB_TMP/tls-client.log" 2>&1 || lab_die "s_client failed: $(tail -5 "$LAB_TMP/tls-client.log")"
grep -q "bal cepseriw" "$LAB_TMP/tls-client.log" || lab_die "no reply from s_server"
# 4. edge1 relays to conf over ESP
pex_esp edge1 10.99.17.2 10.99.19.2 0xe1000001 1 3
pex_esp conf 10.99.19.2 10.99.17.2 0xc1000001 1 3
grep -q "received packet: from 10.99.17" "$LAB_TMP/edge1/charon.log" &&
	lab_die "edge1 received IKE from an edge node"
lab_record_stop "$rec" pexip-edge
