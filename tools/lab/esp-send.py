#!/usr/bin/python3
"""esp-send.py — send ESP packets (IP protocol 50) with scapy, for lab
recordings on a kernel without ESP support.

Specification: RFC 4303 section 2 (ESP packet format: SPI, sequence number,
then the payload). The payload here is 16 bytes of "IV", 48 bytes of
"ciphertext" and a 16-byte "ICV", all derived from SHA-256 of the SPI and
sequence number, so a run is repeatable byte for byte; it is not the output of
any cipher and belongs to no negotiated SA.

Usage: esp-send.py SRC DST SPI FIRST_SEQ COUNT   (SPI in hex or decimal)
Sends through the kernel's raw IP socket (scapy's L3RawSocket), so routing and
the neighbour table of the calling network namespace are used; scapy sends no
ARP of its own.
"""
import hashlib
import sys
import time

from scapy.all import ESP, IP, L3RawSocket, conf, send


def payload(spi, seq):
    out = b""
    block = 0
    while len(out) < 80:
        out += hashlib.sha256(b"wirespec-lab-esp %d %d %d" % (spi, seq, block)).digest()
        block += 1
    return out[:80]


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    src, dst = sys.argv[1], sys.argv[2]
    spi = int(sys.argv[3], 0)
    first, count = int(sys.argv[4]), int(sys.argv[5])
    if not (0 < count <= 20 and 0 < spi < 2**32 and 0 < first < 2**32 - count):
        sys.exit("esp-send.py: bad SPI, sequence number or count")
    conf.L3socket = L3RawSocket
    conf.verb = 0
    for seq in range(first, first + count):
        send(IP(src=src, dst=dst, ttl=64, id=seq, flags="DF") /
             ESP(spi=spi, seq=seq, data=payload(spi, seq)))
        print("sent ESP %s > %s spi 0x%08x seq %d" % (src, dst, spi, seq))
        time.sleep(0.05)


if __name__ == "__main__":
    main()
