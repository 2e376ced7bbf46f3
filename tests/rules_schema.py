#!/usr/bin/env python3
"""Every shipped pack and example site file against the JSON Schemas in
rules/schema/ (an independent reading of the format: python3-jsonschema),
and `wirespec rules check` on the same files.

usage: rules_schema.py WIRESPEC SRCDIR
"""
import glob
import json
import os
import subprocess
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed")
    sys.exit(77)


def main():
    wirespec, src = sys.argv[1], sys.argv[2]
    schema_dir = os.path.join(src, "rules", "schema")
    pack_schema = json.load(open(os.path.join(schema_dir, "pack.schema.json")))
    site_schema = json.load(open(os.path.join(schema_dir, "site.schema.json")))
    jsonschema.Draft202012Validator.check_schema(pack_schema)
    jsonschema.Draft202012Validator.check_schema(site_schema)
    bad = 0
    packs = sorted(glob.glob(os.path.join(src, "rules", "*.json")))
    sites = sorted(glob.glob(os.path.join(src, "rules", "examples", "*.site.json")) +
                   glob.glob(os.path.join(src, "captures", "lab", "*.site.json")))
    for path, schema in [(p, pack_schema) for p in packs] + [(s, site_schema) for s in sites]:
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(path))))
        for e in errors:
            print("%s: %s: %s" % (path, "/".join(str(x) for x in e.path), e.message))
        bad += bool(errors)
    p = subprocess.run([wirespec, "rules", "check"] + packs, capture_output=True, text=True)
    print(p.stdout, p.stderr, end="")
    if p.returncode != 0:
        bad += 1
    for site in sites:
        p = subprocess.run([wirespec, "rules", "check", "--site", site] + packs,
                           capture_output=True, text=True)
        if p.returncode != 0:
            print("%s: rules check --site failed:\n%s" % (site, p.stderr))
            bad += 1
    print("%d packs, %d site files, %d failed" % (len(packs), len(sites), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
