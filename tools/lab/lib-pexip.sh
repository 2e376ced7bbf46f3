# lib-pexip.sh — helpers for the Pexip Infinity lab recordings (pexip-*.sh,
# ike-esp-oneway.sh), on top of lib.sh: a bridged LAN inside a router
# namespace, strongSwan configurations with one connection per peer node, ESP
# packets sent with scapy, and a DNS query from a fixed source port.
#
# Source it after lib.sh and lab_init.
#
# The kernel has no ESP (CONFIG_INET_ESP unset): charon negotiates IKE but
# cannot install CHILD_SAs. The ESP packets (IP protocol 50, RFC 4303) are
# therefore written by scapy (tools/lab/esp-send.py) with fixed SPIs and
# sequence numbers; their payload is opaque filler, not ciphertext of any SA.
# A node that receives ESP drops it in its INPUT chain (pex_esp_sink), standing
# in for the IPsec stack that would consume it; without that rule the kernel
# would answer every ESP packet with ICMP protocol-unreachable.

LAB_PY=${LAB_PY:-/usr/bin/python3}   # Debian's python3, which has python3-scapy

# pex_lan RTR BR_ADDR/PREFIX HOST=ADDR/PREFIX...: a LAN bridged inside RTR.
# RTR gets bridge br0 (fixed MAC, address BR_ADDR) and one veth port per host
# (p1, p2, ...); each HOST gets eth0 with ADDR and a default route via
# BR_ADDR. STP and multicast snooping are off (snooping would make the
# bridge join 224.0.0.106 and send an IGMP report). Neighbour entries are
# static between every pair on the LAN (hosts and br0), so no ARP is sent.
pex_lan() {
	local rtr=$1 braddr=$2 spec h a i=0 brmac j
	shift 2
	local hosts=() addrs=() macs=()
	lab_mac brmac
	lab_in "$rtr" ip link add br0 address "$brmac" type bridge stp_state 0 mcast_snooping 0 ||
		lab_die "bridge in $rtr failed"
	lab_in "$rtr" ip link set br0 up
	lab_addr "$rtr" br0 "$braddr"
	for spec in "$@"; do
		h=${spec%%=*}; a=${spec#*=}
		i=$((i + 1))
		lab_link "$h" eth0 "$rtr" "p$i"
		lab_in "$rtr" ip link set "p$i" master br0
		lab_addr "$h" eth0 "$a"
		lab_route "$h" default "${braddr%/*}"
		hosts+=("$h"); addrs+=("${a%/*}"); macs+=("$(lab_mac_of "$h" eth0)")
	done
	for i in "${!hosts[@]}"; do
		lab_neigh "${hosts[$i]}" eth0 "${braddr%/*}" "$brmac"
		lab_neigh "$rtr" br0 "${addrs[$i]}" "${macs[$i]}"
		for j in "${!hosts[@]}"; do
			[ "$i" = "$j" ] && continue
			lab_neigh "${hosts[$i]}" eth0 "${addrs[$j]}" "${macs[$j]}"
		done
	done
}

# pex_ike_conf TAG LOCAL_ADDR LOCAL_ID PEER=ADDR=ID...: write
# $LAB_TMP/TAG/swanctl.conf with one IKEv2 connection per peer (named PEER),
# the same settings as lab_ike_conf (PSK, MOBIKE off, no fragmentation), and a
# CHILD_SA "lab" between the two node addresses (/32), and one PSK shared by
# all the IDs named.
pex_ike_conf() {
	local tag=$1 laddr=$2 lid=$3 spec name rest raddr rid n=1
	shift 3
	mkdir -p "$LAB_TMP/$tag"
	{
		echo "connections {"
		for spec in "$@"; do
			name=${spec%%=*}; rest=${spec#*=}; raddr=${rest%%=*}; rid=${rest#*=}
			cat <<CONF
	$name {
		version = 2
		local_addrs = $laddr
		remote_addrs = $raddr
		proposals = aes128-sha256-modp2048
		mobike = no
		fragmentation = no
		send_certreq = no
		send_cert = never
		dpd_delay = 0
		rekey_time = 0
		local {
			auth = psk
			id = $lid
		}
		remote {
			auth = psk
			id = $rid
		}
		children {
			lab {
				local_ts = $laddr/32
				remote_ts = $raddr/32
				esp_proposals = aes128-sha256
				mode = tunnel
				start_action = none
				rekey_time = 0
			}
		}
	}
CONF
		done
		echo "}"
		echo "secrets {"
		echo "	ike-pexip {"
		echo "		id-$n = $lid"
		for spec in "$@"; do
			rest=${spec#*=}
			n=$((n + 1))
			echo "		id-$n = ${rest#*=}"
		done
		echo "		secret = \"$LAB_IKE_PSK\""
		echo "	}"
		echo "}"
	} >"$LAB_TMP/$tag/swanctl.conf"
}

# pex_ike_up TAG CONN N: initiate connection CONN (child lab) from the charon
# TAG and wait until its log says IKE_SA CONN[N] established (N counts the
# IKE_SAs that charon has made, from 1). The responder refuses the CHILD_SA
# (no kernel ESP); the IKE_SA stands.
pex_ike_up() {
	lab_swanctl "$1" --initiate --ike "$2" --child lab --timeout 20 \
		>"$LAB_TMP/initiate-$1-$2.log" 2>&1 || true
	lab_wait_for "$LAB_TMP/$1/charon.log" "IKE_SA $2\[$3\] established" 10 ||
		lab_die "IKE_SA $2 from $1 not established: $(tail -20 "$LAB_TMP/$1/charon.log")"
}

# pex_ike_down TAG CONN: delete the IKE_SA (INFORMATIONAL with Delete).
pex_ike_down() {
	lab_swanctl "$1" --terminate --ike "$2" --timeout 10 \
		>"$LAB_TMP/terminate-$1-$2.log" 2>&1 || true
}

# pex_esp_sink NS: drop ESP arriving at NS (see the header comment).
pex_esp_sink() {
	lab_in "$1" iptables -A INPUT -p esp -j DROP
}

# pex_esp NS SRC DST SPI FIRST_SEQ COUNT: send COUNT ESP packets SRC -> DST from
# NS with scapy (tools/lab/esp-send.py), sequence numbers FIRST_SEQ...
pex_esp() {
	lab_in "$1" timeout 20 "$LAB_PY" "$LAB_DIR/esp-send.py" "$2" "$3" "$4" "$5" "$6" \
		>>"$LAB_TMP/esp.log" 2>&1 || lab_die "esp-send.py in $1 failed: $(tail -5 "$LAB_TMP/esp.log")"
}

# pex_dns_query NS SRC SPORT SERVER NAME EXPECT: one A query for NAME from
# SRC:SPORT to SERVER:53 (fixed DNS id, tools/lab/dns-query.py); dies unless
# the answer is EXPECT.
pex_dns_query() {
	lab_in "$1" timeout 10 "$LAB_PY" "$LAB_DIR/dns-query.py" "$2" "$3" "$4" "$5" \
		>"$LAB_TMP/dns-query.log" 2>&1 ||
		lab_die "DNS query failed: $(cat "$LAB_TMP/dns-query.log")"
	grep -qx "$6" "$LAB_TMP/dns-query.log" ||
		lab_die "DNS answer for $5 is not $6: $(cat "$LAB_TMP/dns-query.log")"
}

# pex_dnsmasq TAG NS LISTEN NAME ADDR: dnsmasq answering NAME -> ADDR (TTL 300)
# on LISTEN:53, nothing else (no upstream, no hosts file).
pex_dnsmasq() {
	lab_bg "$1" "$2" timeout 60 dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --no-poll --bind-interfaces --listen-address="$3" \
		--port=53 --user=root --pid-file= --local-ttl=300 --log-queries --log-facility=- \
		--host-record="$4,$5"
	lab_wait_for "$LAB_TMP/$1.log" "started" 5 || lab_die "dnsmasq did not start: $(cat "$LAB_TMP/$1.log")"
}

# pex_tls_client NS SRC:SPORT DST:PORT SNI: openssl s_client, one line each way
# with lab_tls_server's -rev server, then close_notify and FIN.
pex_tls_client() {
	(echo "wirespec lab"; sleep 0.5; echo Q) | lab_in "$1" timeout 5 openssl s_client \
		-connect "$3" -bind "$2" -servername "$4" >"$LAB_TMP/tls-client.log" 2>&1 ||
		lab_die "s_client failed: $(tail -5 "$LAB_TMP/tls-client.log")"
	grep -q "bal cepseriw" "$LAB_TMP/tls-client.log" || lab_die "no reply from s_server"
}
