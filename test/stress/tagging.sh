#!/usr/bin/env bash
# test/stress/tagging.sh [PORT]: writers tagging the same contacts and
# companies at once for 30 s (1.3.0: many contacts and companies per
# activity, company memberships, companies reached through people): no
# deadlock, no lost update, and every total, link and timeline exact.
#
# Everything happens in workspace ws_tags, on 40 contacts and 12
# companies, so that every writer's activities overlap every other's
# (test/stress/sql/tags.sql makes the writers' functions, 60 memberships
# and 1,500 activities, each on 2-10 contacts and 1-4 companies).
# Writers (pgbench -c 8, prepared statements, a login role granted
# clarky_writer): log activities on 2-10 contacts and 0-4 companies in
# shuffled orders, with or without contact_id, half backdated
# (tag_log.sql, 30 %); change the 1,500 (tag_change.sql, 50 %, a third of
# the time one of 40 "contended" ones): replace the contacts (and every
# other time the companies), with or without the version read first as
# expected_version, replace the primary contact or clear it (the next is
# promoted; at the version read, to tell a change from none), change type and occurred_at, delete (with or without
# expected_version) and restore; add a contact to a company, with or
# without backfill, or remove it (tag_member.sql, 20 %).  Each records what
# it did and what it was answered in the same transaction, and each CK409
# or P0002 it caught.  Readers (pgbench -c 2, tag_read.sql) compare, in
# one REPEATABLE READ transaction, the total and page 1 of a contact's
# timeline and of a company's of scope all and direct with plain SQL.
#
# Then: no deadlock (pgbench's deadlock failures, the server log), no
# failed transaction, rows = the activities logged; every answer the lists
# asked, primary first; versions 2, 3, ... once each; every activity holds
# what its last change answered (contacts and companies in order, type,
# occurred_at, deletion): no lost update; every CK409 and P0002 justified;
# clarky.activity_counts equals the recount from the rows (every contact,
# company and company reached through people), every timeline's total
# (each contact's, each company's of scope all and direct, per type too)
# equals the count of its live activities, each once; activity_links is
# exactly what clarky.rebuild_activity_links() writes (and the counts what
# rebuild_activity_counts() writes: rebuilt in a transaction rolled back);
# every timeline read through holds exactly its live activities, newest
# first; each company's contacts list its memberships; no reader mismatch.
# Finally every membership is added again with backfill, after which every
# live activity on a member reaches the company, and the totals, links and
# timelines are checked again; pg_amcheck clean.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PORT=${1:-$((STRESS_PORT_BASE + 9))}
SECONDS_RUN=${STRESS_TAGGING_SECONDS:-30}
WRITERS=8
READERS=2
stress_workdir tagging
DIR=$WORK/cluster
DB=tagging

stress_cluster "$DIR" "$PORT"
PSQL=(pg -h "$DIR" -p "$PORT" -U postgres)
Q() { "${PSQL[@]}" -d "$DB" -c "SET TimeZone = 'UTC'" -c "$1"; }
"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB"
"${PSQL[@]}" -d "$DB" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION clarky_activity;
CREATE EXTENSION amcheck;
CREATE ROLE stress_app LOGIN;
GRANT clarky_writer TO stress_app;
-- an application backend that serves several workspaces: trusted with them
GRANT SET ON PARAMETER clarky.workspace_id TO stress_app;
SQL
"${PSQL[@]}" -d "$DB" -f "$STRESS_DIR/sql/checks.sql"
t0=$(now_s)
"${PSQL[@]}" -d "$DB" -v app=stress_app -f "$STRESS_DIR/sql/tags.sql"
diag "the pool and the first memberships written in $(elapsed "$t0") s"
POOL=$(Q "SELECT count(*) FROM stress.tag_pool")

B=$STRESS_DIR/pgbench
PGBENCH=(timeout --foreground $((SECONDS_RUN + 120)) "$PG_BIN/pgbench" -h "$DIR" -p "$PORT" -U stress_app -n
	--failures-detailed)

start=$(now_s)
status_w=0
status_r=0
"${PGBENCH[@]}" -M prepared -c "$READERS" -j 1 -T "$SECONDS_RUN" \
	-f "$B/tag_read.sql" "$DB" >"$WORK/readers.out" 2>&1 &
readers=$!
on_exit "kill $readers"
"${PGBENCH[@]}" -M prepared -c "$WRITERS" -j 2 -T "$SECONDS_RUN" \
	-f "$B/tag_log.sql@3" -f "$B/tag_change.sql@5" -f "$B/tag_member.sql@2" \
	"$DB" >"$WORK/writers.out" 2>&1 || status_w=$?
wait "$readers" || status_r=$?
run_seconds=$(elapsed "$start")

processed() { sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$1"; }
script_processed() {
	awk -v s="$2" '/^SQL script [0-9]+: / { cur = ($4 ~ ("/" s "$")) }
		cur && /^ - [0-9]+ transactions/ { n = $2; exit } END { print n + 0 }' "$1"
}
failed() { sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$1"; }
deadlock_failures() { sed -n 's/^number of deadlock failures: \([0-9]*\).*/\1/p' "$1"; }
tps() { sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$1" | head -n 1; }
writes=$(processed "$WORK/writers.out")
logging=$(script_processed "$WORK/writers.out" tag_log.sql)
changing=$(script_processed "$WORK/writers.out" tag_change.sql)
membering=$(script_processed "$WORK/writers.out" tag_member.sql)
reads=$(processed "$WORK/readers.out")
diag "writers: $writes transactions ($logging logging, $changing changing, $membering memberships), $(tps "$WORK/writers.out") tps; readers: $reads transactions, $(tps "$WORK/readers.out") tps"

deadlocks=$(deadlock_failures "$WORK/writers.out")
logged_deadlocks=$(grep -c 'deadlock detected' "$DIR/postgres.log" || true)
is "${deadlocks:-?}/$logged_deadlocks" 0/0 \
	"no deadlock: $WRITERS writers tagging the same 40 contacts and 12 companies for $SECONDS_RUN s (pgbench's deadlock failures / the server log's)"
[ "$logged_deadlocks" == 0 ] || diag "$(grep -A3 'deadlock detected' "$DIR/postgres.log" | head -n 20)"
ok_if "the $WRITERS writers ran $SECONDS_RUN s without error or failed transaction ($writes transactions)" \
	test "$status_w" -eq 0 -a "${writes:-0}" -gt 0 -a "$(failed "$WORK/writers.out")" == 0
[ "$status_w" -eq 0 ] || diag "$(grep -v '^progress' "$WORK/writers.out" | head -n 30)"
ok_if "the $READERS readers ran $SECONDS_RUN s without error or failed transaction ($reads transactions)" \
	test "$status_r" -eq 0 -a "${reads:-0}" -gt 0 -a "$(failed "$WORK/readers.out")" == 0
[ "$status_r" -eq 0 ] || diag "$(grep -v '^progress' "$WORK/readers.out" | head -n 30)"

rows=$(Q "SELECT count(*) FROM clarky.activities")
IFS='|' read -r logged changes refusals members < <(Q "SELECT (SELECT count(*) FROM stress.tag_logged),
	(SELECT count(*) FROM stress.tag_changes), (SELECT count(*) FROM stress.tag_refusals),
	(SELECT count(*) FROM stress.tag_members)")
is "$rows" "$((POOL + logged))" "rows = $POOL logged before + $logged logged during the load, each recorded ($rows rows)"
is "$((logged + changes + refusals + members))" "$writes" \
	"every transaction recorded once: $logged logs + $changes changes + $refusals refusals and no-ops + $members memberships = the $writes transactions pgbench processed"

IFS='|' read -r n_ops ck409 p0002 backfills backfilled removed < <(Q "SELECT
	(SELECT count(DISTINCT op) FROM stress.tag_changes),
	(SELECT count(*) FROM stress.tag_refusals WHERE sqlstate = 'CK409'),
	(SELECT count(*) FROM stress.tag_refusals WHERE sqlstate = 'P0002'),
	(SELECT count(*) FROM stress.tag_members WHERE backfill),
	(SELECT coalesce(sum(backfilled), 0) FROM stress.tag_members),
	(SELECT count(*) FROM stress.tag_members WHERE removed)")
diag "changes: $changes ($(Q "SELECT string_agg(op || ' ' || n, ', ' ORDER BY op) FROM (SELECT op, count(*) AS n FROM stress.tag_changes GROUP BY op) s")); refused: $ck409 CK409, $p0002 P0002; memberships: $members ($backfills with backfill: $backfilled activities backfilled; $removed removed)"
ok_if "the changes ran every way (new contacts and companies, with and without expected_version, new primary, promotion, retype, delete, restore), with some CK409; backfills backfilled" \
	test "$n_ops" -eq 7 -a "$ck409" -gt 0 -a "$backfilled" -gt 0 -a "$removed" -gt 0

answers_bad=$(Q "SELECT (SELECT count(*) FROM stress.tag_logged WHERE NOT answer_ok)
	+ (SELECT count(*) FROM stress.tag_changes WHERE NOT answer_ok)")
is "$answers_bad" 0 "every answer shows the contacts and companies asked, primary first (contact_id given or the first), and what each change set, at expected_version + 1 where given"
[ "$answers_bad" == 0 ] || diag "$(Q "SELECT * FROM stress.tag_changes WHERE NOT answer_ok LIMIT 5")" \
	"$(Q "SELECT * FROM stress.tag_logged WHERE NOT answer_ok LIMIT 5")"
version_bad=$(Q "SELECT count(*) FROM stress.version_mismatches('stress.tag_changes')")
changed=$(Q "SELECT count(*) FROM clarky.activities WHERE version > 1")
is "$version_bad" 0 "every activity's version = 1 + its recorded changes, which gave versions 2, 3, ... once each ($changed activities changed; a backfill changes no version)"
[ "$version_bad" == 0 ] || diag "$(Q "SELECT * FROM stress.version_mismatches('stress.tag_changes') LIMIT 10")"
content_bad=$(Q "SELECT count(*) FROM stress.tag_content_mismatches()")
is "$content_bad" 0 "every activity holds the contacts and companies (in order), type, occurred_at and deletion its last change answered: no lost update"
[ "$content_bad" == 0 ] || diag "$(Q "SELECT * FROM stress.tag_content_mismatches() LIMIT 10")"
unjustified=$(Q "SELECT count(*) FROM stress.tag_unjustified_refusals()")
is "$unjustified" 0 "every CK409 had a stale expected_version (a recorded change made it stale), every P0002 a deleted activity"
[ "$unjustified" == 0 ] || diag "$(Q "SELECT * FROM stress.tag_unjustified_refusals() LIMIT 10")"
mismatches=$(Q "SELECT count(*) FROM stress.tag_read_mismatches")
is "$mismatches" 0 "readers: the total and page 1 of every contact's timeline and company's (scope all and direct) agree with plain SQL in the same snapshot ($reads checks)"
[ "$mismatches" == 0 ] || diag "$(Q "SELECT * FROM stress.tag_read_mismatches LIMIT 10")"

# sound WHEN: amcheck, the counts, totals, links and timelines against the
# rows (check_sound), and each company's contacts against its memberships
sound() {
	local member_bad
	check_sound "$DIR" "$PORT" "$DB" "$WORK" '{c_t_1,c_t_2,co_t_1,co_t_2}' "$1"
	member_bad=$(Q "SELECT count(*) FROM stress.member_mismatches()")
	is "$member_bad" 0 "every company's contacts (clarky.company_contacts, pages of 5) are exactly its memberships, with the true total $1"
}
sound "after the load"
via=$(Q "SELECT count(*) FROM clarky.activities WHERE cardinality(via_company_ids) > 0")
links_after_load=$links
checked_after_load=$checked
timelines_after_load=$timelines

# every membership again, with backfill: then every live activity on a
# member reaches its company
unreached_before=$(Q "SELECT count(*) FROM stress.unreached()")
members_now=$(Q "SELECT count(*) FROM clarky.company_memberships")
refilled=$(Q "SELECT set_config('clarky.workspace_id', 'ws_tags', false);
	SELECT coalesce(sum((clarky.add_contact_to_company(contact_id, company_id, true) #>> '{data,backfilled}')::integer), 0)
	FROM clarky.company_memberships WHERE workspace_id = 'ws_tags'" | tail -n 1)
unreached=$(Q "SELECT count(*) FROM stress.unreached()")
diag "$members_now memberships; $unreached_before (activity, company) pairs not reached through a member before the final backfill, $refilled activities backfilled by it"
is "$unreached" 0 "after every membership is added again with backfill, every live activity on one of a company's contacts reaches the company ($members_now memberships, $refilled backfilled)"
[ "$unreached" == 0 ] || diag "$(Q "SELECT * FROM stress.unreached() LIMIT 10")"
sound "after the final backfill"

problems=$(server_log_problems "$DIR/postgres.log")
errors=$(grep -c 'ERROR:' "$DIR/postgres.log" || true)
is "$problems" "" "the server log shows no crash, assertion or leak warning ($errors ERROR lines)"
[ "$errors" == 0 ] || diag "$(grep 'ERROR:' "$DIR/postgres.log" | sort | uniq -c | sort -rn | head -n 5)"

figure tagging.seconds "$SECONDS_RUN"
figure tagging.writer_transactions "$writes"
figure tagging.writer_tps "$(tps "$WORK/writers.out")"
figure tagging.logs "$logged"
figure tagging.changes "$changes"
figure tagging.ck409 "$ck409"
figure tagging.p0002 "$p0002"
figure tagging.membership_changes "$members"
figure tagging.backfilled "$backfilled"
figure tagging.deadlocks "${deadlocks:-?}"
figure tagging.reader_checks "$reads"
figure tagging.rows "$rows"
figure tagging.tagged_rows "$tagged"
figure tagging.rows_through_people "$via"
figure tagging.deleted_at_end "$deleted"
figure tagging.links "$links_after_load"
figure tagging.timelines_checked "$checked_after_load"
figure tagging.timelines_read_through "$timelines_after_load"
figure tagging.unreached_before_final_backfill "$unreached_before"
figure tagging.wall_seconds "$run_seconds"
tap_done tagging
