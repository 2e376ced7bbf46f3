#!/usr/bin/env python3
"""case-check.py — runs the lab's recorded-capture cases (doc/corpus.md) with
`wirespec audit -f json` and compares each report with what the case expects.

A second, independent reading of the case format of doc/corpus.md, written
from that document only: it lets the lab's cases be checked where
`wirespec test` is not built, and cross-checks `wirespec test` where it is
(both must agree on every case).

usage: case-check.py WIRESPEC [DIR|CASE...]     (default: captures/lab)
Prints PASS/FAIL/SKIP/ERROR per case and the expectations that failed.
Exit 0 when every case passed or was skipped, 1 when one failed, 2 on ERROR.
"""
import ipaddress
import json
import os
import subprocess
import sys

FIELDS = {"description", "source", "document", "captures", "site", "rules",
          "limits", "filter", "findings", "other_findings",
          "ignore_findings_below", "flows", "coverage", "stats", "skip"}
SEVERITY = {"info": 0, "low": 1, "medium": 2, "high": 3}
CAPTURE_EXT = (".pcap", ".pcapng", ".cap")
SHORT = {"sport": "src.port", "dport": "dst.port"}
ROLE = {"src_role": "src.roles", "dst_role": "dst.roles",
        "src_name": "src.names", "dst_name": "dst.names"}


class CaseError(Exception):
    pass


def find_cases(path):
    """(name, case file, folder-or-None) for every case under path, name order."""
    out = []
    if os.path.isfile(path):
        base = os.path.dirname(path)
        if os.path.basename(path) == "case.json":
            return [(os.path.basename(base), path, base)]
        return [(os.path.basename(path)[:-len(".case.json")], path, None)]
    for root, dirs, files in os.walk(path):
        dirs.sort()
        rel = os.path.relpath(root, path)
        if "case.json" in files:
            out.append((rel, os.path.join(root, "case.json"), root))
            dirs[:] = []          # a folder case is a leaf
            continue
        for f in sorted(files):
            if f.endswith(".case.json"):
                name = os.path.normpath(os.path.join(rel, f[:-len(".case.json")]))
                out.append((name, os.path.join(root, f), None))
    return sorted(out)


def get(obj, dotted):
    """Value at a dotted key, or a sentinel when absent."""
    cur = obj
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return KeyError
        cur = cur[part]
    return cur


def in_prefix(ip, want):
    try:
        if "/" in want:
            return ipaddress.ip_address(ip) in ipaddress.ip_network(want, strict=False)
        return ipaddress.ip_address(ip) == ipaddress.ip_address(want)
    except (ValueError, TypeError):
        return False


def key_holds(obj, key, want):
    if key in ("src", "dst") and isinstance(want, str):
        return in_prefix(get(obj, key + ".ip"), want)
    if key in SHORT:
        key = SHORT[key]
    if key in ROLE:
        key = ROLE[key]
    got = get(obj, key)
    if got is KeyError:
        return False
    if isinstance(want, dict):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return False
        return (want.get("min") is None or got >= want["min"]) and \
               (want.get("max") is None or got <= want["max"])
    if isinstance(got, list) and not isinstance(want, list):
        return want in got
    if isinstance(want, bool) or isinstance(got, bool):
        return type(want) is type(got) and want == got
    return got == want


def failed_keys(obj, exp):
    return [k for k, v in exp.items() if k != "times" and not key_holds(obj, k, v)]


def times_ok(n, times):
    if isinstance(times, dict):
        return (times.get("min") is None or n >= times["min"]) and \
               (times.get("max") is None or n <= times["max"])
    return n == times


def short(obj):
    keys = ("kind", "severity", "rule", "transport", "outcome", "status", "count", "app")
    s = {k: obj[k] for k in keys if k in obj}
    for end in ("src", "dst"):
        if isinstance(obj.get(end), dict):
            s[end] = "%s:%s" % (obj[end].get("ip"), obj[end].get("port"))
    return json.dumps(s)


def check_list(what, exps, objs, problems):
    matched = set()
    for exp in exps:
        hits = [i for i, o in enumerate(objs) if not failed_keys(o, exp)]
        matched.update(hits)
        times = exp.get("times", 1)
        if times_ok(len(hits), times):
            continue
        if not hits and objs:
            best = min(objs, key=lambda o: len(failed_keys(o, exp)))
            problems.append("%s %s: matched 0, want %s; closest %s fails %s" % (
                what, json.dumps(exp), times, short(best), failed_keys(best, exp)))
        else:
            problems.append("%s %s: matched %d, want %s: %s" % (
                what, json.dumps(exp), len(hits), times, [short(objs[i]) for i in hits]))
    return matched


def run_case(wirespec, name, path, folder):
    with open(path) as f:
        case = json.load(f)
    bad = set(case) - FIELDS
    if bad:
        raise CaseError("unknown field(s) %s" % sorted(bad))
    for req in ("description", "source"):
        if req not in case:
            raise CaseError("missing %s" % req)
    if "skip" in case:
        return "SKIP", [case["skip"]]
    here = os.path.dirname(path)
    if "captures" in case:
        caps = [os.path.join(here, c) for c in case["captures"]]
    elif folder:
        caps = sorted(os.path.join(here, c) for c in os.listdir(here) if c.endswith(CAPTURE_EXT))
    else:
        stem = path[:-len(".case.json")]
        caps = [stem + e for e in CAPTURE_EXT if os.path.exists(stem + e)][:1]
    if not caps:
        raise CaseError("no capture")
    if "site" in case:
        site = None if case["site"] is None else os.path.join(here, case["site"])
    elif folder:
        site = os.path.join(here, "site.json") if os.path.exists(os.path.join(here, "site.json")) else None
    else:
        s = path[:-len(".case.json")] + ".site.json"
        site = s if os.path.exists(s) else None
    cmd = [wirespec, "audit", "-f", "json", "--fail-on", "none"]
    for r in case.get("rules", []):
        cmd += ["--rules", os.path.join(here, r) if r.endswith(".json") or "/" in r else r]
    if site:
        cmd += ["--site", site]
    for k, v in case.get("limits", {}).items():
        cmd += ["--limit", "%s=%s" % (k, v)]
    if "filter" in case:
        cmd += ["--filter", case["filter"]]
    cmd += caps
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise CaseError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    rep = json.loads(p.stdout)

    floor = SEVERITY.get(case.get("ignore_findings_below", "info"), 0)
    findings = [f for f in rep["findings"] if SEVERITY[f["severity"]] >= floor]
    problems = []
    matched = check_list("finding", case.get("findings", []), findings, problems)
    if case.get("other_findings", "fail") == "fail":
        for i, f in enumerate(findings):
            if i not in matched:
                problems.append("other finding %s: %s" % (short(f), f["message"]))
    check_list("flow", case.get("flows", []), rep["flows"], problems)
    check_list("coverage", case.get("coverage", []), rep["coverage"], problems)
    for k, v in case.get("stats", {}).items():
        if not key_holds(rep["stats"], k, v):
            problems.append("stats %s: want %s, got %s" % (k, v, get(rep["stats"], k)))
    return ("FAIL" if problems else "PASS"), problems


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    wirespec = sys.argv[1]
    paths = sys.argv[2:] or [os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                          "..", "..", "captures", "lab")]
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0, "ERROR": 0}
    for path in paths:
        for name, cpath, folder in find_cases(path):
            try:
                verdict, lines = run_case(wirespec, name, cpath, folder)
            except (CaseError, ValueError, OSError, subprocess.TimeoutExpired) as e:
                verdict, lines = "ERROR", [str(e)]
            counts[verdict] += 1
            print("%-5s %s" % (verdict, name))
            for line in lines:
                print("      " + line)
    print("%d passed, %d failed, %d skipped, %d errors" % (
        counts["PASS"], counts["FAIL"], counts["SKIP"], counts["ERROR"]))
    return 2 if counts["ERROR"] else 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
