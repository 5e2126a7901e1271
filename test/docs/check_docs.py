#!/usr/bin/python3
"""test/docs/check_docs.py: the documentation says only what is true.

Reads the repository's tracked files (git ls-files; without git, the tree
less what .gitignore ignores) and prints TAP: "1..N", then "ok N - ..." or
"not ok N - ..." with the findings as "#   file:line: ..." lines; exits 1 on
any failure.  Plain python3 standard library; run it from anywhere:

    /usr/bin/python3 test/docs/check_docs.py

The rules:

1. Markdown links.  Every relative link of a tracked *.md file ([text](x),
   ![alt](x), [label]: x, <a href="x">, <img src="x">; not in code) names a
   tracked file or directory, relative to the linking file (a leading "/":
   to the repository root); a "#anchor" into a Markdown file (or into the
   same one) names one of its headings, slugged as GitHub slugs them, or an
   <a name/id> in it.

2. Cited paths.  In every tracked text file (sources, scripts, SQL, Python,
   the Makefile, Markdown, templates), a token that starts with one of the
   repository's top-level directories and a slash (src/..., test/..., also
   after "./" or $REPO_DIR/; not inside a longer path or a URL) names a
   tracked file or directory, from the repository root or from the citing
   file's directory.  A token with a wildcard (*, ?, [...]), a placeholder
   (<name>) or a shell or make variable ($h, ${h}, $(EXTENSION)) is a
   pattern: it must match a tracked path.  A path that is generated, that is
   one the repository's .gitignore files ignore (bench/results/<date>-<scale>/,
   src/*.o, test/unit/unit_test), need not exist.

3. Bare Markdown names.  A bare "<name>.md" names a file at the root, beside
   the citing file, or in docs/.

4. Cited sections.  FILE, "Heading" (FILE README or a Markdown file, as in
   README, "Limits") names a heading of that file.

5. HTTP statuses.  Every error envelope the code answers with (the status
   and code of each Envelope() call of src/http_api.c and each
   return NNN '{"error": {"code": ...}}' of deploy/nginx.conf.in, and any
   response.status the SQL scripts set) is a row of the README's table
   "| code | status | when |", with that status; and every row is answered
   by some source.

6. nginx's own statuses.  Every status the error_page lines of
   deploy/nginx.conf.in's server block catch (what nginx refuses itself:
   413, 501, ...) is in the README's error table or named in its section
   The HTTP API, which says what the client gets instead.

7. Success statuses.  Every success status the code answers with (the
   "NNN" literals of src/http_api.c, nginx's own 2xx returns, the SQL's) is
   in the "success" column of the README's table of requests, and every
   status in that column is answered.

8. Distributed tables.  The README's section "Scaling out with Citus"
   distributes (create_distributed_table) exactly the tables src/plans.c
   counts as distributed, the ones every statement of the C code may
   touch one of under distributed planning.
"""

import os
import re
import subprocess
import sys
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Tracked files that are data, not text that cites anything (rule 2 skips
# them): fuzz inputs are arbitrary bytes; npm writes the lock file.
DATA_DIRS = ("test/fuzz/corpus/", "test/fuzz/regressions/")
DATA_FILES = ("deploy/openapi-tools/package-lock.json",)


# ---- the repository ----------------------------------------------------------

def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def gitignore_rules(paths):
    """(base directory, regex, negated) of every line of the tracked .gitignore files.
    A directory pattern ("dir/") is taken to match a cited path of that name
    too: a citation does not say whether it names a directory."""
    rules = []
    for path in sorted(p for p in paths if p.split("/")[-1] == ".gitignore"):
        base = os.path.dirname(path)
        for line in read(path).splitlines():
            line = line.rstrip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            line = line.lstrip("!")
            line = line.rstrip("/")
            anchored = "/" in line
            line = line.lstrip("/")
            rx = ""
            i = 0
            while i < len(line):
                if line.startswith("**", i):
                    rx += ".*"
                    i += 2
                elif line[i] == "*":
                    rx += "[^/]*"
                    i += 1
                elif line[i] == "?":
                    rx += "[^/]"
                    i += 1
                else:
                    rx += re.escape(line[i])
                    i += 1
            rx = ("" if anchored else "(?:.*/)?") + rx
            rules.append((base, re.compile(rx + r"\Z"), negated))
    return rules


def ignored(path, rules):
    """Whether .gitignore ignores path (a file or directory) or a directory it is in."""
    parts = path.rstrip("/").split("/")
    for n in range(1, len(parts) + 1):
        sub = "/".join(parts[:n])
        verdict = None
        for base, rx, negated in rules:
            if base and not sub.startswith(base + "/"):
                continue
            rel = sub[len(base) + 1:] if base else sub
            if rx.match(rel):
                verdict = not negated
        if verdict:
            return True
    return False


def tracked_files():
    """The repository's files (those of the index still in the working tree)."""
    try:
        out = subprocess.run(["git", "-C", ROOT, "ls-files", "-z"], capture_output=True,
                             check=True).stdout.decode("utf-8")
        files = [f for f in out.split("\0") if f and os.path.lexists(os.path.join(ROOT, f))]
        if files:
            return sorted(files)
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for d, dirs, names in os.walk(ROOT):
        dirs[:] = [x for x in dirs if x != ".git"]
        files += [os.path.relpath(os.path.join(d, n), ROOT).replace(os.sep, "/") for n in names]
    rules = gitignore_rules(files)
    return sorted(f for f in files if not ignored(f, rules))


FILES = tracked_files()
TRACKED = set(FILES)
DIRS = {"/".join(f.split("/")[:i]) for f in FILES for i in range(1, f.count("/") + 1)}
IGNORE = gitignore_rules(FILES)
TOP_DIRS = sorted({f.split("/")[0] for f in FILES if "/" in f})


def exists(path, want_dir=False):
    path = path.rstrip("/")
    return path in DIRS or (path in TRACKED and not want_dir) or path == ""


def text_files():
    """(path, text) of every tracked UTF-8 text file but the data."""
    for path in FILES:
        if path.startswith(DATA_DIRS) or path in DATA_FILES:
            continue
        try:
            with open(os.path.join(ROOT, path), "rb") as f:
                data = f.read()
        except OSError:
            continue
        if b"\0" in data:
            continue
        try:
            yield path, data.decode("utf-8")
        except UnicodeDecodeError:
            continue


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


# ---- Markdown ------------------------------------------------------------------

def github_slug(heading):
    """The anchor GitHub gives a heading (before de-duplication)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)    # links: their text
    text = re.sub(r"<[^>]+>", "", text)                          # inline HTML
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def strip_code(text):
    """text with fenced code blocks and inline code spans blanked (offsets kept)."""
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    text = re.sub(r"(?ms)^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$", blank, text)
    return re.sub(r"(`+)(?!`).+?(?<!`)\1(?!`)", blank, text, flags=re.S)


def headings(path):
    """The anchors of a Markdown file: its headings' and its <a name/id>s."""
    text = re.sub(r"(?ms)^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$", "", read(path))
    found = re.findall(r"(?m)^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", text)
    found += re.findall(r"(?m)^(\S.*)\n(?:=+|-+)[ \t]*$", text)          # setext
    anchors, seen = set(), {}
    for h in found:
        slug = github_slug(h)
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.add(slug if n == 0 else f"{slug}-{n}")
    anchors.update(re.findall(r"<a\s+(?:name|id)=\"([^\"]+)\"", strip_code(text)))
    return anchors


HEADINGS = {}


def anchors_of(path):
    if path not in HEADINGS:
        HEADINGS[path] = headings(path)
    return HEADINGS[path]


def markdown_links(text):
    """(offset, target) of each link of a Markdown text, code excluded."""
    text = strip_code(text)
    for m in re.finditer(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^\s)]*)(?:\s+\"[^\"]*\")?\s*\)", text):
        yield m.start(1), m.group(1).strip("<>")
    for m in re.finditer(r"(?m)^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)", text):
        yield m.start(1), m.group(1).strip("<>")
    for m in re.finditer(r"<(?:a|img)\s[^>]*?(?:href|src)=\"([^\"]*)\"", text):
        yield m.start(1), m.group(1)


def check_links():
    bad, count = [], 0
    for path in FILES:
        if not path.endswith(".md"):
            continue
        text = read(path)
        for offset, target in markdown_links(text):
            if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:|//", target):
                continue                                         # a URL, mailto:
            count += 1
            where = f"{path}:{line_of(text, offset)}"
            target_path, _, anchor = target.partition("#")
            target_path = urllib.parse.unquote(target_path)
            if target_path.startswith("/"):
                resolved = os.path.normpath(target_path.lstrip("/"))
            elif target_path:
                resolved = os.path.normpath(os.path.join(os.path.dirname(path), target_path))
            else:
                resolved = path
            resolved = resolved.replace(os.sep, "/")
            if resolved.startswith("../") or not exists(resolved):
                bad.append(f"{where}: link to {target}: no such file or directory {resolved}")
                continue
            if anchor and resolved.endswith(".md") and resolved in TRACKED:
                if urllib.parse.unquote(anchor).lower() not in anchors_of(resolved):
                    bad.append(f"{where}: link to {target}: {resolved} has no heading #{anchor}")
    return bad, count


# ---- cited paths ---------------------------------------------------------------

# a shell or make variable, a <placeholder>, or a run of path characters
VARIABLE = r"\$\$?\w+|\$\{[^}\s]*\}|\$\([^)\s]*\)"
PLACEHOLDER = r"<[A-Za-z][\w-]*>"
PATH_PART = rf"(?:{VARIABLE}|{PLACEHOLDER}|[\w.\-/*?\[\]])"


def cited_path_regex():
    tops = "|".join(re.escape(d) for d in TOP_DIRS)
    # at a boundary (not inside a longer path, a word or a URL), or after
    # "./" or $REPO_DIR/ ("$REPO_DIR"/, ${REPO_DIR}/)
    return re.compile(rf"(?:(?<![\w./\-$@])\./|\$\{{?REPO_DIR\}}?\"?/|(?<![\w./\-$@]))"
                      rf"((?:{tops})/{PATH_PART}*)")


def pattern_regex(token):
    """A cited path as a regex over repository paths; whether it was a pattern."""
    rx, pattern, i = "", False, 0
    while i < len(token):
        m = re.compile(VARIABLE + "|" + PLACEHOLDER).match(token, i)
        if m:
            rx += "[^/]*" if m.group(0).startswith("$") else "[^/]+"
            pattern = True
            i = m.end()
            continue
        c = token[i]
        if c == "*":
            if token.startswith("**", i):
                rx += ".*"
                i += 1
            else:
                rx += "[^/]*"
            pattern = True
        elif c == "?":
            rx += "[^/]"
            pattern = True
        elif c == "[" and "]" in token[i + 1:]:
            j = token.index("]", i + 1)
            rx += "[" + token[i + 1:j].replace("\\", "\\\\").replace("!", "^", 1) + "]"
            pattern = True
            i = j
        else:
            rx += re.escape(c)
        i += 1
    return re.compile(rx + r"\Z"), pattern


def sample(token):
    """A path the pattern token could name (each wildcard a letter), for .gitignore."""
    token = re.sub(VARIABLE + "|" + PLACEHOLDER, "x", token)
    token = re.sub(r"\[[^\]]*\]", "x", token)
    return token.replace("**", "x").replace("*", "x").replace("?", "x")


def cited_path_ok(token, citing):
    want_dir = token.endswith("/")
    path = token.rstrip("/")
    _, pattern = pattern_regex(path)
    for base in ("", os.path.dirname(citing)):
        full = f"{base}/{path}" if base else path
        if not pattern:
            if exists(full, want_dir):
                return True
        else:
            frx, _ = pattern_regex(full)
            names = DIRS if want_dir else TRACKED | DIRS
            if any(frx.match(p) for p in names):
                return True
    # generated: what the repository's own .gitignore files ignore
    return ignored(sample(token) if pattern else token, IGNORE)


def check_cited_paths():
    bad, count = [], 0
    rx = cited_path_regex()
    for path, text in text_files():
        for m in rx.finditer(text):
            token = m.group(1)
            # the sentence's punctuation is not part of the path
            token = re.sub(r"[.,:;?]+$", "", token)
            if token.endswith("]") and "[" not in token:
                token = token.rstrip("]")
            count += 1
            if not cited_path_ok(token, path):
                bad.append(f"{path}:{line_of(text, m.start(1))}: {token}: no such file or directory")
    return bad, count


def resolve_bare_md(name, citing):
    for cand in (name, os.path.join(os.path.dirname(citing), name), os.path.join("docs", name)):
        cand = os.path.normpath(cand).replace(os.sep, "/")
        if cand in TRACKED:
            return cand
    return None


def check_bare_md():
    bad, count = [], 0
    for path, text in text_files():
        for m in re.finditer(r"(?<![\w./\-$@<>{}])([\w\-]+\.md)\b(?![\w/\-])", text):
            count += 1
            if resolve_bare_md(m.group(1), path) is None:
                bad.append(f"{path}:{line_of(text, m.start(1))}: {m.group(1)}: not at the root, "
                           f"beside {path} or in docs/")
    return bad, count


def check_sections():
    bad, count = [], 0
    rx = re.compile(r"(?<![\w.\-])((?:[\w.\-]+/)*[\w\-]+\.md|README),? \"([^\"\n]+)\"")
    for path, text in text_files():
        for m in rx.finditer(text):
            name, section = m.group(1), m.group(2)
            if name == "README":
                name = "README.md"
            if name in TRACKED:
                target = name
            else:
                target = None if "/" in name else resolve_bare_md(name, path)
            count += 1
            where = f"{path}:{line_of(text, m.start())}"
            if target is None:
                bad.append(f"{where}: {name}: no such file")
            elif github_slug(section) not in anchors_of(target):
                bad.append(f"{where}: {target} has no section \"{section}\"")
    return bad, count


# ---- the README's tables of HTTP answers -----------------------------------------

def split_row(line):
    """The cells of a Markdown table row (a | inside backticks is no separator)."""
    cells, cell, code = [], "", False
    for c in line.strip().strip("|"):
        if c == "`":
            code = not code
        if c == "|" and not code:
            cells.append(cell.strip())
            cell = ""
        else:
            cell += c
    cells.append(cell.strip())
    return cells


def readme_table(header):
    """The rows (lists of cells) of the README's table whose header row is header."""
    lines = read("README.md").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|") and split_row(line) == header:
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                rows.append((i + 3 + len(rows), split_row(row)))
            return rows
    return None


def produced_statuses():
    """{(status, code)} of the error envelopes and {status} of the successes the
    sources answer with, each with where; and what could not be read."""
    errors, successes, unreadable = {}, {}, []
    src = "src/http_api.c"
    text = read(src)
    # every call of Envelope() or EnvelopeWithDetails(): the status and code
    # literals (their definitions' parameters, and Envelope() passing its own
    # on, are no answer)
    for m in re.finditer(r"\b(Envelope|EnvelopeWithDetails)\s*\(", text):
        rest = text[m.end():]
        if re.match(r"\s*(?:int\b|status\s*,\s*code\b)", rest):
            continue
        call = re.match(r"\s*(\d{3})\s*,\s*\"(\w+)\"", rest)
        if call is None:
            unreadable.append(f"{src}:{line_of(text, m.start())}: {m.group(1)}() whose status "
                              "and code are not literals")
            continue
        errors.setdefault((int(call.group(1)), call.group(2)), f"{src}:{line_of(text, m.start())}")
    # the success statuses: RunCall's, as "NNN" (an error status so written
    # would be one without its envelope)
    for m in re.finditer(r"\"([1-5]\d\d)\"", text):
        where = f"{src}:{line_of(text, m.start())}"
        if int(m.group(1)) < 400:
            successes.setdefault(int(m.group(1)), where)
        else:
            unreadable.append(f"{where}: a status {m.group(1)} set without an error envelope")

    conf = "deploy/nginx.conf.in"
    text = read(conf)
    for m in re.finditer(r"(?m)^[^#\n]*\breturn\s+(\d{3})\b(?:\s+'([^'\n]*)')?", text):
        status, body = int(m.group(1)), m.group(2) or ""
        where = f"{conf}:{line_of(text, m.start(1))}"
        code = re.search(r"\"code\"\s*:\s*\"(\w+)\"", body)
        if code:
            errors.setdefault((status, code.group(1)), where)
        elif status < 400:
            successes.setdefault(status, where)
        else:
            unreadable.append(f"{where}: return {status} without an error envelope")

    for path in FILES:
        if not (path.startswith("sql/") and path.endswith(".sql")):
            continue
        text = read(path)
        for m in re.finditer(r"set_config\(\s*'response\.status'\s*,\s*'(\d{3})'", text):
            status = int(m.group(1))
            where = f"{path}:{line_of(text, m.start())}"
            if status < 400:
                successes.setdefault(status, where)
            else:
                unreadable.append(f"{where}: a response.status {status} set in SQL, without its code")
    return errors, successes, unreadable


def check_error_table(errors, unreadable):
    rows = readme_table(["code", "status", "when"])
    if rows is None:
        return ["README.md: no table with the header | code | status | when |"], {}
    table = {}
    for n, cells in rows:
        m = re.fullmatch(r"`(\w+)`", cells[0])
        if not m or not re.fullmatch(r"\d{3}", cells[1]):
            return [f"README.md:{n}: a row of the error table that is not | `code` | NNN | ... |"], {}
        table[m.group(1)] = int(cells[1])
    bad = list(unreadable)
    if not errors:
        bad.append("no error envelope found in the sources: the checker no longer reads them")
    for (status, code), where in sorted(errors.items()):
        if code not in table:
            bad.append(f"{where}: {status} {code}: not in the README's error table")
        elif table[code] != status:
            bad.append(f"{where}: {status} {code}: the README's error table gives {code} {table[code]}")
    return bad, table


def check_error_rows(errors, table):
    answered = {code for _, code in errors}
    return [f"README.md: the error table's {code} ({status}) is answered by no source"
            for code, status in sorted(table.items()) if code not in answered]


def check_success_column(successes):
    rows = readme_table(["request", "function", "success"])
    if rows is None:
        return ["README.md: no table with the header | request | function | success |"]
    documented = {}
    for n, cells in rows:
        for s in re.findall(r"\b([1-5]\d\d)\b", cells[2] if len(cells) > 2 else ""):
            documented.setdefault(int(s), n)
    bad = []
    if not successes:
        bad.append("no success status found in the sources: the checker no longer reads them")
    for status, where in sorted(successes.items()):
        if status not in documented:
            bad.append(f"{where}: {status}: not in the success column of the README's table of requests")
    for status, n in sorted(documented.items()):
        if status not in successes:
            bad.append(f"README.md:{n}: success {status} is answered by no source")
    return bad


def nginx_own_statuses():
    """{status: where} of what nginx refuses itself: the statuses of the
    error_page lines of the server block (those inside a location catch
    PostgREST's answers instead)."""
    conf = "deploy/nginx.conf.in"
    own, depth = {}, 0
    for n, line in enumerate(read(conf).splitlines(), 1):
        line = re.sub(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"", "", line).split("#", 1)[0]
        m = re.match(r"\s*error_page\s+([\d\s]+)=", line)
        if m and depth == 2:                    # http { server { ... } }
            for status in m.group(1).split():
                own.setdefault(int(status), f"{conf}:{n}")
        depth += line.count("{") - line.count("}")
    return own


def check_nginx_statuses(table):
    text = read("README.md")
    start = text.find("\n## The HTTP API\n")
    section = text[start:text.find("\n## ", start + 1)] if start >= 0 else ""
    own = nginx_own_statuses()
    bad = [] if own else ["deploy/nginx.conf.in: no error_page of the server block found"]
    for status, where in sorted(own.items()):
        if status not in table.values() and not re.search(rf"\b{status}\b", section):
            bad.append(f"{where}: nginx's own {status}: the README's The HTTP API section does not "
                       "say what the client gets for it")
    return bad, own


# ---- the tables Citus distributes ------------------------------------------------

def check_distributed_tables():
    """The README's scale-out section distributes exactly the tables that
    src/plans.c counts as distributed (DistributedTables)."""
    source = read("src/plans.c")
    m = re.search(r"DistributedTables\[\] = \{(.*?)\};", source, re.S)
    ours = re.findall(r'"(\w+)"', m.group(1)) if m else []
    text = read("README.md")
    start = text.find("\n## Scaling out with Citus\n")
    section = text[start:text.find("\n## ", start + 1)] if start >= 0 else ""
    readme = re.findall(r"create_distributed_table\('clarky\.(\w+)'", section)
    bad = [] if ours else ["src/plans.c: no DistributedTables list found"]
    if sorted(set(readme)) != sorted(ours):
        bad.append(f"README.md, \"Scaling out with Citus\" distributes {sorted(set(readme))}; "
                   f"src/plans.c counts {sorted(ours)}")
    return bad, ours


# ---- TAP ------------------------------------------------------------------------

def main():
    results = []

    bad, n = check_links()
    results.append((f"every relative Markdown link and anchor resolves ({n} links)", bad))
    bad, n = check_cited_paths()
    results.append((f"every cited repository path exists, matches or is generated ({n} citations)", bad))
    bad, n = check_bare_md()
    results.append((f"every bare Markdown file name is at the root, beside its citer or in docs/ ({n})", bad))
    bad, n = check_sections()
    results.append((f"every cited section (FILE, \"Heading\") is a heading of FILE ({n})", bad))

    errors, successes, unreadable = produced_statuses()
    bad, table = check_error_table(errors, unreadable)
    results.append((f"every error status and code the sources answer with is in the README's "
                    f"error table ({len(errors)} pairs)", bad))
    results.append((f"every row of the README's error table is answered by a source ({len(table)} codes)",
                    check_error_rows(errors, table) if table else ["no error table read"]))
    bad, own = check_nginx_statuses(table)
    results.append((f"every status nginx raises itself is in the README's error table or said "
                    f"there ({', '.join(map(str, sorted(own)))})", bad))
    results.append((f"the success statuses the sources answer with are the README's "
                    f"({', '.join(map(str, sorted(successes)))})", check_success_column(successes)))

    bad, tables = check_distributed_tables()
    results.append((f"the README's scale-out section distributes the tables src/plans.c counts "
                    f"({len(tables)})", bad))

    print(f"1..{len(results)}")
    failed = 0
    for i, (description, bad) in enumerate(results, 1):
        print(f"{'not ok' if bad else 'ok'} {i} - {description}")
        for line in bad[:200]:
            print(f"#   {line}")
        failed += bool(bad)
    print(f"# docs: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
