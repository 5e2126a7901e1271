#!/usr/bin/env bash
# test/stress/crash.sh [PORT]: kill -9 the server during a write load; after
# recovery every acknowledged activity and change is there, intact, the heap
# and indexes verify, and the timelines' totals still equal count(*) of live
# activities.
#
# Two clients write in autocommit, one in the default workspace and one in
# ws_crash_b (psql fed by crash_client.py; psql prints a result only once
# its commit is acknowledged): about seven statements in ten log an activity
# through clarky.log_activity(jsonb), the others change an activity the
# client logged before (stress.crash_change: update_activity with the
# version read first as expected_version, now and then of its contacts or
# companies, complete, reopen, delete with expected_version, restore), or
# add a contact to a company (with or without backfill) or remove it,
# recording the change in stress.crash_changes in the same transaction; a
# third of the activities are on several contacts, a fifth on several
# companies.  After a few seconds of load the postmaster is
# killed with SIGKILL together with every process it forked (backends and
# auxiliary processes; each is a process group of its own), the cluster
# (fsync=on, synchronous_commit=on, full_page_writes=on) is restarted, and
# the acknowledged activities are compared field by field with the payloads
# sent and the changes made to them.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PORT=${1:-$((STRESS_PORT_BASE + 0))}
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
-- an application backend that serves several workspaces: trusted with them
GRANT SET ON PARAMETER clarky.workspace_id TO stress_crash_writer;
SQL
"${PSQL[@]}" -d "$DB" -f "$STRESS_DIR/sql/checks.sql"
"${PSQL[@]}" -d "$DB" -v writer=stress_crash_writer -f "$STRESS_DIR/sql/crash_writes.sql"
"${PSQL[@]}" -d "$DB" -c "INSERT INTO stress.crash_clients VALUES (1, 'default'), (2, 'ws_crash_b')"
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
enough_rows() { [ "$(rows)" -ge 500 ] || ! clients_alive; }
wait_for 60 enough_rows || true
sleep "$LOAD_SECONDS"
before_kill=$(rows)

# ---- the crash ------------------------------------------------------------
kill_cluster "$DIR"
diag "killed postmaster ${KILLED_PIDS%% *} and its $(($(wc -w <<<"$KILLED_PIDS") - 1)) processes with about $before_kill rows written"
wait_for 30 cluster_gone || true
# and reaped: the restart refuses while the old postmaster's pid, in the lock
# file, is a zombie
reaped() { ! kill -0 "${KILLED_PIDS%% *}" 2>/dev/null; }
wait_for 30 reaped || true
killed_at=$(now_s)
# the clients end on the lost connection
for p in "${CLIENT_PIDS[@]}"; do
	wait "$p" || true
done
CLIENT_PIDS=()
load_seconds=$(awk -v a="$start" -v b="$killed_at" 'BEGIN { printf "%.1f", b - a }')
diag "client 1: $(head -c 300 "$WORK/client.1.err" | tr '\n' ' ')"
diag "client 2: $(head -c 300 "$WORK/client.2.err" | tr '\n' ' ')"

ok_if "the postmaster and all its processes are gone after kill -9" cluster_gone

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
\copy stress.sent FROM '$WORK/sent.1' WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')
\copy stress.sent FROM '$WORK/sent.2' WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')
\copy stress.acked FROM '$WORK/acked.1' WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')
\copy stress.acked FROM '$WORK/acked.2' WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')
SQL

Q() { "${PSQL[@]}" -d "$DB" -c "SET TimeZone = 'UTC'" -c "$1"; }

acked_logs=$(Q "SELECT count(*) FROM stress.acked_logs")
acked_changes=$(Q "SELECT count(*) FROM stress.acked_changes")
lost=$(Q "SELECT count(*) FROM stress.acked_logs k
	WHERE NOT EXISTS (SELECT FROM clarky.activities a WHERE a.id = k.answer #>> '{data,id}')")
is "$lost" 0 "every acknowledged activity is present after recovery ($acked_logs acknowledged, $lost missing)"

# every acknowledged change committed, as answered
IFS='|' read -r changes_lost changes_bad < <(Q "SELECT
	count(*) FILTER (WHERE x.n IS NULL),
	count(*) FILTER (WHERE x.n IS NOT NULL AND (x.id IS DISTINCT FROM k.answer #>> '{data,id}'
		OR x.op IS DISTINCT FROM k.payload ->> 'change'
		OR x.new_version IS DISTINCT FROM (k.answer #>> '{data,version}')::integer
		OR x.new_version NOT IN (x.prior_version, x.prior_version + 1)
		OR (x.op = 'delete') IS DISTINCT FROM (k.answer #>> '{data,deleted_at}' IS NOT NULL)))
	FROM stress.acked_changes k LEFT JOIN stress.crash_changes x USING (c, n)")
is "$changes_lost/$changes_bad" 0/0 "every acknowledged change is committed after recovery, at the version it answered ($acked_changes acknowledged: updates, some of contacts and companies, completes, reopens, deletes, restores, memberships)"
# committed but not acknowledged: at most the statement in flight of each client
IFS='|' read -r changes_extra changes_unsent < <(Q "SELECT
	count(*) FILTER (WHERE NOT EXISTS (SELECT FROM stress.acked k WHERE (k.c, k.n) = (x.c, x.n))),
	count(*) FILTER (WHERE NOT EXISTS (SELECT FROM stress.sent s WHERE (s.c, s.n) = (x.c, x.n)
		AND s.payload ->> 'change' = x.op AND (s.payload ->> 'target')::integer = x.target))
	FROM stress.crash_changes x")
ok_if "no change committed but the acknowledged ones and those in flight ($changes_extra unacknowledged), each as sent" \
	test "$changes_extra" -le 2 -a "$changes_unsent" -eq 0
version_bad=$(Q "SELECT count(*) FROM stress.version_mismatches('stress.crash_versions')")
changed=$(Q "SELECT count(*) FROM clarky.activities WHERE version > 1")
is "$version_bad" 0 "every activity's version = 1 + its committed changes, which gave versions 2, 3, ... once each ($changed activities changed)"
[ "$version_bad" == 0 ] || diag "$(Q "SELECT * FROM stress.version_mismatches('stress.crash_versions') LIMIT 10")"

bad=$(Q "SELECT count(*) FROM stress.acked_logs k JOIN stress.sent s USING (c, n)
	LEFT JOIN clarky.activities a ON a.id = k.answer #>> '{data,id}'
	WHERE stress.crash_mismatch(a, k.c, s.payload, k.answer) IS NOT NULL")
unsent=$(Q "SELECT count(*) FROM stress.acked k WHERE NOT EXISTS (SELECT FROM stress.sent s WHERE (s.c, s.n) = (k.c, k.n))")
is "$bad/$unsent" 0/0 "every acknowledged activity is intact: all fields equal the payload sent as its committed changes left it (contacts and companies, primary first, title, owner_id, metadata merged, completed_at, deleted_at, version, updated_at), and the answer given"
if [ "$bad" != 0 ]; then
	diag "$(Q "SELECT k.c, k.n, stress.crash_mismatch(a, k.c, s.payload, k.answer) FROM stress.acked_logs k
		JOIN stress.sent s USING (c, n) LEFT JOIN clarky.activities a ON a.id = k.answer #>> '{data,id}'
		WHERE stress.crash_mismatch(a, k.c, s.payload, k.answer) IS NOT NULL LIMIT 10")"
fi

# Rows present but never acknowledged: at most the one statement per client
# in flight at the kill, and each one exactly a payload that was sent.
extra=$(Q "SELECT count(*) FROM clarky.activities a
	WHERE NOT EXISTS (SELECT FROM stress.acked_logs k WHERE k.answer #>> '{data,id}' = a.id)")
extra_bad=$(Q "SELECT count(*) FROM clarky.activities a
	LEFT JOIN stress.sent s ON (s.c, s.n) = (substring(a.title FROM '^c(\d+) ')::int,
	                                           substring(a.title FROM '^c\d+ n(\d+) ')::int)
	WHERE NOT EXISTS (SELECT FROM stress.acked_logs k WHERE k.answer #>> '{data,id}' = a.id)
	  AND (s.c IS NULL OR s.payload ? 'change'  OR stress.crash_mismatch(a, s.c, s.payload,
	       jsonb_build_object('data', jsonb_build_object('id', a.id, 'title', s.payload ->> 'title',
	           'description', a.description, 'metadata', coalesce(s.payload -> 'metadata', '{}'),
	           'created_at', a.created_at, 'occurred_at', a.occurred_at))) IS NOT NULL)")
ok_if "no row but the acknowledged ones and those in flight ($extra unacknowledged, each a payload sent intact)" \
	test "$extra" -le 2 -a "$extra_bad" -eq 0

check_sound "$DIR" "$PORT" "$DB" "$WORK" '{c_crash_0,co_crash_0}' "after recovery"

# the server takes writes again, and the totals follow
after=$("${PSQL[@]}" -U stress_crash_writer -d "$DB" -c \
	"SELECT clarky.log_activity('{\"activity_type\": \"note\", \"contact_ids\": [\"c_crash_1\", \"c_crash_0\"]}') #>> '{data,id}'" \
	-c "SELECT (clarky.contact_activities('c_crash_0', page_size => 1) -> 'pagination' ->> 'total')::bigint
	    - (SELECT count(*) FROM clarky.activities WHERE workspace_id = 'default' AND deleted_at IS NULL
	       AND (contact_id = 'c_crash_0' OR 'c_crash_0' = ANY (other_contact_ids)))" 2>&1 || true)
ok_if "after recovery activities are logged again and counted (on c_crash_0 as one of their contacts)" \
	test "$(sed -n 2p <<<"$after")" == 0 -a -n "$(sed -n 1p <<<"$after" | grep '^a_')"

rows_after=$(Q "SELECT count(*) FROM clarky.activities")
problems=$(server_log_problems "$DIR/postgres.log" | grep -v 'terminated by signal 9\|all server processes terminated' || true)
is "$problems" "" "the server log shows no crash, assertion or leak warning of its own"

figure crash.load_seconds "$load_seconds"
figure crash.acknowledged "$((acked1 + acked2))"
figure crash.acknowledged_changes "$acked_changes"
figure crash.deleted_after_recovery "$deleted"
figure crash.acknowledged_per_second "$(awk -v n=$((acked1 + acked2)) -v s="$load_seconds" 'BEGIN { printf "%.0f", n / s }')"
figure crash.rows_after_recovery "$rows_after"
figure crash.in_flight_rows "$extra"
figure crash.recovery_seconds "$recovery_seconds"
figure crash.timelines_checked "$checked"
tap_done crash
