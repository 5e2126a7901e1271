#!/usr/bin/env bash
# test/stress/concurrency.sh [PORT]: 8 writers and 2 readers for 30 s.
#
# Writers (pgbench -c 8, prepared statements, as a login role granted
# clarky_writer) log activities through clarky.log_activity: on random
# contacts and companies (write_random.sql), on one hot contact
# (write_hot.sql, partly backdated) and in a second workspace chosen with SET
# clarky.workspace_id (write_ws2.sql).  Each records pg_backend_pid() and the
# new id in stress.ids in the same transaction, with a bigserial seq giving
# the commit order within each backend.
#
# Readers (a second pgbench, -c 2) read pages of 100 of the hot contact's
# timeline and check in one REPEATABLE READ transaction that total, page
# rows, total_pages and the page's ids agree with plain SQL on the same
# snapshot (read_hot.sql); any disagreement is recorded.
#
# Then: rows = transactions pgbench processed, no failed transaction, no
# duplicate id, ids strictly increasing within each backend, counts and
# every timeline's total (per owner, per owner and type) equal to count(*),
# no reader mismatch, the hot timeline paged through equals plain SQL, and
# pg_amcheck is clean.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PORT=${1:-25471}
SECONDS_RUN=${STRESS_CONCURRENCY_SECONDS:-30}
WRITERS=8
READERS=2
stress_workdir concurrency
DIR=$WORK/cluster
DB=concurrency

stress_cluster "$DIR" "$PORT"
PSQL=(pg -h "$DIR" -p "$PORT" -U postgres)
Q() { "${PSQL[@]}" -d "$DB" -c "$1"; }
"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB"
"${PSQL[@]}" -d "$DB" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION clarky_activity;
CREATE EXTENSION amcheck;
CREATE ROLE stress_app LOGIN;
GRANT clarky_writer TO stress_app;
SQL
"${PSQL[@]}" -d "$DB" -f "$STRESS_DIR/sql/checks.sql"
"${PSQL[@]}" -d "$DB" <<'SQL'
CREATE TABLE stress.ids (
	seq bigserial PRIMARY KEY,
	pid integer NOT NULL,
	workspace_id text NOT NULL,
	id text COLLATE "C" NOT NULL
);
CREATE TABLE stress.reader_mismatches (
	at timestamptz NOT NULL DEFAULT clock_timestamp(),
	pid integer, page integer, total bigint, counted bigint, nrows integer, pages bigint,
	h1 bigint, h2 bigint
);
GRANT INSERT ON stress.ids, stress.reader_mismatches TO stress_app;
GRANT USAGE ON SEQUENCE stress.ids_seq_seq TO stress_app;
SQL

B=$STRESS_DIR/pgbench
PGBENCH=(timeout --foreground $((SECONDS_RUN + 120)) "$PG_BIN/pgbench" -h "$DIR" -p "$PORT" -U stress_app -n)

start=$(now_s)
status_w=0
status_r=0
"${PGBENCH[@]}" -M prepared -c "$READERS" -j 1 -T "$SECONDS_RUN" \
	-f "$B/read_hot.sql" "$DB" >"$WORK/readers.out" 2>&1 &
readers=$!
on_exit "kill $readers"
"${PGBENCH[@]}" -M prepared -c "$WRITERS" -j 2 -T "$SECONDS_RUN" \
	-f "$B/write_random.sql@6" -f "$B/write_hot.sql@3" -f "$B/write_ws2.sql@1" \
	"$DB" >"$WORK/writers.out" 2>&1 || status_w=$?
wait "$readers" || status_r=$?
run_seconds=$(elapsed "$start")

processed() { sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$1"; }
failed() { sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$1"; }
tps() { sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$1" | head -n 1; }
writes=$(processed "$WORK/writers.out")
reads=$(processed "$WORK/readers.out")
diag "writers: $writes transactions, $(tps "$WORK/writers.out") tps; readers: $reads transactions, $(tps "$WORK/readers.out") tps"

ok_if "the $WRITERS writers ran $SECONDS_RUN s without error or failed transaction ($writes transactions)" \
	test "$status_w" -eq 0 -a "${writes:-0}" -gt 0 -a "$(failed "$WORK/writers.out")" == 0
[ "$status_w" -eq 0 ] || diag "$(grep -v '^progress' "$WORK/writers.out" | head -n 30)"
ok_if "the $READERS readers ran $SECONDS_RUN s without error or failed transaction ($reads transactions)" \
	test "$status_r" -eq 0 -a "${reads:-0}" -gt 0 -a "$(failed "$WORK/readers.out")" == 0
[ "$status_r" -eq 0 ] || diag "$(grep -v '^progress' "$WORK/readers.out" | head -n 30)"

rows=$(Q "SELECT count(*) FROM clarky.activities")
recorded=$(Q "SELECT count(*) FROM stress.ids")
is "$rows/$recorded" "$writes/$writes" "rows = transactions processed = ids recorded ($rows)"

dups=$(Q "SELECT (SELECT count(*) - count(DISTINCT id) FROM clarky.activities)
	+ (SELECT count(*) - count(DISTINCT id) FROM stress.ids)")
unmatched=$(Q "SELECT count(*) FROM stress.ids i
	WHERE NOT EXISTS (SELECT FROM clarky.activities a WHERE a.id = i.id AND a.workspace_id = i.workspace_id)")
is "$dups/$unmatched" 0/0 "no duplicate id; every recorded id is an activity of the recorded workspace"

pids=$(Q "SELECT count(DISTINCT pid) FROM stress.ids")
regressions=$(Q "SELECT count(*) FROM (
	SELECT id, lag(id) OVER (PARTITION BY pid ORDER BY seq) AS prev FROM stress.ids) AS x
	WHERE prev >= id")
is "$regressions" 0 "ids strictly increase within each backend, in commit order ($pids backends, $recorded ids)"

ws2=$(Q "SELECT count(*) FROM clarky.activities WHERE workspace_id = 'ws_stress_b'")
hot=$(Q "SELECT count(*) FROM clarky.activities WHERE workspace_id = 'default' AND contact_id = 'c_hot'")
ok_if "the load reached the hot contact ($hot rows) and the second workspace ($ws2 rows)" \
	test "$hot" -gt 0 -a "$ws2" -gt 0

count_bad=$(Q "SELECT count(*) FROM stress.count_mismatches()")
is "$count_bad" 0 "clarky.activity_counts equals count(*) for every workspace, owner and type"
total_bad=$(Q "SELECT count(*) FROM stress.total_mismatches() WHERE owner_kind <> 'checked'")
checked=$(Q "SELECT counted FROM stress.total_mismatches() WHERE owner_kind = 'checked'")
is "$total_bad" 0 "every timeline's total equals count(*): per contact, company and type, both workspaces ($checked timelines)"
[ "$total_bad" == 0 ] || diag "$(Q "SELECT * FROM stress.total_mismatches() LIMIT 10")"

mismatches=$(Q "SELECT count(*) FROM stress.reader_mismatches")
is "$mismatches" 0 "readers: total, rows, total_pages and ids of every page agree with count(*) and plain SQL in the same snapshot ($reads checks)"
[ "$mismatches" == 0 ] || diag "$(Q "SELECT * FROM stress.reader_mismatches LIMIT 10")"

# the hot timeline, paged through after the load: every row once, in order
traverse=$(Q "WITH pages AS (
		SELECT p, clarky.contact_activities('c_hot', NULL, p, 100) AS r
		FROM generate_series(1, $hot / 100 + 2) AS p),
	ids AS (
		SELECT e ->> 'id' AS id, p, i FROM pages, json_array_elements(r -> 'data') WITH ORDINALITY AS d(e, i))
	SELECT (SELECT string_agg(id, ',' ORDER BY p, i) FROM ids)
		= (SELECT string_agg(id, ',' ORDER BY occurred_at DESC, id DESC) FROM clarky.activities
		   WHERE workspace_id = 'default' AND contact_id = 'c_hot')
	   AND (SELECT count(*) = count(DISTINCT id) FROM ids)
	   AND (SELECT bool_and((r -> 'pagination' ->> 'total')::bigint = $hot) FROM pages)")
is "$traverse" t "the hot contact's $((hot / 100 + 2)) pages hold each of its $hot rows once, newest first, each page with the true total"

amcheck_status=0
timeout --foreground 120 "$PG_BIN/pg_amcheck" -h "$DIR" -p "$PORT" -U postgres -d "$DB" --heapallindexed \
	>"$WORK/amcheck.out" 2>&1 || amcheck_status=$?
ok_if "pg_amcheck --heapallindexed finds nothing" test "$amcheck_status" -eq 0 -a ! -s "$WORK/amcheck.out"
[ -s "$WORK/amcheck.out" ] && diag "$(head -n 20 "$WORK/amcheck.out")"

problems=$(server_log_problems "$DIR/postgres.log")
errors=$(grep -c 'ERROR:' "$DIR/postgres.log" || true)
is "$problems" "" "the server log shows no crash, assertion or leak warning ($errors ERROR lines)"
[ "$errors" == 0 ] || diag "$(grep 'ERROR:' "$DIR/postgres.log" | head -n 5)"

figure concurrency.seconds "$SECONDS_RUN"
figure concurrency.writer_transactions "$writes"
figure concurrency.writer_tps "$(tps "$WORK/writers.out")"
figure concurrency.reader_checks "$reads"
figure concurrency.reader_tps "$(tps "$WORK/readers.out")"
figure concurrency.rows "$rows"
figure concurrency.hot_rows "$hot"
figure concurrency.workspace_b_rows "$ws2"
figure concurrency.backends "$pids"
figure concurrency.timelines_checked "$checked"
figure concurrency.wall_seconds "$run_seconds"
tap_done concurrency
