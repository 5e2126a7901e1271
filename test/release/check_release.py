#!/usr/bin/env python3
"""test/release/check_release.py: the release files agree with each other.

The version is written once, in clarky_activity.control (default_version);
the Makefile derives it for the library and META.json (from META.json.in).
This checks, as TAP:

- META.json is valid against the PGXN Meta Spec 1.0.0
  (test/release/pgxn-meta-1.0.0.schema.json), is what META.json.in and the
  version make, and its files exist;
- the validator itself rejects documents that break the spec (so that the
  first check can fail);
- CHANGELOG.md has one section per version of the SQL, newest first, the
  newest being the control file's version;
- LICENSE is the PostgreSQL License, as META.json and debian/copyright say;
- no C source, the Makefile or META.json.in writes a version itself.

(debian/changelog's version is checked where the package is built, by
test/debian/deb_test.sh, with dpkg's own parser.) Run after make (which
writes META.json); needs python3-jsonschema.
"""
import copy
import json
import os
import re
import sys

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA = os.path.join(ROOT, "test", "release", "pgxn-meta-1.0.0.schema.json")
VERSION_RE = r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"

results = []


def check(ok, name, *diagnostics):
    results.append((bool(ok), name, [d for d in diagnostics if d]))


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def version_key(v):
    return tuple(int(p) for p in v.split("."))


def control_version():
    m = re.search(r"^default_version = '(.*)'$", read("clarky_activity.control"), re.M)
    return m.group(1) if m else None


def sql_versions():
    """Every version sql/ can install or update to"""
    versions = set()
    for name in os.listdir(os.path.join(ROOT, "sql")):
        m = re.fullmatch(r"clarky_activity--(?:[0-9.]+--)?([0-9.]+)\.sql", name)
        if m:
            versions.add(m.group(1))
    return versions


def schema_errors(validator, doc):
    return sorted("/".join(str(p) for p in e.absolute_path) + ": " + e.message
                  for e in validator.iter_errors(doc))


def main():
    version = control_version()
    check(version and re.fullmatch(VERSION_RE, version),
          "clarky_activity.control names the version (%s)" % version)

    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    # META.json: written by make from META.json.in
    meta_path = os.path.join(ROOT, "META.json")
    if not os.path.exists(meta_path):
        check(False, "META.json exists", "run make first: it writes META.json from META.json.in")
        meta = None
    else:
        text = read("META.json")
        meta = json.loads(text)
        errors = schema_errors(validator, meta)
        check(not errors, "META.json is valid against the PGXN Meta Spec 1.0.0", *errors)
        check(text == read("META.json.in").replace("@VERSION@", version),
              "META.json is what make writes from META.json.in (not stale)")
        check(meta.get("version") == version, "META.json's version is the control file's",
              "META.json says %r" % meta.get("version"))
        provided = meta.get("provides", {}).get("clarky_activity", {})
        check(provided.get("version") == version,
              "META.json provides clarky_activity at the control file's version")
        missing = [provided.get(k) for k in ("file", "docfile")
                   if not os.path.exists(os.path.join(ROOT, provided.get(k) or "-"))]
        check(not missing, "the files META.json names exist", *("missing: %s" % m for m in missing))
        check(meta.get("license") == "postgresql", "META.json's license is postgresql")

    # The validator refuses what the spec refuses
    good = json.loads(read("META.json.in").replace("@VERSION@", "1.0.0"))
    check(not schema_errors(validator, good), "the validator accepts META.json.in")
    broken = {
        "without a license": lambda d: d.pop("license"),
        "with a version that is not SemVer": lambda d: d.update(version="1.2"),
        "with an unknown license": lambda d: d.update(license="gpl"),
        "with a provided extension without its file":
            lambda d: d["provides"]["clarky_activity"].pop("file"),
        "with an unknown key": lambda d: d.update(homepage="https://example.org"),
        "with an unknown prerequisite phase": lambda d: d["prereqs"].update(install={}),
        "with a name containing a slash": lambda d: d.update(name="clarky/activity"),
        "with another meta-spec version": lambda d: d["meta-spec"].update(version="2.0.0"),
    }
    for what, breakit in broken.items():
        doc = copy.deepcopy(good)
        breakit(doc)
        check(schema_errors(validator, doc), "the validator refuses a META.json %s" % what)
    doc = copy.deepcopy(good)
    doc["x_maintainer_note"] = "custom keys start with x_"
    check(not schema_errors(validator, doc), "the validator accepts a custom x_ key")

    # CHANGELOG.md: a section per SQL version, newest first
    headings = re.findall(r"^## (.+)$", read("CHANGELOG.md"), re.M)
    listed = []
    for h in headings:
        m = re.fullmatch(r"(%s) \((\d{4}-\d\d-\d\d)\)" % VERSION_RE, h)
        if m:
            listed.append(m.group(1))
        elif h != "Unreleased" or listed:
            check(False, "CHANGELOG.md's section %r is a version and its date" % h,
                  "sections are '## X.Y.Z (YYYY-MM-DD)', an '## Unreleased' one first")
    check(listed == sorted(listed, key=version_key, reverse=True) and len(set(listed)) == len(listed),
          "CHANGELOG.md's versions are newest first, each once", "found: %s" % listed)
    check(listed and listed[0] == version, "CHANGELOG.md's newest version is the control file's",
          "found: %s" % (listed[:1],))
    check(set(listed) == sql_versions(), "CHANGELOG.md has a section for every version in sql/",
          "sql/: %s, CHANGELOG.md: %s" % (sorted(sql_versions(), key=version_key), listed))

    check(read("LICENSE").startswith("PostgreSQL License\n"), "LICENSE is the PostgreSQL License")
    check(re.search(r"^License: PostgreSQL$", read("debian/copyright"), re.M),
          "debian/copyright names the PostgreSQL License")

    # nothing else writes the version down
    literal = re.compile(r"['\"]%s['\"]" % VERSION_RE)
    sources = ["Makefile"] + ["src/" + n for n in sorted(os.listdir(os.path.join(ROOT, "src")))
                              if n.endswith((".c", ".h"))]
    writers = [s for s in sources if literal.search(read(s))]
    template = json.loads(read("META.json.in"))
    if {template.get("version")} | {p.get("version") for p in template.get("provides", {}).values()} != {"@VERSION@"}:
        writers.append("META.json.in (its version fields are not @VERSION@)")
    check(not writers, "the C sources, the Makefile and META.json.in take the version from the control file",
          *("a version literal in %s" % w for w in writers))

    print("1..%d" % len(results))
    for n, (ok, name, diagnostics) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
        if not ok:
            for d in diagnostics:
                print("# " + d)
    return 0 if all(ok for ok, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
