#!/usr/bin/env bash
# test/debian/deb_test.sh: the Debian package, built the Debian way and
# installed.  Prints TAP ("ok N - ...", "not ok N - ...", "#   ..." for
# diagnostics, "1..N" last, then "# deb: N passed, N failed"); exits 0 when
# every check passed.
#
#   version:  debian/changelog's top version is the control file's
#             default_version (the version is written once, in
#             clarky_activity.control; the changelog must follow it)
#   build:    dpkg-buildpackage -us -uc in a copy of the repository's
#             current tree (what git tracks, or would: uncommitted changes
#             included, build products not) makes
#             postgresql-15-clarky-activity_<version>_<arch>.deb, holding
#             the control file, every sql/ script and those the build
#             makes from them (scripts/sql_scripts.sh), the library where
#             pg_config says, and nothing outside the server's directories
#             and its doc directory; lintian finds no error or warning
#   install:  apt-get install of the .deb; on a cluster of its own, CREATE
#             EXTENSION pgtap and clarky_activity, and the whole pgTAP suite
#             (test/pgtap, as scripts/test.sh runs it) through pg_prove: one
#             line per file
#   restore:  dpkg --purge, and make install of the repository's build
#
# From apt-get install to the make install after dpkg --purge the script
# holds /tmp/clarky-build.lock (what every make install of this project
# takes), so nobody's make install changes the files under test, and the
# extension's files are never missing from the system directories for
# anyone else; the trap restores them if the script stops in between.  Run
# it alone as root (it installs what it needs).
#
#   CLARKY_DEB_PORT       the cluster's port (default 25438)
#   CLARKY_DEB_LOCK_WAIT  seconds to wait for the build lock before giving up
#                         (default 900); the holders are named then
#   CLARKY_DEB_KEEP=1     keep the work directory (the build, its logs)
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
set +e	# (lib.sh sets -e) a failing check must not stop the others
require_root "$@"
source "$REPO_DIR/test/tap.sh"

PORT=${CLARKY_DEB_PORT:-25438}
LOCK=/tmp/clarky-build.lock
VERSION=$(control_version)
PG_MAJOR=$("$PG_CONFIG" --version | sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p')
PACKAGE=postgresql-$PG_MAJOR-clarky-activity
SHAREDIR=$("$PG_CONFIG" --sharedir)
PKGLIBDIR=$("$PG_CONFIG" --pkglibdir)

WORK=$(mktemp -d /tmp/clarky-deb.XXXXXX)
chmod 755 "$WORK"	# apt-get reads the .deb as _apt
RESTORE=	# set while the system directories may hold the package's files
LOCKED=	# set while this shell holds LOCK (on descriptor 9)
cleanup() {
	stop_cluster "$WORK/pg"
	if [ -n "$RESTORE" ]; then
		echo "# stopped early: removing $PACKAGE, make install of $REPO_DIR" >&2
		if [ -z "$LOCKED" ]; then
			exec 9>>"$LOCK"
			flock 9	# (no time limit: the files must come back)
		fi
		dpkg --purge "$PACKAGE" >&2 9>&-
		make -C "$REPO_DIR" -s PG_CONFIG="$PG_CONFIG" install >&2 9>&-
		exec 9>&-
	fi
	if [ -n "${CLARKY_DEB_KEEP:-}" ]; then
		echo "# kept $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# lock_holders: the processes that have LOCK open (one of them holds it; a
# server started under flock keeps it held for as long as it runs)
lock_holders() {
	local fd pid
	for fd in /proc/[0-9]*/fd/*; do
		if [ "$(readlink "$fd" 2>/dev/null)" = "$LOCK" ]; then
			pid=${fd#/proc/} pid=${pid%%/*}
			[ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] || echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)"
		fi
	done
}

# package_installed: dpkg has PACKAGE installed (or half-installed)
package_installed() {
	dpkg-query -W -f='${db:Status-Status}\n' "$PACKAGE" 2>/dev/null | grep -qv '^not-installed$'
}

install_packages "${DEB_PACKAGES[@]}" >&2 || bail "could not install ${APT_PACKAGES[*]} ${DEB_PACKAGES[*]}"
[ -n "$VERSION" ] || bail "no default_version in $REPO_DIR/clarky_activity.control"
if package_installed; then
	diag "$PACKAGE was installed before this run; it is removed at its end"
fi

# ---- version ------------------------------------------------------------------
is "$(dpkg-parsechangelog -l "$REPO_DIR/debian/changelog" -S Version 2>&1)" "$VERSION" \
	"debian/changelog's top version is the control file's default_version ($VERSION)"

# ---- build ----------------------------------------------------------------------
# The copy: tracked files and untracked ones git does not ignore, as they are
# in the working tree now (a tracked file deleted there is left out)
SRC=$WORK/build/clarky-activity-$VERSION
mkdir -p "$SRC"
git -C "$REPO_DIR" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	bail "$REPO_DIR is not a git working tree: cannot tell its files from build products"
(cd "$REPO_DIR" && git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do
		if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
	done | tar -c --null -T -) | tar -x -C "$SRC" || bail "could not copy $REPO_DIR to $SRC"

log "dpkg-buildpackage -us -uc in $SRC (log: $WORK/build/build.log)"
if (cd "$SRC" && dpkg-buildpackage -us -uc -j2) >"$WORK/build/build.log" 2>&1; then
	pass "dpkg-buildpackage -us -uc builds the package from a copy of the tree"
else
	fail "dpkg-buildpackage -us -uc builds the package from a copy of the tree"
	diag "$(tail -n 30 "$WORK/build/build.log")"
	bail "no package to test"
fi

ARCH=$(dpkg --print-architecture)
DEB_NAME=${PACKAGE}_${VERSION}_$ARCH.deb
DEB=$WORK/build/$DEB_NAME
is "$(cd "$WORK/build" && ls -- "${PACKAGE}"_*.deb 2>&1)" "$DEB_NAME" "the package is $DEB_NAME"
[ -f "$DEB" ] || bail "$DEB was not built"
is "$(dpkg-deb -f "$DEB" Package Version Architecture 2>&1)" \
	"$(printf 'Package: %s\nVersion: %s\nArchitecture: %s' "$PACKAGE" "$VERSION" "$ARCH")" \
	"its control fields name $PACKAGE $VERSION $ARCH"
depends=$(dpkg-deb -f "$DEB" Depends)
depends_re="(^|, )postgresql-$PG_MAJOR( |,|\$)"
if [[ $depends =~ $depends_re ]]; then
	pass "it depends on postgresql-$PG_MAJOR (\${postgresql:Depends})"
else
	fail "it depends on postgresql-$PG_MAJOR (\${postgresql:Depends})"
	diag "Depends: $depends"
fi

# what the package holds: regular files, as absolute paths
dpkg-deb --fsys-tarfile "$DEB" | tar -t | sed -n 's|^\./|/|; /[^/]$/p' | sort >"$WORK/files"
# has_files DESCRIPTION PATH...: the package holds every PATH
has_files() {
	local what=$1 missing=() path
	shift
	for path in "$@"; do
		grep -qxF -- "$path" "$WORK/files" || missing+=("$path")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		pass "the package holds $what"
	else
		fail "the package holds $what"
		diag "missing: ${missing[*]}" "it holds:" "$(cat "$WORK/files")"
	fi
}
has_files "the control file ($SHAREDIR/extension/clarky_activity.control)" \
	"$SHAREDIR/extension/clarky_activity.control"
sql_scripts=()
for f in "$SRC"/sql/clarky_activity--*.sql $("$SRC/scripts/sql_scripts.sh" list built); do
	sql_scripts+=("$SHAREDIR/extension/$(basename "$f")")
done
has_files "every SQL script of sql/ and every one the build makes from them (${#sql_scripts[@]}) in $SHAREDIR/extension" \
	"${sql_scripts[@]}"
has_files "the library ($PKGLIBDIR/clarky_activity.so)" "$PKGLIBDIR/clarky_activity.so"
is "$(dpkg-deb --fsys-tarfile "$DEB" | tar -xO ".$SHAREDIR/extension/clarky_activity.control" |
	cmp - "$SRC/clarky_activity.control" 2>&1 && echo same)" same \
	"its control file is the tree's clarky_activity.control"
is "$(grep -v -e "^$SHAREDIR/extension/clarky_activity" -e "^$PKGLIBDIR/" \
	-e "^/usr/share/doc/$PACKAGE/" "$WORK/files")" "" \
	"it holds nothing outside the extension's files, $PKGLIBDIR and its doc directory"

log "lintian (log: $WORK/build/lintian.log)"
if (cd "$WORK/build" && lintian --fail-on error,warning "clarky-activity_${VERSION}_$ARCH.changes") \
	>"$WORK/build/lintian.log" 2>&1; then
	pass "lintian finds no error and no warning in the source and binary packages"
else
	fail "lintian finds no error and no warning in the source and binary packages"
	diag "$(grep -v 'running with root privileges' "$WORK/build/lintian.log")"
fi

# ---- install --------------------------------------------------------------------
# The repository's own build, for the make install at the end: made now,
# before anything in the system directories changes
log "building $REPO_DIR (for its make install after dpkg --purge)"
make -C "$REPO_DIR" -s -j2 PG_CONFIG="$PG_CONFIG" >"$WORK/make.log" 2>&1 || {
	diag "$(tail -n 20 "$WORK/make.log")"
	bail "$REPO_DIR does not build: it could not be installed again after the package"
}

# (started before the lock is taken: the server must not inherit its descriptor)
start_cluster "$WORK/pg" "$PORT" >&2 || bail "the cluster did not start on port $PORT"

log "waiting for $LOCK"
exec 9>>"$LOCK"
if ! flock -w "${CLARKY_DEB_LOCK_WAIT:-900}" 9; then
	fail "took $LOCK within ${CLARKY_DEB_LOCK_WAIT:-900} s"
	diag "processes that have it open:" "$(lock_holders)"
	bail "the build lock is held elsewhere"
fi
LOCKED=1 RESTORE=1
log "apt-get install $DEB"
if DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$DEB" \
	>"$WORK/install.log" 2>&1 9>&-; then
	pass "apt-get install ./$DEB_NAME"
else
	fail "apt-get install ./$DEB_NAME"
	diag "$(tail -n 20 "$WORK/install.log")"
fi
is "$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$PACKAGE" 2>&1)" "installed $VERSION" \
	"dpkg has $PACKAGE $VERSION installed"
is "$(dpkg-query -S "$PKGLIBDIR/clarky_activity.so" 2>&1)" "$PACKAGE: $PKGLIBDIR/clarky_activity.so" \
	"the library in $PKGLIBDIR is the package's (dpkg -S)"

# the database of scripts/test.sh's pgTAP stage, exactly
log "creating the test database"
if run_psql -d postgres -c "CREATE DATABASE clarky_test" &&
	run_psql -d clarky_test -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION clarky_activity"; then
	pass "CREATE EXTENSION pgtap and clarky_activity"
else
	fail "CREATE EXTENSION pgtap and clarky_activity"
fi
is "$(run_psql -d clarky_test -Atc "SELECT extversion FROM pg_extension WHERE extname = 'clarky_activity'")" \
	"$VERSION" "the extension is at $VERSION"

log "running the pgTAP suite against the package"
SECONDS_BEFORE=$SECONDS
pg_prove -d clarky_test --ext .sql -r "$SRC/test/pgtap" >"$WORK/prove.out" 2>&1
prove_status=$?
diag "pg_prove: $(grep '^Files=' "$WORK/prove.out"), $((SECONDS - SECONDS_BEFORE)) s"
# one line per file: pg_prove writes "FILE .... ok" for a file that passed
# (its plan met, every test ok); what else it said about a file, as diagnostics
files=0
while IFS= read -r -d '' f; do
	files=$((files + 1))
	if awk -v f="$f" 'index($0, f " ") == 1 && substr($0, length(f) + 2) ~ /^\.+ ok( |$)/ { found = 1 }
		END { exit !found }' "$WORK/prove.out"; then
		pass "pgTAP ${f#"$SRC/test/pgtap/"}"
	else
		fail "pgTAP ${f#"$SRC/test/pgtap/"}"
		diag "$(awk -v f="$f" 'index($0, f) == 1 { on = 1; print; next }
			/^\// || /^Test Summary Report$/ || /^Files=/ { on = 0 } on' "$WORK/prove.out" | head -n 40)"
	fi
done < <(find "$SRC/test/pgtap" -name '*.sql' -print0 | sort -z)
if [ "$prove_status" -eq 0 ] && grep -q '^Result: PASS' "$WORK/prove.out" && [ "$files" -gt 0 ] &&
	grep -q "^Files=$files," "$WORK/prove.out"; then
	pass "pg_prove ran all $files files: Result: PASS"
else
	fail "pg_prove ran all $files files: Result: PASS"
	diag "exit status $prove_status" "$(sed -n '/^Test Summary Report/,$p' "$WORK/prove.out")"
fi
if verify=$(dpkg --verify "$PACKAGE" 2>&1) && [ -z "$verify" ]; then
	pass "the package's files are as installed (dpkg --verify)"
else
	fail "the package's files are as installed (dpkg --verify)"
	diag "$verify"
fi
stop_cluster "$WORK/pg"

# ---- restore ----------------------------------------------------------------------
log "dpkg --purge $PACKAGE; make install of $REPO_DIR"
if dpkg --purge "$PACKAGE" >"$WORK/purge.log" 2>&1 9>&- && ! package_installed; then
	pass "dpkg --purge $PACKAGE"
else
	fail "dpkg --purge $PACKAGE"
	diag "$(cat "$WORK/purge.log")"
fi
if make -C "$REPO_DIR" -s PG_CONFIG="$PG_CONFIG" install >"$WORK/make-install.log" 2>&1 9>&-; then
	RESTORE=
	pass "make install of the repository's build again"
else
	fail "make install of the repository's build again"
	diag "$(tail -n 20 "$WORK/make-install.log")"
fi
flock -u 9
exec 9>&-
LOCKED=
if [ -f "$SHAREDIR/extension/clarky_activity.control" ] && [ -f "$PKGLIBDIR/clarky_activity.so" ] &&
	! dpkg-query -S "$PKGLIBDIR/clarky_activity.so" >/dev/null 2>&1; then
	pass "the extension's files are in place again, owned by no package"
else
	fail "the extension's files are in place again, owned by no package"
fi

tap_end deb
