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
socket, see raw_request.
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
    HTTP_URL, POSTGREST_URL, RUN, TIMEOUT, T, Response, activity_path, auth, body_data,
    check_envelope, contact_path, company_path, create_key, delete_activity, get, get_activity,
    jwt, patch_activity, post, request, restore_activity, row_count, row_state)


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


def raw(method, path, headers=None, body=b"", host=b"127.0.0.1"):
    """A request whose method, path and header values are bytes sent as they are."""
    lines = [method + b" " + path + b" HTTP/1.1", b"Host: " + host]
    for name, value in (headers or {}).items():
        lines.append(name + b": " + value)
    if body:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    return raw_request(b"\r\n".join(lines), body, method_for_parse=method.decode("latin-1"))


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
            "/_clarky/error/too_large", "/_clarky/error/internal_error")


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
                resp = request(method, path + query, headers,
                               note(contact, title="smuggled") if method == "POST" else None)
                check_envelope(resp, 404, "not_found", f"{method} {path}{query} ({ctype})")
        T.is_((row_count(), row_state(victim)), (before_rows, before_victim),
              f"{target} by any path: nothing written (psql)")
    # a path that normalises to a public route gets that route's checks
    before = row_count()
    resp = request("POST", "/api/v1/contacts/../activities", dict(auth(key), **{"Content-Type": "text/plain"}),
                   note(contact))
    check_envelope(resp, 400, "bad_request", "POST /api/v1/contacts/../activities (text/plain)",
                   message="Content-Type")
    resp = request("POST", "/api/v1/x/%2e%2e/activities?select=id",
                   dict(auth(key), **{"Content-Type": "application/json"}), note(contact))
    check_envelope(resp, 400, "bad_request", "POST /api/v1/x/%2e%2e/activities?select=id")
    T.is_(row_count(), before, "the public route's checks apply after normalisation: nothing written")
    resp = request("POST", "/api/v1/x/../activities", dict(auth(key), **{"Content-Type": "application/json"}),
                   note(contact, title="through the front door"))
    T.is_(resp.status, 201, "POST /api/v1/x/../activities, checked like /api/v1/activities: 201", resp)


def main():
    ctx = {"ws_a": f"ws_edge_a_{RUN}", "ws_b": f"ws_edge_b_{RUN}"}
    try:
        ctx["a_write"] = create_key(ctx["ws_a"], ["read", "write"], "edge tests: A write")
        ctx["a_read"] = create_key(ctx["ws_a"], ["read"], "edge tests: A read")
    except Exception:  # noqa: BLE001: report, then stop
        T.ok(False, "API keys created through psql", traceback.format_exc())
        print(f"1..{T.n}")
        return 1
    for test in (test_internal_locations,):
        try:
            test(ctx)
        except Exception:  # noqa: BLE001: one broken group must not hide the others
            T.ok(False, f"{test.__name__} ran to its end", traceback.format_exc())
    print(f"1..{T.n}")
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main())
