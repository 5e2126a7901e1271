#!/usr/bin/env bash
# test/upgrade/upgrade_test.sh: clarky_activity 1.0.0 -> the current version
# (the control file's default_version, through every upgrade script), checked on a
# throw-away PostgreSQL 15 cluster of its own (and PostgREST + nginx in front
# of it).  Prints TAP ("ok N - ...", "not ok N - ...", "#   ..." for
# diagnostics, "1..N" last, then "# upgrade: N passed, N failed"); exits 0
# when every check passed.
#
#   upgrade:  db A is created with the released 1.0.0 (its library built from
#             git, on a private copy of the PostgreSQL installation), given
#             data (clarky.log_activity in several workspaces and sessions,
#             plain INSERT/UPDATE/DELETE, API keys) and snapshotted (every
#             page of every timeline, untyped and per type).  Then the new
#             library is installed (the cluster restarts on the real
#             installation, where make install put it): until ALTER
#             EXTENSION clarky_activity UPDATE the activity functions refuse
#             with the hint; after it every old activity renders as before
#             with owner_id null, updated_at = created_at and version 1
#             appended, totals are exact, get_activity agrees, writes work
#   catalog:  the upgraded db A equals a fresh install (db B): members,
#             pg_dump, columns, constraints, indexes, triggers, policies,
#             ACLs and initial privileges, comments
#   old SQL:  db C at 1.0.0 with the new library: every 1.0.0 function works
#             (checked) or fails with a hint naming ALTER EXTENSION
#             clarky_activity UPDATE, and no backend crashes
#   http:     PostgREST + nginx serve db A across it all: 1.0.0 keys keep
#             working, the old SQL answers the hint, the schema cache reload
#             shows the new functions without a restart of PostgREST
#   citus:    db D: the install and the update from every older version, run
#             as Citus runs them on a worker (citus.enable_ddl_propagation
#             off, then PREPARE TRANSACTION), can be prepared, where a frozen
#             step cannot; run on one node, each sends PostgREST's reload
#
# Run it alone as root (it installs what is missing and builds and installs
# the extension, under flock /tmp/clarky-build.lock), or from scripts/test.sh,
# which sets CLARKY_UPGRADE_NO_BUILD=1 after its own build.
#
#   CLARKY_UPGRADE_PORT     PostgreSQL's port (default 25630); PostgREST on
#                           PORT+1, nginx on PORT+2
#   CLARKY_UPGRADE_RELEASE  the commit of the release upgraded from (default:
#                           the last commit whose clarky_activity.control
#                           says default_version = '1.0.0')
#   CLARKY_UPGRADE_KEEP=1   keep the work directory (services are stopped)
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
set +e	# (lib.sh sets -e) a failing check must not stop the others
require_root "$@"

HERE=$REPO_DIR/test/upgrade
NEW_PG_BIN=$PG_BIN	# the installation make install writes to
PORT=${CLARKY_UPGRADE_PORT:-25630}
PGRST_PORT=$((PORT + 1))
HTTP_PORT=$((PORT + 2))
OLD_KEYS='id,contact_id,company_id,activity_type,title,description,due_date,duration_minutes,completed_at,metadata,created_at,occurred_at'
NEW_KEYS="$OLD_KEYS,owner_id,updated_at,version,contact_ids,company_ids"
HINT_RE='^HINT: .*ALTER EXTENSION clarky_activity UPDATE'
NEW_VERSION=$(control_version)
WAIT=10	# seconds, at most, for anything polled
# Citus's two-phase commit, played here (section 5), needs prepared transactions
export CLARKY_PG_OPTIONS="-c max_prepared_transactions=4"

WORK=$(mktemp -d /tmp/clarky-upgrade.XXXXXX)
chmod 755 "$WORK"
SENTINEL_PID=
cleanup() {
	stop_http "$WORK" >/dev/null 2>&1
	if [ -n "$SENTINEL_PID" ]; then
		kill "$SENTINEL_PID" 2>/dev/null
	fi
	stop_cluster "$WORK"
	if [ -n "${CLARKY_UPGRADE_KEEP:-}" ]; then
		echo "# kept $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

source "$REPO_DIR/test/tap.sh"

# same_text DESCRIPTION EXPECTED_FILE GOT_FILE: the files are equal and not
# empty; else the diff as diagnostics
same_text() {
	if [ -s "$2" ] && cmp -s "$2" "$3"; then
		pass "$1"
	else
		fail "$1"
		if [ ! -s "$2" ]; then
			diag "$(basename "$2") is empty"
		fi
		diag "$(diff -u --label "$(basename "$2")" --label "$(basename "$3")" "$2" "$3")"
	fi
}
# py_run CHECKS FILE [FILE]: run upgrade_check.py's CHECKS (comma-separated)
# at once, on the snapshots FILE...; py_check DESCRIPTION CHECK: a check's
# result in the last run
py_run() {
	python3 "$HERE/upgrade_check.py" "$@" >"$WORK/py.out" 2>&1
}
py_check() {
	local status
	status=$(awk -v c="$2" '$1 == "===" && $2 == c { print $3 }' "$WORK/py.out")
	if [ "$status" == ok ]; then
		pass "$1"
	else
		fail "$1"
		if [ -n "$status" ]; then
			diag "$(awk -v c="$2" '$1 == "===" { on = ($2 == c); next } on' "$WORK/py.out")"
		else
			diag "$(cat "$WORK/py.out")"
		fi
	fi
}

# ---- SQL and HTTP -----------------------------------------------------------
# q DB [psql args...]: psql -At on DB, SQL on stdin, stopping at the first error
q() {
	local db=$1
	shift
	"$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"
}
# try DB SQL: run SQL (stdin of q) and set out (stdout), err (stderr), rc
try() {
	out=$(q "$1" <<<"$2" 2>"$WORK/try.err")
	rc=$?
	err=$(<"$WORK/try.err")
}
# http METHOD URL [curl args]: sets code and body (headers in $WORK/http.headers)
http() {
	local method=$1 url=$2
	shift 2
	code=$(curl -s -o "$WORK/http.body" -D "$WORK/http.headers" -w '%{http_code}' --max-time 10 \
		-X "$method" "$@" "$url")
	body=$(<"$WORK/http.body")
}
lit() { # a SQL string literal
	printf "'%s'" "${1//\'/\'\'}"
}

# ---- setup --------------------------------------------------------------------
if [ -z "${CLARKY_UPGRADE_NO_BUILD:-}" ]; then
	install_packages >&2 || bail "could not install the packages"
	install_postgrest >&2 || bail "could not install PostgREST"
	log "building and installing clarky_activity (flock /tmp/clarky-build.lock)"
	if ! flock /tmp/clarky-build.lock make -C "$REPO_DIR" -s PG_CONFIG="$PG_CONFIG" install \
		>"$WORK/build.out" 2>&1; then
		diag "$(grep -E 'error|Error' "$WORK/build.out" | head -n 20)"
		bail "the extension does not build (make install failed)"
	fi
fi

# ---- the released 1.0.0 -------------------------------------------------------
# Its library is built from git into the work directory and installed into a
# private copy of the PostgreSQL installation (symbolic links to the real
# one, but for the programs that locate the installation by their own path,
# the extension's files and its library); the shared installation is never
# touched.  The cluster runs on that copy until "the new library is
# installed", when it restarts on the real installation.

# (safe.directory: root runs this in a checkout that may be someone else's)
REL=$(release_commit "${CLARKY_UPGRADE_RELEASE:-}") || REL=
[ -n "$REL" ] || bail "no commit of the released 1.0.0 found in $REPO_DIR (set CLARKY_UPGRADE_RELEASE)"
REL_SRC=$WORK/release-src
REL_ROOT=$WORK/pg-1.0.0
bindir=$("$PG_CONFIG" --bindir) sharedir=$("$PG_CONFIG" --sharedir) pkglibdir=$("$PG_CONFIG" --pkglibdir)
log "building the released 1.0.0 (commit ${REL:0:12}) in $REL_SRC"
# install_release: build the release, make the private installation
install_release() {
	local dir prog
	mkdir -p "$REL_SRC" || return 1
	repo_git archive "$REL" | tar -x -C "$REL_SRC" || return 1
	make -C "$REL_SRC" -s -j2 with_llvm=no PG_CONFIG="$PG_CONFIG" >"$WORK/release-build.out" 2>&1 || return 1
	for dir in "$bindir" "$sharedir" "$pkglibdir"; do
		mkdir -p "$REL_ROOT$(dirname "$dir")" && cp -as "$dir" "$REL_ROOT$dir" || return 1
	done
	for prog in postgres initdb pg_ctl; do
		rm -f "$REL_ROOT$bindir/$prog" && cp "$bindir/$prog" "$REL_ROOT$bindir/$prog" || return 1
	done
	rm -f "$REL_ROOT$pkglibdir/clarky_activity.so" "$REL_ROOT$sharedir/extension/clarky_activity"* &&
		cp "$REL_SRC/clarky_activity.so" "$REL_ROOT$pkglibdir/" &&
		cp "$REL_SRC/clarky_activity.control" "$REL_SRC"/sql/clarky_activity--*.sql "$REL_ROOT$sharedir/extension/"
}
release_ok=0
install_release && release_ok=1
if [ "$release_ok" -eq 1 ] &&
	repo_git diff --quiet "$REL" -- sql/clarky_activity--1.0.0.sql &&
	grep -q "^default_version = '1.0.0'" "$REL_SRC/clarky_activity.control"; then
	pass "upgrade: the released 1.0.0 (commit ${REL:0:12}) builds, and the tree's sql/clarky_activity--1.0.0.sql is still its"
else
	fail "upgrade: the released 1.0.0 (commit ${REL:0:12}) builds, and the tree's sql/clarky_activity--1.0.0.sql is still its"
	diag "$(tail -n 20 "$WORK/release-build.out" 2>/dev/null)" \
		"$(repo_git diff --stat "$REL" -- sql/clarky_activity--1.0.0.sql)"
	[ "$release_ok" -eq 1 ] || bail "the released 1.0.0 cannot be built"
fi

PG_BIN=$REL_ROOT$bindir
start_cluster "$WORK" "$PORT" >&2 || bail "PostgreSQL (1.0.0 installation) did not start on port $PORT"
libdirs_before="$(q postgres -c "SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'" 2>&1)"
for db in upgrade_a upgrade_b upgrade_c upgrade_d; do
	q postgres -c "CREATE DATABASE $db" || bail "could not create database $db"
done

# =============================================================================
# 1. upgrade with data in place (db A); 4. HTTP across the upgrade
# =============================================================================

try upgrade_a "SET client_min_messages = warning;
CREATE EXTENSION clarky_activity VERSION '1.0.0';
SELECT extversion FROM pg_extension WHERE extname = 'clarky_activity';"
is "$out${err:+ $err}" "1.0.0" "upgrade: db A: CREATE EXTENSION clarky_activity VERSION '1.0.0'"

# Four sessions (so the counts have several stripes) in three workspaces,
# then plain SQL that moves, retypes and removes activities.
TYPES="ARRAY['note', 'call', 'meeting', 'video_call', 'task', 'todo', 'reminder']"
populate_status=0
populate_err=
populate() {
	local e
	if ! e=$(q upgrade_a 2>&1 >/dev/null); then
		populate_status=1
		populate_err+="$e"$'\n'
	fi
}
populate <<SQL
SET clarky.workspace_id = 'ws_a';
SET TimeZone = 'UTC';
-- contact c_1 and company co_1: every type, every field, backdated, with ties
SELECT count(clarky.log_activity(jsonb_build_object(
	'activity_type', ($TYPES)[1 + g % 7],
	'contact_id', 'c_1',
	'company_id', CASE WHEN g % 3 = 0 THEN 'co_1' END,
	'title', format('Activity %s "quoted" \\ back/slash <b>&amp;</b>', g),
	'description', CASE WHEN g % 2 = 0 THEN repeat('line ' || g || E'\n', 3) || E'tab\t é ✓ 😀 \u0001' END,
	'due_date', CASE WHEN g % 7 IN (4, 5, 6) THEN to_char(timestamptz '2026-03-01' + g * interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END,
	'duration_minutes', CASE WHEN g % 7 IN (1, 2, 3) THEN g * 1.5 END,
	'completed_at', CASE WHEN g % 4 = 0 THEN '2026-02-0' || (1 + g % 9) || 'T10:00:00.123+02:00' END,
	'metadata', CASE WHEN g % 5 = 0 THEN jsonb_build_object('n', g, 'tags', jsonb_build_array('a', g),
		'nested', jsonb_build_object('deep', jsonb_build_object('x', null, 'é', 'ü'))) END,
	'occurred_at', CASE WHEN g <= 4 THEN '2025-06-01T12:00:00Z'
						WHEN g % 6 = 0 THEN NULL
						ELSE to_char(timestamptz '2025-01-01' + g * interval '1 day 1 hour 1.5 second',
									 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END)))
FROM generate_series(1, 23) AS g;
SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c_1", "occurred_at": "0001-01-01T00:00:00Z", "title": "oldest"}');
SELECT clarky.log_activity('{"activity_type": "call", "contact_id": "c_1", "company_id": "co_1", "occurred_at": "9999-12-31T23:59:59.999Z", "duration_minutes": 0.25}');
SELECT clarky.log_activity('{"activity_type": "meeting", "contact_id": "c_1", "occurred_at": "2025-05-05T05:05:05.123456789+05:30", "metadata": {"attendees": ["a@example.com", "b@example.com"]}}');
SQL
populate <<SQL
SET clarky.workspace_id = 'ws_a';
SELECT count(clarky.log_activity(jsonb_build_object(
	'activity_type', ($TYPES)[1 + (g * 3) % 7],
	'contact_id', CASE WHEN g % 2 = 0 THEN 'c_1' END,
	'company_id', 'co_1',
	'title', 'second session ' || g,
	'occurred_at', '2025-06-01T12:00:00Z')))
FROM generate_series(1, 6) AS g;
SQL
populate <<SQL
SET clarky.workspace_id = 'ws_b';
SELECT count(clarky.log_activity(jsonb_build_object(
	'activity_type', ($TYPES)[1 + g % 7],
	'contact_id', CASE WHEN g <= 4 THEN 'c_1' END,
	'company_id', CASE WHEN g > 4 THEN 'co_2' END,
	'title', 'workspace b ' || g,
	'occurred_at', to_char(timestamptz '2024-12-31 23:00:00+00' + g * interval '17 minutes', 'YYYY-MM-DD"T"HH24:MI:SSOF":00"'))))
FROM generate_series(1, 13) AS g;
SQL
populate <<SQL
-- the default workspace: clarky.workspace_id unset
SELECT count(clarky.log_activity(jsonb_build_object(
	'activity_type', ($TYPES)[1 + g % 7],
	'contact_id', CASE WHEN g <= 12 THEN 'c_2' END,
	'company_id', CASE WHEN g > 12 THEN 'co_1' END,
	'title', 'default workspace ' || g,
	'metadata', jsonb_build_object('g', g))))
FROM generate_series(1, 15) AS g;
SQL
populate <<SQL
SET clarky.workspace_id = 'ws_b';
INSERT INTO clarky.activities (contact_id, company_id, activity_type, title, occurred_at)
VALUES ('c_1', 'co_2', 'todo', 'plain insert 1', '2025-03-03 03:03:03.333+00'),
	   (NULL, 'co_2', 'reminder', 'plain insert 2', '2025-03-04 00:00:00+00');
UPDATE clarky.activities SET contact_id = 'c_3'
WHERE id = (SELECT min(id) FROM clarky.activities WHERE workspace_id = 'ws_a' AND title LIKE 'Activity 7 %');
UPDATE clarky.activities SET activity_type = 'task'
WHERE id = (SELECT min(id) FROM clarky.activities WHERE workspace_id = 'ws_a' AND title LIKE 'Activity 8 %');
DELETE FROM clarky.activities
WHERE id = (SELECT min(id) FROM clarky.activities WHERE workspace_id = 'default' AND title = 'default workspace 5');
SQL
q upgrade_a >"$WORK/keys.out" 2>&1 <<'SQL'
SELECT clarky.create_api_key('ws_a', ARRAY['read'], 'reader a');
SELECT clarky.create_api_key('ws_a', ARRAY['read', 'write'], 'writer a');
SELECT clarky.create_api_key('ws_b', ARRAY['read'], 'reader b');
SELECT clarky.create_api_key('ws_b', ARRAY['write'], 'revoked b');
SELECT clarky.revoke_api_key(key) FROM (SELECT clarky.create_api_key('ws_a', ARRAY['read'], 'revoked by key') AS key) AS k;
SQL
keys_status=$?
keys_out=$(<"$WORK/keys.out")
mapfile -t KEYS <<<"$keys_out"
KEY_A_READ=${KEYS[0]:-} KEY_A_WRITE=${KEYS[1]:-} KEY_B_READ=${KEYS[2]:-} KEY_B_REVOKED=${KEYS[3]:-}
q upgrade_a -c "SELECT clarky.revoke_api_key($(lit "$KEY_B_REVOKED"))" >/dev/null 2>&1
population=$(q upgrade_a -c "SELECT format('%s activities in %s workspaces, %s API keys (%s revoked)',
	(SELECT count(*) FROM clarky.activities), (SELECT count(DISTINCT workspace_id) FROM clarky.activities),
	(SELECT count(*) FROM clarky.api_keys), (SELECT count(*) FROM clarky.api_keys WHERE revoked_at IS NOT NULL))" 2>&1)
if [ "$populate_status" -eq 0 ] && [ "$keys_status" -eq 0 ] &&
	[ "$population" == "61 activities in 3 workspaces, 5 API keys (2 revoked)" ]; then
	pass "upgrade: db A at 1.0.0: $population, through clarky.log_activity (4 sessions), plain SQL and clarky.create_api_key"
else
	fail "upgrade: db A at 1.0.0: 61 activities in 3 workspaces and 5 API keys, through clarky.log_activity (4 sessions), plain SQL and clarky.create_api_key"
	diag "got: $population" "$populate_err" "$keys_out"
fi
keys_list_q="SELECT k::text FROM clarky.list_api_keys() AS k"
keys_resolved_q="SELECT format('%s %s', coalesce(r.workspace_id, 'none'), coalesce(r.scope, 'none')) FROM unnest(ARRAY[$(lit "$KEY_A_READ"), $(lit "$KEY_A_WRITE"), $(lit "$KEY_B_READ"), $(lit "$KEY_B_REVOKED")]) WITH ORDINALITY AS k (key, i) LEFT JOIN LATERAL clarky.resolve_api_key(k.key) AS r ON true ORDER BY k.i"
keys_before=$(q upgrade_a -c "$keys_list_q" -c "$keys_resolved_q" 2>&1)

# ---- 4. HTTP, db A at 1.0.0 ---------------------------------------------------
# (the SQL a timeline request runs, as the key's workspace sees it)
timeline_sql() { # WORKSPACE CONTACT
	q upgrade_a -c "SET clarky.workspace_id = $(lit "$1")" -c "SELECT clarky.contact_activities($(lit "$2"), page_size => 100)" 2>&1
}
http_up=0
if start_http "$WORK" upgrade_a "$PORT" "$PGRST_PORT" "$HTTP_PORT" >"$WORK/start_http.out" 2>&1; then
	http_up=1
	pass "http: PostgREST and nginx serve db A (at 1.0.0)"
else
	fail "http: PostgREST and nginx serve db A (at 1.0.0)"
	diag "$(tail -n 20 "$WORK/start_http.out")"
fi
pgrst_pid=$(cat "$WORK/http/postgrest.pid" 2>/dev/null)

# timeline_requests KEY CONTACT EXPECTED TIMES: TIMES requests (through
# every pooled connection); prints "ok" or the first that differs
timeline_requests() {
	local i
	for ((i = 0; i < $4; i++)); do
		http GET "http://127.0.0.1:$HTTP_PORT/api/v1/contacts/$2/activities?page_size=100" \
			-H "Authorization: Bearer $1"
		if [ "$code" != 200 ] || [ "$body" != "$3" ]; then
			printf 'request %d: %s %s\nexpected 200 %s\n' "$((i + 1))" "$code" "$body" "$3"
			return
		fi
	done
	echo ok
}
expected=$(timeline_sql ws_a c_1)
answer_100=$expected	# c_1's timeline in ws_a as 1.0.0 answers it
verdict "$(timeline_requests "$KEY_A_READ" c_1 "$expected" 8)" \
	"http: at 1.0.0, a 1.0.0 read key gets GET /api/v1/contacts/c_1/activities (8 times, 200, the SQL function's answer)"

# openapi_has PATH: PostgREST's own OpenAPI document lists PATH (a key of
# its "paths")
openapi_has() {
	http GET "http://127.0.0.1:$PGRST_PORT/"
	[ "$code" == 200 ] && grep -qF "\"$1\":{" "$WORK/http.body"
}
if openapi_has /rpc/contact_activities && ! openapi_has /rpc/get_activity; then
	pass "http: at 1.0.0, PostgREST's OpenAPI lists /rpc/contact_activities and not yet /rpc/get_activity"
else
	fail "http: at 1.0.0, PostgREST's OpenAPI lists /rpc/contact_activities and not yet /rpc/get_activity"
	diag "$code $(head -c 300 "$WORK/http.body")"
fi

# ---- the upgrade ---------------------------------------------------------------
q upgrade_a -f "$HERE/snapshot.sql" >"$WORK/before.jsonl" 2>"$WORK/before.err" ||
	diag "snapshot before the upgrade: $(cat "$WORK/before.err")"
py_run before,totals "$WORK/before.jsonl"
py_check "upgrade: at 1.0.0 every activity is on its timelines, rendered with the 1.0.0 keys in order and its row's values" before
py_check "upgrade: at 1.0.0 every timeline's total (untyped and per type) is its count(*), its pages list its rows newest first" totals

# ---- the new library is installed: the cluster restarts on it ------------------
log "restarting the cluster on the installation make install wrote to"
stop_cluster "$WORK"
PG_BIN=$NEW_PG_BIN
start_cluster "$WORK" "$PORT" >&2 || bail "PostgreSQL did not restart on the new installation"
started_at=$(q postgres -c "SELECT pg_postmaster_start_time()")
# A session that stays open from now on: a backend crash ends every session,
# this one too (pg_postmaster_start_time does not change on a crash restart)
"$PG_BIN/psql" -X -q -d postgres -c "SELECT pg_sleep(86400)" >/dev/null 2>&1 &
SENTINEL_PID=$!
libdirs="$(q postgres -c "SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'" 2>&1)"
is "$libdirs_before $libdirs" "$REL_ROOT$pkglibdir $pkglibdir" \
	"upgrade: db A lived on the 1.0.0 library until now; the cluster runs on the installed one from here on"

# Until ALTER EXTENSION ... UPDATE the new library has db A's 1.0.0 SQL: a
# timeline either answers as 1.0.0 did, or is refused with the hint
try upgrade_a "SET clarky.workspace_id = 'ws_a';
SELECT clarky.contact_activities('c_1', page_size => 100);"
if [ "$rc" -eq 0 ] && [ "$out" == "$answer_100" ]; then
	pass "upgrade: new library, db A's 1.0.0 SQL: clarky.contact_activities answers as 1.0.0 did"
elif [ "$rc" -ne 0 ] && grep -Eq "$HINT_RE" <<<"$err"; then
	pass "upgrade: new library, db A's 1.0.0 SQL: clarky.contact_activities is refused with the hint ($(grep -m 1 '^ERROR:' <<<"$err" | sed 's/^ERROR: *//'))"
else
	fail "upgrade: new library, db A's 1.0.0 SQL: clarky.contact_activities answers as 1.0.0 did, or is refused with the hint"
	diag "got:      ${out:-$err}" "1.0.0 answered: $answer_100"
fi

# PostgREST, still running, reconnects (at most 30 s); through every pooled
# connection, the old key's request is answered as 1.0.0 did, or with the hint
deadline=$((SECONDS + 30))
while :; do
	http GET "http://127.0.0.1:$PGRST_PORT/rpc/contact_activities?contact_id=c_1&page_size=100" -H "X-Api-Key: $KEY_A_READ"
	[ "$code" != 000 ] && [ "$code" != 503 ] || [ "$SECONDS" -ge "$deadline" ] || [ "$http_up" -eq 0 ] && break
	sleep 0.5
done
result=ok
for ((i = 0; i < 8; i++)); do
	http GET "http://127.0.0.1:$PGRST_PORT/rpc/contact_activities?contact_id=c_1&page_size=100" -H "X-Api-Key: $KEY_A_READ"
	if ! { [ "$code" == 200 ] && [ "$body" == "$answer_100" ]; } &&
		! grep -Eq '"hint": ?"[^"]*ALTER EXTENSION clarky_activity UPDATE' <<<"$body"; then
		result="PostgREST, request $((i + 1)): $code $body"
		break
	fi
done
http GET "http://127.0.0.1:$HTTP_PORT/api/v1/contacts/c_1/activities?page_size=100" -H "Authorization: Bearer $KEY_A_READ"
if [ "$result" == ok ] && ! { [ "$code" == 200 ] && [ "$body" == "$answer_100" ]; } &&
	! { [ "$code" == 500 ] && [[ $body == *'"internal_error"'* ]]; }; then
	result="nginx: $code $body"
fi
verdict "$result" \
	"http: new library, db A's 1.0.0 SQL: PostgREST (reconnected) answers the 1.0.0 key as 1.0.0 did or with the hint (8 times); nginx as 1.0.0 did or 500 internal_error"

try upgrade_a "ALTER EXTENSION clarky_activity UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'clarky_activity';"
if [ "$rc" -eq 0 ]; then
	pass "upgrade: ALTER EXTENSION clarky_activity UPDATE, with the data in place"
else
	fail "upgrade: ALTER EXTENSION clarky_activity UPDATE, with the data in place"
	diag "$err"
fi
is "$(q upgrade_a -c "SELECT extversion FROM pg_extension WHERE extname = 'clarky_activity'" 2>&1)" "$NEW_VERSION" \
	"upgrade: extversion is $NEW_VERSION after the update"
q upgrade_a -f "$HERE/snapshot.sql" >"$WORK/after.jsonl" 2>"$WORK/after.err" ||
	diag "snapshot after the upgrade: $(cat "$WORK/after.err")"

# ---- 4. HTTP, db A just updated ------------------------------------------------
expected=$(timeline_sql ws_a c_1)
deadline=$((SECONDS + WAIT))
while :; do
	result=$(timeline_requests "$KEY_A_READ" c_1 "$expected" 1)
	[ "$result" == ok ] || [ "$SECONDS" -ge "$deadline" ] || [ "$http_up" -eq 0 ] && break
	sleep 0.2
done
[ "$result" == ok ] && result=$(timeline_requests "$KEY_A_READ" c_1 "$expected" 8)
if [ "$result" == ok ] && ! python3 -c '
import json, sys
data = json.loads(sys.argv[1])["data"]
sys.exit(not data or any(list(a) != sys.argv[2].split(",") for a in data))' "$expected" "$NEW_KEYS" 2>/dev/null; then
	result="the SQL answer itself is not the current shape: $expected"
fi
verdict "$result" \
	"http: after the update, the same 1.0.0 key gets GET /api/v1/contacts/c_1/activities with the keys of the current version (8 times, the SQL function's answer; polled up to $WAIT s)"

deadline=$((SECONDS + WAIT))
until openapi_has /rpc/get_activity || [ "$SECONDS" -ge "$deadline" ] || [ "$http_up" -eq 0 ]; do
	sleep 0.2
done
if openapi_has /rpc/get_activity && [ -n "$pgrst_pid" ] &&
	[ "$(cat "$WORK/http/postgrest.pid" 2>/dev/null)" == "$pgrst_pid" ] &&
	pid_alive "$WORK/http/postgrest.pid" "$WORK/http/postgrest.conf"; then
	pass "http: PostgREST's OpenAPI lists /rpc/get_activity within $WAIT s of the update, without a restart (same pid)"
else
	fail "http: PostgREST's OpenAPI lists /rpc/get_activity within $WAIT s of the update, without a restart (same pid)"
	diag "PostgREST pid before $pgrst_pid, now $(cat "$WORK/http/postgrest.pid" 2>/dev/null)" \
		"OpenAPI paths: $(python3 -c 'import json, sys; print(sorted(json.load(sys.stdin).get("paths", {})))' <"$WORK/http.body" 2>&1)" \
		"(clarky_api functions: $(q upgrade_a -c "SELECT string_agg(p.oid::regprocedure::text, ', ' ORDER BY 1) FROM pg_proc p WHERE pronamespace = 'clarky_api'::regnamespace" 2>&1))"
fi

old_id=$(q upgrade_a -c "SELECT min(id) FROM clarky.activities WHERE workspace_id = 'ws_a' AND contact_id = 'c_1' AND metadata <> '{}'" 2>&1)
expected=$(q upgrade_a -c "SET clarky.workspace_id = 'ws_a'" -c "SELECT clarky.get_activity($(lit "$old_id"))" 2>&1)
# (called directly, PostgREST takes the id in X-Clarky-Activity-Id; nginx
# puts it there from the path)
etag() {
	sed -n 's/^[Ee][Tt][Aa][Gg]: *\([^[:space:]]*\).*/\1/p' "$WORK/http.headers"
}
http GET "http://127.0.0.1:$PGRST_PORT/rpc/get_activity" -H "X-Api-Key: $KEY_A_READ" -H "X-Clarky-Activity-Id: $old_id"
if [ "$code" == 200 ] && [ "$body" == "$expected" ] && [ "$(etag)" == '"1"' ]; then
	pass "http: PostgREST GET /rpc/get_activity (X-Clarky-Activity-Id: an activity logged at 1.0.0) with the 1.0.0 read key: 200, clarky.get_activity's answer, ETag \"1\""
else
	fail "http: PostgREST GET /rpc/get_activity (X-Clarky-Activity-Id: an activity logged at 1.0.0) with the 1.0.0 read key: 200, clarky.get_activity's answer, ETag \"1\""
	diag "got:      $code $body (ETag $(etag))" "expected: 200 $expected"
fi
http GET "http://127.0.0.1:$HTTP_PORT/api/v1/activities/$old_id" -H "Authorization: Bearer $KEY_A_READ"
if [ "$code" == 404 ] && [[ $body == *'"no such endpoint"'* ]]; then
	skip "http: nginx GET /api/v1/activities/{id} with the 1.0.0 read key" \
		"nginx has no route for it yet (404 no such endpoint); PostgREST's OpenAPI is checked above"
elif [ "$code" == 200 ] && [ "$body" == "$expected" ] && [ "$(etag)" == '"1"' ]; then
	pass "http: nginx GET /api/v1/activities/{id} with the 1.0.0 read key: 200, clarky.get_activity's answer, ETag \"1\""
else
	fail "http: nginx GET /api/v1/activities/{id} with the 1.0.0 read key: 200, clarky.get_activity's answer, ETag \"1\""
	diag "got:      $code $body (ETag $(etag))" "expected: 200 $expected"
fi

http POST "http://127.0.0.1:$HTTP_PORT/api/v1/activities" -H "Authorization: Bearer $KEY_A_WRITE" \
	-H "Content-Type: application/json" \
	--data '{"activity_type": "call", "contact_id": "c_http", "title": "posted after the upgrade"}'
new_http_id=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["data"]["id"])' "$body" 2>/dev/null)
result=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])["data"]
ok = list(d) == sys.argv[2].split(",") and d["version"] == 1 and d["owner_id"] is None \
	and d["updated_at"] == d["created_at"] and d["title"] == "posted after the upgrade"
print("ok" if ok else "not the activity of the current version expected")' "$body" "$NEW_KEYS" 2>&1)
stored=$(q upgrade_a -c "SELECT count(*) FROM clarky.activities WHERE workspace_id = 'ws_a' AND id = $(lit "$new_http_id")" 2>&1)
if [ "$code" == 201 ] && [ "$result" == ok ] && [ "$stored" == 1 ]; then
	pass "http: after the update, the 1.0.0 write key POSTs /api/v1/activities: 201, the keys of the current version, version 1, stored in its workspace"
else
	fail "http: after the update, the 1.0.0 write key POSTs /api/v1/activities: 201, the keys of the current version, version 1, stored in its workspace"
	diag "got: $code $body" "$result; rows with that id in ws_a: $stored"
fi

http GET "http://127.0.0.1:$HTTP_PORT/api/v1/contacts/c_1/activities" -H "Authorization: Bearer $KEY_B_REVOKED"
revoked="$code $(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["error"]["code"])' "$body" 2>/dev/null)"
expected=$(timeline_sql ws_b c_1)
result=$(timeline_requests "$KEY_B_READ" c_1 "$expected" 1)
if [ "$revoked" == "401 unauthorized" ] && [ "$result" == ok ]; then
	pass "http: after the update, a key revoked at 1.0.0 is still refused (401) and ws_b's key still reads ws_b's c_1 only"
else
	fail "http: after the update, a key revoked at 1.0.0 is still refused (401) and ws_b's key still reads ws_b's c_1 only"
	diag "revoked key: $revoked" "ws_b key: $result"
fi
stop_http "$WORK" >/dev/null 2>&1

# ---- 1. the snapshots compared ------------------------------------------------
py_run after-ok,layout,appended,text,pagination,totals,get "$WORK/before.jsonl" "$WORK/after.jsonl"
py_check "upgrade: the snapshot after the update has every activity and no timeline call failed" after-ok
py_check "upgrade: every page of every timeline (untyped and per type) lists the same activities in the same order" layout
py_check "upgrade: every old activity renders as before, then owner_id null, updated_at = created_at, version 1, contact_ids, company_ids, in that order" appended
py_check "upgrade: every old activity's JSON text is the 1.0.0 text with exactly the keys of 1.1.0 and 1.3.0 appended" text
py_check "upgrade: every page's pagination (page, page_size, total, total_pages) is as before" pagination
py_check "upgrade: after the update every total (untyped and per type) is the count(*) of its live rows, its pages list them newest first" totals
py_check "upgrade: clarky.get_activity(id) of every old activity is {\"data\": its timeline rendering}" get
verdict "$(q upgrade_a -c "SELECT CASE WHEN count(*) = 61 AND count(*) FILTER (WHERE owner_id IS NULL AND updated_at = created_at
		AND version = 1 AND deleted_at IS NULL) = 61 THEN 'ok' ELSE format('%s rows, %s as expected', count(*),
		count(*) FILTER (WHERE owner_id IS NULL AND updated_at = created_at AND version = 1 AND deleted_at IS NULL)) END
	FROM clarky.activities WHERE id <> $(lit "$new_http_id")" 2>&1)" \
	"upgrade: in the table, every old row has owner_id null, updated_at = created_at, version 1, deleted_at null"
keys_after=$(q upgrade_a -c "$keys_list_q" -c "$keys_resolved_q" 2>&1)
if [ "$keys_after" == "$keys_before" ] &&
	[ "$(tail -n 4 <<<"$keys_after" | tr '\n' ,)" == "ws_a read,ws_a write,ws_b read,none none," ]; then
	pass "upgrade: the API keys are as before: clarky.list_api_keys() unchanged, each key resolves as before, the revoked one to nothing"
else
	fail "upgrade: the API keys are as before: clarky.list_api_keys() unchanged, each key resolves as before, the revoked one to nothing"
	diag "before:" "$keys_before" "after:" "$keys_after"
fi

# ---- 1. new writes after the update (as clarky_writer, in ws_a) ---------------
AS_WRITER="SET clarky.workspace_id = 'ws_a'; SET ROLE clarky_writer;"
total_q="SELECT (clarky.contact_activities('c_1', page_size => 1) -> 'pagination' ->> 'total')::int"
live_q="SELECT count(*) FROM clarky.activities WHERE workspace_id = 'ws_a' AND contact_id = 'c_1' AND deleted_at IS NULL"
try upgrade_a "$AS_WRITER
SELECT clarky.log_activity('{\"activity_type\": \"call\", \"contact_id\": \"c_1\", \"owner_id\": \"u_1\", \"title\": \"logged after the upgrade\", \"duration_minutes\": 5}') AS r \\gset
SELECT CASE WHEN array_to_string(ARRAY(SELECT json_object_keys(:'r'::json -> 'data')), ',') = '$NEW_KEYS'
	AND :'r'::json #>> '{data,owner_id}' = 'u_1' AND :'r'::json #>> '{data,version}' = '1'
	AND :'r'::json #>> '{data,updated_at}' = :'r'::json #>> '{data,created_at}'
	AND ($total_q) = ($live_q)
	THEN 'ok' ELSE format('%s; total %s, live rows %s', :'r', ($total_q), ($live_q)) END;"
verdict "$out${err:+$'\n'$err}" "upgrade: after the update, clarky.log_activity (with owner_id) as clarky_writer: the keys of the current version, owner_id, version 1, totals exact"

victim=$(q upgrade_a -c "SELECT min(id) FROM clarky.activities WHERE workspace_id = 'ws_a' AND contact_id = 'c_1' AND metadata <> '{}'" 2>&1)
try upgrade_a "$AS_WRITER
SELECT clarky.update_activity($(lit "$victim"), '{\"title\": \"corrected after the upgrade\", \"metadata\": {\"fixed\": true}}', 1) AS r \\gset
SELECT CASE WHEN :'r'::json #>> '{data,title}' = 'corrected after the upgrade'
	AND :'r'::json #>> '{data,version}' = '2'
	AND (:'r'::json #>> '{data,updated_at}')::timestamptz > (:'r'::json #>> '{data,created_at}')::timestamptz
	AND (:'r'::json -> 'data' -> 'metadata')::jsonb = (SELECT metadata FROM clarky.activities WHERE workspace_id = 'ws_a' AND id = $(lit "$victim"))
	AND (:'r'::json -> 'data' -> 'metadata')::jsonb @> '{\"fixed\": true, \"n\": 5}'
	AND (SELECT version FROM clarky.activities WHERE workspace_id = 'ws_a' AND id = $(lit "$victim")) = 2
	THEN 'ok' ELSE :'r' END;
\\set ON_ERROR_STOP 0
\\set VERBOSITY verbose
SELECT clarky.update_activity($(lit "$victim"), '{\"title\": \"stale\"}', 1);"
if [ "$out" == ok ] && [[ $err == *"ERROR:  CK409:"* ]]; then
	pass "upgrade: clarky.update_activity of an activity logged at 1.0.0 with expected_version 1: version 2, updated_at later, metadata merged; 1 again is stale"
else
	fail "upgrade: clarky.update_activity of an activity logged at 1.0.0 with expected_version 1: version 2, updated_at later, metadata merged; 1 again is stale"
	diag "$out" "$err"
fi

victim=$(q upgrade_a -c "SELECT max(id) FROM clarky.activities WHERE workspace_id = 'ws_a' AND contact_id = 'c_1' AND title LIKE 'Activity 1_ %'" 2>&1)
ids_q="SELECT string_agg(e ->> 'id', ' ' ORDER BY i) FROM json_array_elements(clarky.contact_activities('c_1', page_size => 100) -> 'data') WITH ORDINALITY AS x (e, i)"
try upgrade_a "$AS_WRITER
SELECT ($total_q) AS total0, ($ids_q) AS ids0 \\gset
SELECT clarky.delete_activity($(lit "$victim"), 1) #>> '{data,deleted_at}' IS NOT NULL AS deleted \\gset
SELECT ($total_q) AS total1, ($ids_q) AS ids1, ($live_q) AS live1 \\gset
SELECT clarky.restore_activity($(lit "$victim")) #>> '{data,id}' AS restored \\gset
SELECT ($total_q) AS total2, ($ids_q) AS ids2 \\gset
SELECT CASE WHEN :'deleted' AND :total1 = :total0 - 1 AND :total1 = :live1 AND position($(lit "$victim") IN :'ids1') = 0
	AND :'restored' = $(lit "$victim") AND :total2 = :total0 AND :'ids2' = :'ids0'
	THEN 'ok' ELSE format('deleted %s; totals %s, %s (live %s), %s; gone %s; back in place %s', :'deleted', :total0, :total1, :live1, :total2,
		position($(lit "$victim") IN :'ids1') = 0, :'ids2' = :'ids0') END;"
verdict "$out${err:+$'\n'$err}" "upgrade: clarky.delete_activity of an activity logged at 1.0.0 takes it off its timeline and total; clarky.restore_activity puts it back in place"

try upgrade_a "SET clarky.workspace_id = 'ws_b';
INSERT INTO clarky.activities (contact_id, activity_type, title) VALUES ('c_1', 'note', 'plain insert after the upgrade')
RETURNING id AS plain_id, owner_id IS NULL AND version = 1 AND updated_at = created_at AND deleted_at IS NULL AS defaults_ok \\gset
SELECT CASE WHEN :'defaults_ok' AND ($total_q) = (SELECT count(*) FROM clarky.activities WHERE workspace_id = 'ws_b' AND contact_id = 'c_1')
	AND clarky.get_activity(:'plain_id') #>> '{data,version}' = '1'
	THEN 'ok' ELSE format('defaults %s, total %s', :'defaults_ok', ($total_q)) END;"
verdict "$out${err:+$'\n'$err}" "upgrade: a plain INSERT after the update gets owner_id null, version 1, updated_at = created_at; the trigger keeps the total exact"

q upgrade_a -f "$HERE/snapshot.sql" >"$WORK/final.jsonl" 2>&1
py_run totals "$WORK/final.jsonl"
py_check "upgrade: after these writes every total (untyped and per type) is still the count(*) of its live rows" totals
q upgrade_a -c "SELECT clarky.rebuild_activity_counts()" >/dev/null 2>"$WORK/rebuild.err"
q upgrade_a -f "$HERE/snapshot.sql" >"$WORK/rebuilt.jsonl" 2>&1
if [ ! -s "$WORK/rebuild.err" ]; then
	py_run pagination "$WORK/final.jsonl" "$WORK/rebuilt.jsonl"
	py_check "upgrade: clarky.rebuild_activity_counts() changes no total and no page" pagination
else
	fail "upgrade: clarky.rebuild_activity_counts() changes no total and no page"
	diag "$(cat "$WORK/rebuild.err")"
fi

# =============================================================================
# 2. the upgraded catalog (db A) is a fresh install's (db B)
# =============================================================================

is "$(q upgrade_b -c "SET client_min_messages = warning" -c "CREATE EXTENSION clarky_activity" \
	-c "SELECT extversion FROM pg_extension WHERE extname = 'clarky_activity'" 2>&1)" "$NEW_VERSION" \
	"catalog: db B: CREATE EXTENSION clarky_activity installs $NEW_VERSION"

q upgrade_a -f "$HERE/catalog.sql" >"$WORK/catalog_a.txt" 2>&1
q upgrade_b -f "$HERE/catalog.sql" >"$WORK/catalog_b.txt" 2>&1
SECTIONS=(extension members columns constraints indexes triggers policies acl comments)
declare -A SECTION_TITLE=(
	[extension]="the extension's version, configuration tables and schema"
	[members]="the member objects (pg_depend deptype 'e', pg_describe_object)"
	[columns]="the tables' columns: order, types, collations, NOT NULL, defaults"
	[constraints]="the tables' constraints"
	[indexes]="the indexes (pg_indexes) and their validity"
	[triggers]="the triggers, and whether each is enabled"
	[policies]="the row-level security policies (pg_policies) and flags"
	[acl]="the grants: every ACL and the extension's initial privileges (pg_init_privs)"
	[comments]="the comments on the extension, its schemas, members, columns, constraints, indexes, triggers, policies"
)
section() { # SECTION FILE
	grep "^$1: " "$2"
}
for s in "${SECTIONS[@]}"; do
	section "$s" "$WORK/catalog_b.txt" >"$WORK/fresh.$s"
	section "$s" "$WORK/catalog_a.txt" >"$WORK/upgraded.$s"
	same_text "catalog: upgraded = fresh install: ${SECTION_TITLE[$s]}" "$WORK/fresh.$s" "$WORK/upgraded.$s"
done

# pg_dump --binary-upgrade spells out every member of an extension (a plain
# dump has only CREATE EXTENSION); OIDs, xids, LSNs and the dump's random
# \restrict key are filtered out
dump_schema() { # DB
	"$PG_BIN/pg_dump" --schema-only --binary-upgrade -d "$1" 2>&1 | sed -E \
		-e '/^\\(un)?restrict /d' \
		-e '/binary_upgrade_set_next_/d' \
		-e '/binary_upgrade_set_missing_value/d' \
		-e "s/(relfrozenxid|relminmxid) = '[0-9]+'/\1 = 'N'/g" \
		-e "s/^WHERE oid = '[0-9]+';/WHERE oid = 'N';/" \
		-e "s/(binary_upgrade_create_empty_extension\(.*, )'\{[0-9,]*\}'(, '\{)/\1'{OIDS}'\2/"
}
dump_schema upgrade_b >"$WORK/fresh.dump.sql"
dump_schema upgrade_a >"$WORK/upgraded.dump.sql"
if grep -q 'CREATE FUNCTION clarky.log_activity' "$WORK/fresh.dump.sql"; then
	same_text "catalog: upgraded = fresh install: pg_dump --schema-only --binary-upgrade (every definition in clarky and clarky_api)" \
		"$WORK/fresh.dump.sql" "$WORK/upgraded.dump.sql"
else
	fail "catalog: upgraded = fresh install: pg_dump --schema-only --binary-upgrade (every definition in clarky and clarky_api)"
	diag "the fresh install's dump has no CREATE FUNCTION clarky.log_activity:" "$(head -n 20 "$WORK/fresh.dump.sql")"
fi

# Every member, column, constraint, index, trigger and policy is commented
# (operator families are made implicitly by CREATE OPERATOR CLASS)
section uncommented "$WORK/catalog_b.txt" | grep -v '^uncommented: operator family ' >"$WORK/uncommented"
if [ ! -s "$WORK/uncommented" ] && [ -s "$WORK/fresh.comments" ]; then
	pass "catalog: every object of the fresh install has a comment (but the implicit operator family)"
else
	fail "catalog: every object of the fresh install has a comment (but the implicit operator family)"
	diag "$(cat "$WORK/uncommented")"
fi

# The comparison is not blind: each section sees a change made on purpose
# (in a transaction rolled back), and the dump one made in a copy of db B
# (to objects of the frozen 1.0.0 SQL, which 1.1.0 cannot rename).
declare -A BREAK=(
	[extension]="UPDATE pg_extension SET extversion = '0.0.0' WHERE extname = 'clarky_activity';"
	[members]="ALTER EXTENSION clarky_activity DROP FUNCTION clarky.new_activity_id();"
	[columns]="ALTER TABLE clarky.activities ALTER COLUMN metadata SET DEFAULT '{\"x\": 1}';"
	[constraints]="ALTER TABLE clarky.activities DROP CONSTRAINT activities_metadata_object;"
	[indexes]="DROP INDEX clarky.activities_company_timeline; CREATE INDEX activities_company_timeline ON clarky.activities (workspace_id, company_id);"
	[triggers]="ALTER TABLE clarky.activities DISABLE TRIGGER activities_counts;"
	[policies]="ALTER POLICY activities_workspace ON clarky.activities USING (true);"
	[acl]="GRANT SELECT ON clarky.api_keys TO clarky_reader;"
	[comments]="COMMENT ON COLUMN clarky.activities.metadata IS 'changed on purpose';"
)
blind=()
for s in "${SECTIONS[@]}"; do
	{
		echo "BEGIN;"
		echo "${BREAK[$s]}"
		cat "$HERE/catalog.sql"
		echo "ROLLBACK;"
	} | q upgrade_b >"$WORK/broken.txt" 2>&1
	section "$s" "$WORK/broken.txt" >"$WORK/broken.$s"
	if cmp -s "$WORK/fresh.$s" "$WORK/broken.$s" || ! [ -s "$WORK/broken.$s" ]; then
		blind+=("$s: $(grep -m 1 ERROR "$WORK/broken.txt")")
	fi
done
q postgres -c "CREATE DATABASE upgrade_broken TEMPLATE upgrade_b" &&
	q upgrade_broken -c "COMMENT ON FUNCTION clarky.log_activity(jsonb) IS 'changed on purpose'" &&
	dump_schema upgrade_broken >"$WORK/broken.dump.sql"
if cmp -s "$WORK/fresh.dump.sql" "$WORK/broken.dump.sql" || ! grep -q 'changed on purpose' "$WORK/broken.dump.sql"; then
	blind+=("pg_dump")
fi
if [ ${#blind[@]} -eq 0 ]; then
	pass "catalog: each comparison above sees a change made on purpose in a fresh install"
else
	fail "catalog: each comparison above sees a change made on purpose in a fresh install"
	diag "blind to the change:" "${blind[@]}"
fi

# =============================================================================
# 3. the new library with the 1.0.0 SQL (db C)
# =============================================================================

# old_sql DESCRIPTION SQL: SQL on db C prints "ok" (it ran and found its
# result right), or fails with an error whose hint names ALTER EXTENSION
# clarky_activity UPDATE
old_sql() {
	local desc="old SQL: $1"
	try upgrade_c "SET client_min_messages = warning;
$2"
	if [ "$rc" -eq 0 ] && [ "$out" == ok ]; then
		pass "$desc (works)"
	elif [ "$rc" -ne 0 ] && grep -Eq "$HINT_RE" <<<"$err"; then
		pass "$desc (refused with the hint: $(grep -m 1 '^ERROR:' <<<"$err" | sed 's/^ERROR: *//'))"
	else
		fail "$desc"
		if grep -q 'server closed the connection unexpectedly' <<<"$err"; then
			diag "THE BACKEND CRASHED"
		fi
		diag "${out:+output: $out}" "$err"
	fi
}
# The activity counts agree with the rows (plain SQL, no C): "ok" or the
# owners whose counts are wrong
COUNTS_AGREE="SELECT CASE WHEN count(*) = 0 THEN 'ok' ELSE 'counts differ from the rows: ' || string_agg(format('%s/%s/%s rows %s counts %s', workspace_id, kind, owner, r, c), '; ') END
FROM (SELECT coalesce(r.workspace_id, c.workspace_id) AS workspace_id, coalesce(r.kind, c.owner_kind) AS kind,
			 coalesce(r.owner, c.owner_id) AS owner, r.n AS r, c.n AS c
	  FROM (SELECT a.workspace_id, o.kind, o.owner,
				   ARRAY[count(*) FILTER (WHERE a.activity_type::text = 'note'), count(*) FILTER (WHERE a.activity_type::text = 'call'),
						 count(*) FILTER (WHERE a.activity_type::text = 'meeting'), count(*) FILTER (WHERE a.activity_type::text = 'video_call'),
						 count(*) FILTER (WHERE a.activity_type::text = 'task'), count(*) FILTER (WHERE a.activity_type::text = 'todo'),
						 count(*) FILTER (WHERE a.activity_type::text = 'reminder')] AS n
			FROM clarky.activities AS a
			CROSS JOIN LATERAL (VALUES ('contact', a.contact_id), ('company', a.company_id)) AS o (kind, owner)
			WHERE o.owner IS NOT NULL GROUP BY 1, 2, 3) AS r
	  FULL JOIN (SELECT workspace_id, owner_kind, owner_id,
						ARRAY[sum(notes), sum(calls), sum(meetings), sum(video_calls), sum(tasks), sum(todos), sum(reminders)]::bigint[] AS n
				 FROM clarky.activity_counts GROUP BY 1, 2, 3) AS c
		ON c.workspace_id = r.workspace_id AND c.owner_kind = r.kind AND c.owner_id = r.owner
	  WHERE r.n IS DISTINCT FROM c.n AND NOT (r.n IS NULL AND c.n = '{0,0,0,0,0,0,0}')) AS wrong"

is "$(q upgrade_c -c "SET client_min_messages = warning" -c "CREATE EXTENSION clarky_activity VERSION '1.0.0'" \
	-c "SELECT extversion FROM pg_extension WHERE extname = 'clarky_activity'" 2>&1)" 1.0.0 \
	"old SQL: db C: CREATE EXTENSION clarky_activity VERSION '1.0.0' (the new library has every 1.0.0 symbol)"

SEED="INSERT INTO clarky.activities (contact_id, company_id, activity_type, title, occurred_at, metadata, duration_minutes)
SELECT CASE WHEN g % 4 <> 0 THEN 'c_1' END, CASE WHEN g % 2 = 0 THEN 'co_1' END, ($TYPES)[1 + g % 7]::clarky.activity_type,
	   'seed ' || g, timestamptz '2025-01-01 00:00:00+00' + (g % 9) * interval '1 day', jsonb_build_object('g', g), g * 0.5
FROM generate_series(1, 20) AS g;"
old_sql "plain INSERT into clarky.activities (defaults new_activity_id(), current_workspace(); the counts trigger)" \
	"SET clarky.workspace_id = 'ws_c';
$SEED
SET clarky.workspace_id = 'ws_d';
INSERT INTO clarky.activities (contact_id, activity_type) VALUES ('c_1', 'note'), ('c_1', 'call');
$COUNTS_AGREE;"
if [ "$(q upgrade_c -c "SELECT count(*) FROM clarky.activities")" != 22 ]; then
	# the library refused: seed without it, so that the reads can be checked
	diag "seeding db C without the library (no triggers, then clarky.rebuild_activity_counts())"
	q upgrade_c >/dev/null <<SQL
SET session_replication_role = replica;
INSERT INTO clarky.activities (workspace_id, id, contact_id, company_id, activity_type, title, occurred_at, metadata, duration_minutes)
SELECT 'ws_c', 'a_01SEED' || lpad(g::text, 20, '0'), CASE WHEN g % 4 <> 0 THEN 'c_1' END, CASE WHEN g % 2 = 0 THEN 'co_1' END,
	   ($TYPES)[1 + g % 7]::clarky.activity_type, 'seed ' || g, timestamptz '2025-01-01 00:00:00+00' + (g % 9) * interval '1 day',
	   jsonb_build_object('g', g), g * 0.5
FROM generate_series(1, 20) AS g;
INSERT INTO clarky.activities (workspace_id, id, contact_id, activity_type)
VALUES ('ws_d', 'a_01SEEDD0000000000000000001', 'c_1', 'note'), ('ws_d', 'a_01SEEDD0000000000000000002', 'c_1', 'call');
SET session_replication_role = origin;
SELECT clarky.rebuild_activity_counts();
SQL
fi
old_sql "plain UPDATE of clarky.activities (owner, type and workspace moved; the counts trigger)" \
	"UPDATE clarky.activities SET contact_id = 'c_2' WHERE workspace_id = 'ws_c' AND title = 'seed 1';
UPDATE clarky.activities SET activity_type = 'reminder' WHERE workspace_id = 'ws_c' AND title = 'seed 2';
UPDATE clarky.activities SET workspace_id = 'ws_d' WHERE workspace_id = 'ws_c' AND title = 'seed 3';
$COUNTS_AGREE;"
old_sql "plain DELETE from clarky.activities (the counts trigger)" \
	"DELETE FROM clarky.activities WHERE workspace_id = 'ws_c' AND title IN ('seed 5', 'seed 6');
$COUNTS_AGREE;"

old_sql "clarky.log_activity" \
	"SET clarky.workspace_id = 'ws_c';
SELECT clarky.log_activity('{\"activity_type\": \"call\", \"contact_id\": \"c_1\", \"company_id\": \"co_1\", \"title\": \"old SQL\", \"duration_minutes\": 12.5, \"metadata\": {\"k\": [1, 2]}, \"occurred_at\": \"2026-01-02T03:04:05.678Z\"}') AS r \\gset
SELECT CASE WHEN array_to_string(ARRAY(SELECT json_object_keys(:'r'::json -> 'data')), ',') = '$OLD_KEYS'
	AND :'r'::json #>> '{data,id}' ~ '^a_[0-9A-HJKMNP-TV-Z]{26}\$'
	AND :'r'::json #>> '{data,title}' = 'old SQL' AND :'r'::json #>> '{data,duration_minutes}' = '12.5'
	AND :'r'::json #>> '{data,occurred_at}' = '2026-01-02T03:04:05.678Z'
	AND (SELECT count(*) FROM clarky.activities WHERE workspace_id = 'ws_c' AND id = :'r'::json #>> '{data,id}' AND title = 'old SQL') = 1
	THEN 'ok' ELSE :'r' END;"
try upgrade_c "SET clarky.workspace_id = 'ws_c';
SELECT clarky.log_activity('{\"activity_type\": \"note\", \"contact_id\": \"c_1\", \"owner_id\": \"u_1\"}');"
if [ "$rc" -ne 0 ] && { [[ $err == *'unknown field "owner_id"'* ]] || grep -Eq "$HINT_RE" <<<"$err"; }; then
	pass "old SQL: clarky.log_activity with a 1.1.0 field (owner_id) is refused: $(grep -m 1 '^ERROR:' <<<"$err" | sed 's/^ERROR: *//')"
else
	fail "old SQL: clarky.log_activity with a 1.1.0 field (owner_id) is refused (unknown field, or the ALTER EXTENSION hint)"
	diag "${out:+output: $out}" "$err"
fi

# timeline_ok KIND OWNER: the timeline in ws_c, as its rows say: every page
# of 3, a type filter, the totals, the 1.0.0 keys
timeline_ok() {
	local f="clarky.$1_activities" col="$1_id"
	echo "SET clarky.workspace_id = 'ws_c';
WITH want AS (SELECT array_agg(id ORDER BY occurred_at DESC, id DESC) AS ids,
					 array_agg(id ORDER BY occurred_at DESC, id DESC) FILTER (WHERE activity_type::text = 'call') AS calls
			  FROM clarky.activities WHERE workspace_id = 'ws_c' AND $col = '$2'),
pages AS (SELECT p, $f('$2', NULL, p, 3) AS r FROM generate_series(1, 12) AS p),
got AS (SELECT array_agg(e ->> 'id' ORDER BY p, i) AS ids,
			   bool_and(array_to_string(ARRAY(SELECT json_object_keys(e)), ',') = '$OLD_KEYS') AS keys_ok
		FROM pages, json_array_elements(r -> 'data') WITH ORDINALITY AS x (e, i)),
typed AS (SELECT $f('$2', 'call', 1, 100) AS r)
SELECT CASE WHEN got.ids = want.ids AND got.keys_ok
	AND (SELECT bool_and((r #>> '{pagination,total}')::int = cardinality(want.ids)
						 AND (r #>> '{pagination,total_pages}')::int = ceil(cardinality(want.ids) / 3.0)) FROM pages)
	AND ARRAY(SELECT e ->> 'id' FROM typed, json_array_elements(typed.r -> 'data') AS e) = coalesce(want.calls, '{}')
	AND (typed.r #>> '{pagination,total}')::int = coalesce(cardinality(want.calls), 0)
	THEN 'ok' ELSE format('ids %s, want %s; keys ok %s; page 1: %s', got.ids, want.ids, got.keys_ok,
						  (SELECT r FROM pages WHERE p = 1)) END
FROM want, got, typed;"
}
old_sql "clarky.contact_activities (every page of 3, a type filter, totals, the 1.0.0 keys)" "$(timeline_ok contact c_1)"
old_sql "clarky.company_activities (every page of 3, a type filter, totals, the 1.0.0 keys)" "$(timeline_ok company co_1)"
old_sql "clarky.new_activity_id" \
	"SELECT CASE WHEN a ~ '^a_[0-9A-HJKMNP-TV-Z]{26}\$' AND b ~ '^a_[0-9A-HJKMNP-TV-Z]{26}\$' AND b > a THEN 'ok' ELSE a || ' ' || b END
FROM (SELECT clarky.new_activity_id() AS a) AS x, LATERAL (SELECT clarky.new_activity_id() || left(a, 0) AS b) AS y;"
old_sql "clarky.current_workspace" \
	"SELECT clarky.current_workspace() AS unset \\gset
SET clarky.workspace_id = 'ws_c';
SELECT CASE WHEN :'unset' = 'default' AND clarky.current_workspace() = 'ws_c' THEN 'ok' ELSE :'unset' || ' ' || clarky.current_workspace() END;"
old_sql "clarky.generate_api_key" \
	"SELECT CASE WHEN k ~ '^ck_live_[0-9a-z]{30}\$' THEN 'ok' ELSE k END FROM clarky.generate_api_key() AS k;"
old_sql "clarky.create_api_key" \
	"SELECT clarky.create_api_key('ws_c', ARRAY['write'], 'old SQL') AS k \\gset
SELECT CASE WHEN :'k' ~ '^ck_live_[0-9a-z]{30}\$' AND (SELECT scopes = '{read,write}' AND key_hash = sha256(convert_to(:'k', 'UTF8'))
	FROM clarky.api_keys WHERE name = 'old SQL') THEN 'ok' ELSE :'k' END;"
# a key stored with plain SQL, for the functions that read keys
FIXED_KEY=ck_live_upgradetest0123456789abcdefghi
q upgrade_c -c "INSERT INTO clarky.api_keys (id, workspace_id, key_hash, key_prefix, scopes, name)
	VALUES ('k_FIXED', 'ws_c', sha256(convert_to('$FIXED_KEY', 'UTF8')), left('$FIXED_KEY', 12), '{read,write}', 'fixed')" >/dev/null
old_sql "clarky.list_api_keys" \
	"SELECT CASE WHEN count(*) = (SELECT count(*) FROM clarky.api_keys) AND bool_or(id = 'k_FIXED' AND workspace_id = 'ws_c' AND key_prefix = 'ck_live_upgr' AND scopes = '{read,write}' AND revoked_at IS NULL)
	THEN 'ok' ELSE string_agg(k::text, ' ') END FROM clarky.list_api_keys() AS k;"
old_sql "clarky.resolve_api_key" \
	"SELECT CASE WHEN (SELECT array_agg(format('%s %s', workspace_id, scope)) FROM clarky.resolve_api_key('$FIXED_KEY')) = '{\"ws_c write\"}'
	AND NOT EXISTS (SELECT FROM clarky.resolve_api_key('ck_live_unknown0123456789abcdefghijk')) THEN 'ok' ELSE 'wrong' END;"
old_sql "clarky_api.pre_request (with the key in X-Api-Key)" \
	"BEGIN;
SELECT set_config('request.headers', '{\"x-api-key\": \"$FIXED_KEY\"}', true) \\g /dev/null
SELECT clarky_api.pre_request() \\g /dev/null
SELECT CASE WHEN current_setting('clarky.workspace_id') = 'ws_c' AND current_setting('clarky.scope') = 'write'
	AND current_user = 'clarky_writer' THEN 'ok' ELSE current_setting('clarky.workspace_id') || ' ' || current_user END;
ROLLBACK;"
# api_call SCOPE: bind what the pre-request would, in a transaction
api_call() {
	echo "BEGIN;
SELECT set_config('clarky.workspace_id', 'ws_c', true), set_config('clarky.scope', '$1', true) \\g /dev/null"
}
old_sql "clarky_api.contact_activities (scope read): clarky.contact_activities' answer, status 200" \
	"$(api_call read)
SELECT clarky_api.contact_activities('c_1', NULL, '1', '100')::text = clarky.contact_activities('c_1', NULL, 1, 100)::text AS same,
	   current_setting('response.status', true) AS status \\gset
SELECT CASE WHEN :'same' AND :'status' = '200' THEN 'ok' ELSE format('same %s, status %s: %s', :'same', :'status',
	clarky_api.contact_activities('c_1', NULL, '1', '100')) END;
COMMIT;"
old_sql "clarky_api.company_activities (scope read): clarky.company_activities' answer, status 200" \
	"$(api_call read)
SELECT clarky_api.company_activities('co_1', 'call', '1', '2')::text = clarky.company_activities('co_1', 'call', 1, 2)::text AS same,
	   current_setting('response.status', true) AS status \\gset
SELECT CASE WHEN :'same' AND :'status' = '200' THEN 'ok' ELSE format('same %s, status %s: %s', :'same', :'status',
	clarky_api.company_activities('co_1', 'call', '1', '2')) END;
COMMIT;"
old_sql "clarky_api.log_activity (scope write): 201, the 1.0.0 keys, stored" \
	"$(api_call write)
SELECT clarky_api.log_activity('{\"activity_type\": \"todo\", \"company_id\": \"co_1\", \"title\": \"old SQL api\"}') AS r,
	   current_setting('response.status', true) AS status \\gset
SELECT CASE WHEN :'status' = '201' AND array_to_string(ARRAY(SELECT json_object_keys(:'r'::json -> 'data')), ',') = '$OLD_KEYS'
	AND (SELECT count(*) FROM clarky.activities WHERE workspace_id = 'ws_c' AND id = :'r'::json #>> '{data,id}') = 1
	THEN 'ok' ELSE :'status' || ' ' || :'r' END;
COMMIT;"
old_sql "clarky_api.log_activity (scope read): 403 forbidden, nothing stored" \
	"SELECT count(*) AS before FROM clarky.activities \\gset
$(api_call read)
SELECT clarky_api.log_activity('{\"activity_type\": \"todo\", \"company_id\": \"co_1\"}') AS r, current_setting('response.status', true) AS status \\gset
COMMIT;
SELECT CASE WHEN :'status' = '403' AND :'r'::json #>> '{error,code}' = 'forbidden' AND (SELECT count(*) FROM clarky.activities) = :before
	THEN 'ok' ELSE :'status' || ' ' || :'r' END;"
old_sql "clarky.revoke_api_key" \
	"SELECT clarky.revoke_api_key('$FIXED_KEY') AS first, clarky.revoke_api_key('k_FIXED') AS second \\gset
SELECT CASE WHEN :'first' AND NOT :'second' AND NOT EXISTS (SELECT FROM clarky.resolve_api_key('$FIXED_KEY')) THEN 'ok'
	ELSE :'first' || ' ' || :'second' END;"
old_sql "clarky.rebuild_activity_counts" \
	"SELECT clarky.rebuild_activity_counts() AS rebuilt \\gset
SELECT CASE WHEN :rebuilt = (SELECT count(*) FROM (SELECT DISTINCT workspace_id, kind, owner FROM clarky.activities
		CROSS JOIN LATERAL (VALUES ('contact', contact_id), ('company', company_id)) AS o (kind, owner) WHERE owner IS NOT NULL) AS x)
	THEN ($COUNTS_AGREE) ELSE 'returned ' || :rebuilt END;"
verdict "$(q upgrade_c <<<"$COUNTS_AGREE;" 2>&1)" "old SQL: after all these calls, clarky.activity_counts agrees with the rows"
old_sql "TRUNCATE clarky.activities (the counts trigger empties the counts), then INSERT again" \
	"TRUNCATE clarky.activities;
SELECT count(*) AS left_over FROM clarky.activity_counts \\gset
SET clarky.workspace_id = 'ws_c';
$SEED
SELECT CASE WHEN :left_over = 0 THEN ($COUNTS_AGREE) ELSE :left_over || ' count rows left after TRUNCATE' END;"

# =============================================================================
# 5. the scripts run where Citus propagates them (db D)
# =============================================================================
# Citus runs the coordinator's CREATE EXTENSION and ALTER EXTENSION ... UPDATE
# again on each worker: SET citus.enable_ddl_propagation TO 'off', the
# command, and PREPARE TRANSACTION, its two-phase commit.  Each install and
# update is run so here, prepared and committed; then run as on one node,
# where PostgREST must hear its reload.
RELOAD_RE='^Asynchronous notification "pgrst" with payload "reload schema" received'
# as_worker COMMAND...: run the commands (after db D's SETUP, when set) as
# Citus runs them on a worker; sets out, err, rc
as_worker() {
	try upgrade_d "SET client_min_messages = warning;
${SETUP:+$SETUP;}
BEGIN;
SET citus.enable_ddl_propagation TO 'off';
$*;
PREPARE TRANSACTION 'clarky_worker';
COMMIT PREPARED 'clarky_worker';
SELECT extversion FROM pg_extension WHERE extname = 'clarky_activity';"
}
# reloads COMMAND...: how many reloads a session hears that LISTENs and runs
# the commands (after db D's SETUP); and the version then installed
reloads() {
	local said
	said=$("$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d upgrade_d -c "SET client_min_messages = warning" \
		${SETUP:+-c "$SETUP"} -c "LISTEN pgrst" -c "$*" \
		-c "SELECT extversion FROM pg_extension WHERE extname = 'clarky_activity'" 2>&1)
	echo "$(grep -c "$RELOAD_RE" <<<"$said") $(grep -v "$RELOAD_RE" <<<"$said")"
}
DROP_D="DROP EXTENSION IF EXISTS clarky_activity"

SETUP="$DROP_D; CREATE EXTENSION clarky_activity VERSION '1.0.0'"
as_worker "ALTER EXTENSION clarky_activity UPDATE TO '1.1.0'"
if [ "$rc" -ne 0 ] && grep -q 'cannot PREPARE a transaction that has executed LISTEN, UNLISTEN, or NOTIFY' <<<"$err"; then
	pass "citus: a frozen step (1.0.0 to 1.1.0), run as on a worker, cannot be prepared: it sends NOTIFY (what Citus met)"
else
	fail "citus: a frozen step (1.0.0 to 1.1.0), run as on a worker, cannot be prepared: it sends NOTIFY (what Citus met)"
	diag "rc $rc" "${out:-}" "${err:-}"
fi
SETUP=$DROP_D
as_worker "CREATE EXTENSION clarky_activity"
is "$out${err:+ $err}" "$NEW_VERSION" "citus: CREATE EXTENSION clarky_activity, run as on a worker, is prepared and committed: $NEW_VERSION"
is "$(reloads "$DROP_D; CREATE EXTENSION clarky_activity")" "1 $NEW_VERSION" \
	"citus: on one node CREATE EXTENSION clarky_activity sends PostgREST's reload, once"
for from in $(q upgrade_d -c "SELECT source FROM pg_extension_update_paths('clarky_activity')
		WHERE target = '$NEW_VERSION' AND path IS NOT NULL ORDER BY string_to_array(source, '.')::int[]"); do
	SETUP="$DROP_D; CREATE EXTENSION clarky_activity VERSION '$from'"
	as_worker "ALTER EXTENSION clarky_activity UPDATE"
	is "$out${err:+ $err}" "$NEW_VERSION" \
		"citus: from $from, ALTER EXTENSION clarky_activity UPDATE, run as on a worker, is prepared and committed: $NEW_VERSION"
	is "$(SETUP="$SETUP; SET citus.enable_ddl_propagation TO 'off'" reloads "ALTER EXTENSION clarky_activity UPDATE")" \
		"0 $NEW_VERSION" "citus: from $from, the update as on a worker sends no reload (PostgREST is told on the coordinator)"
	is "$(reloads "ALTER EXTENSION clarky_activity UPDATE")" "1 $NEW_VERSION" \
		"citus: from $from, the update on one node sends PostgREST's reload, once"
done
unset SETUP
is "$(q upgrade_d -c "SELECT count(*) FROM pg_prepared_xacts" 2>&1)" 0 "citus: no prepared transaction is left behind"

# =============================================================================
# the server lived through it all
# =============================================================================

is "$(q postgres -c "SELECT pg_postmaster_start_time()" 2>&1)" "$started_at" \
	"server: still up, pg_postmaster_start_time unchanged"
crashes=$(grep -E 'terminated by signal|was terminated|server process .* exited with|terminating any other active server processes' \
	"$WORK/postgres.log" | head -n 10)
if kill -0 "$SENTINEL_PID" 2>/dev/null && [ -z "$crashes" ]; then
	pass "server: no backend crashed (a session open since the start is still connected; the log has no 'terminated by signal')"
else
	fail "server: no backend crashed (a session open since the start is still connected; the log has no 'terminated by signal')"
	diag "${crashes:-the session open since the start is gone}"
fi

tap_end upgrade
