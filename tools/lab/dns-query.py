#!/usr/bin/python3
"""dns-query.py — one DNS A query over UDP from a fixed source address and
port, printing each A record of the answer (one per line).

Specification: RFC 1035 section 4.1 (header, question, resource records) and
section 4.2.1 (UDP). The query has a fixed id (0x5058) and RD set, so a run is
repeatable. Standard library only; the answer is parsed here, minimally
(no compression pointers are followed except to skip names).

Usage: dns-query.py SRC SPORT SERVER NAME
"""
import socket
import struct
import sys

QID = 0x5058


def query(name):
    q = struct.pack("!HHHHHH", QID, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode("ascii")
    return q + b"\x00" + struct.pack("!HH", 1, 1)


def skip_name(msg, off):
    while True:
        if off >= len(msg):
            raise ValueError("name runs past the message")
        n = msg[off]
        if n & 0xC0 == 0xC0:
            return off + 2
        if n == 0:
            return off + 1
        off += 1 + n


def answers(msg):
    qid, flags, qd, an = struct.unpack("!HHHH", msg[:8])
    if qid != QID or not flags & 0x8000:
        raise ValueError("not an answer to our query")
    off = 12
    for _ in range(qd):
        off = skip_name(msg, off) + 4
    for _ in range(an):
        off = skip_name(msg, off)
        rtype, rclass, _ttl, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        off += 10
        if rtype == 1 and rclass == 1 and rdlen == 4:
            yield socket.inet_ntoa(msg[off:off + 4])
        off += rdlen


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    src, sport, server, name = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((src, sport))
        s.settimeout(3)
        s.sendto(query(name), (server, 53))
        msg, _peer = s.recvfrom(4096)
    for a in answers(msg):
        print(a)


if __name__ == "__main__":
    main()
