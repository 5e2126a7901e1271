#!/usr/bin/env python3
"""test/upgrade/upgrade_check.py: compares the snapshots that
test/upgrade/snapshot.sql takes of a database before and after
ALTER EXTENSION clarky_activity UPDATE.

    upgrade_check.py CHECK[,CHECK...] BEFORE [AFTER]

prints for each check a line "=== CHECK ok" or "=== CHECK fail" and then
what differs (at most a few lines per kind of difference), which
upgrade_test.sh shows as TAP diagnostics; exits 0 when every check holds.  The checks of one snapshot (before,
totals) read the last file given.  Python 3 standard library only.

Checks:
  before      the (last) snapshot is a sound 1.0.0 one: no call failed, every row is
              on its timelines, each rendered with exactly the 1.0.0 keys in
              order, with the row's values
  after-ok    no timeline call failed in AFTER, and it has as many rows as
              BEFORE, none deleted
  layout      every page of every timeline (untyped and per type) lists the
              same ids in the same order in BEFORE and AFTER
  appended    each activity in AFTER is its BEFORE rendering, key for key and
              value for value, followed by owner_id null, updated_at equal
              to created_at, version 1 (1.1.0), contact_ids and company_ids
              its one contact and company or [] (1.3.0), in that order, and
              nothing else
  text        each activity's AFTER text is exactly its BEFORE text with
              ', "owner_id": null, "updated_at": "<created_at>", "version": 1,
              "contact_ids": [...], "company_ids": [...]' inserted before the
              closing brace
  pagination  every page's pagination object is the same text in both
  totals      in the (last) snapshot: every timeline's total, untyped
              and per type, is the count of its live rows, total_pages is
              ceil(total / 7), its pages list those rows once each, newest
              first (occurred_at DESC, id DESC), and the page past the end
              is empty with the true total
  get         in AFTER, clarky.get_activity(id) of every BEFORE activity is
              exactly '{"data": ' + its timeline rendering + '}'
"""

import contextlib
import datetime
import decimal
import io
import json
import math
import sys

OLD_KEYS = ["id", "contact_id", "company_id", "activity_type", "title",
            "description", "due_date", "duration_minutes", "completed_at",
            "metadata", "created_at", "occurred_at"]
NEW_KEYS = ["owner_id", "updated_at", "version", "contact_ids", "company_ids"]
MAX_SHOWN = 5


def load(path):
    lines = []
    with open(path, encoding="utf-8") as f:
        for n, text in enumerate(f, 1):
            text = text.rstrip("\n")
            if not text:
                continue
            try:
                lines.append(json.loads(text))
            except ValueError as e:
                lines.append({"what": "error", "call": f"{path}:{n}",
                              "sqlstate": "", "message": f"not JSON ({e}): {text[:200]}",
                              "hint": None})
    return lines


def of(lines, what):
    return [x for x in lines if x.get("what") == what]


def pairs(text):
    """a JSON text as nested lists of (key, value) pairs: order kept"""
    return json.loads(text, object_pairs_hook=list)


class Problems:
    def __init__(self):
        self.count = {}
        self.shown = []

    def add(self, kind, text):
        n = self.count.get(kind, 0) + 1
        self.count[kind] = n
        if n <= MAX_SHOWN:
            self.shown.append(f"{kind}: {text}")

    def report(self):
        for line in self.shown:
            print(line)
        for kind, n in self.count.items():
            if n > MAX_SHOWN:
                print(f"{kind}: ... {n} in all")
        return 1 if self.count else 0


def errors(lines, problems, label, gets=False):
    """report the failed calls (of the timelines; of get_activity too if gets)"""
    for e in of(lines, "error"):
        if not gets and e.get("call", "").startswith("clarky.get_activity("):
            continue
        problems.add(f"{label}: a call failed",
                     f"{e.get('call')}: {e.get('sqlstate')} {e.get('message')}"
                     + (f" (hint: {e['hint']})" if e.get("hint") else ""))


def elems_by_id(lines):
    """id -> list of (ws, kind, owner, page, pos, text)"""
    out = {}
    for e in of(lines, "elem"):
        out.setdefault((e["ws"], e["id"]), []).append(e)
    return out


def parse_ts(text):
    """a rendered or to_jsonb timestamp as an aware datetime (or None)"""
    if text is None:
        return None
    t = text.replace("Z", "+00:00")
    return datetime.datetime.fromisoformat(t)


def check_before(before):
    p = Problems()
    errors(before, p, "before")
    rows = of(before, "row")
    if not rows:
        p.add("before", "no activities in the snapshot")
    elems = elems_by_id(before)
    for r in rows:
        row = r["row"]
        key = (row["workspace_id"], row["id"])
        on = elems.get(key, [])
        expected_timelines = int(row["contact_id"] is not None) + int(row["company_id"] is not None)
        if len(on) != expected_timelines:
            p.add("before: not on its timelines",
                  f"{key}: on {len(on)} timelines, expected {expected_timelines}")
        for e in on:
            try:
                obj = pairs(e["elem"])
            except ValueError as ex:
                p.add("before: not JSON", f"{key}: {ex}")
                continue
            keys = [k for k, _ in obj]
            if keys != OLD_KEYS:
                p.add("before: not the 1.0.0 keys in order", f"{key}: {keys}")
                continue
            d = dict(obj)
            for k in ("id", "contact_id", "company_id", "activity_type", "title", "description"):
                if d[k] != row[k]:
                    p.add("before: a value differs from the row",
                          f"{key} {k}: rendered {d[k]!r}, row {row[k]!r}")
            if json.loads(e["elem"])["metadata"] != row["metadata"]:
                p.add("before: a value differs from the row", f"{key} metadata")
            dm = d["duration_minutes"]
            rm = row["duration_minutes"]
            if (dm is None) != (rm is None) or (
                    dm is not None and decimal.Decimal(str(dm)) != decimal.Decimal(str(rm))):
                p.add("before: a value differs from the row",
                      f"{key} duration_minutes: rendered {dm!r}, row {rm!r}")
            for k in ("due_date", "completed_at", "created_at", "occurred_at"):
                rendered, stored = d[k], row[k]
                if (rendered is None) != (stored is None):
                    p.add("before: a value differs from the row",
                          f"{key} {k}: rendered {rendered!r}, row {stored!r}")
                elif rendered is not None:
                    gap = abs(parse_ts(rendered) - parse_ts(stored))
                    if gap >= datetime.timedelta(milliseconds=1):
                        p.add("before: a value differs from the row",
                              f"{key} {k}: rendered {rendered!r}, row {stored!r}")
    return p.report()


def check_after_ok(before, after):
    p = Problems()
    errors(after, p, "after")
    nb, na = len(of(before, "row")), len(of(after, "row"))
    if nb != na:
        p.add("after", f"{na} activities, {nb} before the upgrade")
    for r in of(after, "row"):
        row = r["row"]
        if row.get("deleted_at") is not None:
            p.add("after: a row is deleted", row["id"])
    return p.report()


def pages(lines):
    return {(x["ws"], x["kind"], x["owner"], x["type"], x["page"]): x for x in of(lines, "page")}


def check_layout(before, after):
    p = Problems()
    pb, pa = pages(before), pages(after)
    if not pb:
        p.add("layout", "no pages before the upgrade")
    for k in sorted(set(pb) | set(pa)):
        if k not in pa:
            p.add("layout: a page is missing after", str(k))
        elif k not in pb:
            p.add("layout: a page is new after", str(k))
        elif pb[k]["ids"] != pa[k]["ids"]:
            p.add("layout: a page lists other ids", f"{k}: before {pb[k]['ids']}, after {pa[k]['ids']}")
    return p.report()


def check_pagination(before, after):
    p = Problems()
    pb, pa = pages(before), pages(after)
    if not pb:
        p.add("pagination", "no pages before the upgrade")
    for k in sorted(set(pb) | set(pa)):
        b, a = pb.get(k, {}).get("pagination"), pa.get(k, {}).get("pagination")
        if b != a:
            p.add("pagination: differs", f"{k}: before {b}, after {a}")
    return p.report()


def timeline(rows, ws, kind, owner, activity_type):
    """the ids of a timeline's live rows, newest first (ties: id descending,
    in byte order: the id column is COLLATE "C")"""
    mine = [r for r in rows
            if r["workspace_id"] == ws and r[f"{kind}_id"] == owner
            and activity_type in ("", r["activity_type"]) and r.get("deleted_at") is None]
    mine.sort(key=lambda r: (parse_ts(r["occurred_at"]), r["id"].encode()), reverse=True)
    return [r["id"] for r in mine]


def check_totals(snap):
    p = Problems()
    errors(snap, p, "snapshot")
    counts = {(x["ws"], x["kind"], x["owner"], x["type"]): x["count"] for x in of(snap, "count")}
    if not counts:
        p.add("totals", "no timelines in the snapshot")
    pg = pages(snap)
    rows = [r["row"] for r in of(snap, "row")]
    for k, n in sorted(counts.items()):
        page1 = pg.get(k + (1,))
        if page1 is None:
            p.add("totals: no page 1", str(k))
            continue
        pag = json.loads(page1["pagination"]) if page1["pagination"] else {}
        want = {"page": 1, "page_size": 7, "total": n, "total_pages": math.ceil(n / 7)}
        if pag != want:
            p.add("totals: not the live rows' count", f"{k}: pagination {pag}, count(*) {n}")
        seen = []
        for page in range(1, want["total_pages"] + 1):
            seen += pg.get(k + (page,), {}).get("ids", [])
        if len(seen) != n or len(set(seen)) != n:
            p.add("totals: the pages do not list every activity once",
                  f"{k}: {len(seen)} ids ({len(set(seen))} distinct) on the pages, count(*) {n}")
        elif seen != timeline(rows, *k):
            p.add("totals: the pages are not in the order occurred_at DESC, id DESC",
                  f"{k}: pages {seen}, rows {timeline(rows, *k)}")
        past = pg.get(k + (want["total_pages"] + 1,))
        if past is None or past["ids"] != [] or \
                json.loads(past["pagination"]).get("total") != n:
            p.add("totals: the page past the end is not empty with the true total", str(k))
    return p.report()


def id_list(one):
    """an upgraded activity's contact_ids or company_ids: its one id, or []"""
    return [] if one is None else [one]


def expected_text(before_text, created_at):
    if not before_text.endswith("}"):
        return None
    b = json.loads(before_text)
    return (before_text[:-1] + ', "owner_id": null, "updated_at": '
            + json.dumps(created_at) + ', "version": 1, "contact_ids": '
            + json.dumps(id_list(b["contact_id"])) + ', "company_ids": '
            + json.dumps(id_list(b["company_id"])) + '}')


def matched(before, after, p):
    """(key, before elem, after elem) for every timeline entry of BEFORE"""
    ea = {(x["ws"], x["kind"], x["owner"], x["page"], x["pos"]): x for x in of(after, "elem")}
    out = []
    for b in of(before, "elem"):
        k = (b["ws"], b["kind"], b["owner"], b["page"], b["pos"])
        a = ea.get(k)
        if a is None or a["id"] != b["id"]:
            p.add("an activity is not where it was", f"{b['id']} at {k}: after {a and a['id']}")
            continue
        out.append((k, b, a))
    if not out:
        p.add("no activities", "nothing to compare")
    return out


def check_appended(before, after):
    p = Problems()
    for k, b, a in matched(before, after, p):
        ob, oa = pairs(b["elem"]), pairs(a["elem"])
        keys = [x for x, _ in oa]
        if keys != OLD_KEYS + NEW_KEYS:
            p.add("not the 1.0.0 keys followed by owner_id, updated_at, version, contact_ids, company_ids",
                  f"{b['id']}: {keys}")
            continue
        if oa[:len(OLD_KEYS)] != ob:
            diff = [x for x, y in zip(ob, oa) if x != y]
            p.add("a 1.0.0 value changed", f"{b['id']}: before {diff}")
        d = dict(oa)
        if d["owner_id"] is not None:
            p.add("owner_id is not null", f"{b['id']}: {d['owner_id']!r}")
        if d["updated_at"] != d["created_at"]:
            p.add("updated_at is not created_at",
                  f"{b['id']}: updated_at {d['updated_at']!r}, created_at {d['created_at']!r}")
        if d["version"] != 1 or isinstance(d["version"], bool) or not isinstance(d["version"], int):
            p.add("version is not 1", f"{b['id']}: {d['version']!r}")
        for lst, one in (("contact_ids", "contact_id"), ("company_ids", "company_id")):
            if d[lst] != id_list(d[one]):
                p.add(f"{lst} is not [{one}]", f"{b['id']}: {d[lst]!r}, {one} {d[one]!r}")
    return p.report()


def check_text(before, after):
    p = Problems()
    for k, b, a in matched(before, after, p):
        created = dict(pairs(b["elem"])).get("created_at")
        want = expected_text(b["elem"], created)
        if a["elem"] != want:
            p.add("differs from the 1.0.0 text with the five keys appended",
                  f"{b['id']}:\n  got:      {a['elem']}\n  expected: {want}")
    return p.report()


def check_get(before, after):
    p = Problems()
    gets = {(x["ws"], x["id"]): x["result"] for x in of(after, "get")}
    elems = elems_by_id(after)
    if not of(before, "row"):
        p.add("get", "no activities before the upgrade")
    for r in of(before, "row"):
        key = (r["row"]["workspace_id"], r["row"]["id"])
        got = gets.get(key)
        on = elems.get(key)
        if got is None:
            err = [e for e in of(after, "error") if e["call"].startswith(f"clarky.get_activity('{key[1]}')")]
            p.add("clarky.get_activity failed or is missing",
                  f"{key}: " + (f"{err[0]['sqlstate']} {err[0]['message']}" if err else "no result"))
        elif not on:
            p.add("not on a timeline after the upgrade", str(key))
        elif got != '{"data": ' + on[0]["elem"] + "}":
            p.add("clarky.get_activity differs from the timeline's rendering",
                  f"{key}:\n  get_activity: {got}\n  timeline:     {on[0]['elem']}")
    return p.report()


CHECKS = {
    "before": check_before,
    "after-ok": check_after_ok,
    "layout": check_layout,
    "pagination": check_pagination,
    "totals": check_totals,
    "appended": check_appended,
    "text": check_text,
    "get": check_get,
}


SINGLE = ("before", "totals")	# checks of one snapshot: the last file given


def main(argv):
    checks = argv[1].split(",") if len(argv) >= 3 else []
    if not checks or any(c not in CHECKS for c in checks) or len(argv) > 4:
        print(__doc__, file=sys.stderr)
        return 2
    files = [load(path) for path in argv[2:4]]
    status = 0
    for c in checks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = run(c, files)
        print(f"=== {c} {'ok' if rc == 0 else 'fail'}")
        print(out.getvalue(), end="")
        status = status or rc
    return status


def run(check, files):
    if check in SINGLE:
        return CHECKS[check](files[-1])
    if len(files) < 2:
        print(f"{check}: needs two snapshots")
        return 1
    return CHECKS[check](files[0], files[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
