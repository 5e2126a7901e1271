#!/usr/bin/env bash
# test/stress/crash.sh [PORT]: kill -9 the server during a write load; after
# recovery every acknowledged activity is there, intact, the heap and
# indexes verify, and the timelines' totals still equal count(*).
#
# Two clients log activities through clarky.log_activity(jsonb) in
# autocommit, one in the default workspace and one in ws_crash_b (psql fed by
# crash_client.py; psql prints a result only once its commit is
# acknowledged).  After a few seconds of load the postmaster is killed with
# SIGKILL together with every process it forked (backends and auxiliary
# processes; each is a process group of its own), the cluster (fsync=on,
# synchronous_commit=on, full_page_writes=on) is restarted, and the
# acknowledged activities are compared field by field with the payloads
# sent.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PORT=${1:-25470}
LOAD_SECONDS=${STRESS_CRASH_LOAD_SECONDS:-6}
stress_workdir crash
DIR=$WORK/cluster
DB=crash

stress_cluster "$DIR" "$PORT" fsync=on synchronous_commit=on full_page_writes=on
PSQL=(pg -h "$DIR" -p "$PORT" -U postgres)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB"
"${PSQL[@]}" -d "$DB" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION clarky_activity;
CREATE EXTENSION amcheck;
DO $$ BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'stress_crash_writer') THEN
		CREATE ROLE stress_crash_writer LOGIN;
	END IF;
END $$;
GRANT clarky_writer TO stress_crash_writer;
SQL
"${PSQL[@]}" -d "$DB" -f "$STRESS_DIR/sql/checks.sql"
diag "fsync=$("${PSQL[@]}" -d "$DB" -c 'SHOW fsync'), synchronous_commit=$("${PSQL[@]}" -d "$DB" -c 'SHOW synchronous_commit')"

# ---- the load -------------------------------------------------------------
CLIENT_PIDS=()
on_exit 'for p in "${CLIENT_PIDS[@]}"; do kill -9 "$p"; done'
start_client() {
	local c=$1 ws=$2
	: >"$WORK/sent.$c"
	# psql ends at the first error (a lost connection included); "-F tab"
	# keeps the JSON answer whole
	python3 "$STRESS_DIR/crash_client.py" "$c" "$ws" "$WORK/sent.$c" |
		timeout --foreground 120 "$PG_BIN/psql" -X -q -At -F $'\t' -v ON_ERROR_STOP=1 \
			-h "$DIR" -p "$PORT" -U stress_crash_writer -d "$DB" \
			>"$WORK/acked.$c" 2>"$WORK/client.$c.err" &
	CLIENT_PIDS+=($!)
}
start=$(now_s)
start_client 1 default
start_client 2 ws_crash_b

# let the load run: at least LOAD_SECONDS and 500 rows (60 s at most)
rows() { "${PSQL[@]}" -d "$DB" -c "SELECT count(*) FROM clarky.activities" 2>/dev/null || echo 0; }
clients_alive() {
	local p
	for p in "${CLIENT_PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null || return 1
	done
}
enough_rows() { [ "$(rows)" -ge 500 ] || ! clients_alive; }
wait_for 60 enough_rows || true
sleep "$LOAD_SECONDS"
before_kill=$(rows)

# ---- the crash ------------------------------------------------------------
PM=$(postmaster_pid "$DIR")
# Each child of the postmaster is a session and process group of its own
# (InitPostmasterChild calls setsid), so the postmaster's group is only
# itself: stop it first, so that it forks nothing more, then SIGKILL it and
# every process it had forked, all at once.
kill -STOP "$PM"
CHILDREN=$(ps -o pid= --ppid "$PM" | tr -d ' ' | tr '\n' ' ')
diag "killing postmaster $PM and its $(wc -w <<<"$CHILDREN") processes with about $before_kill rows written"
kill -9 "$PM" $CHILDREN
# then any process left in their process groups (none is expected)
for p in $PM $CHILDREN; do
	kill -9 -- "-$p" 2>/dev/null || true
done
server_gone() {
	local p
	for p in $PM $CHILDREN; do
		! kill -0 "$p" 2>/dev/null || return 1
		! pgrep -g "$p" >/dev/null || return 1
	done
}
wait_for 30 server_gone || true
killed_at=$(now_s)
# the clients end on the lost connection
for p in "${CLIENT_PIDS[@]}"; do
	wait "$p" || true
done
CLIENT_PIDS=()
load_seconds=$(awk -v a="$start" -v b="$killed_at" 'BEGIN { printf "%.1f", b - a }')
diag "client 1: $(head -c 300 "$WORK/client.1.err" | tr '\n' ' ')"
diag "client 2: $(head -c 300 "$WORK/client.2.err" | tr '\n' ' ')"

ok_if "the postmaster and all its processes are gone after kill -9" server_gone

# ---- recovery -------------------------------------------------------------
t0=$(now_s)
quiet_start "$DIR" "$PORT"
recovery_seconds=$(elapsed "$t0")
ok_if "the server restarts after crash recovery" \
	grep -q 'database system was interrupted\|not properly shut down' "$DIR/postgres.log"

acked1=$(wc -l <"$WORK/acked.1")
acked2=$(wc -l <"$WORK/acked.2")
# each client wrote until the kill: its only error is the lost connection
client_errors=$(cat "$WORK/client.1.err" "$WORK/client.2.err" |
	grep -v 'server closed the connection unexpectedly\|terminated abnormally\|before or while processing\|connection to server was lost\|no connection to the server\|terminating connection due to' || true)
ok_if "both clients wrote until the kill ($acked1 and $acked2 acknowledged), their only error the lost connection" \
	test "$acked1" -gt 0 -a "$acked2" -gt 0 -a -z "$client_errors"
[ -z "$client_errors" ] || diag "$client_errors"

"${PSQL[@]}" -d "$DB" <<SQL
SET client_min_messages = warning;
CREATE TABLE stress.sent (c integer, n integer, payload jsonb, PRIMARY KEY (c, n));
CREATE TABLE stress.acked (c integer, n integer, answer jsonb, PRIMARY KEY (c, n));
\copy stress.sent FROM '$WORK/sent.1' WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')
\copy stress.sent FROM '$WORK/sent.2' WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')
\copy stress.acked FROM '$WORK/acked.1' WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')
\copy stress.acked FROM '$WORK/acked.2' WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')

-- The first field of an acknowledged activity that differs from what was
-- sent (and answered), or NULL if none does.
CREATE FUNCTION stress.crash_mismatch(a clarky.activities, c integer, p jsonb, answer jsonb)
RETURNS text LANGUAGE sql STABLE AS \$\$
	SELECT CASE
		WHEN a.id IS NULL THEN 'missing'
		WHEN a.workspace_id <> CASE c WHEN 1 THEN 'default' ELSE 'ws_crash_b' END THEN 'workspace_id'
		WHEN a.contact_id IS DISTINCT FROM p ->> 'contact_id' THEN 'contact_id'
		WHEN a.company_id IS DISTINCT FROM p ->> 'company_id' THEN 'company_id'
		WHEN a.activity_type::text IS DISTINCT FROM p ->> 'activity_type' THEN 'activity_type'
		WHEN a.title IS DISTINCT FROM p ->> 'title' THEN 'title'
		WHEN a.description IS DISTINCT FROM p ->> 'description' THEN 'description'
		WHEN a.due_date IS DISTINCT FROM (p ->> 'due_date')::timestamptz THEN 'due_date'
		WHEN a.duration_minutes IS DISTINCT FROM (p ->> 'duration_minutes')::numeric THEN 'duration_minutes'
		WHEN a.completed_at IS DISTINCT FROM (p ->> 'completed_at')::timestamptz THEN 'completed_at'
		WHEN a.metadata IS DISTINCT FROM coalesce(p -> 'metadata', '{}') THEN 'metadata'
		WHEN a.occurred_at IS DISTINCT FROM coalesce((p ->> 'occurred_at')::timestamptz, a.created_at)
			THEN 'occurred_at'
		-- what the client was answered
		WHEN answer #>> '{data,id}' IS DISTINCT FROM a.id THEN 'answer id'
		WHEN answer #>> '{data,title}' IS DISTINCT FROM a.title THEN 'answer title'
		WHEN answer #>> '{data,description}' IS DISTINCT FROM a.description THEN 'answer description'
		WHEN answer #> '{data,metadata}' IS DISTINCT FROM a.metadata THEN 'answer metadata'
		WHEN abs(extract(epoch FROM a.created_at - (answer #>> '{data,created_at}')::timestamptz)) >= 0.001
			THEN 'answer created_at'
		WHEN abs(extract(epoch FROM a.occurred_at - (answer #>> '{data,occurred_at}')::timestamptz)) >= 0.001
			THEN 'answer occurred_at'
	END
\$\$;
SQL

Q() { "${PSQL[@]}" -d "$DB" -c "SET TimeZone = 'UTC'" -c "$1"; }

lost=$(Q "SELECT count(*) FROM stress.acked k
	WHERE NOT EXISTS (SELECT FROM clarky.activities a WHERE a.id = k.answer #>> '{data,id}')")
is "$lost" 0 "every acknowledged activity is present after recovery ($((acked1 + acked2)) acknowledged, $lost missing)"

bad=$(Q "SELECT count(*) FROM stress.acked k JOIN stress.sent s USING (c, n)
	LEFT JOIN clarky.activities a ON a.id = k.answer #>> '{data,id}'
	WHERE stress.crash_mismatch(a, k.c, s.payload, k.answer) IS NOT NULL")
unsent=$(Q "SELECT count(*) FROM stress.acked k WHERE NOT EXISTS (SELECT FROM stress.sent s WHERE (s.c, s.n) = (k.c, k.n))")
is "$bad/$unsent" 0/0 "every acknowledged activity is intact: all fields equal the payload sent and the answer given"
if [ "$bad" != 0 ]; then
	diag "$(Q "SELECT k.c, k.n, stress.crash_mismatch(a, k.c, s.payload, k.answer) FROM stress.acked k
		JOIN stress.sent s USING (c, n) LEFT JOIN clarky.activities a ON a.id = k.answer #>> '{data,id}'
		WHERE stress.crash_mismatch(a, k.c, s.payload, k.answer) IS NOT NULL LIMIT 10")"
fi

# Rows present but never acknowledged: at most the one statement per client
# in flight at the kill, and each one exactly a payload that was sent.
extra=$(Q "SELECT count(*) FROM clarky.activities a
	WHERE NOT EXISTS (SELECT FROM stress.acked k WHERE k.answer #>> '{data,id}' = a.id)")
extra_bad=$(Q "SELECT count(*) FROM clarky.activities a
	LEFT JOIN stress.sent s ON (s.c, s.n) = (substring(a.title FROM '^c(\d+) ')::int,
	                                           substring(a.title FROM '^c\d+ n(\d+) ')::int)
	WHERE NOT EXISTS (SELECT FROM stress.acked k WHERE k.answer #>> '{data,id}' = a.id)
	  AND (s.c IS NULL OR stress.crash_mismatch(a, s.c, s.payload,
	       jsonb_build_object('data', jsonb_build_object('id', a.id, 'title', a.title,
	           'description', a.description, 'metadata', a.metadata,
	           'created_at', a.created_at, 'occurred_at', a.occurred_at))) IS NOT NULL)")
ok_if "no row but the acknowledged ones and those in flight ($extra unacknowledged, each a payload sent intact)" \
	test "$extra" -le 2 -a "$extra_bad" -eq 0

amcheck_out=$WORK/amcheck.out
amcheck_status=0
timeout --foreground 120 "$PG_BIN/pg_amcheck" -h "$DIR" -p "$PORT" -U postgres -d "$DB" \
	--heapallindexed --parent-check --rootdescend >"$amcheck_out" 2>&1 || amcheck_status=$?
ok_if "pg_amcheck --heapallindexed --parent-check --rootdescend finds nothing" \
	test "$amcheck_status" -eq 0 -a ! -s "$amcheck_out"
[ -s "$amcheck_out" ] && diag "$(head -n 20 "$amcheck_out")"

count_bad=$(Q "SELECT count(*) FROM stress.count_mismatches()")
is "$count_bad" 0 "clarky.activity_counts equals count(*) for every workspace, owner and type after recovery"
total_bad=$(Q "SELECT count(*) FROM stress.total_mismatches() WHERE owner_kind <> 'checked'")
checked=$(Q "SELECT counted FROM stress.total_mismatches() WHERE owner_kind = 'checked'")
is "$total_bad" 0 "every timeline's total equals count(*) after recovery ($checked timelines, per owner and per type)"
[ "$total_bad" == 0 ] || diag "$(Q "SELECT * FROM stress.total_mismatches() LIMIT 10")"

# the server takes writes again, and the totals follow
after=$("${PSQL[@]}" -U stress_crash_writer -d "$DB" -c \
	"SELECT clarky.log_activity('{\"activity_type\": \"note\", \"contact_id\": \"c_crash_0\"}') #>> '{data,id}'" \
	-c "SELECT (clarky.contact_activities('c_crash_0', page_size => 1) -> 'pagination' ->> 'total')::bigint
	    - (SELECT count(*) FROM clarky.activities WHERE contact_id = 'c_crash_0' AND workspace_id = 'default')" 2>&1 || true)
ok_if "after recovery activities are logged again and counted" \
	test "$(sed -n 2p <<<"$after")" == 0 -a -n "$(sed -n 1p <<<"$after" | grep '^a_')"

rows_after=$(Q "SELECT count(*) FROM clarky.activities")
problems=$(server_log_problems "$DIR/postgres.log" | grep -v 'terminated by signal 9\|all server processes terminated' || true)
is "$problems" "" "the server log shows no crash, assertion or leak warning of its own"

figure crash.load_seconds "$load_seconds"
figure crash.acknowledged "$((acked1 + acked2))"
figure crash.acknowledged_per_second "$(awk -v n=$((acked1 + acked2)) -v s="$load_seconds" 'BEGIN { printf "%.0f", n / s }')"
figure crash.rows_after_recovery "$rows_after"
figure crash.in_flight_rows "$extra"
figure crash.recovery_seconds "$recovery_seconds"
figure crash.timelines_checked "$checked"
tap_done crash
