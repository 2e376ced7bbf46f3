#!/bin/bash
# ike-nat.sh — records ike-nat.pcap (outside the NAT) and ike-nat-inside.pcap
# (inside): one strongSwan IKEv2 exchange through a router doing iptables
# MASQUERADE for the initiator (RFC 7296 section 2.23 NAT detection, then
# UDP encapsulation of ESP on port 4500, RFC 3948).
#
# ini (10.99.2.2) -- rtr (10.99.2.1 | 10.99.20.1, MASQUERADE out eth1) -- rsp (10.99.20.2)
# Both charons use kernel-libipsec (userspace ESP, ESP-in-UDP only): after
# IKE_SA_INIT the NAT-D hashes do not match, both move to UDP 4500 and the
# CHILD_SA 10.99.101.1/32 <=> 10.99.102.1/32 carries one short TCP echo
# exchange (socat) as ESP-in-UDP.
# The initiator then deletes the IKE_SA.
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
# inner (tunnelled) addresses
lab_in ini ip addr add 10.99.101.1/32 dev lo
lab_in rsp ip addr add 10.99.102.1/32 dev lo

lab_ike_conf ini 10.99.2.2 10.99.20.2 initiator.lab.example responder.lab.example \
	10.99.101.1/32 10.99.102.1/32
lab_ike_conf rsp 10.99.20.2 %any responder.lab.example initiator.lab.example \
	10.99.102.1/32 10.99.101.1/32
LAB_CHARON_PLUGINS="kernel-libipsec $LAB_CHARON_PLUGINS"
lab_charon ini ini
lab_charon rsp rsp
lab_swanctl_load ini
lab_swanctl_load rsp

lab_record_start ike-nat rsp eth0 "$LAB_FILTER_DEFAULT"
rec_out=$LAB_LAST_PID
lab_record_start ike-nat-inside ini eth0 "$LAB_FILTER_DEFAULT"
rec_in=$LAB_LAST_PID

lab_swanctl ini --initiate --child lab --timeout 20 >"$LAB_TMP/initiate.log" 2>&1 ||
	lab_die "initiate failed: $(cat "$LAB_TMP/initiate.log")"
lab_wait_for "$LAB_TMP/ini/charon.log" "CHILD_SA lab{1} established" 10 ||
	lab_die "CHILD_SA not established: $(tail -20 "$LAB_TMP/ini/charon.log")"
# one short TCP echo exchange through the tunnel (socat PIPE echoes)
lab_bg echo rsp timeout 15 socat TCP-LISTEN:7777,bind=10.99.102.1,reuseaddr PIPE
lab_wait_for_listen rsp 7777 5 || lab_die "echo server did not start"
echo "wirespec lab tunnel test" | lab_in ini timeout 5 \
	socat -t 1 - TCP:10.99.102.1:7777,bind=10.99.101.1 >"$LAB_TMP/echo.out" 2>&1 ||
	lab_die "TCP echo through the tunnel failed: $(cat "$LAB_TMP/echo.out")"
grep -q "wirespec lab tunnel test" "$LAB_TMP/echo.out" ||
	lab_die "no echo through the tunnel: $(cat "$LAB_TMP/echo.out")"
lab_swanctl ini --terminate --ike lab --timeout 10 >"$LAB_TMP/terminate.log" 2>&1 || true
lab_record_stop "$rec_out" ike-nat
lab_record_stop "$rec_in" ike-nat-inside
