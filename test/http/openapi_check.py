"""Checks HTTP responses against the API's OpenAPI document, deploy/openapi.json.

The HTTP tests (test_api.py, test_openapi.py) hand every response they get
from the public front (nginx) to Checker.check(), so a response that drifts
from the document fails the suite. For the request's method and path it finds
the document's operation (the path templates match percent-encoded path
segments), then checks, against what that operation declares for the status:

  - the status is declared (a route or status the document does not declare
    is a failure);
  - every header the response object declares: present if required, its value
    valid against the header's schema;
  - the body: empty for HEAD and where no content is declared; otherwise a
    declared media type, and (JSON) valid against its schema.

Outside the operations, the document's extension x-clarky-unrouted says what
the server answers: a path matching no template is its unknownPath response, a
method the path item lacks is its methodNotAllowed response, whose Allow
header must name the path item's methods in the document's order.

Schemas are JSON Schema 2020-12 (OpenAPI 3.1), validated with jsonschema
(Debian's python3-jsonschema), plus one keyword of the document's own:
"x-clarky-keys-in-order": true says that an object's keys come in the order of
its schema's properties.
"""

import json
import os
import re
import threading

import jsonschema

DOCUMENT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                             "deploy", "openapi.json")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON_TYPE_RE = re.compile(r"^application/(?:[\w.+-]+\+)?json$")


def _keys_in_order(validator, value, instance, schema):
    if not value or not validator.is_type(instance, "object"):
        return
    order = list(schema.get("properties", {}))
    got = [k for k in instance if k in order]
    expected = [k for k in order if k in instance]
    if got != expected:
        yield jsonschema.ValidationError(
            f"keys out of the document's order: {got!r}, expected {expected!r}")


Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator,
                                         {"x-clarky-keys-in-order": _keys_in_order})


class Checker:
    """The document, and what the responses checked against it came to."""

    def __init__(self, path=DOCUMENT_PATH, document=None):
        if document is None:
            with open(path, encoding="utf-8") as f:
                document = json.load(f)
        self.doc = document
        self.routes = []
        for template, item in self.doc["paths"].items():
            pattern = "".join("[^/?#]+" if part.startswith("{") else re.escape(part)
                              for part in re.split(r"(\{[^}]+\})", template))
            self.routes.append((re.compile(f"^{pattern}$"), template, item))
        self._validators = {}
        self.lock = threading.Lock()
        self.checked = 0
        self.failures = []   # (request line, problems)
        self.seen = set()    # (template or None, method, status) of conforming responses

    # ---- the document ----------------------------------------------------

    def resolve(self, obj):
        """Follow a local $ref (#/components/...) to what it names."""
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"not a local reference: {ref}")
            obj = self.doc
            for token in ref[2:].split("/"):
                obj = obj[token.replace("~1", "/").replace("~0", "~")]
        return obj

    def validator(self, schema):
        """A validator of one schema of the document, whose $refs resolve in it."""
        key = id(schema)
        if key not in self._validators:
            root = dict(schema)
            root["components"] = self.doc["components"]
            self._validators[key] = (schema, Validator(root))
        return self._validators[key][1]

    def schema_errors(self, schema, instance):
        """Readable messages of every way instance fails schema."""
        errors = sorted(self.validator(schema).iter_errors(instance), key=lambda e: list(e.path))
        return [f"at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]

    def route(self, raw_path):
        """(template, path item) that the raw (percent-encoded) path is, or (None, None)."""
        for regex, template, item in self.routes:
            if regex.match(raw_path):
                return template, item
        return None, None

    @staticmethod
    def allow(item):
        return ", ".join(m.upper() for m in item if m in METHODS)

    def operations(self):
        """(template, method, operation) of every operation in the document."""
        for template, item in self.doc["paths"].items():
            for method in item:
                if method in METHODS:
                    yield template, method, item[method]

    def declared(self):
        """Every (template, METHOD, status) the document declares."""
        return {(t, m.upper(), int(s)) for t, m, op in self.operations() for s in op["responses"]}

    def expectation(self, method, raw_path, status):
        """(what the request is, response object) or (what, None) where the
        document has no response for this status."""
        template, item = self.route(raw_path)
        unrouted = self.doc["x-clarky-unrouted"]
        if template is None:
            what = ("unknown path", None)
            responses = unrouted["unknownPath"]
        elif method.lower() not in item:
            what = ("method not allowed", template)
            responses = unrouted["methodNotAllowed"]
        else:
            what = ("operation", template)
            responses = item[method.lower()]["responses"]
        response = responses.get(str(status))
        return what, (self.resolve(response) if response is not None else None)

    # ---- one response ----------------------------------------------------

    def problems(self, method, target, status, headers, body):
        """How one response (headers: case-insensitive, as http.client gives
        them) departs from the document; [] when it conforms."""
        raw_path = target.split("?", 1)[0].split("#", 1)[0]
        (kind, template), response = self.expectation(method, raw_path, status)
        where = f"{method} {template or raw_path} ({kind})"
        if response is None:
            return [f"status {status} is not declared for {where}"]
        out = []
        for name, header in response.get("headers", {}).items():
            header = self.resolve(header)
            value = headers.get(name)
            if value is None:
                if header.get("required"):
                    out.append(f"header {name} is missing (the document requires it)")
                continue
            out += [f"header {name}: {m}" for m in self.schema_errors(header["schema"], value)]
        if kind == "method not allowed":
            _, item = self.route(raw_path)
            if headers.get("Allow") != self.allow(item):
                out.append(f"Allow is {headers.get('Allow')!r}, the path item's methods are {self.allow(item)!r}")
        content = response.get("content")
        if method.upper() == "HEAD" or not content:
            if body:
                out.append(f"a body ({len(body)} bytes) where the document declares none")
            return out
        ctype = (headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        if ctype not in content:
            return out + [f"Content-Type {ctype!r} is none of the declared {sorted(content)}"]
        schema = content[ctype].get("schema", {})
        if JSON_TYPE_RE.match(ctype):
            try:
                instance = json.loads(body.decode("utf-8"))
            except ValueError as e:
                return out + [f"the body is not JSON: {e}"]
        else:
            try:
                instance = body.decode("utf-8")
            except UnicodeDecodeError as e:
                return out + [f"the body is not UTF-8 text: {e}"]
        out += [f"body {m}" for m in self.schema_errors(schema, instance)]
        return out

    def check(self, method, target, status, headers, body):
        """Check one response and record the result; returns its problems."""
        found = self.problems(method, target, status, headers, body)
        template, _ = self.route(target.split("?", 1)[0])
        with self.lock:
            self.checked += 1
            if found:
                self.failures.append((f"{method} {target} -> {status}", found))
            else:
                self.seen.add((template, method.upper(), status))
        return found
