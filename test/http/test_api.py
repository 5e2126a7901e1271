#!/usr/bin/env python3
"""HTTP tests of clarky_activity's API, over real HTTP: nginx in front of
PostgREST 12.0.2 in front of the extension, all on loopback.

Python 3 and Debian's python3-jsonschema; prints TAP ("ok N - ...", "not ok
N - ...", then "1..N"). Every response from nginx is checked against the API's
OpenAPI document, deploy/openapi.json (openapi_check.py): the last tests fail
if any of them departs from it, or if an operation of the document got no
response at all. Run by scripts/test.sh, which starts the services and sets:

  CLARKY_HTTP_URL         nginx, e.g. http://127.0.0.1:25432
  CLARKY_POSTGREST_URL    PostgREST itself, e.g. http://127.0.0.1:25431
  CLARKY_JWT_SECRET_FILE  the jwt-secret PostgREST verifies tokens with
  CLARKY_PSQL             psql; PGHOST, PGPORT, PGUSER, PGDATABASE say where
  CLARKY_POSTGREST_PIDFILE  PostgREST's pid; the last tests stop it to see
                          nginx answer 500 (skipped when unset)

The tests create their own API keys and workspaces (names unique per run)
through psql, and count rows through psql to prove that failed requests
write nothing.
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse

import openapi_check

HTTP_URL = os.environ.get("CLARKY_HTTP_URL", "http://127.0.0.1:25432")
POSTGREST_URL = os.environ.get("CLARKY_POSTGREST_URL", "http://127.0.0.1:25431")
JWT_SECRET_FILE = os.environ.get("CLARKY_JWT_SECRET_FILE", "")
PSQL = os.environ.get("CLARKY_PSQL", "psql")
TIMEOUT = 15  # seconds, for every HTTP request and psql call

# the seed's keys, then occurred_at, then those of 1.1.0 (a live activity:
# no deleted_at), then those of 1.3.0
ACTIVITY_KEYS = ["id", "contact_id", "company_id", "activity_type", "title",
                 "description", "due_date", "duration_minutes", "completed_at",
                 "metadata", "created_at", "occurred_at", "owner_id", "updated_at",
                 "version", "contact_ids", "company_ids"]
PAGINATION_KEYS = ["page", "page_size", "total", "total_pages"]
ID_RE = re.compile(r"^a_[0-9A-HJKMNP-TV-Z]{26}$")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

RUN = secrets.token_hex(4)  # makes workspace and contact names unique per run

# the OpenAPI document every response from nginx is checked against (None,
# with the reason in CHECKER_ERROR, where it cannot be loaded: a failure)
try:
    CHECKER = openapi_check.Checker()
    CHECKER_ERROR = None
except Exception:  # noqa: BLE001: reported as a failing test
    CHECKER = None
    CHECKER_ERROR = traceback.format_exc()


# ---- TAP ---------------------------------------------------------------------

class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        if cond:
            print(f"ok {self.n} - {name}", flush=True)
        else:
            self.failed += 1
            print(f"not ok {self.n} - {name}", flush=True)
            if diag is not None:
                for line in str(diag).splitlines() or [""]:
                    print(f"#   {line}", flush=True)
        return bool(cond)

    def is_(self, got, expected, name, resp=None):
        diag = f"got:      {got!r}\nexpected: {expected!r}"
        if resp is not None:
            diag += "\n" + resp.describe()
        return self.ok(got == expected, name, diag)

    def diag(self, text):
        for line in str(text).splitlines():
            print(f"# {line}", flush=True)


T = Tap()


# ---- HTTP --------------------------------------------------------------------

class Response:
    def __init__(self, method, target, status, reason, headers, body):
        self.method = method
        self.target = target
        self.status = status
        self.reason = reason
        self.headers = headers  # http.client.HTTPMessage: case-insensitive
        self.body = body
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except ValueError:
            self.json = None

    def header(self, name):
        return self.headers.get(name)

    def describe(self):
        text = self.body.decode("utf-8", "replace")
        if len(text) > 600:
            text = text[:600] + "..."
        return f"{self.method} {self.target} -> {self.status} {self.reason}\nbody: {text}"


def request(method, path, headers=None, body=None, base=None):
    """One HTTP request on a fresh connection; never raises on an HTTP status.
    path is sent exactly as given (already percent-encoded by the caller).
    A response from nginx (the public front, base None) is checked against
    the OpenAPI document; what departs from it is shown at once and counted
    by check_conformance at the end."""
    url = urllib.parse.urlsplit(base or HTTP_URL)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise RuntimeError(f"refusing a non-loopback address: {url.hostname}")
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=TIMEOUT)
    try:
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    answer = Response(method, path, resp.status, resp.reason, resp.headers, data)
    if base is None and CHECKER is not None:
        for problem in CHECKER.check(method, path, answer.status, answer.headers, data):
            T.diag(f"OpenAPI: {method} {path} -> {answer.status}: {problem}")
    return answer


def auth(key):
    return {"Authorization": f"Bearer {key}"}


def get(path, key=None, headers=None, base=None):
    h = dict(auth(key) if key else {})
    h.update(headers or {})
    return request("GET", path, h, base=base)


def post(body, key=None, headers=None, content_type="application/json",
         path="/api/v1/activities"):
    h = dict(auth(key) if key else {})
    if content_type is not None:
        h["Content-Type"] = content_type
    h.update(headers or {})
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    return request("POST", path, h, body)


def contact_path(contact_id, query=""):
    path = "/api/v1/contacts/" + urllib.parse.quote(contact_id, safe="") + "/activities"
    return path + ("?" + query if query else "")


def company_path(company_id, query=""):
    path = "/api/v1/companies/" + urllib.parse.quote(company_id, safe="") + "/activities"
    return path + ("?" + query if query else "")


# ---- psql and JWT ------------------------------------------------------------

def psql(sql):
    out = subprocess.run([PSQL, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         capture_output=True, text=True, timeout=TIMEOUT)
    if out.returncode != 0:
        raise RuntimeError(f"psql failed: {sql}\n{out.stderr}")
    return out.stdout.strip()


def literal(text):
    return "'" + text.replace("'", "''") + "'"


def create_key(workspace, scopes, name):
    array = "ARRAY[" + ",".join(literal(s) for s in scopes) + "]"
    return psql(f"SELECT clarky.create_api_key({literal(workspace)}, {array}, {literal(name)})")


def row_count(where="true"):
    return int(psql(f"SELECT count(*) FROM clarky.activities WHERE {where}"))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt(claims, secret=None):
    if secret is None:
        with open(JWT_SECRET_FILE, encoding="utf-8") as f:
            secret = f.read().strip()
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    signing_input = f"{head}.{body}".encode("ascii")
    sig = hmac.new(secret.encode("utf-8"), signing_input, hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(sig)}"


# ---- assertions on whole responses -------------------------------------------

def check_envelope(resp, status, code, name, field=None, message=None):
    """The response is exactly Clarky's error envelope with this status and
    code. Always makes the same number of assertions, whatever the response."""
    T.is_(resp.status, status, f"{name}: status {status}", resp)
    ctype = resp.header("Content-Type") or ""
    T.ok(ctype.startswith("application/json"), f"{name}: Content-Type is application/json",
         f"Content-Type: {ctype!r}")
    j = resp.json
    err = j.get("error") if isinstance(j, dict) else None
    err = err if isinstance(err, dict) else {}
    shape = (isinstance(j, dict) and list(j) == ["error"]
             and list(err) == ["code", "message", "details"]
             and err["code"] == code
             and isinstance(err["message"], str) and err["message"] != "")
    T.ok(shape, f"{name}: envelope {{\"error\":{{code {code}, message, details}}}}", resp.describe())
    details = err.get("details")
    if field is not None:
        fields = field if isinstance(field, tuple) else (field,)
        T.ok(isinstance(details, dict) and details.get("field") in fields,
             f"{name}: details.field is {' or '.join(fields)}", resp.describe())
    else:
        T.ok(shape and (details is None or isinstance(details, dict)),
             f"{name}: details is null or an object", resp.describe())
    if message is not None:
        T.ok(message in str(err.get("message")), f"{name}: message mentions {message!r}", resp.describe())


def check_activity(obj, expected, name):
    """An Activity object: every key in the seed's order (then occurred_at,
    owner_id, updated_at, version, contact_ids, company_ids), the expected
    values, and well-formed id, timestamps and version."""
    if not isinstance(obj, dict):
        T.diag(f"{name}: not an object: {obj!r}")
        obj = {}
    T.is_(list(obj), ACTIVITY_KEYS, f"{name}: keys in the seed's order")
    T.ok(isinstance(obj.get("id"), str) and ID_RE.match(obj["id"]) is not None,
         f"{name}: id is a_ and a ULID", repr(obj.get("id")))
    for key in ("created_at", "occurred_at", "updated_at"):
        T.ok(isinstance(obj.get(key), str) and TIMESTAMP_RE.match(obj[key]) is not None,
             f"{name}: {key} is UTC with milliseconds", repr(obj.get(key)))
    version = obj.get("version")
    T.ok(isinstance(version, int) and not isinstance(version, bool) and version >= 1,
         f"{name}: version is a positive integer", repr(version))
    primaries = [(obj.get("contact_id"), obj.get("contact_ids")),
                 (obj.get("company_id"), obj.get("company_ids"))]
    T.ok(all(isinstance(ids, list) and (ids[:1] == [primary] if primary is not None else ids == [])
             for primary, ids in primaries),
         f"{name}: contact_ids and company_ids are arrays, the primary first", repr(primaries))
    got = {k: obj.get(k) for k in expected}
    T.is_(got, expected, f"{name}: field values")


def check_list(resp, total, page, page_size, count, name):
    """A 200 timeline page; returns its activities."""
    T.is_(resp.status, 200, f"{name}: status 200", resp)
    j = resp.json if isinstance(resp.json, dict) else {}
    T.ok(list(j) == ["data", "pagination"], f"{name}: body is {{data, pagination}}", resp.describe())
    data = j.get("data") if isinstance(j.get("data"), list) else []
    T.is_(len(data), count, f"{name}: {count} activities in data", resp)
    pg = j.get("pagination")
    total_pages = (total + page_size - 1) // page_size
    T.is_(list(pg.items()) if isinstance(pg, dict) else pg,
          [("page", page), ("page_size", page_size), ("total", total), ("total_pages", total_pages)],
          f"{name}: pagination in order, total {total}")
    return data


def body_data(resp):
    """The data object of a 201 answer, or {}."""
    j = resp.json if isinstance(resp.json, dict) else {}
    return j.get("data") if resp.status == 201 and isinstance(j.get("data"), dict) else {}


def check_created(resp, expected, name):
    """A 201 {"data": activity}; returns the activity."""
    T.is_(resp.status, 201, f"{name}: 201 Created", resp)
    T.ok((resp.header("Content-Type") or "").startswith("application/json"),
         f"{name}: Content-Type is application/json")
    T.ok(isinstance(resp.json, dict) and list(resp.json) == ["data"],
         f"{name}: body is {{\"data\": {{...}}}}", resp.describe())
    data = body_data(resp)
    check_activity(data, expected, name)
    return data


# ---- the tests ---------------------------------------------------------------

def test_openapi(ctx):
    resp = get("/", base=POSTGREST_URL)
    T.is_(resp.status, 200, "PostgREST GET / (OpenAPI): status 200", resp)
    paths = (resp.json or {}).get("paths", {}) if isinstance(resp.json, dict) else {}
    for rpc in ("/rpc/contact_activities", "/rpc/company_activities", "/rpc/log_activity",
                "/rpc/get_activity", "/rpc/update_activity", "/rpc/delete_activity",
                "/rpc/restore_activity"):
        item = paths.get(rpc, {})
        method = "get" if rpc in ("/rpc/contact_activities", "/rpc/company_activities",
                                  "/rpc/get_activity") else "post"
        summary = item.get(method, {}).get("summary") if isinstance(item, dict) else None
        T.ok(isinstance(summary, str) and summary.strip() != "",
             f"OpenAPI lists {rpc} with a summary ({summary!r})", f"paths: {sorted(paths)}")
    # through nginx: the API's own description, not PostgREST's
    resp = get("/api/v1/")
    T.is_(resp.json, {"openapi": "/api/v1/openapi.json", "docs": "/api/v1/docs"},
          "GET /api/v1/ points to the OpenAPI document and its page", resp)
    T.ok('</api/v1/openapi.json>; rel="service-desc"' in (resp.header("Link") or ""),
         "GET /api/v1/: Link names the document as its service-desc", str(resp.headers))
    resp = get("/api/v1/openapi.json")
    paths = (resp.json or {}).get("paths", {}) if isinstance(resp.json, dict) else {}
    T.ok(resp.status == 200 and (resp.json or {}).get("openapi", "").startswith("3.1.")
         and "/api/v1/activities/{id}" in paths and not any("/rpc/" in p for p in paths),
         "GET /api/v1/openapi.json: the OpenAPI 3.1 document of the public routes, no /rpc/ path",
         resp.describe())
    resp = get("/api/v1/docs")
    T.ok(resp.status == 200 and (resp.header("Content-Type") or "").startswith("text/html")
         and b"Clarky Activities API" in resp.body,
         "GET /api/v1/docs: the reference page, HTML", resp.describe())
    for path in ("/api/v1/", "/api/v1/openapi.json", "/api/v1/docs"):
        resp = request("HEAD", path)
        T.ok(resp.status == 200 and resp.body == b"", f"HEAD {path}: 200 without a body",
             resp.describe())
        check_envelope(request("POST", path, {"Content-Type": "application/json"}, "{}"), 405,
                       "method_not_allowed", f"POST {path}")


def test_seed_examples(ctx):
    key = ctx["a_write"]
    contact = "c_01HXYZ"
    before = row_count()
    # curl https://clarky.ai/api/v1/activities (log a note)
    resp = post('''{
    "activity_type": "note",
    "contact_id": "c_01HXYZ",
    "title": "Follow-up needed",
    "description": "Customer asked about migration help next quarter."
  }''', key)
    note = check_created(resp, {
        "contact_id": contact, "company_id": None, "activity_type": "note",
        "title": "Follow-up needed",
        "description": "Customer asked about migration help next quarter.",
        "due_date": None, "duration_minutes": None, "completed_at": None,
        "metadata": {}}, "seed: log a note")
    T.ok(note.get("occurred_at") is not None and note.get("occurred_at") == note.get("created_at"),
         "seed: log a note: occurred_at defaults to created_at", repr(note))

    # schedule a task
    resp = post('''{
    "activity_type": "task",
    "contact_id": "c_01HXYZ",
    "title": "Send follow-up proposal",
    "due_date": "2026-05-06T17:00:00.000Z"
  }''', key)
    check_created(resp, {
        "contact_id": contact, "company_id": None, "activity_type": "task",
        "title": "Send follow-up proposal", "description": None,
        "due_date": "2026-05-06T17:00:00.000Z", "duration_minutes": None,
        "completed_at": None, "metadata": {}}, "seed: schedule a task")

    # the call that the list example shows
    resp = post({
        "activity_type": "call", "contact_id": contact, "title": "Discovery call",
        "description": "Walked through the platform, customer is interested in the Pro plan.",
        "duration_minutes": 32, "completed_at": "2026-04-29T15:30:00.000Z",
        "occurred_at": "2026-04-29T15:00:00Z", "metadata": {"outcome": "qualified"}}, key)
    expected_call = {
        "contact_id": contact, "company_id": None, "activity_type": "call",
        "title": "Discovery call",
        "description": "Walked through the platform, customer is interested in the Pro plan.",
        "due_date": None, "duration_minutes": 32,
        "completed_at": "2026-04-29T15:30:00.000Z", "metadata": {"outcome": "qualified"},
        "occurred_at": "2026-04-29T15:00:00.000Z"}
    call = check_created(resp, expected_call, "seed: log the discovery call")
    T.is_(row_count(), before + 3, "seed: three rows written")

    # curl "https://clarky.ai/api/v1/contacts/c_01HXYZ/activities?activity_type=call"
    resp = get("/api/v1/contacts/c_01HXYZ/activities?activity_type=call", key)
    data = check_list(resp, 1, 1, 25, 1, "seed: list the contact's calls")
    check_activity(data[0] if data else None, expected_call, "seed: the listed call")
    T.is_(data[0] if data else None, call, "seed: the listed call is the one logged")
    raw = resp.body.decode("utf-8", "replace")
    T.ok('"duration_minutes": 32,' in raw or '"duration_minutes":32,' in raw,
         "seed: duration_minutes is a JSON number", raw[:400])

    # the whole timeline: newest first by occurred_at
    resp = get(contact_path(contact), key)
    data = check_list(resp, 3, 1, 25, 3, "timeline of c_01HXYZ without arguments")
    T.is_([a.get("activity_type") for a in data], ["task", "note", "call"],
          "timeline: newest first (the backdated call last)")
    resp = request("HEAD", contact_path(contact), auth(key))
    T.ok(resp.status == 200 and resp.body == b"", "HEAD on a timeline: 200 without a body",
         resp.describe())


def test_pagination_and_company(ctx):
    key = ctx["a_write"]
    contact = f"c_pages_{RUN}"
    company = f"co_{RUN}"
    ids = []
    for i in range(5):
        resp = post({"activity_type": "meeting", "contact_id": contact, "company_id": company,
                     "title": f"meeting {i}",
                     "occurred_at": f"2026-01-0{i + 1}T10:00:00Z"}, key)
        ids.append(body_data(resp).get("id"))
    T.ok(all(ids), "pagination: five meetings logged", repr(ids))
    newest_first = list(reversed(ids))
    seen = []
    for page, count in ((1, 2), (2, 2), (3, 1), (4, 0)):
        resp = get(contact_path(contact, f"page={page}&page_size=2"), key)
        data = check_list(resp, 5, page, 2, count, f"contact timeline page {page} of size 2")
        seen += [a.get("id") for a in data]
    T.is_(seen, newest_first, "pagination: pages in order, no overlap, nothing skipped")
    resp = get(company_path(company, "activity_type=meeting&page_size=100"), key)
    data = check_list(resp, 5, 1, 100, 5, "company timeline")
    T.is_([a.get("id") for a in data], newest_first, "company timeline: the same five, newest first")
    T.ok(all(a.get("company_id") == company for a in data), "company timeline: company_id set")
    resp = get(company_path(company, "activity_type=note"), key)
    check_list(resp, 0, 1, 25, 0, "company timeline filtered to a type it lacks")
    resp = request("HEAD", company_path(company), auth(key))
    T.ok(resp.status == 200 and resp.body == b"", "HEAD on a company timeline: 200 without a body",
         resp.describe())


def test_encoded_ids(ctx):
    key = ctx["a_write"]
    for label, contact in (("& # space / ? %", f"c &#/?%x {RUN}"),
                           ("+ and ;", f"c+{RUN};x"),
                           ("non-ASCII", f"c_caf\u00e9_{RUN}")):
        resp = post({"activity_type": "note", "contact_id": contact, "title": label}, key)
        T.is_(resp.status, 201, f"id with {label}: logged", resp)
        resp = get(contact_path(contact), key)
        data = check_list(resp, 1, 1, 25, 1, f"id with {label}: its timeline, percent-encoded path")
        T.is_([a.get("contact_id") for a in data], [contact], f"id with {label}: the id comes back whole")
    # unencoded "+" and ";" in the path are part of the id, not query syntax
    contact = f"c+{RUN};x"
    resp = get(f"/api/v1/contacts/c+{RUN};x/activities?page_size=5", key)
    data = check_list(resp, 1, 1, 5, 1, "id with + and ; unencoded in the path")
    T.is_([a.get("contact_id") for a in data], [contact], "unencoded + and ;: the id comes back whole")


def test_headers(ctx):
    contact = f"c_headers_{RUN}"
    resp = post({"activity_type": "note", "contact_id": contact, "title": "in A",
                 "occurred_at": "2026-03-01T12:00:00Z"}, headers={"X-Api-Key": ctx["a_write"]})
    check_created(resp, {"contact_id": contact, "title": "in A",
                         "occurred_at": "2026-03-01T12:00:00.000Z"}, "POST with X-Api-Key")
    resp = get(contact_path(contact), headers={"X-Api-Key": ctx["a_read"]})
    check_list(resp, 1, 1, 25, 1, "GET with X-Api-Key (no Authorization)")
    # a Bearer key wins over a client's X-Api-Key
    resp = get(contact_path(contact), ctx["b_read"], headers={"X-Api-Key": ctx["a_read"]})
    check_list(resp, 0, 1, 25, 0, "Bearer key of B with X-Api-Key of A: acts as B")
    resp = get(contact_path(contact), headers={"Authorization": f"bearer {ctx['a_read']}"})
    check_list(resp, 1, 1, 25, 1, "lower-case bearer scheme")
    # PostgREST's own knobs do not reach it through nginx
    resp = get(contact_path(contact), ctx["a_read"],
               headers={"Accept": "text/plain", "Prefer": "timezone=America/New_York, count=exact",
                        "Range": "1-1", "Accept-Profile": "clarky"})
    data = check_list(resp, 1, 1, 25, 1, "GET with Accept, Prefer, Range and Accept-Profile")
    T.is_([a.get("occurred_at") for a in data], ["2026-03-01T12:00:00.000Z"],
          "Prefer: timezone changes no timestamp")
    T.ok(resp.header("Content-Range") is None and resp.header("Content-Location") is None,
         "no Content-Range or Content-Location (PostgREST internals) in the answer",
         str(resp.headers))
    resp = request("HEAD", contact_path(contact))
    T.ok(resp.status == 401 and resp.body == b"", "HEAD without a key: 401 without a body",
         resp.describe())
    resp = request("HEAD", contact_path(contact, "page=0"), auth(ctx["a_read"]))
    T.ok(resp.status == 422 and resp.body == b"", "HEAD with ?page=0: 422 without a body",
         resp.describe())


def test_validation(ctx):
    key = ctx["a_write"]
    contact = f"c_valid_{RUN}"
    for query, field in (("activity_type=phone", "activity_type"),
                         ("page=0", "page"),
                         ("page=abc", "page"),
                         ("page_size=101", "page_size"),
                         ("page_size=0", "page_size")):
        resp = get(contact_path(contact, query), key)
        check_envelope(resp, 422, "validation_error", f"GET ?{query}", field=field)
    resp = get(company_path(contact, "page_size=101"), key)
    check_envelope(resp, 422, "validation_error", "GET company ?page_size=101", field="page_size")

    cases = (
        ("bad activity_type", {"activity_type": "phone", "contact_id": contact}, "activity_type"),
        ("missing contact and company", {"activity_type": "note", "title": "orphan"},
         ("contact_id", "company_id")),
        ("bad timestamp", {"activity_type": "task", "contact_id": contact, "due_date": "tomorrow"},
         "due_date"),
        ("unknown field contactId", {"activity_type": "note", "contactId": contact}, "contactId"),
        ("duration_minutes as a string",
         {"activity_type": "call", "contact_id": contact, "duration_minutes": "32"},
         "duration_minutes"),
    )
    for name, body, field in cases:
        before = row_count()
        resp = post(body, key)
        check_envelope(resp, 422, "validation_error", f"POST {name}", field=field)
        T.is_(row_count(), before, f"POST {name}: no row written")


def test_bad_request(ctx):
    key = ctx["a_write"]
    contact = f"c_bad_{RUN}"
    for name, body, ctype, message in (
            ("invalid JSON body", '{"activity_type": "note", ', "application/json", None),
            ("JSON array body", json.dumps([{"activity_type": "note", "contact_id": contact}]),
             "application/json", None),
            ("JSON string body", '"note"', "application/json", None),
            ("empty body", "", "application/json", None),
            ("missing Content-Type", json.dumps({"activity_type": "note", "contact_id": contact}),
             None, "Content-Type must be application/json"),
            ("text/plain Content-Type", json.dumps({"activity_type": "note", "contact_id": contact}),
             "text/plain", "Content-Type must be application/json"),
            ("form Content-Type", "activity_type=note&contact_id=x",
             "application/x-www-form-urlencoded", "Content-Type must be application/json")):
        before = row_count()
        resp = post(body, key, content_type=ctype)
        check_envelope(resp, 400, "bad_request", f"POST {name}", message=message)
        T.is_(row_count(), before, f"POST {name}: no row written")
    before = row_count()
    resp = post({"activity_type": "note", "contact_id": contact, "description": "x" * (1 << 20)}, key)
    check_envelope(resp, 400, "bad_request", "POST of a body over 1 MiB")
    T.is_(row_count(), before, "POST of a body over 1 MiB: no row written")
    resp = post({"activity_type": "note", "contact_id": contact}, key,
                content_type="application/json; charset=utf-8")
    T.is_(resp.status, 201, "POST with Content-Type application/json; charset=utf-8: 201", resp)

    for query in ("foo=1", "contact_id=other", "limit=0", "select=id", "order=id",
                  "page=eq.1", "activity_type=in.(call)"):
        resp = get(contact_path(contact, query), key)
        check_envelope(resp, 400, "bad_request", f"GET ?{query} (unsupported query parameter)")
    before = row_count()
    resp = post({"activity_type": "note", "contact_id": contact}, key,
                path="/api/v1/activities?select=id")
    check_envelope(resp, 400, "bad_request", "POST with a query string")
    T.is_(row_count(), before, "POST with a query string: no row written")


def test_unauthorized(ctx):
    contact = f"c_auth_{RUN}"
    path = contact_path(contact)
    well_formed_unknown = "ck_live_" + "".join(secrets.choice("0123456789abcdefghjkmnpqrstvwxyz")
                                               for _ in range(30))
    for name, headers in (
            ("no key", {}),
            ("empty Bearer", {"Authorization": "Bearer "}),
            ("malformed Bearer key", {"Authorization": "Bearer ck_live_short"}),
            ("malformed X-Api-Key", {"X-Api-Key": "not-a-key"}),
            ("unknown Bearer key", {"Authorization": f"Bearer {well_formed_unknown}"}),
            ("unknown X-Api-Key", {"X-Api-Key": well_formed_unknown}),
            ("Basic credentials", {"Authorization": "Basic dXNlcjpwYXNz"})):
        resp = get(path, headers=headers)
        check_envelope(resp, 401, "unauthorized", f"GET with {name}")
        T.ok(resp.json is None or "data" not in resp.json, f"GET with {name}: no data")
        before = row_count()
        resp = post({"activity_type": "note", "contact_id": contact}, headers=headers)
        check_envelope(resp, 401, "unauthorized", f"POST with {name}")
        T.is_(row_count(), before, f"POST with {name}: no row written")


def test_revoked(ctx):
    key = create_key(ctx["ws_a"], ["read", "write"], "to be revoked")
    contact = f"c_revoke_{RUN}"
    resp = post({"activity_type": "note", "contact_id": contact}, key)
    T.is_(resp.status, 201, "revocable key: works before revocation", resp)
    resp = get(contact_path(contact), key)
    T.is_(resp.status, 200, "revocable key: reads before revocation", resp)
    T.is_(psql(f"SELECT clarky.revoke_api_key({literal(key)})"), "t", "revoke_api_key returns true")
    resp = get(contact_path(contact), key)
    check_envelope(resp, 401, "unauthorized", "revoked key, the very next GET")
    before = row_count()
    resp = post({"activity_type": "note", "contact_id": contact}, key)
    check_envelope(resp, 401, "unauthorized", "revoked key, POST")
    T.is_(row_count(), before, "revoked key, POST: no row written")
    # revoking by id works as well
    key2 = create_key(ctx["ws_a"], ["read"], "revoked by id")
    key_id = psql(f"SELECT id FROM clarky.list_api_keys() WHERE name = 'revoked by id' "
                  f"AND workspace_id = {literal(ctx['ws_a'])}")
    T.is_(get(contact_path(contact), key2).status, 200, "second key: reads before revocation")
    psql(f"SELECT clarky.revoke_api_key({literal(key_id)})")
    check_envelope(get(contact_path(contact), key2), 401, "unauthorized", "key revoked by its id")


def test_forbidden(ctx):
    contact = f"c_forbid_{RUN}"
    for name, headers in (("Bearer", auth(ctx["a_read"])), ("X-Api-Key", {"X-Api-Key": ctx["a_read"]})):
        before = row_count()
        resp = post({"activity_type": "note", "contact_id": contact}, headers=headers)
        check_envelope(resp, 403, "forbidden", f"read-only key ({name}) POSTs")
        T.is_(row_count(), before, f"read-only key ({name}) POSTs: no row written")
    resp = get(contact_path(contact), ctx["a_read"])
    check_list(resp, 0, 1, 25, 0, "read-only key reads")


def test_not_found_and_methods(ctx):
    key = ctx["a_write"]
    for path in ("/", "/api/v1/contacts", "/api/v1/nope", "/api/v1/contacts/c1",
                 "/api/v1/contacts/c1/activities/extra", "/api/v1/contacts//activities",
                 "/api/v2/activities", "/rpc/contact_activities?contact_id=c1",
                 "/rpc/log_activity", "/_clarky/list/key", "/index.html", "/_clarky/site/docs.html",
                 "/api/v1/docs/", "/api/v1/openapi.json/x"):
        check_envelope(get(path, key), 404, "not_found", f"GET {path}")
    for method, path, allow in (("POST", contact_path("c1"), "GET, HEAD"),
                                ("DELETE", contact_path("c1"), "GET, HEAD"),
                                ("PUT", company_path("co1"), "GET, HEAD"),
                                ("GET", "/api/v1/activities", "POST"),
                                ("PATCH", "/api/v1/activities", "POST"),
                                ("DELETE", "/api/v1/", "GET, HEAD")):
        before = row_count()
        headers = dict(auth(key), **{"Content-Type": "application/json"})
        resp = request(method, path, headers, "{}" if method != "GET" else None)
        check_envelope(resp, 405, "method_not_allowed", f"{method} {path}")
        T.is_(resp.header("Allow"), allow, f"{method} {path}: Allow: {allow}")
        T.is_(row_count(), before, f"{method} {path}: no row written")


def test_workspaces(ctx):
    contact = f"c_shared_{RUN}"
    company = f"co_shared_{RUN}"
    a_ids, b_ids = [], []
    for i in range(2):
        resp = post({"activity_type": "note", "contact_id": contact, "company_id": company,
                     "title": f"A {i}"}, ctx["a_write"])
        a_ids.append(body_data(resp).get("id"))
    resp = post({"activity_type": "note", "contact_id": contact, "company_id": company,
                 "title": "B 0"}, ctx["b_write"])
    b_ids.append(body_data(resp).get("id"))
    T.ok(all(a_ids + b_ids), "workspaces: two activities logged in A, one in B", repr(a_ids + b_ids))
    landed = psql(f"SELECT string_agg(id || '=' || workspace_id, ' ' ORDER BY id) "
                  f"FROM clarky.activities WHERE contact_id = {literal(contact)}")
    expected = " ".join(sorted([f"{i}={ctx['ws_a']}" for i in a_ids] + [f"{i}={ctx['ws_b']}" for i in b_ids]))
    T.is_(landed, expected, "workspaces: each write landed in its key's workspace (psql)")
    T.is_(row_count(f"contact_id = {literal(contact)} AND workspace_id = {literal(ctx['ws_a'])}"), 2,
          "workspaces: A holds two rows of the shared contact")
    T.is_(row_count(f"contact_id = {literal(contact)} AND workspace_id = {literal(ctx['ws_b'])}"), 1,
          "workspaces: B holds one row of the shared contact")
    for label, key, ids in (("A write key", ctx["a_write"], a_ids), ("A read key", ctx["a_read"], a_ids),
                            ("B write key", ctx["b_write"], b_ids), ("B read key", ctx["b_read"], b_ids)):
        for what, path in (("contact", contact_path(contact)), ("company", company_path(company))):
            data = check_list(get(path, key), len(ids), 1, 25, len(ids), f"workspaces: {label}, {what} timeline")
            T.is_(sorted(str(a.get("id")) for a in data), sorted(map(str, ids)),
                  f"workspaces: {label} sees exactly its workspace's {what} activities")
    # neither a body field nor a query parameter chooses the workspace
    before_b = row_count(f"workspace_id = {literal(ctx['ws_b'])}")
    resp = post({"activity_type": "note", "contact_id": contact, "workspace_id": ctx["ws_b"]},
                ctx["a_write"])
    check_envelope(resp, 422, "validation_error", "POST with a workspace_id field", field="workspace_id")
    resp = get(contact_path(contact, f"workspace_id={ctx['ws_b']}"), ctx["a_read"])
    check_envelope(resp, 400, "bad_request", "GET with ?workspace_id=")
    T.is_(row_count(f"workspace_id = {literal(ctx['ws_b'])}"), before_b,
          "workspaces: nothing written to B by A's key")
    # the seed's contact exists in A only
    check_list(get(contact_path("c_01HXYZ"), ctx["b_read"]), 0, 1, 25, 0,
               "workspaces: B does not see A's c_01HXYZ")


def test_pool_leak(ctx):
    # db-pool is 4: every connection serves many of these requests in turn
    contact = f"c_leak_{RUN}"
    resp = post({"activity_type": "note", "contact_id": contact, "title": "A's secret"}, ctx["a_write"])
    T.is_(resp.status, 201, "leak check: an activity in A", resp)
    keyed_ok = keyless_ok = b_ok = posts_ok = 0
    problems = []
    rounds = 20
    before = row_count()
    for i in range(rounds):
        r1 = get(contact_path(contact), ctx["a_read"])
        keyed_ok += r1.status == 200 and isinstance(r1.json, dict) and \
            r1.json.get("pagination", {}).get("total") == 1
        r2 = get(contact_path(contact))
        good = (r2.status == 401 and isinstance(r2.json, dict) and "data" not in r2.json
                and b"A's secret" not in r2.body)
        keyless_ok += good
        if not good:
            problems.append(r2.describe())
        r3 = get(contact_path(contact), ctx["b_read"])
        good = (r3.status == 200 and isinstance(r3.json, dict) and r3.json.get("data") == []
                and r3.json.get("pagination", {}).get("total") == 0)
        b_ok += good
        if not good:
            problems.append(r3.describe())
        r4 = post({"activity_type": "note", "contact_id": contact})
        good = r4.status == 401
        posts_ok += good
        if not good:
            problems.append(r4.describe())
    T.is_(keyed_ok, rounds, f"leak check: {rounds} GETs with A's key see A's activity")
    T.ok(keyless_ok == rounds, f"leak check: {rounds} GETs without a key after keyed ones: 401, no data",
         "\n".join(problems[:3]))
    T.ok(b_ok == rounds, f"leak check: {rounds} GETs with B's key after A's: B's empty timeline",
         "\n".join(problems[:3]))
    T.ok(posts_ok == rounds, f"leak check: {rounds} POSTs without a key: 401", "\n".join(problems[:3]))
    T.is_(row_count(), before, "leak check: the keyless POSTs wrote nothing")
    # a JWT request after key requests on the same pool keeps its own workspace
    token = jwt({"role": "clarky_reader", "workspace_id": ctx["ws_b"]})
    resp = get(contact_path(contact), headers={"Authorization": f"Bearer {token}"})
    check_list(resp, 0, 1, 25, 0, "leak check: a JWT for B after A's keys sees B's empty timeline")


def test_jwt(ctx):
    if not JWT_SECRET_FILE or not os.path.exists(JWT_SECRET_FILE):
        T.ok(False, "the jwt-secret file is readable", f"CLARKY_JWT_SECRET_FILE={JWT_SECRET_FILE!r}")
        return
    contact = f"c_jwt_{RUN}"
    resp = post({"activity_type": "note", "contact_id": contact, "title": "for the JWT"}, ctx["a_write"])
    T.is_(resp.status, 201, "JWT: an activity logged with A's key", resp)
    reader = jwt({"role": "clarky_reader", "workspace_id": ctx["ws_a"]})
    resp = get(contact_path(contact), headers={"Authorization": f"Bearer {reader}"})
    data = check_list(resp, 1, 1, 25, 1, "JWT (clarky_reader, workspace A) reads A's timeline")
    T.is_([a.get("title") for a in data], ["for the JWT"], "JWT reader: sees A's activity")
    resp = get(f"/rpc/contact_activities?contact_id={urllib.parse.quote(contact)}",
               headers={"Authorization": f"Bearer {reader}"}, base=POSTGREST_URL)
    T.is_(resp.status, 200, "JWT reader straight to PostgREST: 200", resp)
    before = row_count()
    resp = post({"activity_type": "note", "contact_id": contact},
                headers={"Authorization": f"Bearer {reader}"})
    check_envelope(resp, 403, "forbidden", "JWT reader POSTs")
    T.is_(row_count(), before, "JWT reader POSTs: no row written")
    writer = jwt({"role": "clarky_writer", "workspace_id": ctx["ws_b"]})
    resp = post({"activity_type": "note", "contact_id": contact, "title": "by JWT"},
                headers={"Authorization": f"Bearer {writer}"})
    T.is_(resp.status, 201, "JWT writer (workspace B) POSTs: 201", resp)
    new_id = body_data(resp).get("id")
    T.is_(psql(f"SELECT workspace_id FROM clarky.activities WHERE id = {literal(str(new_id))}"),
          ctx["ws_b"], "JWT writer: the row landed in the token's workspace")
    no_ws = jwt({"role": "clarky_writer"})
    before = row_count()
    resp = post({"activity_type": "note", "contact_id": contact}, headers={"Authorization": f"Bearer {no_ws}"})
    check_envelope(resp, 401, "unauthorized", "JWT without a workspace_id claim POSTs")
    T.is_(row_count(), before, "JWT without a workspace_id claim: no row written")
    bad = reader[:-4] + ("AAAA" if not reader.endswith("AAAA") else "BBBB")
    resp = get(contact_path(contact), headers={"Authorization": f"Bearer {bad}"})
    check_envelope(resp, 401, "unauthorized", "JWT with a bad signature")
    other = jwt({"role": "clarky_reader", "workspace_id": ctx["ws_a"]}, secret="x" * 40)
    resp = get(contact_path(contact), headers={"Authorization": f"Bearer {other}"})
    check_envelope(resp, 401, "unauthorized", "JWT signed with another secret")
    expired = jwt({"role": "clarky_reader", "workspace_id": ctx["ws_a"], "exp": int(time.time()) - 3600})
    resp = get(contact_path(contact), headers={"Authorization": f"Bearer {expired}"})
    check_envelope(resp, 401, "unauthorized", "expired JWT")
    before = row_count()
    resp = post({"activity_type": "note", "contact_id": contact},
                headers={"Authorization": f"Bearer {writer[:-4]}AAAA"})
    check_envelope(resp, 401, "unauthorized", "POST with a badly signed JWT")
    T.is_(row_count(), before, "POST with a badly signed JWT: no row written")


# ---- one activity: GET, PATCH, DELETE /api/v1/activities/{id}, POST .../restore

def activity_path(activity_id, suffix=""):
    return "/api/v1/activities/" + urllib.parse.quote(str(activity_id), safe="") + suffix


def get_activity(activity_id, key=None, headers=None, method="GET"):
    h = dict(auth(key) if key else {})
    h.update(headers or {})
    return request(method, activity_path(activity_id), h)


def patch_activity(activity_id, body, key=None, if_match=None, headers=None,
                   content_type="application/merge-patch+json", path=None):
    h = dict(auth(key) if key else {})
    if content_type is not None:
        h["Content-Type"] = content_type
    if if_match is not None:
        h["If-Match"] = if_match
    h.update(headers or {})
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    return request("PATCH", path or activity_path(activity_id), h, body)


def delete_activity(activity_id, key=None, if_match=None, headers=None, body=None, path=None):
    h = dict(auth(key) if key else {})
    if if_match is not None:
        h["If-Match"] = if_match
    h.update(headers or {})
    return request("DELETE", path or activity_path(activity_id), h, body)


def restore_activity(activity_id, key=None, headers=None, body=None, path=None):
    h = dict(auth(key) if key else {})
    h.update(headers or {})
    return request("POST", path or activity_path(activity_id, "/restore"), h, body)


def row_state(activity_id):
    """The activity's whole row (every column, deleted_at and version too) as
    psql sees it: compared before and after a refused request."""
    return psql(f"SELECT row_to_json(a)::text FROM clarky.activities AS a "
                f"WHERE id = {literal(str(activity_id))}")


def column(activity_id, expr):
    return psql(f"SELECT {expr} FROM clarky.activities WHERE id = {literal(str(activity_id))}")


def answer_data(resp):
    j = resp.json if isinstance(resp.json, dict) else {}
    return j.get("data") if resp.status == 200 and isinstance(j.get("data"), dict) else {}


def check_answer(resp, expected, name, version=None):
    """A 200 {"data": activity} with ETag "<version>"; returns the activity."""
    T.is_(resp.status, 200, f"{name}: status 200", resp)
    T.ok((resp.header("Content-Type") or "").startswith("application/json"),
         f"{name}: Content-Type is application/json")
    T.ok(isinstance(resp.json, dict) and list(resp.json) == ["data"],
         f"{name}: body is {{\"data\": {{...}}}}", resp.describe())
    data = answer_data(resp)
    check_activity(data, expected, name)
    T.is_(resp.header("ETag"), f'"{data.get("version")}"', f"{name}: ETag is the version in quotes")
    if version is not None:
        T.is_(data.get("version"), version, f"{name}: version {version}")
    return data


def unknown_activity_id():
    return "a_" + "".join(secrets.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(26))


def same_envelope(resp_a, id_a, resp_b, id_b, name):
    """Two answers that are the same but for the id they name."""
    a = resp_a.body.decode("utf-8", "replace").replace(str(id_a), "<id>")
    b = resp_b.body.decode("utf-8", "replace").replace(str(id_b), "<id>")
    T.ok(resp_a.status == resp_b.status and a == b, name,
         f"{resp_a.describe()}\n{resp_b.describe()}")


def timeline(path, key):
    """(total, ids) of a timeline's first page of 100."""
    resp = get(path + ("&" if "?" in path else "?") + "page_size=100", key)
    j = resp.json if isinstance(resp.json, dict) else {}
    pg = j.get("pagination") if isinstance(j.get("pagination"), dict) else {}
    return pg.get("total"), [a.get("id") for a in j.get("data") or []]


def in_workspace(workspace, sql):
    """psql: sql run with clarky.workspace_id set to workspace."""
    return psql(f"SET clarky.workspace_id = {literal(workspace)}; {sql}")


def test_tags(ctx):
    """contact_ids and company_ids over HTTP: logged, answered primary first,
    on every tagged timeline once, replaced by a patch; errors name the element."""
    key = ctx["a_write"]
    ann, bob, cat = (f"c_tag_{who}_{RUN}" for who in ("ann", "bob", "cat"))
    acme, globex = f"co_tag_acme_{RUN}", f"co_tag_globex_{RUN}"
    resp = post({"activity_type": "meeting", "title": "QBR", "contact_ids": [ann, bob],
                 "company_ids": [acme, globex]}, key)
    meeting = check_created(resp, {"contact_id": ann, "company_id": acme, "contact_ids": [ann, bob],
                                   "company_ids": [acme, globex]},
                            "POST with contact_ids and company_ids only: the first of each is primary")
    resp = post({"activity_type": "call", "contact_id": bob, "contact_ids": [cat], "company_ids": []}, key)
    call = check_created(resp, {"contact_id": bob, "company_id": None, "contact_ids": [bob, cat],
                                "company_ids": []},
                         "POST with contact_id and contact_ids: contact_id primary, put first")
    for who, ids in ((ann, [meeting.get("id")]), (bob, [call.get("id"), meeting.get("id")]),
                     (cat, [call.get("id")])):
        T.is_(timeline(contact_path(who), key), (len(ids), ids),
              f"the timeline of {who.split('_')[2]}: every activity the contact is on, each once")
    T.is_(timeline(company_path(globex), key), (1, [meeting.get("id")]),
          "a company that is not primary: the activity is on its timeline")

    # a patch of an array replaces the set
    mid = meeting.get("id")
    resp = patch_activity(mid, {"contact_ids": [cat, ann]}, key, if_match='"1"')
    check_answer(resp, {"contact_id": cat, "contact_ids": [cat, ann],
                        "company_ids": [acme, globex]}, "PATCH contact_ids: the set replaced", version=2)
    T.is_(timeline(contact_path(bob), key), (1, [call.get("id")]),
          "after the patch: bob's timeline lost the meeting")
    resp = patch_activity(mid, {"company_ids": None}, key)
    check_answer(resp, {"company_id": None, "company_ids": [], "contact_ids": [cat, ann]},
                 "PATCH company_ids null: every company cleared", version=3)
    T.is_(timeline(company_path(globex), key), (0, []), "after the patch: globex's timeline is empty")
    resp = patch_activity(mid, {"contact_id": None}, key)
    check_answer(resp, {"contact_id": ann, "contact_ids": [ann]},
                 "PATCH contact_id null: the next contact becomes primary", version=4)

    # errors name the element; nothing is written
    many = [f"c_many_{i}_{RUN}" for i in range(51)]
    for name, body, field in (
            ("an empty id in contact_ids", {"contact_ids": [ann, ""]}, "contact_ids[1]"),
            ("a repeated id in company_ids", {"company_ids": [acme, globex, acme]}, "company_ids[2]"),
            ("a number in contact_ids", {"contact_ids": [7]}, "contact_ids[0]"),
            ("contact_ids that is no array", {"contact_ids": ann}, "contact_ids"),
            ("51 contacts", {"contact_ids": many}, "contact_ids")):
        before = row_count()
        resp = post(dict(body, activity_type="note", company_id=acme), key)
        check_envelope(resp, 422, "validation_error", f"POST with {name}", field=field)
        T.is_(row_count(), before, f"POST with {name}: no row written")
        before = row_state(mid)
        resp = patch_activity(mid, body, key)
        check_envelope(resp, 422, "validation_error", f"PATCH with {name}", field=field)
        T.is_(row_state(mid), before, f"PATCH with {name}: nothing written (psql)")
    before = row_count()
    resp = post({"activity_type": "note", "contact_ids": [], "company_ids": []}, key)
    check_envelope(resp, 422, "validation_error", "POST with empty contact_ids and company_ids only",
                   field=("contact_id", "company_id"))
    T.is_(row_count(), before, "POST with empty arrays only: no row written")


def test_company_scope(ctx):
    """?scope=all|direct on a company's timeline, and on a company's only."""
    key = ctx["a_write"]
    company = f"co_scope_{RUN}"
    person = f"c_scope_{RUN}"
    resp = post({"activity_type": "meeting", "company_id": company, "title": "direct",
                 "occurred_at": "2026-05-01T10:00:00Z"}, key)
    direct = body_data(resp).get("id")
    in_workspace(ctx["ws_a"], f"SELECT clarky.add_contact_to_company({literal(person)}, {literal(company)})")
    resp = post({"activity_type": "call", "contact_id": person, "title": "through people",
                 "occurred_at": "2026-05-02T10:00:00Z"}, key)
    via = body_data(resp).get("id")
    T.ok(direct and via, "scope: one activity on the company, one on a contact of it", f"{direct} {via}")
    T.is_(timeline(company_path(company), key), (2, [via, direct]),
          "scope absent: all, the company's and its people's activities")
    T.is_(timeline(company_path(company, "scope=all"), key), (2, [via, direct]), "scope=all: both")
    T.is_(timeline(company_path(company, "scope=direct"), key), (1, [direct]),
          "scope=direct: the company's own only")
    resp = get(company_path(company, "scope=direct&activity_type=call&page=1&page_size=5"), key)
    check_list(resp, 0, 1, 5, 0, "scope=direct with activity_type=call: none")
    resp = get(company_path(company, "scope=all&activity_type=call"), key)
    data = check_list(resp, 1, 1, 25, 1, "scope=all with activity_type=call: the call of its contact")
    T.is_([a.get("company_ids") for a in data], [[]],
          "an activity through people does not list the company among its company_ids")
    resp = request("HEAD", company_path(company, "scope=direct"), auth(ctx["a_read"]))
    T.ok(resp.status == 200 and resp.body == b"", "HEAD with scope=direct: 200 without a body",
         resp.describe())
    for query in ("scope=people", "scope=", "scope=ALL"):
        check_envelope(get(company_path(company, query), key), 422, "validation_error",
                       f"GET a company timeline ?{query}", field="scope")
    resp = request("HEAD", company_path(company, "scope=nope"), auth(ctx["a_read"]))
    T.ok(resp.status == 422 and resp.body == b"", "HEAD with a bad scope: 422 without a body",
         resp.describe())
    for query in ("scope=all", "scope=direct"):
        check_envelope(get(contact_path(person, query), key), 400, "bad_request",
                       f"GET a contact timeline ?{query} (scope is a company's only)")
    check_envelope(get(company_path(company, "scope=eq.all"), key), 400, "bad_request",
                   "GET ?scope=eq.all (a filter)")
    check_list(get(company_path(company, "scope=all"), ctx["b_read"]), 0, 1, 25, 0,
               "scope=all with B's key: nothing of A's company")


# ---- a company's contacts: PUT, DELETE .../contacts/{contact_id}, GET .../contacts

MEMBERSHIP_KEYS = ["company_id", "contact_id", "added_at", "backfilled"]


def member_path(company_id, contact_id, query=""):
    path = ("/api/v1/companies/" + urllib.parse.quote(company_id, safe="") + "/contacts/"
            + urllib.parse.quote(contact_id, safe=""))
    return path + ("?" + query if query else "")


def contacts_path(company_id, query=""):
    path = "/api/v1/companies/" + urllib.parse.quote(company_id, safe="") + "/contacts"
    return path + ("?" + query if query else "")


def put_member(company_id, contact_id, key=None, body=None, headers=None,
               content_type="application/json", path=None):
    """PUT a membership; body None sends no body at all."""
    h = dict(auth(key) if key else {})
    if body is not None and content_type is not None:
        h["Content-Type"] = content_type
    h.update(headers or {})
    if body is not None and not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    return request("PUT", path or member_path(company_id, contact_id), h, body)


def delete_member(company_id, contact_id, key=None, headers=None, body=None, path=None):
    h = dict(auth(key) if key else {})
    h.update(headers or {})
    return request("DELETE", path or member_path(company_id, contact_id), h, body)


def memberships(workspace, company_id=None):
    """The workspace's memberships (of one company), as "company|contact" lines (psql)."""
    where = f"workspace_id = {literal(workspace)}"
    if company_id is not None:
        where += f" AND company_id = {literal(company_id)}"
    return psql(f"SELECT coalesce(string_agg(company_id || '|' || contact_id, ' ' "
                f"ORDER BY company_id, contact_id), '') FROM clarky.company_memberships WHERE {where}")


def check_membership(resp, status, company_id, contact_id, backfilled, name):
    """A 200 or 201 {"data": membership}; returns it."""
    T.is_(resp.status, status, f"{name}: status {status}", resp)
    T.ok((resp.header("Content-Type") or "").startswith("application/json"),
         f"{name}: Content-Type is application/json")
    j = resp.json if isinstance(resp.json, dict) else {}
    data = j.get("data") if list(j) == ["data"] and isinstance(j.get("data"), dict) else {}
    T.is_(list(data), MEMBERSHIP_KEYS, f"{name}: {{\"data\": {{company_id, contact_id, added_at, backfilled}}}}",
          resp)
    T.ok(isinstance(data.get("added_at"), str) and TIMESTAMP_RE.match(data["added_at"]) is not None,
         f"{name}: added_at is UTC with milliseconds", repr(data.get("added_at")))
    T.is_((data.get("company_id"), data.get("contact_id"), data.get("backfilled")),
          (company_id, contact_id, backfilled), f"{name}: the ids, backfilled {backfilled}")
    return data


def check_members(resp, total, page, page_size, contacts, name):
    """A 200 page of a company's contacts: the contact ids, in order."""
    T.is_(resp.status, 200, f"{name}: status 200", resp)
    j = resp.json if isinstance(resp.json, dict) else {}
    T.ok(list(j) == ["data", "pagination"], f"{name}: body is {{data, pagination}}", resp.describe())
    data = j.get("data") if isinstance(j.get("data"), list) else []
    T.is_([m.get("contact_id") for m in data], contacts, f"{name}: the contacts, by id", resp)
    T.ok(all(isinstance(m, dict) and list(m) == ["company_id", "contact_id", "added_at"] for m in data),
         f"{name}: each is {{company_id, contact_id, added_at}}", resp.describe())
    pg = j.get("pagination")
    T.is_(list(pg.items()) if isinstance(pg, dict) else pg,
          [("page", page), ("page_size", page_size), ("total", total),
           ("total_pages", (total + page_size - 1) // page_size)],
          f"{name}: pagination in order, total {total}")
    return data


def test_memberships(ctx):
    key = ctx["a_write"]
    company = f"co_member_{RUN}"
    ann, bob = f"c_member_ann_{RUN}", f"c_member_bob_{RUN}"

    # PUT: 201 when new, 200 when it was there; no body, {} and {"backfill": false} alike
    resp = put_member(company, ann, key)
    first = check_membership(resp, 201, company, ann, 0, "PUT a new membership (no body)")
    T.is_(memberships(ctx["ws_a"], company), f"{company}|{ann}", "PUT: the membership is stored (psql)")
    resp = put_member(company, ann, key)
    again = check_membership(resp, 200, company, ann, 0, "PUT it again (no body)")
    T.is_(again.get("added_at"), first.get("added_at"), "PUT again: added_at kept")
    resp = put_member(company, ann, key, body={"backfill": False})
    check_membership(resp, 200, company, ann, 0, 'PUT it again with {"backfill": false}')
    resp = put_member(company, bob, key, body={}, content_type="application/json; charset=utf-8")
    check_membership(resp, 201, company, bob, 0, "PUT with {} (application/json; charset=utf-8)")
    resp = put_member(company, bob, headers={"X-Api-Key": key})
    T.is_(resp.status, 200, "PUT with X-Api-Key: 200", resp)
    T.is_(memberships(ctx["ws_a"], company), f"{company}|{ann} {company}|{bob}",
          "two memberships, once each (psql)")

    # refused PUTs and DELETEs write nothing
    stored = memberships(ctx["ws_a"])
    reader_jwt = jwt({"role": "clarky_reader", "workspace_id": ctx["ws_a"]})
    other = f"c_member_refused_{RUN}"
    many = "c" * 256
    for label, call, status, code, field in (
            ("PUT with a read key", lambda: put_member(company, other, ctx["a_read"]), 403, "forbidden", None),
            ("PUT with a read key (X-Api-Key)",
             lambda: put_member(company, other, headers={"X-Api-Key": ctx["a_read"]}), 403, "forbidden", None),
            ("PUT with a reader JWT",
             lambda: put_member(company, other, headers={"Authorization": f"Bearer {reader_jwt}"}),
             403, "forbidden", None),
            ("DELETE with a read key", lambda: delete_member(company, ann, ctx["a_read"]), 403, "forbidden", None),
            ("DELETE with a reader JWT",
             lambda: delete_member(company, ann, headers={"Authorization": f"Bearer {reader_jwt}"}),
             403, "forbidden", None),
            ("PUT without a key", lambda: put_member(company, other), 401, "unauthorized", None),
            ("PUT with an unknown key", lambda: put_member(company, other, "ck_live_" + "2" * 30),
             401, "unauthorized", None),
            ("PUT with a badly signed JWT", lambda: put_member(company, other, headers={
                "Authorization": f"Bearer {reader_jwt[:-4]}AAAA"}), 401, "unauthorized", None),
            ("DELETE without a key", lambda: delete_member(company, ann), 401, "unauthorized", None),
            ("PUT a contact id of 256 characters", lambda: put_member(company, many, key),
             422, "validation_error", "contact_id"),
            ("PUT a company id of 256 characters", lambda: put_member("o" * 256, other, key),
             422, "validation_error", "company_id"),
            ("DELETE a contact id of 256 characters", lambda: delete_member(company, many, key),
             422, "validation_error", "contact_id"),
            ('PUT with {"backfill": "yes"}', lambda: put_member(company, other, key, body={"backfill": "yes"}),
             422, "validation_error", "backfill"),
            ('PUT with {"backfill": 1}', lambda: put_member(company, other, key, body={"backfill": 1}),
             422, "validation_error", "backfill"),
            ("PUT with an unknown field", lambda: put_member(company, other, key, body={"backfil": True}),
             422, "validation_error", "backfil"),
            ("PUT with a JSON array body", lambda: put_member(company, other, key, body="[true]"),
             400, "bad_request", None),
            ("PUT with JSON null", lambda: put_member(company, other, key, body="null"), 400, "bad_request", None),
            ("PUT with invalid JSON", lambda: put_member(company, other, key, body='{"backfill": '),
             400, "bad_request", None),
            ("PUT with a text/plain body",
             lambda: put_member(company, other, key, body='{"backfill": true}', content_type="text/plain"),
             400, "bad_request", None),
            ("PUT with a body and no Content-Type",
             lambda: put_member(company, other, key, body='{"backfill": true}', content_type=None),
             400, "bad_request", None),
            ("PUT with a query string",
             lambda: put_member(company, other, key, path=member_path(company, other, "backfill=true")),
             400, "bad_request", None),
            ("DELETE with a query string",
             lambda: delete_member(company, ann, key, path=member_path(company, ann, "select=id")),
             400, "bad_request", None),
            ("PUT with a path that is not UTF-8",
             lambda: put_member(company, other, key, path=f"/api/v1/companies/co%FF{RUN}/contacts/{other}"),
             400, "bad_request", None)):
        resp = call()
        check_envelope(resp, status, code, label, field=field)
        T.is_(memberships(ctx["ws_a"]), stored, f"{label}: nothing written (psql)")
    resp = put_member(company, other, key, body={"backfill": True, "pad": "x" * (1 << 20)})
    check_envelope(resp, 400, "bad_request", "PUT with a body over 1 MiB")
    T.is_(memberships(ctx["ws_a"]), stored, "PUT with a body over 1 MiB: nothing written (psql)")

    # wrong methods, unknown paths
    for method, path, allow in (("POST", member_path(company, ann), "PUT, DELETE"),
                                ("GET", member_path(company, ann), "PUT, DELETE"),
                                ("HEAD", member_path(company, ann), "PUT, DELETE"),
                                ("PATCH", member_path(company, ann), "PUT, DELETE"),
                                ("OPTIONS", member_path(company, ann), "PUT, DELETE"),
                                ("POST", contacts_path(company), "GET, HEAD"),
                                ("PUT", contacts_path(company), "GET, HEAD"),
                                ("DELETE", contacts_path(company), "GET, HEAD")):
        resp = request(method, path, dict(auth(key), **{"Content-Type": "application/json"}),
                       None if method in ("GET", "HEAD") else "{}")
        if method == "HEAD":
            T.ok(resp.status == 405 and resp.body == b"", f"{method} {path}: 405 without a body",
                 resp.describe())
        else:
            check_envelope(resp, 405, "method_not_allowed", f"{method} {path}")
        T.is_(resp.header("Allow"), allow, f"{method} {path}: Allow: {allow}")
        T.is_(memberships(ctx["ws_a"]), stored, f"{method} {path}: nothing written (psql)")
    for method, path in (("PUT", member_path(company, ann) + "/extra"), ("PUT", f"/api/v1/contacts/{ann}/contacts/x"),
                         ("GET", f"/api/v1/contacts/{ann}/contacts"), ("PUT", f"/api/v1/companies/{company}/contacts/"),
                         ("GET", "/api/v1/companies//contacts"), ("PUT", f"/api/v1/companies//contacts/{ann}"),
                         ("GET", "/api/v1/companies/co1"), ("DELETE", "/_clarky/member_delete/key"),
                         ("PUT", "/_clarky/member_put_empty/key"), ("GET", "/rpc/company_contacts?company_id=x")):
        check_envelope(request(method, path, auth(key), None if method == "GET" else "{}"), 404, "not_found",
                       f"{method} {path}")
    T.is_(memberships(ctx["ws_a"]), stored, "the unknown paths wrote nothing (psql)")

    # ids: percent-encoded, any character; "+", "&" and ";" unencoded are part of them
    odd_company, odd_contact = f"co/x &?#%{RUN}", f"c\u00e9 /{RUN}"
    resp = put_member(odd_company, odd_contact, key)
    check_membership(resp, 201, odd_company, odd_contact, 0, "PUT with / & ? # % space and non-ASCII, encoded")
    check_members(get(contacts_path(odd_company), key), 1, 1, 25, [odd_contact],
                  "the list of that company, its id encoded")
    resp = put_member("", "", key, path=f"/api/v1/companies/co+{RUN};x/contacts/c+a&b;c")
    check_membership(resp, 201, f"co+{RUN};x", "c+a&b;c", 0, "PUT with + & ; unencoded in both ids")
    T.is_(memberships(ctx["ws_a"], f"co+{RUN};x"), f"co+{RUN};x|c+a&b;c",
          "unencoded + & ;: the ids stored whole (psql)")
    resp = delete_member("", "", key, path=f"/api/v1/companies/co+{RUN};x/contacts/c+a&b;c")
    T.ok(resp.status == 204 and resp.body == b"", "DELETE with + & ; unencoded: 204", resp.describe())

    # the ids are the path's: a client's own id headers never reach the function
    spoofed = f"c_member_path_{RUN}"
    resp = put_member(company, spoofed, key, headers={"X-Clarky-Company-Id": f"co_spoof_{RUN}",
                                                      "X-Clarky-Contact-Id": f"c_spoof_{RUN}"})
    check_membership(resp, 201, company, spoofed, 0, "PUT with X-Clarky-Company-Id and -Contact-Id headers")
    T.ok(f"co_spoof_{RUN}" not in memberships(ctx["ws_a"]) and f"c_spoof_{RUN}" not in memberships(ctx["ws_a"]),
         "the client's id headers were ignored: the membership is the path's (psql)")
    T.ok(delete_member(company, spoofed, key).status == 204, "and it is deleted by its path")

    # a writer JWT works in its token's workspace; B cannot touch A's
    writer_b = jwt({"role": "clarky_writer", "workspace_id": ctx["ws_b"]})
    resp = put_member(company, ann, headers={"Authorization": f"Bearer {writer_b}"}, body={"backfill": True})
    check_membership(resp, 201, company, ann, 0, "PUT with a writer JWT of B: new in B")
    T.is_(memberships(ctx["ws_b"], company), f"{company}|{ann}", "the JWT's membership is B's (psql)")
    resp = delete_member(company, bob, ctx["b_write"])
    check_envelope(resp, 404, "not_found", "DELETE A's membership with B's key")
    T.is_(memberships(ctx["ws_a"], company), f"{company}|{ann} {company}|{bob}",
          "A's memberships are untouched by B (psql)")

    # DELETE: 204, then 404
    resp = delete_member(company, bob, key, body='{"ignored": true}')
    T.ok(resp.status == 204 and resp.body == b"", "DELETE a membership (a body, ignored): 204 without a body",
         resp.describe())
    T.is_(memberships(ctx["ws_a"], company), f"{company}|{ann}", "DELETE: the membership is gone (psql)")
    resp = delete_member(company, bob, key)
    check_envelope(resp, 404, "not_found", "DELETE it again", message=bob)
    resp = delete_member(company, f"c_never_{RUN}", key)
    check_envelope(resp, 404, "not_found", "DELETE a membership that never was")
    resp = delete_member(company, ann, headers={"Authorization": f"Bearer {writer_b}"})
    T.ok(resp.status == 204, "DELETE with a writer JWT of B: B's membership goes (204)", resp.describe())
    T.is_(memberships(ctx["ws_b"], company), "", "B has no membership left (psql)")


def test_membership_list(ctx):
    key = ctx["a_write"]
    company = f"co_list_{RUN}"
    contacts = [f"c_list_{i}_{RUN}" for i in (3, 1, 2)]
    for contact in contacts:
        T.is_(put_member(company, contact, key).status, 201, f"list: {contact} added")
    ordered = sorted(contacts)
    check_members(get(contacts_path(company), ctx["a_read"]), 3, 1, 25, ordered,
                  "GET a company's contacts with a read key")
    seen = []
    for page, count in ((1, 2), (2, 1), (3, 0)):
        data = check_members(get(contacts_path(company, f"page={page}&page_size=2"), key), 3, page, 2,
                             ordered[(page - 1) * 2:(page - 1) * 2 + count], f"contacts page {page} of size 2")
        seen += [m.get("contact_id") for m in data]
    T.is_(seen, ordered, "contacts pages: in order, no overlap, nothing skipped")
    T.ok(all(m.get("company_id") == company for m in
             (get(contacts_path(company), key).json or {}).get("data", [])), "every listed membership names the company")
    resp = request("HEAD", contacts_path(company), auth(ctx["a_read"]))
    T.ok(resp.status == 200 and resp.body == b"", "HEAD on a company's contacts: 200 without a body",
         resp.describe())
    check_members(get(contacts_path(company), ctx["b_read"]), 0, 1, 25, [], "B's key: none of A's")
    check_members(get(contacts_path(f"co_nobody_{RUN}"), key), 0, 1, 25, [], "a company without contacts")
    token = jwt({"role": "clarky_reader", "workspace_id": ctx["ws_a"]})
    check_members(get(contacts_path(company), headers={"Authorization": f"Bearer {token}"}), 3, 1, 25, ordered,
                  "GET with a reader JWT")
    for query, field in (("page=0", "page"), ("page=x", "page"), ("page_size=101", "page_size"),
                         ("page_size=0", "page_size")):
        check_envelope(get(contacts_path(company, query), key), 422, "validation_error",
                       f"GET contacts ?{query}", field=field)
    check_envelope(get(contacts_path("o" * 256), key), 422, "validation_error",
                   "GET the contacts of a company id of 256 characters", field="company_id")
    for query in ("scope=all", "activity_type=call", "company_id=x", "limit=0", "select=contact_id",
                  "page=eq.1"):
        check_envelope(get(contacts_path(company, query), key), 400, "bad_request",
                       f"GET contacts ?{query} (unsupported query parameter)")
    check_envelope(get(contacts_path(company)), 401, "unauthorized", "GET contacts without a key")
    resp = request("HEAD", contacts_path(company))
    T.ok(resp.status == 401 and resp.body == b"", "HEAD on contacts without a key: 401 without a body",
         resp.describe())
    resp = request("HEAD", contacts_path(company, "page=0"), auth(ctx["a_read"]))
    T.ok(resp.status == 422 and resp.body == b"", "HEAD on contacts with ?page=0: 422 without a body",
         resp.describe())
    resp = get(contacts_path(company), headers={"Authorization": f"Bearer {token[:-4]}AAAA"})
    check_envelope(resp, 401, "unauthorized", "GET contacts with a badly signed JWT")


def test_membership_timelines(ctx):
    """Over HTTP: attribution when an activity is written, backfill, removal,
    and the company timeline's scope=all vs direct."""
    key = ctx["a_write"]
    company = f"co_roll_{RUN}"
    past, later = f"c_roll_past_{RUN}", f"c_roll_later_{RUN}"

    def logged(body):
        return body_data(post(body, key)).get("id")

    own = logged({"activity_type": "meeting", "company_id": company, "title": "the company's own",
                  "occurred_at": "2026-06-01T10:00:00Z"})
    old = [logged({"activity_type": "call", "contact_id": past, "title": f"old {i}",
                   "occurred_at": f"2026-06-0{i + 2}T10:00:00Z"}) for i in range(2)]
    before = logged({"activity_type": "note", "contact_id": later, "title": "before membership",
                     "occurred_at": "2026-06-05T10:00:00Z"})
    T.ok(own and all(old) and before, "roll-up: four activities logged", repr([own, old, before]))
    T.is_(timeline(company_path(company), key), (1, [own]), "before any membership: the company's own only")

    # a membership without backfill changes no past activity
    check_membership(put_member(company, later, key), 201, company, later, 0, "PUT later (no backfill)")
    T.is_(timeline(company_path(company), key), (1, [own]),
          "without backfill: the contact's past activity does not reach the company")
    new = logged({"activity_type": "note", "contact_id": later, "title": "after membership",
                  "occurred_at": "2026-06-06T10:00:00Z"})
    T.is_(timeline(company_path(company), key), (2, [new, own]),
          "an activity logged after the membership reaches the company (scope absent: all)")
    T.is_(timeline(company_path(company, "scope=direct"), key), (1, [own]),
          "scope=direct: the company's own only")

    # with backfill the past comes too, each once
    resp = put_member(company, past, key, body={"backfill": True})
    check_membership(resp, 201, company, past, 2, 'PUT past with {"backfill": true}: two backfilled')
    all_ids = [new, old[1], old[0], own]
    T.is_(timeline(company_path(company, "scope=all"), key), (4, all_ids),
          "after the backfill: scope=all has the contact's past activities, newest first")
    T.is_(timeline(company_path(company, "scope=direct"), key), (1, [own]), "scope=direct is unchanged")
    resp = put_member(company, past, key, body={"backfill": True})
    check_membership(resp, 200, company, past, 0, "PUT past again with backfill: 200, nothing more to backfill")
    T.is_(timeline(company_path(company), key), (4, all_ids), "a second backfill counts nothing twice")
    resp = get(activity_path(old[0]), key)
    T.is_((answer_data(resp).get("version"), answer_data(resp).get("company_ids")), (1, []),
          "a backfilled activity keeps its version, and lists no company of its own")

    # an activity on two members of the company reaches it once
    both = logged({"activity_type": "meeting", "contact_ids": [past, later], "title": "both",
                   "occurred_at": "2026-06-07T10:00:00Z"})
    T.is_(timeline(company_path(company), key), (5, [both] + all_ids),
          "an activity on two of its contacts: once on the company's timeline, total 5")

    # removing a membership keeps what was attributed
    resp = delete_member(company, later, key)
    T.ok(resp.status == 204, "DELETE later's membership: 204", resp.describe())
    T.is_(timeline(company_path(company), key), (5, [both] + all_ids),
          "after the removal: what reached the company stays")
    after = logged({"activity_type": "note", "contact_id": later, "title": "after removal",
                    "occurred_at": "2026-06-08T10:00:00Z"})
    T.is_(timeline(company_path(company), key), (5, [both] + all_ids),
          "an activity logged after the removal does not reach the company")
    T.is_(timeline(contact_path(later), key), (4, [after, both, new, before]),
          "the contact's own timeline has all of its activities")
    T.is_(timeline(company_path(company, "scope=direct"), ctx["a_read"]), (1, [own]),
          "scope=direct with a read key: the company's own")


def test_activity_get(ctx):
    key = ctx["a_write"]
    contact = f"c_get_{RUN}"
    resp = post({"activity_type": "call", "contact_id": contact, "company_id": f"co_get_{RUN}",
                 "title": "to read", "duration_minutes": 5, "metadata": {"k": "v"},
                 "owner_id": "u_rep", "occurred_at": "2026-02-01T09:00:00Z"}, key)
    logged = body_data(resp)
    aid = logged.get("id")
    T.ok(aid is not None and logged.get("version") == 1,
         "GET: an activity logged at version 1", resp.describe())

    resp = get_activity(aid, ctx["a_read"])
    data = check_answer(resp, {"id": aid, "title": "to read", "owner_id": "u_rep",
                               "occurred_at": "2026-02-01T09:00:00.000Z"},
                        "GET an activity with a read key", version=1)
    T.is_(data, logged, "GET: the same activity as log_activity answered")
    T.is_(resp.header("ETag"), '"1"', 'GET: ETag "1"')
    resp = get_activity(aid, key)
    T.is_(answer_data(resp), logged, "GET with a write key: the same activity", resp)
    resp = get_activity(aid, headers={"X-Api-Key": ctx["a_read"]})
    T.is_(answer_data(resp), logged, "GET with X-Api-Key: the same activity", resp)
    reader = jwt({"role": "clarky_reader", "workspace_id": ctx["ws_a"]})
    resp = get_activity(aid, headers={"Authorization": f"Bearer {reader}"})
    T.is_(answer_data(resp), logged, "GET with a JWT of A's workspace: the same activity", resp)

    resp = get_activity(aid, ctx["a_read"], method="HEAD")
    T.ok(resp.status == 200 and resp.body == b"" and resp.header("ETag") == '"1"',
         'HEAD on an activity: 200, ETag "1", no body', resp.describe() + f"\n{resp.headers}")

    unknown = unknown_activity_id()
    resp_unknown = get_activity(unknown, ctx["a_read"])
    check_envelope(resp_unknown, 404, "not_found", "GET an unknown id")
    T.ok(resp_unknown.header("ETag") is None, "GET an unknown id: no ETag")
    resp = get_activity(unknown, ctx["a_read"], method="HEAD")
    T.ok(resp.status == 404 and resp.body == b"", "HEAD on an unknown id: 404 without a body",
         resp.describe())
    for label, headers in (("B's read key", auth(ctx["b_read"])),
                           ("B's write key", auth(ctx["b_write"])),
                           ("a JWT of B's workspace",
                            {"Authorization": "Bearer " + jwt({"role": "clarky_reader",
                                                               "workspace_id": ctx["ws_b"]})})):
        resp = get_activity(aid, headers=headers)
        check_envelope(resp, 404, "not_found", f"GET A's activity with {label}")
        T.ok(b"to read" not in resp.body and b"u_rep" not in resp.body,
             f"GET A's activity with {label}: nothing of it in the answer", resp.describe())
        same_envelope(resp, aid, resp_unknown, unknown,
                      f"GET A's activity with {label}: the same answer as an unknown id")

    for label, headers in (("no key", {}), ("an unknown key", {"X-Api-Key": "ck_live_" + "0" * 30})):
        resp = get_activity(aid, headers=headers)
        check_envelope(resp, 401, "unauthorized", f"GET an activity with {label}")
        T.ok(resp.header("WWW-Authenticate") is not None and b"to read" not in resp.body,
             f"GET an activity with {label}: WWW-Authenticate, no data", resp.describe())
    resp = get_activity(aid, headers={"Authorization": f"Bearer {reader[:-4]}AAAA"})
    check_envelope(resp, 401, "unauthorized", "GET an activity with a badly signed JWT")
    resp = get_activity(aid, method="HEAD")
    T.ok(resp.status == 401 and resp.body == b"", "HEAD on an activity without a key: 401, no body",
         resp.describe())

    for query in ("select=id", "id=other", "limit=0"):
        resp = request("GET", activity_path(aid) + "?" + query, auth(ctx["a_read"]))
        check_envelope(resp, 400, "bad_request", f"GET an activity with ?{query}")
    # ids that name no activity, each answered as an unknown one (an id that
    # is not UTF-8 is a bad request: test_edge.py)
    for label, raw in (("an encoded /", "a%2Fb"), ("an encoded ?", "a%3Fb"), ("non-ASCII", "caf%C3%A9"),
                       ("unencoded + ; &", "a+b;c&d"), ("300 characters", "x" * 300)):
        resp = request("GET", "/api/v1/activities/" + raw, auth(ctx["a_read"]))
        check_envelope(resp, 404, "not_found", f"GET an id with {label}")
        T.ok(isinstance(resp.json, dict) and "no such endpoint" not in str(resp.json),
             f"GET an id with {label}: answered by the function, not as an unknown path",
             resp.describe())
    resp = request("GET", "/api/v1/activities/a%2Fb", auth(ctx["a_read"]))
    message = ((resp.json or {}).get("error") or {}).get("message") if isinstance(resp.json, dict) else None
    T.ok('"a/b"' in str(message),
         "GET an id with an encoded /: the message names the decoded id a/b", resp.describe())


def test_activity_patch(ctx):
    key = ctx["a_write"]
    contact = f"c_patch_{RUN}"
    moved_to = f"c_patch_moved_{RUN}"
    resp = post({"activity_type": "call", "contact_id": contact, "title": "before",
                 "description": "to be cleared", "duration_minutes": 10,
                 "metadata": {"a": 1, "b": 2}, "occurred_at": "2026-02-02T09:00:00Z"}, key)
    logged = body_data(resp)
    aid = logged.get("id")
    T.ok(aid is not None, "PATCH: an activity logged", resp.describe())

    # a merge patch: named fields change, null clears, metadata merges, the rest stays
    resp = patch_activity(aid, {"title": "after", "description": None,
                                "metadata": {"b": None, "c": 3}}, key, if_match='"1"')
    data = check_answer(resp, {"id": aid, "title": "after", "description": None,
                               "duration_minutes": 10, "metadata": {"a": 1, "c": 3},
                               "activity_type": "call", "contact_id": contact,
                               "created_at": logged.get("created_at"),
                               "occurred_at": "2026-02-02T09:00:00.000Z"},
                        'PATCH (merge-patch+json, If-Match "1")', version=2)
    T.is_(resp.header("ETag"), '"2"', 'PATCH: the new ETag "2"')
    T.is_(column(aid, "title || '|' || coalesce(description, '<null>') || '|' || metadata::text "
                      "|| '|' || version"),
          'after|<null>|{"a": 1, "c": 3}|2', "PATCH: the row holds the change (psql)")
    T.is_(answer_data(get_activity(aid, key)), data, "PATCH: a GET afterwards shows the answer")
    T.ok(isinstance(data.get("updated_at"), str) and data["updated_at"] >= logged.get("updated_at", ""),
         "PATCH: updated_at moves on", repr(data.get("updated_at")))

    resp = patch_activity(aid, {"owner_id": "u_new"}, key, content_type="application/json")
    check_answer(resp, {"owner_id": "u_new", "title": "after"},
                 "PATCH (application/json, no If-Match)", version=3)
    resp = patch_activity(aid, {"duration_minutes": 12}, key,
                          content_type="application/json; charset=utf-8")
    check_answer(resp, {"duration_minutes": 12}, "PATCH (application/json; charset=utf-8)", version=4)

    # If-Match
    before = row_state(aid)
    resp = patch_activity(aid, {"title": "stale"}, key, if_match='"1"')
    check_envelope(resp, 409, "conflict", 'PATCH with a stale If-Match "1"')
    T.is_((resp.json or {}).get("error", {}).get("details"), {"current_version": 4},
          "stale If-Match: details name the current version 4", resp)
    T.is_(row_state(aid), before, "stale If-Match: nothing written (psql)")
    resp = patch_activity(aid, {"title": "weak"}, key, if_match='W/"4"')
    check_envelope(resp, 409, "conflict", 'PATCH with a weak If-Match W/"4" (never matches)')
    T.is_((resp.json or {}).get("error", {}).get("details"), {"current_version": 4},
          "weak If-Match: details name the current version", resp)
    T.is_(row_state(aid), before, "weak If-Match: nothing written (psql)")
    resp = patch_activity(aid, {"title": "unknown tag"}, key, if_match='"x7", "99"')
    check_envelope(resp, 409, "conflict", "PATCH with an If-Match list that names no current version")
    T.is_(row_state(aid), before, "If-Match list of other versions: nothing written (psql)")
    for bad in ("4", '"4', '"4" "5"', "*, \"4\""):
        resp = patch_activity(aid, {"title": "malformed"}, key, if_match=bad)
        check_envelope(resp, 400, "bad_request", f"PATCH with a malformed If-Match {bad!r}",
                       message="If-Match")
        T.is_(row_state(aid), before, f"malformed If-Match {bad!r}: nothing written (psql)")
    resp = patch_activity(aid, {"title": "listed"}, key, if_match='"3", "4"')
    check_answer(resp, {"title": "listed"}, 'PATCH with If-Match "3", "4" (the current among them)',
                 version=5)
    resp = patch_activity(aid, {"title": "starred"}, key, if_match="*")
    check_answer(resp, {"title": "starred"}, "PATCH with If-Match *", version=6)
    resp = patch_activity(aid, {}, key, if_match='"6"')
    check_answer(resp, {"title": "starred"}, "PATCH with an empty patch: changes nothing", version=6)
    T.is_(column(aid, "version"), "6", "empty patch: the version stays (psql)")

    # validation: 422 naming the field, nothing written
    before = row_state(aid)
    for name, body, field in (
            ("a bad activity_type", {"activity_type": "phone"}, "activity_type"),
            ("a bad due_date", {"due_date": "tomorrow"}, "due_date"),
            ("duration_minutes as a string", {"duration_minutes": "32"}, "duration_minutes"),
            ("an unknown field", {"contactId": "c_x"}, "contactId"),
            ("the id", {"id": "a_other"}, "id"),
            ("the version", {"version": 99}, "version"),
            ("created_at", {"created_at": "2026-01-01T00:00:00Z"}, "created_at"),
            ("activity_type null", {"activity_type": None}, "activity_type"),
            ("no contact and no company left", {"contact_id": None}, ("contact_id", "company_id")),
            ("a valid field and a bad one", {"title": "half", "due_date": "never"}, "due_date")):
        resp = patch_activity(aid, body, key, if_match='"6"')
        check_envelope(resp, 422, "validation_error", f"PATCH {name}", field=field)
        T.is_(row_state(aid), before, f"PATCH {name}: nothing written (psql)")

    # the body: a JSON object, as application/json or application/merge-patch+json
    for name, body, ctype, message in (
            ("a JSON array", "[{\"title\": \"x\"}]", "application/json", None),
            ("a JSON string", '"x"', "application/merge-patch+json", None),
            ("JSON null", "null", "application/json", None),
            ("a JSON number", "42", "application/json", None),
            ("invalid JSON", '{"title": ', "application/json", None),
            ("an empty body", "", "application/merge-patch+json", None),
            ("no Content-Type", '{"title": "x"}', None, "Content-Type"),
            ("text/plain", '{"title": "x"}', "text/plain", "Content-Type"),
            ("a form", "title=x", "application/x-www-form-urlencoded", "Content-Type"),
            ("application/json-patch+json", '[{"op": "remove", "path": "/title"}]',
             "application/json-patch+json", "Content-Type")):
        resp = patch_activity(aid, body, key, content_type=ctype)
        check_envelope(resp, 400, "bad_request", f"PATCH with {name}", message=message)
        T.is_(row_state(aid), before, f"PATCH with {name}: nothing written (psql)")
    resp = patch_activity(aid, {"description": "x" * (1 << 20)}, key)
    check_envelope(resp, 400, "bad_request", "PATCH with a body over 1 MiB")
    T.is_(row_state(aid), before, "PATCH with a body over 1 MiB: nothing written (psql)")
    resp = patch_activity(aid, {"title": "q"}, key, path=activity_path(aid) + "?select=id")
    check_envelope(resp, 400, "bad_request", "PATCH with a query string")
    T.is_(row_state(aid), before, "PATCH with a query string: nothing written (psql)")

    # who may
    reader_jwt = jwt({"role": "clarky_reader", "workspace_id": ctx["ws_a"]})
    for label, headers in (("a read key (Bearer)", auth(ctx["a_read"])),
                           ("a read key (X-Api-Key)", {"X-Api-Key": ctx["a_read"]}),
                           ("a reader JWT", {"Authorization": f"Bearer {reader_jwt}"})):
        resp = patch_activity(aid, {"title": "by a reader"}, headers=headers)
        check_envelope(resp, 403, "forbidden", f"PATCH with {label}")
        T.is_(row_state(aid), before, f"PATCH with {label}: nothing written (psql)")
    for label, headers in (("no key", {}), ("a revoked-looking unknown key",
                                            {"Authorization": "Bearer ck_live_" + "1" * 30}),
                           ("a badly signed JWT", {"Authorization": f"Bearer {reader_jwt[:-4]}AAAA"})):
        resp = patch_activity(aid, {"title": "anonymous"}, headers=headers)
        check_envelope(resp, 401, "unauthorized", f"PATCH with {label}")
        T.is_(row_state(aid), before, f"PATCH with {label}: nothing written (psql)")
    unknown = unknown_activity_id()
    resp_unknown = patch_activity(unknown, {"title": "x"}, key)
    check_envelope(resp_unknown, 404, "not_found", "PATCH an unknown id")
    writer_b = jwt({"role": "clarky_writer", "workspace_id": ctx["ws_b"]})
    for label, headers in (("B's write key", auth(ctx["b_write"])),
                           ("a writer JWT of B", {"Authorization": f"Bearer {writer_b}"})):
        resp = patch_activity(aid, {"title": "from B"}, headers=headers)
        check_envelope(resp, 404, "not_found", f"PATCH A's activity with {label}")
        same_envelope(resp, aid, resp_unknown, unknown,
                      f"PATCH A's activity with {label}: the same answer as an unknown id")
        T.is_(row_state(aid), before, f"PATCH A's activity with {label}: nothing written (psql)")
        resp = patch_activity(aid, {"title": "from B"}, headers=headers, if_match='"1"')
        T.is_(resp.status, 404, f"PATCH A's activity with {label} and a stale If-Match: 404, not 409",
              resp)

    # a change of contact moves the activity between timelines and totals
    total_old, ids_old = timeline(contact_path(contact), key)
    total_new, _ = timeline(contact_path(moved_to), key)
    T.ok(total_old == 1 and ids_old == [aid] and total_new == 0,
         "before the move: on the old contact's timeline only", f"{total_old} {ids_old} {total_new}")
    resp = patch_activity(aid, {"contact_id": moved_to}, key, if_match='"6"')
    check_answer(resp, {"contact_id": moved_to}, "PATCH contact_id", version=7)
    T.is_(timeline(contact_path(contact), key), (0, []), "after the move: the old timeline is empty")
    T.is_(timeline(contact_path(moved_to), key), (1, [aid]), "after the move: on the new one, total 1")

    # concurrent PATCHes expecting the same version: one wins, the others conflict
    racers = 6
    results = [None] * racers

    def race(i):
        try:
            results[i] = patch_activity(aid, {"title": f"racer {i}"}, key, if_match='"7"')
        except Exception as e:  # noqa: BLE001: reported below
            results[i] = e

    threads = [threading.Thread(target=race, args=(i,)) for i in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 2)
    statuses = sorted(r.status if isinstance(r, Response) else repr(r) for r in results)
    T.is_(statuses, [200] + [409] * (racers - 1),
          f'{racers} concurrent PATCHes with If-Match "7": one 200, the others 409')
    winners = [r for r in results if isinstance(r, Response) and r.status == 200]
    losers = [r for r in results if isinstance(r, Response) and r.status == 409]
    T.ok(all((r.json or {}).get("error", {}).get("details") == {"current_version": 8} for r in losers),
         "the losers are told the winner's version 8", "\n".join(r.describe() for r in losers[:2]))
    won = answer_data(winners[0]).get("title") if winners else None
    T.is_(column(aid, "title || '|' || version"), f"{won}|8",
          "concurrent PATCHes: the row holds the winner's title, version 8 (psql)")


def test_activity_delete_restore(ctx):
    key = ctx["a_write"]
    contact = f"c_life_{RUN}"
    company = f"co_life_{RUN}"
    ids = []
    for day in (1, 2, 3):
        resp = post({"activity_type": "note", "contact_id": contact, "company_id": company,
                     "title": f"day {day}", "occurred_at": f"2026-03-0{day}T10:00:00Z"}, key)
        ids.append(body_data(resp).get("id"))
    T.ok(all(ids), "delete/restore: three notes logged", repr(ids))
    first, middle, last = ids
    order = [last, middle, first]
    T.is_(timeline(contact_path(contact), key), (3, order), "the contact's timeline: three, newest first")
    T.is_(timeline(company_path(company), key), (3, order), "the company's timeline: the same three")
    page2 = get(contact_path(contact, "page=2&page_size=1"), key)
    T.is_([a.get("id") for a in (page2.json or {}).get("data", [])], [middle],
          "the middle note is page 2 of size 1")

    # refused deletes write nothing
    before = row_state(middle)
    unknown = unknown_activity_id()
    resp_unknown = delete_activity(unknown, key)
    check_envelope(resp_unknown, 404, "not_found", "DELETE an unknown id")
    for label, call, status, code in (
            ("a read key", lambda: delete_activity(middle, ctx["a_read"]), 403, "forbidden"),
            ("a reader JWT", lambda: delete_activity(middle, headers={
                "Authorization": "Bearer " + jwt({"role": "clarky_reader", "workspace_id": ctx["ws_a"]})}),
             403, "forbidden"),
            ("no key", lambda: delete_activity(middle), 401, "unauthorized"),
            ("B's write key", lambda: delete_activity(middle, ctx["b_write"]), 404, "not_found"),
            ("B's write key and If-Match", lambda: delete_activity(middle, ctx["b_write"], if_match='"1"'),
             404, "not_found"),
            ('a stale If-Match "7"', lambda: delete_activity(middle, key, if_match='"7"'), 409, "conflict"),
            ("a malformed If-Match", lambda: delete_activity(middle, key, if_match="1"), 400, "bad_request"),
            ("a query string", lambda: delete_activity(middle, key, path=activity_path(middle) + "?id=x"),
             400, "bad_request")):
        resp = call()
        check_envelope(resp, status, code, f"DELETE with {label}")
        T.is_(row_state(middle), before, f"DELETE with {label}: nothing written (psql)")
        if code == "conflict":
            T.is_((resp.json or {}).get("error", {}).get("details"), {"current_version": 1},
                  "DELETE with a stale If-Match: details name the current version 1", resp)
        if label == "B's write key":
            same_envelope(resp, middle, resp_unknown, unknown,
                          "DELETE A's activity with B's key: the same answer as an unknown id")
    T.is_(timeline(contact_path(contact), key), (3, order), "after the refused deletes: still three")

    # the delete
    resp = delete_activity(middle, key, if_match='"1"')
    T.ok(resp.status == 204 and resp.body == b"", 'DELETE with If-Match "1": 204 without a body',
         resp.describe())
    T.is_(column(middle, "deleted_at IS NOT NULL AND version = 2"), "t",
          "DELETE: the row is soft-deleted, version 2 (psql)")
    T.is_(timeline(contact_path(contact), key), (2, [last, first]),
          "after the delete: the contact's timeline and total leave it out")
    T.is_(timeline(company_path(company), key), (2, [last, first]),
          "after the delete: the company's timeline and total leave it out")
    T.is_(timeline(contact_path(contact, "activity_type=note"), key), (2, [last, first]),
          "after the delete: the type-filtered timeline too")

    # a deleted activity is not there
    deleted = row_state(middle)
    check_envelope(get_activity(middle, key), 404, "not_found", "GET a deleted activity")
    check_envelope(patch_activity(middle, {"title": "ghost"}, key), 404, "not_found",
                   "PATCH a deleted activity")
    check_envelope(delete_activity(middle, key), 404, "not_found", "DELETE a deleted activity again")
    check_envelope(delete_activity(middle, key, if_match='"2"'), 404, "not_found",
                   "DELETE a deleted activity again, with its If-Match")
    T.is_(row_state(middle), deleted, "GET, PATCH and DELETE of the deleted activity: nothing written (psql)")

    # refused restores write nothing
    resp_unknown = restore_activity(unknown, key)
    check_envelope(resp_unknown, 404, "not_found", "restore an unknown id")
    for label, call, status, code in (
            ("a read key", lambda: restore_activity(middle, ctx["a_read"]), 403, "forbidden"),
            ("no key", lambda: restore_activity(middle), 401, "unauthorized"),
            ("a badly signed JWT", lambda: restore_activity(middle, headers={
                "Authorization": "Bearer " + jwt({"role": "clarky_writer", "workspace_id": ctx["ws_a"]},
                                                 secret="y" * 40)}), 401, "unauthorized"),
            ("B's write key", lambda: restore_activity(middle, ctx["b_write"]), 404, "not_found"),
            ("a query string", lambda: restore_activity(
                middle, key, path=activity_path(middle, "/restore") + "?select=id"), 400, "bad_request")):
        resp = call()
        check_envelope(resp, status, code, f"restore with {label}")
        T.is_(row_state(middle), deleted, f"restore with {label}: nothing written (psql)")
        if label == "B's write key":
            same_envelope(resp, middle, resp_unknown, unknown,
                          "restore A's deleted activity with B's key: the same answer as an unknown id")

    # the restore
    resp = restore_activity(middle, key)
    restored = check_answer(resp, {"id": middle, "title": "day 2",
                                   "occurred_at": "2026-03-02T10:00:00.000Z"},
                            "restore the deleted activity", version=3)
    T.is_(resp.header("ETag"), '"3"', 'restore: ETag "3"')
    T.is_(column(middle, "deleted_at IS NULL AND version = 3"), "t",
          "restore: the row is live again, version 3 (psql)")
    T.is_(timeline(contact_path(contact), key), (3, order),
          "after the restore: back on the contact's timeline at the same position, total 3")
    T.is_(timeline(company_path(company), key), (3, order),
          "after the restore: back on the company's timeline, total 3")
    page2 = get(contact_path(contact, "page=2&page_size=1"), key)
    T.is_([a.get("id") for a in (page2.json or {}).get("data", [])], [middle],
          "after the restore: page 2 of size 1 is the middle note again")
    T.is_(answer_data(get_activity(middle, ctx["a_read"])), restored,
          "after the restore: GET shows the restored activity")
    live = row_state(middle)
    resp = restore_activity(middle, key)
    check_envelope(resp, 404, "not_found", "restore an activity that is not deleted")
    T.is_(row_state(middle), live, "restore of a live activity: nothing written (psql)")

    # without If-Match, with a body the DELETE ignores; restored by a writer JWT
    resp = delete_activity(first, key, body='{"ignored": true}', headers={"Content-Type": "text/plain"})
    T.ok(resp.status == 204 and resp.body == b"",
         "DELETE without If-Match, with a body (ignored): 204 without a body", resp.describe())
    T.is_(timeline(contact_path(contact), key), (2, [last, middle]), "after deleting the oldest: two")
    writer = jwt({"role": "clarky_writer", "workspace_id": ctx["ws_a"]})
    resp = restore_activity(first, headers={"Authorization": f"Bearer {writer}",
                                            "Content-Type": "application/json"}, body='{"x": 1}')
    check_answer(resp, {"id": first}, "restore with a writer JWT (a body, ignored)", version=3)
    T.is_(timeline(contact_path(contact), key), (3, order), "after restoring the oldest: three again")
    # a deleted activity of A cannot be restored from B, nor seen there
    resp = delete_activity(last, key)
    T.is_(resp.status, 204, "DELETE the newest", resp)
    gone = row_state(last)
    check_envelope(restore_activity(last, headers={"Authorization": "Bearer " + jwt(
        {"role": "clarky_writer", "workspace_id": ctx["ws_b"]})}), 404, "not_found",
        "restore A's deleted activity with a writer JWT of B")
    T.is_(row_state(last), gone, "restore from B: the activity stays deleted (psql)")
    T.is_(timeline(contact_path(contact), ctx["b_read"]), (0, []), "B sees nothing of the contact")


def test_activity_methods(ctx):
    key = ctx["a_write"]
    resp = post({"activity_type": "note", "contact_id": f"c_methods_{RUN}"}, key)
    aid = body_data(resp).get("id") or unknown_activity_id()
    headers = dict(auth(key), **{"Content-Type": "application/json"})
    for method, path, allow in (("POST", activity_path(aid), "GET, HEAD, PATCH, DELETE"),
                                ("PUT", activity_path(aid), "GET, HEAD, PATCH, DELETE"),
                                ("OPTIONS", activity_path(aid), "GET, HEAD, PATCH, DELETE"),
                                ("GET", activity_path(aid, "/restore"), "POST"),
                                ("HEAD", activity_path(aid, "/restore"), "POST"),
                                ("PATCH", activity_path(aid, "/restore"), "POST"),
                                ("DELETE", activity_path(aid, "/restore"), "POST"),
                                ("PUT", activity_path(aid, "/restore"), "POST")):
        before = row_state(aid)
        resp = request(method, path, headers, "{}" if method not in ("GET", "HEAD") else None)
        if method == "HEAD":
            T.ok(resp.status == 405 and resp.body == b"", f"{method} {path}: 405 without a body",
                 resp.describe())
        else:
            check_envelope(resp, 405, "method_not_allowed", f"{method} {path}")
        T.is_(resp.header("Allow"), allow, f"{method} {path}: Allow: {allow}")
        T.is_(row_state(aid), before, f"{method} {path}: nothing written (psql)")
    for path in ("/api/v1/activities/", activity_path(aid, "/extra"), activity_path(aid, "/restore/x"),
                 activity_path(aid, "/"), "/api/v1/activities//restore",
                 "/_clarky/get/key", "/_clarky/update/key", "/_clarky/delete/jwt",
                 "/_clarky/restore/key", "/rpc/get_activity"):
        check_envelope(get(path, key), 404, "not_found", f"GET {path}")
    before = row_state(aid)
    resp = request("POST", "/_clarky/delete/key", headers, "{}")
    check_envelope(resp, 404, "not_found", "POST /_clarky/delete/key (a proxying location)")
    T.is_(row_state(aid), before, "POST /_clarky/delete/key: nothing written (psql)")


def test_upstream_down(ctx):
    """Last: stop PostgREST (by the pid test.sh recorded) and expect nginx's
    500 internal_error envelope instead of its HTML error page."""
    pidfile = os.environ.get("CLARKY_POSTGREST_PIDFILE", "")
    if not pidfile:
        T.diag("CLARKY_POSTGREST_PIDFILE not set: the upstream-down checks are skipped")
        return
    with open(pidfile, encoding="ascii") as f:
        pid = int(f.read().strip())
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        cmdline = f.read()
    if not T.ok(b"postgrest" in cmdline, "the pid file names the running PostgREST", repr(cmdline)):
        return
    os.kill(pid, 15)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if not f.read():  # a zombie: gone
                    break
        except FileNotFoundError:
            break
        time.sleep(0.1)
    before = row_count()
    check_envelope(get(contact_path("c_01HXYZ"), ctx["a_read"]), 500, "internal_error",
                   "PostgREST down: GET a timeline")
    check_envelope(post({"activity_type": "note", "contact_id": "c_01HXYZ"}, ctx["a_write"]), 500,
                   "internal_error", "PostgREST down: POST an activity")
    for path in ("/api/v1/", "/api/v1/openapi.json", "/api/v1/docs"):
        T.is_(get(path).status, 200, f"PostgREST down: GET {path} is still served (by nginx alone)")
    aid = unknown_activity_id()
    check_envelope(get_activity(aid, ctx["a_read"]), 500, "internal_error",
                   "PostgREST down: GET an activity")
    check_envelope(patch_activity(aid, {"title": "x"}, ctx["a_write"]), 500, "internal_error",
                   "PostgREST down: PATCH an activity")
    check_envelope(delete_activity(aid, ctx["a_write"]), 500, "internal_error",
                   "PostgREST down: DELETE an activity")
    check_envelope(restore_activity(aid, ctx["a_write"]), 500, "internal_error",
                   "PostgREST down: restore an activity")
    check_envelope(put_member("co_down", "c_down", ctx["a_write"]), 500, "internal_error",
                   "PostgREST down: PUT a membership")
    check_envelope(put_member("co_down", "c_down", ctx["a_write"], body={"backfill": True}), 500,
                   "internal_error", "PostgREST down: PUT a membership with a body")
    check_envelope(delete_member("co_down", "c_down", ctx["a_write"]), 500, "internal_error",
                   "PostgREST down: DELETE a membership")
    check_envelope(get(contacts_path("co_down"), ctx["a_read"]), 500, "internal_error",
                   "PostgREST down: GET a company's contacts")
    T.is_(row_count(), before, "PostgREST down: no row written")


def check_all_conformed(responses):
    """The OpenAPI document loaded, and every one of the responses checked
    (named by `responses`) conformed to it; False if it did not load."""
    if not T.ok(CHECKER is not None, "the OpenAPI document loads (deploy/openapi.json, jsonschema)",
                CHECKER_ERROR):
        return False
    failures = CHECKER.failures
    T.ok(CHECKER.checked > 0 and not failures,
         f"every one of the {CHECKER.checked} {responses} conforms to the OpenAPI document "
         f"({len(failures)} did not)",
         "\n".join(f"{line}: {'; '.join(problems)}" for line, problems in failures[:20]))
    return True


def check_conformance():
    """Last: every response from nginx conformed to the OpenAPI document, and
    every operation of the document got at least one response."""
    if not check_all_conformed("responses from nginx"):
        return
    seen_ops = {(t, m) for t, m, _ in CHECKER.seen}
    missing = sorted({f"{m.upper()} {t}" for t, m, _ in CHECKER.operations()} -
                     {f"{m} {t}" for t, m in seen_ops})
    T.ok(not missing, "every operation of the OpenAPI document got a conforming response",
         "none for: " + ", ".join(missing))
    unseen = sorted(CHECKER.declared() - CHECKER.seen)
    T.diag(f"declared (operation, status) pairs seen: {len(CHECKER.declared()) - len(unseen)} "
           f"of {len(CHECKER.declared())}; not seen: " +
           ", ".join(f"{m} {t} {s}" for t, m, s in unseen))


def main():
    for var in ("CLARKY_HTTP_URL", "CLARKY_POSTGREST_URL"):
        if var not in os.environ:
            T.diag(f"{var} not set; using the default")
    ctx = {"ws_a": f"ws_http_a_{RUN}", "ws_b": f"ws_http_b_{RUN}"}
    try:
        ctx["a_write"] = create_key(ctx["ws_a"], ["read", "write"], "http tests: A write")
        ctx["a_read"] = create_key(ctx["ws_a"], ["read"], "http tests: A read")
        ctx["b_write"] = create_key(ctx["ws_b"], ["read", "write"], "http tests: B write")
        ctx["b_read"] = create_key(ctx["ws_b"], ["read"], "http tests: B read")
        T.ok(all(re.match(r"^ck_live_[0-9a-z]{30,31}$", ctx[k]) for k in
                 ("a_write", "a_read", "b_write", "b_read")),
             "four API keys created through psql", repr(ctx))
    except Exception:  # noqa: BLE001: report, then stop
        T.ok(False, "API keys created through psql", traceback.format_exc())
        print(f"1..{T.n}")
        return 1
    for test in (test_openapi, test_seed_examples, test_pagination_and_company, test_encoded_ids, test_headers,
                 test_validation, test_bad_request, test_unauthorized, test_revoked,
                 test_forbidden, test_not_found_and_methods, test_workspaces, test_pool_leak,
                 test_jwt, test_tags, test_company_scope, test_memberships, test_membership_list,
                 test_membership_timelines, test_activity_get, test_activity_patch, test_activity_delete_restore,
                 test_activity_methods, test_upstream_down):
        try:
            test(ctx)
        except Exception:  # noqa: BLE001: one broken group must not hide the others
            T.ok(False, f"{test.__name__} ran to its end", traceback.format_exc())
    check_conformance()
    print(f"1..{T.n}")
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main())
