#!/usr/bin/env python3
"""TCP and UDP flows reported by wirespec agree with tshark's conversations.

For each capture below, `tshark -q -z conv,tcp -z conv,udp` and
`wirespec audit --format json` must report the same conversations (5-tuples)
with the same frame count and frame bytes in each direction. tshark prints
bytes above 10 kB rounded ("178 kB"): those are compared to that precision.

Known, explained differences (each capture states the ones it has):
- IP fragments: tshark counts a fragmented UDP datagram once, in the frame
  that completes it, with that frame's length; wirespec counts the datagram
  once too, but its bytes are the sum of all its fragments' frames.
- wirespec ends a flow after its idle timeout (UDP 120 s; TCP 135 s once
  reset or closed) and a later packet of the same 5-tuple starts a new flow;
  tshark keeps one conversation. Such a conversation is compared with the sum
  of wirespec's flows on that 5-tuple, and the split is printed.
- A SYN reusing the ports of a closed connection starts a new flow; tshark
  starts a new tcp.stream too, so both split the same way.
Usage: tshark_conv.py WIRESPEC SOURCE_DIR
"""
import json
import os
import re
import subprocess
import sys

# capture (relative to the nDPI corpus) -> link type, chosen to cover every
# link type wirespec reads that the corpus holds.
CAPTURES = [
    ("443-chrome.pcap", "ethernet"),
    ("1kxun.pcap", "ethernet"),
    ("dns_long_domainname.pcap", "ethernet"),
    ("http_ipv6.pcap", "ethernet, IPv6"),
    ("sip.pcap", "ethernet, UDP"),
    ("KakaoTalk_chat.pcap", "linux-sll"),
    ("quickplay.pcap", "linux-sll"),
    ("rtsp.pcap", "linux-sll"),
    ("ocs.pcap", "raw ip"),
    ("psiphon3.pcap", "raw ip"),
    ("kerberos_fuzz.pcapng", "raw ipv4 (pcapng)"),
    ("opc-ua.pcap", "bsd null"),
    ("nats.pcap", "bsd null"),
    ("selfsigned.pcap", "bsd null"),
    ("gre.pcapng", "ethernet, GRE tunnel (inner flows)"),
]

CONV_RE = re.compile(
    r"^(?P<a>\S+)\s+<->\s+(?P<b>\S+)\s+"
    r"(?P<ba_f>\d+)\s+(?P<ba_b>\d+)\s+(?P<ba_u>bytes|kB|MB|GB)\s+"
    r"(?P<ab_f>\d+)\s+(?P<ab_b>\d+)\s+(?P<ab_u>bytes|kB|MB|GB)\s+")
UNIT = {"bytes": 1, "kB": 1000, "MB": 1000 ** 2, "GB": 1000 ** 3}


def split_endpoint(s):
    """'1.2.3.4:80' or '[2001:db8::1]:80' or '2001:db8::1:80' -> (ip, port)."""
    if s.startswith("["):
        ip, port = s[1:].split("]:")
    else:
        ip, port = s.rsplit(":", 1)
    return ip, int(port)


def tshark_convs(path):
    out = subprocess.run(["tshark", "-n", "-r", path, "-q", "-z", "conv,tcp", "-z", "conv,udp"],
                         capture_output=True, text=True, check=True).stdout
    convs, proto = [], None
    for line in out.splitlines():
        if line.startswith("TCP Conversations"):
            proto = "tcp"
        elif line.startswith("UDP Conversations"):
            proto = "udp"
        m = CONV_RE.match(line)
        if m and proto:
            a, b = split_endpoint(m["a"]), split_endpoint(m["b"])
            convs.append({
                "proto": proto, "a": a, "b": b,
                "ab": (int(m["ab_f"]), int(m["ab_b"]), UNIT[m["ab_u"]]),
                "ba": (int(m["ba_f"]), int(m["ba_b"]), UNIT[m["ba_u"]]),
            })
    return convs


def bytes_agree(ours, shown, unit):
    if unit == 1:
        return ours == shown
    return abs(ours / unit - shown) <= 1  # tshark rounds to the unit


def compare(wirespec, path):
    convs = tshark_convs(path)
    run = subprocess.run([wirespec, "audit", "--format", "json", path],
                         capture_output=True, text=True)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        report = None
    if run.returncode not in (0, 1) or report is None:
        return [f"wirespec exited {run.returncode}: {run.stderr.strip()[:2000]}"], [], 0
    flows = {}
    for f in report["flows"]:
        if f["transport"] not in ("tcp", "udp"):
            continue
        s = (f["src"]["ip"], f["src"]["port"])
        d = (f["dst"]["ip"], f["dst"]["port"])
        flows.setdefault((f["transport"], frozenset((s, d))), []).append(f)
    problems, notes = [], []
    for c in convs:
        key = (c["proto"], frozenset((c["a"], c["b"])))
        cands = flows.get(key, [])
        match = None
        for f in cands:
            if (f["src"]["ip"], f["src"]["port"]) == c["a"]:
                fa = (f["src_packets"], f["src_wire_bytes"])
                fb = (f["dst_packets"], f["dst_wire_bytes"])
            else:
                fa = (f["dst_packets"], f["dst_wire_bytes"])
                fb = (f["src_packets"], f["src_wire_bytes"])
            if (fa[0] == c["ab"][0] and fb[0] == c["ba"][0] and
                    bytes_agree(fa[1], c["ab"][1], c["ab"][2]) and
                    bytes_agree(fb[1], c["ba"][1], c["ba"][2])):
                match = f
                break
        if not match and len(cands) > 1:
            # Split by an idle timeout: the flows together must be the conversation.
            fa = [0, 0]
            fb = [0, 0]
            for f in cands:
                if (f["src"]["ip"], f["src"]["port"]) == c["a"]:
                    mine, theirs = fa, fb
                else:
                    mine, theirs = fb, fa
                mine[0] += f["src_packets"]; mine[1] += f["src_wire_bytes"]
                theirs[0] += f["dst_packets"]; theirs[1] += f["dst_wire_bytes"]
            if (fa[0] == c["ab"][0] and fb[0] == c["ba"][0] and
                    bytes_agree(fa[1], c["ab"][1], c["ab"][2]) and
                    bytes_agree(fb[1], c["ba"][1], c["ba"][2])):
                notes.append(f"{c['proto']} {c['a']} <-> {c['b']}: one tshark conversation, "
                             f"{len(cands)} wirespec flows (idle timeout: "
                             + ", ".join(f"{f['outcome']} ended {f['end']}" for f in cands) + ")")
                cands.clear()
                continue
        if match:
            cands.remove(match)
        else:
            got = [(f["src_packets"], f["src_wire_bytes"], f["dst_packets"], f["dst_wire_bytes"])
                   for f in cands]
            problems.append(f"{c['proto']} {c['a']} <-> {c['b']}: tshark A->B {c['ab']} "
                            f"B->A {c['ba']}, wirespec {got or 'no flow'}")
    for key, rest in flows.items():
        for f in rest:
            problems.append(f"wirespec flow {f['id']} {key[0]} {f['src']['ip']}:{f['src']['port']} -> "
                            f"{f['dst']['ip']}:{f['dst']['port']} not among tshark's conversations")
    return problems, notes, len(convs)


def main():
    wirespec, srcdir = sys.argv[1], sys.argv[2]
    corpus = os.path.join(srcdir, "..", "shared", "corpus", "ndpi")
    if not os.path.isdir(corpus):
        print(f"skipped: no corpus at {corpus}")
        sys.exit(77)
    failed = 0
    total = 0
    for name, link in CAPTURES:
        problems, notes, n = compare(wirespec, os.path.join(corpus, name))
        total += n
        status = "ok" if not problems else "FAIL"
        print(f"{status:4} {name} ({link}): {n} conversations")
        for p in problems[:20]:
            print(f"     {p}")
        for p in notes:
            print(f"     known difference: {p}")
        failed += bool(problems)
    print(f"{len(CAPTURES) - failed} passed, {failed} failed ({total} conversations compared)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
