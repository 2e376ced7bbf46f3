#!/usr/bin/env python3
"""Findings on the lab recordings, each audited with its site file and the
pack of the product it stands for.

Ground truth, for every case below: what tshark shows of the recording
(captures/lab/README.md, written by tools/lab/verify.sh) and the row of the
vendor document (/work/shared/seeds/, quoted in the comments) that allows or
requires the flow. Nothing here is copied from wirespec's output.

usage: findings_lab.py WIRESPEC SRCDIR
"""
import json
import os
import subprocess
import sys

FAILS = []


def audit(wirespec, src, captures, pack, site, extra=()):
    if "/" not in site:
        site = os.path.join(src, "captures", "lab", site + ".site.json")
    cmd = [wirespec, "audit", "-f", "json", "--rules", pack, "--site", site]
    cmd += list(extra)
    cmd += [os.path.join(src, "captures", "lab", c + ".pcap") for c in captures]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, WIRESPEC_RULES_DIR=os.path.join(src, "rules")))
    if p.returncode not in (0, 1) or "Sanitizer" in p.stderr or "runtime error" in p.stderr:
        raise SystemExit("%s: exit %d\n%s" % (" ".join(cmd), p.returncode, p.stderr))
    return p.returncode, json.loads(p.stdout)


def rule_for(wirespec, src, pack, frm, to, transport, dport, *extra):
    """The rule `wirespec rules match` names for a document row."""
    cmd = [wirespec, "rules", "match", "--rules", os.path.join(src, "rules", pack + ".json"),
           "--from", frm, "--to", to, "--transport", transport, "--dport", str(dport)]
    cmd += list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    line = p.stdout.splitlines()[0] if p.stdout else ""
    return line.split(" ")[2] if line.startswith("allowed by ") else None


def check(case, cond, what):
    if not cond:
        FAILS.append("%s: %s" % (case, what))


def kinds(report):
    return sorted((f["kind"], f["severity"], f["transport"], f["dst"]["port"])
                  for f in report["findings"])


def find(report, kind, **where):
    out = []
    for f in report["findings"]:
        if f["kind"] != kind:
            continue
        if all((f["dst"]["port"] if k == "dport" else f[k]) == v for k, v in where.items()):
            out.append(f)
    return out


def main():
    wirespec, src = sys.argv[1], sys.argv[2]
    W = lambda *a, **k: audit(wirespec, src, *a, **k)

    # pexip-compliant: IKE + ESP both ways between the two nodes, DNS from
    # 55000-65535 answered, an endpoint's TLS to the conferencing node on 443,
    # syslog on 514 (README: "pexip-compliant"). Every flow has its row:
    # inter-node UDP 500 and ESP, DNS 53, Endpoint -> Conferencing Node 443,
    # Syslog server 514 UDP. A compliant capture: no finding, exit 0.
    rc, r = W(["pexip-compliant"], "pexip-infinity", "pexip-compliant")
    check("pexip-compliant", r["findings"] == [], "findings: %s" % kinds(r))
    check("pexip-compliant", rc == 0, "exit %d" % rc)
    check("pexip-compliant", all(f["rule"] for f in r["flows"]),
          "flows without a rule: %s" % [f["id"] for f in r["flows"] if not f["rule"]])

    # pexip-undocumented: TCP 3389 established and TCP 23 refused (RST), both
    # from the endpoint to the conferencing node; no row of the Pexip
    # document names 3389 or 23. The 443 connection is allowed.
    rc, r = W(["pexip-undocumented"], "pexip-infinity", "pexip-undocumented")
    rdp = find(r, "unexpected-port", dport=3389)
    telnet = find(r, "unexpected-port", dport=23)
    check("pexip-undocumented", len(rdp) == 1 and rdp[0]["severity"] == "medium",
          "tcp/3389 established: %s" % kinds(r))
    check("pexip-undocumented", len(telnet) == 1 and telnet[0]["severity"] == "low",
          "tcp/23 refused: %s" % kinds(r))
    check("pexip-undocumented", not find(r, "unexpected-port", dport=443), "443 flagged")
    check("pexip-undocumented", len(r["findings"]) == 2, "findings: %s" % kinds(r))
    check("pexip-undocumented", rc == 1, "exit %d with a medium finding" % rc)
    if rdp:
        check("pexip-undocumented", rdp[0]["dst"]["roles"] == ["pexip-conferencing-node"],
              "dst roles %s" % rdp[0]["dst"]["roles"])
        check("pexip-undocumented", rdp[0]["src"]["roles"] == ["any"],
              "unlisted src roles %s" % rdp[0]["src"]["roles"])
    # --fail-on high: a medium finding no longer fails the run
    rc, _ = W(["pexip-undocumented"], "pexip-infinity", "pexip-undocumented",
              ["--fail-on", "high"])
    check("pexip-undocumented", rc == 0, "--fail-on high: exit %d" % rc)
    rc, _ = W(["pexip-undocumented"], "pexip-infinity", "pexip-undocumented",
              ["--fail-on", "low"])
    check("pexip-undocumented", rc == 1, "--fail-on low: exit %d" % rc)

    # tcp-dropped: 4 SYNs to 10.99.40.2:443, no answer. Row: "Endpoint <any>
    # Conferencing Node 443 TCP (HTTPS)", standard (mandatory): high.
    https = rule_for(wirespec, src, "pexip-infinity", "endpoint", "pexip-conferencing-node",
                     "tcp", 443)
    rc, r = W(["tcp-dropped"], "pexip-infinity", "tcp-dropped")
    b = find(r, "blocked-path", dport=443)
    check("tcp-dropped", len(b) == 1 and b[0]["severity"] == "high", "%s" % kinds(r))
    if b:
        check("tcp-dropped", b[0]["rule"] == https, "rule %s, expected %s" % (b[0]["rule"], https))
        check("tcp-dropped", b[0]["evidence"].get("outcome") == "no-answer" and
              b[0]["evidence"].get("syn_count") == 4, "evidence %s" % b[0]["evidence"])
        check("tcp-dropped", b[0]["src"]["ip"] == "10.99.4.2" and
              b[0]["dst"]["ip"] == "10.99.40.2", "hosts")

    # tcp-refused: SYN to 10.99.3.3:8443 answered by RST,ACK. Read as Avaya
    # "SR Manager, Ephemeral TCP Ports -> Equinox SR Transcoder TCP (XML)
    # 8443", Mandatory: high.
    xml = rule_for(wirespec, src, "avaya-equinox", "avaya-sr-manager", "avaya-sr-transcoder",
                   "tcp", 8443)
    rc, r = W(["tcp-refused"], "avaya-equinox", "tcp-refused")
    b = find(r, "blocked-path", dport=8443)
    check("tcp-refused", len(b) == 1 and b[0]["severity"] == "high", "%s" % kinds(r))
    if b:
        check("tcp-refused", b[0]["rule"] == xml, "rule %s, expected %s" % (b[0]["rule"], xml))
        check("tcp-refused", b[0]["evidence"].get("outcome") == "rejected", "evidence")
    cov = [c for c in r["coverage"] if c.get("rule") == xml]
    check("tcp-refused", len(cov) == 1 and cov[0]["status"] == "blocked", "coverage %s" % cov)

    # icmp-prohibited: TCP 5061 and UDP 5060 answered by ICMP 3/13 from the
    # router 10.99.5.1, UDP 5070 by ICMP 3/3. Rows: "Endpoint / call control
    # system <any> -> Conferencing Node 5061 TCP SIP/TLS" (standard: high);
    # "5060 UDP SIP UDP" is an additional feature (off: unexpected, low);
    # 5070 has no row (unexpected, low: it was refused anyway).
    for cap, icmp, router in (("icmp-prohibited", (3, 13), "10.99.5.1"),
                              ("icmp6-prohibited", (1, 1), "fd99:5::1")):
        rc, r = W([cap], "pexip-infinity", "icmp-prohibited")
        b = find(r, "blocked-path", dport=5061)
        check(cap, len(b) == 1 and b[0]["severity"] == "high", "%s" % kinds(r))
        if b:
            ev = b[0]["evidence"]
            check(cap, (ev.get("icmp_type"), ev.get("icmp_code")) == icmp and
                  ev.get("icmp_from") == router, "evidence %s" % ev)
        u = find(r, "unexpected-port", dport=5060)
        check(cap, len(u) == 1 and u[0]["severity"] == "low" and
              u[0]["evidence"].get("nearest_rule_misses", "").startswith("its feature"),
              "udp/5060 without the feature: %s" % u)
        check(cap, len(find(r, "unexpected-port", dport=5070)) == 1, "udp/5070: %s" % kinds(r))
        # with the SIP UDP feature on, the 5060 attempt is a blocked path
        feat = os.path.join(src, "tests", "data", "sites", "icmp-prohibited-sip-udp.site.json")
        rc, r = W([cap], "pexip-infinity", feat)
        b = find(r, "blocked-path", dport=5060)
        check(cap + " +sip-udp", len(b) == 1 and b[0]["severity"] == "high", "%s" % kinds(r))

    # ike-nat: IKEv2 through MASQUERADE seen outside; the request's
    # NAT_DETECTION_SOURCE_IP does not match (README; tools/lab/natd.py).
    # The initiator node is 10.99.2.2 inside, 10.99.20.1 outside.
    for caps in (["ike-nat"], ["ike-nat", "ike-nat-inside"]):
        name = "+".join(caps)
        rc, r = W(caps, "pexip-infinity", "ike-nat")
        n = find(r, "nat-between-nodes")
        check(name, len(n) == 1 and n[0]["severity"] == "high", "%s" % kinds(r))
        if n:
            ev = n[0]["evidence"]
            check(name, ev.get("inside") == "10.99.2.2" and ev.get("outside") == "10.99.20.1",
                  "inside/outside %s" % ev)
            check(name, n[0]["constraint"] == "pexip-no-nat", "constraint")
        check(name, rc == 1, "exit %d" % rc)
    # the inside view alone: the response's NAT_DETECTION_DESTINATION_IP does
    # not match; the outside address is not listed, so only the NAT is named
    rc, r = W(["ike-nat-inside"], "pexip-infinity", "ike-nat")
    n = find(r, "nat-between-nodes")
    check("ike-nat-inside", len(n) == 1 and n[0]["evidence"].get("inside") == "10.99.2.2",
          "%s" % n)

    # ike-direct: all four NAT-D hashes match: no NAT finding. CHILD_SA was
    # refused (no kernel ESP), so no ESP follows the IKE SA: the ESP row
    # ("Management Node n/a Conferencing Node n/a ESP") is not working.
    rc, r = W(["ike-direct"], "pexip-infinity", "ike-direct")
    check("ike-direct", not find(r, "nat-between-nodes"), "NAT finding on a direct SA")
    check("ike-direct", len(find(r, "blocked-path", transport="esp")) == 1, "%s" % kinds(r))

    # ike-esp-oneway: ESP leaves 10.99.14.2 for 10.99.15.2, none comes back.
    rc, r = W(["ike-esp-oneway"], "pexip-infinity", "ike-esp-oneway")
    b = find(r, "blocked-path", transport="esp")
    check("ike-esp-oneway", len(b) == 1 and b[0]["src"]["ip"] == "10.99.15.2" and
          b[0]["evidence"].get("esp_from_src") == 0 and
          b[0]["evidence"].get("esp_from_dst", 0) > 0, "%s" % b)

    # pexip-mesh: A<->B and A<->C complete, B->C UDP 500 retransmitted with no
    # answer. "Each Conferencing Node must be able to reach every other".
    rc, r = W(["pexip-mesh"], "pexip-infinity", "pexip-mesh")
    b = find(r, "blocked-path", dport=500)
    check("pexip-mesh", len(b) == 1 and b[0]["src"]["ip"] == "10.99.12.3" and
          b[0]["dst"]["ip"] == "10.99.13.2" and b[0]["severity"] == "high", "%s" % kinds(r))
    mesh = [c for c in r["coverage"] if c["kind"] == "full-mesh"]
    check("pexip-mesh", len(mesh) == 1, "mesh entries %d" % len(mesh))
    if mesh:
        ips = [h["ip"] for h in mesh[0]["hosts"]]
        m = mesh[0]["matrix"]
        cell = lambda x, y: m[ips.index(x)][ips.index(y)]
        check("pexip-mesh", cell("10.99.12.2", "10.99.12.3") == "working" and
              cell("10.99.12.2", "10.99.13.2") == "working" and
              cell("10.99.12.3", "10.99.13.2") == "blocked" and
              cell("10.99.13.2", "10.99.12.3") == "blocked", "matrix %s %s" % (ips, m))

    # dns-then-tls: the A record api.prysm.com -> 10.99.6.10, then TLS to it.
    # Row: "80/443 HTTP/HTTPS <IP Address of Prysm AA> api.prysm.com". The
    # Prysm document has no DNS row: the query is unexpected.
    api = rule_for(wirespec, src, "prysm-hosted-cloud", "prysm-application-appliance",
                   "prysm-cloud", "tcp", 443, "--name", "api.prysm.com")
    rc, r = W(["dns-then-tls"], "prysm-hosted-cloud", "dns-then-tls")
    tls = [f for f in r["flows"] if f["dst"]["port"] == 443]
    check("dns-then-tls", len(tls) == 1 and tls[0]["rule"] == api and
          tls[0]["dst"]["roles"] == ["prysm-cloud"], "TLS flow %s" % tls)
    check("dns-then-tls", len(find(r, "unexpected-port", dport=53)) == 1, "%s" % kinds(r))

    # tls-sni-only: SNI streaming-eu1.cloud.prysm.com, no DNS. Row: "Prysm AA
    # 80/443 HTTP/HTTPS Streaming Server 80/443" (device sharing feature on).
    rc, r = W(["tls-sni-only"], "prysm-hosted-cloud", "tls-sni-only")
    check("tls-sni-only", r["findings"] == [] and rc == 0, "%s" % kinds(r))
    check("tls-sni-only", r["flows"][0]["rule"] is not None, "no rule for the SNI flow")

    for f in FAILS:
        print("FAIL", f)
    print("%d failures" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
