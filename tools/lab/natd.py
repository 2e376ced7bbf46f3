#!/usr/bin/env python3
"""natd.py — recompute the IKEv2 NAT detection hashes of every IKE_SA_INIT
message in a capture and say whether each one matches what was carried.

Specification: RFC 7296 section 2.23: NAT_DETECTION_SOURCE_IP (16388) and
NAT_DETECTION_DESTINATION_IP (16389) carry SHA-1(SPIi | SPIr | IP | port), with
the IKE header's SPIs (SPIr zero in the first request) and the sender's
(source) or receiver's (destination) address and UDP port as the sender saw them.
A mismatch at a vantage point means an address or port changed on the way.

The packet fields (addresses, ports, UDP payload) come from tshark; the IKE
payload chain is walked here, independently of tshark's ISAKMP dissector.

Usage: natd.py FILE.pcap   (prints one line per NAT-D notify)
"""
import hashlib
import ipaddress
import subprocess
import sys

NOTIFY = 41
NATD = {16388: "NAT_DETECTION_SOURCE_IP", 16389: "NAT_DETECTION_DESTINATION_IP"}


def packets(path):
    out = subprocess.run(
        ["tshark", "-r", path, "-Y", "udp and (udp.port == 500 or udp.port == 4500)",
         "-T", "fields", "-E", "separator=\t",
         "-e", "frame.number", "-e", "ip.src", "-e", "ip.dst",
         "-e", "ipv6.src", "-e", "ipv6.dst",
         "-e", "udp.srcport", "-e", "udp.dstport", "-e", "udp.payload"],
        check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split("\t")
        src = f[1] or f[3]
        dst = f[2] or f[4]
        yield int(f[0]), src, dst, int(f[5]), int(f[6]), bytes.fromhex(f[7])


def notifies(ike):
    """Yield (type, data) of each Notify payload; ike starts at the IKE header."""
    if len(ike) < 28:
        return
    nxt, off, end = ike[16], 28, min(len(ike), int.from_bytes(ike[24:28], "big"))
    while nxt != 0 and off + 4 <= end:
        plen = int.from_bytes(ike[off + 2:off + 4], "big")
        if plen < 4 or off + plen > end:
            return
        if nxt == NOTIFY and plen >= 8:
            spisize = ike[off + 5]
            ntype = int.from_bytes(ike[off + 6:off + 8], "big")
            yield ntype, ike[off + 8 + spisize:off + plen]
        nxt, off = ike[off], off + plen


def natd_hash(spis, ip, port):
    return hashlib.sha1(spis + ipaddress.ip_address(ip).packed
                        + port.to_bytes(2, "big")).digest()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: natd.py FILE.pcap")
    for frame, src, dst, sport, dport, payload in packets(sys.argv[1]):
        if sport == 4500 or dport == 4500:
            if payload[:4] != b"\0\0\0\0":
                continue          # ESP in UDP, not IKE
            payload = payload[4:]  # non-ESP marker (RFC 3948 section 2.2)
        if len(payload) < 28 or payload[18] != 34:  # exchange type IKE_SA_INIT
            continue
        spis = payload[0:16]
        role = "response" if payload[19] & 0x20 else "request"
        for ntype, data in notifies(payload):
            if ntype not in NATD:
                continue
            if ntype == 16388:
                ip, port = src, sport
            else:
                ip, port = dst, dport
            want = natd_hash(spis, ip, port)
            verdict = "match" if want == data else "MISMATCH"
            print(f"frame {frame} {role} {src}:{sport} > {dst}:{dport} "
                  f"{NATD[ntype]} carried {data.hex()} "
                  f"computed-over {ip}:{port} {want.hex()} {verdict}")


if __name__ == "__main__":
    main()
