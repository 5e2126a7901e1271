#!/usr/bin/env python3
"""Tests of the API's OpenAPI document, deploy/openapi.json, and of its
reference page, against the files, the C sources and the running nginx.

Prints TAP, as test_api.py does (whose request function, which checks every
response from nginx against the document, these tests use). Run by
scripts/test.sh with test_api.py's environment and:

  CLARKY_REDOCLY     Redocly CLI (install_openapi_tools in scripts/lib.sh)
  CLARKY_CHROMIUM    headless Chromium (Debian's chromium)
  CLARKY_SCREENSHOT  where to write the page's screenshot (default: a
                     temporary file); docs/api-reference.png is one

The document:
  - is tidy (2-space JSON, as json.dumps writes it) and OpenAPI 3.1;
  - passes Redocly's lint with no error and no warning, which does fail on a
    broken copy of it (so the run is no formality);
  - has valid JSON Schema 2020-12 schemas, and every example in it is valid
    against its schema;
  - agrees with src/activity_fields.h (the Activity object's fields in order,
    their types, limits and nullability; what a create payload and a patch
    take), with validate.h and clarky_activity.h (activity types, page
    sizes), with the README's table of error codes and statuses, and with the
    routes the header of deploy/nginx.conf.in lists;
  - names nothing of the upstream (PostgREST, /rpc/, internal headers).
nginx serves it byte for byte, and serves the Redoc page built from it, which
headless Chromium renders with every operation, loading nothing from outside
loopback; its screenshot is written.
"""

import copy
import email.message
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import traceback
import urllib.parse
import zlib

import jsonschema

import openapi_check
import test_api as api

T = api.T
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DOC_PATH = os.path.join(REPO, "deploy", "openapi.json")
REDOCLY = os.environ.get("CLARKY_REDOCLY",
                         "/var/cache/clarky_activity/openapi-tools/node_modules/.bin/redocly")
REDOCLY_CONFIG = os.path.join(REPO, "deploy", "openapi-tools", "redocly.yaml")
CHROMIUM = os.environ.get("CLARKY_CHROMIUM", "/usr/bin/chromium")
SCREENSHOT = os.environ.get("CLARKY_SCREENSHOT", "")
WINDOW = (1440, 3600)  # the screenshot's size: the introduction and the first route

with open(DOC_PATH, "rb") as f:
    DOC_BYTES = f.read()
DOC = json.loads(DOC_BYTES)
SCHEMAS = DOC["components"]["schemas"]


def read(*parts):
    with open(os.path.join(REPO, *parts), encoding="utf-8") as f:
        return f.read()


# ---- the C sources -------------------------------------------------------------

def activity_fields():
    """The CLARKY_FIELD lines of src/activity_fields.h, in order, as dicts."""
    names = ("tag", "name", "column", "kind", "limit", "on_create", "on_patch", "rendered")
    fields = []
    for line in read("src", "activity_fields.h").splitlines():
        m = re.match(r"^CLARKY_FIELD\((.*)\)\s*$", line)
        if m:
            values = [v.strip().strip('"') for v in m.group(1).split(",")]
            fields.append(dict(zip(names, values)))
    return fields


def c_defines(*files):
    """The integer #defines of the named headers of src/."""
    out = {}
    for name in files:
        for m in re.finditer(r"^#define\s+(\w+)\s+(\d+)\b", read("src", name), re.M):
            out[m.group(1)] = int(m.group(2))
    return out


def is_nullable(schema):
    t = schema.get("type")
    if t == "null" or (isinstance(t, list) and "null" in t):
        return True
    return any(s.get("type") == "null" for s in schema.get("anyOf", []))


def referenced(schema):
    """The component a schema refers to (directly or as a nullable anyOf), or None."""
    for s in [schema] + schema.get("anyOf", []):
        if "$ref" in s:
            return s["$ref"].rsplit("/", 1)[1]
    return None


# ---- running things ------------------------------------------------------------

def run(argv, timeout=180, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)


def redocly_lint(path):
    """(exit status, totals, problems) of redocly lint on path."""
    out = run([REDOCLY, "lint", "--config", REDOCLY_CONFIG, "--format", "json", path])
    try:
        report = json.loads(out.stdout)
    except ValueError:
        return out.returncode, None, out.stdout[-2000:] + out.stderr[-2000:]
    return out.returncode, report.get("totals"), report.get("problems", [])


def chromium(args, netlog=None):
    """Headless Chromium with a profile of its own, on the page."""
    profile = tempfile.mkdtemp(prefix="clarky-chromium-")
    argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--disable-background-networking", "--disable-sync",
            "--disable-component-update", "--disable-default-apps", "--mute-audio",
            "--hide-scrollbars", "--no-pings", "--disable-domain-reliability",
            "--disable-features=AutofillServerCommunication,OptimizationHints,Translate,MediaRouter",
            f"--user-data-dir={profile}", "--virtual-time-budget=15000"]
    if netlog:
        argv.append(f"--log-net-log={netlog}")
    try:
        return run(argv + args + [api.HTTP_URL + "/api/v1/docs"], timeout=120)
    finally:
        subprocess.run(["rm", "-rf", profile], check=False)


def netlog_requests(path):
    """(initiator, url) of every URL request in a Chromium network log; the
    initiator is the origin of the page that made it (Chromium's own
    background requests have none)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        try:
            log = json.loads(text)
        except ValueError:  # a log cut short at exit: close its event list
            log = json.loads(text.rstrip().rstrip(",") + "]}")
    except (OSError, ValueError):
        return []
    start = log.get("constants", {}).get("logEventTypes", {}).get("URL_REQUEST_START_JOB")
    return [(e["params"].get("initiator"), e["params"]["url"]) for e in log.get("events", [])
            if e.get("type") == start and "url" in e.get("params", {})]


def png_facts(path):
    """(width, height, distinct byte values of the raw pixel rows) of a PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos, idat, width, height = 8, b"", None, None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


# ---- the tests -----------------------------------------------------------------

def test_document(checker):
    T.ok(DOC_BYTES.decode("utf-8") == json.dumps(DOC, indent=2, ensure_ascii=False) + "\n",
         "deploy/openapi.json is tidy: 2-space JSON as json.dumps writes it, one newline at the end")
    T.ok(re.match(r"^3\.1\.\d+$", DOC.get("openapi", "")) is not None, "the document is OpenAPI 3.1",
         repr(DOC.get("openapi")))
    status, totals, problems = redocly_lint(DOC_PATH)
    T.ok(status == 0 and totals is not None and totals.get("errors") == 0 and totals.get("warnings") == 0,
         "redocly lint (OpenAPI 3.1 structure, references, examples against schemas): "
         "no error, no warning", f"exit {status}, totals {totals}\n{json.dumps(problems, indent=1)[:3000]}")

    # the lint bites: broken copies of the document fail it
    broken = {
        "a path parameter left undeclared": lambda d: d["paths"]["/api/v1/activities/{id}"]["get"].pop("parameters"),
        "a reference to no schema": lambda d: d["components"]["schemas"]["ActivityPage"]["properties"]
        ["data"]["items"].update({"$ref": "#/components/schemas/Activty"}),
        "an example that its schema refuses": lambda d: d["components"]["responses"]["Forbidden"]
        ["content"]["application/json"]["examples"]["read_only"]["value"]["error"].update(code="nope"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for label, breakit in broken.items():
            doc = copy.deepcopy(DOC)
            breakit(doc)
            path = os.path.join(tmp, "openapi.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f)
            status, totals, problems = redocly_lint(path)
            T.ok(status != 0 and totals is not None and totals.get("errors", 0) > 0,
                 f"redocly lint fails a copy with {label}", f"exit {status}, totals {totals}")

    refs = set(re.findall(r'"\$ref": "#/components/(\w+/[\w.-]+)"', DOC_BYTES.decode("utf-8")))
    unused = [f"{kind}/{name}" for kind, items in DOC["components"].items() if kind != "securitySchemes"
              for name in items if f"{kind}/{name}" not in refs]
    unused += [name for name in DOC["components"]["securitySchemes"]
               if not any(name in req for _, _, op in checker.operations() for req in op.get("security", []))]
    T.ok(not unused, "every component of the document is used", ", ".join(unused))

    bad = []
    for name, schema in SCHEMAS.items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            bad.append(f"{name}: {e.message}")
    T.ok(not bad, f"all {len(SCHEMAS)} component schemas are valid JSON Schema 2020-12", "\n".join(bad))


def examples_of(checker):
    """(where, schema, value) of every example in the document."""
    def media(where, content):
        for ctype, m in content.items():
            if "example" in m:
                yield f"{where} {ctype}", m["schema"], m["example"]
            for name, e in m.get("examples", {}).items():
                yield f"{where} {ctype} example {name}", m["schema"], checker.resolve(e)["value"]

    for template, method, op in checker.operations():
        where = f"{method.upper()} {template}"
        if "requestBody" in op:
            yield from media(f"{where} request", checker.resolve(op["requestBody"])["content"])
        for p in op.get("parameters", []):
            p = checker.resolve(p)
            if "example" in p:
                yield f"{where} parameter {p['name']}", p["schema"], p["example"]
        for status, r in op["responses"].items():
            r = checker.resolve(r)
            yield from media(f"{where} {status}", r.get("content", {}))
            for name, h in r.get("headers", {}).items():
                h = checker.resolve(h)
                if "example" in h:
                    yield f"{where} {status} header {name}", h["schema"], h["example"]
    for name, r in DOC["components"]["responses"].items():
        yield from media(f"response {name}", r.get("content", {}))
    for name, schema in SCHEMAS.items():
        for value in schema.get("examples", []):
            yield f"schema {name}", schema, value

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    for prop, schema in value.items():
                        for e in schema.get("examples", []) if isinstance(schema, dict) else []:
                            yield f"{where}.{prop}", schema, e
                yield from walk(value, f"{where}/{key}")
    yield from walk(SCHEMAS, "schemas")


def test_examples(checker):
    bad, count = [], 0
    for where, schema, value in examples_of(checker):
        count += 1
        bad += [f"{where}: {m}" for m in checker.schema_errors(schema, value)]
    T.ok(count > 20 and not bad, f"every one of the document's {count} examples is valid against its schema",
         "\n".join(bad[:20]))
    seed = DOC["paths"]["/api/v1/activities"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    T.is_(seed["note"]["value"], {"activity_type": "note", "contact_id": "c_01HXYZ", "title": "Follow-up needed",
                                  "description": "Customer asked about migration help next quarter."},
          "the POST examples include the seed's note, as the seed has it")
    # the checker's own schema keyword bites: a drifted Activity fails
    activity = checker.resolve(DOC["paths"]["/api/v1/activities/{id}"]["get"]["responses"]["200"])
    good = activity["content"]["application/json"]["examples"]["note"]["value"]["data"]
    schema = SCHEMAS["Activity"]
    for label, drifted in (
            ("keys out of order", dict([("contact_id", good["contact_id"])] +
                                       [(k, v) for k, v in good.items() if k != "contact_id"])),
            ("without version", {k: v for k, v in good.items() if k != "version"}),
            ("with deleted_at", dict(good, deleted_at=None)),
            ("a timestamp with an offset", dict(good, created_at="2026-04-29T19:25:00+00:00")),
            ("duration_minutes as a string", dict(good, duration_minutes="32")),
            ("an activity_type of none of the seven", dict(good, activity_type="email"))):
        T.ok(checker.schema_errors(schema, drifted), f"the Activity schema refuses an activity {label}")


def headers_of(**named):
    """Case-insensitive response headers, as http.client gives them."""
    msg = email.message.Message()
    for name, value in named.items():
        msg[name.replace("_", "-")] = value
    return msg


def test_checker(checker):
    """The response check bites: responses that drift from the document fail it."""
    note = checker.resolve(DOC["paths"]["/api/v1/activities/{id}"]["get"]["responses"]["200"])
    note = note["content"]["application/json"]["examples"]["note"]["value"]
    body = json.dumps(note).encode()
    path = "/api/v1/activities/" + note["data"]["id"]
    ok_headers = headers_of(Content_Type="application/json", ETag='"1"')
    T.is_(checker.problems("GET", path, 200, ok_headers, body), [],
          "the response check passes the document's own example answer of GET /api/v1/activities/{id}")
    envelope = json.dumps({"error": {"code": "not_found", "message": "no such endpoint", "details": None}}).encode()
    allow = headers_of(Content_Type="application/json", Allow="GET, HEAD, PATCH, DELETE")
    for label, args in (
            ("a status the operation does not declare (418)", ("GET", path, 418, ok_headers, body)),
            ("a 200 without its ETag", ("GET", path, 200, headers_of(Content_Type="application/json"), body)),
            ("a malformed ETag", ("GET", path, 200, headers_of(Content_Type="application/json", ETag="1"), body)),
            ("another Content-Type", ("GET", path, 200, headers_of(Content_Type="text/plain", ETag='"1"'), body)),
            ("a body that is no JSON", ("GET", path, 200, ok_headers, b"{")),
            ("a page where one activity is declared",
             ("GET", path, 200, ok_headers, json.dumps({"data": [note["data"]]}).encode())),
            ("an Activity with an extra key",
             ("GET", path, 200, ok_headers, json.dumps({"data": dict(note["data"], workspace_id="ws")}).encode())),
            ("a body on a HEAD", ("HEAD", path, 200, ok_headers, body)),
            ("a body on a 204", ("DELETE", path, 204, headers_of(), b"{}")),
            ("an unknown path answered 200", ("GET", "/api/v1/nope", 200, ok_headers, body)),
            ("a PUT answered 200", ("PUT", path, 200, ok_headers, body)),
            ("a 405 whose Allow differs from the path item's methods",
             ("PUT", path, 405, headers_of(Content_Type="application/json", Allow="GET"), envelope)),
            ("a 405 with another code", ("PUT", path, 405, allow, envelope)),
            ("a 404 envelope without details",
             ("GET", path, 404, headers_of(Content_Type="application/json"),
              b'{"error": {"code": "not_found", "message": "x"}}')),
            ("a 401 without WWW-Authenticate",
             ("GET", path, 401, headers_of(Content_Type="application/json"),
              b'{"error": {"code": "unauthorized", "message": "x", "details": null}}'))):
        T.ok(checker.problems(*args), f"the response check fails {label}")


def test_fields(checker):
    fields = activity_fields()
    defines = c_defines("validate.h", "clarky_activity.h")
    rendered = [f["name"] for f in fields if f["rendered"] == "RENDER_ALWAYS"]
    activity = SCHEMAS["Activity"]
    T.ok(len(fields) >= 15, f"src/activity_fields.h describes {len(fields)} fields", repr(fields))
    T.is_(list(activity["properties"]), rendered,
          "the Activity schema's properties are the rendered fields of src/activity_fields.h, in order")
    T.is_(activity.get("required"), rendered, "the Activity schema requires every one of them")
    T.ok(activity.get("additionalProperties") is False and activity.get("x-clarky-keys-in-order") is True,
         "the Activity schema allows no other key and keeps its keys in order")
    hidden = [f["name"] for f in fields if f["rendered"] == "RENDER_DELETED"]
    T.ok(hidden and not set(hidden) & set(activity["properties"]),
         f"fields rendered only where deleted activities are shown ({', '.join(hidden)}) are not in it: "
         "the HTTP API shows no deleted activity")
    never = [f["name"] for f in fields if f["rendered"] == "RENDER_NEVER"]
    T.ok(never and all(f["on_create"] == "FIELD_SERVER" and f["on_patch"] == "FIELD_FIXED"
                       for f in fields if f["rendered"] == "RENDER_NEVER")
         and not any(name in SCHEMAS[s]["properties"] for name in never
                     for s in ("Activity", "ActivityCreate", "ActivityPatch")),
         f"fields never rendered ({', '.join(never)}) are in no schema: neither answered nor accepted")

    kind_checks = {
        "FIELD_KIND_ID": lambda s, lim: "string" in s.get("type", []) and s.get("minLength") == 1
        and s.get("maxLength") == lim,
        "FIELD_KIND_TEXT": lambda s, lim: "string" in s.get("type", []) and s.get("maxLength") == lim
        and "minLength" not in s,
        "FIELD_KIND_TYPE": lambda s, lim: referenced(s) == "ActivityType",
        "FIELD_KIND_TIMESTAMP": lambda s, lim: referenced(s) in ("Timestamp", "TimestampInput"),
        "FIELD_KIND_DURATION": lambda s, lim: "number" in s.get("type", []) and s.get("minimum") == 0
        and s.get("maximum") == lim,
        "FIELD_KIND_METADATA": lambda s, lim: "object" in s.get("type", []) and s.get("x-clarky-max-bytes") == lim
        and s.get("x-clarky-max-depth") == defines["CLARKY_MAX_METADATA_DEPTH"],
        "FIELD_KIND_VERSION": lambda s, lim: s.get("type") == "integer" and s.get("minimum") == 1,
        # an id list: distinct ids, each as a FIELD_KIND_ID of CLARKY_MAX_ID_CHARS
        "FIELD_KIND_ID_LIST": lambda s, lim: "array" in s.get("type", []) and s.get("maxItems") == lim
        and s.get("uniqueItems") is True and "string" in s.get("items", {}).get("type", [])
        and s["items"].get("minLength") == 1
        and s["items"].get("maxLength") == defines["CLARKY_MAX_ID_CHARS"],
    }

    def limit(f):
        return int(f["limit"]) if f["limit"].isdigit() else defines[f["limit"]]

    def check_kinds(schema_name, names, nullable_when):
        props = SCHEMAS[schema_name]["properties"]
        wrong = []
        for f in fields:
            if f["name"] not in names:
                continue
            s = props.get(f["name"], {})
            if not kind_checks[f["kind"]](s, limit(f)):
                wrong.append(f"{f['name']}: {f['kind']} with limit {limit(f)}, but {json.dumps(s)}")
            if is_nullable(s) != nullable_when(f):
                wrong.append(f"{f['name']}: nullable is {is_nullable(s)} ({f['on_create']}, {f['on_patch']})")
        return wrong

    # (an id list is answered as an array, [] when empty, though a patch may clear it with null)
    wrong = check_kinds("Activity", rendered,
                        lambda f: f["on_patch"] == "FIELD_SETTABLE" and f["kind"] != "FIELD_KIND_ID_LIST")
    wrong += [f"{name}: answers are UTC with milliseconds" for name, f in
              ((f["name"], f) for f in fields if f["kind"] == "FIELD_KIND_TIMESTAMP" and f["name"] in rendered)
              if referenced(activity["properties"][name]) != "Timestamp"]
    T.ok(not wrong, "each Activity property has the type, limits and nullability its field has in "
         "src/activity_fields.h and validate.h (null exactly where a patch may clear it)", "\n".join(wrong))

    create = [f["name"] for f in fields if f["on_create"] != "FIELD_SERVER"]
    T.is_(list(SCHEMAS["ActivityCreate"]["properties"]), create,
          "the POST body's properties are the fields a create payload takes (not FIELD_SERVER), in order")
    T.is_(SCHEMAS["ActivityCreate"].get("required"),
          [f["name"] for f in fields if f["on_create"] == "FIELD_REQUIRED"],
          "the POST body requires the FIELD_REQUIRED fields")
    wrong = check_kinds("ActivityCreate", create, lambda f: f["on_create"] != "FIELD_REQUIRED")
    T.ok(not wrong and SCHEMAS["ActivityCreate"].get("additionalProperties") is False,
         "each POST body property has its field's type and limits, null (absent) allowed but for the "
         "required, and no other key", "\n".join(wrong))

    patch = [f["name"] for f in fields if f["on_patch"] != "FIELD_FIXED"]
    T.is_(sorted(SCHEMAS["ActivityPatch"]["properties"]), sorted(patch),
          "the PATCH body's properties are the fields a patch may change (not FIELD_FIXED)")
    wrong = check_kinds("ActivityPatch", patch,
                        lambda f: f["on_patch"] in ("FIELD_SETTABLE", "FIELD_MERGED"))
    T.ok(not wrong and SCHEMAS["ActivityPatch"].get("additionalProperties") is False,
         "each PATCH body property has its field's type and limits, null where a patch may clear "
         "or empty it, and no other key", "\n".join(wrong))

    types = re.search(r'#define CLARKY_ACTIVITY_TYPE_LIST\s*\\\s*"([^"]*)"', read("src", "validate.h"))
    T.is_(SCHEMAS["ActivityType"]["enum"], types.group(1).split(", ") if types else None,
          "ActivityType lists validate.h's seven types, in order")
    params = DOC["components"]["parameters"]
    T.is_((params["PageSize"]["schema"].get("maximum"), params["PageSize"]["schema"].get("default"),
           SCHEMAS["Pagination"]["properties"]["page_size"].get("maximum"),
           SCHEMAS["ActivityPage"]["properties"]["data"].get("maxItems")),
          (defines["CLARKY_MAX_PAGE_SIZE"], defines["CLARKY_DEFAULT_PAGE_SIZE"],
           defines["CLARKY_MAX_PAGE_SIZE"], defines["CLARKY_MAX_PAGE_SIZE"]),
          "page_size: the maximum and default of clarky_activity.h")


def envelope_code(checker, response):
    """The error code a response object's envelope schema fixes, or None."""
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    schema = checker.resolve(schema)
    return schema.get("properties", {}).get("error", {}).get("properties", {}).get("code", {}).get("const")


def test_errors_and_routes(checker):
    readme = read("README.md")
    table = readme[readme.index("Every failure is Clarky's envelope"):]
    table = table[:table.index("\n\n", table.index("| code |"))]
    statuses = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\| `(\w+)` \| (\d{3}) \|", table, re.M)}
    T.ok(len(statuses) >= 8, f"the README's table of error codes has {len(statuses)} codes", table)
    T.is_(sorted(SCHEMAS["ErrorCode"]["enum"]), sorted(statuses),
          "ErrorCode lists the codes of the README's table")
    answered, wrong = {}, []
    responses = [(f"{m.upper()} {t}", s, r) for t, m, op in checker.operations() for s, r in op["responses"].items()]
    responses += [(f"unrouted {k}", s, r) for k, v in DOC["x-clarky-unrouted"].items() if isinstance(v, dict)
                  for s, r in v.items()]
    for where, status, r in responses:
        r = checker.resolve(r)
        code = envelope_code(checker, r)
        if code is None:
            if int(status) >= 400 and not (where.startswith("HEAD ") and "content" not in r):
                wrong.append(f"{where} {status}: no error envelope with a fixed code")
            continue
        answered.setdefault(code, set()).add(int(status))
        if statuses.get(code) != int(status):
            wrong.append(f"{where} {status}: code {code}, which the README answers with {statuses.get(code)}")
    T.ok(not wrong, "every error response of the document is the envelope with the code the README "
         "gives its status", "\n".join(wrong))
    T.is_(sorted(answered), sorted(statuses), "every code of the README's table is answered somewhere")

    # the routes: those deploy/nginx.conf.in's header lists, and no other
    header = read("deploy", "nginx.conf.in").split("\nuser ", 1)[0]
    listed = set()
    for m in re.finditer(r"^#\s+([A-Z|]+)\s+(/api/v1/[^\s?]*)", header, re.M):
        for method in m.group(1).split("|"):
            listed.add(f"{method} {re.sub(r'{[^}]*}', '{}', m.group(2))}")
    documented = {f"{m.upper()} {re.sub(r'{[^}]*}', '{}', t)}" for t, m, _ in checker.operations()}
    T.is_(sorted(documented), sorted(listed),
          "the document's operations are the routes deploy/nginx.conf.in lists (methods and paths)")
    wrong = [f"{m.upper()} {t}" for t, m, op in checker.operations()
             if not op.get("summary") or not op.get("description") or not op.get("operationId")]
    T.ok(not wrong, "every operation has an operationId, a summary and a description", ", ".join(wrong))

    text = DOC_BYTES.decode("utf-8")
    pgrst_port = urllib.parse.urlsplit(api.POSTGREST_URL).port
    leaks = [w for w in ("/rpc/", "rpc_", "postgrest", "pre_request", "_clarky", "x-clarky-activity-id",
                         "clarky_api", "clarky_anon", "clarky_reader", "clarky_writer", "127.0.0.1",
                         "localhost", "upstream", f":{pgrst_port}")
             if w in text.lower()]
    T.ok(not leaks, "the document names nothing of the upstream (PostgREST, /rpc/, its port, internal "
         "headers, roles, hosts)", f"found: {leaks}")


def test_served(checker):
    resp = api.get("/api/v1/openapi.json")
    T.is_(resp.status, 200, "GET /api/v1/openapi.json: 200", resp)
    T.is_((resp.header("Content-Type") or "").split(";")[0], "application/json",
          "GET /api/v1/openapi.json: Content-Type application/json")
    T.ok(resp.body == DOC_BYTES, "GET /api/v1/openapi.json serves deploy/openapi.json byte for byte",
         f"{len(resp.body)} bytes served, {len(DOC_BYTES)} in the file")
    resp = api.get("/api/v1/openapi.json", headers={"If-None-Match": "*", "Range": "bytes=0-10",
                                                   "If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})
    T.ok(resp.status == 200 and resp.body == DOC_BYTES,
         "with If-None-Match, If-Modified-Since and Range: still 200 and the whole document", resp.describe())
    resp = api.get("/api/v1/")
    T.is_(resp.json, {"openapi": "/api/v1/openapi.json", "docs": "/api/v1/docs"},
          "GET /api/v1/ points to the document and its page", resp)

    resp = api.get("/api/v1/docs")
    T.is_(resp.status, 200, "GET /api/v1/docs: 200", resp)
    T.ok((resp.header("Content-Type") or "").startswith("text/html"), "GET /api/v1/docs: Content-Type text/html",
         resp.header("Content-Type"))
    html = resp.body.decode("utf-8", "replace")
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "<script></script>", html, flags=re.S | re.I)
    external = re.findall(r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)""",
                          html, re.I)
    external += re.findall(r"""url\(\s*["']?((?:https?:)?//[^"')]+)""", markup, re.I)
    external += re.findall(r"@import\s+[\"']?((?:https?:)?//[^\"';]+)", markup, re.I)
    T.ok(not external, "the page loads no script, style, font or image from anywhere (all inline)",
         "\n".join(external[:10]))
    state = re.search(r"__redoc_state\s*=\s*(\{.*?\});\s*\n", html, re.S)
    spec = None
    if state:
        try:
            spec = json.loads(state.group(1)).get("spec", {}).get("data")
        except ValueError:
            spec = None
    T.ok(spec == DOC, "the page is built from deploy/openapi.json: the document it embeds is the same",
         "no __redoc_state found" if state is None else "the embedded document differs")
    leaks = [w for w in ("/rpc/", "pre_request", "_clarky", "x-clarky-activity-id") if w in html.lower()]
    T.ok(not leaks, "the page names nothing of the upstream either", f"found: {leaks}")


def test_chromium(checker):
    if not T.ok(os.access(CHROMIUM, os.X_OK), f"Chromium is there ({CHROMIUM})"):
        return
    with tempfile.TemporaryDirectory() as tmp:
        netlog = os.path.join(tmp, "netlog.json")
        out = chromium(["--dump-dom"], netlog=netlog)
        dom = out.stdout
        T.ok(out.returncode == 0 and "</html>" in dom, "headless Chromium renders /api/v1/docs",
             f"exit {out.returncode}\n{out.stderr[-1500:]}")
        text = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", " ", dom, flags=re.S | re.I)
        text = re.sub(r"<[^>]+>", " ", text)
        text = re.sub(r"\s+", " ", text)
        T.ok("Clarky Activities API" in text and "Something went wrong" not in text,
             "the rendered page has the API's title and no Redoc error", text[:500])
        for template, method, op in checker.operations():
            # Redoc shows each operation's summary as a heading and its method
            # and path in the operation's panel
            found = (re.search(rf"<h2[^>]*>\s*(?:<[^>]+>\s*)*{re.escape(op['summary'])}", dom) is not None
                     and re.search(rf"\b{method}\b\s*(?:<[^>]+>\s*)*{re.escape(template)}", dom, re.I)
                     is not None)
            T.ok(found, f"the rendered page shows {method.upper()} {template} ({op['summary']})")
        requests = netlog_requests(netlog)
        origin = api.HTTP_URL.rstrip("/")
        page = [u for initiator, u in requests if initiator == origin]
        outside = sorted({u for u in page if not re.match(
            r"^(?:https?://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?/|data:|blob:)", u)})
        T.ok(any(u == origin + "/api/v1/docs" for _, u in requests) and not outside,
             f"Chromium's network log: the page's own {len(page)} requests all stay on loopback "
             "(it fetches nothing from outside)", "\n".join(outside[:10]) or repr(requests[:10]))

        shot = SCREENSHOT or os.path.join(tmp, "api-docs.png")
        if os.path.exists(shot):
            os.unlink(shot)
        out = chromium([f"--screenshot={shot}", f"--window-size={WINDOW[0]},{WINDOW[1]}"])
        facts = png_facts(shot) if os.path.exists(shot) else None
        T.ok(facts is not None and facts[:2] == WINDOW and facts[2] > 50,
             f"a screenshot of the page is written ({shot}): a PNG of {WINDOW[0]}x{WINDOW[1]} that is "
             "not blank", f"{facts}; exit {out.returncode}\n{out.stderr[-1000:]}")


def main():
    checker = api.CHECKER
    if not T.ok(checker is not None, "the OpenAPI document loads (openapi_check)", api.CHECKER_ERROR):
        print(f"1..{T.n}")
        return 1
    for test in (test_document, test_examples, test_checker, test_fields, test_errors_and_routes,
                 test_served, test_chromium):
        try:
            test(checker)
        except Exception:  # noqa: BLE001: one broken group must not hide the others
            T.ok(False, f"{test.__name__} ran to its end", traceback.format_exc())
    failures = checker.failures
    T.ok(checker.checked > 0 and not failures,
         f"every one of the {checker.checked} responses from nginx conforms to the OpenAPI document",
         "\n".join(f"{line}: {'; '.join(p)}" for line, p in failures[:20]))
    print(f"1..{T.n}")
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main())
