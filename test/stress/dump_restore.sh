#!/usr/bin/env bash
# test/stress/dump_restore.sh [SRC_PORT [DST_PORT]]: pg_dump (custom format)
# of a populated database, restored with pg_restore into a fresh cluster,
# gives the same rows, working functions, the same grants and row-level
# security, and working API keys.
#
# The source (test/stress/sql/populate.sql) has four workspaces, contacts and
# companies, rows logged through the API and written with plain SQL, rows
# updated, soft-deleted and restored through the 1.1.0 functions, API
# keys (some revoked), login roles granted the extension's roles, and ACL
# changes on extension objects.  The roles, being global, go to the new
# cluster first (pg_dumpall --roles-only); then pg_restore --exit-on-error
# into a new database.  A plain-format dump restored with psql is checked
# too.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SRC_PORT=${1:-$((STRESS_PORT_BASE + 2))}
DST_PORT=${2:-$((STRESS_PORT_BASE + 3))}
stress_workdir dump_restore
SRC_DIR=$WORK/src
DST_DIR=$WORK/dst

stress_cluster "$SRC_DIR" "$SRC_PORT"
stress_cluster "$DST_DIR" "$DST_PORT"
SRC=(pg -h "$SRC_DIR" -p "$SRC_PORT" -U postgres)
DST=(pg -h "$DST_DIR" -p "$DST_PORT" -U postgres)

"${SRC[@]}" -d postgres -c "CREATE DATABASE src"
"${SRC[@]}" -d src -c "SET client_min_messages = warning" -c "CREATE EXTENSION clarky_activity"
t0=$(now_s)
"${SRC[@]}" -d src -f "$STRESS_DIR/sql/populate.sql" >/dev/null
populate_seconds=$(elapsed "$t0")
# the keys are kept outside the database, as a client would keep them
"${SRC[@]}" -d src -c "\copy stress_keys_saved.keys TO '$WORK/keys.tsv'" \
	-c "DROP TABLE stress_keys_saved.keys" -c "DROP SCHEMA stress_keys_saved"

# ---- dump, roles, restore -------------------------------------------------
t0=$(now_s)
dump_status=0
"$PG_BIN/pg_dump" -h "$SRC_DIR" -p "$SRC_PORT" -U postgres -Fc -f "$WORK/src.dump" src \
	2>"$WORK/pg_dump.err" || dump_status=$?
"$PG_BIN/pg_dump" -h "$SRC_DIR" -p "$SRC_PORT" -U postgres -Fp -f "$WORK/src.sql" src \
	2>>"$WORK/pg_dump.err" || dump_status=$?
ok_if "pg_dump (custom and plain formats) succeeds without a message" \
	test "$dump_status" -eq 0 -a ! -s "$WORK/pg_dump.err"
[ -s "$WORK/pg_dump.err" ] && diag "$(head -n 10 "$WORK/pg_dump.err")"

# roles are global: copy them first (postgres exists already there: the one
# expected error)
"$PG_BIN/pg_dumpall" -h "$SRC_DIR" -p "$SRC_PORT" -U postgres --roles-only >"$WORK/roles.sql"
"$PG_BIN/psql" -X -q -h "$DST_DIR" -p "$DST_PORT" -U postgres -d postgres -f "$WORK/roles.sql" \
	>"$WORK/roles.out" 2>&1 || true
ROLES_Q="SELECT string_agg(format('%s %s %s %s', rolname, rolcanlogin, rolinherit, rolsuper), E'\n' ORDER BY rolname)
	FROM pg_roles WHERE rolname !~ '^pg_'"
MEMBERS_Q="SELECT string_agg(format('%s in %s', m.rolname, r.rolname), E'\n' ORDER BY m.rolname, r.rolname)
	FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member"
role_errors=$(grep -c 'ERROR' "$WORK/roles.out" || true)
is "$("${DST[@]}" -d postgres -c "$ROLES_Q" -c "$MEMBERS_Q")" \
	"$("${SRC[@]}" -d postgres -c "$ROLES_Q" -c "$MEMBERS_Q")" \
	"pg_dumpall --roles-only recreates every role and membership in the new cluster ($role_errors error: role postgres exists)"

"${DST[@]}" -d postgres -c "CREATE DATABASE dst" -c "CREATE DATABASE dst_plain"
restore_status=0
"$PG_BIN/pg_restore" -h "$DST_DIR" -p "$DST_PORT" -U postgres --exit-on-error -d dst "$WORK/src.dump" \
	>"$WORK/pg_restore.out" 2>&1 || restore_status=$?
restore_seconds=$(elapsed "$t0")
ok_if "pg_restore --exit-on-error into a fresh cluster succeeds without a message" \
	test "$restore_status" -eq 0 -a ! -s "$WORK/pg_restore.out"
[ -s "$WORK/pg_restore.out" ] && diag "$(head -n 10 "$WORK/pg_restore.out")"
plain_status=0
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DST_DIR" -p "$DST_PORT" -U postgres -d dst_plain \
	-f "$WORK/src.sql" >"$WORK/plain.out" 2>&1 || plain_status=$?
ok_if "the plain-format dump restores with psql (ON_ERROR_STOP) too" test "$plain_status" -eq 0
[ "$plain_status" -eq 0 ] || diag "$(grep -m 5 ERROR "$WORK/plain.out")"

# ---- the same rows --------------------------------------------------------
ROWS_Q="SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 3;
SELECT count(*) || ' ' || md5(string_agg(a::text, E'\n' ORDER BY workspace_id, id)) FROM clarky.activities a;
SELECT count(*) || ' ' || md5(string_agg(k::text, E'\n' ORDER BY id)) FROM clarky.api_keys k;"
src_rows=$("${SRC[@]}" -d src <<<"$ROWS_Q")
src_deleted=$("${SRC[@]}" -d src -c "SELECT count(*) FILTER (WHERE deleted_at IS NOT NULL) || ' deleted, '
	|| count(*) FILTER (WHERE version > 1) || ' changed' FROM clarky.activities")
is "$("${DST[@]}" -d dst <<<"$ROWS_Q")" "$src_rows" \
	"the same rows: md5 over every row of clarky.activities and clarky.api_keys ($(head -n 1 <<<"$src_rows" | cut -d' ' -f1) activities, $src_deleted; $(tail -n 1 <<<"$src_rows" | cut -d' ' -f1) keys)"
is "$("${DST[@]}" -d dst_plain <<<"$ROWS_Q")" "$src_rows" "the same rows after the plain-format restore"

"${SRC[@]}" -d src -f "$STRESS_DIR/sql/checks.sql"
"${DST[@]}" -d dst -f "$STRESS_DIR/sql/checks.sql"
"${DST[@]}" -d dst_plain -f "$STRESS_DIR/sql/checks.sql"
TOTALS_Q="SELECT (SELECT count(*) FROM stress.count_mismatches()) || ' ' ||
	(SELECT count(*) FROM stress.total_mismatches() WHERE owner_kind <> 'checked')"
checked=$("${DST[@]}" -d dst -c "SELECT counted FROM stress.total_mismatches() WHERE owner_kind = 'checked'")
is "$("${SRC[@]}" -d src -c "$TOTALS_Q") $("${DST[@]}" -d dst -c "$TOTALS_Q") $("${DST[@]}" -d dst_plain -c "$TOTALS_Q")" \
	"0 0 0 0 0 0" \
	"counts and every timeline's total equal count(*) before and after restore ($checked timelines)"

# ---- working functions ----------------------------------------------------
FUNCS_Q="SET clarky.workspace_id = 'ws_a'; SET ROLE stress_app;
SELECT (clarky.contact_activities('c_1', page_size => 1) -> 'pagination' ->> 'total')::int;
SELECT clarky.log_activity('{\"activity_type\": \"call\", \"contact_id\": \"c_1\", \"title\": \"after restore\", \"duration_minutes\": 5}') #>> '{data,title}';
SELECT (clarky.contact_activities('c_1', page_size => 1) -> 'pagination' ->> 'total')::int;
SELECT clarky.contact_activities('c_1', page_size => 1) #>> '{data,0,title}';
SELECT (clarky.company_activities('co_1', 'call', 1, 100) -> 'pagination' ->> 'total')::int
	= (SELECT count(*) FROM clarky.activities WHERE workspace_id = 'ws_a' AND company_id = 'co_1' AND activity_type = 'call'
	   AND deleted_at IS NULL);
SELECT count(*) FROM clarky.activities;"
funcs=$("${DST[@]}" -d dst <<<"$FUNCS_Q" 2>&1 || true)
n_before=$(sed -n 1p <<<"$funcs")
ws_a=$("${SRC[@]}" -d src -c "SELECT count(*) FROM clarky.activities WHERE workspace_id = 'ws_a'")
is "$(sed -n '2,6p' <<<"$funcs" | tr '\n' ' ')" \
	"after restore $((n_before + 1)) after restore t $((ws_a + 1)) " \
	"log_activity and the timelines work in the restored database (totals follow; RLS shows one workspace)"

# ---- the same grants and row-level security --------------------------------
PRIVS_Q="WITH roles AS (
	SELECT rolname FROM pg_roles WHERE rolname LIKE 'clarky\_%' OR rolname LIKE 'stress\_%'
	UNION ALL SELECT 'public'),
funcs AS (
	SELECT p.oid, p.oid::regprocedure::text AS name FROM pg_proc p
	WHERE p.pronamespace IN ('clarky'::regnamespace, 'clarky_api'::regnamespace)),
rels AS (
	SELECT c.oid, c.oid::regclass::text AS name FROM pg_class c
	WHERE c.relnamespace IN ('clarky'::regnamespace, 'clarky_api'::regnamespace) AND c.relkind IN ('r', 'S', 'v')),
privs AS (
	SELECT r.rolname, 'function ' || f.name AS object, 'EXECUTE' AS priv,
		   has_function_privilege(r.rolname, f.oid, 'EXECUTE') AS has
	FROM roles r, funcs f
	UNION ALL
	SELECT r.rolname, 'table ' || t.name, p.priv, has_table_privilege(r.rolname, t.oid, p.priv)
	FROM roles r, rels t,
		 unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p(priv)
	UNION ALL
	SELECT r.rolname, 'schema ' || s, p.priv, has_schema_privilege(r.rolname, s, p.priv)
	FROM roles r, unnest(ARRAY['clarky', 'clarky_api']) AS s, unnest(ARRAY['USAGE', 'CREATE']) AS p(priv))
SELECT count(*) FILTER (WHERE has) || ' of ' || count(*) || ' ' ||
	   md5(string_agg(format('%s %s %s %s', rolname, object, priv, has), E'\n' ORDER BY rolname, object, priv))
FROM privs"
ACL_Q="SELECT md5(string_agg(x, E'\n' ORDER BY x)) FROM (
	SELECT format('%s %s', p.oid::regprocedure, p.proacl) AS x FROM pg_proc p
	WHERE p.pronamespace IN ('clarky'::regnamespace, 'clarky_api'::regnamespace)
	UNION ALL
	SELECT format('%s %s', c.oid::regclass, c.relacl) FROM pg_class c
	WHERE c.relnamespace IN ('clarky'::regnamespace, 'clarky_api'::regnamespace)
	UNION ALL
	SELECT format('%s %s', n.nspname, n.nspacl) FROM pg_namespace n WHERE n.nspname IN ('clarky', 'clarky_api')) AS acls"
src_privs=$("${SRC[@]}" -d src -c "$PRIVS_Q")
is "$("${DST[@]}" -d dst -c "$PRIVS_Q")" "$src_privs" \
	"the same privilege matrix: has_function/table/schema_privilege for every clarky_* and login role (${src_privs% *} granted)"
is "$("${DST[@]}" -d dst -c "$ACL_Q") $("${DST[@]}" -d dst_plain -c "$ACL_Q")" \
	"$("${SRC[@]}" -d src -c "$ACL_Q") $("${SRC[@]}" -d src -c "$ACL_Q")" \
	"the same ACLs on every function, table and schema of the extension (custom and plain restores)"

RLS_Q="SELECT string_agg(format('%s %s %s', relname, relrowsecurity, relforcerowsecurity), E'\n' ORDER BY relname)
	FROM pg_class WHERE relnamespace = 'clarky'::regnamespace AND relkind = 'r';
SELECT string_agg(format('%s %s %s %s %s %s', tablename, policyname, permissive, roles, cmd, qual || ' / ' || coalesce(with_check, '-')),
				  E'\n' ORDER BY tablename, policyname)
	FROM pg_policies WHERE schemaname = 'clarky';"
src_rls=$("${SRC[@]}" -d src <<<"$RLS_Q")
is "$("${DST[@]}" -d dst <<<"$RLS_Q")" "$src_rls" \
	"the same row-level security: relrowsecurity and every policy ($(grep -c ' ' <<<"$src_rls") lines)"
RLS_SEEN_Q="SET clarky.workspace_id = 'ws_b'; SET ROLE stress_app;
SELECT count(*) FILTER (WHERE workspace_id <> 'ws_b') || ' ' || count(*) FROM clarky.activities;
RESET ROLE; SET ROLE stress_report;
SELECT count(DISTINCT workspace_id) FROM clarky.activities;"
is "$("${DST[@]}" -d dst <<<"$RLS_SEEN_Q" | tr '\n' ' ')" \
	"0 $("${SRC[@]}" -d src -c "SELECT count(*) FROM clarky.activities WHERE workspace_id = 'ws_b'") 4 " \
	"row-level security acts in the restored database: a writer sees its workspace only, an analyst all four"

# ---- API keys -------------------------------------------------------------
keys_ok=0
keys_bad=0
while IFS=$'\t' read -r key ws scope revoked; do
	got=$("${DST[@]}" -d dst -c "SET ROLE clarky_anon" \
		-c "SELECT workspace_id || ' ' || scope FROM clarky.resolve_api_key('$key')")
	if [ "$revoked" == t ]; then want=""; else want="$ws $scope"; fi
	# and the way PostgREST uses it: the pre-request binds the key's workspace
	pre=$("${DST[@]}" -d dst <<SQL
BEGIN;
SET LOCAL ROLE clarky_anon;
SELECT set_config('request.headers', json_build_object('x-api-key', '$key')::text, true) \\g /dev/null
SELECT clarky_api.pre_request() \\g /dev/null
SELECT current_setting('clarky.workspace_id') || ' ' || current_user || ' '
	|| (clarky_api.contact_activities('c_1', NULL, '1', '1') #>> '{pagination,total}' IS NOT NULL);
ROLLBACK;
SQL
)
	if [ "$revoked" == t ]; then
		want_pre=" clarky_anon false"
	else
		want_pre="$ws clarky_$([ "$scope" == write ] && echo writer || echo reader) true"
	fi
	if [ "$got" == "$want" ] && [ "$pre" == "$want_pre" ]; then
		keys_ok=$((keys_ok + 1))
	else
		keys_bad=$((keys_bad + 1))
		diag "key ${key:0:12}... (revoked=$revoked): resolve '$got' (want '$want'), pre-request '$pre' (want '$want_pre')"
	fi
done <"$WORK/keys.tsv"
revoked_n=$(grep -c $'\tt$' "$WORK/keys.tsv" || true)
ok_if "every saved API key resolves to its workspace and scope, and serves requests; the $revoked_n revoked ones do not ($keys_ok of $((keys_ok + keys_bad)))" \
	test "$keys_bad" -eq 0 -a "$keys_ok" -gt 0

problems="$(server_log_problems "$SRC_DIR/postgres.log")$(server_log_problems "$DST_DIR/postgres.log")"
is "$problems" "" "the server logs show no crash, assertion or leak warning"

figure dump_restore.activities "$(head -n 1 <<<"$src_rows" | cut -d' ' -f1)"
figure dump_restore.deleted_activities "${src_deleted%% *}"
figure dump_restore.api_keys "$(tail -n 1 <<<"$src_rows" | cut -d' ' -f1)"
figure dump_restore.revoked_keys "$revoked_n"
figure dump_restore.timelines_checked "$checked"
figure dump_restore.privileges_compared "$(cut -d' ' -f3 <<<"$src_privs")"
figure dump_restore.dump_bytes "$(stat -c %s "$WORK/src.dump")"
figure dump_restore.populate_seconds "$populate_seconds"
figure dump_restore.dump_restore_seconds "$restore_seconds"
tap_done dump_restore
