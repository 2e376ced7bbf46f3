#!/usr/bin/env python3
"""`wirespec test`, the regression runner (doc/corpus.md), on the cases of
tests/data/corpus/: a correct case passes, each deliberately broken one fails
or errors with the exact lines written below, cases are found and named as
the document says, JUnit XML parses with the right counts, --update writes
the expected keys (into copies in a temporary folder, never the source
tree), and the exit status is 0, 1 or 2 as documented.

The addresses, ports, packet counts and outcomes in the expected lines are
what captures/lab/README.md says tshark shows in each recording (see
tests/data/corpus/README.md); severities come from the vendor document rows
(a mandatory row blocked: high; an undocumented port that carried data:
medium, a failed attempt: low). None is copied from wirespec's output.

usage: corpus_runner.py WIRESPEC SRCDIR
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)


def run(ws, src, args, cwd):
    env = dict(os.environ, WIRESPEC_RULES_DIR=os.path.join(src, "rules"))
    p = subprocess.run([ws, "test"] + args, capture_output=True, text=True, cwd=cwd,
                       env=env, timeout=300)
    if "Sanitizer" in p.stderr or "runtime error" in p.stderr:
        raise SystemExit("wirespec test %s: sanitizer report\n%s" % (" ".join(args), p.stderr))
    return p.returncode, p.stdout, p.stderr


def expect_output(ws, src, args, cwd, rc, text):
    got_rc, out, err = run(ws, src, args, cwd)
    check(got_rc == rc, "test %s: exit %d, expected %d\n%s%s" % (" ".join(args), got_rc, rc, out, err))
    want = text.strip("\n").split("\n")
    got = out.rstrip("\n").split("\n")
    if got != want:
        lines = ["test %s: output differs" % " ".join(args)]
        for i in range(max(len(want), len(got))):
            w = want[i] if i < len(want) else "<none>"
            g = got[i] if i < len(got) else "<none>"
            if w != g:
                lines.append("  line %d\n    want: %s\n    got:  %s" % (i + 1, w, g))
        FAILS.append("\n".join(lines))
    return out


# tcp-refused.pcap: 10.99.3.2:40001 -> 10.99.3.3:8443/tcp answered by RST,ACK
# (2 frames); Avaya Equinox SR Manager -> SR Transcoder TCP 8443, Mandatory.
REFUSED = ("blocked-path high 10.99.3.2:40001 -> 10.99.3.3:8443/tcp count 1 "
           "(rule avaya-sr-manager-transcoder)")
REFUSED_EXP = ("{kind: blocked-path, rule: avaya-sr-manager-transcoder, severity: %s, transport: tcp, "
               "src: 10.99.3.2, sport: 40001, dst: 10.99.3.3, dport: 8443, count: %s, "
               "src_role: avaya-sr-manager, dst.label: sr-transcoder, evidence.outcome: rejected}")

PASS_OUT = """
PASS icmp6
PASS pexip-undocumented
SKIP skipped (capture not recorded yet)
PASS tcp-refused
3 passed, 0 failed, 1 skipped
"""

FAIL_OUT = """
FAIL count
  findings[0] %s: expected 1, got 0
    closest: %s: count is 1, not 2
  unexpected finding: %s
FAIL extra
  unexpected finding: unexpected-port low 10.99.11.2:40023 -> 10.99.10.3:23/tcp count 1 (rule null)
FAIL flow-stats
  flows[0] {dport: 8443, outcome: established, src_packets: {max: 0}}: expected 1, got 0
    closest: flow 1 tcp 10.99.3.2:40001 -> 10.99.3.3:8443 rejected (rule avaya-sr-manager-transcoder, app null): outcome is "rejected", not "established"; src_packets is 1, not <= 0
  coverage[0] {rule: avaya-sr-manager-transcoder, dst: 10.99.3.3, status: seen}: expected 1, got 0
    closest: rule avaya-sr-manager-transcoder 10.99.3.2 -> 10.99.3.3 tcp/8443 blocked (mandatory): status is "blocked", not "seen"
  stats: packets is 2, not >= 5
FAIL severity
  findings[0] %s: expected 1, got 0
    closest: %s: severity is "high", not "medium"
  unexpected finding: %s
FAIL times
  findings[0] %s: expected 2, got 1
    matched: %s
FAIL times0
  findings[0] {kind: blocked-path}: expected 0, got 1
    matched: %s
0 passed, 6 failed, 0 skipped
""" % (REFUSED_EXP % ("high", "2"), REFUSED, REFUSED,
       REFUSED_EXP % ("medium", "{min: 1, max: 1}"), REFUSED, REFUSED,
       REFUSED_EXP % ("high", "{min: 1, max: 1}"), REFUSED,
       REFUSED)

ERROR_OUT = """
ERROR bad-json: error/bad-json/case.json: line 4: not valid JSON (unexpected end of file)
ERROR bad-key: error/bad-key/case.json: findings[0]: unknown field "severty" (a findings object has no "severty")
ERROR bad-site: error/bad-site/case.json: cannot load its rule packs or site file error/bad-site/bad.site.json
  error: error/bad-site/bad.site.json: hosts[0] ("10.99.3.2"): roles[0]: unknown role "avaya-sr-mangler" (no loaded pack declares it; wirespec rules show PACK lists a pack's roles)
ERROR missing-capture: error/missing-capture/case.json: captures[0]: error/missing-capture/nope.pcap: no such file
ERROR typo: error/typo/case.json: unknown field "findigns" (doc/corpus.md lists the fields)
0 passed, 0 failed, 0 skipped, 5 errors
"""


def tree_digest(path):
    h = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(path)):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            h.update(p.encode())
            with open(p, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()


def test_runs(ws, src, data):
    expect_output(ws, src, ["pass"], data, 0, PASS_OUT)
    expect_output(ws, src, ["fail"], data, 1, FAIL_OUT)
    expect_output(ws, src, ["error"], data, 2, ERROR_OUT)
    # A folder with case.json is a leaf (nested/a/inner is not run), names
    # starting with "." are not searched, a sidecar is named without .case.json.
    expect_output(ws, src, ["nested"], data, 0, "PASS a\nPASS b/side\n2 passed, 0 failed, 0 skipped")
    # A case named directly keeps the name it was given.
    expect_output(ws, src, ["pass/tcp-refused", "pass/tcp-refused/case.json",
                            "nested/b/side.case.json"], data, 0,
                  "PASS pass/tcp-refused\nPASS pass/tcp-refused\nPASS nested/b/side\n"
                  "3 passed, 0 failed, 0 skipped")
    # Failures and errors together: errors win the exit status.
    rc, out, _ = run(ws, src, ["pass", "fail"], data)
    check(rc == 1 and out.endswith("3 passed, 6 failed, 1 skipped\n"), "pass+fail: exit %d\n%s" % (rc, out))
    rc, out, _ = run(ws, src, ["fail", "error/typo"], data)
    check(rc == 2 and out.endswith("0 passed, 6 failed, 0 skipped, 1 error\n"),
          "fail+error: exit %d\n%s" % (rc, out))
    # --verbose prints the findings of a passing case.
    expect_output(ws, src, ["--verbose", "pass/tcp-refused"], data, 0,
                  "PASS pass/tcp-refused\n  finding: %s\n1 passed, 0 failed, 0 skipped" % REFUSED)


def test_arguments(ws, src, data, tmp):
    rc, out, err = run(ws, src, ["--frobnicate"], data)
    check(rc == 2 and "Try 'wirespec test --help'" in err, "bad option: exit %d %s" % (rc, err))
    rc, out, err = run(ws, src, ["no-such-folder"], data)
    check(rc == 2 and "no-such-folder: No such file or directory" in err,
          "missing folder: exit %d %s" % (rc, err))
    rc, out, err = run(ws, src, ["README.md"], data)
    check(rc == 2 and "README.md: not a case" in err, "not a case: exit %d %s" % (rc, err))
    empty = os.path.join(tmp, "empty")
    os.mkdir(empty)
    expect_output(ws, src, [empty], data, 0, "0 passed, 0 failed, 0 skipped")
    # No argument: ./captures.
    os.mkdir(os.path.join(empty, "captures"))
    expect_output(ws, src, [], empty, 0, "0 passed, 0 failed, 0 skipped")
    rc, out, err = run(ws, src, [], tmp)
    check(rc == 2 and "captures: No such file or directory" in err, "no ./captures: exit %d %s" % (rc, err))


def test_bad_captures(ws, src, tmp):
    """A capture wirespec cannot read to its end makes an ERROR, never a pass."""
    d = os.path.join(tmp, "bad-captures")
    os.mkdir(d)
    with open(os.path.join(src, "captures", "lab", "tcp-refused.pcap"), "rb") as f:
        pcap = f.read()
    # 24-byte file header, then frame 1 (16 + 74 bytes), then 16 bytes of the
    # header of frame 2 (54 bytes) and nothing of its data.
    with open(os.path.join(d, "cut.pcap"), "wb") as f:
        f.write(pcap[:24 + 16 + 74 + 16])
    with open(os.path.join(d, "text.pcap"), "w") as f:
        f.write("not a capture\n")
    for n in ("cut", "text"):
        with open(os.path.join(d, n + ".case.json"), "w") as f:
            json.dump({"description": "d", "source": "s", "rules": ["avaya-equinox"],
                       "other_findings": "ignore"}, f)
    rc, out, _ = run(ws, src, [d], tmp)
    lines = out.splitlines()
    check(rc == 2, "bad captures: exit %d\n%s" % (rc, out))
    check(len(lines) == 3 and lines[0].startswith("ERROR cut: %s/cut.pcap: " % d) and
          "truncated" in lines[0], "truncated capture: %s" % out)
    check(len(lines) == 3 and lines[1].startswith("ERROR text: %s/text.pcap: " % d),
          "not a capture: %s" % out)
    check(lines[-1:] == ["0 passed, 0 failed, 0 skipped, 2 errors"], "bad captures: %s" % out)


def test_junit(ws, src, data, tmp):
    path = os.path.join(tmp, "out", "junit.xml")
    os.mkdir(os.path.dirname(path))
    rc, out, _ = run(ws, src, ["--junit", path, "pass", "fail", "error"], data)
    check(rc == 2, "junit run: exit %d" % rc)
    check(os.listdir(os.path.dirname(path)) == ["junit.xml"], "junit: temporary file left behind")
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        FAILS.append("junit: %s does not parse: %s" % (path, e))
        return
    check(root.tag == "testsuites", "junit: root is %s" % root.tag)
    suites = root.findall("testsuite")
    check(len(suites) == 1 and suites[0].get("name") == "wirespec", "junit: one testsuite wirespec")
    for el in [root] + suites:
        got = {k: el.get(k) for k in ("tests", "failures", "errors", "skipped")}
        check(got == {"tests": "15", "failures": "6", "errors": "5", "skipped": "1"},
              "junit: %s counts %s" % (el.tag, got))
        check(float(el.get("time")) >= 0, "junit: %s time" % el.tag)
    # classname: the folder that holds the case; name: the case's name.
    cases = {c.get("classname") + " " + c.get("name"): c for c in root.iter("testcase")}
    check(len(cases) == 15, "junit: %d testcases" % len(cases))
    c = cases.get("pass tcp-refused")
    check(c is not None and len(c) == 0, "junit: passing case")
    c = cases.get("fail severity")
    f = c.find("failure") if c is not None else None
    check(f is not None and 'severity is "high", not "medium"' in f.text and
          f.get("message").startswith("findings[0] {kind: blocked-path"),
          "junit: failure of fail/severity")
    c = cases.get("error typo")
    e = c.find("error") if c is not None else None
    check(e is not None and 'unknown field "findigns"' in e.get("message"), "junit: error/typo")
    c = cases.get("pass skipped")
    s = c.find("skipped") if c is not None else None
    check(s is not None and s.get("message") == "capture not recorded yet", "junit: skipped")
    # A sidecar's classname is its folder, a folder case's the folder above it.
    rc, _, _ = run(ws, src, ["--junit", path, "nested"], data)
    names = sorted((c.get("classname"), c.get("name")) for c in ET.parse(path).getroot().iter("testcase"))
    check(rc == 0 and names == [("nested", "a"), ("nested/b", "b/side")], "junit classnames: %s" % names)
    # A file that cannot be written: exit 2, nothing left.
    rc, _, err = run(ws, src, ["--junit", os.path.join(tmp, "nodir", "j.xml"), "pass"], data)
    check(rc == 2 and "cannot write" in err, "junit to a missing folder: exit %d %s" % (rc, err))


def lab_copy(src, dst_dir, name, as_name=None, site_as=None):
    lab = os.path.join(src, "captures", "lab")
    os.makedirs(dst_dir, exist_ok=True)
    shutil.copy(os.path.join(lab, name + ".pcap"), os.path.join(dst_dir, (as_name or name) + ".pcap"))
    shutil.copy(os.path.join(lab, name + ".site.json"),
                os.path.join(dst_dir, site_as or (as_name or name) + ".site.json"))


def test_update(ws, src, tmp):
    d = os.path.join(tmp, "update")
    lab_copy(src, d, "tcp-refused")
    case = os.path.join(d, "tcp-refused.case.json")
    original = {
        "description": "x", "source": "y", "rules": ["avaya-equinox"], "findings": [],
        "flows": [{"dport": 8443, "outcome": "rejected"}], "document": "z",
    }
    with open(case, "w") as f:
        json.dump(original, f)
    rc, out, _ = run(ws, src, ["--update", d], tmp)
    check(rc == 0, "update: exit %d\n%s" % (rc, out))
    check(out.splitlines() == [
        "UPDATED tcp-refused: 1 finding expectation written to %s; review each against the vendor document" % case,
        "PASS tcp-refused", "1 passed, 0 failed, 0 skipped"], "update output:\n%s" % out)
    with open(case) as f:
        text = f.read()
    new = json.loads(text)
    check(list(new) == list(original), "update: keys %s" % list(new))
    check({k: v for k, v in new.items() if k != "findings"} ==
          {k: v for k, v in original.items() if k != "findings"}, "update changed other fields")
    check(new["findings"] == [{"kind": "blocked-path", "severity": "high",
                               "rule": "avaya-sr-manager-transcoder", "src": "10.99.3.2",
                               "dst": "10.99.3.3", "transport": "tcp", "dport": 8443, "count": 1}],
          "update: findings %s" % new["findings"])
    check(text.startswith('{\n  "description": "x",\n') and
          '\n    {"kind": "blocked-path", "severity": "high", ' in text,
          "update: layout\n%s" % text)
    check(sorted(os.listdir(d)) == ["tcp-refused.case.json", "tcp-refused.pcap", "tcp-refused.site.json"],
          "update: files left %s" % os.listdir(d))
    rc, out, _ = run(ws, src, [d], tmp)
    check(rc == 0 and out.startswith("PASS tcp-refused"), "after update: %s" % out)

    # Findings below ignore_findings_below are not written. pexip-undocumented:
    # 3389 (medium) and 23 (low); nothing is high.
    d2 = os.path.join(tmp, "update-ignore")
    lab_copy(src, d2, "pexip-undocumented", as_name="x", site_as="site.json")
    with open(os.path.join(d2, "case.json"), "w") as f:
        json.dump({"description": "x", "source": "y", "rules": ["pexip-infinity"],
                   "ignore_findings_below": "medium"}, f)
    rc, out, _ = run(ws, src, ["--update", d2], tmp)
    with open(os.path.join(d2, "case.json")) as f:
        new = json.load(f)
    check(rc == 0 and [(e["dport"], e["severity"]) for e in new.get("findings", [])] == [(3389, "medium")],
          "update with ignore_findings_below: %s\n%s" % (new.get("findings"), out))

    # A folder of captures with no case.json: --update FOLDER writes one.
    # tcp-dropped.pcap: 10.99.4.2:40002 -> 10.99.40.2:443, 4 SYNs, no answer;
    # Pexip Endpoint -> Conferencing Node 443 TCP: blocked, high.
    d3 = os.path.join(tmp, "new-case")
    lab_copy(src, d3, "tcp-dropped", site_as="site.json")
    rc, out, _ = run(ws, src, [d3], tmp)
    check(rc == 0 and out == "0 passed, 0 failed, 0 skipped\n", "folder without case, no update: %s" % out)
    env_rules = os.path.join(src, "rules", "pexip-infinity.json")
    rc, out, _ = run(ws, src, ["--update", d3], tmp)
    lines = out.splitlines()
    check(lines[:1] == ["CREATED %s/case.json: write its \"description\" and \"source\" (they say TODO)" % d3],
          "create: %s" % out)
    with open(os.path.join(d3, "case.json")) as f:
        new = json.load(f)
    check(new["description"].startswith("TODO") and new["source"].startswith("TODO"), "create: TODO fields")
    pexip = [e for e in new["findings"] if e.get("rule") == "pexip-call-https"]
    check(pexip == [{"kind": "blocked-path", "severity": "high", "rule": "pexip-call-https",
                     "src": "10.99.4.2", "dst": "10.99.40.2", "transport": "tcp", "dport": 443,
                     "count": 1}], "create: findings %s (every pack loaded, %s among them)" %
          (new["findings"], env_rules))


def main():
    ws, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    data = os.path.join(src, "tests", "data", "corpus")
    before = tree_digest(data)
    tmp = tempfile.mkdtemp(prefix="ws-corpus-runner-")
    try:
        test_runs(ws, src, data)
        test_arguments(ws, src, data, tmp)
        test_bad_captures(ws, src, tmp)
        test_junit(ws, src, data, tmp)
        test_update(ws, src, tmp)
    finally:
        shutil.rmtree(tmp)
    check(tree_digest(data) == before, "tests/data/corpus changed during the run")
    for f in FAILS:
        print("FAIL", f)
    print("%d failures" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
