#!/usr/bin/env python3
"""test/stress/crash_client.py CLIENT WORKSPACE SENT_FILE [MAX]
   test/stress/crash_client.py --record ACKED_FILE

Writes to stdout, for psql to run in autocommit, one statement per line,
for N = 1, 2, ... MAX (default 1,000,000): about seven in ten log an
activity,

    WITH l AS (SELECT clarky.log_activity($p$PAYLOAD$p$) AS r),
         i AS (INSERT INTO stress.crash_ids SELECT CLIENT, N, r #>> '{data,id}' FROM l)
    SELECT CLIENT, N, r FROM l;

a varied, deterministic activity payload (every field, Unicode, quotes and
backslashes, some TOASTed descriptions, backdated and offset timestamps),
whose id is kept in stress.crash_ids in the same transaction; the others
change an activity this client logged before (statement TARGET), or a
company's contacts:

    SELECT CLIENT, N, stress.crash_change(CLIENT, N, TARGET, OP, $p$PATCH$p$, STAMP);

OP is update (a merge patch of title, owner_id and metadata, now and then
of contact_ids and company_ids too, with the version read first as
expected_version), complete (at STAMP), reopen, delete (with
expected_version), restore, member (add_contact_to_company, with or
without backfill, of the contact and company in PATCH: the activity
TARGET stays as it is) or unmember (remove_contact_from_company);
stress.crash_change (crash_writes.sql) records the change in the same
transaction.  A third of the activities logged are on several contacts
(contact_ids, with or without contact_id) and a fifth on several
companies (company_ids).  The client keeps track of
what its statements did (each runs only once all before it succeeded: psql
stops at the first error), so it never changes a deleted activity but to
restore it, nor restores a live one; a reopen of an open activity, which
changes nothing, is left in on purpose.

Before a statement is written, its line "CLIENT<TAB>N<TAB>PAYLOAD" is
appended to SENT_FILE and flushed (for a change, PAYLOAD is
{"change": OP, "target": TARGET, "patch": ..., "completed_at": STAMP}):
SENT_FILE holds every statement that may have reached the server.

psql prints "CLIENT<TAB>N<TAB>{"data": ...}" (with -At -F tab) only for a
statement whose result, and so whose commit, the server acknowledged; the
crash check compares those with the table after recovery.  When psql exits
(the server was killed), the next write fails and this generator ends
quietly.

With --record, it copies its input (psql's output, piped to it) to
ACKED_FILE instead, appending, and fsyncs the file after each piece it
reads, so that an acknowledgement once recorded outlives even the machine
(failover.sh); it ends when psql does.
"""
import json
import os
import random
import signal
import sys

TYPES = ["note", "call", "meeting", "video_call", "task", "todo", "reminder"]
WORDS = ["follow-up", "migration", "Réunion", "ça va", "naïve café", "日本語のメモ",
         "emoji 🚀☕", 'quote "double"', "apostrophe 'single'", "back\\slash",
         "tab\there", "new\nline", "semicolon; -- not a comment", "$$ dollars $$",
         "percent %s %d", "<b>html</b>", "null \\u0000 text"]


def timestamp(rnd, date_only_ok=True):
    """An ISO 8601 timestamp in the subset PostgreSQL also parses the same
    way under TimeZone UTC: 'Z' or an offset, 0 to 6 fraction digits."""
    year = rnd.randrange(1990, 2031)
    month = rnd.randrange(1, 13)
    day = rnd.randrange(1, 29)
    if date_only_ok and rnd.random() < 0.15:
        return "%04d-%02d-%02d" % (year, month, day)
    text = "%04d-%02d-%02dT%02d:%02d:%02d" % (
        year, month, day, rnd.randrange(24), rnd.randrange(60), rnd.randrange(60))
    digits = rnd.choice([0, 0, 3, 6])
    if digits:
        text += "." + "".join(str(rnd.randrange(10)) for _ in range(digits))
    zone = rnd.choice(["Z", "Z", "+05:30", "-08:00", "+00:00", "-03:45"])
    return text + zone


def contacts(rnd):
    """2 to 6 distinct contacts, in a random order"""
    return ["c_crash_%d" % i for i in rnd.sample(range(40), rnd.randrange(2, 7))]


def companies(rnd):
    """1 to 3 distinct companies, in a random order"""
    return ["co_crash_%d" % i for i in rnd.sample(range(8), rnd.randrange(1, 4))]


def payload(client, n):
    rnd = random.Random(client * 1_000_003 + n)
    kind = TYPES[n % len(TYPES)]
    p = {"activity_type": kind}
    has_contact = rnd.random() < 0.85
    if has_contact:
        p["contact_id"] = "c_crash_%d" % rnd.randrange(40)
    if not has_contact or rnd.random() < 0.3:
        p["company_id"] = "co_crash_%d" % rnd.randrange(8)
    # tagged: several contacts (contact_id among them, or added, or none)
    # and companies
    if rnd.random() < 0.35:
        p["contact_ids"] = contacts(rnd)
    if rnd.random() < 0.2:
        p["company_ids"] = companies(rnd)
    # the title names the client and the statement, for the checker
    p["title"] = "c%d n%d %s" % (client, n, rnd.choice(WORDS))
    r = rnd.random()
    if r < 0.02:
        p["description"] = ("TOASTed " + rnd.choice(WORDS) + " ") * 2500   # ~30 kB
    elif r < 0.8:
        p["description"] = " ".join(rnd.choice(WORDS) for _ in range(rnd.randrange(1, 40)))
    if kind in ("task", "todo", "reminder"):
        p["due_date"] = timestamp(rnd)
    if kind in ("call", "meeting", "video_call"):
        p["duration_minutes"] = rnd.choice([0, 15, 32.5, 0.25, 1000000, rnd.randrange(600)])
    if rnd.random() < 0.4:
        p["completed_at"] = timestamp(rnd, date_only_ok=False)
    if rnd.random() < 0.6:
        p["metadata"] = {"client": client, "n": n, "tags": [rnd.choice(WORDS) for _ in range(3)],
                         "nested": {"ok": True, "score": rnd.randrange(100), "none": None}}
    if rnd.random() < 0.5:
        p["occurred_at"] = timestamp(rnd, date_only_ok=False)
    return json.dumps(p, ensure_ascii=False)


def change(rnd, client, n, target, state):
    """A change of the activity logged by statement target, given its state
    ({"deleted": bool, "completed": bool}, updated here): (op, patch, stamp)"""
    if state["deleted"]:
        state["deleted"] = False
        return "restore", None, None
    r = rnd.random()
    if r < 0.5:
        patch = {"title": "c%d n%d u%d %s" % (client, target, n, rnd.choice(WORDS)),
                 "owner_id": "u_%d_%d" % (client, rnd.randrange(20)),
                 "metadata": {"u": n, "tags": None, "nested": {"score": n}}}
        # a new set of contacts or companies now and then
        if rnd.random() < 0.3:
            patch["contact_ids"] = contacts(rnd)
        if rnd.random() < 0.15:
            patch["company_ids"] = companies(rnd)
        return "update", patch, None
    if r < 0.56:
        # a contact joins a company, its past brought along or not
        patch = {"contact_id": "c_crash_%d" % rnd.randrange(40),
                 "company_id": "co_crash_%d" % rnd.randrange(8), "backfill": rnd.random() < 0.6}
        return "member", patch, None
    if r < 0.59:
        patch = {"contact_id": "c_crash_%d" % rnd.randrange(40),
                 "company_id": "co_crash_%d" % rnd.randrange(8)}
        return "unmember", patch, None
    if r < 0.65:
        state["completed"] = True
        return "complete", None, timestamp(rnd, date_only_ok=False)
    if r < 0.8:
        state["completed"] = False
        return "reopen", None, None
    state["deleted"] = True
    return "delete", None, None


def record(path):
    """Copy standard input to path, fsyncing after every read."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        while True:
            data = os.read(0, 65536)
            if not data:
                break
            while data:
                data = data[os.write(fd, data):]
            os.fsync(fd)
    finally:
        os.close(fd)


def main():
    if sys.argv[1] == "--record":
        record(sys.argv[2])
        return
    client = int(sys.argv[1])
    workspace = sys.argv[2]
    sent_path = sys.argv[3]
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else 1_000_000
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # end quietly when psql is gone
    out = sys.stdout
    rnd = random.Random(client * 7_000_001)
    logged = []     # the statements that logged an activity
    states = {}     # their activities' state
    with open(sent_path, "a", encoding="utf-8") as sent:
        if workspace != "default":
            out.write("SET clarky.workspace_id = '%s';\n" % workspace)
        for n in range(1, limit + 1):
            if len(logged) < 20 or rnd.random() < 0.7:
                body = payload(client, n)
                logged.append(n)
                states[n] = {"deleted": False, "completed": "completed_at" in json.loads(body)}
                statement = ("WITH l AS (SELECT clarky.log_activity($p$%s$p$) AS r), "
                             "i AS (INSERT INTO stress.crash_ids SELECT %d, %d, r #>> '{data,id}' FROM l) "
                             "SELECT %d, %d, r FROM l;\n" % (body, client, n, client, n))
            else:
                # the recent activities often, any of them sometimes
                if rnd.random() < 0.5:
                    target = rnd.choice(logged[-50:])
                else:
                    target = rnd.choice(logged)
                op, patch, stamp = change(rnd, client, n, target, states[target])
                body = json.dumps({"change": op, "target": target, "patch": patch,
                                   "completed_at": stamp}, ensure_ascii=False)
                statement = ("SELECT %d, %d, stress.crash_change(%d, %d, %d, '%s', %s, %s);\n" % (
                    client, n, client, n, target, op,
                    "$p$%s$p$" % json.dumps(patch, ensure_ascii=False) if patch else "NULL",
                    "'%s'" % stamp if stamp else "NULL"))
            assert "$p$" not in body and "\t" not in body and "\n" not in body
            sent.write("%d\t%d\t%s\n" % (client, n, body))
            sent.flush()
            out.write(statement)
            out.flush()


if __name__ == "__main__":
    main()
