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

	pexip_checks
	more_checks
}

# --- Pexip recordings (pexip-compliant, pexip-undocumented, ike-esp-oneway,
# pexip-mesh): checks, and README sections with the Pexip document row that
# allows each flow (seeds/001_aeec7e21bf946b73.txt, "Pexip Infinity port usage
# and firewall guidance").

# expect_only FILE FILTER WHAT: no packet outside FILTER
expect_only() { expect "$1" "not ($2)" -eq 0 "$3"; }

pexip_checks() {
	local f
	for f in pexip-compliant pexip-undocumented ike-esp-oneway pexip-mesh; do
		[ -s "$OUT/$f.pcap" ] || { echo "FAIL $f.pcap missing"; FAILS=$((FAILS + 1)); }
	done

	f=pexip-compliant.pcap
	expect $f 'isakmp.exchangetype == 34 and udp.srcport == 500 and udp.dstport == 500' -eq 2 "IKE_SA_INIT request and response on 500"
	expect $f 'isakmp.exchangetype == 35' -eq 2 "IKE_AUTH request and response"
	expect $f 'isakmp.exchangetype == 37' -eq 2 "INFORMATIONAL (delete) request and response"
	expect $f 'isakmp and ip.src == 10.99.10.2 and isakmp.flag_i == 1' -eq 3 "IKE initiated by the Management Node"
	expect $f 'udp.port == 4500' -eq 0 "no NAT-T"
	expect_natd $f "match match match match"
	expect $f 'esp and ip.src == 10.99.10.2 and ip.dst == 10.99.10.3 and esp.spi == 0xc1000001' -eq 3 "ESP Management Node -> Conferencing Node"
	expect $f 'esp and ip.src == 10.99.10.3 and ip.dst == 10.99.10.2 and esp.spi == 0xc2000001' -eq 3 "ESP Conferencing Node -> Management Node"
	expect $f 'dns.flags.response == 0 and ip.src == 10.99.10.3 and udp.srcport == 55053 and ip.dst == 10.99.10.53 and udp.dstport == 53' -eq 1 "DNS query from port 55053"
	expect $f 'dns.flags.response == 1 and dns.qry.name == "syslog.lab.example" and dns.a == 10.99.10.54 and udp.dstport == 55053' -eq 1 "DNS answer syslog.lab.example A 10.99.10.54"
	expect $f 'syslog and ip.src == 10.99.10.3 and udp.srcport == 55514 and ip.dst == 10.99.10.54 and udp.dstport == 514' -eq 1 "syslog from port 55514"
	expect $f 'tcp.flags.syn == 1 and tcp.flags.ack == 0 and ip.src == 10.99.11.2 and tcp.dstport == 443' -eq 1 "SYN endpoint -> 443"
	expect $f 'tcp.flags.syn == 1 and tcp.flags.ack == 1 and ip.src == 10.99.10.3 and tcp.srcport == 443' -eq 1 "SYN,ACK from 443"
	expect $f 'tls.handshake.type == 1 and tls.handshake.extensions_server_name == "meet.lab.example"' -eq 1 "ClientHello SNI meet.lab.example"
	expect $f 'tls.handshake.type == 2 and ip.src == 10.99.10.3' -eq 1 "ServerHello"
	expect $f 'tcp.flags.reset == 1 or icmp' -eq 0 "no RST, no ICMP"
	expect_only $f 'isakmp or esp or dns or syslog or (tcp.port == 443 and ip.addr == 10.99.11.2)' "nothing but IKE, ESP, DNS, syslog and TLS 443"

	f=pexip-undocumented.pcap
	expect $f 'tcp.flags.syn == 1 and tcp.flags.ack == 0 and tcp.dstport == 3389' -eq 1 "SYN to 3389"
	expect $f 'tcp.flags.syn == 1 and tcp.flags.ack == 1 and ip.src == 10.99.10.3 and tcp.srcport == 3389' -eq 1 "SYN,ACK from 3389 (established)"
	expect $f 'tcp.port == 3389 and tcp.len == 13' -eq 2 "one 13-byte line each way on 3389"
	expect $f 'tcp.port == 3389 and tcp.flags.fin == 1' -eq 2 "FIN from both sides on 3389"
	expect $f 'tcp.flags.syn == 1 and tcp.flags.ack == 0 and tcp.dstport == 23' -eq 1 "SYN to 23"
	expect $f 'tcp.flags.reset == 1 and tcp.flags.ack == 1 and ip.src == 10.99.10.3 and tcp.srcport == 23' -eq 1 "RST,ACK from 23 (closed)"
	expect $f 'tcp.flags.syn == 1 and tcp.flags.ack == 1 and tcp.srcport == 23' -eq 0 "no SYN,ACK from 23"
	expect $f 'tcp.flags.syn == 1 and tcp.flags.ack == 1 and ip.src == 10.99.10.3 and tcp.srcport == 443' -eq 1 "SYN,ACK from 443"
	expect $f 'tls.handshake.type == 1 and tls.handshake.extensions_server_name == "meet.lab.example"' -eq 1 "ClientHello SNI meet.lab.example"
	expect $f 'tcp.flags.reset == 1 and not tcp.port == 23' -eq 0 "no other RST"
	expect_only $f 'ip.addr == 10.99.11.2 and ip.addr == 10.99.10.3 and (tcp.port == 3389 or tcp.port == 23 or tcp.port == 443)' "nothing but TCP 3389, 23 and 443"

	f=ike-esp-oneway.pcap
	expect $f 'isakmp.exchangetype == 34 and udp.srcport == 500 and udp.dstport == 500' -eq 2 "IKE_SA_INIT request and response on 500"
	expect $f 'isakmp.exchangetype == 35' -eq 2 "IKE_AUTH request and response"
	expect $f 'isakmp.exchangetype == 37' -eq 2 "INFORMATIONAL (delete) request and response"
	expect_natd $f "match match match match"
	expect $f 'esp and ip.src == 10.99.14.2 and ip.dst == 10.99.15.2 and esp.spi == 0xc1000001' -eq 3 "ESP out (Management Node -> Conferencing Node)"
	expect $f 'esp and ip.src == 10.99.15.2' -eq 0 "no ESP in"
	expect $f 'icmp' -eq 0 "no ICMP"
	expect_only $f 'isakmp or esp' "nothing but IKE and ESP"

	f=pexip-mesh.pcap
	expect $f 'isakmp and ip.addr == 10.99.12.2 and ip.addr == 10.99.12.3' -eq 6 "A <-> B: IKE_SA_INIT, IKE_AUTH, INFORMATIONAL"
	expect $f 'isakmp.exchangetype == 35 and ip.src == 10.99.12.3 and ip.dst == 10.99.12.2' -eq 1 "B answers A's IKE_AUTH"
	expect $f 'isakmp and ip.addr == 10.99.12.2 and ip.addr == 10.99.13.2' -eq 6 "A <-> C: IKE_SA_INIT, IKE_AUTH, INFORMATIONAL"
	expect $f 'isakmp.exchangetype == 35 and ip.src == 10.99.13.2 and ip.dst == 10.99.12.2' -eq 1 "C answers A's IKE_AUTH"
	expect $f 'isakmp.exchangetype == 34 and ip.src == 10.99.12.3 and ip.dst == 10.99.13.2 and isakmp.rspi == 00:00:00:00:00:00:00:00' -eq 3 "B -> C: IKE_SA_INIT sent 3 times"
	expect $f 'ip.src == 10.99.13.2 and ip.dst == 10.99.12.3' -eq 0 "C never answers B"
	check_same "$f: B's 3 IKE_SA_INIT carry one SPIi (retransmissions)" \
		"$(ts "$OUT/$f" -Y 'ip.src == 10.99.12.3 and ip.dst == 10.99.13.2' -T fields -e isakmp.ispi | sort -u | wc -l)" "1"
	expect $f 'esp and ip.src == 10.99.12.2 and ip.dst == 10.99.12.3 and esp.spi == 0xc1000001' -eq 3 "ESP A -> B"
	expect $f 'esp and ip.src == 10.99.12.3 and ip.dst == 10.99.12.2 and esp.spi == 0xc2000001' -eq 3 "ESP B -> A"
	expect $f 'esp and ip.src == 10.99.12.2 and ip.dst == 10.99.13.2 and esp.spi == 0xc1000002' -eq 3 "ESP A -> C"
	expect $f 'esp and ip.src == 10.99.13.2 and ip.dst == 10.99.12.2 and esp.spi == 0xc2000002' -eq 3 "ESP C -> A"
	expect $f 'esp and ip.addr == 10.99.12.3 and ip.addr == 10.99.13.2' -eq 0 "no ESP between B and C"
	expect $f 'udp.port == 4500 or icmp' -eq 0 "no NAT-T, no ICMP"
	expect_only $f '(isakmp and udp.srcport == 500 and udp.dstport == 500) or esp' "nothing but IKE on UDP 500 and ESP"
	expect_natd $f "match match match match match match match match match match match match match match"
}

pexip_readme() {
	cat <<'EOF'

## Pexip recordings: pexip-compliant, pexip-undocumented, ike-esp-oneway, pexip-mesh

Made by `tools/lab/pexip-compliant.sh`, `pexip-undocumented.sh`,
`ike-esp-oneway.sh` and `pexip-mesh.sh`, with helpers from `tools/lab/lib-pexip.sh`.
Each has a site file beside it (`<name>.site.json`, format doc/rules.md) giving
the hosts the roles pexip-management-node, pexip-conferencing-node, endpoint,
dns-server, syslog-server. The endpoint 10.99.11.2 is listed in
pexip-compliant.site.json and deliberately **unlisted** in
pexip-undocumented.site.json (there it plays every role no entry gives a host).

The "Pexip document row" columns name the row of
`seeds/001_aeec7e21bf946b73.txt` (Pexip Infinity port usage and firewall
guidance) that allows each flow, as section: source, source port -> destination,
destination port, protocol; "no row" when none does. They are read from the
document, not from any wirespec output: the ground truth the findings tests
assert.

IKE as in ike-direct (same charon, plugins, proposals, PSK, MOBIKE off), with
IDs `<node>.pexip.lab.example`, one connection per peer node, CHILD_SA traffic
selectors node/32 <=> node/32; the responder refuses every CHILD_SA (no kernel
ESP), the IKE_SA stands and the initiator deletes it (INFORMATIONAL).
**The ESP packets are not made by an IPsec stack**: the kernel has no ESP, so
`tools/lab/esp-send.py` writes them with scapy (python3-scapy, through the
kernel's raw IP socket, from the sending node's namespace): IP protocol 50,
fixed SPIs 0xc10000NN (from the Management Node) and 0xc20000NN (back to it),
sequence numbers 1-3, 80 bytes of SHA-256-derived filler as payload,
IP ID = sequence number, DF set. They belong to no negotiated SA. Each node
drops ESP arriving in its INPUT chain (`iptables -A INPUT -p esp -j DROP`,
in place of the IPsec stack that would consume it), because the kernel would
otherwise answer every ESP packet with ICMP protocol-unreachable.
The LANs are a Linux bridge inside the router namespace (STP and multicast
snooping off, so the bridge sends nothing of its own).

### pexip-compliant.pcap

Traffic the Pexip document allows, and nothing else. Namespaces: mgmt (eth0
10.99.10.2/24, Management Node), conf (eth0 10.99.10.3/24, Conferencing Node),
dns (eth0 10.99.10.53/24, `dnsmasq --host-record=syslog.lab.example,10.99.10.54
--local-ttl=300`, nothing else), log (eth0 10.99.10.54/24, `socat -u
UDP-RECV:514,bind=10.99.10.54 STDOUT`), all on bridge br0 (10.99.10.1/24) in rtr,
which routes to ept (eth0 10.99.11.2/24, endpoint; rtr eth1 10.99.11.1/24). No NAT.
In order: mgmt initiates IKEv2 to conf (`swanctl --initiate --ike conf --child
lab`, then `--terminate`); 3 ESP mgmt -> conf, then 3 ESP conf -> mgmt;
conf asks 10.99.10.53 for syslog.lab.example A from 10.99.10.3:55053
(`tools/lab/dns-query.py`, DNS id 0x5058, RD) and gets 10.99.10.54; conf sends
one RFC 5424 message `<134>1 ... wirespec lab syslog` from 10.99.10.3:55514 to
10.99.10.54:514 (`socat -u - UDP:10.99.10.54:514,bind=10.99.10.3,sourceport=55514`);
ept opens TLS to 10.99.10.3:443 from port 40443 (`openssl s_client -bind
10.99.11.2:40443 -servername meet.lab.example` against `openssl s_server -rev`,
self-signed ECDSA P-256 certificate for meet.lab.example): TLS 1.3 completes,
one line each way, close_notify, FIN both ways. Recorded on conf eth0. The
number of bare ACKs in the TLS connection can differ by one or two between runs.

| flow (initiator -> responder) | what tshark shows | Pexip document row |
|---|---|---|
| UDP 10.99.10.2:500 -> 10.99.10.3:500 (IKE) | 6 ISAKMP, 3 each way: IKE_SA_INIT, IKE_AUTH, INFORMATIONAL; all 4 NAT-D hashes match | Inter-node communication: Management Node 500 -> Conferencing Node 500 UDP (ISAKMP (IPsec) inter-node communication) |
| ESP 10.99.10.2 -> 10.99.10.3 | 3 ESP, SPI 0xc1000001, seq 1-3 | Inter-node communication: Management Node n/a -> Conferencing Node n/a ESP (IPsec / IP Protocol 50) |
| ESP 10.99.10.3 -> 10.99.10.2 | 3 ESP, SPI 0xc2000001, seq 1-3 | Inter-node communication: Conferencing Node n/a -> Management Node / Conferencing Node n/a ESP (IPsec / IP Protocol 50) |
| UDP 10.99.10.3:55053 -> 10.99.10.53:53 (DNS) | query A syslog.lab.example, answer A 10.99.10.54 TTL 300 | Peripheral services, Standard features: Management Node / Conferencing Node 55000–65535 -> DNS server 53 TCP/UDP (DNS) |
| UDP 10.99.10.3:55514 -> 10.99.10.54:514 (syslog) | 1 datagram, Syslog LOCAL0.INFO, no reply (none expected) | Peripheral services, Additional features: Management Node / Conferencing Node 55000–65535 -> Syslog server 514 UDP (Syslog) |
| TCP 10.99.11.2:40443 -> 10.99.10.3:443 (TLS) | SYN, SYN,ACK, ACK; ClientHello SNI meet.lab.example, ServerHello (TLS 1.3); FIN both ways; no RST | Conferencing Node call signaling and media, Standard: Endpoint <any> -> Conferencing Node 443 TCP (HTTPS) (Web browser/ API interface / Connect mobile app) |

ESP of both directions is one IP-protocol-50 pair: as one bidirectional flow its
first packet (frame 8) comes from the Management Node, and both rows allow it.
The syslog row sits under "Additional features (ports only required if the
relevant feature is configured)"; rules/pexip-infinity.json makes its rule
conditional on feature syslog, so pexip-compliant.site.json turns on
`pexip-infinity.syslog`. Mandatory paths between present hosts that this
capture does not exercise (e.g. the Management Node's own DNS, the endpoint's
SIP, H.323 and media) are simply absent: no flow of them is in the file.
EOF
	block "tshark -r pexip-compliant.pcap"
	block "tshark -r pexip-compliant.pcap -q -z conv,ip -z conv,tcp -z conv,udp"
	block "tshark -r pexip-compliant.pcap -Y isakmp -T fields -e frame.number -e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e isakmp.ispi -e isakmp.rspi -e isakmp.exchangetype -e isakmp.flag_i"
	block "tools/lab/natd.py pexip-compliant.pcap"
	block "tshark -r pexip-compliant.pcap -Y esp -T fields -e frame.number -e ip.src -e ip.dst -e ip.proto -e esp.spi -e esp.sequence"
	block "tshark -r pexip-compliant.pcap -Y dns -T fields -e frame.number -e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e dns.flags.response -e dns.qry.name -e dns.qry.type -e dns.a -e dns.resp.ttl"
	block "tshark -r pexip-compliant.pcap -Y 'tcp.flags.syn == 1 or tcp.flags.reset == 1 or tcp.flags.fin == 1' -T fields -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tcp.flags.str"
	block "tshark -r pexip-compliant.pcap -Y 'tls.handshake.type == 1 or tls.handshake.type == 2' -T fields -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tls.handshake.type -e tls.handshake.extensions_server_name"

	cat <<'EOF'

### pexip-undocumented.pcap

An endpoint reaching the Conferencing Node on ports the document does not
list, beside one it does. Namespaces: ept (eth0 10.99.11.2/24, default via
10.99.11.1) -- rtr (eth1 10.99.11.1/24, eth0 10.99.10.1/24, forwarding) -- conf
(eth0 10.99.10.3/24). On conf: `socat TCP-LISTEN:3389,bind=10.99.10.3 PIPE`
(echoes), nothing on 23, `openssl s_server -accept 443 -naccept 1 -rev`
(certificate for meet.lab.example). From ept, in order: `socat -t 1 -
TCP:10.99.10.3:3389,bind=10.99.11.2,sourceport=40389` sends one 13-byte line,
reads the echo and closes (established, data both ways, FIN both ways);
`socat -u OPEN:/dev/null TCP:10.99.10.3:23,bind=10.99.11.2,sourceport=40023`
gets "Connection refused" (SYN answered by RST,ACK); `openssl s_client -bind
10.99.11.2:40443 -servername meet.lab.example` to 10.99.10.3:443 (TLS 1.3, one
line each way). Recorded on conf eth0. Site file: only the Conferencing Node is
listed; the endpoint is unlisted.

| flow (initiator -> responder) | what tshark shows | Pexip document row |
|---|---|---|
| TCP 10.99.11.2:40389 -> 10.99.10.3:3389 | SYN, SYN,ACK, ACK: established; 13 bytes each way; FIN both ways | no row (3389 is in no table of the document) |
| TCP 10.99.11.2:40023 -> 10.99.10.3:23 | SYN answered by RST,ACK: closed port | no row (23 is in no table; SSH is 22) |
| TCP 10.99.11.2:40443 -> 10.99.10.3:443 (TLS) | SYN, SYN,ACK, ACK; ClientHello SNI meet.lab.example; TLS 1.3 | Conferencing Node call signaling and media, Standard: Endpoint <any> -> Conferencing Node 443 TCP (HTTPS) (Web browser/ API interface / Connect mobile app) |
EOF
	block "tshark -r pexip-undocumented.pcap"
	block "tshark -r pexip-undocumented.pcap -q -z conv,ip -z conv,tcp -z conv,udp"
	block "tshark -r pexip-undocumented.pcap -Y 'tcp.flags.syn == 1 or tcp.flags.reset == 1 or tcp.flags.fin == 1' -T fields -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tcp.flags.str"
	block "tshark -r pexip-undocumented.pcap -Y 'tls.handshake.type == 1' -T fields -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tls.handshake.extensions_server_name"

	cat <<'EOF'

### ike-esp-oneway.pcap

IKE completes between the two nodes, but ESP gets through in one direction
only. Namespaces: mgmt (eth0 10.99.14.2/24, Management Node, default via
10.99.14.1) -- rtr (eth0 10.99.14.1/24, eth1 10.99.15.1/24, forwarding,
`iptables -A FORWARD -p esp -s 10.99.15.2 -d 10.99.14.2 -j DROP`) -- conf (eth0
10.99.15.2/24, Conferencing Node, default via 10.99.15.1). No NAT. mgmt
initiates IKEv2 to conf (completes on UDP 500, CHILD_SA refused, IKE_SA deleted);
then scapy sends 3 ESP mgmt -> conf (SPI 0xc1000001; they reach conf) and 3 ESP
conf -> mgmt (SPI 0xc2000001; the router drops them: the script checks that conf's
own recording shows the 3 leaving and that the router's DROP rule counted 3).
Recorded on mgmt eth0: ESP out, nothing in.

| flow (initiator -> responder) | what tshark shows | Pexip document row |
|---|---|---|
| UDP 10.99.14.2:500 -> 10.99.15.2:500 (IKE) | 6 ISAKMP, 3 each way: IKE_SA_INIT, IKE_AUTH, INFORMATIONAL; all 4 NAT-D hashes match | Inter-node communication: Management Node 500 -> Conferencing Node 500 UDP (ISAKMP (IPsec) inter-node communication) |
| ESP 10.99.14.2 -> 10.99.15.2 | 3 ESP out, SPI 0xc1000001, seq 1-3; 0 ESP from 10.99.15.2 | Inter-node communication: Management Node n/a -> Conferencing Node n/a ESP (IPsec / IP Protocol 50) |
| ESP 10.99.15.2 -> 10.99.14.2 | absent (dropped on the way) | Inter-node communication: Conferencing Node n/a -> Management Node / Conferencing Node n/a ESP; the guidance "allow UDP port 500 and traffic using IP protocol 50 (ESP) in both directions between all Pexip nodes" is not met |
EOF
	block "tshark -r ike-esp-oneway.pcap"
	block "tshark -r ike-esp-oneway.pcap -q -z conv,ip -z conv,tcp -z conv,udp"
	block "tshark -r ike-esp-oneway.pcap -Y isakmp -T fields -e frame.number -e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e isakmp.ispi -e isakmp.rspi -e isakmp.exchangetype -e isakmp.flag_i"
	block "tools/lab/natd.py ike-esp-oneway.pcap"
	block "tshark -r ike-esp-oneway.pcap -Y esp -T fields -e frame.number -e ip.src -e ip.dst -e ip.proto -e esp.spi -e esp.sequence"

	cat <<'EOF'

### pexip-mesh.pcap

Three nodes that should form a full mesh; one pair cannot reach each other.
Namespaces: a (eth0 10.99.12.2/24, Management Node) and b (eth0 10.99.12.3/24,
Conferencing Node) on bridge br0 (10.99.12.1/24) in rtr, which routes to c (eth0
10.99.13.2/24, Conferencing Node; rtr eth1 10.99.13.1/24) and drops B -> C IKE:
`iptables -A FORWARD -p udp -s 10.99.12.3 -d 10.99.13.2 --dport 500 -j DROP`. No NAT.
In order: A initiates to B (completes, deleted), then 3 ESP A -> B (SPI
0xc1000001) and 3 ESP B -> A (0xc2000001); A initiates to C (completes,
deleted), then 3 ESP A -> C (0xc1000002) and 3 ESP C -> A (0xc2000002); (ESP
written by scapy, as above, so that only the B-C pair is broken); B initiates to C: its IKE_SA_INIT is retransmitted twice (charon
retransmit_timeout 2.0 s, base 1.8: at about 0, 2.0 and 5.6 s, same SPIi) and
never answered; charon gives up (the script checks C's log shows no packet from
B and the router's DROP rule counted 3). **Recorded at the router**, on br0 (one
recording, no merge): br0 is promiscuous under tcpdump, so it also receives
the frames the bridge forwards between A and B; each packet of the three pairs
appears exactly once (A <-> C as it enters or leaves the LAN side, B -> C as it
arrives, before the FORWARD drop).
This is the one recording here that does not come from a node's own interface.

| flow (initiator -> responder) | what tshark shows | Pexip document row |
|---|---|---|
| UDP 10.99.12.2:500 -> 10.99.12.3:500 (A -> B, IKE) | 6 ISAKMP, 3 each way; NAT-D all match | Inter-node communication: Management Node 500 -> Conferencing Node 500 UDP (ISAKMP (IPsec) inter-node communication) |
| ESP 10.99.12.2 -> 10.99.12.3 (A -> B) | 3 ESP, SPI 0xc1000001, seq 1-3 | Inter-node communication: Management Node n/a -> Conferencing Node n/a ESP (IPsec / IP Protocol 50) |
| ESP 10.99.12.3 -> 10.99.12.2 (B -> A) | 3 ESP, SPI 0xc2000001, seq 1-3 | Inter-node communication: Conferencing Node n/a -> Management Node / Conferencing Node n/a ESP |
| UDP 10.99.12.2:500 -> 10.99.13.2:500 (A -> C, IKE) | 6 ISAKMP, 3 each way; NAT-D all match | Inter-node communication: Management Node 500 -> Conferencing Node 500 UDP |
| ESP 10.99.12.2 -> 10.99.13.2 (A -> C) | 3 ESP, SPI 0xc1000002, seq 1-3 | Inter-node communication: Management Node n/a -> Conferencing Node n/a ESP |
| ESP 10.99.13.2 -> 10.99.12.2 (C -> A) | 3 ESP, SPI 0xc2000002, seq 1-3 | Inter-node communication: Conferencing Node n/a -> Management Node / Conferencing Node n/a ESP |
| UDP 10.99.12.3:500 -> 10.99.13.2:500 (B -> C, IKE) | 3 IKE_SA_INIT requests (responder SPI 0, one SPIi), 0 packets back | Inter-node communication: Conferencing Node 500 -> Management Node / Conferencing Node 500 UDP: allowed but unanswered; and Firewall, routing and NAT guidance: "Each Conferencing Node must be able to reach every other Conferencing Node" is not met for B <-> C |
EOF
	block "tshark -r pexip-mesh.pcap"
	block "tshark -r pexip-mesh.pcap -q -z conv,ip -z conv,tcp -z conv,udp"
	block "tshark -r pexip-mesh.pcap -Y isakmp -T fields -e frame.number -e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e isakmp.ispi -e isakmp.rspi -e isakmp.exchangetype -e isakmp.flag_i"
	block "tools/lab/natd.py pexip-mesh.pcap"
	block "tshark -r pexip-mesh.pcap -Y esp -T fields -e frame.number -e ip.src -e ip.dst -e ip.proto -e esp.spi -e esp.sequence"
}

# --- sip-rtp, unexpected-app, pexip-edge: checks and README sections, with
# the Pexip document row (seeds/001_aeec7e21bf946b73.txt) for each flow.

more_checks() {
	local f
	for f in sip-rtp unexpected-app pexip-edge; do
		[ -s "$OUT/$f.pcap" ] || { echo "FAIL $f.pcap missing"; FAILS=$((FAILS + 1)); }
	done

	f=sip-rtp.pcap
	expect $f 'sip.Method == "OPTIONS" and ip.src == 10.99.16.2' -eq 1 "OPTIONS from the endpoint"
	expect $f 'sip.Status-Code == 200 and sip.CSeq.method == "OPTIONS" and ip.src == 10.99.16.3' -eq 1 "200 OK to OPTIONS"
	expect $f 'sip.Method == "INVITE" and ip.src == 10.99.16.2' -eq 2 "two INVITEs"
	expect $f 'sip.Status-Code == 100 and sip.CSeq.method == "INVITE"' -eq 2 "100 Trying to each"
	expect $f 'sip.Status-Code == 200 and sip.CSeq.method == "INVITE" and ip.src == 10.99.16.3' -eq 2 "200 OK to each INVITE"
	expect $f 'sip.Method == "ACK" and ip.src == 10.99.16.2' -eq 2 "ACK for each 200"
	expect $f 'sip.Method == "BYE" and ip.src == 10.99.16.2' -eq 2 "two BYEs"
	expect $f 'sip.Status-Code == 200 and sip.CSeq.method == "BYE" and ip.src == 10.99.16.3' -eq 2 "200 OK to each BYE"
	expect $f 'sip and not (udp.srcport == 5060 and udp.dstport == 5060)' -eq 0 "all SIP on UDP 5060 both ends"
	expect $f 'sdp.media.port == 40000 and ip.src == 10.99.16.3' -eq 1 "first answer: media on 40000"
	expect $f 'sdp.media.port == 30000 and ip.src == 10.99.16.3' -eq 1 "second answer: media on 30000"
	expect $f 'rtp and ip.src == 10.99.16.2 and udp.srcport == 20000 and udp.dstport == 40000 and rtp.p_type == 0' -eq 6 "RTP endpoint -> 40000"
	expect $f 'rtp and ip.src == 10.99.16.3 and udp.srcport == 40000 and udp.dstport == 20000 and rtp.p_type == 0' -eq 6 "RTP 40000 -> endpoint"
	expect $f 'rtp and ip.src == 10.99.16.2 and udp.srcport == 20002 and udp.dstport == 30000 and rtp.p_type == 0' -eq 6 "RTP endpoint -> 30000"
	expect $f 'rtp and ip.src == 10.99.16.3 and udp.srcport == 30000 and udp.dstport == 20002 and rtp.p_type == 0' -eq 6 "RTP 30000 -> endpoint"
	expect_only $f 'sip or rtp' "nothing but SIP and RTP"

	f=unexpected-app.pcap
	expect $f 'tcp.flags.syn == 1 and tcp.flags.ack == 0 and tcp.srcport == 40022 and tcp.dstport == 443' -eq 1 "SYN to 443 (SSH client)"
	expect $f 'tcp.flags.syn == 1 and tcp.flags.ack == 1 and tcp.srcport == 443 and tcp.dstport == 40022' -eq 1 "SYN,ACK from 443 (dropbear)"
	expect $f 'ip.src == 10.99.21.2 and tcp.srcport == 40022 and tcp.payload contains "SSH-2.0-OpenSSH_"' -eq 1 "client banner SSH-2.0-OpenSSH_ on 443"
	expect $f 'ip.src == 10.99.21.3 and tcp.dstport == 40022 and tcp.payload contains "SSH-2.0-dropbear_"' -eq 1 "server banner SSH-2.0-dropbear_ from 443"
	expect $f 'tcp.port == 40022 and tls.handshake' -eq 0 "no TLS handshake on the SSH connection"
	expect $f 'tcp.port == 40022 and tcp.flags.fin == 1' -eq 2 "SSH connection: FIN both ways"
	expect $f 'tcp.flags.syn == 1 and tcp.flags.ack == 1 and tcp.srcport == 443 and tcp.dstport == 40443' -eq 1 "SYN,ACK from 443 (s_server)"
	expect $f 'tls.handshake.type == 1 and tcp.srcport == 40443 and tls.handshake.extensions_server_name == "meet.lab.example"' -eq 1 "ClientHello SNI meet.lab.example"
	expect $f 'tls.handshake.type == 2 and ip.src == 10.99.21.3' -eq 1 "ServerHello"
	expect $f 'tcp.flags.reset == 1' -eq 0 "no RST"
	expect_only $f 'ip.addr == 10.99.21.2 and ip.addr == 10.99.21.3 and tcp.port == 443 and (tcp.port == 40022 or tcp.port == 40443)' "nothing but the two connections to 443"

	f=pexip-edge.pcap
	expect $f 'isakmp and ip.addr == 10.99.19.2 and ip.addr == 10.99.17.2 and udp.srcport == 500 and udp.dstport == 500' -eq 6 "conf <-> edge1: IKE_SA_INIT, IKE_AUTH, INFORMATIONAL on 500"
	expect $f 'isakmp and ip.addr == 10.99.19.2 and ip.addr == 10.99.17.3 and udp.srcport == 500 and udp.dstport == 500' -eq 6 "conf <-> edge2: IKE_SA_INIT, IKE_AUTH, INFORMATIONAL on 500"
	expect $f 'isakmp and isakmp.flag_i == 1 and ip.src == 10.99.19.2' -eq 6 "IKE initiated by the Conferencing Node"
	expect $f 'isakmp.exchangetype == 35 and ip.dst == 10.99.19.2' -eq 2 "both edge nodes answer IKE_AUTH"
	expect_natd $f "match match match match match match match match"
	expect $f 'esp and ip.src == 10.99.19.2 and ip.dst == 10.99.17.3 and esp.spi == 0xc2000001' -eq 3 "ESP conf -> edge2"
	expect $f 'esp and ip.src == 10.99.17.3 and ip.dst == 10.99.19.2 and esp.spi == 0xe2000001' -eq 3 "ESP edge2 -> conf"
	expect $f 'esp and ip.src == 10.99.17.2 and ip.dst == 10.99.19.2 and esp.spi == 0xe1000001' -eq 3 "ESP edge1 -> conf"
	expect $f 'esp and ip.src == 10.99.19.2 and ip.dst == 10.99.17.2 and esp.spi == 0xc1000001' -eq 3 "ESP conf -> edge1"
	expect $f 'tcp.flags.syn == 1 and tcp.flags.ack == 0 and ip.src == 10.99.18.2 and ip.dst == 10.99.17.2 and tcp.dstport == 443' -eq 1 "SYN endpoint -> edge1:443"
	expect $f 'tcp.flags.syn == 1 and tcp.flags.ack == 1 and ip.src == 10.99.17.2 and tcp.srcport == 443' -eq 1 "SYN,ACK from edge1:443"
	expect $f 'tls.handshake.type == 1 and tls.handshake.extensions_server_name == "meet.lab.example" and ip.dst == 10.99.17.2' -eq 1 "ClientHello SNI meet.lab.example"
	expect $f 'tls.handshake.type == 2 and ip.src == 10.99.17.2' -eq 1 "ServerHello"
	expect $f 'ip.addr == 10.99.17.2 and ip.addr == 10.99.17.3' -eq 0 "nothing between the two edge nodes"
	expect $f 'udp.port == 4500 or icmp or tcp.flags.reset == 1' -eq 0 "no NAT-T, no ICMP, no RST"
	expect_only $f '(isakmp and udp.srcport == 500 and udp.dstport == 500) or esp or (tcp.port == 443 and ip.addr == 10.99.18.2)' "nothing but IKE on 500, ESP and TLS 443"
}

more_readme() {
	cat <<'TEXT'

## Calls, applications and edge nodes: sip-rtp, unexpected-app, pexip-edge

Made by `tools/lab/sip-rtp.sh`, `unexpected-app.sh` and `pexip-edge.sh`. Each
has a site file beside it and a case file (`<name>.case.json`, doc/corpus.md).
As above, the "Pexip document row" columns name the row of
`seeds/001_aeec7e21bf946b73.txt` that allows each flow, or "no row"; they are
read from the document, not from wirespec's output.

### sip-rtp.pcap

An endpoint calls a Pexip Conferencing Node over SIP on UDP 5060 and both send
RTP, first on a media port inside the document's range, then on one outside it.
Namespaces: ept (eth0 10.99.16.2/24, endpoint) and conf (eth0 10.99.16.3/24,
Conferencing Node) on one link. Both ends are `tools/lab/sip-rtp.py` (Python
standard library sockets; SIP text per RFC 3261, SDP per RFC 4566/3264, RTP per
RFC 3550 with payload type 0, PCMU, 160-byte frames every 20 ms; fixed Call-IDs,
tags, branches and SSRCs). On conf, `sip-rtp.py uas 10.99.16.3 5060 40000 30000`
answers OPTIONS with 200, each INVITE with 100 Trying and 200 OK whose SDP
offers media port 40000 (first call) or 30000 (second call), and BYE with 200,
and answers every RTP packet on a media port with one of its own stream (own
SSRC and sequence numbers). On ept, `sip-rtp.py uac 10.99.16.2 5060 10.99.16.3
5060 20000 2 6`: OPTIONS; INVITE (SDP m=audio 20000), ACK, 6 RTP packets to
40000, BYE; INVITE (m=audio 20002), ACK, 6 RTP packets to 30000, BYE. No sipp:
SIP and RTP are written by the script, over the kernel's UDP sockets. Recorded
on ept eth0. The site file lists both hosts and turns on feature
`pexip-infinity.sip-udp` (SIP over UDP is an "Additional features" row).

| flow (initiator -> responder) | what tshark shows | Pexip document row |
|---|---|---|
| UDP 10.99.16.2:5060 -> 10.99.16.3:5060 (SIP) | OPTIONS/200; INVITE/100/200 (SDP media 40000)/ACK, BYE/200; INVITE/100/200 (SDP media 30000)/ACK, BYE/200 | Conferencing Node call signaling and media, Additional features: Endpoint / call control system <any> -> Conferencing Node 5060 UDP (SIP UDP) |
| UDP 10.99.16.2:20000 -> 10.99.16.3:40000 (RTP) | 6 RTP each way, PT 0 (PCMU) | Conferencing Node call signaling and media, Standard: Endpoint / call control system / ... <any> -> Conferencing Node 40000–49999 TCP/UDP (RTP / RTCP ...) |
| UDP 10.99.16.2:20002 -> 10.99.16.3:30000 (RTP) | 6 RTP each way, PT 0 (PCMU) | no row (30000 is outside 40000–49999 and in no other row; the answers leave from 30000, outside the "Conferencing Node 40000–49999 -> <any>" row too) |
TEXT
	block "tshark -r sip-rtp.pcap"
	block "tshark -r sip-rtp.pcap -q -z conv,ip -z conv,tcp -z conv,udp"
	block "tshark -r sip-rtp.pcap -Y sip -T fields -e frame.number -e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e sip.Method -e sip.Status-Code -e sip.CSeq -e sdp.media.port"
	block "tshark -r sip-rtp.pcap -Y rtp -T fields -e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e rtp.p_type -e rtp.ssrc | sort | uniq -c"

	cat <<'TEXT'

### unexpected-app.pcap

SSH on the HTTPS port of a Pexip Conferencing Node, then TLS on the same port.
Namespaces: ept (eth0 10.99.21.2/24, endpoint) and conf (eth0 10.99.21.3/24,
Conferencing Node) on one link. On conf, dropbear (dropbear-bin) with its own
ed25519 host key made by `dropbearkey` in the lab's temp dir: `dropbear -F -E -s
-p 10.99.21.3:443 -r HOSTKEY -P PIDFILE` (foreground, no password logins; stopped
by PID). From ept, OpenSSH's client: `ssh -F EMPTY_CONFIG -p 443 -l lab -o
ProxyCommand="socat - TCP:10.99.21.3:443,bind=10.99.21.2,sourceport=40022" -o
BatchMode=yes` with every authentication method off and an empty known_hosts
in the temp dir (StrictHostKeyChecking=no, UpdateHostKeys=no): banner
exchange, key exchange, NEWKEYS, then the "none" authentication is refused
("Permission denied") and both sides close (FIN both ways). Then dropbear is
stopped, `openssl s_server -accept 443 -naccept 1 -rev` (certificate for
meet.lab.example) listens on the same port, and `openssl s_client -bind
10.99.21.2:40443 -servername meet.lab.example` does TLS 1.3, one line each way.
Recorded on ept eth0. tshark dissects TCP 443 as TLS by default; the SSH
connection is shown with `-d tcp.port==443,ssh` below. As in the other TLS
recordings, the number of bare ACKs can differ by one or two between runs.

| flow (initiator -> responder) | what tshark shows | Pexip document row |
|---|---|---|
| TCP 10.99.21.2:40022 -> 10.99.21.3:443 | SYN, SYN,ACK; banners SSH-2.0-OpenSSH_9.2p1 and SSH-2.0-dropbear_2022.83, SSH key exchange; no TLS; FIN both ways | Conferencing Node call signaling and media, Standard: Endpoint <any> -> Conferencing Node 443 TCP (HTTPS): the port is allowed, the application (SSH, not HTTPS) is not the row's |
| TCP 10.99.21.2:40443 -> 10.99.21.3:443 | SYN, SYN,ACK; ClientHello SNI meet.lab.example, ServerHello (TLS 1.3); FIN both ways | Conferencing Node call signaling and media, Standard: Endpoint <any> -> Conferencing Node 443 TCP (HTTPS) |
TEXT
	block "tshark -r unexpected-app.pcap -d tcp.port==443,ssh"
	block "tshark -r unexpected-app.pcap -q -z conv,ip -z conv,tcp -z conv,udp"
	block "tshark -r unexpected-app.pcap -d tcp.port==443,ssh -Y ssh.protocol -T fields -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e ssh.protocol"
	block "tshark -r unexpected-app.pcap -Y 'tls.handshake.type == 1 or tls.handshake.type == 2' -T fields -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tls.handshake.type -e tls.handshake.extensions_server_name"

	cat <<'TEXT'

### pexip-edge.pcap

An external endpoint reaches a Proxying Edge Node on HTTPS; the edge node
relays to the Transcoding Conferencing Node inside IPsec. Namespaces: edge1
(eth0 10.99.17.2/24) and edge2 (eth0 10.99.17.3/24), Proxying Edge Nodes, on
bridge br0 (10.99.17.1/24) in rtr; rtr routes to conf (eth0 10.99.19.2/24,
Transcoding Conferencing Node; rtr eth1 10.99.19.1/24) and to ept (eth0
10.99.18.2/24, endpoint; rtr eth2 10.99.18.1/24). No NAT. IKE and ESP as in the
Pexip recordings above (a charon per node, ESP written by scapy, ESP dropped in
each node's INPUT chain). In order: conf initiates IKEv2 to edge1, then to
edge2 (each completes, CHILD_SA refused, deleted); 3 ESP conf -> edge2 (SPI
0xc2000001) and 3 back (0xe2000001); ept opens TLS 1.3 to edge1:443 from port
40443 (`openssl s_client -servername meet.lab.example` against `openssl s_server
-rev`), one line each way; then the relay: 3 ESP edge1 -> conf (0xe1000001)
and 3 back (0xc1000001). The ESP stands for the call the edge node relays; it
carries no real SA (the kernel has no ESP). The two edge nodes never exchange a
packet. **Recorded at the router** on br0: every packet to or from an edge
node crosses it.

Site files: pexip-edge.site.json puts edge1 in location oslo-dmz, edge2 in
london-dmz and conf in oslo: the document exempts proxying nodes of different
locations from reaching each other, so the mesh is complete.
pexip-edge-one-location.site.json puts both edge nodes in oslo-dmz: the
exemption no longer applies and the edge1 <-> edge2 pair is missing.

| flow (initiator -> responder) | what tshark shows | Pexip document row |
|---|---|---|
| UDP 10.99.19.2:500 -> 10.99.17.2:500 (IKE) | 6 ISAKMP, 3 each way; all 4 NAT-D hashes match | Inter-node communication: Conferencing Node 500 -> Conferencing Node 500 UDP (ISAKMP (IPsec) inter-node communication); "Conferencing Node" covers Proxying Edge Nodes ("These port usage rules ... apply to Proxying Edge Nodes and Transcoding Conferencing Nodes") |
| UDP 10.99.19.2:500 -> 10.99.17.3:500 (IKE) | 6 ISAKMP, 3 each way; all 4 NAT-D hashes match | the same row |
| ESP 10.99.19.2 <-> 10.99.17.3 | 3 ESP each way, SPIs 0xc2000001 / 0xe2000001 | Inter-node communication: Conferencing Node n/a -> Management Node / Conferencing Node n/a ESP (IPsec / IP Protocol 50) |
| TCP 10.99.18.2:40443 -> 10.99.17.2:443 (TLS) | SYN, SYN,ACK, ACK; ClientHello SNI meet.lab.example, ServerHello (TLS 1.3); FIN both ways | Conferencing Node call signaling and media, Standard: Endpoint <any> -> Conferencing Node 443 TCP (HTTPS) |
| ESP 10.99.17.2 <-> 10.99.19.2 | 3 ESP each way, SPIs 0xe1000001 / 0xc1000001 | Inter-node communication: Conferencing Node n/a -> Management Node / Conferencing Node n/a ESP |
| 10.99.17.2 <-> 10.99.17.3 | nothing | Firewall, routing and NAT guidance: "the proxying nodes in one location do not need to have a direct network connection to other proxying nodes in other locations" (exempt with pexip-edge.site.json); with pexip-edge-one-location.site.json the pair falls under "Each Conferencing Node must be able to reach every other Conferencing Node" and is missing |
TEXT
	block "tshark -r pexip-edge.pcap"
	block "tshark -r pexip-edge.pcap -q -z conv,ip -z conv,tcp -z conv,udp"
	block "tshark -r pexip-edge.pcap -Y isakmp -T fields -e frame.number -e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e isakmp.ispi -e isakmp.rspi -e isakmp.exchangetype -e isakmp.flag_i"
	block "tools/lab/natd.py pexip-edge.pcap"
	block "tshark -r pexip-edge.pcap -Y esp -T fields -e frame.number -e ip.src -e ip.dst -e ip.proto -e esp.spi -e esp.sequence"
	block "tshark -r pexip-edge.pcap -Y 'tls.handshake.type == 1 or tls.handshake.type == 2' -T fields -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tls.handshake.type -e tls.handshake.extensions_server_name"
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
libcharon-extra-plugins (for kernel-libipsec), python3, python3-scapy (for the
Pexip recordings' ESP), dropbear-bin and openssh-client (for unexpected-app);
root; /dev/net/tun.
Each script is bounded (\`timeout\` on every program, a recorder lives at most
60 s) and can be run alone: \`LAB_OUT=/tmp/x tools/lab/tcp-refused.sh\`.

The "tshark shows" parts below are generated by \`tools/lab/verify.sh --readme\`
from the files as they are; they are the independent ground truth that tests
assert against. \`tools/lab/verify.sh\` (no option) re-checks them.

Each recording is also a regression case (doc/corpus.md): \`NAME.case.json\`
beside \`NAME.pcap\` and \`NAME.site.json\`, with the findings, flows and coverage
expected from what tshark shows and from the vendor document's rows (named in
each case's \`document\`). Cases that audit other captures or another site
list them (\`captures\`, \`site\`): ike-nat-both (ike-nat.pcap and
ike-nat-inside.pcap together), ike-nat-inside and ike-nat-esp (ike-nat.site.json),
icmp6-prohibited (icmp-prohibited.site.json), icmp-prohibited-sip-udp (both ICMP
recordings, SIP over UDP turned on), pexip-edge-one-location (pexip-edge.pcap,
both edge nodes in one location). Run them with \`wirespec test captures/lab\`;
\`tools/lab/case-check.py WIRESPEC captures/lab\` is a second, independent
reading of the case format that runs them through \`wirespec audit -f json\`.

Recorded with: $(ver tcpdump --version) ($(tcpdump --version 2>&1 | sed -n 2p)),
$(ver /usr/lib/ipsec/charon --version | sed 's/^/strongSwan charon /;s/charon Linux strongSwan/charon/'),
$(ver openssl version), $(ver dnsmasq --version | cut -d' ' -f1-3), $(socat -V 2>&1 | sed -n 2p | cut -d' ' -f1-3),
$(ver iptables -V), $(ver dropbear -V), $(ver ssh -V), $(ver /usr/bin/python3 --version),
kernel $(uname -r) (no CONFIG_INET_ESP);
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
| pexip-compliant.pcap | only what the Pexip document allows: IKE and ESP between two nodes, DNS and syslog from 55000-65535, endpoint TLS 443 |
| pexip-undocumented.pcap | endpoint to the Conferencing Node on TCP 3389 (established) and TCP 23 (RST), and TLS 443 |
| ike-esp-oneway.pcap | IKE completes, ESP leaves the Management Node, none comes back (dropped on the way) |
| pexip-mesh.pcap | IKE and ESP A<->B and A<->C, B->C IKE_SA_INIT retransmitted, never answered; recorded at the router |
| sip-rtp.pcap | SIP OPTIONS/INVITE/ACK/BYE on UDP 5060 endpoint -> Conferencing Node; RTP both ways on 40000 (in the media range), then on 30000 (outside) |
| unexpected-app.pcap | SSH (OpenSSH client, dropbear server) on TCP 443 of a Conferencing Node, then TLS 1.3 on the same port |
| pexip-edge.pcap | IKE and ESP between a Conferencing Node and two Proxying Edge Nodes, endpoint TLS 443 to one edge node, nothing between the edge nodes; recorded at the router |

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

	pexip_readme
	more_readme

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
