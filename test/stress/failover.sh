#!/usr/bin/env bash
# test/stress/failover.sh [PRIMARY_PORT [REPLICA_PORT]]: a primary with a
# synchronous streaming replica; writers through the API; every read
# function works on the hot standby and every write is refused there;
# kill -9 of the primary under the load, promotion of the replica, and on
# the new primary every acknowledged activity and change is there, intact,
# the heap and indexes verify, the totals equal count(*), and logging goes
# on with ids that sort after every id logged before.
#
# The primary (fsync=on, full_page_writes=on) gets the extension, then a
# replica made with pg_basebackup -R (a replication slot of its own; a hot
# standby with hot_standby_feedback=on, as an analysts' replica has it, so
# that replay never cancels their queries), then synchronous_standby_names
# naming the replica, with synchronous_commit=on: a commit is acknowledged
# once the replica has flushed its WAL to disk (remote flush).  That is
# what a failover needs, since a promoted replica replays all it flushed
# before it takes writes; remote_apply would also wait for the replay, so
# that a read on the replica sees every acknowledged write at once, which
# costs every commit the replay's time and is not needed here: the check
# reads the replica only once its replay has passed the writes it compares.
#
# A settled workspace (ws_fo_settled: logs, updates, completes, reopens,
# deletes and restores by crash_client.py, 600 activities on one contact for
# the deep pages, three API keys) is written through the replica first.
# Then three clients write in autocommit in three other workspaces as
# crash.sh's do: psql fed by crash_client.py, its output (the statements
# whose commit was acknowledged, with the answers: ids and versions) copied
# by crash_client.py --record to a file that it fsyncs.  While they write:
#   - every read function (clarky.get_activity, contact_activities and
#     company_activities of scope all and direct, every page and type, of
#     every contact and company an activity is on by any road,
#     company_contacts, the workspace helpers,
#     list_api_keys, and clarky_api's reads as PostgREST calls them, with
#     their refusals that write nothing) answers on the standby exactly as
#     on the primary for the settled workspace;
#   - on the standby, in one REPEATABLE READ snapshot, the counts, every
#     timeline's total and every timeline read through agree with count(*)
#     in every workspace, those being written too;
#   - every function that writes is refused on the standby with SQLSTATE
#     25006, and the session reads on;
#   - the replica's walreceiver is stopped (SIGSTOP) for a second: every
#     writer waits for it, no commit becomes visible, and they go on once it
#     runs again.
# Then it is stopped again, and while the writers wait for it the primary's
# postmaster and every process it forked are SIGKILLed at once (a machine
# that dies takes them all); the walreceiver goes on, the replica is
# promoted (pg_ctl promote), and the new primary is checked as crash.sh
# checks a recovered server.  An asynchronous replica, stalled the same
# way, lacks thousands of acknowledged writes.  Three more clients then log
# and change there.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PORT=${1:-$((STRESS_PORT_BASE + 7))}
REPLICA_PORT=${2:-$((STRESS_PORT_BASE + 8))}
LOAD_SECONDS=${STRESS_FAILOVER_LOAD_SECONDS:-6}
CLIENTS=(1 2 3)
AFTER_CLIENTS=(11 12 13)
SETTLED=ws_fo_settled
# each client's workspace: the settled one (9), three under the load, the
# same three after the failover
declare -A CLIENT_WS=([9]=$SETTLED [1]=default [2]=ws_fo_b [3]=ws_fo_c [11]=default [12]=ws_fo_b [13]=ws_fo_c)
REPLICA_NAME=failover_replica
stress_workdir failover
PRIMARY=$WORK/primary
REPLICA=$WORK/replica
DB=failover
WRITER=stress_fo_writer

stress_cluster "$PRIMARY" "$PORT" fsync=on full_page_writes=on synchronous_commit=on
P_PSQL=(pg -h "$PRIMARY" -p "$PORT")
R_PSQL=(pg -h "$REPLICA" -p "$REPLICA_PORT")
# P [PSQL_ARGS...] SQL / R [PSQL_ARGS...] SQL: a statement on the primary /
# the replica as postgres, in UTC
P() { "${P_PSQL[@]}" -U postgres -d "$DB" -c "SET TimeZone = 'UTC'" "${@:1:$#-1}" -c "${*: -1}"; }
R() { "${R_PSQL[@]}" -U postgres -d "$DB" -c "SET TimeZone = 'UTC'" "${@:1:$#-1}" -c "${*: -1}"; }
"${P_PSQL[@]}" -U postgres -d postgres -c "CREATE DATABASE $DB"
"${P_PSQL[@]}" -U postgres -d "$DB" <<SQL
SET client_min_messages = warning;
CREATE EXTENSION clarky_activity;
CREATE EXTENSION amcheck;
-- the writers, an application backend serving several workspaces (trusted
-- with them), also calling the HTTP path's functions as PostgREST's
-- authenticator would (a member of clarky_anon and the key's role); an
-- analyst's session through the SQL API and the HTTP path with a read key;
-- an administrator of API keys
CREATE ROLE $WRITER LOGIN;
GRANT clarky_writer, clarky_anon TO $WRITER;
GRANT SET ON PARAMETER clarky.workspace_id TO $WRITER;
CREATE ROLE stress_fo_reader LOGIN;
GRANT clarky_reader, clarky_anon TO stress_fo_reader;
GRANT SET ON PARAMETER clarky.workspace_id TO stress_fo_reader;
CREATE ROLE stress_fo_admin LOGIN;
GRANT clarky_admin TO stress_fo_admin;
SQL
"${P_PSQL[@]}" -U postgres -d "$DB" -f "$STRESS_DIR/sql/checks.sql"
"${P_PSQL[@]}" -U postgres -d "$DB" -v writer="$WRITER" -f "$STRESS_DIR/sql/crash_writes.sql"
"${P_PSQL[@]}" -U postgres -d "$DB" -f "$STRESS_DIR/sql/standby.sql"
for c in "${!CLIENT_WS[@]}"; do
	echo "INSERT INTO stress.crash_clients VALUES ($c, '${CLIENT_WS[$c]}');"
done | "${P_PSQL[@]}" -U postgres -d "$DB" -f -

# ---- the replica -------------------------------------------------------------
t0=$(now_s)
mkdir -p "$REPLICA"
chown postgres:postgres "$REPLICA"
on_exit "stop_cluster '$REPLICA'"
if ! runuser -u postgres -- timeout --foreground 120 "$PG_BIN/pg_basebackup" -h "$PRIMARY" -p "$PORT" \
	-U postgres -D "$REPLICA/data" -R -C -S "$REPLICA_NAME" -X stream -c fast >"$WORK/basebackup.out" 2>&1; then
	diag "$(cat "$WORK/basebackup.out")"
fi
basebackup_seconds=$(elapsed "$t0")
# the replica's own settings (the primary's ALTER SYSTEM settings came with
# the copy): its name, the walreceiver's application_name, which
# synchronous_standby_names names; feedback, so that replay never cancels
# an analyst's query for the rows it still sees
cat >>"$REPLICA/data/postgresql.auto.conf" <<CONF
cluster_name = '$REPLICA_NAME'
hot_standby = on
hot_standby_feedback = on
CONF
quiet_start "$REPLICA" "$REPLICA_PORT"
streaming() {
	[ "$(P "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$REPLICA_NAME' AND state = 'streaming'")" == 1 ]
}
wait_for 30 streaming || true
P "ALTER SYSTEM SET synchronous_standby_names = '$REPLICA_NAME'"
P "SELECT pg_reload_conf()" >/dev/null
synchronous() {
	[ "$(P "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$REPLICA_NAME'")" == sync ]
}
wait_for 30 synchronous || true
IFS='|' read -r sync_state sync_names sync_commit < <(P "SELECT
	(SELECT string_agg(sync_state, ',') FROM pg_stat_replication WHERE application_name = '$REPLICA_NAME'),
	current_setting('synchronous_standby_names'), current_setting('synchronous_commit')")
in_recovery=$(R "SELECT pg_is_in_recovery()" 2>&1 || true)
is "$sync_state|$sync_names|$sync_commit|$in_recovery" "sync|$REPLICA_NAME|on|t" \
	"a hot standby made by pg_basebackup -R streams from the primary as its synchronous standby (sync_state sync, synchronous_commit on: remote flush)"

# ---- the settled workspace ------------------------------------------------------
# crash_client.py CLIENT WORKSPACE SENT [MAX] | psql | crash_client.py --record ACKED
run_client() {
	local c=$1 max=${2:-} port=${3:-$PORT} dir=${4:-$PRIMARY}
	: >"$WORK/sent.$c"
	python3 "$STRESS_DIR/crash_client.py" "$c" "${CLIENT_WS[$c]}" "$WORK/sent.$c" ${max:+"$max"} |
		timeout --foreground 120 "$PG_BIN/psql" -X -q -At -F $'\t' -v ON_ERROR_STOP=1 \
			-h "$dir" -p "$port" -U "$WRITER" -d "$DB" 2>"$WORK/client.$c.err" |
		python3 "$STRESS_DIR/crash_client.py" --record "$WORK/acked.$c"
}
t0=$(now_s)
settled_status=0
run_client 9 500 || settled_status=$?
"${P_PSQL[@]}" -U "$WRITER" -d "$DB" -c "SET clarky.workspace_id = '$SETTLED'" -c \
	"SELECT count(clarky.log_activity(jsonb_build_object('activity_type', (enum_range(NULL::clarky.activity_type))[1 + i % 7],
		'contact_id', 'c_fo_deep', 'title', 'deep ' || i,
		'occurred_at', to_char(timestamptz '2026-01-01' + i * interval '1 minute', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))))
	 FROM generate_series(1, 600) AS i" >/dev/null || settled_status=$?
READ_KEY=$(P "SELECT clarky.create_api_key('$SETTLED', ARRAY['read'], 'failover: analysts')")
WRITE_KEY=$(P "SELECT clarky.create_api_key('$SETTLED', ARRAY['read', 'write'], 'failover: writes')")
REVOKED_KEY=$(P "SELECT clarky.create_api_key('$SETTLED', ARRAY['read'], 'failover: revoked')")
P "SELECT clarky.revoke_api_key('$REVOKED_KEY')" >/dev/null
settled_lsn=$(P "SELECT pg_current_wal_lsn()")
settled_rows=$(P "SELECT count(*) FROM clarky.activities WHERE workspace_id = '$SETTLED'")
settled_deleted=$(P "SELECT count(*) FROM clarky.activities WHERE workspace_id = '$SETTLED' AND deleted_at IS NOT NULL")
ok_if "the settled workspace is written through the synchronous replica ($settled_rows activities, $settled_deleted deleted, 3 API keys; $(elapsed "$t0") s)" \
	test "$settled_status" -eq 0 -a "$(wc -l <"$WORK/acked.9")" -eq 500 -a "$settled_deleted" -gt 0
[ "$settled_status" -eq 0 ] || diag "$(head -c 600 "$WORK/client.9.err")"

# ---- the load -------------------------------------------------------------------
CLIENT_PIDS=()
on_exit 'for p in "${CLIENT_PIDS[@]}"; do kill -9 "$p"; done'
start=$(now_s)
for c in "${CLIENTS[@]}"; do
	run_client "$c" &
	CLIENT_PIDS+=($!)
done
rows() { P "SELECT count(*) FROM clarky.activities WHERE workspace_id <> '$SETTLED'" 2>/dev/null || echo 0; }
enough_rows() { [ "$(rows)" -ge 300 ] || ! clients_alive; }
wait_for 60 enough_rows || true

# ---- the hot standby, under the load ------------------------------------------------
replayed() { [ "$(R "SELECT pg_last_wal_replay_lsn() >= '$settled_lsn'")" == t ]; }
wait_for 30 replayed || true
t0=$(now_s)
# every read, as an analyst (SQL API and HTTP path) and an administrator
reads() {
	local psql=("$@")
	"${psql[@]}" -U stress_fo_reader -d "$DB" -c "SET TimeZone = 'UTC'" \
		-c "SELECT call || E'\t' || answer FROM stress.read_answers('$SETTLED')" \
		-c "SELECT call || E'\t' || answer FROM stress.http_answers('$SETTLED', '$READ_KEY')" &&
		"${psql[@]}" -U stress_fo_admin -d "$DB" -c "SET TimeZone = 'UTC'" \
			-c "SELECT 'list_api_keys' || E'\t' || k::text FROM clarky.list_api_keys() AS k"
}
reads "${P_PSQL[@]}" >"$WORK/reads.primary" 2>&1 || true
reads "${R_PSQL[@]}" >"$WORK/reads.standby" 2>&1 || true
standby_read_seconds=$(elapsed "$t0")
read_calls=$(wc -l <"$WORK/reads.standby")
IFS='|' read -r n_get n_contact n_company n_members n_http n_keys < <(awk -F'\t' '
	$1 ~ /^clarky\.get_activity/ { g++ } $1 ~ /^clarky\.contact_activities/ { c++ }
	$1 ~ /^clarky\.company_activities/ { o++ } $1 ~ /^clarky\.company_contacts/ { m++ }
	$1 ~ /^clarky_api\./ { h++ } $1 == "list_api_keys" { k++ }
	END { printf "%d|%d|%d|%d|%d|%d\n", g, c, o, m, h, k }' "$WORK/reads.standby")
reads_equal() {
	cmp -s "$WORK/reads.primary" "$WORK/reads.standby" && [ "$n_get" -gt "$settled_rows" ] && [ "$n_keys" -eq 3 ] &&
		[ "$n_members" -gt 0 ]
}
ok_if "every read function answers on the hot standby exactly as on the primary for the settled workspace, while the writers write ($read_calls calls: $n_get get_activity, $n_contact contact_activities, $n_company company_activities of scope all and direct, every page and type, the deep ones too, $n_members company_contacts; $n_http of clarky_api's through pre_request with a read key; list_api_keys; $standby_read_seconds s)" \
	reads_equal
cmp -s "$WORK/reads.primary" "$WORK/reads.standby" ||
	diag "$(diff "$WORK/reads.primary" "$WORK/reads.standby" | cut -c 1-300 | head -n 20)"
# what those answers were: found and not found as the rows say, totals as count(*)
IFS='|' read -r want_found want_missing < <(P "SELECT count(*) FILTER (WHERE deleted_at IS NULL),
	count(*) FILTER (WHERE deleted_at IS NOT NULL) + 1 FROM clarky.activities WHERE workspace_id = '$SETTLED'")
IFS='|' read -r got_found got_missing < <(awk -F'\t' '$1 ~ /^clarky\.get_activity\(/ {
		if ($2 ~ /^\{"data": \{"id": "a_/) f++
		else if ($2 ~ /^error P0002: activity "a_[0-9A-Z]+" not found$/) m++
	} END { printf "%d|%d\n", f, m }' "$WORK/reads.standby")
http_statuses=$(awk -F'\t' '$1 ~ /^clarky_api\./ { split($2, w, " "); s[w[1]]++ }
	END { for (k in s) printf "%s:%d ", k, s[k] }' "$WORK/reads.standby" | tr ' ' '\n' | sort | paste -sd ' ')
is "$got_found/$got_missing" "$want_found/$want_missing" \
	"on the standby get_activity finds the $want_found live activities of the settled workspace and answers P0002 for the $((want_missing - 1)) deleted ones and an unknown id (clarky_api's answers by status: $http_statuses)"

# the counts, totals and timelines of every workspace, those being written
# too, in one snapshot of the standby
t0=$(now_s)
standby_totals=$(R -c "BEGIN ISOLATION LEVEL REPEATABLE READ" "WITH t AS (SELECT * FROM stress.total_mismatches()),
	l AS (SELECT * FROM stress.timeline_mismatches('{c_fo_deep,co_crash_0}'))
	SELECT concat_ws('|', (SELECT count(*) FROM stress.count_mismatches()),
		(SELECT count(*) FROM t WHERE owner_kind <> 'checked'), (SELECT counted FROM t WHERE owner_kind = 'checked'),
		(SELECT count(*) FROM l WHERE owner_kind <> 'checked'),
		(SELECT counted || '|' || pages || '|' || deleted_seen FROM l WHERE owner_kind = 'checked'),
		(SELECT count(*) FROM clarky.activities WHERE workspace_id <> '$SETTLED'))" 2>&1 || true)
IFS='|' read -r s_count_bad s_total_bad s_checked s_timeline_bad s_timelines s_pages s_deleted_seen s_rows <<<"$standby_totals"
is "$s_count_bad/$s_total_bad/$s_timeline_bad/$s_deleted_seen" 0/0/0/0 \
	"on the standby, in one REPEATABLE READ snapshot under the load, clarky.activity_counts and every timeline's total equal count(*) of live activities in every workspace (${s_checked:-?} timelines, ${s_rows:-?} rows in the three being written); every timeline read through holds exactly its live activities (${s_timelines:-?}, ${s_pages:-?} pages; $(elapsed "$t0") s)"
[ "$s_count_bad/$s_total_bad/$s_timeline_bad/$s_deleted_seen" == 0/0/0/0 ] || diag "$standby_totals"

# every write refused on the standby, cleanly: SQLSTATE 25006, and the
# session goes on (each call in a subtransaction of its own)
SOME_ID=$(R "SELECT min(id) FROM clarky.activities WHERE workspace_id = '$SETTLED' AND deleted_at IS NULL")
GONE_ID=$(R "SELECT min(id) FROM clarky.activities WHERE workspace_id = '$SETTLED' AND deleted_at IS NOT NULL")
SOME_KEY_ID=$(R "SELECT min(id) FROM clarky.api_keys WHERE revoked_at IS NULL")
writes() {
	cat <<SQL
SET clarky.workspace_id = '$SETTLED';
SELECT 'w ' || stress.answer(\$\$clarky.log_activity('{"activity_type": "note", "contact_id": "c_crash_0"}')\$\$);
SELECT 'w ' || stress.answer(\$\$clarky.update_activity('$SOME_ID', '{"title": "on the standby"}')\$\$);
SELECT 'w ' || stress.answer(\$\$clarky.update_activity('$SOME_ID', '{}')\$\$);
SELECT 'w ' || stress.answer(\$\$clarky.complete_activity('$SOME_ID')\$\$);
SELECT 'w ' || stress.answer(\$\$clarky.reopen_activity('$SOME_ID')\$\$);
SELECT 'w ' || stress.answer(\$\$clarky.delete_activity('$SOME_ID')\$\$);
SELECT 'w ' || stress.answer(\$\$clarky.restore_activity('$GONE_ID')\$\$);
SELECT 'w ' || stress.http_answer('$WRITE_KEY', 'log_activity', \$\$'{"activity_type": "note", "contact_id": "c_crash_0"}'\$\$);
SELECT 'w ' || stress.http_answer('$WRITE_KEY', 'update_activity', \$\$'{"title": "on the standby"}'\$\$, '$SOME_ID');
SELECT 'w ' || stress.http_answer('$WRITE_KEY', 'delete_activity', '', '$SOME_ID');
SELECT 'w ' || stress.http_answer('$WRITE_KEY', 'restore_activity', '', '$GONE_ID');
SELECT 'r ' || (clarky.get_activity('$SOME_ID') #>> '{data,version}');
SQL
}
{
	writes | "${R_PSQL[@]}" -U "$WRITER" -d "$DB" -f -
	"${R_PSQL[@]}" -U stress_fo_admin -d "$DB" \
		-c "SELECT 'w ' || stress.answer(\$\$clarky.create_api_key('$SETTLED', ARRAY['read'])\$\$)" \
		-c "SELECT 'w ' || stress.answer(\$\$clarky.revoke_api_key('$SOME_KEY_ID')\$\$)" \
		-c "SELECT 'w ' || stress.answer(\$\$clarky.purge_deleted_activities(interval '0')\$\$)" \
		-c "SELECT 'r ' || count(*) FROM clarky.list_api_keys()"
	"${R_PSQL[@]}" -U postgres -d "$DB" -c "SELECT 'w ' || stress.answer('clarky.rebuild_activity_counts()')" \
		-c "SELECT 'r ' || count(*) FROM clarky.activities"
} >"$WORK/writes.standby" 2>&1 || true
n_writes=$(grep -c '^w ' "$WORK/writes.standby" || true)
refused=$(grep -c '^w error 25006: ' "$WORK/writes.standby" || true)
read_on=$(grep -c '^r [0-9]' "$WORK/writes.standby" || true)
is "$n_writes/$refused/$read_on" "15/15/3" \
	"every write is refused on the standby with SQLSTATE 25006 (read_only_sql_transaction) and the session reads on: log, update (and a patch that changes nothing), complete, reopen, delete, restore, clarky_api's log, update, delete and restore with a write key, create_api_key, revoke_api_key, purge_deleted_activities, rebuild_activity_counts"
[ "$refused" == 15 ] || diag "$(grep -v '^w error 25006: ' "$WORK/writes.standby" | cut -c 1-300 | head -n 20)"

# ---- the replica falls behind -----------------------------------------------------
# Its walreceiver stopped (SIGSTOP), as a slow disk or network would hold
# it: a commit is not acknowledged, nor visible to others, until the
# replica has flushed it, so every writer waits (wait event SyncRep) and
# the rows stay as they are; once it runs again the writers go on.  (On
# one machine a replica is otherwise never far behind: the kill below comes
# during such a stall, when an asynchronous replica would lack what was
# acknowledged.)
WALRECEIVER=$(R "SELECT pid FROM pg_stat_wal_receiver")
on_exit "kill -CONT $WALRECEIVER"
syncrep_waiting() { P "SELECT count(*) FROM pg_stat_activity WHERE usename = '$WRITER' AND wait_event = 'SyncRep'" 2>/dev/null || echo 0; }
all_waiting() { [ "$(syncrep_waiting)" -ge "${#CLIENTS[@]}" ] || ! clients_alive; }
# stall: stop the walreceiver, until every writer waits (10 s at most)
stall() {
	kill -STOP "$WALRECEIVER"
	wait_for 10 all_waiting || true
}
stall
stalled_rows=$(rows)
sleep 1
waiting=$(syncrep_waiting)
stalled_rows_after=$(rows)
kill -CONT "$WALRECEIVER"
going_on() { [ "$(rows)" -gt "$stalled_rows_after" ] || ! clients_alive; }
wait_for 10 going_on || true
resumed_rows=$(rows)
ok_if "while the replica's walreceiver is stopped, all ${#CLIENTS[@]} writers wait for it (SyncRep) and no commit becomes visible ($stalled_rows rows, $stalled_rows_after after 1 s); they go on once it runs again ($resumed_rows)" \
	test "$waiting" -eq "${#CLIENTS[@]}" -a "$stalled_rows" -eq "$stalled_rows_after" -a "$resumed_rows" -gt "$stalled_rows_after"

# ---- the failover ------------------------------------------------------------
# (the writers run for LOAD_SECONDS in all, and at least one more after the stall)
resumed_at=$(now_s)
elapsed_load() { awk -v a="$start" -v b="$(now_s)" 'BEGIN { printf "%d", b - a }'; }
while { [ "$(elapsed_load)" -lt "$LOAD_SECONDS" ] || [ "$(elapsed "$resumed_at" | cut -d . -f 1)" -lt 1 ]; } && clients_alive; do
	sleep 0.2
done
IFS='|' read -r flush_lag replay_lag < <(P "SELECT
	coalesce(round(extract(epoch FROM flush_lag) * 1000, 2), 0), coalesce(round(extract(epoch FROM replay_lag) * 1000, 2), 0)
	FROM pg_stat_replication WHERE application_name = '$REPLICA_NAME'" 2>/dev/null || true)
stall
IFS='|' read -r waiting_at_kill unflushed < <(P "SELECT (SELECT count(*) FROM pg_stat_activity
		WHERE usename = '$WRITER' AND wait_event = 'SyncRep'),
	(SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn) FROM pg_stat_replication
	 WHERE application_name = '$REPLICA_NAME')" 2>/dev/null || true)
before_kill=$(rows)
# its backends and the walsender die with it
kill_cluster "$PRIMARY"
killed_at=$(now_s)
diag "killed the primary's postmaster ${KILLED_PIDS%% *} and its $(($(wc -w <<<"$KILLED_PIDS") - 1)) processes with about $before_kill rows written, $waiting_at_kill writers waiting for the stopped replica, which has not flushed the last $unflushed bytes of WAL (before the stall: flush lag $flush_lag ms, replay lag $replay_lag ms)"
wait_for 30 cluster_gone || true
gone_seconds=$(elapsed "$killed_at")
killed_while_waiting() { cluster_gone && [ "$waiting_at_kill" -eq "${#CLIENTS[@]}" ]; }
ok_if "the primary's postmaster and all its processes are gone after kill -9, which came while the ${#CLIENTS[@]} writers waited for the stalled replica ($waiting_at_kill waiting, $unflushed bytes of WAL not flushed there)" \
	killed_while_waiting
# no stop at exit may signal a process that has the dead postmaster's pid since
mv "$PRIMARY/data/postmaster.pid" "$PRIMARY/data/postmaster.pid.killed" 2>/dev/null || true
# the replica's walreceiver runs again: it reads what the primary had sent
# it before dying, then finds the connection gone
kill -CONT "$WALRECEIVER"

# the promotion
unreplayed=$(R "SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())" 2>/dev/null || echo '?')
asked_seconds=$(elapsed "$killed_at")
t0=$(now_s)
promote_status=0
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$REPLICA/data" promote -w -t 60 >"$WORK/promote.out" 2>&1 || promote_status=$?
promote_seconds=$(elapsed "$t0")
writable() { [ "$(R "SELECT NOT pg_is_in_recovery() AND NOT current_setting('transaction_read_only')::boolean" 2>/dev/null)" == t ]; }
wait_for 30 writable || true
failover_seconds=$(awk -v a="$killed_at" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }')
promoted=$(R "SELECT pg_is_in_recovery() || '|' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)
	|| '|' || current_setting('synchronous_standby_names')" 2>&1 || true)
# the clients end on the lost connection
for p in "${CLIENT_PIDS[@]}"; do
	wait "$p" || true
done
CLIENT_PIDS=()
diag "after the kill: all the primary's processes gone in $gone_seconds s, pg_ctl promote run at $asked_seconds s, writes taken at $failover_seconds s"
load_seconds=$(awk -v a="$start" -v b="$killed_at" 'BEGIN { printf "%.1f", b - a }')
for c in "${CLIENTS[@]}"; do
	diag "client $c: $(head -c 300 "$WORK/client.$c.err" | tr '\n' ' ')"
done
is "$promote_status|$promoted" "0|false|00000002|" \
	"pg_ctl promote makes the replica a primary in $promote_seconds s ($failover_seconds s from the kill until it takes writes; $unreplayed bytes of WAL received but not yet replayed when it was asked): out of recovery, on timeline 2, with no synchronous standby to wait for"
[ "$promote_status" == 0 ] || diag "$(cat "$WORK/promote.out")"

# ---- on the new primary ---------------------------------------------------------
acked=0
for c in "${CLIENTS[@]}"; do
	acked=$((acked + $(wc -l <"$WORK/acked.$c")))
done
client_errors=$(for c in "${CLIENTS[@]}"; do cat "$WORK/client.$c.err"; done |
	grep -v 'server closed the connection unexpectedly\|terminated abnormally\|before or while processing\|connection to server was lost\|no connection to the server\|terminating connection due to\|could not receive data from server' || true)
each_wrote() {
	local c
	for c in "${CLIENTS[@]}"; do
		[ "$(wc -l <"$WORK/acked.$c")" -gt 0 ] || return 1
	done
	[ -z "$client_errors" ]
}
ok_if "the ${#CLIENTS[@]} clients wrote until the kill ($acked statements acknowledged), their only error the lost connection" \
	each_wrote
[ -z "$client_errors" ] || diag "$client_errors"

# load_client_files C...: what clients C sent and were acknowledged, into stress.sent and stress.acked
load_client_files() {
	local c
	for c in "$@"; do
		printf '%s\n' "\\copy stress.sent FROM '$WORK/sent.$c' WITH (FORMAT csv, DELIMITER E'\\t', QUOTE E'\\x01')" \
			"\\copy stress.acked FROM '$WORK/acked.$c' WITH (FORMAT csv, DELIMITER E'\\t', QUOTE E'\\x01')"
	done | "${R_PSQL[@]}" -U postgres -d "$DB" -f -
}
load_client_files 9 "${CLIENTS[@]}"

acked_logs=$(R "SELECT count(*) FROM stress.acked_logs WHERE c <> 9")
acked_changes=$(R "SELECT count(*) FROM stress.acked_changes WHERE c <> 9")
settled_logs=$(R "SELECT count(*) FROM stress.acked_logs WHERE c = 9")
# (an activity's title starts with its client and statement, "c1 n5 ", and
# keeps them through its updates: a log replayed twice would show twice)
IFS='|' read -r lost twice < <(R "WITH t AS (
		SELECT substring(title FROM '^c(\d+) ')::int AS c, substring(title FROM '^c\d+ n(\d+) ')::int AS n,
			   count(*) AS copies
		FROM clarky.activities GROUP BY 1, 2)
	SELECT count(*) FILTER (WHERE a.id IS NULL), count(*) FILTER (WHERE t.copies > 1)
	FROM stress.acked_logs k LEFT JOIN clarky.activities a ON a.id = k.answer #>> '{data,id}'
	LEFT JOIN t USING (c, n)")
is "$lost/$twice" 0/0 "every acknowledged activity is on the new primary exactly once ($acked_logs acknowledged under the load, $settled_logs in the settled workspace; $lost missing, $twice more than once)"
[ "$lost" == 0 ] || diag "missing (client, statement, id): $(R "SELECT string_agg(k.c || ' ' || k.n || ' ' || (k.answer #>> '{data,id}'), ', ')
	FROM (SELECT * FROM stress.acked_logs k ORDER BY c, n) k
	WHERE NOT EXISTS (SELECT FROM clarky.activities a WHERE a.id = k.answer #>> '{data,id}')" | cut -c 1-600)"

IFS='|' read -r changes_lost changes_bad changes_behind < <(R "SELECT
	count(*) FILTER (WHERE x.n IS NULL),
	count(*) FILTER (WHERE x.n IS NOT NULL AND (x.id IS DISTINCT FROM k.answer #>> '{data,id}'
		OR x.op IS DISTINCT FROM k.payload ->> 'change'
		OR x.new_version IS DISTINCT FROM (k.answer #>> '{data,version}')::integer
		OR x.new_version NOT IN (x.prior_version, x.prior_version + 1)
		OR (x.op = 'delete') IS DISTINCT FROM (k.answer #>> '{data,deleted_at}' IS NOT NULL))),
	count(*) FILTER (WHERE NOT EXISTS (SELECT FROM clarky.activities a
		WHERE a.id = k.answer #>> '{data,id}' AND a.version >= (k.answer #>> '{data,version}')::integer))
	FROM stress.acked_changes k LEFT JOIN stress.crash_changes x USING (c, n)")
is "$changes_lost/$changes_bad/$changes_behind" 0/0/0 \
	"every acknowledged update (a new set of contacts or companies among them), complete, reopen, delete, restore and membership is committed on the new primary at the version it answered, and its activity is at that version or later ($acked_changes acknowledged under the load)"
[ "$changes_lost/$changes_bad/$changes_behind" == 0/0/0 ] || diag "$(R "SELECT k.c, k.n, k.payload ->> 'change', k.answer #>> '{data,id}',
	k.answer #>> '{data,version}', x.new_version, a.version
	FROM stress.acked_changes k LEFT JOIN stress.crash_changes x USING (c, n)
	LEFT JOIN clarky.activities a ON a.id = k.answer #>> '{data,id}'
	WHERE x.n IS NULL OR x.new_version IS DISTINCT FROM (k.answer #>> '{data,version}')::integer
	   OR a.version IS NULL OR a.version < (k.answer #>> '{data,version}')::integer
	ORDER BY 1, 2 LIMIT 10")"

# committed but never acknowledged: at most the statement each client had in flight
IFS='|' read -r changes_extra changes_unsent < <(R "SELECT
	count(*) FILTER (WHERE NOT EXISTS (SELECT FROM stress.acked k WHERE (k.c, k.n) = (x.c, x.n))),
	count(*) FILTER (WHERE NOT EXISTS (SELECT FROM stress.sent s WHERE (s.c, s.n) = (x.c, x.n)
		AND s.payload ->> 'change' = x.op AND (s.payload ->> 'target')::integer = x.target))
	FROM stress.crash_changes x")
extra=$(R "SELECT count(*) FROM clarky.activities a
	WHERE a.contact_id IS DISTINCT FROM 'c_fo_deep'
	  AND NOT EXISTS (SELECT FROM stress.acked_logs k WHERE k.answer #>> '{data,id}' = a.id)")
extra_bad=$(R "SELECT count(*) FROM clarky.activities a
	LEFT JOIN stress.sent s ON (s.c, s.n) = (substring(a.title FROM '^c(\d+) ')::int,
	                                           substring(a.title FROM '^c\d+ n(\d+) ')::int)
	WHERE a.contact_id IS DISTINCT FROM 'c_fo_deep'
	  AND NOT EXISTS (SELECT FROM stress.acked_logs k WHERE k.answer #>> '{data,id}' = a.id)
	  AND (s.c IS NULL OR s.payload ? 'change' OR stress.crash_mismatch(a, s.c, s.payload,
	       jsonb_build_object('data', jsonb_build_object('id', a.id, 'title', s.payload ->> 'title',
	           'description', a.description, 'metadata', coalesce(s.payload -> 'metadata', '{}'),
	           'created_at', a.created_at, 'occurred_at', a.occurred_at))) IS NOT NULL)")
in_flight=$((extra + changes_extra))
ok_if "nothing was committed but the acknowledged statements and those in flight at the kill ($extra activities and $changes_extra changes unacknowledged, at most one per client), each as it was sent" \
	test "$in_flight" -le "${#CLIENTS[@]}" -a "$extra_bad" -eq 0 -a "$changes_unsent" -eq 0
[ "$in_flight" -le "${#CLIENTS[@]}" ] || diag "unacknowledged: $(R "SELECT string_agg(a.id || ' ' || left(a.title, 20), ', ') FROM clarky.activities a
	WHERE a.contact_id IS DISTINCT FROM 'c_fo_deep'
	  AND NOT EXISTS (SELECT FROM stress.acked_logs k WHERE k.answer #>> '{data,id}' = a.id)" | cut -c 1-600)"

bad=$(R "SELECT count(*) FROM stress.acked_logs k JOIN stress.sent s USING (c, n)
	LEFT JOIN clarky.activities a ON a.id = k.answer #>> '{data,id}'
	WHERE stress.crash_mismatch(a, k.c, s.payload, k.answer) IS NOT NULL")
unsent=$(R "SELECT count(*) FROM stress.acked k WHERE NOT EXISTS (SELECT FROM stress.sent s WHERE (s.c, s.n) = (k.c, k.n))")
deep=$(R "SELECT count(*) FROM clarky.activities WHERE workspace_id = '$SETTLED' AND contact_id = 'c_fo_deep' AND title LIKE 'deep %'")
is "$bad/$unsent/$deep" 0/0/600 "every acknowledged activity is intact on the new primary: every field as the payload sent and its committed changes left it (contacts and companies, primary first, title, owner_id, merged metadata, completed_at, deleted_at, version, updated_at), and as its answer; the 600 deep-timeline activities too"
if [ "$bad" != 0 ]; then
	diag "$(R "SELECT k.c, k.n, stress.crash_mismatch(a, k.c, s.payload, k.answer) FROM stress.acked_logs k
		JOIN stress.sent s USING (c, n) LEFT JOIN clarky.activities a ON a.id = k.answer #>> '{data,id}'
		WHERE stress.crash_mismatch(a, k.c, s.payload, k.answer) IS NOT NULL LIMIT 10")"
fi

# ---- logging goes on ------------------------------------------------------------
before_max=$(R "SELECT max(id COLLATE \"C\") FROM clarky.activities")
rows_at_promotion=$(R "SELECT count(*) FROM clarky.activities")
t0=$(now_s)
AFTER_PIDS=()
for c in "${AFTER_CLIENTS[@]}"; do
	run_client "$c" 300 "$REPLICA_PORT" "$REPLICA" &
	AFTER_PIDS+=($!)
done
after_status=0
for p in "${AFTER_PIDS[@]}"; do
	wait "$p" || after_status=$?
done
after_seconds=$(elapsed "$t0")
load_client_files "${AFTER_CLIENTS[@]}"
after_acked=$(R "SELECT count(*) FROM stress.acked WHERE c > 10")
IFS='|' read -r after_logged after_min after_present after_regress < <(R "SELECT count(*), min(k.answer #>> '{data,id}' COLLATE \"C\"),
	count(*) FILTER (WHERE EXISTS (SELECT FROM clarky.activities a WHERE a.id = k.answer #>> '{data,id}')),
	(SELECT count(*) FROM (SELECT id, lag(id) OVER (PARTITION BY c ORDER BY n) AS prev FROM stress.crash_ids WHERE c > 10) AS x
	 WHERE prev COLLATE \"C\" >= id)
	FROM stress.acked_logs k WHERE k.c > 10")
is "$after_status|$after_acked|$after_present" "0|$((300 * ${#AFTER_CLIENTS[@]}))|$after_logged" \
	"logging goes on on the new primary: ${#AFTER_CLIENTS[@]} clients' $((300 * ${#AFTER_CLIENTS[@]})) statements all acknowledged in $after_seconds s ($after_logged activities logged, every one there, the others changes)"
after_sorts=$(R "SELECT '$after_min' COLLATE \"C\" > '$before_max' COLLATE \"C\"")
is "$after_sorts/$after_regress" t/0 \
	"every id logged on the new primary sorts after every id logged before (as text, byte order: the least after, $after_min, > the greatest before, $before_max), and each client's ids increase"

version_bad=$(R "SELECT count(*) FROM stress.version_mismatches('stress.crash_versions')")
changed=$(R "SELECT count(*) FROM clarky.activities WHERE version > 1")
is "$version_bad" 0 "every activity's version = 1 + its committed changes, which gave versions 2, 3, ... once each, before and after the failover ($changed activities changed)"
[ "$version_bad" == 0 ] || diag "$(R "SELECT * FROM stress.version_mismatches('stress.crash_versions') LIMIT 10")"
bad_after=$(R "SELECT count(*) FROM stress.acked_logs k JOIN stress.sent s USING (c, n)
	LEFT JOIN clarky.activities a ON a.id = k.answer #>> '{data,id}'
	WHERE stress.crash_mismatch(a, k.c, s.payload, k.answer) IS NOT NULL")
is "$bad_after" 0 "every acknowledged activity, logged before or after the failover, is intact after the clients' changes on the new primary"

check_sound "$REPLICA" "$REPLICA_PORT" "$DB" "$WORK" '{c_crash_0,co_crash_0,c_fo_deep}' "on the new primary"

rows_after=$(R "SELECT count(*) FROM clarky.activities")
problems=$( (server_log_problems "$PRIMARY/postgres.log" && server_log_problems "$REPLICA/postgres.log") |
	grep -v 'terminated by signal 9\|all server processes terminated' || true)
is "$problems" "" "neither server's log shows a crash, assertion or leak warning of its own"
[ -z "$problems" ] || diag "$problems"

figure failover.load_seconds "$load_seconds"
figure failover.acknowledged "$acked"
figure failover.acknowledged_logs "$acked_logs"
figure failover.acknowledged_changes "$acked_changes"
figure failover.acknowledged_per_second "$(awk -v n="$acked" -v s="$load_seconds" 'BEGIN { printf "%.0f", n / s }')"
figure failover.lost "$((lost + changes_lost))"
figure failover.in_flight "$in_flight"
figure failover.flush_lag_ms_before_stall "$flush_lag"
figure failover.replay_lag_ms_before_stall "$replay_lag"
figure failover.unflushed_bytes_at_kill "$unflushed"
figure failover.unreplayed_bytes_at_promotion "$unreplayed"
figure failover.promote_seconds "$promote_seconds"
figure failover.kill_to_writable_seconds "$failover_seconds"
figure failover.basebackup_seconds "$basebackup_seconds"
figure failover.standby_read_calls "$read_calls"
figure failover.standby_read_seconds "$standby_read_seconds"
figure failover.standby_writes_refused "$refused"
figure failover.rows_at_promotion "$rows_at_promotion"
figure failover.acknowledged_after_promotion "$after_acked"
figure failover.rows_after "$rows_after"
figure failover.timelines_checked "$checked"
tap_done failover
