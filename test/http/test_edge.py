#!/usr/bin/env python3
"""HTTP tests of the nginx edge of clarky_activity's API (deploy/nginx.conf.in),
over real HTTP on loopback: what reaches PostgREST and what does not, and that
every failure, whoever produces it, is Clarky's error envelope.

Python 3 standard library only; prints TAP like test_api.py, whose helpers it
imports, and runs with the same environment (scripts/test.sh sets it):
CLARKY_HTTP_URL, CLARKY_POSTGREST_URL, CLARKY_JWT_SECRET_FILE, CLARKY_PSQL and
PGHOST, PGPORT, PGUSER, PGDATABASE. It leaves PostgREST running (test_api.py's
last tests stop it, so scripts/test.sh runs this file first).

Requests that http.client will not send (bytes that are not ASCII in the
request line, TRACE and CONNECT, odd protocol versions) go out on a raw
socket, see raw_request. Every response from nginx to a request with a path
is checked against the OpenAPI document, as in test_api.py, except on paths
that nginx normalises before it routes them (dot segments, doubled or
encoded slashes): the document's checker matches the path as sent.
"""

import http.client
import json
import os
import socket
import sys
import traceback
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_api import (  # noqa: E402: after the path is set
    CHECKER, HTTP_URL, POSTGREST_URL, RUN, TIMEOUT, T, Response, activity_path, auth, body_data,
    check_all_conformed, check_envelope, contact_path, company_path, create_key, delete_activity, get,
    get_activity, jwt, patch_activity, post, request, restore_activity, row_count, row_state)


# ---- raw requests --------------------------------------------------------------

def raw_request(head, body=b"", method_for_parse=None, base=None):
    """Send head (the request line and headers, bytes, without the blank line
    that ends them) and body exactly as given on a fresh connection; parse the
    answer with http.client. "Connection: close" is added."""
    url = urllib.parse.urlsplit(base or HTTP_URL)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise RuntimeError(f"refusing a non-loopback address: {url.hostname}")
    method = method_for_parse or head.split(b" ", 1)[0].decode("latin-1")
    target = head.split(b"\r\n", 1)[0].decode("latin-1")
    sock = socket.create_connection((url.hostname, url.port), timeout=TIMEOUT)
    try:
        sock.sendall(head + b"\r\nConnection: close\r\n\r\n" + body)
        resp = http.client.HTTPResponse(sock, method=method)
        resp.begin()
        data = resp.read()
        return Response(method, target, resp.status, resp.reason, resp.headers, data)
    finally:
        sock.close()


def normalised(path):
    """Whether nginx rewrites the path before it routes it."""
    path = path.split("?", 1)[0].lower()
    return "/." in path or "/%2e" in path or "//" in path or "%2f.." in path


def raw(method, path, headers=None, body=b"", host=b"127.0.0.1"):
    """A request whose method, path and header values are bytes sent as they
    are; the response checked against the OpenAPI document."""
    lines = [method + b" " + path + b" HTTP/1.1", b"Host: " + host]
    for name, value in (headers or {}).items():
        lines.append(name + b": " + value)
    if body:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    resp = raw_request(b"\r\n".join(lines), body, method_for_parse=method.decode("latin-1"))
    target = path.decode("latin-1")
    if CHECKER is not None and not normalised(target):
        for problem in CHECKER.check(resp.method, target, resp.status, resp.headers, resp.body):
            T.diag(f"OpenAPI: {resp.method} {target} -> {resp.status}: {problem}")
    return resp


def unchecked(method, path, headers=None, body=None):
    """request() on a path that nginx normalises (see normalised): not
    checked against the OpenAPI document, which describes the routes as
    nginx sees them after that."""
    return request(method, path, headers, body, base=None if not normalised(path) else HTTP_URL)


def bearer(key):
    return {b"Authorization": b"Bearer " + key.encode("ascii")}


def note(contact, **fields):
    return json.dumps(dict({"activity_type": "note", "contact_id": contact}, **fields))


def no_html(resp, name):
    T.ok(b"<html" not in resp.body.lower() and b"nginx" not in resp.body.lower(),
         f"{name}: not nginx's HTML page", resp.describe())


# ---- the tests -------------------------------------------------------------------

INTERNAL = ("/_clarky/list/key", "/_clarky/list/jwt", "/_clarky/log/key", "/_clarky/log/jwt",
            "/_clarky/get/key", "/_clarky/get/jwt", "/_clarky/update/key", "/_clarky/update/jwt",
            "/_clarky/delete/key", "/_clarky/delete/jwt", "/_clarky/restore/key",
            "/_clarky/restore/jwt", "/_clarky/error/bad_request", "/_clarky/error/not_found",
            "/_clarky/error/too_large", "/_clarky/error/internal_error", "/_clarky/site/docs.html")


def disguises(target):
    """target, and paths that nginx normalises to it: dot segments, their
    percent-encoded forms, doubled slashes, encoded slashes in an id."""
    rest = target[1:]
    return (target,
            "/api/v1/../.." + target,
            "/api/v1/%2e%2e/%2E%2E" + target,
            "/api/v1/.%2e/%2e." + target,
            "/api/v1//..//..//" + rest,
            "/api/v1/contacts/c/activities/../../../../.." + target,
            "/api/v1/activities/x%2F..%2F..%2F..%2F..%2F" + rest.replace("/", "%2F"))


def test_internal_locations(ctx):
    """The proxying and envelope locations answer only through the public
    routes: any other way there is an unknown path, and writes nothing."""
    key = ctx["a_write"]
    writer = jwt({"role": "clarky_writer", "workspace_id": ctx["ws_a"]})
    contact = f"c_internal_{RUN}"
    victim = body_data(post(note(contact, title="victim"), key)).get("id")
    T.ok(victim is not None, "internal locations: an activity to aim at")
    for target in INTERNAL:
        before_rows, before_victim = row_count(), row_state(victim)
        credentials = auth(key) if target.endswith("/key") else {"Authorization": f"Bearer {writer}"}
        for path in disguises(target):
            # a request that PostgREST would take, and one that skips the
            # public checks (no JSON Content-Type, a query string)
            for method, ctype, query in (("POST", "application/json", ""),
                                         ("POST", "text/plain", f"?select=id&contact_id={contact}"),
                                         ("GET", None, f"?contact_id={contact}")):
                headers = dict(credentials, **{"X-Clarky-Activity-Id": victim})
                if ctype:
                    headers["Content-Type"] = ctype
                resp = unchecked(method, path + query, headers,
                                 note(contact, title="smuggled") if method == "POST" else None)
                check_envelope(resp, 404, "not_found", f"{method} {path}{query} ({ctype})")
        T.is_((row_count(), row_state(victim)), (before_rows, before_victim),
              f"{target} by any path: nothing written (psql)")
    # a path that normalises to a public route gets that route's checks
    before = row_count()
    resp = unchecked("POST", "/api/v1/contacts/../activities",
                     dict(auth(key), **{"Content-Type": "text/plain"}), note(contact))
    check_envelope(resp, 400, "bad_request", "POST /api/v1/contacts/../activities (text/plain)",
                   message="Content-Type")
    resp = unchecked("POST", "/api/v1/x/%2e%2e/activities?select=id",
                     dict(auth(key), **{"Content-Type": "application/json"}), note(contact))
    check_envelope(resp, 400, "bad_request", "POST /api/v1/x/%2e%2e/activities?select=id")
    T.is_(row_count(), before, "the public route's checks apply after normalisation: nothing written")
    resp = unchecked("POST", "/api/v1/x/../activities", dict(auth(key), **{"Content-Type": "application/json"}),
                     note(contact, title="through the front door"))
    T.is_(resp.status, 201, "POST /api/v1/x/../activities, checked like /api/v1/activities: 201", resp)


# as sent in a path or query (percent-encoded, or raw), and what they stand for
NOT_UTF8 = ((b"%FF", "a byte that never starts UTF-8"), (b"%C3%28", "a lead byte without its continuation"),
            (b"%C0%AF", "an overlong /"), (b"%ED%A0%80", "a surrogate"), (b"%F4%90%80%80", "past U+10FFFF"),
            (b"%e2%82", "a truncated sequence, lower-case hex"), (b"\xff", "a raw 0xFF byte"),
            (b"caf\xe9", "Latin-1 bytes"))


def decoded(seq):
    return urllib.parse.unquote_to_bytes(seq)


def check_not_utf8(resp, part, name):
    check_envelope(resp, 400, "bad_request", name, message=f"{part} must be UTF-8")


def test_not_utf8(ctx):
    """Bytes that are not UTF-8 (and NUL) in the path, the query or a header
    that reaches PostgREST: 400 bad_request, nothing written; UTF-8 passes."""
    key = ctx["a_write"]
    contact = f"c_utf8_{RUN}"
    aid = body_data(post(note(contact), key)).get("id") or ""
    before_rows, before = row_count(), row_state(aid)
    for seq, label in NOT_UTF8:
        for method, path in ((b"GET", b"/api/v1/contacts/c" + seq + b"/activities"),
                             (b"HEAD", b"/api/v1/companies/" + seq + b"/activities"),
                             (b"GET", b"/api/v1/activities/a_" + seq),
                             (b"PATCH", b"/api/v1/activities/a_" + seq),
                             (b"DELETE", b"/api/v1/activities/" + seq),
                             (b"POST", b"/api/v1/activities/" + seq + b"/restore"),
                             (b"GET", b"/api/v1/companies/co" + seq + b"/contacts"),
                             (b"PUT", b"/api/v1/companies/co" + seq + b"/contacts/c1"),
                             (b"DELETE", b"/api/v1/companies/co1/contacts/c" + seq)):
            headers = {**bearer(key), b"Content-Type": b"application/json"}
            resp = raw(method, path, headers, b"{}" if method in (b"PATCH", b"POST") else b"")
            name = f"{method.decode()} a path with {label}"
            if method == b"HEAD":
                T.ok(resp.status == 400 and resp.body == b"", f"{name}: 400 without a body", resp.describe())
            else:
                check_not_utf8(resp, "the path", name)
        for query in (b"activity_type=" + seq, b"page=1&page_size=" + seq, seq + b"=1"):
            resp = raw(b"GET", contact_path(contact).encode() + b"?" + query, bearer(key))
            check_not_utf8(resp, "the query string", f"GET ?{query.decode('latin-1')} ({label})")
        value = decoded(seq)
        for name, headers in (("Authorization", {b"Authorization": b"Bearer ck_live_" + value}),
                              ("X-Api-Key", {b"X-Api-Key": b"ck_live_" + value}),
                              ("If-Match", {**bearer(key), b"If-Match": b'"' + value + b'"'})):
            headers = {b"Content-Type": b"application/json", **headers}
            for method, path in ((b"GET", contact_path(contact).encode()),
                                 (b"POST", b"/api/v1/activities"),
                                 (b"PATCH", activity_path(aid).encode())):
                body = {b"GET": b"", b"POST": note(contact).encode(), b"PATCH": b'{"title": "x"}'}[method]
                resp = raw(method, path, headers, body)
                check_not_utf8(resp, "a request header", f"{method.decode()} with {label} in {name}")
    resp = raw(b"GET", contact_path(contact).encode() + b"?page=%00", bearer(key))
    check_not_utf8(resp, "the query string", "GET ?page=%00 (NUL)")
    resp = raw(b"POST", b"/api/v1/activities?x=%FF", {**bearer(key), b"Content-Type": b"application/json"},
               note(contact).encode())
    check_envelope(resp, 400, "bad_request", "POST /api/v1/activities?x=%FF")
    T.is_((row_count(), row_state(aid)), (before_rows, before),
          "requests with bytes that are not UTF-8: nothing written (psql)")

    # Content-Type goes upstream as application/json: its bytes do not matter
    ctype = {**bearer(key), b"Content-Type": b"application/json; x=\xff\xc3("}
    resp = raw(b"POST", b"/api/v1/activities", ctype, note(contact).encode())
    T.is_(resp.status, 201, "POST with bytes that are not UTF-8 in a parameter of Content-Type: 201", resp)
    resp = raw(b"PATCH", activity_path(aid).encode(), ctype, b'{"title": "typed"}')
    T.ok(resp.status == 200 and (resp.json or {}).get("data", {}).get("title") == "typed",
         "PATCH with them: 200, the title changed", resp.describe())
    T.is_((row_count(), row_state(aid) != before), (before_rows + 1, True),
          "those two: one row written, the activity changed (psql)")

    # UTF-8 passes, raw or percent-encoded, in the path, the query and headers
    contact = f"caf\u00e9 \U0001F600 {RUN}"
    T.is_(post(note(contact), key).status, 201, "UTF-8: an activity for a contact with \u00e9 and an emoji")
    unencoded = contact.replace(" ", "%20").encode("utf-8")
    for label, path in (("percent-encoded", contact_path(contact).encode()),
                        ("raw", b"/api/v1/contacts/" + unencoded + b"/activities")):
        resp = raw(b"GET", path, bearer(key))
        data = (resp.json or {}).get("data") if isinstance(resp.json, dict) else None
        T.ok(resp.status == 200 and [a.get("contact_id") for a in data or []] == [contact],
             f"UTF-8 path ({label}): the contact's timeline", resp.describe())
    for query in (b"activity_type=%E2%82%AC", b"activity_type=\xe2\x82\xac", b"activity_type=%zz"):
        resp = raw(b"GET", contact_path(contact).encode() + b"?" + query, bearer(key))
        check_envelope(resp, 422, "validation_error", f"GET ?{query.decode('utf-8')} (UTF-8, not a type)",
                       field="activity_type")
    resp = raw(b"GET", contact_path(contact).encode(), {b"X-Api-Key": "ck_live_\u00e9".encode("utf-8")})
    check_envelope(resp, 401, "unauthorized", "X-Api-Key with UTF-8 that is no key: the function's 401",
                   message="malformed")


def test_header_allowlist(ctx):
    """Only the credentials, Content-Type, If-Match and the activity id reach
    PostgREST: headers that PostgREST would act on, or choke on, do nothing."""
    key = ctx["a_write"]
    contact = f"c_allow_{RUN}"
    strict = {"Prefer": "handling=strict, nonsense=1"}
    resp = get(f"/rpc/contact_activities?contact_id={contact}", headers={**strict, "X-Api-Key": key},
               base=POSTGREST_URL)
    T.is_(resp.status, 400, "PostgREST itself refuses Prefer: handling=strict with an unknown preference",
          resp)
    resp = raw_request(b"GET /rpc/contact_activities?contact_id=c HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"X-Api-Key: " + key.encode() + b"\r\nX-Anything: \xff",
                       base=POSTGREST_URL)
    T.is_(resp.status, 500, "PostgREST itself answers 500 to a header that is not UTF-8", resp)

    before = row_count()
    noise = {b"Prefer": b"handling=strict, nonsense=1, tx=rollback, return=minimal",
             b"X-Anything": b"\xff\xfe", b"Cookie": b"session=\xff", b"User-Agent": b"agent \xc0\xaf",
             b"Referer": b"http://example.com/\xed\xa0\x80", b"Accept": b"text/csv",
             b"Accept-Profile": b"clarky", b"Content-Profile": b"clarky", b"Range": b"0-0",
             b"X-Forwarded-For": b"\xff"}
    headers = {**bearer(key), **noise}
    resp = raw(b"POST", b"/api/v1/activities", {**headers, b"Content-Type": b"application/json"},
               note(contact, title="despite the noise").encode())
    T.is_(resp.status, 201, "POST with Prefer, Range, profiles and headers that are not UTF-8: 201", resp)
    aid = body_data(resp).get("id") or ""
    T.is_(row_count(), before + 1, "POST with the noise: one row written (not rolled back)")
    resp = raw(b"GET", contact_path(contact).encode(), headers)
    data = (resp.json or {}).get("data") if isinstance(resp.json, dict) else None
    T.ok(resp.status == 200 and [a.get("id") for a in data or []] == [aid]
         and (resp.header("Content-Type") or "").startswith("application/json"),
         "GET a timeline with the noise: 200, JSON, the activity", resp.describe())
    resp = raw(b"GET", activity_path(aid).encode(), headers)
    T.ok(resp.status == 200 and (resp.json or {}).get("data", {}).get("id") == aid,
         "GET an activity with the noise: 200", resp.describe())
    resp = raw(b"PATCH", activity_path(aid).encode(),
               {**headers, b"Content-Type": b"application/merge-patch+json", b"If-Match": b'"1"'},
               b'{"title": "patched"}')
    T.ok(resp.status == 200 and (resp.json or {}).get("data", {}).get("version") == 2,
         "PATCH with the noise and If-Match \"1\": 200, version 2 (If-Match reaches the function)",
         resp.describe())
    resp = raw(b"DELETE", activity_path(aid).encode(), {**headers, b"If-Match": b'"1"'})
    check_envelope(resp, 409, "conflict", "DELETE with the noise and a stale If-Match")
    # a client's own X-Clarky-Activity-Id never replaces the one in the path
    mine, other = (body_data(post(note(contact, title=t), key)).get("id") or "" for t in ("mine", "other"))
    resp = raw(b"GET", activity_path(mine).encode(), {**bearer(key), b"X-Clarky-Activity-Id": other.encode()})
    T.is_((resp.json or {}).get("data", {}).get("id") if isinstance(resp.json, dict) else None, mine,
          "GET with a client's X-Clarky-Activity-Id: the id in the path wins", resp)



def test_methods(ctx):
    """TRACE and CONNECT (which nginx refuses before any location) and methods
    it does not know: 405 with the route's Allow, like every wrong method;
    404 on a path that is none of the API's; nothing written."""
    key = ctx["a_write"]
    aid = body_data(post(note(f"c_methods_{RUN}"), key)).get("id") or ""
    routes = ((contact_path("c1"), "GET, HEAD"), (company_path("co1"), "GET, HEAD"),
              ("/api/v1/activities", "POST"), (activity_path(aid), "GET, HEAD, PATCH, DELETE"),
              (activity_path(aid, "/restore"), "POST"), ("/api/v1/", "GET, HEAD"),
              ("/api/v1/openapi.json", "GET, HEAD"), ("/api/v1/docs", "GET, HEAD"),
              ("/api/v1/x/../activities", "POST"), ("/api/v1/companies/co1/contacts", "GET, HEAD"),
              ("/api/v1/companies/co1/contacts/c1", "PUT, DELETE"))
    before = (row_count(), row_state(aid))
    for method in (b"TRACE", b"CONNECT", b"FOO", b"PROPFIND", b"M-SEARCH", b"BREW"):
        for path, allow in routes:
            name = f"{method.decode()} {path}"
            resp = raw(method, path.encode(), {**bearer(key), b"Content-Type": b"application/json"}, b"{}")
            check_envelope(resp, 405, "method_not_allowed", name)
            T.is_(resp.header("Allow"), allow, f"{name}: Allow: {allow}")
        for path in ("/nope", "/api/v1/../../_clarky/log/key", "/_clarky/error/internal_error",
                     "/_clarky/site/docs.html"):
            resp = raw(method, path.encode(), bearer(key))
            check_envelope(resp, 404, "not_found", f"{method.decode()} {path}")
    T.is_((row_count(), row_state(aid)), before, "TRACE, CONNECT and unknown methods: nothing written (psql)")
    # what nginx cannot read as a request at all
    for name, head in (("a lower-case method", b"get /api/v1/ HTTP/1.1\r\nHost: x"),
                       ("CONNECT to an authority", b"CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: x"),
                       ("HTTP/2.0 on HTTP/1 (505)", b"GET /api/v1/ HTTP/2.0\r\nHost: x"),
                       ("a Transfer-Encoding nginx does not know (501)",
                        b"POST /api/v1/activities HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip")):
        resp = raw_request(head, method_for_parse="GET")
        check_envelope(resp, 400, "bad_request", name)
        no_html(resp, name)



# what PostgREST's and PostgreSQL's own answers to such tokens say
INTERNAL_NAMES = (b"permission denied", b'role \\"', b"42501", b"22023", b"clarky_api", b"pre_request",
                  b"clarky_authenticator", b"set role", b'"hint"')


def test_jwt_roles(ctx):
    """A validly signed JWT whose role is none of the API's: Clarky's 401, no
    internal names, nothing written; a reader's token that writes stays 403."""
    key = ctx["a_write"]
    contact = f"c_roles_{RUN}"
    aid = body_data(post(note(contact), key)).get("id") or ""
    before = (row_count(), row_state(aid))
    routes = (("GET a timeline", lambda h: get(contact_path(contact), headers=h)),
              ("GET a timeline ?page=2", lambda h: get(contact_path(contact, "page=2"), headers=h)),
              ("GET an activity", lambda h: get_activity(aid, headers=h)),
              ("POST an activity", lambda h: post(note(contact), headers=h)),
              ("PATCH an activity", lambda h: patch_activity(aid, {"title": "x"}, headers=h)),
              ("DELETE an activity", lambda h: delete_activity(aid, headers=h)),
              ("restore an activity", lambda h: restore_activity(aid, headers=h)))
    roles = ["postgres", "clarky_admin", "clarky_analyst", "clarky_authenticator", "pg_read_all_data",
             "no_such_role", "", 5, ["clarky_writer"]]
    for role in roles:
        token = jwt({"role": role, "workspace_id": ctx["ws_a"]})
        for label, call in routes:
            # a role that does not exist is PostgREST's 400, which on a POST or
            # PATCH nginx cannot tell from a body that is no JSON (see the README)
            ambiguous = (role in ("no_such_role", "", 5, ["clarky_writer"])
                         and label.split()[0] in ("POST", "PATCH"))
            name = f"{label} with a JWT of role {role!r}"
            resp = call({"Authorization": f"Bearer {token}"})
            if ambiguous:
                check_envelope(resp, 400, "bad_request", name, message="role of the token does not exist")
            else:
                check_envelope(resp, 401, "unauthorized", name, message="role of the token")
                T.is_(resp.header("WWW-Authenticate"), "Bearer", f"{name}: WWW-Authenticate: Bearer")
            T.ok(not any(n in resp.body for n in INTERNAL_NAMES)
                 and (not isinstance(role, str) or len(role) < 3 or role.encode() not in resp.body),
                 f"{name}: no internal names in the answer", resp.describe())
    T.is_((row_count(), row_state(aid)), before,
          "JWTs of roles that are not the API's: nothing written (psql)")
    # HEAD of an activity: the status alone
    resp = request("HEAD", activity_path(aid), {"Authorization": "Bearer " + jwt({"role": "postgres"})})
    T.ok(resp.status == 401 and resp.body == b"", "HEAD with a JWT of role postgres: 401, no body",
         resp.describe())
    # the tokens of the API roles are unchanged
    reader = {"Authorization": "Bearer " + jwt({"role": "clarky_reader", "workspace_id": ctx["ws_a"]})}
    for label, call in routes[3:]:
        resp = call(reader)
        check_envelope(resp, 403, "forbidden", f"{label} with a reader JWT", message="read scope only")
    T.is_((row_count(), row_state(aid)), before, "a reader JWT that writes: nothing written (psql)")
    T.is_(get(contact_path(contact), headers=reader).status, 200, "a reader JWT reads the timeline: 200")
    check_envelope(get(contact_path(contact, "page=eq.1"), headers=reader), 400, "bad_request",
                   "a reader JWT with a filter-like ?page=eq.1", message="query parameter")
    writer = {"Authorization": "Bearer " + jwt({"role": "clarky_writer", "workspace_id": ctx["ws_a"]})}
    resp = post("{", headers=writer)
    check_envelope(resp, 400, "bad_request", "a writer JWT that POSTs a body that is no JSON",
                   message="must be a JSON object")
    resp = post("[]", headers=writer)
    check_envelope(resp, 400, "bad_request", "a writer JWT that POSTs a JSON array (the function's 400)",
                   message="request body must be a JSON object")
    T.ok("role" not in str((resp.json or {}).get("error", {}).get("message")),
         "the function's 400 to a writer JWT names no role", resp.describe())
    T.is_((row_count(), row_state(aid)), before, "the writer JWT's bad bodies: nothing written (psql)")



def nested(depth, leaf="1"):
    return "[" * depth + leaf + "]" * depth


def chunked(data, size=65536):
    return b"".join(b"%x\r\n" % len(data[i:i + size]) + data[i:i + size] + b"\r\n"
                    for i in range(0, len(data), size)) + b"0\r\n\r\n"


def test_body_limits(ctx):
    """A body nested beyond what PostgreSQL parses is told so (not "too
    large"); one over 1 MiB, with Content-Length or chunked, is too large."""
    key = ctx["a_write"]
    writer = {"Authorization": "Bearer " + jwt({"role": "clarky_writer", "workspace_id": ctx["ws_a"]})}
    contact = f"c_deep_{RUN}"
    aid = body_data(post(note(contact), key)).get("id") or ""
    before = (row_count(), row_state(aid))
    deep = 20000  # PostgreSQL's parser gives up at some 14,500 levels (max_stack_depth 2MB)
    for label, body in (("metadata", {"metadata": {"a": "@"}}), ("title", {"title": "@"}),
                        ("an unknown field", {"extra": "@"})):
        text = json.dumps(dict({"activity_type": "note", "contact_id": contact}, **body))
        text = text.replace('"@"', nested(deep))
        for who, headers in (("a key", auth(key)), ("a writer JWT", writer)):
            resp = post(text, headers=headers)
            name = f"POST with {label} nested {deep} deep ({len(text)} bytes), {who}"
            check_envelope(resp, 400, "bad_request", name, message="nests arrays or objects too deeply")
            resp = patch_activity(aid, text.replace(f'"contact_id": "{contact}", ', ""), headers=headers)
            check_envelope(resp, 400, "bad_request", name.replace("POST", "PATCH"),
                           message="nests arrays or objects too deeply")
    resp = post(json.dumps({"activity_type": "note", "contact_id": contact, "metadata": {"a": "@"}})
                .replace('"@"', nested(40)), key)
    check_envelope(resp, 422, "validation_error", "POST with metadata nested 41 deep: the function's 422",
                   field="metadata")
    big = note(contact, description="x" * (1 << 20)).encode()
    for method, path in ((b"POST", b"/api/v1/activities"), (b"PATCH", activity_path(aid).encode()),
                         (b"DELETE", activity_path(aid).encode()),
                         (b"POST", activity_path(aid, "/restore").encode())):
        for how, head, body in (
                ("Content-Length", b"Content-Length: %d" % len(big), big),
                ("chunked", b"Transfer-Encoding: chunked", chunked(big))):
            resp = raw_request(method + b" " + path + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                               + key.encode() + b"\r\nContent-Type: application/json\r\n" + head, body)
            check_envelope(resp, 400, "bad_request",
                           f"{method.decode()} {path.decode()}: a body over 1 MiB ({how})", message="too large")
    T.is_((row_count(), row_state(aid)), before, "bodies nested too deeply or too large: nothing written (psql)")



def test_content_type_case(ctx):
    """Media types are case-insensitive: APPLICATION/JSON is JSON."""
    key = ctx["a_write"]
    contact = f"c_case_{RUN}"
    for ctype in ("APPLICATION/JSON", "Application/Json; Charset=UTF-8", "application/JSON ;charset=utf-8"):
        before = row_count()
        resp = post(note(contact, title=ctype), key, content_type=ctype)
        T.is_(resp.status, 201, f"POST with Content-Type {ctype}: 201", resp)
        T.is_(row_count(), before + 1, f"POST with Content-Type {ctype}: one row written (psql)")
    aid = body_data(post(note(contact), key)).get("id") or ""
    for version, ctype in enumerate(("APPLICATION/MERGE-PATCH+JSON", "Application/Json",
                                     "application/Merge-Patch+Json; charset=UTF-8"), start=2):
        resp = patch_activity(aid, {"title": ctype}, key, content_type=ctype)
        data = (resp.json or {}).get("data", {}) if isinstance(resp.json, dict) else {}
        T.ok(resp.status == 200 and data.get("title") == ctype and data.get("version") == version,
             f"PATCH with Content-Type {ctype}: 200, version {version}", resp.describe())
    before = row_count()
    for ctype in ("APPLICATION/XML", "Text/Plain", "application/jsonx"):
        check_envelope(post(note(contact), key, content_type=ctype), 400, "bad_request",
                       f"POST with Content-Type {ctype}", message="Content-Type")
    T.is_(row_count(), before, "POST with other media types: nothing written (psql)")



def test_every_producer(ctx):
    """Every failure is Clarky's envelope with Content-Type application/json,
    whoever produces it: nginx itself, PostgREST (its errors rewritten by
    nginx) and the extension's functions (passed through). (PostgREST down,
    nginx's 500: the last tests of test_api.py.)"""
    key, read = ctx["a_write"], ctx["a_read"]
    contact = f"c_producers_{RUN}"
    aid = body_data(post(note(contact), key)).get("id") or ""
    token = jwt({"role": "clarky_writer", "workspace_id": ctx["ws_a"]})
    bad_sig = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    host = b"\r\nHost: x"
    cases = (
        ("nginx", "a request line that is no HTTP", lambda: raw_request(b"HELLO", method_for_parse="GET"),
         400, "bad_request"),
        ("nginx", "HTTP/1.1 without Host", lambda: raw_request(b"GET /api/v1/ HTTP/1.1"), 400, "bad_request"),
        ("nginx", "a request line over 8 KiB (414)",
         lambda: raw_request(b"GET /api/v1/" + b"x" * 9000 + b" HTTP/1.1" + host), 400, "bad_request"),
        ("nginx", "a header over 8 KiB (494)",
         lambda: raw_request(b"GET /api/v1/ HTTP/1.1" + host + b"\r\nX-Big: " + b"y" * 9000),
         400, "bad_request"),
        ("nginx", "a Content-Length that is no number",
         lambda: raw_request(b"POST /api/v1/activities HTTP/1.1" + host + b"\r\nContent-Length: x"),
         400, "bad_request"),
        ("nginx", "HTTP/2.0 (505)", lambda: raw_request(b"GET /api/v1/ HTTP/2.0" + host), 400, "bad_request"),
        ("nginx", "Transfer-Encoding: gzip (501)",
         lambda: raw_request(b"POST /api/v1/activities HTTP/1.1" + host + b"\r\nTransfer-Encoding: gzip"),
         400, "bad_request"),
        ("nginx", "a body over 1 MiB (413)", lambda: post(note(contact, description="x" * (1 << 20)), key),
         400, "bad_request"),
        ("nginx", "an unknown path", lambda: get("/api/v1/nope", key), 404, "not_found"),
        ("nginx", "an internal location by a traversal", lambda: get("/api/v1/../../_clarky/get/key", key),
         404, "not_found"),
        ("nginx", "a wrong method", lambda: request("PUT", "/api/v1/activities", auth(key), "{}"),
         405, "method_not_allowed"),
        ("nginx", "TRACE", lambda: raw(b"TRACE", b"/api/v1/activities"), 405, "method_not_allowed"),
        ("nginx", "a path that is not UTF-8",
         lambda: raw(b"GET", b"/api/v1/contacts/%FF/activities", bearer(key)),
         400, "bad_request"),
        ("nginx", "no Content-Type", lambda: post(note(contact), key, content_type=None), 400, "bad_request"),
        ("nginx", "a malformed If-Match", lambda: patch_activity(aid, {"title": "x"}, key, if_match="3"),
         400, "bad_request"),
        ("nginx", "an unsupported query parameter", lambda: get(contact_path(contact, "select=id"), key),
         400, "bad_request"),
        ("PostgREST", "a body that is no JSON (PGRST102)", lambda: post("{", key), 400, "bad_request"),
        ("PostgREST", "a filter-like query value (42703)", lambda: get(contact_path(contact, "page=eq.1"), key),
         400, "bad_request"),
        ("PostgREST", "a badly signed JWT (PGRST301)",
         lambda: get(contact_path(contact), headers={"Authorization": f"Bearer {bad_sig}"}),
         401, "unauthorized"),
        ("PostgREST", "a Bearer token with dots that is no JWT",
         lambda: get_activity(aid, headers={"Authorization": "Bearer not.a.jwt"}), 401, "unauthorized"),
        ("PostgREST", "a JWT of role postgres (42501, 403)",
         lambda: post(note(contact), headers={"Authorization": "Bearer " + jwt({"role": "postgres"})}),
         401, "unauthorized"),
        ("PostgREST", "a JWT of a role that does not exist (22023, 400)",
         lambda: delete_activity(aid, headers={"Authorization": "Bearer " + jwt({"role": "nobody"})}),
         401, "unauthorized"),
        ("PostgREST", "a body nested 20,000 deep (54001, 413)",
         lambda: post(note(contact, metadata="@").replace('"@"', nested(20000)), key), 400, "bad_request"),
        ("extension", "no key", lambda: get(contact_path(contact)), 401, "unauthorized"),
        ("extension", "an unknown key", lambda: get_activity(aid, headers={"X-Api-Key": "ck_live_" + "0" * 30}),
         401, "unauthorized"),
        ("extension", "a read key that writes", lambda: post(note(contact), read), 403, "forbidden"),
        ("extension", "an unknown activity", lambda: get_activity("a_" + "0" * 26, key), 404, "not_found"),
        ("extension", "a stale If-Match", lambda: delete_activity(aid, key, if_match='"99"'), 409, "conflict"),
        ("extension", "a field that fails validation", lambda: post(note(contact, due_date="soon"), key),
         422, "validation_error"),
        ("extension", "a parameter that fails validation", lambda: get(contact_path(contact, "page=0"), key),
         422, "validation_error"),
    )
    before = (row_count(), row_state(aid))
    for producer, label, call, status, code in cases:
        name = f"{producer}: {label}"
        resp = call()
        check_envelope(resp, status, code, name)
        no_html(resp, name)
    T.is_((row_count(), row_state(aid)), before, "every failure: nothing written (psql)")



def test_conformance(ctx):
    """Last: every response checked against the OpenAPI document conformed."""
    check_all_conformed("responses checked")


def main():
    ctx = {"ws_a": f"ws_edge_a_{RUN}", "ws_b": f"ws_edge_b_{RUN}"}
    try:
        ctx["a_write"] = create_key(ctx["ws_a"], ["read", "write"], "edge tests: A write")
        ctx["a_read"] = create_key(ctx["ws_a"], ["read"], "edge tests: A read")
    except Exception:  # noqa: BLE001: report, then stop
        T.ok(False, "API keys created through psql", traceback.format_exc())
        print(f"1..{T.n}")
        return 1
    for test in (test_internal_locations, test_not_utf8, test_header_allowlist, test_methods,
                 test_jwt_roles, test_body_limits, test_content_type_case,
                 test_every_producer, test_conformance):
        try:
            test(ctx)
        except Exception:  # noqa: BLE001: one broken group must not hide the others
            T.ok(False, f"{test.__name__} ran to its end", traceback.format_exc())
    print(f"1..{T.n}")
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main())
