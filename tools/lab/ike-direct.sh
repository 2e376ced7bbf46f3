#!/bin/bash
# ike-direct.sh — records ike-direct.pcap: a strongSwan IKEv2 exchange between
# two namespaces with no NAT in between (RFC 7296; NAT detection notifies
# NAT_DETECTION_SOURCE_IP / NAT_DETECTION_DESTINATION_IP, section 2.23).
#
# ini (10.99.1.2) --veth-- rsp (10.99.1.3). PSK auth, MOBIKE off.
# The kernel has no ESP (CONFIG_INET_ESP unset), so the CHILD_SA cannot be
# installed; IKE_SA_INIT and IKE_AUTH still complete on the wire. The IKE_SA is
# then deleted by the initiator (INFORMATIONAL with a Delete payload).
# Recorded on rsp's interface.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_init

lab_ns ini
lab_ns rsp
lab_wire ini eth0 10.99.1.2/24 rsp eth0 10.99.1.3/24

lab_ike_conf ini 10.99.1.2 10.99.1.3 initiator.lab.example responder.lab.example \
	10.99.101.0/24 10.99.102.0/24
lab_ike_conf rsp 10.99.1.3 10.99.1.2 responder.lab.example initiator.lab.example \
	10.99.102.0/24 10.99.101.0/24
lab_charon ini ini
lab_charon rsp rsp
lab_swanctl_load ini
lab_swanctl_load rsp

lab_record_start ike-direct rsp eth0 "$LAB_FILTER_DEFAULT"
rec=$LAB_LAST_PID
lab_swanctl ini --initiate --child lab --timeout 20 >"$LAB_TMP/initiate.log" 2>&1 || true
lab_wait_for "$LAB_TMP/ini/charon.log" "IKE_SA lab\[1\] established" 10 ||
	lab_die "IKE_SA not established: $(tail -20 "$LAB_TMP/ini/charon.log")"
grep -q "unable to install inbound and outbound IPsec SA" "$LAB_TMP/rsp/charon.log" ||
	lab_die "expected the responder to fail installing the CHILD_SA (no kernel ESP)"
lab_swanctl ini --terminate --ike lab --timeout 10 >"$LAB_TMP/terminate.log" 2>&1 || true
lab_record_stop "$rec" ike-direct
