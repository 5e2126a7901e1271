#!/usr/bin/env bash
# test/stress/concurrency.sh [PORT]: 8 writers and 2 readers for 30 s, then
# races that exactly one session must win.
#
# Writers (pgbench -c 8, prepared statements, as a login role granted
# clarky_writer) log activities through clarky.log_activity: on random
# contacts and companies (write_random.sql), on one hot contact
# (write_hot.sql, partly backdated) and in a second workspace chosen with SET
# clarky.workspace_id (write_ws2.sql).  Each records pg_backend_pid() and the
# new id in stress.ids in the same transaction, with a bigserial seq giving
# the commit order within each backend.  A third of the writers'
# transactions change one of 3,000 activities logged before the load
# (change.sql, sql/changes.sql): update its metadata and title, with or
# without the version read first as expected_version, change its type,
# complete, reopen, delete (with or without expected_version) or restore it;
# 16 of them, on the hot contact, are chosen by a third of the changes, so
# that writers queue on them and expected versions go stale.  Each change is
# recorded (its new version and what it set) in the same transaction, each
# CK409 or P0002 too.
#
# Readers (a second pgbench, -c 2) read pages of 100 of the hot contact's
# timeline and check in one REPEATABLE READ transaction that total, page
# rows, total_pages and the page's ids agree with plain SQL on the same
# snapshot (read_hot.sql); any disagreement is recorded.
#
# Then: rows = the activities logged (pgbench's transactions of the logging
# scripts), no failed transaction, no duplicate id, ids strictly increasing
# within each backend; every change transaction recorded once; every
# activity's version = 1 + its recorded changes, which gave each version
# from 2 up once; each pool activity holds what its last changes set (no lost
# update); every CK409 and P0002 justified; counts and every timeline's total
# (per owner, per owner and type) equal to count(*) of live activities; every
# timeline read through holds exactly its live activities, no deleted one;
# deleted activities are not found; no reader mismatch; pg_amcheck clean.
#
# Then the races (sql/races.sql, with dblink): 8 sessions pass the same
# expected_version to update_activity (or delete_activity) on one activity
# at the same time, released together by an advisory lock, or queued on the
# row's lock held by a ninth session: in every round exactly one wins, the
# others get CK409 (never 40001), and the version is v+1; when the ninth
# session changes the row itself, all 8 get CK409.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PORT=${1:-$((STRESS_PORT_BASE + 1))}
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
CREATE EXTENSION dblink;
CREATE ROLE stress_app LOGIN;
GRANT clarky_writer TO stress_app;
-- an application backend that serves several workspaces: trusted with them
GRANT SET ON PARAMETER clarky.workspace_id TO stress_app;
SQL
"${PSQL[@]}" -d "$DB" -f "$STRESS_DIR/sql/checks.sql"
"${PSQL[@]}" -d "$DB" -v app=stress_app -f "$STRESS_DIR/sql/changes.sql"
"${PSQL[@]}" -d "$DB" -f "$STRESS_DIR/sql/races.sql"
POOL=$(Q "SELECT count(*) FROM stress.pool")
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
	-f "$B/write_random.sql@4" -f "$B/write_hot.sql@2" -f "$B/write_ws2.sql@1" -f "$B/change.sql@3" \
	"$DB" >"$WORK/writers.out" 2>&1 || status_w=$?
wait "$readers" || status_r=$?
run_seconds=$(elapsed "$start")

processed() { sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$1"; }
# script_processed FILE SCRIPT: the transactions of one of pgbench's
# scripts (0 if pgbench did not say)
script_processed() {
	awk -v s="$2" '/^SQL script [0-9]+: / { cur = ($4 ~ ("/" s "$")) }
		cur && /^ - [0-9]+ transactions/ { n = $2; exit } END { print n + 0 }' "$1"
}
failed() { sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$1"; }
tps() { sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$1" | head -n 1; }
writes=$(processed "$WORK/writers.out")
logged=$(($(script_processed "$WORK/writers.out" write_random.sql) + $(script_processed "$WORK/writers.out" write_hot.sql)
	+ $(script_processed "$WORK/writers.out" write_ws2.sql)))
changing=$(script_processed "$WORK/writers.out" change.sql)
reads=$(processed "$WORK/readers.out")
diag "writers: $writes transactions ($logged logging, $changing changing), $(tps "$WORK/writers.out") tps; readers: $reads transactions, $(tps "$WORK/readers.out") tps"

ok_if "the $WRITERS writers ran $SECONDS_RUN s without error or failed transaction ($writes transactions)" \
	test "$status_w" -eq 0 -a "${writes:-0}" -gt 0 -a "$(failed "$WORK/writers.out")" == 0
[ "$status_w" -eq 0 ] || diag "$(grep -v '^progress' "$WORK/writers.out" | head -n 30)"
ok_if "the $READERS readers ran $SECONDS_RUN s without error or failed transaction ($reads transactions)" \
	test "$status_r" -eq 0 -a "${reads:-0}" -gt 0 -a "$(failed "$WORK/readers.out")" == 0
[ "$status_r" -eq 0 ] || diag "$(grep -v '^progress' "$WORK/readers.out" | head -n 30)"

rows=$(Q "SELECT count(*) FROM clarky.activities")
recorded=$(Q "SELECT count(*) FROM stress.ids")
change_records=$(Q "SELECT (SELECT count(*) FROM stress.changes) + (SELECT count(*) FROM stress.refusals)")
# (pgbench's per-script counts can miss a transaction or two at the end of
# -T: the total is exact)
is "$rows/$((recorded + change_records))" "$((POOL + recorded))/$writes" \
	"rows = $POOL logged before + $recorded ids recorded; ids + $change_records changes recorded = transactions processed ($rows rows)"

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

# ---- the changes -----------------------------------------------------------
IFS=/ read -r changes ck409 p0002 noops deletes restores < <(Q "SELECT
	(SELECT count(*) FROM stress.changes) || '/' ||
	(SELECT count(*) FROM stress.refusals WHERE sqlstate = 'CK409') || '/' ||
	(SELECT count(*) FROM stress.refusals WHERE sqlstate = 'P0002') || '/' ||
	(SELECT count(*) FROM stress.refusals WHERE sqlstate = 'noop') || '/' ||
	(SELECT count(*) FROM stress.changes WHERE op LIKE 'delete%') || '/' ||
	(SELECT count(*) FROM stress.changes WHERE op = 'restore')")
diag "changes: $changes ($deletes deletes, $restores restores); refused: $ck409 CK409, $p0002 P0002; $noops reopens of open activities"
dup_records=$(Q "SELECT count(*) FROM stress.changes c JOIN stress.refusals r USING (seq)")
ok_if "each change transaction recorded once (about $changing by pgbench's count): $changes changes, $ck409 CK409, $p0002 P0002, $noops no-ops" \
	test "$dup_records" -eq 0 -a "$((changes + ck409 + p0002 + noops))" -ge "$changing" -a "$((changes + ck409 + p0002 + noops))" -le "$((changing + 8))"
ok_if "the changes ran every way: updates with and without expected_version, retypes, completes, reopens, deletes, restores, and some CK409" \
	test "$(Q "SELECT count(DISTINCT op) FROM stress.changes")" -eq 8 -a "$ck409" -gt 0 -a "$deletes" -gt 0
answers_bad=$(Q "SELECT count(*) FROM stress.changes WHERE NOT answer_ok")
is "$answers_bad" 0 "every change's answer shows what it set, at the row's new version (expected_version + 1 where given), updated_at its transaction's time"
[ "$answers_bad" == 0 ] || diag "$(Q "SELECT * FROM stress.changes WHERE NOT answer_ok LIMIT 5")"

version_bad=$(Q "SELECT count(*) FROM stress.version_mismatches('stress.changes')")
changed=$(Q "SELECT count(*) FROM clarky.activities WHERE version > 1")
is "$version_bad" 0 "every activity's version = 1 + its recorded changes, which gave versions 2, 3, ... once each: none lost, none doubled ($changed activities changed)"
[ "$version_bad" == 0 ] || diag "$(Q "SELECT * FROM stress.version_mismatches('stress.changes') LIMIT 10")"
content_bad=$(Q "SELECT count(*) FROM stress.content_mismatches()")
is "$content_bad" 0 "every pool activity holds the title, metadata keys, type, completed_at, deleted_at and updated_at its last changes set: no lost update"
[ "$content_bad" == 0 ] || diag "$(Q "SELECT * FROM stress.content_mismatches() LIMIT 10")"
unjustified=$(Q "SELECT count(*) FROM stress.unjustified_refusals()")
is "$unjustified" 0 "every CK409 had a stale expected_version (a recorded change made it stale), every P0002 a deleted activity"
[ "$unjustified" == 0 ] || diag "$(Q "SELECT * FROM stress.unjustified_refusals() LIMIT 10")"

count_bad=$(Q "SELECT count(*) FROM stress.count_mismatches()")
is "$count_bad" 0 "clarky.activity_counts equals count(*) of live activities for every workspace, owner and type"
total_bad=$(Q "SELECT count(*) FROM stress.total_mismatches() WHERE owner_kind <> 'checked'")
checked=$(Q "SELECT counted FROM stress.total_mismatches() WHERE owner_kind = 'checked'")
is "$total_bad" 0 "every timeline's total equals count(*) of live activities: per contact, company and type, both workspaces ($checked timelines)"
[ "$total_bad" == 0 ] || diag "$(Q "SELECT * FROM stress.total_mismatches() LIMIT 10")"

deleted=$(Q "SELECT count(*) FROM clarky.activities WHERE deleted_at IS NOT NULL")
Q "CREATE TABLE stress.timelines_read AS SELECT * FROM stress.timeline_mismatches('{c_hot,co_1,co_2,co_3,co_b}')"
timeline_bad=$(Q "SELECT count(*) FROM stress.timelines_read WHERE owner_kind <> 'checked'")
IFS='|' read -r timelines pages deleted_seen < <(Q "SELECT counted, pages, deleted_seen FROM stress.timelines_read WHERE owner_kind = 'checked'")
is "$timeline_bad/$deleted_seen" 0/0 "every timeline read through ($timelines: each owner's, and by type the hot contact's and 4 companies', $pages pages) holds exactly its live activities, newest first; none of the $deleted deleted ones"
[ "$timeline_bad" == 0 ] || diag "$(Q "SELECT * FROM stress.timelines_read LIMIT 10")"
found=$("${PSQL[@]}" -U stress_app -d "$DB" -c "DO \$\$
	DECLARE r record; bad integer := 0; state text;
	BEGIN
		FOR r IN SELECT p.id, a.deleted_at IS NOT NULL AS gone
				 FROM stress.pool p JOIN clarky.activities a USING (id) LOOP
			BEGIN
				PERFORM clarky.get_activity(r.id);
				state := 'found';
			EXCEPTION WHEN SQLSTATE 'P0002' THEN
				state := 'P0002';
			END;
			IF state <> (CASE WHEN r.gone THEN 'P0002' ELSE 'found' END) THEN
				bad := bad + 1;
			END IF;
		END LOOP;
		RAISE NOTICE 'wrong %', bad;
	END \$\$" 2>&1 | sed -n 's/.*NOTICE:  wrong //p')
pool_deleted=$(Q "SELECT count(*) FROM stress.pool JOIN clarky.activities a USING (id) WHERE a.deleted_at IS NOT NULL")
is "$found" 0 "get_activity finds each live pool activity and none of the $pool_deleted deleted ones (P0002)"

mismatches=$(Q "SELECT count(*) FROM stress.reader_mismatches")
is "$mismatches" 0 "readers: total, rows, total_pages and ids of every page agree with count(*) and plain SQL in the same snapshot ($reads checks)"
[ "$mismatches" == 0 ] || diag "$(Q "SELECT * FROM stress.reader_mismatches LIMIT 10")"

# the hot timeline, paged through after the load: every live row once, in order
hot_live=$(Q "SELECT count(*) FROM clarky.activities WHERE workspace_id = 'default' AND contact_id = 'c_hot' AND deleted_at IS NULL")
traverse=$(Q "WITH pages AS (
		SELECT p, clarky.contact_activities('c_hot', NULL, p, 100) AS r
		FROM generate_series(1, $hot_live / 100 + 2) AS p),
	ids AS (
		SELECT e ->> 'id' AS id, p, i FROM pages, json_array_elements(r -> 'data') WITH ORDINALITY AS d(e, i))
	SELECT (SELECT string_agg(id, ',' ORDER BY p, i) FROM ids)
		= (SELECT string_agg(id, ',' ORDER BY occurred_at DESC, id DESC) FROM clarky.activities
		   WHERE workspace_id = 'default' AND contact_id = 'c_hot' AND deleted_at IS NULL)
	   AND (SELECT count(*) = count(DISTINCT id) FROM ids)
	   AND (SELECT bool_and((r -> 'pagination' ->> 'total')::bigint = $hot_live) FROM pages)")
is "$traverse" t "the hot contact's $((hot_live / 100 + 2)) pages hold each of its $hot_live live rows once, newest first, each page with the true total"

# ---- the races ---------------------------------------------------------------
RACE_SESSIONS=8
RACE_ROUNDS=${STRESS_RACE_ROUNDS:-4}
RACES=("update advisory" "update row" "update changed" "delete advisory" "delete row" "delete changed"
	"mixed advisory" "mixed row")
Q "SELECT concat_ws('|', kind, barrier, round, v, waited, array_to_string(outcomes, ','), final_version,
		deleted, winner_pid_title)
	FROM stress.race('host=$DIR port=$PORT dbname=$DB user=stress_app', $RACE_SESSIONS,
		ARRAY[$(printf "'%s'," "${RACES[@]}" | sed 's/,$//')], $RACE_ROUNDS)" >"$WORK/races.out" 2>&1 || true
for race in "${RACES[@]}"; do
	read -r kind barrier <<<"$race"
	awk -F'|' -v k="$kind" -v b="$barrier" '$1 == k && $2 == b { sub(/^[^|]*\|[^|]*\|/, ""); print }' \
		"$WORK/races.out" >"$WORK/race.$kind.$barrier"
	diag "race: $kind behind $barrier (round|v|all waited|outcomes|final version|deleted|winner's patch whole):"
	diag "$(cat "$WORK/race.$kind.$barrier")"
done
grep -q '^update|' "$WORK/races.out" || diag "$(head -n 20 "$WORK/races.out")"
# race_verdict FILE WINNERS LOSERS VERSION_DELTA DELETED: every round of FILE
# had all sessions blocked at the barrier, WINNERS "ok", LOSERS as given (a
# regular expression for each loser's SQLSTATE), the final version
# v + VERSION_DELTA, deleted_at set or not as DELETED, and an update's
# winner's patch whole
race_verdict() {
	awk -F'|' -v winners="$2" -v losers="$3" -v delta="$4" -v del="$5" -v n="$RACE_SESSIONS" -v rounds="$RACE_ROUNDS" '
		{
			split($4, o, ",")
			ok = 0; lost = 0
			for (i in o) { if (o[i] ~ /^ok /) ok++; else if (o[i] ~ ("^(" losers ")$")) lost++ }
			if ($3 != "t" || ok != winners || ok + lost != n || $5 != $2 + delta || $6 !~ ("^(" del ")$") ||
				$7 != "t") bad++
			seen++
		}
		END { exit !(seen == rounds && bad == 0) }' "$1"
}
ok_if "update_activity: 8 sessions expecting the same version at once (released together, or queued on the row): exactly one wins in each of $((2 * RACE_ROUNDS)) rounds, 7 get CK409, the version is v+1, the winner's patch whole" \
	eval 'race_verdict "$WORK/race.update.advisory" 1 CK409 1 f && race_verdict "$WORK/race.update.row" 1 CK409 1 f'
ok_if "update_activity behind a change to v+1 made while the 8 waited: all 8 get CK409, the version is v+1 ($RACE_ROUNDS rounds)" \
	race_verdict "$WORK/race.update.changed" 0 CK409 1 f
ok_if "delete_activity: 8 sessions expecting the same version at once: exactly one wins in each of $((2 * RACE_ROUNDS)) rounds, none of the others changes anything or gets 40001, the version is v+1, deleted" \
	eval 'race_verdict "$WORK/race.delete.advisory" 1 "CK409|P0002" 1 t && race_verdict "$WORK/race.delete.row" 1 "CK409|P0002" 1 t'
ok_if "delete_activity: the 7 losers get CK409, as update's do (README: of two changes that expect the same version, the other gets CK409)" \
	eval 'race_verdict "$WORK/race.delete.advisory" 1 CK409 1 t && race_verdict "$WORK/race.delete.row" 1 CK409 1 t'
ok_if "delete_activity behind a change to v+1 made while the 8 waited: all 8 get CK409, the version is v+1, not deleted ($RACE_ROUNDS rounds)" \
	race_verdict "$WORK/race.delete.changed" 0 CK409 1 f
ok_if "4 updates and 4 deletes expecting the same version at once: exactly one wins in each of $((2 * RACE_ROUNDS)) rounds, the version is v+1, none gets 40001" \
	eval 'race_verdict "$WORK/race.mixed.advisory" 1 "CK409|P0002" 1 "t|f" && race_verdict "$WORK/race.mixed.row" 1 "CK409|P0002" 1 "t|f"'

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
figure concurrency.change_transactions "$changing"
figure concurrency.changes "$changes"
figure concurrency.ck409 "$ck409"
figure concurrency.p0002 "$p0002"
figure concurrency.deleted_at_end "$deleted"
figure concurrency.timelines_read_through "$timelines"
figure concurrency.wall_seconds "$run_seconds"
tap_done concurrency
