#!/bin/sh
# extract.sh - how the IKE samples in this folder were made (run from here).
#
# ndpi-fNNN.bin: the UDP payload of frame NNN of nDPI's test capture
# ipsec_isakmp_esp.pcap (IKEv2 through a NAT: IKE_SA_INIT on 10500->500,
# IKE_AUTH and ESP-in-UDP on 14500->4500, with the non-ESP marker).
# The expected values in tests/test_ike_decode.c come from
#   tshark -r ipsec_isakmp_esp.pcap -V -Y 'frame.number==NNN'
set -eu
PCAP=${1:-/work/shared/corpus/ndpi/ipsec_isakmp_esp.pcap}
for f in 1 2 7 11 16 17 18 19 42; do
	tshark -r "$PCAP" -Y "frame.number==$f" -T fields -e udp.payload |
		python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))' \
			>"ndpi-f$(printf %03d "$f").bin"
done
# IKEv1 messages built with scapy (no IKEv1 capture is at hand): see make_ikev1.py
/usr/bin/python3 make_ikev1.py
