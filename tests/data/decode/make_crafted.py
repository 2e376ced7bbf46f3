#!/usr/bin/python3
"""Writes the crafted one-frame captures of tests/data/decode/ (link types and
encapsulations the corpus lacks). Run from this directory with Debian's
python3-scapy: /usr/bin/python3 make_crafted.py. Their expected values in
tests/test_decode.c come from tshark's reading of the files written here."""
from scapy.all import (Dot1AD, Dot1Q, Ether, GRE, IP, IPv6, PPP, PPPoE, Raw,
                       TCP, UDP, wrpcap, rdpcap)
from scapy.contrib.mpls import MPLS

ETH = dict(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")


def raw_frame(name, linktype, data):
    """One frame of the given link type, bytes as given."""
    wrpcap(name, [Raw(data)], linktype=linktype)


# SLL2 (276): the IPv4 SYN of sll_ipv4_tcp_syn.pcap behind a cooked v2 header:
# protocol 0x0800, reserved, ifindex 2, ARPHRD_ETHER, outgoing, halen 6.
sll = bytes(rdpcap("sll_ipv4_tcp_syn.pcap")[0])
ip_syn = sll[16:]
sll2 = (bytes.fromhex("0800 0000 00000002 0001 04 06") +
        bytes.fromhex("02000000000100 00".replace(" ", "")) + ip_syn)
raw_frame("sll2_ipv4_tcp_syn.pcap", 276, sll2)

# LOOP (108): the IPv4 SYN of null_ipv4_tcp.pcap with a network-order AF_INET.
null = bytes(rdpcap("null_ipv4_tcp.pcap")[0])
raw_frame("loop_ipv4_tcp_syn.pcap", 108, b"\x00\x00\x00\x02" + null[4:])

# GRE version 0 with key and sequence, IPv4 inside, UDP 5060.
wrpcap("eth_gre_ipv4_udp.pcap", [
    Ether(**ETH) / IP(src="198.51.100.1", dst="198.51.100.2", id=1) /
    GRE(key_present=1, seqnum_present=1, key=0x1234, seqence_number=7) /
    IP(src="10.1.1.1", dst="10.2.2.2", id=2) / UDP(sport=40000, dport=5060) /
    Raw(b"OPTIONS sip:x SIP/2.0\r\n\r\n")])

# GRE transparent Ethernet bridging (0x6558): Ethernet + IPv4 + TCP inside.
wrpcap("eth_gre_teb_tcp.pcap", [
    Ether(**ETH) / IP(src="198.51.100.1", dst="198.51.100.2", id=3) /
    GRE(proto=0x6558) / Ether(**ETH) /
    IP(src="10.3.3.3", dst="10.4.4.4", id=4) /
    TCP(sport=50000, dport=443, flags="S", seq=1000, window=29200)])

# 802.1ad outer tag (0x88a8) + 802.1Q inner tag, IPv6 + TCP SYN/ACK.
wrpcap("qinq_88a8_ipv6_tcp.pcap", [
    Ether(**ETH) / Dot1AD(vlan=100) / Dot1Q(vlan=200) /
    IPv6(src="2001:db8::1", dst="2001:db8::2") /
    TCP(sport=443, dport=51000, flags="SA", seq=5, ack=1001, window=65535)])

# MPLS unicast, two labels, IPv4 + UDP.
wrpcap("mpls_ipv4_udp.pcap", [
    Ether(**ETH, type=0x8847) / MPLS(label=100, s=0, ttl=64) /
    MPLS(label=200, s=1, ttl=64) /
    IP(src="192.0.2.10", dst="192.0.2.20", id=5) / UDP(sport=1234, dport=4500) /
    Raw(b"\x00" * 12)])

# PPPoE session carrying IPv6 + UDP.
wrpcap("pppoe_ipv6_udp.pcap", [
    Ether(**ETH) / PPPoE(sessionid=0x11) / PPP(proto=0x0057) /
    IPv6(src="2001:db8::a", dst="2001:db8::b") / UDP(sport=546, dport=547) /
    Raw(b"\x01\x00\x00\x01")])
