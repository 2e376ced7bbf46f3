#!/usr/bin/env python3
"""live_reload.py - signals of wirespec live, on the loopback interface of a
network namespace of its own.

- SIGHUP with an invalid rule pack: a "reload" line with ok false, the
  error on stderr naming the file, and the rules loaded before still judge
  (a new undocumented port is still reported, a refused documented port
  is still a blocked path of its rule).
- SIGHUP after the output was renamed (log rotation): the lines go to a new
  file of the same name.
- SIGHUP with a valid pack that allows one more port: a "reload" line with
  ok true, no unexpected-port finding for that port afterwards, and its
  flow carries the new rule in the final report.
- SIGUSR1: a report line with final false, and the run goes on.
- SIGTERM: a final report, exit status 1 (findings at or above medium).

Usage: live_reload.py WIRESPEC SOURCE_DIR. Exit 77 when not root or ip netns
is unavailable.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

wirespec, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.join(src, "tests", "data", "live"))
from netns import Lab, TCP_CLIENT, TCP_SERVER, read_lines, skip, wait_for  # noqa: E402

if not shutil.which("ip"):
    skip("ip (iproute2) is not installed")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


SITE = {"name": "reload-test",
        "hosts": [{"match": "127.0.0.1", "roles": ["testco-server"], "label": "srv"},
                  {"match": "127.0.0.2", "roles": ["endpoint"], "label": "client"}],
        "features": ["recording"]}


def main(tmp):
    lab = Lab("r")
    try:
        run_lab(lab, tmp)
    finally:
        lab.close()


def run_lab(lab, tmp):
    ns = lab.netns("")
    pack_path, site_path = os.path.join(tmp, "pack.json"), os.path.join(tmp, "site.json")
    with open(os.path.join(src, "tests", "data", "check", "testco.json")) as f:
        pack_text = f.read()
    with open(pack_path, "w") as f:
        f.write(pack_text)
    with open(site_path, "w") as f:
        json.dump(SITE, f)
    out, err = os.path.join(tmp, "live.jsonl"), os.path.join(tmp, "live.err")
    live = lab.start(ns, wirespec, "live", "-i", "lo", "--rules", pack_path, "--site", site_path,
                     "--output", out, "--syn-timeout", "1", "--update-interval", "1",
                     "--stats-interval", "0", stderr=open(err, "w"))
    wait_for("the start line", lambda: any(l["type"] == "start" for l in read_lines(out)))
    for port in (7001, 7002, 7003, 7004):
        p = lab.start(ns, "python3", "-c", TCP_SERVER, "127.0.0.1", str(port), stdout=subprocess.PIPE)
        wait_for(f"server {port}", lambda: p.stdout.readline().startswith(b"listening"))

    def connect(port):
        return lab.exec(ns, "python3", "-c", TCP_CLIENT, "127.0.0.2", "127.0.0.1", str(port),
                        "5").stdout.strip()

    def new_lines(path, kind, port):
        return [l for l in read_lines(path) if l["type"] == "finding" and l["event"] == "new"
                and l["kind"] == kind and l["dst"]["port"] == port]

    check(connect(7001) == "connected", "client reached 7001")
    wait_for("unexpected-port 7001", lambda: new_lines(out, "unexpected-port", 7001))

    # an invalid pack: the old rules stay
    with open(pack_path, "w") as f:
        f.write(pack_text[: len(pack_text) // 2])
    os.kill(live.pid, signal.SIGHUP)
    reloads = lambda path: [l for l in read_lines(path) if l["type"] == "reload"]  # noqa: E731
    wait_for("the failed reload", lambda: reloads(out))
    check(reloads(out)[0]["ok"] is False, "reload with an invalid pack: ok false")
    check(pack_path in open(err).read(), "stderr names the invalid pack")
    check(connect(7002) == "connected", "client reached 7002")
    wait_for("unexpected-port 7002", lambda: new_lines(out, "unexpected-port", 7002))
    check(connect(443) == "ConnectionRefusedError", "443 refused")
    bp = wait_for("blocked-path 443", lambda: new_lines(out, "blocked-path", 443))
    check(bp[0]["rule"] == "testco-https", "the old pack's rule still judges 443")

    # rotation, then a valid pack allowing 7003
    os.rename(out, out + ".1")
    pack = json.loads(pack_text)
    pack["rules"].append({"id": "testco-test-7003", "from": ["endpoint"], "to": ["testco-server"],
                          "transport": "tcp", "dport": [7003], "requirement": "optional",
                          "description": "Added by the reload test",
                          "source": {"section": "tests/live_reload.py"}})
    with open(pack_path, "w") as f:
        json.dump(pack, f)
    os.kill(live.pid, signal.SIGHUP)
    wait_for("the reload", lambda: reloads(out))
    check(reloads(out)[0]["ok"] is True, "reload with a valid pack: ok true, in the new file")
    check(len(reloads(out + ".1")) == 1, "the renamed file kept the lines before the rotation")
    check(connect(7003) == "connected", "client reached 7003")
    check(connect(7004) == "connected", "client reached 7004")
    wait_for("unexpected-port 7004", lambda: new_lines(out, "unexpected-port", 7004))
    check(not new_lines(out, "unexpected-port", 7003), "7003 is allowed now: no finding")

    os.kill(live.pid, signal.SIGUSR1)
    rep = wait_for("the SIGUSR1 report",
                   lambda: [l for l in read_lines(out) if l["type"] == "report"])
    check(rep[0]["final"] is False and live.poll() is None, "SIGUSR1: a report, and the run goes on")

    rc = lab.stop(live, signal.SIGTERM)
    check(rc == 1, f"SIGTERM: exit 1, got {rc}")
    final = [l for l in read_lines(out) if l["type"] == "report" and l["final"]]
    check(len(final) == 1, "SIGTERM: one final report")
    if final:
        flows = [f for f in final[0]["flows"] if f["dst"]["port"] == 7003]
        check(len(flows) == 1 and flows[0]["rule"] == "testco-test-7003",
              "the 7003 flow carries the reloaded pack's rule")
        kinds = {(f["kind"], f["dst"]["port"]) for f in final[0]["findings"]}
        check(("unexpected-port", 7004) in kinds and ("unexpected-port", 7003) not in kinds,
              "final findings: 7004 unexpected, 7003 not")


with tempfile.TemporaryDirectory(prefix="wslive") as tmp:
    try:
        main(tmp)
    except Exception:
        p = os.path.join(tmp, "live.err")
        if os.path.exists(p):
            print(f"--- live.err\n{open(p).read()}")
        raise
    if failures:
        print("--- live.err\n" + open(os.path.join(tmp, "live.err")).read())
print(f"{len(failures)} failed" if failures else "all passed")
sys.exit(1 if failures else 0)
