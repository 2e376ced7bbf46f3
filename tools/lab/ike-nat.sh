#!/bin/bash
# ike-nat.sh — strongSwan IKEv2 through a router doing iptables MASQUERADE for
# the initiator (RFC 7296 section 2.23 NAT detection; RFC 3948 UDP
# encapsulation of ESP on port 4500). Two runs, fresh charons each time:
#
# ini (10.99.2.2) -- rtr (10.99.2.1 | 10.99.20.1, MASQUERADE out eth1) -- rsp (10.99.20.2)
#
# 1. ike-nat.pcap (recorded on rsp, outside the NAT) and ike-nat-inside.pcap
#    (recorded on ini, inside): plain charons (kernel-netlink). The NAT-D
#    hashes are honest: the request's NAT_DETECTION_SOURCE_IP was computed over
#    10.99.2.2:500, which the responder sees as 10.99.20.1:500, so both move to
#    UDP 4500 for IKE_AUTH. The kernel has no ESP (CONFIG_INET_ESP unset): the
#    responder cannot install the CHILD_SA and answers NO_PROPOSAL_CHOSEN; the
#    IKE_SA stands, and the initiator deletes it. Same exchange, two vantage
#    points: same SPIs, different initiator address.
# 2. ike-nat-esp.pcap (recorded on rsp, outside): both charons with
#    kernel-libipsec (userspace ESP, ESP-in-UDP only). Because that backend
#    requires UDP encapsulation, strongSwan sends a random
#    NAT_DETECTION_SOURCE_IP on both sides (it fakes a NAT to force 4500).
#    The CHILD_SA 10.99.101.1/32 <=> 10.99.102.1/32 carries one short TCP echo
#    exchange (socat) as ESP-in-UDP on 4500; then the initiator deletes the IKE_SA.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_init
[ -c /dev/net/tun ] || lab_die "kernel-libipsec needs /dev/net/tun"

lab_ns ini
lab_ns rtr
lab_ns rsp
lab_wire ini eth0 10.99.2.2/24 rtr eth0 10.99.2.1/24
lab_wire rtr eth1 10.99.20.1/24 rsp eth0 10.99.20.2/24
lab_route ini default 10.99.2.1
lab_forward rtr
lab_in rtr iptables -t nat -A POSTROUTING -o eth1 -s 10.99.2.0/24 -j MASQUERADE
# inner (tunnelled) addresses for run 2
lab_in ini ip addr add 10.99.101.1/32 dev lo
lab_in rsp ip addr add 10.99.102.1/32 dev lo

# ike_pair INI_TAG RSP_TAG: configure and start one charon in ini and one in rsp.
ike_pair() {
	lab_ike_conf "$1" 10.99.2.2 10.99.20.2 initiator.lab.example responder.lab.example \
		10.99.101.1/32 10.99.102.1/32
	lab_ike_conf "$2" 10.99.20.2 %any responder.lab.example initiator.lab.example \
		10.99.102.1/32 10.99.101.1/32
	lab_charon "$1" ini
	charon_ini=$LAB_LAST_PID
	lab_charon "$2" rsp
	charon_rsp=$LAB_LAST_PID
	lab_swanctl_load "$1"
	lab_swanctl_load "$2"
}

# --- run 1: honest NAT-D, IKE only -------------------------------------------
ike_pair ini1 rsp1
lab_record_start ike-nat rsp eth0 "$LAB_FILTER_DEFAULT"
rec_out=$LAB_LAST_PID
lab_record_start ike-nat-inside ini eth0 "$LAB_FILTER_DEFAULT"
rec_in=$LAB_LAST_PID
lab_swanctl ini1 --initiate --child lab --timeout 20 >"$LAB_TMP/initiate1.log" 2>&1 || true
lab_wait_for "$LAB_TMP/ini1/charon.log" "IKE_SA lab\[1\] established" 10 ||
	lab_die "IKE_SA not established: $(tail -20 "$LAB_TMP/ini1/charon.log")"
grep -q "remote host is behind NAT" "$LAB_TMP/rsp1/charon.log" ||
	lab_die "responder did not detect the NAT"
grep -q "local host is behind NAT" "$LAB_TMP/ini1/charon.log" ||
	lab_die "initiator did not detect the NAT"
grep -q "unable to install inbound and outbound IPsec SA" "$LAB_TMP/rsp1/charon.log" ||
	lab_die "expected the responder to fail installing the CHILD_SA (no kernel ESP)"
lab_swanctl ini1 --terminate --ike lab --timeout 10 >"$LAB_TMP/terminate1.log" 2>&1 || true
lab_record_stop "$rec_out" ike-nat
lab_record_stop "$rec_in" ike-nat-inside
lab_stop "$charon_ini"
lab_stop "$charon_rsp"

# --- run 2: kernel-libipsec, ESP in UDP ---------------------------------------
LAB_CHARON_PLUGINS="kernel-libipsec $LAB_CHARON_PLUGINS"
ike_pair ini2 rsp2
lab_record_start ike-nat-esp rsp eth0 "$LAB_FILTER_DEFAULT"
rec_out=$LAB_LAST_PID
lab_swanctl ini2 --initiate --child lab --timeout 20 >"$LAB_TMP/initiate2.log" 2>&1 ||
	lab_die "initiate failed: $(cat "$LAB_TMP/initiate2.log")"
lab_wait_for "$LAB_TMP/ini2/charon.log" "CHILD_SA lab{1} established" 10 ||
	lab_die "CHILD_SA not established: $(tail -20 "$LAB_TMP/ini2/charon.log")"
# one short TCP echo exchange through the tunnel (socat PIPE echoes)
lab_bg echo rsp timeout 15 socat TCP-LISTEN:7777,bind=10.99.102.1,reuseaddr PIPE
lab_wait_for_listen rsp 7777 5 || lab_die "echo server did not start"
echo "wirespec lab tunnel test" | lab_in ini timeout 5 \
	socat -t 1 - TCP:10.99.102.1:7777,bind=10.99.101.1 >"$LAB_TMP/echo.out" 2>&1 ||
	lab_die "TCP echo through the tunnel failed: $(cat "$LAB_TMP/echo.out")"
grep -q "wirespec lab tunnel test" "$LAB_TMP/echo.out" ||
	lab_die "no echo through the tunnel: $(cat "$LAB_TMP/echo.out")"
lab_swanctl ini2 --terminate --ike lab --timeout 10 >"$LAB_TMP/terminate2.log" 2>&1 || true
lab_record_stop "$rec_out" ike-nat-esp
