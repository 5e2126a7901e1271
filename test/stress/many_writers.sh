#!/usr/bin/env bash
# test/stress/many_writers.sh [PORT]: many concurrent writers, in
# transactions that log several activities (the regression check of the
# stripe deadlock in docs/reliability.md, "Findings").
#
# 1. 20 concurrent sessions write to 20 distinct counts stripes, and two of
#    them (1 and 17, which shared a stripe before the fix) each log an
#    activity on c_A and one on c_B in one transaction, in opposite orders
#    (sql/stripe_deadlock.sql, with dblink): no deadlock.
# 2. pgbench: 40 clients for 10 s, each transaction logging activities on
#    c_A then c_B, or c_B then c_A: no deadlock failure, and the counts
#    still equal count(*).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PORT=${1:-$((STRESS_PORT_BASE + 6))}
CLIENTS=${STRESS_MANY_WRITERS:-40}
stress_workdir many_writers
DIR=$WORK/cluster
DB=many_writers

stress_cluster "$DIR" "$PORT" max_connections=100
PSQL=(pg -h "$DIR" -p "$PORT" -U postgres)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB"
"${PSQL[@]}" -d "$DB" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION clarky_activity;
CREATE ROLE stress_app LOGIN;
GRANT clarky_writer TO stress_app;
-- an application backend that serves several workspaces: trusted with them
GRANT SET ON PARAMETER clarky.workspace_id TO stress_app;
SQL
"${PSQL[@]}" -d "$DB" -f "$STRESS_DIR/sql/checks.sql"

outcome=$("${PSQL[@]}" -d "$DB" -v conn="host=$DIR port=$PORT dbname=$DB" \
	-f "$STRESS_DIR/sql/stripe_deadlock.sql" 2>&1 || true)
diag "$outcome"
ok_if "20 concurrent writers have 20 counts stripes; two logging on c_A and c_B in opposite orders do not deadlock" \
	grep -q '^20 distinct stripes of 20 sessions; .*: no deadlock$' <<<"$outcome"

cat >"$WORK/ab.sql" <<'SQL'
BEGIN;
SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c_A"}');
SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c_B"}');
COMMIT;
SQL
cat >"$WORK/ba.sql" <<'SQL'
BEGIN;
SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c_B"}');
SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c_A"}');
COMMIT;
SQL
status=0
timeout --foreground 120 "$PG_BIN/pgbench" -h "$DIR" -p "$PORT" -U stress_app -n -c "$CLIENTS" -j 2 -T 10 \
	--max-tries=1 --failures-detailed -f "$WORK/ab.sql" -f "$WORK/ba.sql" "$DB" \
	>"$WORK/pgbench.out" 2>&1 || status=$?
processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$WORK/pgbench.out")
deadlocks=$(sed -n 's/^number of deadlock failures: \([0-9]*\).*/\1/p' "$WORK/pgbench.out")
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench.out")
diag "$CLIENTS clients: $processed transactions, $deadlocks deadlock failures, $tps tps (exit status $status)"
is "${deadlocks:-?}" 0 "$CLIENTS writers logging on c_A and c_B in either order for 10 s: no deadlock failure ($processed transactions, $tps tps)"
is "$("${PSQL[@]}" -d "$DB" -c "SELECT count(*) FROM stress.count_mismatches()")" 0 \
	"the counts still equal count(*)"

figure many_writers.clients "$CLIENTS"
figure many_writers.transactions "$processed"
figure many_writers.deadlock_failures "$deadlocks"
figure many_writers.tps "$tps"
tap_done many_writers
