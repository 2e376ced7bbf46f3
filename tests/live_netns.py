#!/usr/bin/env python3
"""live_netns.py - wirespec live on one end of a veth pair between two
network namespaces, against wirespec audit of tcpdump's recording of the
same interface at the same time.

Traffic: a refused TCP connection to a documented port (blocked path), a
connection to an undocumented port (unexpected port), a SYN nobody answers
(blocked path once the SYN timeout has passed), tcpreplay of a generated
capture (NAT-D mismatch between nodes, a refused inter-node path, an
undocumented UDP port) and of two captures from the nDPI corpus.

Checks: each finding is streamed ("new") before the run is stopped; the
last state streamed for each finding (severity, count) and the final
report's findings equal audit's findings of the recording (same keys,
severity, count, message, evidence); stats lines carry the interface's
pcap counters; -Z nobody leaves the process without root.

Usage: live_netns.py WIRESPEC SOURCE_DIR. Exit 77 (skipped) when not root,
or when ip netns, tcpdump or tcpreplay is unavailable.
"""
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile

wirespec, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.join(src, "tests", "data", "live"))
from netns import (Lab, TCP_CLIENT, TCP_SERVER, finding_key, read_lines, skip,  # noqa: E402
                   wait_for)

for tool in ("tcpdump", "tcpreplay", "ip"):
    if not shutil.which(tool):
        skip(f"{tool} is not installed")
wsgen = os.path.join(os.path.dirname(wirespec), "tools", "gen", "wsgen")
if not os.access(wsgen, os.X_OK):
    skip(f"{wsgen} is not built")

PACK = os.path.join(src, "tests", "data", "check", "testco.json")
SITE = os.path.join(src, "tests", "data", "live", "site.json")
CORPUS = "/work/shared/corpus/ndpi"
SYN_TIMEOUT = "5"
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def main(tmp):
    lab = Lab("n")
    try:
        run_lab(lab, tmp)
    finally:
        lab.close()


def run_lab(lab, tmp):
    a = lab.netns("a")
    b = lab.netns("b")
    va, vb = lab.veth(a, "10.0.3.5/16", b, "10.0.2.10/16")
    # 10.0.2.30 (the recorder) answers nothing: B sends it frames that A drops
    lab.exec(b, "ip", "neigh", "replace", "10.0.2.30", "lladdr", lab.mac(a, va), "dev", vb,
             "nud", "permanent")
    replay = os.path.join(tmp, "replay.pcap")
    subprocess.run([wsgen, os.path.join(src, "tests", "data", "live", "replay.wsgen"), "-o", replay],
                   check=True)

    rec, rec_err = os.path.join(tmp, "rec.pcap"), os.path.join(tmp, "tcpdump.err")
    out, err = os.path.join(tmp, "live.jsonl"), os.path.join(tmp, "live.err")
    td = lab.start(b, "tcpdump", "-i", vb, "-n", "-U", "-w", rec, stderr=open(rec_err, "w"))
    wait_for("tcpdump", lambda: "listening on" in open(rec_err).read())
    user = ["-Z", "nobody"] if "nobody" in {p.pw_name for p in pwd.getpwall()} else []
    live = lab.start(b, wirespec, "live", "-i", vb, "--rules", PACK, "--site", SITE,
                     "--format", "jsonl", "--output", out, "--syn-timeout", SYN_TIMEOUT,
                     "--update-interval", "1", "--stats-interval", "1", *user,
                     stderr=open(err, "w"))
    wait_for("the start line", lambda: any(l["type"] == "start" for l in read_lines(out)))
    if user:
        uid = [l for l in open(f"/proc/{live.pid}/status") if l.startswith("Uid:")][0].split()[1:]
        check(all(int(u) == pwd.getpwnam("nobody").pw_uid for u in uid),
              f"-Z nobody: real, effective, saved uid are nobody's ({' '.join(uid)})")

    server = lab.start(b, "python3", "-c", TCP_SERVER, "10.0.2.10", "8443", stdout=subprocess.PIPE)
    wait_for("the server", lambda: server.stdout.readline().startswith(b"listening"))
    r = lab.exec(a, "python3", "-c", TCP_CLIENT, "10.0.3.5", "10.0.2.10", "8443", "5").stdout
    check(r.strip() == "connected", "client reached the undocumented port 8443")
    r = lab.exec(a, "python3", "-c", TCP_CLIENT, "10.0.3.5", "10.0.2.10", "443", "5").stdout
    check(r.strip() == "ConnectionRefusedError", "port 443 refused the client")
    # SYNs at 0 s and 1 s (Linux's first retransmission), none answered
    r = lab.exec(b, "python3", "-c", TCP_CLIENT, "10.0.2.10", "10.0.2.30", "5000", "2.5").stdout
    check(r.strip() in ("timeout", "TimeoutError"), f"nobody answered 10.0.2.30:5000 ({r.strip()})")
    lab.exec(a, "tcpreplay", "-q", "-i", va, replay)
    for f in ("tcp_scan.pcapng", "stun_classic.pcap"):
        path = os.path.join(CORPUS, f)
        if os.path.exists(path):
            lab.exec(a, "tcpreplay", "-q", "--topspeed", "-i", va, path)
    lab.stop(server, signal.SIGTERM)

    # Streamed while the run goes on: every kind the traffic makes.
    want = {
        ("unexpected-port", "10.0.2.10", 8443),
        ("blocked-path", "10.0.2.10", 443),
        ("blocked-path", "10.0.2.30", 5000),
        ("nat-between-nodes", "10.0.0.2", 500),
        ("blocked-path", "10.0.1.1", 4000),
        ("unexpected-port", "10.0.2.10", 9999),
    }

    def streamed():
        got = {(l["kind"], l["dst"]["ip"], l["dst"]["port"]) for l in read_lines(out)
               if l["type"] == "finding" and l["event"] == "new"}
        return want <= got
    wait_for("the streamed findings", streamed, timeout=60)
    check(True, "every expected finding was streamed before the run was stopped")
    # the unexpected port was told on its first packet: before its flow ended
    lines = read_lines(out)
    first = [l for l in lines if l["type"] == "finding" and l["dst"]["port"] == 8443]
    check(first[0]["event"] == "new" and first[0]["evidence"].get("outcome") == "no-answer",
          "unexpected port 8443 streamed on the SYN (outcome then: no-answer)")
    stats = [l for l in lines if l["type"] == "stats"]
    check(bool(stats) and stats[-1]["packets"] > 0 and stats[-1]["interfaces"][0]["name"] == vb
          and "kernel_drops" in stats[-1]["interfaces"][0],
          "stats lines with packets and the interface's pcap counters")

    rc_live = lab.stop(live, signal.SIGINT)
    lab.stop(td, signal.SIGINT)
    check(rc_live == 1, f"live exits 1 (findings at or above medium), got {rc_live}")
    lines = read_lines(out)
    reports = [l for l in lines if l["type"] == "report"]
    check(len(reports) == 1 and reports[0]["final"], "one final report line")

    audit = subprocess.run([wirespec, "audit", "--rules", PACK, "--site", SITE, "--format", "json",
                            "--limit", "tcp_handshake_idle=" + SYN_TIMEOUT, rec],
                           stdout=subprocess.PIPE, text=True)
    check(audit.returncode == 1, f"audit of the recording exits 1, got {audit.returncode}")
    expected = {finding_key(f): f for f in json.loads(audit.stdout)["findings"]}
    check(len(expected) >= len(want), f"audit finds {len(expected)} findings")

    def same(f, g):
        return all(f[k] == g[k] for k in ("severity", "count", "message", "evidence"))

    final = {finding_key(f): f for f in reports[0]["findings"]} if reports else {}
    check(final.keys() == expected.keys(),
          f"final report's findings are audit's: {sorted(set(final) ^ set(expected))}")
    for k, f in expected.items():
        if k in final:
            check(same(final[k], f), f"final report: {k} as audit has it")
    last = {}
    for l in lines:
        if l["type"] == "finding":
            last[finding_key(l)] = l
    check(last.keys() == expected.keys(),
          f"streamed findings are audit's: {sorted(set(last) ^ set(expected))}")
    for k, f in expected.items():
        if k in last:
            check(same(last[k], f), f"last streamed state of {k} is audit's")
            keys = [x for x in last[k] if x not in ("type", "event", "time")]
            check(keys == list(f.keys()), f"streamed {k} has the report's keys, in order")


with tempfile.TemporaryDirectory(prefix="wslive") as tmp:
    os.chmod(tmp, 0o755)
    try:
        main(tmp)
    except Exception:
        for name in ("live.err", "tcpdump.err"):
            p = os.path.join(tmp, name)
            if os.path.exists(p):
                print(f"--- {name}\n{open(p).read()}")
        raise
    if failures:
        print(f"--- live.jsonl (first 40 lines)")
        with open(os.path.join(tmp, "live.jsonl")) as f:
            for i, ln in enumerate(f):
                if i < 40:
                    print(ln[:300].rstrip())
print(f"{len(failures)} failed" if failures else "all passed")
sys.exit(1 if failures else 0)
