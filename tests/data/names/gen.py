#!/usr/bin/env python3
"""Writes the samples of tests/test_names*.c from real captures.

Payload bytes and the expected names both come from tshark's dissection
(tshark 4.0, -T json), not from wirespec:

  dns.txt   DNS/mDNS responses: payload (UDP payload, or TCP payload with
            its 2-byte length), and the name -> address pairs the answer
            section holds: the chain of the first question name and the
            CNAME records whose owner is in it, bound to every A/AAAA
            record owned by a chain name (class IN). mDNS announcements
            with no question: each A/AAAA record of the answer and
            additional sections binds its owner.
  tls.txt   ClientHellos held whole in one TCP segment, and
            tls.handshake.extensions_server_name.
  http.txt  HTTP/1.x requests and http.host without its port.

Usage: tests/data/names/gen.py /work/shared/corpus/ndpi > /dev/null
(it writes the three files next to itself).
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/corpus/ndpi"

DNS_FILES = [  # (file, max samples)
    ("dns.pcap", 20), ("dns_ambiguous_names.pcap", 20),
    ("dns-google-nsid.pcapng", 20), ("dns_fragmented.pcap", 40),
    ("malformed_dns.pcap", 20), ("bad-dns-traffic.pcap", 25),
    ("dns_long_domainname.pcap", 5), ("dns-invalid-chars.pcap", 5),
    ("dns-exf.pcap", 10), ("dns-tunnel-iodine.pcap", 10),
    ("dns_exfiltration.pcap", 10), ("dns_invert_query.pcapng", 5),
    ("iphone.pcap", 10), ("whatsapp_login_call.pcap", 10),
    ("anyconnect-vpn.pcap", 10), ("telegram.pcap", 8), ("gnutella.pcap", 5),
]
TLS_FILES = [
    ("google_ssl.pcap", 4), ("tls-rdn-extract.pcap", 4),
    ("ssl-cert-name-mismatch.pcap", 4), ("tls-esni-fuzzed.pcap", 6),
    ("tls_esni_sni_both.pcap", 4), ("tls_ech.pcapng", 4),
    ("tls_alert.pcap", 4), ("tls_certificate_too_long.pcap", 4),
    ("tls_1.3_unidirectional_client.pcapng", 4), ("long_tls_certificate.pcap", 4),
    ("rdp_over_tls.pcap", 2), ("tls_false_positives.pcapng", 4),
]
HTTP_FILES = [
    ("http.pcapng", 6), ("http_ipv6.pcap", 4), ("http-manipulated.pcap", 6),
    ("http_auth.pcap", 2), ("http_connect.pcap", 3), ("http-proxy.pcapng", 4),
    ("http_on_sip_port.pcap", 2), ("http_origin_different_than_host.pcap", 2),
    ("http-lines-split.pcap", 4), ("http_invalid_server.pcap", 2),
]


def tshark_json(path, dfilter):
    out = subprocess.run(
        ["tshark", "-r", path, "-Y", dfilter, "-T", "json"],
        capture_output=True, check=False).stdout
    if not out.strip():
        return []
    # keep every key, in order: tshark repeats keys within one object
    return json.loads(out, object_pairs_hook=lambda pairs: pairs)


def get(pairs, key, default=None):
    """First value of key in a list of (key, value) pairs."""
    if not isinstance(pairs, list):
        return default
    for k, v in pairs:
        if k == key:
            return v
    return default


def usable(name):
    """A name wirespec may learn: printable ASCII, no tshark placeholder
    (<Root>, <Name too long>), no escape (tshark writes \\ooo)."""
    if name is None or name.startswith("<") or "\\" in name:
        return False
    if not name or len(name) > 253:
        return False
    return all(0x21 <= ord(ch) <= 0x7e for ch in name)


def records(section):
    return [v for _, v in section] if isinstance(section, list) else []


def dns_expect(layer, mdns):
    """(status, pairs): status 'found', 'none' (not a standard query) or
    'malformed' (the question name cannot be learned), as tshark sees it."""
    queries = records(get(layer, "Queries"))
    answers = records(get(layer, "Answers"))
    additional = records(get(layer, "Additional records"))

    def cls_in(rr):
        c = get(rr, "dns.resp.class", "")
        return c in ("0x0001", "0x8001")

    def addr_of(rr):
        t = get(rr, "dns.resp.type")
        if t == "1" and get(rr, "dns.a"):
            return get(rr, "dns.a")
        if t == "28" and get(rr, "dns.aaaa"):
            return get(rr, "dns.aaaa")
        return None

    flags = get(layer, "dns.flags_tree")
    if get(flags, "dns.flags.opcode") != "0":
        return "none", set()  # not a standard query (RFC 1035 4.1.1)
    if not queries:
        if not mdns:
            return "found", set()
        pairs = set()
        for rr in answers + additional:
            name, a = get(rr, "dns.resp.name"), addr_of(rr)
            if a and cls_in(rr) and usable(name):
                pairs.add((name.lower(), a))
        return "found", pairs
    qname = get(queries[0], "dns.qry.name")
    if qname == "<Root>":
        return "found", set()
    if not usable(qname):
        return "malformed", set()
    chain, addrs = [qname.lower()], []
    grew = True
    while grew:
        grew = False
        for rr in answers:
            owner = get(rr, "dns.resp.name")
            if not usable(owner) or owner.lower() not in chain or not cls_in(rr):
                continue
            if get(rr, "dns.resp.type") == "5":
                target = get(rr, "dns.cname")
                if usable(target) and target.lower() not in chain:
                    chain.append(target.lower())
                    grew = True
            a = addr_of(rr)
            if a and a not in addrs:
                addrs.append(a)
    return "found", {(n, a) for n in chain for a in addrs}


def hexfield(layers, key):
    v = get(layers, key)
    if isinstance(v, list) and v and isinstance(v[0], str):
        v = v[0]
    return v.replace(":", "") if isinstance(v, str) else None


def gen_dns(fh):
    fh.write("# DNS responses from tests/data/names/gen.py (tshark -T json)\n")
    for fname, limit in DNS_FILES:
        path = os.path.join(CORPUS, fname)
        n = 0
        for pkt in tshark_json(path, "dns.flags.response == 1 && !icmp && !icmpv6"):
            layers = get(get(pkt, "_source"), "layers")
            frame = get(get(layers, "frame"), "frame.number")
            mdns = get(layers, "mdns") is not None
            layer = get(layers, "mdns") if mdns else get(layers, "dns")
            if get(layers, "tcp") is not None:
                kind = "tcp"
                if get(get(layers, "tcp"), "tcp.segments") is not None:
                    continue  # reassembled from several segments
                payload = hexfield(get(layers, "tcp"), "tcp.payload")
            else:
                kind = "mdns" if mdns else "udp"
                payload = hexfield(get(layers, "udp"), "udp.payload")
            if not payload or layer is None:
                continue
            malformed = get(layers, "_ws.malformed") is not None
            status, pairs = dns_expect(layer, mdns)
            fh.write(f"sample {fname}#{frame} {kind}\n")
            fh.write(f"payload {payload}\n")
            # a message tshark itself calls malformed: only "no false name"
            fh.write(f"check {'subset' if malformed else 'exact'}\n")
            fh.write(f"status {status}\n")
            for name, a in sorted(pairs):
                fh.write(f"bind {name} {a}\n")
            fh.write("end\n")
            n += 1
            if n >= limit:
                break


def gen_tls(fh):
    fh.write("# TLS ClientHellos from tests/data/names/gen.py (tshark -T json)\n")
    for fname, limit in TLS_FILES:
        path = os.path.join(CORPUS, fname)
        n = 0
        for pkt in tshark_json(path, "tls.handshake.type == 1 && tcp"):
            layers = get(get(pkt, "_source"), "layers")
            frame = get(get(layers, "frame"), "frame.number")
            tcp = get(layers, "tcp")
            if get(tcp, "tcp.segments") is not None:
                continue
            payload = hexfield(tcp, "tcp.payload")
            if not payload or not payload.startswith("16"):
                continue
            out = subprocess.run(
                ["tshark", "-r", path, "-Y", f"frame.number == {frame}", "-T", "fields",
                 "-e", "tls.handshake.extensions_server_name"],
                capture_output=True, text=True, check=False).stdout.strip()
            sni = out.split(",")[0] if out else ""
            fh.write(f"sample {fname}#{frame} tls\n")
            fh.write(f"payload {payload}\n")
            fh.write(f"name {sni.lower() if sni else '-'}\n")
            fh.write("end\n")
            n += 1
            if n >= limit:
                break


def gen_http(fh):
    fh.write("# HTTP requests from tests/data/names/gen.py (tshark -T json)\n")
    for fname, limit in HTTP_FILES:
        path = os.path.join(CORPUS, fname)
        n = 0
        for pkt in tshark_json(path, "http.request && tcp"):
            layers = get(get(pkt, "_source"), "layers")
            frame = get(get(layers, "frame"), "frame.number")
            tcp = get(layers, "tcp")
            if get(tcp, "tcp.segments") is not None:
                continue
            payload = hexfield(tcp, "tcp.payload")
            if not payload:
                continue
            out = subprocess.run(
                ["tshark", "-r", path, "-Y", f"frame.number == {frame}", "-T", "fields",
                 "-E", "occurrence=f", "-e", "http.host", "-e", "http.request.method"],
                capture_output=True, text=True, check=False).stdout.strip("\n")
            host, method = (out.split("\t") + ["", ""])[:2]
            raw = bytes.fromhex(payload)
            if not raw.startswith(method.encode() + b" "):
                # tshark put the request together from earlier segments: the
                # sample is the segment holding the request line, and the
                # name is expected only if a whole Host line is in it.
                stream = get(tcp, "tcp.stream")
                first = subprocess.run(
                    ["tshark", "-r", path, "-Y",
                     f"tcp.stream == {stream} && tcp.len > 0 && tcp.payload contains \"{method} \"",
                     "-T", "fields", "-e", "frame.number", "-e", "tcp.payload"],
                    capture_output=True, text=True, check=False).stdout.split("\n")[0]
                if "\t" not in first:
                    continue
                frame, payload = first.split("\t")
                raw = bytes.fromhex(payload)
                if not re.search(rb"\nhost:[^\n]*\n", raw, re.I):
                    host = ""
            if host.startswith("["):
                host = ""  # IPv6 literal: not a name
            elif ":" in host:
                host = host.rsplit(":", 1)[0]
            parts = host.split(".")
            if host and all(p.isdigit() for p in parts) and len(parts) == 4:
                host = ""  # IPv4 literal: not a name
            fh.write(f"sample {fname}#{frame} http\n")
            fh.write(f"payload {payload}\n")
            fh.write(f"name {host.lower() if host else '-'}\n")
            fh.write("end\n")
            n += 1
            if n >= limit:
                break


if __name__ == "__main__":
    with open(os.path.join(HERE, "dns.txt"), "w") as fh:
        gen_dns(fh)
    with open(os.path.join(HERE, "tls.txt"), "w") as fh:
        gen_tls(fh)
    with open(os.path.join(HERE, "http.txt"), "w") as fh:
        gen_http(fh)
