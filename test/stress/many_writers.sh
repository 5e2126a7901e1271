#!/usr/bin/env bash
# test/stress/many_writers.sh [PORT]: many concurrent writers, in
# transactions that log several activities, and backfills that change many
# at once (the regression checks of the stripe deadlock and of the backfill
# deadlock in docs/reliability.md, "Findings").
#
# 1. 20 concurrent sessions write to 20 distinct counts stripes, and two of
#    them (1 and 17, which shared a stripe before the fix) each log an
#    activity on c_A and one on c_B in one transaction, in opposite orders
#    (sql/stripe_deadlock.sql, with dblink): no deadlock.
# 2. Two backfills (add_contact_to_company with backfill) of contacts that
#    share two activities, made to meet them in opposite orders
#    (sql/backfill_deadlock.sql, with dblink): no deadlock.
#    And a write (log or patch) of a contact in flight while it is backfilled
#    into a company, either first (sql/backfill_race.sql): the activity
#    reaches the company.
# 3. pgbench: 40 clients for 10 s, each transaction logging activities on
#    c_A then c_B, or c_B then c_A: no deadlock failure, and the counts
#    still equal count(*).
# 4. pgbench: 40 clients for 10 s, each transaction logging two activities
#    tagged with c_A and c_B and companies co_A and co_B, in either order
#    (c_A belongs to co_M), or backfilling one of 8 contacts into a new
#    company (each shares most of its 400 activities with the others), or
#    moving one of those 400 in time or giving it new contacts: no deadlock
#    failure, and the counts, the links and the timelines' totals exact.
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

outcome=$("${PSQL[@]}" -d "$DB" -v conn="host=$DIR port=$PORT dbname=$DB" \
	-f "$STRESS_DIR/sql/backfill_deadlock.sql" 2>&1 || true)
diag "$outcome"
is "$outcome" "backfills of bf_a and bf_b: no deadlock; backfilled 3, 2" \
	"two backfills (add_contact_to_company with backfill) sharing two activities that their scans meet in opposite orders do not deadlock, and each backfills all its contact's activities"

outcome=$("${PSQL[@]}" -d "$DB" -At -v conn="host=$DIR port=$PORT dbname=$DB" \
	-f "$STRESS_DIR/sql/backfill_race.sql" 2>&1 | tail -n 3 || true)
diag "$outcome"
is "$outcome" "log first: the activity reaches race_co_1: t; backfilled 1
backfill first: the activity reaches race_co_2: t; backfilled 0
patch first: the activity reaches race_co_3: t; backfilled 1" \
	"a write and a backfill of the same contact in flight together see each other: the activity reaches the company whichever commits first (log, patch)"

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

# ---- tagged writers and backfills -------------------------------------------
"${PSQL[@]}" -d "$DB" <<'SQL'
SET client_min_messages = warning;
SELECT clarky.add_contact_to_company('c_A', 'co_M');
-- 400 activities, each on 3 of the contacts m_1 .. m_8
CREATE TABLE stress.mw_pool (n integer PRIMARY KEY, id text COLLATE "C" NOT NULL);
INSERT INTO stress.mw_pool
SELECT n, clarky.log_activity(jsonb_build_object('activity_type', 'call',
	'contact_ids', jsonb_build_array('m_' || (1 + n % 8), 'm_' || (1 + (n + 1 + n % 3) % 8), 'm_' || (1 + (n + 5) % 8)),
	'occurred_at', now() - n * interval '1 minute')) #>> '{data,id}'
FROM generate_series(1, 400) AS n;
GRANT SELECT ON stress.mw_pool TO stress_app;
SQL
cat >"$WORK/tag_ab.sql" <<'SQL'
BEGIN;
SELECT clarky.log_activity('{"activity_type": "note", "contact_ids": ["c_A", "c_B"], "company_ids": ["co_A", "co_B"]}');
SELECT clarky.log_activity('{"activity_type": "note", "contact_ids": ["c_B", "c_A"], "company_ids": ["co_B", "co_A"]}');
COMMIT;
SQL
cat >"$WORK/tag_ba.sql" <<'SQL'
BEGIN;
SELECT clarky.log_activity('{"activity_type": "note", "contact_ids": ["c_B", "c_A"], "company_ids": ["co_A"]}');
SELECT clarky.log_activity('{"activity_type": "note", "contact_ids": ["c_A", "c_B"], "company_ids": ["co_B"]}');
COMMIT;
SQL
cat >"$WORK/backfill.sql" <<'SQL'
\set m random(1, 8)
\set co random(1, 1000000000)
SELECT clarky.add_contact_to_company('m_' || :m, 'co_new_' || :co, true);
SQL
cat >"$WORK/move.sql" <<'SQL'
\set n random(1, 400)
\set m random(1, 8)
\set how random(1, 2)
SELECT clarky.update_activity(p.id, CASE :how WHEN 1
	THEN jsonb_build_object('occurred_at', now() - random() * interval '1 day')
	ELSE jsonb_build_object('contact_ids', jsonb_build_array('m_' || :m, 'm_' || (1 + :m % 8))) END)
FROM stress.mw_pool p WHERE p.n = :n;
SQL
status=0
timeout --foreground 120 "$PG_BIN/pgbench" -h "$DIR" -p "$PORT" -U stress_app -n -c "$CLIENTS" -j 2 -T 10 \
	--max-tries=1 --failures-detailed -f "$WORK/tag_ab.sql@3" -f "$WORK/tag_ba.sql@3" -f "$WORK/backfill.sql@2" \
	-f "$WORK/move.sql@2" "$DB" >"$WORK/pgbench_tags.out" 2>&1 || status=$?
tag_processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$WORK/pgbench_tags.out")
tag_failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$WORK/pgbench_tags.out")
tag_deadlocks=$(sed -n 's/^number of deadlock failures: \([0-9]*\).*/\1/p' "$WORK/pgbench_tags.out")
tag_tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench_tags.out")
backfills=$("${PSQL[@]}" -d "$DB" -c "SELECT count(*) FROM clarky.company_memberships WHERE company_id LIKE 'co_new_%'")
diag "$CLIENTS clients: $tag_processed transactions ($backfills backfills), $tag_failed failed, $tag_deadlocks deadlock failures, $tag_tps tps (exit status $status)"
[ "${tag_failed:-?}" == 0 ] || diag "$(grep -v '^progress' "$WORK/pgbench_tags.out" | head -n 20)"
is "${tag_deadlocks:-?}/${tag_failed:-?}/$status" 0/0/0 \
	"$CLIENTS writers logging tagged activities on c_A and c_B in either order, backfilling 8 contacts that share 400 activities into new companies and moving those activities, for 10 s: no deadlock or other failure ($tag_processed transactions, $backfills backfills)"
IFS='|' read -r count_bad link_bad total_bad < <("${PSQL[@]}" -d "$DB" -c "SELECT
	(SELECT count(*) FROM stress.count_mismatches()), (SELECT count(*) FROM stress.link_mismatches()),
	(SELECT count(*) FROM stress.total_mismatches() WHERE owner_kind <> 'checked')")
is "$count_bad/$link_bad/$total_bad" 0/0/0 \
	"then the counts equal the recount from the rows, the links are exactly the activities' other contacts, companies and companies through people, and every timeline's total is exact"

figure many_writers.clients "$CLIENTS"
figure many_writers.transactions "$processed"
figure many_writers.deadlock_failures "$deadlocks"
figure many_writers.tps "$tps"
figure many_writers.tagged_transactions "$tag_processed"
figure many_writers.tagged_deadlock_failures "$tag_deadlocks"
figure many_writers.backfills "$backfills"
figure many_writers.tagged_tps "$tag_tps"
tap_done many_writers
