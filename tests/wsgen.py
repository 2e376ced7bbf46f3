#!/usr/bin/env python3
"""wsgen, the capture generator: the packets of each scenario are what the
scenario says, as tshark dissects them (with checksum validation on, and no
expert warning beyond the RST a rejected flow is made of); IKE NAT-D hashes
are SHA-1 values computed here with hashlib (RFC 7296 section 2.23); the
output is byte-identical across runs; scenario errors name FILE:LINE:COL and
exit 2; and a small --profile bench capture is well-formed.

Usage: wsgen.py WIRESPEC SOURCE_DIR (wsgen is found beside wirespec's build).
"""
import calendar
import hashlib
import ipaddress
import os
import shutil
import subprocess
import sys
import tempfile

ws, src = sys.argv[1], sys.argv[2]
wsgen = os.path.join(os.path.dirname(os.path.abspath(ws)), "tools", "gen", "wsgen")
data = os.path.join(src, "tests", "data", "wsgen")
if not shutil.which("tshark"):
    print("skipped: no tshark")
    sys.exit(77)
if not os.access(wsgen, os.X_OK):
    print(f"FAIL: no wsgen at {wsgen} (build the wsgen target)")
    sys.exit(1)

tmp = tempfile.mkdtemp()
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def gen(scenario, out):
    r = subprocess.run([wsgen, scenario, "-o", out], capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stderr)
    return r.returncode


FIELDS = ["frame.number", "frame.time_epoch", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq", "tcp.ack", "tcp.len",
          "udp.srcport", "udp.dstport", "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code",
          "tls.handshake.type", "tls.handshake.extensions_server_name", "http.host",
          "http.response.code", "sip.Method", "sip.Status-Code", "ssh.protocol",
          "ssh.message_code", "dns.qry.name", "dns.a", "dns.aaaa", "dns.flags.rcode",
          "dns.flags.response", "rtp.ssrc", "rtp.seq", "rtp.p_type", "ntp.flags.mode",
          "snmp.name", "syslog.msg", "isakmp.exchangetype", "isakmp.flags", "isakmp.ispi",
          "isakmp.rspi", "isakmp.messageid", "isakmp.notify.msgtype", "isakmp.notify.data",
          "esp.spi", "esp.sequence", "ip.checksum.status", "tcp.checksum.status",
          "udp.checksum.status", "icmp.checksum.status", "icmpv6.checksum.status",
          "_ws.expert.message", "_ws.expert.severity", "_ws.malformed"]
TSHARK_OPTS = ["-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
               "-o", "udp.check_checksum:TRUE", "-o", "rtp.heuristic_rtp:TRUE",
               "-o", "tcp.desegment_tcp_streams:FALSE"]


def dissect(pcap):
    cmd = ["tshark", "-r", pcap, *TSHARK_OPTS, "-T", "fields", "-E", "occurrence=a",
           "-E", "aggregator=|", "-E", "separator=\t"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        vals = line.split("\t")
        rows.append({f: [x for x in v.split("|") if x != ""] for f, v in zip(FIELDS, vals)})
    return rows


def first(row, f):
    return row[f][0] if row[f] else None


def epoch(s):
    """UTC time text -> seconds since the epoch, independently of wsgen."""
    base, frac = (s.rstrip("Z").split(".") + ["0"])[:2]
    t = calendar.timegm(tuple(int(x) for x in base.replace("T", "-").replace(":", "-").split("-"))
                        + (0, 0, 0))
    return t + int(frac.ljust(6, "0")) / 1e6


def well_formed(name, rows):
    """Checksums are validated and good; no warning or error but a RST's."""
    # 0 bad, 1 good, 2 unverified: only a header quoted in an ICMP error
    # (cut after 8 bytes) may stay unverified.
    bad_ck = [r["frame.number"][0] for r in rows
              for f in ("ip.checksum.status", "tcp.checksum.status", "udp.checksum.status",
                        "icmp.checksum.status", "icmpv6.checksum.status")
              for v in r[f]
              if v != "1" and not (v == "2" and (first(r, "icmp.type") == "3"
                                                 or first(r, "icmpv6.type") == "1"))]
    check(f"{name}: every checksum validated and good", not bad_ck, f"frames {bad_ck[:5]}")
    warn = [(r["frame.number"][0], m) for r in rows
            for m, sev in zip(r["_ws.expert.message"], r["_ws.expert.severity"])
            if int(sev, 0) >= 0x00600000 and m != "Connection reset (RST)"]
    check(f"{name}: no expert warning or error", not warn, str(warn[:5]))
    check(f"{name}: nothing malformed", not any(r["_ws.malformed"] for r in rows))
    times = [float(r["frame.time_epoch"][0]) for r in rows]
    check(f"{name}: timestamps never go back", times == sorted(times))


def by_ports(rows, sport=None, dport=None, proto="tcp"):
    """Frames of the flow with these ports, both directions (plus ICMP errors quoting it)."""
    out = []
    for r in rows:
        sp, dp = r[f"{proto}.srcport"], r[f"{proto}.dstport"]
        if not sp:
            continue
        a = (int(sp[0]), int(dp[0]))
        if (dport is None or dport in a) and (sport is None or sport in a):
            out.append(r)
    return out


def flags(frames):
    return [int(first(r, "tcp.flags"), 16) for r in frames]


# ---------------------------------------------------------------- tcp
pcap = os.path.join(tmp, "tcp.pcap")
check("tcp: written", gen(os.path.join(data, "tcp.wsgen"), pcap) == 0)
rows = dissect(pcap)
well_formed("tcp", rows)
t0 = epoch("2026-03-02T09:00:00Z")
check("tcp: first packet at start", abs(float(rows[0]["frame.time_epoch"][0]) - t0) < 1e-6)

SYN, SYNACK, ACK, PSHACK, FINACK, RSTACK = 0x002, 0x012, 0x010, 0x018, 0x011, 0x014
f = by_ports(rows, 40000, 443)
check("tcp tls: handshake, 4 data segments, FIN both ways",
      flags(f) == [SYN, SYNACK, ACK] + [PSHACK] * 4 + [FINACK, FINACK, ACK], str(flags(f)))
check("tcp tls: ClientHello with SNI from the client",
      first(f[3], "tls.handshake.extensions_server_name") == "sm1.example.com"
      and first(f[3], "ip.src") == "10.1.0.5" and first(f[3], "tls.handshake.type") == "1")
check("tcp tls: ServerHello from the server",
      "2" in f[4]["tls.handshake.type"] and first(f[4], "ip.src") == "10.1.0.6")
# sequence numbers: each segment's ack is the peer's next sequence number
ok = True
nxt = {}
for r in f:
    src = first(r, "ip.src")
    fl = int(first(r, "tcp.flags"), 16)
    seq, ln = int(first(r, "tcp.seq")), int(first(r, "tcp.len"))
    if src in nxt and seq != nxt[src]:
        ok = False
    other = [k for k in nxt if k != src]
    if fl & 0x10 and other and int(first(r, "tcp.ack")) != nxt[other[0]]:
        ok = False
    nxt[src] = seq + ln + (1 if fl & 0x3 else 0)
check("tcp tls: sequence and acknowledgement numbers consistent", ok)

f = by_ports(rows, 40001, 80)
check("tcp http: Host and a 200 reply",
      [first(r, "http.host") for r in f if r["http.host"]] == ["www.example.com"]
      and [first(r, "http.response.code") for r in f if r["http.response.code"]] == ["200"])
f = by_ports(rows, 40002, 5060)
check("tcp sip: OPTIONS, INVITE, each answered 200",
      [first(r, "sip.Method") or first(r, "sip.Status-Code") for r in f if r["sip.Method"] or r["sip.Status-Code"]]
      == ["OPTIONS", "200", "INVITE", "200"])
f = by_ports(rows, 40003, 22)
check("tcp ssh: banners both ways, then KEXINIT (20) both ways, then IGNORE (2)",
      len([r for r in f if r["ssh.protocol"]]) == 2
      and [first(r, "ssh.message_code") for r in f if r["ssh.message_code"]] == ["20", "20", "2", "2"])
f = by_ports(rows, 40004, 8443)
check("tcp rejected: SYN, RST/ACK", flags(f) == [SYN, RSTACK]
      and int(first(f[1], "tcp.ack")) == int(first(f[0], "tcp.seq")) + 1)
f = by_ports(rows, 40005, 443)
ts = [float(first(r, "frame.time_epoch")) for r in f]
check("tcp no-answer: 3 SYNs 1 s then 2 s apart",
      flags(f) == [SYN] * 3 and abs(ts[1] - ts[0] - 1) < 1e-6 and abs(ts[2] - ts[1] - 2) < 1e-6)
icmp = [r for r in rows if r["icmp.type"]]
f = [r for r in icmp if 40006 in [int(p) for p in r["tcp.srcport"]]]
check("tcp prohibited: ICMP 3/13 from via, quoting the SYN to 443",
      len(f) == 1 and first(f[0], "icmp.type") == "3" and first(f[0], "icmp.code") == "13"
      and f[0]["ip.src"][0] == "10.1.0.254" and f[0]["ip.dst"][0] == "10.1.0.5"
      and f[0]["tcp.dstport"] == ["443"], str(f[:1]))
f = by_ports(rows, 40007, 9000)
check("tcp raw: 3 data segments of 500 bytes",
      [int(first(r, "tcp.len")) for r in f if int(first(r, "tcp.len"))] == [500] * 3)
f = by_ports(rows, None, 9001)
syns = [r for r in f if int(first(r, "tcp.flags"), 16) == SYN]
sports = [int(first(r, "tcp.srcport")) for r in syns]
starts = [round(float(first(r, "frame.time_epoch")) - t0, 6) for r in syns]
check("tcp repeat=3 at=5: consecutive ephemeral ports, gap apart",
      len(syns) == 3 and all(49152 <= p for p in sports)
      and [(p - sports[0]) % 16384 for p in sports] == [0, 1, 2] and starts == [5.0, 5.01, 5.02],
      f"{sports} {starts}")

# ---------------------------------------------------------------- udp
pcap = os.path.join(tmp, "udp.pcap")
check("udp: written", gen(os.path.join(data, "udp.wsgen"), pcap) == 0)
rows = dissect(pcap)
well_formed("udp", rows)
t0 = epoch("2026-03-02T10:00:00.25Z")
check("udp: first packet at the start's fraction",
      abs(float(rows[0]["frame.time_epoch"][0]) - t0) < 1e-6)
f = by_ports(rows, 5060, 5060, "udp")
check("udp sip: OPTIONS, INVITE, BYE, each answered 200",
      [first(r, "sip.Method") or first(r, "sip.Status-Code") for r in f]
      == ["OPTIONS", "200", "INVITE", "200", "BYE", "200"])
f = by_ports(rows, 41000, 53, "udp")
check("udp dns: A query and its answer",
      [first(r, "dns.qry.name") for r in f] == ["sm1.example.com"] * 2
      and f[1]["dns.a"] == ["10.1.0.6"] and first(f[1], "dns.flags.rcode") == "0")
f = by_ports(rows, 41001, 53, "udp")
check("udp dns: no answer= gives NXDOMAIN", first(f[1], "dns.flags.rcode") == "3"
      and not f[1]["dns.a"])
f = by_ports(rows, 16384, 16386, "udp")
ssrc = {}
for r in f:
    ssrc.setdefault(first(r, "ip.src"), set()).add(first(r, "rtp.ssrc"))
seqs = [int(first(r, "rtp.seq")) for r in f if first(r, "ip.src") == "10.1.0.7"]
ts = [float(first(r, "frame.time_epoch")) for r in f if first(r, "ip.src") == "10.1.0.7"]
check("udp rtp: 10 packets both ways, PT 0, one SSRC per side, seq +1, 20 ms apart",
      len(f) == 10 and all(first(r, "rtp.p_type") == "0" for r in f)
      and [len(v) for v in ssrc.values()] == [1, 1] and len(ssrc) == 2
      and [(s - seqs[0]) % 65536 for s in seqs] == list(range(5))
      and all(abs(b - a - 0.02) < 1e-6 for a, b in zip(ts, ts[1:])))
f = [r for r in rows if r["icmp.type"] and "41002" in r["udp.srcport"]]
check("udp unreachable: ICMP 3/3 from DST quoting the SNMP datagram",
      len(f) == 1 and first(f[0], "icmp.code") == "3" and f[0]["ip.src"][0] == "10.1.0.8"
      and f[0]["udp.dstport"] == ["161"])
f = [r for r in rows if r["icmp.type"] and "41003" in r["udp.srcport"]]
check("udp prohibited: ICMP 3/13 from via", len(f) == 1 and first(f[0], "icmp.code") == "13"
      and f[0]["ip.src"][0] == "10.1.0.254")
f = by_ports(rows, 41004, 514, "udp")
ts = [float(first(r, "frame.time_epoch")) for r in f]
check("udp syslog: 3 messages one way, every=0.5",
      len(f) == 3 and all(first(r, "ip.src") == "10.1.0.7" and r["syslog.msg"] for r in f)
      and all(abs(b - a - 0.5) < 1e-6 for a, b in zip(ts, ts[1:])))
f = by_ports(rows, 41005, 123, "udp")
check("udp ntp: client (mode 3), server (mode 4)",
      [first(r, "ntp.flags.mode") for r in f] == ["3", "4"])
f = by_ports(rows, 41006, 161, "udp")
check("udp snmp: 2 get / response pairs for sysDescr.0",
      len(f) == 4 and all(first(r, "snmp.name") == "1.3.6.1.2.1.1.1.0" for r in f))
f = by_ports(rows, 41007, 7777, "udp")
check("udp raw: one 300-byte datagram", len(f) == 1)
f = [r for r in rows if first(r, "icmp.type") in ("8", "0")]
check("icmp answered: 2 echo requests, 2 replies",
      [first(r, "icmp.type") for r in f] == ["8", "0", "8", "0"])

# ---------------------------------------------------------------- ipsec
def natd(ispi, rspi, addr, port):
    """NAT_DETECTION hash per RFC 7296 2.23: SHA-1(SPIi | SPIr | IP | port)."""
    return hashlib.sha1(bytes.fromhex(ispi) + bytes.fromhex(rspi)
                        + ipaddress.ip_address(addr).packed + port.to_bytes(2, "big")).hexdigest()




pcap = os.path.join(tmp, "ipsec.pcap")
check("ipsec: written", gen(os.path.join(data, "ipsec.wsgen"), pcap) == 0)
rows = dissect(pcap)
well_formed("ipsec", rows)
ike = [r for r in rows if r["isakmp.exchangetype"]]
f = [r for r in ike if first(r, "ip.dst") == "10.1.0.8" or first(r, "ip.src") == "10.1.0.8"]
check("ike: IKE_SA_INIT (34), IKE_AUTH (35), INFORMATIONAL (37), each request and response",
      [(first(r, "isakmp.exchangetype"), first(r, "isakmp.flags"), first(r, "isakmp.messageid"))
       for r in f] == [("34", "0x08", "0x00000000"), ("34", "0x20", "0x00000000"),
                       ("35", "0x08", "0x00000001"), ("35", "0x20", "0x00000001"),
                       ("37", "0x08", "0x00000002"), ("37", "0x20", "0x00000002")],
      str([(first(r, "isakmp.exchangetype"), first(r, "isakmp.flags")) for r in f]))
check("ike: the request's responder SPI is zero, the response's is not",
      first(f[0], "isakmp.rspi") == "0" * 16 and first(f[1], "isakmp.rspi") != "0" * 16)


def natd_pairs(r, sip, sport, dip, dport):
    """(source hash matches, destination hash matches) for one IKE_SA_INIT message."""
    types, vals = r["isakmp.notify.msgtype"], r["isakmp.notify.data"]
    d = dict(zip(types, vals))
    ispi, rspi = first(r, "isakmp.ispi"), first(r, "isakmp.rspi")
    return (d.get("16388") == natd(ispi, rspi, sip, sport),
            d.get("16389") == natd(ispi, rspi, dip, dport))


check("ike natd=match: all four hashes match the addresses and ports seen",
      natd_pairs(f[0], "10.1.0.7", 500, "10.1.0.8", 500) == (True, True)
      and natd_pairs(f[1], "10.1.0.8", 500, "10.1.0.7", 500) == (True, True))
f = [r for r in ike if "10.1.0.9" in (first(r, "ip.src"), first(r, "ip.dst"))]
r0 = f[0]
d = dict(zip(r0["isakmp.notify.msgtype"], r0["isakmp.notify.data"]))
check("ike natd=src: the request's source hash stands for nataddr, the rest match",
      d.get("16388") == natd(first(r0, "isakmp.ispi"), "0" * 16, "192.168.1.7", 500)
      and natd_pairs(r0, "10.1.0.7", 500, "10.1.0.9", 500) == (False, True)
      and natd_pairs(f[1], "10.1.0.9", 500, "10.1.0.7", 500) == (True, True))
f = [r for r in ike if "10.1.0.10" in (first(r, "ip.src"), first(r, "ip.dst"))]
r0 = f[0]
d = dict(zip(r0["isakmp.notify.msgtype"], r0["isakmp.notify.data"]))
check("ike natd=dst on 4500: the request's destination hash stands for nataddr",
      d.get("16389") == natd(first(r0, "isakmp.ispi"), "0" * 16, "203.0.113.9", 4500)
      and natd_pairs(r0, "10.1.0.7", 4500, "10.1.0.10", 4500) == (True, False)
      and all(r["udp.dstport"] in (["4500"],) or r["udp.srcport"] == ["4500"] for r in f))
esp = [r for r in rows if r["esp.spi"]]
check("esp both: SPI c0ffee00 from SRC, c0ffee01 back, sequence numbers from 1",
      [(first(r, "esp.spi"), first(r, "esp.sequence")) for r in esp]
      == [("0xc0ffee00", "1"), ("0xc0ffee01", "1"), ("0xc0ffee00", "2"), ("0xc0ffee01", "2")],
      str([(first(r, "esp.spi"), first(r, "esp.sequence")) for r in esp]))

# ---------------------------------------------------------------- ipv6
pcap = os.path.join(tmp, "ipv6.pcap")
check("ipv6: written", gen(os.path.join(data, "ipv6.wsgen"), pcap) == 0)
rows = dissect(pcap)
well_formed("ipv6", rows)
check("ipv6: no IPv4 packet", not any(r["ip.src"] for r in rows))
f = by_ports(rows, 40000, 443)
check("ipv6 tls: SNI over IPv6",
      [first(r, "tls.handshake.extensions_server_name") for r in f
       if r["tls.handshake.extensions_server_name"]] == ["v6.example.com"])
f = by_ports(rows, 40001, 443)
check("ipv6 rejected: SYN, RST/ACK", flags(f) == [SYN, RSTACK])
i6 = [r for r in rows if r["icmpv6.type"]]
f = [r for r in i6 if first(r, "icmpv6.type") == "1"]
check("ipv6 errors: ICMPv6 1/1 from via, 1/4 from DST, each to SRC",
      [(first(r, "icmpv6.code"), r["ipv6.src"][0], r["ipv6.dst"][0]) for r in f]
      == [("1", "fd00::1", "fd00::5"), ("4", "fd00::8", "fd00::7")])
check("ipv6 echo: 128 then 129",
      [first(r, "icmpv6.type") for r in i6 if first(r, "icmpv6.type") in ("128", "129")]
      == ["128", "129"])
f = [r for r in rows if r["dns.aaaa"]]
check("ipv6 dns: AAAA answer", len(f) == 1 and f[0]["dns.aaaa"] == ["fd00::6"])
f = [r for r in rows if first(r, "isakmp.exchangetype") == "34"]
check("ipv6 ike natd=src: hashes over 16-byte addresses",
      len(f) == 2 and natd_pairs(f[0], "fd00::7", 500, "fd00::8", 500) == (False, True)
      and dict(zip(f[0]["isakmp.notify.msgtype"], f[0]["isakmp.notify.data"]))["16388"]
      == natd(first(f[0], "isakmp.ispi"), "0" * 16, "fd00::77", 500))
check("ipv6 esp oneway: SPI 0x1000 twice",
      [first(r, "esp.spi") for r in rows if r["esp.spi"]] == ["0x00001000"] * 2)

# ---------------------------------------------------------------- determinism
for sc in sorted(os.listdir(data)):
    if sc.endswith(".wsgen"):
        a, b = os.path.join(tmp, "a.pcap"), os.path.join(tmp, "b.pcap")
        gen(os.path.join(data, sc), a)
        gen(os.path.join(data, sc), b)
        check(f"{sc}: two runs write the same bytes",
              open(a, "rb").read() == open(b, "rb").read())
# another seed changes the drawn values and nothing else about the flows
with open(os.path.join(data, "tcp.wsgen")) as fp:
    text = fp.read().replace("seed 11", "seed 99")
alt = os.path.join(tmp, "alt.wsgen")
with open(alt, "w") as fp:
    fp.write(text)
gen(alt, os.path.join(tmp, "alt.pcap"))
r1, r2 = dissect(os.path.join(tmp, "tcp.pcap")), dissect(os.path.join(tmp, "alt.pcap"))
check("another seed: same packet count, other sequence numbers",
      len(r1) == len(r2) and open(os.path.join(tmp, "tcp.pcap"), "rb").read()
      != open(os.path.join(tmp, "alt.pcap"), "rb").read())

# ---------------------------------------------------------------- errors
BAD = [
    ("seed 1\ntcp 10.0.0.1 -> 10.0.0.2:443 establishd\n", 2, 30, 'unknown outcome "establishd"'),
    ("tcp 10.0.0.1 -> 10.0.0.2:99999 rejected\n", 1, 26, "port \"99999\" is not a number"),
    ("udp 10.0.0.1 -> 10.0.0.2:53 answered app=dns sni=x\n", 1, 46, "sni= applies only to app=tls"),
    ("frobnicate\n", 1, 1, 'unknown statement "frobnicate"'),
    ("# c\n\n  tcp 10.0.0.1 -> fd00::2:443 rejected\n", 3, 19,
     "write an IPv6 address with a port in brackets"),
    ("tcp 10.0.0.1 -> [fd00::2]:443 rejected\n", 1, 17, "not of the same IP version"),
    ("udp 10.0.0.1 -> 10.0.0.2:53 established\n", 1, 29, "outcome established is not one of udp's"),
    ("tcp 10.0.0.1 -> 10.0.0.2:22 established app=rtp\n", 1, 45, "app rtp does not run over tcp"),
    ("start 2026-02-30T00:00:00Z\n", 1, 7, "start: a UTC time"),
    ("tcp 10.0.0.1 -> 10.0.0.2:22 rejected bytes=5000\n", 1, 44, "bytes: a number from 1 to 1400"),
    ("tcp 10.0.0.1 -> 10.0.0.2:22 rejected packets=3\n", 1, 38, "packets= applies only to"),
    ("esp 10.0.0.1 -> 10.0.0.2 both spi=zz\n", 1, 35, "spi: a hexadecimal SPI"),
    ("icmp fd00::1 -> fd00::2 answered\n", 1, 1, "write icmp6"),
    ("tcp 10.0.0.1 -> 10.0.0.2:22\n", 1, 28, "expected \"tcp SRC[:SPORT] -> DST:DPORT OUTCOME"),
    ("seed 1\n", 1, 1, "no flow in the scenario"),
    ("tcp 10.0.0.1 => 10.0.0.2:22 rejected\n", 1, 14, 'expected "->"'),
    ("tcp 10.0.0.1 -> 10.0.0.2:22 rejected via=10.0.0.3\n", 1, 38, "via= applies only to prohibited"),
    ("udp 10.0.0.1 -> 10.0.0.2:53 answered app=dns app=dns\n", 1, 46, "app= given twice"),
]
for i, (text, line, col, msg) in enumerate(BAD):
    path = os.path.join(tmp, f"bad{i}.wsgen")
    with open(path, "w") as fp:
        fp.write(text)
    out = os.path.join(tmp, f"bad{i}.pcap")
    r = subprocess.run([wsgen, path, "-o", out], capture_output=True, text=True)
    want = f"wsgen: {path}:{line}:{col}: "
    check(f"bad scenario {i}: exit 2, '{want[len('wsgen: ') + len(tmp) + 1:]}{msg}'",
          r.returncode == 2 and r.stderr.startswith(want) and msg in r.stderr
          and not os.path.exists(out), r.stderr.strip())
r = subprocess.run([wsgen, os.path.join(data, "tcp.wsgen")], capture_output=True, text=True)
check("no -o: exit 2 and usage", r.returncode == 2 and "Usage" in r.stderr)
r = subprocess.run([wsgen, "--help"], capture_output=True, text=True)
check("--help: exit 0, names both forms", r.returncode == 0 and "--profile bench" in r.stdout
      and "SCENARIO -o FILE" in r.stdout)
r = subprocess.run([wsgen, os.path.join(tmp, "none.wsgen"), "-o", os.path.join(tmp, "n.pcap")],
                   capture_output=True, text=True)
check("missing scenario: exit 2, names it", r.returncode == 2 and "none.wsgen: cannot open" in r.stderr)

# ---------------------------------------------------------------- bench
a, b = os.path.join(tmp, "bench1.pcap"), os.path.join(tmp, "bench2.pcap")
cmd = [wsgen, "--profile", "bench", "--packets", "20000", "--flows", "1500", "--seed", "3"]
r1 = subprocess.run(cmd + ["-o", a], capture_output=True, text=True)
r2 = subprocess.run(cmd + ["-o", b], capture_output=True, text=True)
check("bench: written twice, same bytes", r1.returncode == 0 and r2.returncode == 0
      and open(a, "rb").read() == open(b, "rb").read(), r1.stderr)
rows = dissect(a)
check("bench: exactly --packets packets", len(rows) == 20000, str(len(rows)))
well_formed("bench", rows)
rtp = sum(1 for r in rows if r["rtp.ssrc"])
check("bench: RTP is most of the packets", rtp > len(rows) / 2, f"{rtp} of {len(rows)}")
seen = {"tls": any(r["tls.handshake.extensions_server_name"] for r in rows),
        "dns": any(r["dns.qry.name"] for r in rows),
        "ike": any(r["isakmp.exchangetype"] for r in rows),
        "esp": any(r["esp.spi"] for r in rows),
        "ntp": any(r["ntp.flags.mode"] for r in rows),
        "syslog": any(r["syslog.msg"] for r in rows),
        "snmp": any(r["snmp.name"] for r in rows),
        "ssh": any(r["ssh.protocol"] for r in rows),
        "icmp": any(r["icmp.type"] == ["3"] for r in rows)}
check("bench: every kind of the mix is present", all(seen.values()), str(seen))
media = [r for r in rows if r["rtp.ssrc"]]
check("bench: media between endpoints and nodes on the nodes' media ports (40000-49999)",
      all(any(40000 <= int(p) <= 49999 for p in r["udp.srcport"] + r["udp.dstport"])
          for r in media[:2000]))
shutil.rmtree(tmp)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
