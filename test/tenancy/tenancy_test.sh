#!/usr/bin/env bash
# test/tenancy/tenancy_test.sh: who can choose a workspace, tried by login
# roles over real SQL sessions (a fresh connection for every check), on a
# throw-away PostgreSQL 15 cluster of its own; then a dump and restore into
# a second cluster keeps the confinement.  Prints TAP and ends with
# "# tenancy: N passed, N failed"; exits 0 when every check passed.
#
#   t_writer  clarky_writer only: neither trusted nor confined
#   t_conf    clarky_writer and clarky_anon, confined to ws_a
#   t_multi   clarky_writer, confined to ws_a and ws_b
#   t_app     clarky_writer, trusted (GRANT SET ON PARAMETER clarky.workspace_id)
#   t_stray   clarky_reader, confined to ws_a, given clarky.workspace_id ws_b
#             by an administrator: refused where the workspace is resolved
#
# Run it alone as root after make install, or from scripts/test.sh.
#   CLARKY_TENANCY_PORT  the cluster's port (default 25640); the restore's
#                        cluster on PORT+1
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
set +e	# (lib.sh sets -e) a failing check must not stop the others
require_root "$@"
source "$REPO_DIR/test/tap.sh"

PORT=${CLARKY_TENANCY_PORT:-25640}
RESTORE_PORT=$((PORT + 1))
WORK=$(mktemp -d /tmp/clarky-tenancy.XXXXXX)
chmod 755 "$WORK"
cleanup() {
	stop_cluster "$WORK/restore"
	stop_cluster "$WORK"
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

DB=clarky_tenancy
# as ROLE [PGOPTIONS] <<< SQL: a fresh session of ROLE; sets out (stdout and
# stderr, errors with their SQLSTATE)
as() {
	local role=$1 options=${2:-}
	out=$(PGOPTIONS="$options" "$PG_BIN/psql" -X -q -At -v VERBOSITY=verbose \
		-h "$CLUSTER_HOST" -p "$CLUSTER_PORT" -U "$role" -d "$DB" 2>&1 |
		sed -e 's/^psql:<stdin>:[0-9]*: //' -e '/^LOCATION:  /d')
}
# check DESCRIPTION EXPECTED: the last session's output is EXPECTED
check() {
	is "$out" "$2" "$1"
}
# refused DESCRIPTION SQLSTATE MESSAGE-PATTERN: the last session's only
# error has that SQLSTATE and a message matching the pattern
refused() {
	if grep -Eq "^ERROR:  $2: $3" <<<"$out"; then
		pass "$1"
	else
		fail "$1"
		diag "got: $out" "expected: ERROR:  $2: $3"
	fi
}
as_superuser() { # psql as the superuser, stopping at the first error
	"$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$CLUSTER_HOST" -p "$CLUSTER_PORT" -U postgres "$@"
}

# ---- the cluster, the activities, the roles ------------------------------------
start_cluster "$WORK" "$PORT" >/dev/null || bail "could not start the cluster"
CLUSTER_HOST=$WORK CLUSTER_PORT=$PORT
as_superuser -d postgres -c "CREATE DATABASE $DB" || bail "could not create $DB"
as_superuser -d "$DB" >"$WORK/setup.out" 2>&1 <<'SQL' || { cat "$WORK/setup.out"; bail "setup failed"; }
SET client_min_messages = warning;
CREATE EXTENSION clarky_activity;
DO $$
BEGIN
	FOR i IN 1..3 LOOP
		PERFORM clarky.use_workspace('ws_a', true);
		PERFORM clarky.log_activity('{"activity_type": "note", "contact_id": "c_a", "title": "a"}');
		PERFORM clarky.use_workspace('ws_b', true);
		PERFORM clarky.log_activity('{"activity_type": "call", "contact_id": "c_b", "title": "b"}');
		PERFORM clarky.log_activity('{"activity_type": "call", "contact_id": "c_b", "title": "b"}');
	END LOOP;
	PERFORM clarky.use_workspace('', true);
	PERFORM clarky.log_activity('{"activity_type": "task", "contact_id": "c_d", "title": "d"}');
END
$$;
CREATE ROLE t_writer LOGIN IN ROLE clarky_writer;
CREATE ROLE t_conf LOGIN IN ROLE clarky_writer, clarky_anon;
ALTER ROLE t_conf SET clarky.allowed_workspaces = 'ws_a';
CREATE ROLE t_multi LOGIN IN ROLE clarky_writer;
ALTER ROLE t_multi SET clarky.allowed_workspaces = 'ws_a, ws_b';
CREATE ROLE t_app LOGIN IN ROLE clarky_writer;
GRANT SET ON PARAMETER clarky.workspace_id TO t_app;
CREATE ROLE t_stray LOGIN IN ROLE clarky_reader;
ALTER ROLE t_stray SET clarky.allowed_workspaces = 'ws_a';
ALTER ROLE t_stray SET clarky.workspace_id = 'ws_b';
SELECT clarky.create_api_key('ws_a', ARRAY['write'], 'key a');
SELECT clarky.create_api_key('ws_b', ARRAY['write'], 'key b');
SQL
KEY_A=$(sed -n 1p "$WORK/setup.out")
KEY_B=$(sed -n 2p "$WORK/setup.out")
[[ $KEY_A == ck_live_* && $KEY_B == ck_live_* ]] || bail "no API keys: $(cat "$WORK/setup.out")"

# what each session sees: its workspace, the rows and counts it can read
SEEN="SELECT clarky.current_workspace() || ' ' || (SELECT count(*) FROM clarky.activities)
	|| ' ' || (SELECT coalesce(sum(notes + calls + tasks), 0) FROM clarky.activity_counts);"

# ---- a role neither trusted nor confined: the default workspace only ------------
as t_writer <<<"$SEEN"
check "untrusted: acts in the default workspace, reads its one row and its count" "default 1 1"
as t_writer <<<"SELECT clarky.current_workspace(); SET clarky.workspace_id = 'ws_b';"
refused "untrusted: SET clarky.workspace_id, the library loaded, is refused" 42501 \
	'permission denied to set parameter "clarky.workspace_id"'
as t_writer <<<"SELECT clarky.current_workspace(); SELECT set_config('clarky.workspace_id', 'ws_b', false);"
refused "untrusted: set_config('clarky.workspace_id') is refused" 42501 \
	'permission denied to set parameter "clarky.workspace_id"'
as t_writer <<<"SET clarky.workspace_id = 'ws_b'; $SEEN"
check "untrusted: a SET before the library is loaded is dropped when it loads (warned)" \
	"$(printf 'WARNING:  42501: permission denied to set parameter "clarky.workspace_id"\ndefault 1 1')"
as t_writer "-c clarky.workspace_id=ws_b" <<<"$SEEN"
check "untrusted: PGOPTIONS -c clarky.workspace_id is dropped (warned)" \
	"$(printf 'WARNING:  42501: permission denied to set parameter "clarky.workspace_id"\ndefault 1 1')"
as t_writer <<<"ALTER ROLE t_writer SET clarky.workspace_id = 'ws_b';"
refused "untrusted: ALTER ROLE ... SET clarky.workspace_id, the library not loaded, is refused" 42501 \
	'permission denied to set parameter "clarky.workspace_id"'
as t_writer <<<"SELECT clarky.current_workspace(); ALTER ROLE t_writer SET clarky.workspace_id = 'ws_b';"
refused "untrusted: ALTER ROLE ... SET clarky.workspace_id, the library loaded, is refused" 42501 \
	'permission denied to set parameter "clarky.workspace_id"'
as t_writer <<<"BEGIN; SELECT clarky.current_workspace(); SET LOCAL clarky.workspace_id = 'ws_b';"
refused "untrusted: SET LOCAL is refused" 42501 'permission denied to set parameter "clarky.workspace_id"'
as t_writer <<<"SELECT clarky.use_workspace('ws_b');"
refused "untrusted: clarky.use_workspace('ws_b') is refused, naming the setting" CK403 \
	'role "t_writer" may not choose a workspace'
as t_writer <<<"SELECT clarky.may_use_workspace('ws_b'), clarky.may_use_workspace('');"
check "untrusted: clarky.may_use_workspace says no (clearing: yes)" "f|t"
as t_writer <<<"BEGIN; SET LOCAL request.jwt.claims = '{\"role\": \"clarky_writer\", \"workspace_id\": \"ws_b\"}';
SELECT clarky_api.pre_request();
SELECT current_setting('clarky.auth_error') || ' / ' || clarky.current_workspace();
SELECT clarky_api.contact_activities('c_b')::text; COMMIT;"
check "untrusted: forged JWT claims through clarky_api.pre_request bind nothing; the API answers 401" \
	"$(printf '\ntokens are not accepted by this server / default\n{"error": {"code": "unauthorized", "message": "tokens are not accepted by this server", "details": null}}')"
as t_writer <<<"SELECT clarky.use_api_key('$KEY_B');"
refused "untrusted: clarky.use_api_key needs the anonymous role's privilege" 42501 \
	'permission denied for function use_api_key'
as t_writer <<<"SELECT (clarky.contact_activities('c_b') -> 'pagination' ->> 'total');
SELECT clarky.log_activity('{\"activity_type\": \"note\", \"contact_id\": \"c_b\"}') #>> '{data,contact_id}';"
check "untrusted: another workspace's timeline is empty; a logged activity lands in the default workspace" \
	"$(printf '0\nc_b')"
as t_writer <<<"INSERT INTO clarky.activities (workspace_id, id, contact_id, activity_type)
	VALUES ('ws_b', clarky.new_activity_id(), 'c_b', 'note');"
refused "untrusted: a plain INSERT into another workspace is refused by row-level security" 42501 \
	'new row violates row-level security policy'
is "$(as_superuser -d "$DB" -c "SELECT string_agg(workspace_id || ':' || n, ' ' ORDER BY workspace_id)
	FROM (SELECT workspace_id, count(*) AS n FROM clarky.activities GROUP BY 1) AS c")" \
	"default:2 ws_a:3 ws_b:6" "untrusted: nothing was written outside the default workspace"

# ---- a confined role: its workspace only, whatever it sets ----------------------
as t_conf <<<"$SEEN"
check "confined: acts in its only workspace without binding it, reads its rows and counts" "ws_a 3 3"
as t_conf <<<"SELECT clarky.current_workspace(); SET clarky.workspace_id = 'ws_b';"
refused "confined: SET clarky.workspace_id is refused" 42501 'permission denied to set parameter "clarky.workspace_id"'
as t_conf <<<"SELECT clarky.current_workspace(); SET clarky.allowed_workspaces = '';"
refused "confined: SET clarky.allowed_workspaces is refused" 42501 \
	'permission denied to set parameter "clarky.allowed_workspaces"'
as t_conf <<<"SET clarky.allowed_workspaces = ''; SET clarky.workspace_id = 'ws_b'; $SEEN"
check "confined: settings given before the library is loaded are dropped when it loads" \
	"$(printf 'WARNING:  42501: permission denied to set parameter "clarky.workspace_id"\nWARNING:  42501: permission denied to set parameter "clarky.allowed_workspaces"\nws_a 3 3')"
as t_conf "-c clarky.allowed_workspaces= -c clarky.workspace_id=ws_b" <<<"$SEEN"
check "confined: PGOPTIONS cannot lift the confinement" \
	"$(printf 'WARNING:  42501: permission denied to set parameter "clarky.workspace_id"\nWARNING:  42501: permission denied to set parameter "clarky.allowed_workspaces"\nws_a 3 3')"
as t_conf <<<"ALTER ROLE t_conf SET clarky.allowed_workspaces = '';"
refused "confined: ALTER ROLE ... SET clarky.allowed_workspaces is refused" 42501 \
	'permission denied to set parameter "clarky.allowed_workspaces"'
PARALLEL="SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off;"
as t_conf <<<"$PARALLEL SELECT count(*) FROM clarky.activities;
EXPLAIN (COSTS OFF) SELECT count(*) FROM clarky.activities;"
grep -q '^3$' <<<"$out" && grep -q 'Parallel Seq Scan' <<<"$out" &&
	pass "confined: a parallel scan, the library first loaded by it, counts its workspace's rows only (in the workers too)" ||
	{ fail "confined: a parallel scan, the library first loaded by it, counts its workspace's rows only (in the workers too)"; diag "$out"; }
as t_conf <<<"SELECT clarky.current_workspace(); RESET ALL; DISCARD ALL; $SEEN"
check "confined: RESET ALL and DISCARD ALL keep the confinement" "$(printf 'ws_a\nws_a 3 3')"
as t_conf <<<"SELECT clarky.use_workspace('ws_b');"
refused "confined: clarky.use_workspace('ws_b') is refused, naming the setting" CK403 \
	'workspace "ws_b" is not one of this session.s workspaces'
grep -q '^DETAIL:  Setting "clarky.allowed_workspaces" confines the session to: ws_a.' <<<"$out" &&
	pass "confined: the refusal's detail names clarky.allowed_workspaces" ||
	{ fail "confined: the refusal's detail names clarky.allowed_workspaces"; diag "$out"; }
as t_conf <<<"SELECT clarky.use_workspace('ws_a'); SELECT clarky.may_use_workspace('ws_a'), clarky.may_use_workspace('ws_b');"
check "confined: clarky.use_workspace of its own workspace binds it; may_use_workspace tells" "$(printf 'ws_a\nt|f')"
as t_conf <<<"SELECT clarky.use_api_key('$KEY_B');"
refused "confined: another workspace's API key is refused" CK403 'workspace "ws_b" is not one of'
as t_conf <<<"BEGIN; SELECT clarky.use_api_key('$KEY_A'), clarky.current_workspace(); COMMIT;"
check "confined: its own workspace's API key binds it (scope write)" "write|ws_a"
as t_conf <<<"BEGIN; SET LOCAL request.jwt.claims = '{\"role\": \"clarky_writer\", \"workspace_id\": \"ws_b\"}';
SELECT clarky_api.pre_request();
SELECT current_setting('clarky.auth_error') || ' / ' || clarky.current_workspace(); COMMIT;"
check "confined: forged JWT claims bind nothing" "$(printf '\ntokens are not accepted by this server / ws_a')"
as t_conf <<<"SELECT (clarky.contact_activities('c_b') -> 'pagination' ->> 'total'),
	(clarky.log_activity('{\"activity_type\": \"note\", \"contact_id\": \"c_x\"}') IS NOT NULL);
SELECT count(*) FROM clarky.activities WHERE contact_id = 'c_x';"
check "confined: another workspace's timeline is empty; a logged activity lands in its workspace" \
	"$(printf '0|t\n1')"

# Without row-level security (as on Citus) the C code's filter still holds:
# the workspace is checked where it is resolved.
as_superuser -d "$DB" -c "ALTER TABLE clarky.activities DISABLE ROW LEVEL SECURITY;
	ALTER TABLE clarky.activity_counts DISABLE ROW LEVEL SECURITY"
B_ID=$(as_superuser -d "$DB" -c "SELECT id FROM clarky.activities WHERE workspace_id = 'ws_b' LIMIT 1")
as t_conf <<<"SELECT (clarky.contact_activities('c_b') -> 'pagination' ->> 'total');
SELECT clarky.get_activity('$B_ID');"
grep -q "^0$" <<<"$out" && grep -q "^ERROR:  P0002: activity \"$B_ID\" not found" <<<"$out" &&
	pass "confined, row-level security off: another workspace's timeline is empty and its activity not found" ||
	{ fail "confined, row-level security off: another workspace's timeline is empty and its activity not found"; diag "$out"; }
as t_multi <<<"SELECT clarky.use_workspace('ws_c');"
refused "confined to two, row-level security off: a third workspace is refused" CK403 'workspace "ws_c" is not one of'
as_superuser -d "$DB" -c "ALTER TABLE clarky.activities ENABLE ROW LEVEL SECURITY;
	ALTER TABLE clarky.activity_counts ENABLE ROW LEVEL SECURITY"

# ---- confined to two: bind one of them -----------------------------------------
as t_multi <<<"SELECT clarky.current_workspace();"
refused "confined to two: with none bound, the calls are refused" CK403 'no workspace is bound'
as t_multi <<<"SELECT count(*) FROM clarky.activities;"
refused "confined to two: with none bound, even a plain SELECT is refused (row-level security resolves the workspace)" \
	CK403 'no workspace is bound'
as t_multi <<<"SELECT clarky.use_workspace('ws_b'); $SEEN
BEGIN; SELECT clarky.use_workspace('ws_a', true); $SEEN COMMIT; $SEEN"
check "confined to two: use_workspace binds either, for the session or the transaction" \
	"$(printf 'ws_b\nws_b 6 6\nws_a\nws_a 4 4\nws_b 6 6')"
as t_multi <<<"SELECT clarky.use_workspace('default');"
refused "confined to two: the default workspace is refused" CK403 'workspace "default" is not one of'

# ---- a workspace an administrator bound outside the confinement ------------------
as t_stray <<<"SELECT count(*) FROM clarky.activities;"
refused "stray: clarky.workspace_id outside clarky.allowed_workspaces is refused where it is resolved" \
	CK403 'workspace "ws_b" is not one of'

# ---- a trusted role: any workspace ---------------------------------------------
as t_app <<<"SET clarky.workspace_id = 'ws_b'; $SEEN"
check "trusted: SET before the library is loaded is kept" "ws_b 6 6"
as t_app <<<"SELECT clarky.current_workspace(); SET clarky.workspace_id = 'ws_a'; $SEEN
SELECT clarky.use_workspace('ws_new'); SELECT set_config('clarky.workspace_id', '', false); $SEEN"
check "trusted: SET, use_workspace and set_config bind any workspace" \
	"$(printf 'default\nws_a 4 4\nws_new\n\ndefault 2 2')"

# ---- dump and restore: pg_dumpall's globals and pg_dump keep the confinement ------
"$PG_BIN/pg_dumpall" -h "$WORK" -p "$PORT" -U postgres --globals-only >"$WORK/globals.sql" 2>"$WORK/dump.err" &&
	"$PG_BIN/pg_dump" -h "$WORK" -p "$PORT" -U postgres -Fc -f "$WORK/db.dump" "$DB" 2>>"$WORK/dump.err"
dump_rc=$?
mkdir -p "$WORK/restore"
if [ "$dump_rc" -eq 0 ] && start_cluster "$WORK/restore" "$RESTORE_PORT" >/dev/null; then
	CLUSTER_HOST=$WORK/restore CLUSTER_PORT=$RESTORE_PORT
	# (the globals' CREATE ROLE postgres fails, as it always does: that role exists)
	{ as_superuser -d postgres -v ON_ERROR_STOP=0 -f "$WORK/globals.sql" && as_superuser -d postgres -c "CREATE DATABASE $DB" &&
		"$PG_BIN/pg_restore" -h "$WORK/restore" -p "$RESTORE_PORT" -U postgres -d "$DB" \
			--exit-on-error "$WORK/db.dump"; } >"$WORK/restore.out" 2>&1
	restore_rc=$?
	is "$restore_rc" 0 "dump/restore: pg_dumpall --globals-only and pg_dump restore into a fresh cluster"
	[ "$restore_rc" -eq 0 ] || diag "$(cat "$WORK/dump.err" "$WORK/restore.out")"
	as t_conf <<<"$SEEN SELECT clarky.use_workspace('ws_b');"
	grep -q '^ws_a 4 4$' <<<"$out" && grep -q '^ERROR:  CK403: workspace "ws_b" is not one of' <<<"$out" &&
		pass "dump/restore: the confined role is still confined" ||
		{ fail "dump/restore: the confined role is still confined"; diag "$out"; }
	as t_writer <<<"SELECT clarky.current_workspace(); SET clarky.workspace_id = 'ws_b';"
	refused "dump/restore: the untrusted role still may not choose" 42501 \
		'permission denied to set parameter "clarky.workspace_id"'
	as t_app <<<"SET clarky.workspace_id = 'ws_b'; $SEEN"
	check "dump/restore: the trusted role is still trusted" "ws_b 6 6"
else
	fail "dump/restore: pg_dumpall --globals-only and pg_dump restore into a fresh cluster"
	diag "$(cat "$WORK/dump.err")"
fi

tap_end tenancy
