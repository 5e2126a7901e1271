#!/usr/bin/env python3
"""scripts/pgindent.py: lay the C sources out as PostgreSQL's pgindent does.

    scripts/pgindent.py [--check | --tap] [FILE...]    (default: src/*.[ch],
                                                        test/unit, test/fuzz)

PostgreSQL's pgindent is a Perl wrapper, in the server's source tree only,
around pg_bsd_indent (Debian's package pg-bsd-indent, the 2.1.1 that
PostgreSQL 15's pgindent asks for). This does what the wrapper does: the
same pg_bsd_indent options, its few rewrites before and after (// comments
made block comments, dash-protected comments kept, a single space before
the '*' of a function's return type), and a list of typedefs, which
pgindent takes from the buildfarm and this builds from the declarations in
the server's headers (pg_config --includedir-server) and in this
repository's C sources. With --check it changes nothing, prints the differences and exits
1 if there are any; --tap says the same as TAP, a test per file, the
differences as diagnostics (scripts/test.sh runs it so); otherwise it
rewrites the files.
"""
import difflib
import glob
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INDENT = os.environ.get("PGINDENT", "pg_bsd_indent")
PG_CONFIG = os.environ.get("PG_CONFIG", "/usr/lib/postgresql/15/bin/pg_config")
OPTIONS = ("-bad -bap -bbb -bc -bl -cli1 -cp33 -cdb -nce -d0 -di12 -nfc1 -i4 -l79"
           " -lp -lpl -nip -npro -sac -tpg -ts4").split()

# As pgindent: names that are typedefs somewhere but are not to be taken as
# such, and bool, which <stdbool.h> makes a macro
EXCLUDED = set("ANY FD_SET U abs allocfunc boolean date digit ilist interval iterator other"
               " pointer printfunc reference string timestamp type wrap".split())
ADDITIONAL = {"bool"}
# The C library's typedefs the sources use
LIBC = set("size_t ssize_t FILE va_list int8_t int16_t int32_t int64_t uint8_t uint16_t"
           " uint32_t uint64_t intptr_t uintptr_t ptrdiff_t off_t pid_t time_t".split())

COMMENT = re.compile(r"/\*.*?\*/", re.S)
NAME_BEFORE_SEMICOLON = re.compile(r"([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*;$")
FUNCTION_POINTER = re.compile(r"\(\s*\*\s*([A-Za-z_]\w*)\s*\)\s*\(")


def typedef_names(source):
    """The names the typedefs of a C source declare"""
    source = COMMENT.sub(" ", source)
    names = set()
    for m in re.finditer(r"\btypedef\b", source):
        depth, end = 0, m.end()
        while end < len(source):
            c = source[end]
            depth += (c == "{") - (c == "}")
            if c == ";" and depth == 0:
                break
            end += 1
        outer = re.sub(r"\{.*\}", " ", source[m.start():end + 1], flags=re.S)
        pointer = FUNCTION_POINTER.search(outer)
        name = pointer or NAME_BEFORE_SEMICOLON.search(outer)
        if name:
            names.add(name.group(1))
    return names


def typedefs(files):
    names = set(LIBC) | ADDITIONAL
    server = subprocess.run([PG_CONFIG, "--includedir-server"], check=True,
                            capture_output=True, text=True).stdout.strip()
    headers = glob.glob(os.path.join(server, "**", "*.h"), recursive=True)
    for path in headers + files:
        with open(path, encoding="utf-8", errors="replace") as f:
            names |= typedef_names(f.read())
    return sorted(names - EXCLUDED)


def pre_indent(source):
    source = re.sub(r"^([ \t]*)//(.*)$", r"\1/* \2 */", source, flags=re.M)
    return re.sub(r"/\* +---", "/*---X_X", source)


def post_indent(source):
    source = source.replace("/*---X_X", "/* ---")
    source = re.sub(r"\*/(/\*.*\*/)$", "*/\t\\1", source, flags=re.M)
    return re.sub(r"^([A-Za-z_]\S*)[ \t]+\*$", r"\1 *", source, flags=re.M)


def indent(source, typedefs_file):
    with tempfile.TemporaryDirectory() as tmp:
        given, indented = os.path.join(tmp, "given.c"), os.path.join(tmp, "indented.c")
        with open(given, "w", encoding="utf-8") as f:
            f.write(pre_indent(source))
        run = subprocess.run([INDENT] + OPTIONS + ["-U" + typedefs_file, given, indented],
                             capture_output=True, text=True)
        if run.returncode != 0 or run.stderr or run.stdout:
            raise RuntimeError((run.stderr + run.stdout).strip() or "exit %d" % run.returncode)
        with open(indented, encoding="utf-8") as f:
            return post_indent(f.read())


def main(argv):
    tap = "--tap" in argv
    check = tap or "--check" in argv
    sources = [f for pattern in ("src/*.[ch]", "test/unit/*.c", "test/fuzz/*.[ch]")
               for f in sorted(glob.glob(os.path.join(ROOT, pattern)))]
    files = [os.path.abspath(a) for a in argv if not a.startswith("--")] or sources
    changed = 0
    if tap:
        print("1..%d" % len(files))
    with tempfile.NamedTemporaryFile("w", suffix=".list") as names:
        names.write("\n".join(typedefs(sorted(set(sources + files)))) + "\n")
        names.flush()
        for path in files:
            with open(path, encoding="utf-8") as f:
                source = f.read()
            try:
                result = indent(source, names.name)
            except RuntimeError as e:
                print("%s: pg_bsd_indent failed: %s" % (path, e), file=sys.stderr)
                if not tap:
                    return 2
                print("not ok %d - %s is in pgindent's layout" % (files.index(path) + 1, path))
                changed += 1
                continue
            rel = os.path.relpath(path, ROOT)
            if tap:
                print("%s %d - %s is in pgindent's layout"
                      % ("ok" if result == source else "not ok", files.index(path) + 1, rel))
            if result == source:
                continue
            changed += 1
            if check:
                diff = difflib.unified_diff(source.splitlines(True), result.splitlines(True),
                                            rel, rel + " (pgindent)")
                sys.stdout.writelines(("# " + line) if tap else line for line in diff)
            else:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(result)
                print("indented " + rel)
    if check and changed:
        print("%s%d file(s) not in pgindent's layout: scripts/pgindent.py rewrites them"
              % ("# " if tap else "", changed))
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
