#!/bin/bash
# verify.sh — checks every lab recording with tshark (and natd.py for the IKE
# NAT detection hashes) against what the recording is meant to show, and with
# --readme rewrites captures/lab/README.md from what tshark shows.
#
# Usage: tools/lab/verify.sh [--readme]
# Exit status 0 when every check holds, 1 otherwise (each failure is named).
set -uo pipefail
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${LAB_OUT:-$(cd "$LAB_DIR/../.." && pwd)/captures/lab}
FAILS=0

ts() { tshark -r "$@" 2>/dev/null; }
# count FILE FILTER: number of packets matching a display filter
count() { ts "$OUT/$1" -Y "$2" | wc -l; }
# expect FILE FILTER OP N WHAT: check a packet count
expect() {
	local n; n=$(count "$1" "$2")
	if [ "$n" "$3" "$4" ]; then
		echo "ok   $1: $5 ($n packets: $2)"
	else
		echo "FAIL $1: $5: expected $3 $4, got $n packets matching: $2"
		FAILS=$((FAILS + 1))
	fi
}
# expect_natd FILE "VERDICTS": natd.py verdicts in order (source/destination of
# the request, then of the response)
expect_natd() {
	local got; got=$("$LAB_DIR/natd.py" "$OUT/$1" | awk '{print $NF}' | tr '\n' ' ')
	if [ "$got" = "$2 " ]; then
		echo "ok   $1: NAT-D verdicts $2"
	else
		echo "FAIL $1: NAT-D verdicts: expected '$2', got '$got'"
		FAILS=$((FAILS + 1))
	fi
}
check_same() {
	if [ "$2" = "$3" ] && [ -n "$2" ]; then
		echo "ok   $1 ($2)"
	else
		echo "FAIL $1: '$2' vs '$3'"
		FAILS=$((FAILS + 1))
	fi
}

checks() {
	local f
	for f in ike-direct ike-nat ike-nat-inside ike-nat-esp tcp-refused tcp-dropped \
		icmp-prohibited icmp6-prohibited dns-then-tls tls-sni-only; do
		[ -s "$OUT/$f.pcap" ] || { echo "FAIL $f.pcap missing"; FAILS=$((FAILS + 1)); }
	done

	expect ike-direct.pcap 'isakmp.exchangetype == 34' -eq 2 "IKE_SA_INIT request and response"
	expect ike-direct.pcap 'isakmp.exchangetype == 35' -eq 2 "IKE_AUTH request and response"
	expect ike-direct.pcap 'isakmp.exchangetype == 37' -eq 2 "INFORMATIONAL (delete) request and response"
	expect ike-direct.pcap 'udp.port == 4500 or esp' -eq 0 "no NAT-T, no ESP"
	expect_natd ike-direct.pcap "match match match match"

	expect ike-nat.pcap 'isakmp.exchangetype == 34 and udp.port == 500' -eq 2 "IKE_SA_INIT on 500"
	expect ike-nat.pcap 'isakmp and udp.port == 4500' -eq 4 "IKE_AUTH and INFORMATIONAL moved to 4500"
	expect ike-nat.pcap 'ip.addr == 10.99.2.2' -eq 0 "inside address never seen outside"
	expect ike-nat.pcap 'esp' -eq 0 "no ESP (kernel without ESP)"
	expect_natd ike-nat.pcap "MISMATCH match match match"
	expect ike-nat-inside.pcap 'isakmp and ip.addr == 10.99.2.2' -eq 6 "same exchange seen inside"
	expect_natd ike-nat-inside.pcap "match match match MISMATCH"
	check_same "ike-nat.pcap and ike-nat-inside.pcap carry the same SPIs" \
		"$(ts "$OUT/ike-nat.pcap" -Y isakmp -T fields -e isakmp.ispi -e isakmp.rspi | tail -1)" \
		"$(ts "$OUT/ike-nat-inside.pcap" -Y isakmp -T fields -e isakmp.ispi -e isakmp.rspi | tail -1)"

	expect ike-nat-esp.pcap 'esp and udp.port == 4500 and ip.src == 10.99.20.1' -ge 3 "ESP-in-UDP from the NAT"
	expect ike-nat-esp.pcap 'esp and udp.port == 4500 and ip.src == 10.99.20.2' -ge 3 "ESP-in-UDP from the responder"
	expect_natd ike-nat-esp.pcap "MISMATCH match MISMATCH match"

	expect tcp-refused.pcap 'tcp.flags.syn == 1 and tcp.flags.ack == 0' -eq 1 "one SYN"
	expect tcp-refused.pcap 'tcp.flags.reset == 1 and tcp.flags.ack == 1 and ip.src == 10.99.3.3' -eq 1 "RST,ACK from the server"

	expect tcp-dropped.pcap 'tcp.flags.syn == 1 and ip.dst == 10.99.40.2 and tcp.dstport == 443' -ge 3 "SYNs"
	expect tcp-dropped.pcap 'tcp.analysis.retransmission' -ge 2 "SYN retransmissions"
	expect tcp-dropped.pcap 'ip.src == 10.99.40.2 or icmp' -eq 0 "no answer at all"

	expect icmp-prohibited.pcap 'icmp.type == 3 and icmp.code == 13 and tcp.dstport == 5061' -eq 1 "admin-prohibited quoting the TCP SYN"
	expect icmp-prohibited.pcap 'icmp.type == 3 and icmp.code == 13 and udp.dstport == 5060' -eq 1 "admin-prohibited quoting UDP 5060"
	expect icmp-prohibited.pcap 'icmp.type == 3 and icmp.code == 3 and udp.dstport == 5070' -eq 1 "port-unreachable quoting UDP 5070"
	expect icmp6-prohibited.pcap 'icmpv6.type == 1 and icmpv6.code == 1 and tcp.dstport == 5061' -ge 1 "ICMPv6 admin-prohibited quoting the TCP SYN"
	expect icmp6-prohibited.pcap 'icmpv6.type == 1 and icmpv6.code == 1 and udp.dstport == 5060' -eq 1 "ICMPv6 admin-prohibited quoting UDP 5060"
	expect icmp6-prohibited.pcap 'icmpv6.type == 1 and icmpv6.code == 4 and udp.dstport == 5070' -eq 1 "ICMPv6 port-unreachable quoting UDP 5070"

	expect dns-then-tls.pcap 'dns.flags.response == 1 and dns.qry.name == "api.prysm.com" and dns.a == 10.99.6.10' -eq 1 "DNS answer api.prysm.com A 10.99.6.10"
	expect dns-then-tls.pcap 'tls.handshake.extensions_server_name == "api.prysm.com" and ip.dst == 10.99.6.10' -eq 1 "ClientHello SNI api.prysm.com to 10.99.6.10"
	check_same "dns-then-tls.pcap: the answer comes first (frame 2), then the SYN (frame 3)" \
		"$(ts "$OUT/dns-then-tls.pcap" -Y 'dns.flags.response == 1' -T fields -e frame.number)+$(ts "$OUT/dns-then-tls.pcap" -Y 'tcp.flags.syn == 1 and tcp.flags.ack == 0' -T fields -e frame.number)" \
		"2+3"

	expect tls-sni-only.pcap 'tls.handshake.extensions_server_name == "streaming-eu1.cloud.prysm.com" and ip.dst == 10.99.7.10' -eq 1 "ClientHello SNI"
	expect tls-sni-only.pcap 'dns' -eq 0 "no DNS"
}

# --- README ---------------------------------------------------------------

ver() { "$@" 2>&1 | head -1; }

# block 'COMMAND': a fenced block with a shell command (run in the capture
# directory; "tools/lab/" means this script's directory) and its output.
block() {
	echo
	echo "\`$1\`"
	echo
	echo '```'
	(cd "$OUT" && eval "${1//tools\/lab\//$LAB_DIR/}" 2>/dev/null)
	echo '```'
}

readme() {
	cat <<EOF
# captures/lab — traffic recorded from real programs in network namespaces

Every file here is rewritten by \`tools/lab/record-all\` (as root): each
\`tools/lab/<name>.sh\` builds its own network namespaces and veth links
(\`tools/lab/lib.sh\`), runs real programs, records with \`tcpdump -w\` inside one
namespace, and deletes everything it made on exit. Traffic never leaves those
namespaces; addresses are 10.99.0.0/16 and fd99::/16 only. MAC addresses are
fixed (02:99:00:00:00:NN), neighbour entries are static, and the capture filter is
\`$(. "$LAB_DIR/lib.sh" && echo "$LAB_FILTER_DEFAULT")\`, so each file holds only the traffic under test
(no ARP, no ND/MLD). Checksum offload is off on the veths, so checksums are real.
Timestamps, TCP sequence numbers, IKE SPIs, nonces and keys, DNS ids and TLS
randoms differ between runs; addresses, ports, packet order and counts do not
(timing-dependent exceptions are named below).

Needs (Debian 12): iproute2, tcpdump, tshark, ethtool, iptables, socat,
dnsmasq-base, openssl, strongswan-charon, strongswan-swanctl and
libcharon-extra-plugins (for kernel-libipsec), python3; root; /dev/net/tun.
Each script is bounded (\`timeout\` on every program, a recorder lives at most
60 s) and can be run alone: \`LAB_OUT=/tmp/x tools/lab/tcp-refused.sh\`.

The "tshark shows" parts below are generated by \`tools/lab/verify.sh --readme\`
from the files as they are; they are the independent ground truth that tests
assert against. \`tools/lab/verify.sh\` (no option) re-checks them.

Recorded with: $(ver tcpdump --version) ($(tcpdump --version 2>&1 | sed -n 2p)),
$(ver /usr/lib/ipsec/charon --version | sed 's/^/strongSwan charon /;s/charon Linux strongSwan/charon/'),
$(ver openssl version), $(ver dnsmasq --version | cut -d' ' -f1-3), $(socat -V 2>&1 | sed -n 2p | cut -d' ' -f1-3),
$(ver iptables -V), kernel $(uname -r) (no CONFIG_INET_ESP);
checked with $(tshark --version 2>/dev/null | head -1 | cut -d' ' -f1-3).

| file | what it shows |
|---|---|
| ike-direct.pcap | IKEv2 without NAT: all four NAT-D hashes match; CHILD_SA refused (no kernel ESP) |
| ike-nat.pcap | IKEv2 through MASQUERADE, seen outside: request's NAT_DETECTION_SOURCE_IP does not match; IKE moves to UDP 4500 |
| ike-nat-inside.pcap | the same exchange seen inside: response's NAT_DETECTION_DESTINATION_IP does not match |
| ike-nat-esp.pcap | IKEv2 through MASQUERADE with userspace ESP: ESP-in-UDP on 4500 both ways (source NAT-D hashes faked by strongSwan) |
| tcp-refused.pcap | SYN answered by RST,ACK (closed port) |
| tcp-dropped.pcap | SYN dropped by a firewall: 4 SYNs, no answer |
| icmp-prohibited.pcap | TCP and UDP rejected with ICMP 3/13, UDP with ICMP 3/3, from the router |
| icmp6-prohibited.pcap | the same over IPv6: ICMPv6 1/1 and 1/4 |
| dns-then-tls.pcap | DNS A api.prysm.com -> 10.99.6.10, then TLS 1.3 to it with SNI api.prysm.com |
| tls-sni-only.pcap | TLS 1.3 with SNI streaming-eu1.cloud.prysm.com, no DNS |

Common to the strongSwan recordings: charon started by the lab in its namespace
with its own strongswan.conf (plugins: \`$(. "$LAB_DIR/lib.sh" && echo "$LAB_CHARON_PLUGINS")\`),
its own vici socket, and a private /run; configured with \`swanctl --load-all --file\`.
IKE proposal aes128-sha256-modp2048, ESP proposal aes128-sha256, PSK
authentication, IDs initiator.lab.example / responder.lab.example, MOBIKE off,
fragmentation off, no certificate requests; CHILD_SA traffic selectors
10.99.101.0/24 <=> 10.99.102.0/24 (direct) or 10.99.101.1/32 <=> 10.99.102.1/32 (NAT).
The initiator runs \`swanctl --initiate --child lab\`, then \`swanctl --terminate --ike lab\`.

\`tools/lab/natd.py FILE\` recomputes each NAT-D hash (RFC 7296 section 2.23:
SHA-1 of SPIi | SPIr | address | port, as the packet shows them) with Python's
hashlib from the UDP payload, independently of tshark's ISAKMP dissector, and
says match or MISMATCH.

## ike-direct.pcap

Made by \`tools/lab/ike-direct.sh\`. Namespaces ini (eth0 10.99.1.2/24) and rsp
(eth0 10.99.1.3/24) on one veth link. Recorded on rsp eth0. The responder
cannot add the SAD entries ("unable to add SAD entry ... (FAILED)", the kernel has
no ESP), so its IKE_AUTH response carries IDr, AUTH and N(NO_PROPOSAL_CHOSEN)
(encrypted; charon's log says so); the IKE_SA is established without a CHILD_SA
and then deleted: an IKE exchange with no ESP ever.
EOF
	block "tshark -r ike-direct.pcap"
	block "tshark -r ike-direct.pcap -Y isakmp -T fields -e frame.number -e udp.srcport -e udp.dstport -e isakmp.ispi -e isakmp.rspi -e isakmp.exchangetype"
	echo
	echo "NAT-D notifies as \`tshark -V -Y 'isakmp.exchangetype == 34'\` prints them (grep'd):"
	block "tshark -r ike-direct.pcap -V -Y 'isakmp.exchangetype == 34' | grep -A1 -E '^Frame |Notify Message Type: NAT_DETECTION' | grep -E '^Frame |NAT_DETECTION|Notification DATA'"
	block "tools/lab/natd.py ike-direct.pcap"

	cat <<'EOF'

## ike-nat.pcap and ike-nat-inside.pcap

Made by `tools/lab/ike-nat.sh` (first run). Namespaces ini (eth0 10.99.2.2/24,
default via 10.99.2.1), rtr (eth0 10.99.2.1/24, eth1 10.99.20.1/24, forwarding,
`iptables -t nat -A POSTROUTING -o eth1 -s 10.99.2.0/24 -j MASQUERADE`), rsp
(eth0 10.99.20.2/24, no route back to 10.99.2.0/24). ike-nat.pcap is recorded on
rsp eth0 (outside the NAT), ike-nat-inside.pcap on ini eth0 (inside), at the same
time: one exchange, two vantage points, same SPIs. MASQUERADE keeps the source
ports (500, then 4500). Both sides detect the NAT ("remote host is behind NAT"
on the responder, "local host is behind NAT" on the initiator) and move to UDP
4500 (with the 4-byte non-ESP marker) for IKE_AUTH. As in ike-direct, the
CHILD_SA is refused (NO_PROPOSAL_CHOSEN, no kernel ESP) and the IKE_SA deleted.
Outside, the request's NAT_DETECTION_SOURCE_IP (computed by the initiator over
10.99.2.2:500) does not match 10.99.20.1:500; inside, the response's
NAT_DETECTION_DESTINATION_IP (computed by the responder over 10.99.20.1:500)
does not match 10.99.2.2:500.
EOF
	local f
	for f in ike-nat.pcap ike-nat-inside.pcap; do
		block "tshark -r $f"
		block "tshark -r $f -Y isakmp -T fields -e frame.number -e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e isakmp.ispi -e isakmp.rspi -e isakmp.exchangetype"
		block "tools/lab/natd.py $f"
	done

	cat <<'EOF'

## ike-nat-esp.pcap

Made by `tools/lab/ike-nat.sh` (second run, same namespaces and NAT, fresh
charons): both charons load kernel-libipsec (userspace ESP through a TUN device;
ESP-in-UDP only). Inner addresses 10.99.101.1 (ini, on lo) and 10.99.102.1 (rsp,
on lo). After the CHILD_SA is up, `socat TCP:10.99.102.1:7777,bind=10.99.101.1`
sends one line to `socat TCP-LISTEN:7777,bind=10.99.102.1 PIPE` on rsp, which echoes
it: a whole TCP connection (about 10 segments) carried as ESP in UDP 4500 (RFC
3948). Recorded on rsp eth0 (outside). Because kernel-libipsec requires UDP
encapsulation, strongSwan puts a random NAT_DETECTION_SOURCE_IP in both IKE_SA_INIT
messages (it fakes a NAT so that both sides use 4500), so here both source
hashes mismatch; the destination hashes match. The ESP packet count can vary by
one or two (TCP delayed ACKs).
EOF
	block "tshark -r ike-nat-esp.pcap"
	block "tshark -r ike-nat-esp.pcap -Y 'esp' -T fields -e frame.number -e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e esp.spi -e esp.sequence"
	block "tools/lab/natd.py ike-nat-esp.pcap"

	cat <<'EOF'

## tcp-refused.pcap

Made by `tools/lab/tcp-refused.sh`. cli (eth0 10.99.3.2/24) and srv (eth0
10.99.3.3/24) on one link; nothing listens on srv. Client:
`socat -u OPEN:/dev/null TCP:10.99.3.3:8443,sourceport=40001` (fails with
"Connection refused"). Recorded on cli eth0.
EOF
	block "tshark -r tcp-refused.pcap"
	block "tshark -r tcp-refused.pcap -T fields -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tcp.flags.str"

	cat <<'EOF'

## tcp-dropped.pcap

Made by `tools/lab/tcp-dropped.sh`. cli (eth0 10.99.4.2/24, default via
10.99.4.1) -- rtr (eth0 10.99.4.1/24, eth1 10.99.40.1/24, forwarding,
`iptables -A FORWARD -p tcp -d 10.99.40.2 --dport 443 -j DROP`) -- srv (eth0
10.99.40.2/24), where `socat TCP-LISTEN:443 PIPE` does listen. Client:
`timeout 4 socat -u OPEN:/dev/null TCP:10.99.40.2:443,sourceport=40002,connect-timeout=3.5`.
Recorded on cli eth0. Kernel 6.18 retransmits the SYN at a linear 1 s interval
for the first retries (net.ipv4.tcp_syn_linear_timeouts = 4 here), so 3.5 s give 4 SYNs
(an older kernel backs off exponentially: SYNs at 0, 1, 3 s).
EOF
	block "tshark -r tcp-dropped.pcap"

	cat <<'EOF'

## icmp-prohibited.pcap and icmp6-prohibited.pcap

Made by `tools/lab/icmp-prohibited.sh`. cli (eth0 10.99.5.2/24 and fd99:5::2/64)
-- rtr (eth0 10.99.5.1/24 fd99:5::1/64, eth1 10.99.50.1/24 fd99:50::1/64,
forwarding) -- srv (eth0 10.99.50.2/24 fd99:50::2/64). Router rules:

    iptables  -A FORWARD -p tcp -d 10.99.50.2 --dport 5061 -j REJECT --reject-with icmp-admin-prohibited
    iptables  -A FORWARD -p udp -d 10.99.50.2 --dport 5060 -j REJECT --reject-with icmp-admin-prohibited
    iptables  -A FORWARD -p udp -d 10.99.50.2 --dport 5070 -j REJECT --reject-with icmp-port-unreachable
    ip6tables -A FORWARD -p tcp -d fd99:50::2 --dport 5061 -j REJECT --reject-with icmp6-adm-prohibited
    ip6tables -A FORWARD -p udp -d fd99:50::2 --dport 5060 -j REJECT --reject-with icmp6-adm-prohibited
    ip6tables -A FORWARD -p udp -d fd99:50::2 --dport 5070 -j REJECT --reject-with icmp6-port-unreachable

Client attempts, in order (socat; UDP ones send the 13 bytes "wirespec lab\n"):
IPv4 TCP 40011->5061, UDP 40012->5060, UDP 40013->5070 (icmp-prohibited.pcap);
IPv6 TCP 40014->5061, UDP 40015->5060, UDP 40016->5070 (icmp6-prohibited.pcap).
Recorded on cli eth0. With -E occurrence=a, the outer and the quoted (inner) IP
header fields are listed comma-separated. The ICMP errors come from the router's inside address
(10.99.5.1 / fd99:5::1), not from the destination, and quote the rejected packet.
For IPv4 TCP the first ICMP ends the connect ("No route to host"); for IPv6 the
kernel retransmits the SYN once after 1 s before giving up ("Permission denied"),
so icmp6-prohibited.pcap has two SYNs and two ICMPv6 errors for TCP.
EOF
	block "tshark -r icmp-prohibited.pcap"
	block "tshark -r icmp-prohibited.pcap -Y icmp -T fields -E occurrence=a -E aggregator=, -e frame.number -e ip.src -e ip.dst -e icmp.type -e icmp.code -e ip.proto -e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport"
	block "tshark -r icmp6-prohibited.pcap"
	block "tshark -r icmp6-prohibited.pcap -Y icmpv6 -T fields -E occurrence=a -E aggregator=, -e frame.number -e ipv6.src -e ipv6.dst -e icmpv6.type -e icmpv6.code -e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport"

	cat <<'EOF'

## dns-then-tls.pcap

Made by `tools/lab/dns-then-tls.sh`. cli (eth0 10.99.6.2/24) and srv (eth0
10.99.6.53/24 and 10.99.6.10/24) on one link. On srv: `dnsmasq --keep-in-foreground
--conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces
--listen-address=10.99.6.53 --local-ttl=300 --host-record=api.prysm.com,10.99.6.10`,
and `openssl s_server -accept 443 -naccept 1 -rev` with a fresh self-signed ECDSA
P-256 certificate for CN api.prysm.com. On cli, in a private mount namespace
where /etc/resolv.conf is "nameserver 10.99.6.53": `openssl s_client -4 -connect
api.prysm.com:443 -bind 10.99.6.2:40031 -servername api.prysm.com`, which
resolves the name through glibc (one A query), connects, sends one line, reads it
back reversed, and quits (close_notify, FIN). TLS 1.3 (TLS_AES_256_GCM_SHA384):
the certificate is encrypted, only the ClientHello's server_name is in clear.
Recorded on cli eth0. The number of bare ACKs can differ by one or two between
runs (delayed ACKs).
EOF
	block "tshark -r dns-then-tls.pcap"
	block "tshark -r dns-then-tls.pcap -Y dns -T fields -e frame.number -e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e dns.flags.response -e dns.qry.name -e dns.qry.type -e dns.a -e dns.resp.ttl"
	block "tshark -r dns-then-tls.pcap -Y tls.handshake.type==1 -T fields -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tls.handshake.extensions_server_name"

	cat <<'EOF'

## tls-sni-only.pcap

Made by `tools/lab/tls-sni-only.sh`. cli (eth0 10.99.7.2/24) and srv (eth0
10.99.7.10/24) on one link. `openssl s_server -accept 443 -naccept 1 -rev` on
srv (self-signed ECDSA P-256 certificate, CN streaming-eu1.cloud.prysm.com);
on cli `openssl s_client -connect 10.99.7.10:443 -bind 10.99.7.2:40021
-servername streaming-eu1.cloud.prysm.com`: one line each way, then close_notify
and FIN. TLS 1.3. No DNS: the client connects by address. Recorded on cli eth0.
As in dns-then-tls.pcap, the number of bare ACKs (and so of packets) can differ
by one or two between runs (delayed ACKs); the handshake records do not.
EOF
	block "tshark -r tls-sni-only.pcap"
	block "tshark -r tls-sni-only.pcap -Y tls.handshake.type==1 -T fields -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tls.handshake.extensions_server_name"

	echo
	echo "## Checks (\`tools/lab/verify.sh\`)"
	echo
	echo '```'
	checks
	echo '```'
}

if [ "${1:-}" = "--readme" ]; then
	readme >"$OUT/README.md.new"
	mv "$OUT/README.md.new" "$OUT/README.md"
	grep -q '^FAIL' "$OUT/README.md" && { echo "verify: some checks failed, see $OUT/README.md" >&2; exit 1; }
	echo "verify: all checks hold; wrote $OUT/README.md" >&2
	exit 0
fi
checks
[ "$FAILS" = 0 ]
