#!/usr/bin/python3
# make_ikev1.py - builds the IKEv1 Main Mode samples (scapy 2.5, Debian's
# python3-scapy: run with /usr/bin/python3) and writes each UDP payload to
# ikev1-*.bin and all of them, with IP/UDP headers, to ikev1.pcap so that
# tshark can dissect them:  tshark -r ikev1.pcap -V
#
# NAT-D hashes are computed here with hashlib, RFC 3947 section 3.2:
#   HASH(CKY-I | CKY-R | IP | Port), the first NAT-D payload for the
#   destination, the next for the sender's own (local) address.
#
# Scenarios:
#  a: SHA1 SA, 192.0.2.10:500 <-> 198.51.100.20:500, no NAT (all match).
#  b: MD5 SA, initiator 10.0.0.5:500 behind a NAT that shows it as
#     203.0.113.7:4501; seen between 203.0.113.7:4501 and 198.51.100.20:500.
#     The initiator's source hash is over 10.0.0.5:500 (mismatch); the
#     responder hashes what it sees (match).
#  c: draft-ietf-ipsec-nat-t-ike-02\n VID and NAT-D payload 130, SHA2-256 SA;
#     the responder 198.51.100.30 is behind a NAT (port forward): the
#     initiator 192.0.2.10 sends to 203.0.113.9:500, the capture (inside)
#     shows 198.51.100.30:500 as destination: destination mismatch. The
#     responder hashes its own local address, which the inside capture
#     shows unchanged (its source hash matches).
import hashlib
import socket
import struct

from scapy.all import IP, UDP, Raw, wrpcap
from scapy.layers.isakmp import (ISAKMP, ISAKMP_payload, ISAKMP_payload_KE,
                                 ISAKMP_payload_Nonce, ISAKMP_payload_Proposal,
                                 ISAKMP_payload_SA, ISAKMP_payload_Transform,
                                 ISAKMP_payload_VendorID)

VID_RFC3947 = bytes.fromhex("4a131c81070358455c5728f20e95452f")
VID_DRAFT02N = bytes.fromhex("90cb80913ebb696e086381b5ec427b1f")
VID_DPD = bytes.fromhex("afcad71368a1f1c96b8696fc77570100")


def natd(alg, cky_i, cky_r, ip, port):
    return hashlib.new(alg, cky_i + cky_r + socket.inet_aton(ip) + struct.pack(">H", port)).digest()


def transform(num, hash_name):
    return ISAKMP_payload_Transform(num=num, transforms=[
        ("Encryption", "AES-CBC"), ("KeyLength", 128), ("Hash", hash_name),
        ("Authentication", "PSK"), ("GroupDesc", "1024MODPgr"),
        ("LifeType", "Seconds"), ("LifeDuration", 28800)])


def sa(hashes):
    ts = [transform(i + 1, h) for i, h in enumerate(hashes)]
    for t in ts[:-1]:
        t.next_payload = 3
    ts[-1].next_payload = 0
    chain = ts[0]
    for t in ts[1:]:
        chain = chain / t
    return ISAKMP_payload_SA(next_payload=13, prop=ISAKMP_payload_Proposal(
        proto=1, trans_nb=len(hashes), trans=chain))


def vids(ids):
    out = None
    for i, v in enumerate(ids):
        p = ISAKMP_payload_VendorID(next_payload=13 if i + 1 < len(ids) else 0, load=v)
        out = p if out is None else out / p
    return out


def ke_nonce_natd(natd_type, hashes):
    ke = ISAKMP_payload_KE(next_payload=10, load=bytes(range(128)))
    nonce = ISAKMP_payload_Nonce(next_payload=natd_type, load=bytes(range(100, 120)))
    out = ke / nonce
    for i, h in enumerate(hashes):
        out = out / ISAKMP_payload(next_payload=natd_type if i + 1 < len(hashes) else 0, load=h)
    return out


def hdr(cky_i, cky_r, np):
    return ISAKMP(init_cookie=cky_i, resp_cookie=cky_r, next_payload=np,
                  exch_type=2, flags=0, id=0)


packets = []


def emit(name, src, sport, dst, dport, ike):
    raw = bytes(ike)
    with open("ikev1-%s.bin" % name, "wb") as f:
        f.write(raw)
    packets.append(IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(raw))


def main_mode(tag, alg, hash_names, chosen, vid_list, natd_type, i_addr, r_addr, i_hashed, r_hashed):
    """i_addr/r_addr: (ip, port) as captured; i_hashed/r_hashed: what each
    end believes: (own local address, remote address)."""
    cky_i = bytes.fromhex({"a": "1111111111111111", "b": "2222222222222222",
                           "c": "3333333333333333"}[tag]) [:4] + bytes.fromhex("a1b2c3d4")
    cky_r = bytes.fromhex("5e6f7a8b") + cky_i[:4]
    z = bytes(8)
    emit(tag + "1", *i_addr, *r_addr, hdr(cky_i, z, 1) / sa(hash_names) / vids(vid_list))
    emit(tag + "2", *r_addr, *i_addr, hdr(cky_i, cky_r, 1) / sa([chosen]) / vids(vid_list[:1]))
    (i_local, i_remote), (r_local, r_remote) = i_hashed, r_hashed
    emit(tag + "3", *i_addr, *r_addr, hdr(cky_i, cky_r, 4) / ke_nonce_natd(natd_type, [
        natd(alg, cky_i, cky_r, *i_remote), natd(alg, cky_i, cky_r, *i_local)]))
    emit(tag + "4", *r_addr, *i_addr, hdr(cky_i, cky_r, 4) / ke_nonce_natd(natd_type, [
        natd(alg, cky_i, cky_r, *r_remote), natd(alg, cky_i, cky_r, *r_local)]))
    print(tag, "CKY-I", cky_i.hex(), "CKY-R", cky_r.hex())


I, R = ("192.0.2.10", 500), ("198.51.100.20", 500)
main_mode("a", "sha1", ["SHA", "MD5"], "SHA", [VID_RFC3947, VID_DPD], 20, I, R, (I, R), (R, I))
NI, NR = ("203.0.113.7", 4501), ("198.51.100.20", 500)
main_mode("b", "md5", ["MD5"], "MD5", [VID_RFC3947], 20, NI, NR,
          (("10.0.0.5", 500), NR), (NR, NI))
CI, CR = ("192.0.2.10", 500), ("198.51.100.30", 500)
main_mode("c", "sha256", ["SHA2-256", "SHA"], "SHA2-256", [VID_DRAFT02N], 130, CI, CR,
          (CI, ("203.0.113.9", 500)), (CR, CI))
wrpcap("ikev1.pcap", packets)
