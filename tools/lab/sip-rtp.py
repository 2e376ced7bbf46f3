#!/usr/bin/python3
"""sip-rtp.py — a minimal SIP user agent over UDP, and RTP over UDP, for the
lab recording sip-rtp.pcap: one side answers (uas), the other calls (uac).

Specification: SIP, RFC 3261 (request and response format section 7, the
INVITE transaction section 13 and 17, ACK for a 2xx section 13.2.2.4, BYE
section 15, OPTIONS section 11); SDP offer/answer, RFC 4566 and RFC 3264;
RTP, RFC 3550 section 5.1 (fixed header), payload type 0 (PCMU, RFC 3551),
160-byte frames every 20 ms.

uas BIND_IP SIP_PORT MEDIA_PORT...
    Answers OPTIONS with 200; answers each INVITE with 100 Trying and then 200
    OK whose SDP offers the next MEDIA_PORT (first call the first port, second
    call the second...); answers BYE with 200. Every RTP packet arriving on a
    media port is answered by one RTP packet of the UAS's own stream (its own
    SSRC and sequence numbers, same timestamp and size). Exits after the last
    call's BYE, or after 30 s, or after 400 datagrams.

uac BIND_IP SIP_PORT SERVER_IP SERVER_PORT RTP_PORT CALLS PACKETS
    Sends OPTIONS, then CALLS calls in turn: INVITE (SDP offering RTP_PORT+2*i),
    waits for 200, ACK, sends PACKETS RTP packets to the port the 200's SDP
    names (reading the answer to each), then BYE and waits for its 200.
    Prints what it got; exits 1 when an answer is missing.

Every header value (Call-IDs, tags, branches, SSRCs) is fixed, so two runs
write the same SIP text. Standard library only.
"""
import select
import socket
import struct
import sys
import time

PCMU_SILENCE = b"\xff" * 160
UA_NAME = "wirespec-lab-sip/1"


def rtp_packet(seq, ts, ssrc):
    # V=2, P=0, X=0, CC=0; M=0, PT=0 (PCMU)
    return struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + PCMU_SILENCE


def sdp(ip, port, sess):
    return ("v=0\r\n"
            "o=lab %d 1 IN IP4 %s\r\n"
            "s=wirespec lab\r\n"
            "c=IN IP4 %s\r\n"
            "t=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\n"
            "a=rtpmap:0 PCMU/8000\r\n"
            "a=ptime:20\r\n"
            "a=sendrecv\r\n") % (sess, ip, ip, port)


def message(start, headers, body=""):
    lines = [start] + ["%s: %s" % h for h in headers]
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append("Content-Length: %d" % len(body.encode()))
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def parse(data):
    """(start line, {lowercase header: value}, body) of a SIP message."""
    text = data.decode("utf-8", "replace")
    head, _, body = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    hdrs = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        hdrs.setdefault(name.strip().lower(), value.strip())
    return lines[0], hdrs, body


def sdp_media(body):
    ip, port = None, None
    for line in body.split("\r\n"):
        if line.startswith("c=IN IP4 "):
            ip = line[9:].strip()
        elif line.startswith("m=audio "):
            port = int(line.split()[1])
    return ip, port


def uas(bind_ip, sip_port, media_ports):
    sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sip.bind((bind_ip, sip_port))
    media = []
    for p in media_ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((bind_ip, p))
        media.append(s)
    print("listening", flush=True)
    calls, byes = 0, 0
    seqs = [0] * len(media)           # one RTP stream per media port,
    ssrcs = [0x5EC0DE01 + i for i in range(len(media))]   # each its own SSRC
    deadline = time.monotonic() + 30
    for _ in range(400):
        left = deadline - time.monotonic()
        if left <= 0 or byes == len(media_ports):
            break
        ready, _, _ = select.select([sip] + media, [], [], left)
        for s in ready:
            data, peer = s.recvfrom(4096)
            if s is not sip:
                m = media.index(s)
                if len(data) >= 12:
                    _, _, _, ts, _ = struct.unpack("!BBHII", data[:12])
                    seqs[m] += 1
                    s.sendto(rtp_packet(seqs[m], ts, ssrcs[m]), peer)
                continue
            start, h, body = parse(data)
            method = start.split(" ", 1)[0]
            base = [("Via", h.get("via", "")), ("From", h.get("from", "")),
                    ("To", h.get("to", "") + ("" if "tag=" in h.get("to", "") else
                                              ";tag=uas%d" % (calls + 1))),
                    ("Call-ID", h.get("call-id", "")), ("CSeq", h.get("cseq", ""))]
            contact = ("Contact", "<sip:conf@%s:%d>" % (bind_ip, sip_port))
            ua = ("Server", UA_NAME)
            if method == "OPTIONS":
                s.sendto(message("SIP/2.0 200 OK", base + [contact, ua,
                         ("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS"),
                         ("Accept", "application/sdp")]), peer)
                print("OPTIONS answered", flush=True)
            elif method == "INVITE":
                port = media_ports[min(calls, len(media_ports) - 1)]
                calls += 1
                s.sendto(message("SIP/2.0 100 Trying", base[:2] + [("To", h.get("to", ""))] +
                                 base[3:] + [ua]), peer)
                s.sendto(message("SIP/2.0 200 OK", base + [contact, ua],
                                 sdp(bind_ip, port, 2000 + calls)), peer)
                print("INVITE answered, media port %d" % port, flush=True)
            elif method == "BYE":
                byes += 1
                s.sendto(message("SIP/2.0 200 OK", base + [ua]), peer)
                print("BYE answered", flush=True)
            elif method == "ACK":
                print("ACK received", flush=True)
    return 0 if byes == len(media_ports) else 1


class Uac:
    def __init__(self, bind_ip, sip_port, srv_ip, srv_port):
        self.ip, self.port = bind_ip, sip_port
        self.srv = (srv_ip, srv_port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((bind_ip, sip_port))
        self.n = 0

    def send(self, method, call_id, cseq, to_tag="", body="", branch=None):
        self.n += 1
        uri = "sip:meet@%s:%d" % self.srv
        hdrs = [("Via", "SIP/2.0/UDP %s:%d;branch=%s;rport" % (
                    self.ip, self.port, branch or "z9hG4bK-lab-%d" % self.n)),
                ("Max-Forwards", "70"),
                ("From", "<sip:endpoint@%s>;tag=uac-%s" % (self.ip, call_id.split("-")[-1])),
                ("To", "<%s>%s" % (uri, ";tag=" + to_tag if to_tag else "")),
                ("Call-ID", call_id),
                ("CSeq", "%d %s" % (cseq, method)),
                ("Contact", "<sip:endpoint@%s:%d>" % (self.ip, self.port)),
                ("User-Agent", UA_NAME)]
        self.sock.sendto(message("%s %s SIP/2.0" % (method, uri), hdrs, body), self.srv)

    def final(self, method, timeout=3.0):
        """The final response (>= 200) to METHOD, skipping provisional ones."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r, _, _ = select.select([self.sock], [], [], deadline - time.monotonic())
            if not r:
                break
            start, h, body = parse(self.sock.recv(4096))
            code = int(start.split(" ")[1]) if start.startswith("SIP/2.0 ") else 0
            if h.get("cseq", "").endswith(" " + method) and code >= 200:
                return code, h, body
        raise SystemExit("no final response to %s" % method)


def uac(bind_ip, sip_port, srv_ip, srv_port, rtp_port, calls, packets):
    ua = Uac(bind_ip, sip_port, srv_ip, int(srv_port))
    ua.send("OPTIONS", "lab-options-1", 1)
    print("OPTIONS", ua.final("OPTIONS")[0], flush=True)
    ssrc = 0x5EC0DE10
    for c in range(1, calls + 1):
        cid = "lab-call-%d" % c
        my_port = rtp_port + 2 * (c - 1)
        rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rtp.bind((bind_ip, my_port))
        ua.send("INVITE", cid, 1, body=sdp(bind_ip, my_port, 1000 + c),
                branch="z9hG4bK-lab-invite-%d" % c)
        code, h, body = ua.final("INVITE")
        if code != 200:
            raise SystemExit("INVITE answered %d" % code)
        to_tag = h.get("to", "").partition("tag=")[2]
        # ACK for a 2xx is its own transaction (new branch), RFC 3261 13.2.2.4
        ua.send("ACK", cid, 1, to_tag=to_tag)
        peer = sdp_media(body)
        print("call %d: media %s:%d" % (c, peer[0], peer[1]), flush=True)
        got = 0
        for i in range(packets):
            rtp.sendto(rtp_packet(i + 1, 160 * i, ssrc + c), peer)
            r, _, _ = select.select([rtp], [], [], 0.5)
            if r:
                rtp.recv(2048)
                got += 1
            time.sleep(0.02)
        print("call %d: sent %d RTP, got %d back" % (c, packets, got), flush=True)
        ua.send("BYE", cid, 2, to_tag=to_tag)
        print("BYE", ua.final("BYE")[0], flush=True)
        rtp.close()
        if got != packets:
            raise SystemExit("RTP answers missing")
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "uas" and len(sys.argv) >= 5:
        return uas(sys.argv[2], int(sys.argv[3]), [int(p) for p in sys.argv[4:]])
    if len(sys.argv) == 9 and sys.argv[1] == "uac":
        a = sys.argv[2:]
        return uac(a[0], int(a[1]), a[2], int(a[3]), int(a[4]), int(a[5]), int(a[6]))
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
