#!/usr/bin/env python3
"""Every probe row of tests/packs/*.probes through `wirespec rules match`.

A probe table is written from the vendor document, not from the pack
(format: doc/rules.md, "Probe tables"). Each row names the rule that must
allow the flow, or "-" when no rule may allow it.

usage: pack_probes.py WIRESPEC SRCDIR [PACK...]
"""
import os
import subprocess
import sys


def probes(path):
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) < 8:
                yield lineno, None, "expected at least 8 tab-separated columns, got %d" % len(cols)
                continue
            yield lineno, cols, None


def run(wirespec, pack_file, cols):
    expect, frm, to, transport, dport, sport, name, features = cols[:8]
    cmd = [wirespec, "rules", "match", "--rules", pack_file, "--from", frm, "--to", to,
           "--transport", transport]
    if dport != "-":
        cmd += ["--dport", dport]
    if sport != "-":
        cmd += ["--sport", sport]
    if name != "-":
        cmd += ["--name", name]
    if features != "-":
        for f in features.split(","):
            cmd += ["--feature", f.strip()]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    out = p.stdout.splitlines()
    if p.returncode == 2:
        return "usage error: " + p.stderr.strip()
    if "Sanitizer" in p.stderr or "runtime error" in p.stderr:
        return "sanitizer: " + p.stderr.strip()
    if expect == "-":
        if p.returncode != 1:
            return "expected not allowed, got: " + (out[0] if out else "?")
        return None
    if p.returncode != 0:
        return "expected %s, got: %s" % (expect, " / ".join(out))
    allowing = []
    for line in out:
        for prefix in ("allowed by ", "also allowed by "):
            if line.startswith(prefix):
                allowing.append(line[len(prefix):].split(" ")[0])
    if expect not in allowing:
        return "expected %s, allowed by %s" % (expect, ", ".join(allowing))
    return None


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    wirespec, src = sys.argv[1], sys.argv[2]
    wanted = sys.argv[3:]
    pdir = os.path.join(src, "tests", "packs")
    files = sorted(f for f in os.listdir(pdir) if f.endswith(".probes")) if os.path.isdir(pdir) else []
    if wanted:
        files = [w + ".probes" for w in wanted]
    if not files:
        print("no probe tables")
        return 77
    failures = total = 0
    for fname in files:
        pack = fname[: -len(".probes")]
        pack_file = os.path.join(src, "rules", pack + ".json")
        n = bad = 0
        for lineno, cols, err in probes(os.path.join(pdir, fname)):
            n += 1
            if err is None:
                err = run(wirespec, pack_file, cols)
            if err:
                bad += 1
                row = cols[8] if cols and len(cols) > 8 else ""
                print("%s:%d: %s  [%s]" % (fname, lineno, err, row))
        print("%s: %d probes, %d failed" % (pack, n, bad))
        failures += bad
        total += n
    print("all packs: %d probes, %d failed" % (total, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
