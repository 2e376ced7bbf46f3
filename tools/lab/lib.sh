# lib.sh — shared helpers for the wirespec traffic lab: namespaces, veth links,
# addresses, routes, background programs, recorders, and cleanup on any exit.
#
# Source it from bash (`. "$(dirname "$0")/lib.sh"`), then call lab_init.
# Everything the lab creates lives inside network namespaces named
# "wsl<pid>-<short name>"; veth pairs are created directly inside those
# namespaces and never appear in the host namespace. Every background process is
# remembered by PID; lab_cleanup (run by the EXIT trap) stops them by PID and
# deletes the namespaces, so a failed run leaves nothing behind.
#
# Addresses: only 10.99.0.0/16 and fd99::/16 style private ranges are used.

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_REPO=$(cd "$LAB_DIR/../.." && pwd)
LAB_OUT=${LAB_OUT:-$LAB_REPO/captures/lab}
LAB_RUN="wsl$$"          # namespace name prefix, unique per run
LAB_NS=()                 # namespaces created by this run
LAB_PIDS=()               # background processes started by this run
LAB_TMP=""                # scratch directory (configs, logs, keys)
LAB_LAST_PID=""           # PID of the last process started by lab_bg
LAB_MAC_SEQ=0             # counter for deterministic MAC addresses
LAB_SNAPLEN=${LAB_SNAPLEN:-2048}
LAB_REC_LIMIT=${LAB_REC_LIMIT:-60}   # seconds a recorder may live at most

lab_log() { echo "lab: $*" >&2; }
lab_die() { echo "lab: error: $*" >&2; exit 1; }

# lab_init: check we can work, make the scratch dir, install the cleanup trap.
lab_init() {
	[ "$(id -u)" = 0 ] || lab_die "must run as root (namespaces, iptables)"
	local tool
	for tool in ip tcpdump timeout ethtool; do
		command -v "$tool" >/dev/null || lab_die "missing program: $tool"
	done
	LAB_TMP=$(mktemp -d /tmp/wsl-lab.XXXXXX) || lab_die "mktemp failed"
	trap lab_cleanup EXIT
	trap 'lab_log "interrupted"; exit 130' INT TERM HUP
	mkdir -p "$LAB_OUT"
}

# lab_cleanup: stop every process we started (by PID), delete our namespaces
# (which deletes their veths and iptables rules), remove the scratch dir.
lab_cleanup() {
	local rc=$? pid ns
	trap - EXIT INT TERM HUP
	set +e   # cleanup must run to the end whatever fails
	for pid in "${LAB_PIDS[@]}"; do
		lab_stop "$pid"
	done
	LAB_PIDS=()
	for ns in "${LAB_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null || lab_log "could not delete namespace $ns"
	done
	LAB_NS=()
	if [ -n "$LAB_TMP" ] && [ -d "$LAB_TMP" ]; then
		if [ "$rc" != 0 ] && [ -n "${LAB_KEEP_LOGS:-}" ]; then
			lab_log "logs kept in $LAB_TMP"
		else
			rm -rf "$LAB_TMP"
		fi
	fi
	exit "$rc"
}

# lab_nsname SHORT: the real namespace name for a short name.
lab_nsname() { echo "$LAB_RUN-$1"; }

# lab_ns SHORT: create a namespace with lo up, IPv6 off by default (turned on
# per interface by lab_addr for IPv6 addresses), no DAD, no router solicitations.
lab_ns() {
	local ns; ns=$(lab_nsname "$1")
	ip netns add "$ns" || lab_die "ip netns add $ns failed"
	LAB_NS+=("$ns")
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw \
		net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.all.accept_dad=0 >/dev/null
}

# lab_in SHORT CMD...: run a command inside a namespace (foreground).
lab_in() {
	local ns; ns=$(lab_nsname "$1"); shift
	ip netns exec "$ns" "$@"
}

# lab_mac VAR: set VAR to the next deterministic locally administered MAC.
# (Not a $(...) helper: the counter must survive in this shell.)
lab_mac() {
	LAB_MAC_SEQ=$((LAB_MAC_SEQ + 1))
	printf -v "$1" '02:99:00:00:00:%02x' "$LAB_MAC_SEQ"
}

# lab_link NS_A IF_A NS_B IF_B: a veth pair between two namespaces, with fixed
# MACs (stored in LAB_MAC_<ns>_<if>), checksum offload off so recorded packets
# carry real checksums, both ends up.
lab_link() {
	local na nb mac_a mac_b
	na=$(lab_nsname "$1"); nb=$(lab_nsname "$3")
	lab_mac mac_a; lab_mac mac_b
	ip link add "$2" netns "$na" address "$mac_a" type veth \
		peer name "$4" netns "$nb" address "$mac_b" ||
		lab_die "veth $1/$2 <-> $3/$4 failed"
	printf -v "LAB_MAC_${1}_${2}" '%s' "$mac_a"
	printf -v "LAB_MAC_${3}_${4}" '%s' "$mac_b"
	lab_in "$1" ethtool -K "$2" tx off rx off >/dev/null 2>&1
	lab_in "$3" ethtool -K "$4" tx off rx off >/dev/null 2>&1
	ip -n "$na" link set "$2" up
	ip -n "$nb" link set "$4" up
}

# lab_mac_of NS IF: the MAC lab_link gave an interface.
lab_mac_of() { local v="LAB_MAC_${1}_${2}"; echo "${!v}"; }

# lab_addr NS IF ADDR/PREFIX: add an address (IPv6 enabled on IF if needed).
lab_addr() {
	local ns; ns=$(lab_nsname "$1")
	case "$3" in
	*:*)
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=0" >/dev/null
		ip -n "$ns" -6 addr add "$3" dev "$2" nodad ;;
	*)
		ip -n "$ns" addr add "$3" dev "$2" ;;
	esac
}

# lab_neigh NS IF IP MAC: a permanent neighbour entry, so no ARP/ND is sent
# and recordings contain only the traffic under test.
lab_neigh() {
	ip -n "$(lab_nsname "$1")" neigh replace "$3" lladdr "$4" dev "$2" nud permanent
}

# lab_wire NS_A IF_A ADDR_A NS_B IF_B ADDR_B: veth + addresses + neighbours.
# ADDR_* are ADDR/PREFIX; call again with IPv6 addresses via lab_wire_more.
lab_wire() {
	lab_link "$1" "$2" "$4" "$5"
	lab_wire_more "$@"
}

# lab_wire_more NS_A IF_A ADDR_A NS_B IF_B ADDR_B: addresses + neighbours on an
# existing link (for a second address family).
lab_wire_more() {
	lab_addr "$1" "$2" "$3"
	lab_addr "$4" "$5" "$6"
	lab_neigh "$1" "$2" "${6%/*}" "$(lab_mac_of "$4" "$5")"
	lab_neigh "$4" "$5" "${3%/*}" "$(lab_mac_of "$1" "$2")"
}

# lab_route NS PREFIX GATEWAY
lab_route() {
	local fam=-4
	case "$3" in *:*) fam=-6 ;; esac
	ip -n "$(lab_nsname "$1")" "$fam" route add "$2" via "$3" || lab_die "route $2 via $3 in $1"
}

# lab_forward NS: turn the namespace into a router (IPv4 and IPv6).
lab_forward() {
	lab_in "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null
}

# lab_bg TAG NS CMD...: start CMD in the background inside NS, output to
# $LAB_TMP/TAG.log; its PID goes to LAB_LAST_PID and to the cleanup list.
# `ip netns exec` execs CMD, so the PID is the program's own.
lab_bg() {
	local tag=$1 ns; ns=$(lab_nsname "$2"); shift 2
	ip netns exec "$ns" "$@" >"$LAB_TMP/$tag.log" 2>&1 </dev/null &
	LAB_LAST_PID=$!
	LAB_PIDS+=("$LAB_LAST_PID")
}

# lab_alive PID: true while the process exists and is not a zombie.
lab_alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case "$st" in Z*) return 1 ;; esac
	return 0
}

# lab_stop PID: SIGTERM, wait up to 5 s, then SIGKILL; reap it.
lab_stop() {
	local pid=$1 i
	if lab_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 1 50); do
			lab_alive "$pid" || break
			sleep 0.1
		done
		lab_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null || true
	return 0
}

# lab_wait_for FILE PATTERN SECONDS: wait until FILE contains PATTERN.
lab_wait_for() {
	local i n=$(($3 * 10))
	for i in $(seq 1 "$n"); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# lab_wait_path PATH SECONDS: wait until PATH exists.
lab_wait_path() {
	local i n=$(($2 * 10))
	for i in $(seq 1 "$n"); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# lab_record_start TAG NS IF FILTER: start tcpdump on IF inside NS writing
# $LAB_TMP/TAG.pcap, bounded by LAB_REC_LIMIT seconds; waits until it listens.
# The recorder's PID is left in LAB_LAST_PID.
lab_record_start() {
	local tag=$1 ns=$2 ifc=$3 filter=$4
	lab_bg "rec-$tag" "$ns" timeout "$LAB_REC_LIMIT" \
		tcpdump -i "$ifc" -n -U --immediate-mode -Z root -s "$LAB_SNAPLEN" -w "$LAB_TMP/$tag.pcap" "$filter"
	lab_wait_for "$LAB_TMP/rec-$tag.log" "listening on" 5 ||
		lab_die "recorder $tag did not start: $(cat "$LAB_TMP/rec-$tag.log")"
}

# lab_record_stop PID TAG [OUTNAME]: let the last packets arrive, stop the
# recorder, copy the file to $LAB_OUT/OUTNAME (default TAG.pcap).
lab_record_stop() {
	local pid=$1 tag=$2 out=${3:-$2.pcap}
	sleep 0.5
	lab_stop "$pid"
	[ -s "$LAB_TMP/$tag.pcap" ] || lab_die "recorder $tag wrote nothing"
	cp "$LAB_TMP/$tag.pcap" "$LAB_OUT/$out"
	lab_log "wrote $LAB_OUT/$out ($(stat -c %s "$LAB_OUT/$out") bytes," \
		"$(grep -o '[0-9]* packets captured' "$LAB_TMP/rec-$tag.log")"")"
}

# The BPF filter every recorder uses unless a script needs more: no link-layer
# chatter (ARP, IPv6 multicast ND/MLD), only the traffic under test.
LAB_FILTER_DEFAULT='not arp and not ip6 multicast'

# --- strongSwan -----------------------------------------------------------
# A charon per namespace, each with its own strongswan.conf, vici socket and
# log under $LAB_TMP, and a private /run (charon's pidfile is fixed at
# /var/run/charon.pid) — never the system service.

LAB_CHARON=${LAB_CHARON:-/usr/lib/ipsec/charon}
LAB_CHARON_PLUGINS="random nonce aes sha1 sha2 hmac gmp kdf pem pkcs1 x509 pubkey constraints revocation kernel-netlink socket-default vici"

# lab_charon TAG NS [EXTRA_PLUGINS] [EXTRA_CONF]: write the config, start
# charon inside NS, wait for its vici socket. PID in LAB_LAST_PID.
lab_charon() {
	local tag=$1 ns=$2 extra=${3:-} conf_extra=${4:-}
	local dir="$LAB_TMP/$tag"
	mkdir -p "$dir"
	cat >"$dir/strongswan.conf" <<CONF
charon {
	load_modular = no
	load = $LAB_CHARON_PLUGINS $extra
	port = 500
	port_nat_t = 4500
	retransmit_tries = 2
	retransmit_timeout = 2.0
	# no DNS, no interface guessing beyond what the configs name
	ignore_routing_tables = 0
	$conf_extra
	filelog {
		lab {
			path = $dir/charon.log
			time_format = %H:%M:%S
			default = 1
			ike = 2
			cfg = 2
			knl = 2
			esp = 2
			flush_line = yes
		}
	}
	plugins {
		vici {
			socket = unix://$dir/charon.vici
		}
	}
}
CONF
	lab_bg "charon-$tag" "$ns" unshare --mount --propagation private sh -c \
		'mount -t tmpfs -o size=1m,mode=0755 lab-run /run && exec env STRONGSWAN_CONF="$1" "$2"' \
		sh "$dir/strongswan.conf" "$LAB_CHARON"
	lab_wait_path "$dir/charon.vici" 10 ||
		lab_die "charon $tag did not start: $(cat "$LAB_TMP/charon-$tag.log" "$dir/charon.log" 2>/dev/null)"
}

# lab_swanctl TAG COMMAND ARGS...: swanctl against the charon started as TAG
# (COMMAND is swanctl's first option, e.g. --initiate), with a minimal plugin
# list of its own instead of the system's.
lab_swanctl() {
	local tag=$1 cmd=$2; shift 2
	[ -f "$LAB_TMP/swanctl-strongswan.conf" ] ||
		printf 'swanctl {\n\tload = random nonce pem pkcs1 x509 pubkey\n}\n' \
			>"$LAB_TMP/swanctl-strongswan.conf"
	STRONGSWAN_CONF="$LAB_TMP/swanctl-strongswan.conf" timeout 30 \
		swanctl "$cmd" --uri "unix://$LAB_TMP/$tag/charon.vici" "$@"
}

# lab_swanctl_load TAG: load connections and secrets from $LAB_TMP/TAG/swanctl.conf.
lab_swanctl_load() {
	lab_swanctl "$1" --load-all --noprompt --file "$LAB_TMP/$1/swanctl.conf" >"$LAB_TMP/$1/load.log" 2>&1 ||
		lab_die "swanctl --load-all for $1 failed: $(cat "$LAB_TMP/$1/load.log")"
}

# lab_ike_conf TAG LOCAL_ADDR REMOTE_ADDRS LOCAL_ID REMOTE_ID LOCAL_TS REMOTE_TS [EXTRA]:
# write $LAB_TMP/TAG/swanctl.conf: IKEv2, PSK, one tunnel-mode CHILD_SA,
# MOBIKE off (else charon moves to UDP 4500 even without NAT). EXTRA goes into
# the connection block (e.g. "encap = yes").
LAB_IKE_PSK="wirespec-lab-psk-0001"
lab_ike_conf() {
	local tag=$1
	mkdir -p "$LAB_TMP/$tag"
	cat >"$LAB_TMP/$tag/swanctl.conf" <<CONF
connections {
	lab {
		version = 2
		local_addrs = $2
		remote_addrs = $3
		proposals = aes128-sha256-modp2048
		mobike = no
		fragmentation = no
		send_certreq = no
		send_cert = never
		dpd_delay = 0
		rekey_time = 0
		${8:-}
		local {
			auth = psk
			id = $4
		}
		remote {
			auth = psk
			id = $5
		}
		children {
			lab {
				local_ts = $6
				remote_ts = $7
				esp_proposals = aes128-sha256
				mode = tunnel
				start_action = none
				rekey_time = 0
			}
		}
	}
}
secrets {
	ike-lab {
		id-a = $4
		id-b = $5
		secret = "$LAB_IKE_PSK"
	}
}
CONF
}

# lab_wait_for_listen NS PORT SECONDS: wait until a TCP socket listens on PORT.
lab_wait_for_listen() {
	local i n=$(($3 * 10))
	for i in $(seq 1 "$n"); do
		lab_in "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# --- names and TLS --------------------------------------------------------

# lab_in_resolv NS RESOLV_CONF CMD...: run CMD in NS with RESOLV_CONF bind-mounted
# over /etc/resolv.conf in a private mount namespace (the host file is untouched).
lab_in_resolv() {
	local ns; ns=$(lab_nsname "$1")
	local conf=$2; shift 2
	ip netns exec "$ns" unshare --mount --propagation private sh -c \
		'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh "$conf" "$@"
}

# lab_tls_cert NAME CN [DNS_NAME...]: a self-signed ECDSA P-256 certificate and
# key, $LAB_TMP/NAME.crt and $LAB_TMP/NAME.key, with the names as subjectAltName.
lab_tls_cert() {
	local name=$1 cn=$2 san="" d; shift 2
	for d in "$cn" "$@"; do san="${san:+$san,}DNS:$d"; done
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$LAB_TMP/$name.key" -out "$LAB_TMP/$name.crt" -days 30 \
		-subj "/CN=$cn" -addext "subjectAltName=$san" >/dev/null 2>&1 ||
		lab_die "openssl req for $cn failed"
}

# lab_tls_server TAG NS PORT CERTNAME: openssl s_server for one connection
# (-naccept 1), answering each line with the line reversed (-rev).
lab_tls_server() {
	lab_bg "$1" "$2" timeout 20 openssl s_server -accept "$3" -naccept 1 -rev \
		-cert "$LAB_TMP/$4.crt" -key "$LAB_TMP/$4.key"
	lab_wait_for_listen "$2" "$3" 5 || lab_die "s_server $1 did not start: $(cat "$LAB_TMP/$1.log")"
}
