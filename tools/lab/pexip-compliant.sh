#!/bin/bash
# pexip-compliant.sh — records pexip-compliant.pcap: only traffic that the
# Pexip Infinity port document (seeds/001, "Pexip Infinity port usage and
# firewall guidance") allows, seen on the Conferencing Node.
#
#   mgmt 10.99.10.2 (Management Node)    \
#   conf 10.99.10.3 (Conferencing Node)   |- br0 10.99.10.1 in rtr -- eth1 10.99.11.1 -- ept 10.99.11.2 (endpoint)
#   dns  10.99.10.53 (dnsmasq)            |
#   log  10.99.10.54 (syslog receiver)   /
#
# 1. IKEv2 mgmt -> conf on UDP 500 both ways, no NAT (RFC 7296); the CHILD_SA
#    is refused (no kernel ESP) and the IKE_SA deleted.
# 2. ESP (IP protocol 50, RFC 4303) both ways between mgmt and conf, written by
#    scapy (the kernel has no ESP): 3 packets each way.
# 3. conf asks dns for syslog.lab.example (A) from UDP port 55053 and gets
#    10.99.10.54 (RFC 1035).
# 4. conf sends one syslog message from UDP port 55514 to log:514 (RFC 5424
#    format over UDP, RFC 5426).
# 5. ept opens TLS to conf:443 from port 40443 (SNI meet.lab.example), one
#    line each way, close_notify and FIN.
# Recorded on conf eth0.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pexip.sh"
lab_init
command -v dnsmasq >/dev/null || lab_die "missing program: dnsmasq"

for n in rtr mgmt conf dns log ept; do lab_ns "$n"; done
pex_lan rtr 10.99.10.1/24 mgmt=10.99.10.2/24 conf=10.99.10.3/24 \
	dns=10.99.10.53/24 log=10.99.10.54/24
lab_wire rtr eth1 10.99.11.1/24 ept eth0 10.99.11.2/24
lab_route ept default 10.99.11.1
lab_forward rtr
pex_esp_sink mgmt
pex_esp_sink conf

pex_ike_conf mgmt 10.99.10.2 mgmt.pexip.lab.example conf=10.99.10.3=conf.pexip.lab.example
pex_ike_conf conf 10.99.10.3 conf.pexip.lab.example mgmt=10.99.10.2=mgmt.pexip.lab.example
lab_charon mgmt mgmt
lab_charon conf conf
lab_swanctl_load mgmt
lab_swanctl_load conf

pex_dnsmasq dnsmasq dns 10.99.10.53 syslog.lab.example 10.99.10.54
lab_bg syslog log timeout 60 socat -u UDP-RECV:514,bind=10.99.10.54 STDOUT
lab_wait_for_udp() {
	local i
	for i in $(seq 1 50); do
		lab_in "$1" ss -Hlun "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}
lab_wait_for_udp log 514 || lab_die "syslog receiver did not start"
lab_tls_cert meet meet.lab.example
lab_tls_server tls conf 443 meet

lab_record_start pexip-compliant conf eth0 "$LAB_FILTER_DEFAULT"
rec=$LAB_LAST_PID

# 1. IKE
pex_ike_up mgmt conf 1
grep -q "unable to install inbound and outbound IPsec SA" "$LAB_TMP/conf/charon.log" ||
	lab_die "expected the responder to fail installing the CHILD_SA (no kernel ESP)"
pex_ike_down mgmt conf
# 2. ESP, 3 packets each way
pex_esp mgmt 10.99.10.2 10.99.10.3 0xc1000001 1 3
pex_esp conf 10.99.10.3 10.99.10.2 0xc2000001 1 3
# 3. DNS
pex_dns_query conf 10.99.10.3 55053 10.99.10.53 syslog.lab.example 10.99.10.54
# 4. syslog
printf '<134>1 2024-01-01T00:00:00Z conf.pexip.lab.example pexip - - - wirespec lab syslog\n' |
	lab_in conf timeout 5 socat -u - UDP:10.99.10.54:514,bind=10.99.10.3,sourceport=55514
lab_wait_for "$LAB_TMP/syslog.log" "wirespec lab syslog" 5 || lab_die "syslog message not received"
# 5. TLS from the endpoint
pex_tls_client ept 10.99.11.2:40443 10.99.10.3:443 meet.lab.example
lab_record_stop "$rec" pexip-compliant
