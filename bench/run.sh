#!/usr/bin/env bash
# bench/run.sh: the benchmarks of clarky_activity, in one command.
#
#   bench/run.sh                 the full run on the 2M-row set; rewrites
#                                docs/benchmarks.md and its plots
#   bench/run.sh --scale 10m     the scale run: page-1 latency on 1M, 2M and
#                                10M rows, and the timeline, by-id and log
#                                cases on 10M rows (no depth sweep, memory
#                                check, HTTP case or deleted set)
#   bench/run.sh --quick         a short smoke run (no doc rewrite)
#   bench/run.sh --tiny          a few thousand rows, 1 s per case, no doc
#                                rewrite: checks that the harness still runs
#                                (its own cluster: port 25462)
#   --rounds N / --secs S        N rounds of S seconds a side (default: 5 of
#                                6 s; --quick 2 of 3 s)
#   --regenerate                 rebuild the data sets even if they are current
#   --no-http                    skip the HTTP case
#   --docs / --no-docs           force the doc rewrite on or off
#
# Environment: CLARKY_BENCH_DIR (the cluster's directory), CLARKY_BENCH_PORT
# (its port; 25460, --tiny 25462), CLARKY_BENCH_PGRST_PORT (the HTTP case's
# PostgREST; 25461), CLARKY_BENCH_NO_BUILD=1 (use the installed extension as
# it is), CLARKY_BUILD_LOCK (the lock the build and install hold;
# /tmp/clarky-build.lock), CLARKY_BENCH_GLIBC_TUNABLES (glibc's malloc
# settings for the cluster and the clients; empty for glibc's defaults),
# CLARKY_BENCH_NOTE (a note on the run's conditions, say that the machine
# was shared, kept in machine.txt and printed with the run's details).
#
# It builds and installs the extension, starts a private PostgreSQL 15
# cluster tuned for benchmarking (port 25460, data under /var/tmp, kept
# between runs so the data need not be generated again; regenerated when the
# extension's install script or the generator changes), checks that the
# reference implementation (bench/reference.sql) still returns what the
# extension returns (bench/check.sql; on the company data set of the
# issue-10 cases, bench/check_company.sql), then runs every case with
# pgbench in prepared mode, 2 clients, the sides of each case alternated
# (A B, B A, A B...) in several short rounds, and reports the medians and their ratios; last (tiny and 2M
# runs) it times the upgrade from 1.2.0 to 1.3.0 once on the scale's
# activities.  Raw outputs go to bench/results/<date>-<scale>/.  See
# docs/benchmarks.md.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../scripts/lib.sh"
set -euo pipefail
require_root "$@"

BENCH=$REPO_DIR/bench
# no NOTICEs from the harness's own statements (the plans ask for them back)
export PGOPTIONS='-c client_min_messages=warning'
ROLE=clarky_bench
PGBENCH=$PG_BIN/pgbench

# data sets: rows, typical contacts, companies, activities of the hot contact
declare -A ROWS=([tiny]=5000 [1m]=1000000 [2m]=2000000 [10m]=10000000)
declare -A CONTACTS=([tiny]=50 [1m]=10000 [2m]=20000 [10m]=100000)
declare -A COMPANIES=([tiny]=10 [1m]=1000 [2m]=2000 [10m]=10000)
declare -A HOT=([tiny]=1000 [1m]=100000 [2m]=100000 [10m]=100000)

# The company data set of the issue-10 cases (bench_<scale>_company, the
# tiny and 2M runs): a background made by bench/generate.sql (rows,
# typical contacts, companies, activities of its hot contact), whose
# contacts belong to its companies; then, through the API
# (bench/generate_company.sql), the big company co_big with CO_CONTACTS
# contacts of CO_PER activities each, and the small co_small with
# CO_SMALL activities
declare -A CO_BG_ROWS=([tiny]=2000 [2m]=200000)
declare -A CO_BG_CONTACTS=([tiny]=200 [2m]=20000)
declare -A CO_BG_COMPANIES=([tiny]=20 [2m]=2000)
declare -A CO_BG_HOT=([tiny]=100 [2m]=1000)
declare -A CO_CONTACTS=([tiny]=20 [2m]=1000)
declare -A CO_PER=([tiny]=30 [2m]=100)
CO_SMALL=10

# usage: the header comment, whole (it ends at the first line that is no comment)
usage() { sed -n '2,${/^#/!q;p}' "$0" | sed 's/^# \{0,1\}//'; }

SCALE=2m MODE=full REGENERATE= HTTP=1 DOCS= OPT_ROUNDS= OPT_SECS=
while [ $# -gt 0 ]; do
	case $1 in
	--scale) SCALE=${2:?--scale needs 2m or 10m}; shift ;;
	--scale=*) SCALE=${1#--scale=} ;;
	--quick) MODE=quick ;;
	--tiny) MODE=tiny ;;
	--rounds) OPT_ROUNDS=${2:?--rounds needs a number}; shift ;;
	--secs) OPT_SECS=${2:?--secs needs a number}; shift ;;
	--regenerate) REGENERATE=1 ;;
	--no-http) HTTP= ;;
	--docs) DOCS=1 ;;
	--no-docs) DOCS=0 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
case $SCALE in 2m | 10m) ;; *) echo "--scale: 2m or 10m" >&2; exit 2 ;; esac

# rounds, seconds per round, warm-up seconds, sweep seconds, memory-check calls
case $MODE in
full) ROUNDS=5 SECS=6 WARM=2 SWEEP_SECS=3 MEM_CALLS=1000000 ;;
quick) ROUNDS=2 SECS=3 WARM=1 SWEEP_SECS=1 MEM_CALLS=100000 ;;
tiny) ROUNDS=1 SECS=1 WARM=0 SWEEP_SECS=1 MEM_CALLS=2000 HTTP= SCALE=tiny ;;
esac
ROUNDS=${OPT_ROUNDS:-$ROUNDS} SECS=${OPT_SECS:-$SECS}
# The cases whose ratios sit within a round's noise of their bars (the log
# against the plain INSERT, its rounds 0.74-1.02x around a median of about
# 0.85x; ten contacts against one) run three times the rounds, so that
# their medians are ones to trust
EDGE_ROUNDS=$((ROUNDS * 3))
[ -n "$DOCS" ] || { [ "$MODE" = full ] && DOCS=1 || DOCS=0; }

# The cluster: its own for --tiny, so that the test suite's smoke check never
# stops or disturbs a benchmark running at the same time
if [ "$MODE" = tiny ]; then
	DIR=${CLARKY_BENCH_DIR:-/var/tmp/clarky_bench-tiny}
	PORT=${CLARKY_BENCH_PORT:-25462}
else
	DIR=${CLARKY_BENCH_DIR:-/var/tmp/clarky_bench}
	PORT=${CLARKY_BENCH_PORT:-25460}
fi
PGRST_PORT=${CLARKY_BENCH_PGRST_PORT:-25461}

# glibc's malloc, for the cluster (the postmaster passes it to every
# backend) and the clients: keep freed memory in the process.  By default
# glibc gives the top of its heap back to the kernel once 128 kB are free
# there, and maps each block over 128 kB afresh, so a call that allocates
# and frees a large block takes new pages from the kernel every time; on
# this machine's VM each page fault is expensive (a successful
# regexp_match with capture groups, whose matcher allocates such blocks,
# costs 1.4 ms with the defaults and 21 us with these settings, measured
# on the 2M set's cluster), which taxes whichever side allocates most (the
# PL/pgSQL reference's timestamp check most of all), not the work compared.
# The same for every side; machine.txt records it.
export GLIBC_TUNABLES=${CLARKY_BENCH_GLIBC_TUNABLES-glibc.malloc.trim_threshold=268435456:glibc.malloc.top_pad=16777216:glibc.malloc.mmap_threshold=268435456}
[ -n "$GLIBC_TUNABLES" ] || unset GLIBC_TUNABLES

STARTED=$(date +%s)
RESULTS=$BENCH/results/$(date -u +%Y%m%dT%H%M%SZ)-$SCALE
[ "$MODE" != quick ] || RESULTS+=-quick
mkdir -p "$RESULTS/raw"
TSV=$RESULTS/results.tsv
printf 'case\tside\tparam\tround\tclients\ttps\tlatency_ms\n' >"$TSV"

elapsed() { echo "$(($(date +%s) - STARTED)) s"; }
phase() { log "$* [$(elapsed)]"; }

# ---- the cluster ------------------------------------------------------------

# Settings for benchmarking on this machine (ALTER SYSTEM; a restart applies
# those that need one).  synchronous_commit is off so that the write cases
# compare the work of the server, not the latency of the disk's flush.
# autovacuum is off: the harness vacuums after loading and after each run's
# writes itself, where an autovacuum of the whole table landing in one side's
# round would be noise.  shared_buffers holds the data sets of the run: 6GB
# for the 2M run (the 2M set with its lean table, 3.6 GB, and the variant
# with a tenth deleted, 2 GB), 12GB for the scale run (the 1M, 2M and 10M
# sets take 11 GB), backed by huge pages (see reserve_huge_pages).
case $SCALE in
tiny) SHARED_BUFFERS_MB=256 ;;
2m) SHARED_BUFFERS_MB=6144 ;;
10m) SHARED_BUFFERS_MB=12288 ;;
esac
SETTINGS=(
	shared_buffers=${SHARED_BUFFERS_MB}MB effective_cache_size=16GB work_mem=16MB
	maintenance_work_mem=1GB wal_buffers=64MB max_wal_size=16GB min_wal_size=2GB
	checkpoint_timeout=30min checkpoint_completion_target=0.9
	synchronous_commit=off random_page_cost=1.1 effective_io_concurrency=200
	jit=off track_io_timing=on max_connections=100 huge_pages=try
	autovacuum=off log_min_duration_statement=-1 log_checkpoints=on
)

# reserve_huge_pages: enough 2 MB huge pages for the cluster's shared memory
# (vm.nr_hugepages, raised for the run and put back when it ends), as one
# would for any server with a large shared_buffers.  Without them every
# buffer access pays for TLB misses over gigabytes of 4 kB pages, which
# taxes the side that touches buffers most for the least CPU: measured on
# the 2M set, the extension's page 1 ran 10-18% faster with them, the
# reference's 5%.  huge_pages=try: where the kernel cannot give them, the
# run goes on without (machine.txt says which).
HUGE_PAGES_BEFORE=
reserve_huge_pages() {
	local want have
	[ "$SHARED_BUFFERS_MB" -ge 1024 ] && [ -w /proc/sys/vm/nr_hugepages ] || return 0
	# shared_buffers, plus wal_buffers and the rest of the shared memory
	want=$((SHARED_BUFFERS_MB / 2 + SHARED_BUFFERS_MB / 64 + 128))
	have=$(cat /proc/sys/vm/nr_hugepages)
	[ "$have" -lt "$want" ] || return 0
	HUGE_PAGES_BEFORE=$have
	echo "$want" >/proc/sys/vm/nr_hugepages || true
	log "huge pages: vm.nr_hugepages $have -> $(cat /proc/sys/vm/nr_hugepages) (wanted $want) for the run"
}
release_huge_pages() {
	[ -z "$HUGE_PAGES_BEFORE" ] || echo "$HUGE_PAGES_BEFORE" >/proc/sys/vm/nr_hugepages || true
}

# huge_pages_in_use: how many huge pages the running cluster took
huge_pages_in_use() {
	awk '/^HugePages_Total/ { t = $2 } /^HugePages_Free/ { f = $2 } /^HugePages_Rsvd/ { r = $2 }
		END { print t - f + r }' /proc/meminfo
}

configure_cluster() {
	local setting
	for setting in "${SETTINGS[@]}"; do
		run_psql -d postgres -c "ALTER SYSTEM SET ${setting%%=*} = '${setting#*=}'"
	done
	run_psql -d postgres -Atc "SELECT pg_reload_conf()" >/dev/null
	sleep 0.5
	if [ "$(run_psql -d postgres -Atc "SELECT count(*) FROM pg_settings WHERE pending_restart")" != 0 ]; then
		log "restarting the cluster for its benchmark settings"
		stop_cluster "$DIR"
		start_cluster "$DIR" "$PORT"
	fi
	# the application role; it may also read its own memory (the memory check)
	run_psql -d postgres -q <<SQL
SET client_min_messages = warning;
DO \$\$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
		CREATE ROLE $ROLE LOGIN;
	END IF;
END
\$\$;
COMMENT ON ROLE $ROLE IS 'bench/run.sh: the application role the benchmarks run as';
GRANT pg_read_all_stats, pg_read_server_files TO $ROLE;
SQL
}

# ---- the data sets ----------------------------------------------------------

ext_hash() {
	cat "$REPO_DIR"/clarky_activity.control "$REPO_DIR"/sql/*.sql | sha256sum | cut -c1-16
}
gen_hash() {
	cat "$BENCH/generate.sql" "$BENCH/lean.sql" | sha256sum | cut -c1-16
}

db_exists() {
	[ "$(run_psql -d postgres -Atc "SELECT count(*) FROM pg_database WHERE datname = '$1'")" = 1 ]
}

meta() {
	run_psql -d "$1" -Atc "SELECT value FROM bench_meta WHERE key = '$2'" 2>/dev/null || true
}

has_lean() {
	[ "$(run_psql -d "$1" -Atc "SELECT to_regclass('bench_lean.activities') IS NOT NULL")" = t ]
}

# The lean table (bench/lean.sql) is loaded beside the sets the write cases
# run on in the 2M and tiny runs; the scale run has no room for it.
declare -A LEAN=([tiny]=1 [2m]=1)

# ensure_dataset SCALE [del]: the database bench_<scale> (bench_<scale>_del:
# the same activities, a tenth of them deleted), generated if it is missing,
# stale, or was changed by the by-id write cases of an earlier run; rows
# logged by earlier runs are deleted
ensure_dataset() {
	local scale=$1 variant=${2:-} db deleted=0 lean=0 want started
	db=bench_$scale${variant:+_$variant}
	[ "$variant" != del ] || deleted=100
	[ -n "$variant" ] || lean=${LEAN[$scale]:-0}
	want="$(ext_hash)/$(gen_hash)/${ROWS[$scale]}/deleted=$deleted/lean=$lean"
	if [ -z "$REGENERATE" ] && db_exists "$db" && [ "$(meta "$db" version)" = "$want" ] &&
		[ "$(meta "$db" changed_by_id)" != 1 ]; then
		log "data set $db is current (${ROWS[$scale]} rows)"
		reset_dataset "$db"
		return 0
	fi
	phase "generating $db: ${ROWS[$scale]} activities ($deleted per mille deleted), ${CONTACTS[$scale]} contacts, ${COMPANIES[$scale]} companies, hot contact ${HOT[$scale]}$([ "$lean" = 1 ] && echo ', with the lean table')"
	started=$(date +%s)
	run_psql -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
	run_psql -d "$db" -q <<SQL
SET client_min_messages = warning;
CREATE EXTENSION clarky_activity;
CREATE EXTENSION pg_prewarm;
CREATE TABLE bench_meta (key text PRIMARY KEY, value text);
CREATE UNLOGGED TABLE bench_memory (
	n bigint, pid int, context_bytes bigint, rss_anon_kb bigint, pss_kb bigint,
	at timestamptz DEFAULT clock_timestamp());
GRANT INSERT, SELECT ON bench_memory TO $ROLE;
SQL
	run_psql -d postgres -q -c "GRANT clarky_writer TO $ROLE"
	run_psql -d "$db" -q -v rows="${ROWS[$scale]}" -v contacts="${CONTACTS[$scale]}" \
		-v companies="${COMPANIES[$scale]}" -v hot_rows="${HOT[$scale]}" -v deleted="$deleted" \
		-f "$BENCH/generate.sql" >/dev/null
	run_psql -d "$db" -q -c "VACUUM (ANALYZE) clarky.activities" -c "VACUUM (ANALYZE) bench_ids"
	run_psql -d "$db" -q -c "VACUUM (ANALYZE) clarky.activity_counts"
	if [ "$lean" = 1 ]; then
		run_psql -d "$db" -q -f "$BENCH/lean.sql"
		run_psql -d "$db" -q -c "VACUUM (ANALYZE) bench_lean.activities"
	fi
	run_psql -d "$db" -q -c "CHECKPOINT"
	run_psql -d "$db" -q <<SQL
INSERT INTO bench_meta VALUES
	('version', '$want'),
	('loaded_at', clock_timestamp()::text),
	('generate_seconds', '$(($(date +%s) - started))'),
	('rows', '${ROWS[$scale]}'),
	('contacts', '${CONTACTS[$scale]}'),
	('companies', '${COMPANIES[$scale]}'),
	('hot_rows', '${HOT[$scale]}'),
	('deleted_per_mille', '$deleted'),
	('deleted_rows', (SELECT count(*) FROM clarky.activities WHERE deleted_at IS NOT NULL)::text),
	('lean_table', '$lean');
SQL
	log "generated $db in $(($(date +%s) - started)) s"
}

# reset_dataset DB: delete what the write cases of earlier runs logged
reset_dataset() {
	local db=$1 loaded n lean=0
	loaded=$(meta "$db" loaded_at)
	n=$(run_psql -d "$db" -Atc "SELECT count(*) FROM clarky.activities WHERE created_at > '$loaded'")
	if has_lean "$db"; then
		lean=$(run_psql -d "$db" -Atc "SELECT count(*) FROM bench_lean.activities WHERE created_at > '$loaded'")
	fi
	if [ "$lean" -gt 0 ]; then
		log "deleting the $lean rows logged into the lean table by the last run from $db"
		run_psql -d "$db" -q -c "DELETE FROM bench_lean.activities WHERE created_at > '$loaded'" \
			-c "VACUUM (ANALYZE) bench_lean.activities"
	fi
	[ "$n" -gt 0 ] || return 0
	log "deleting the $n activities logged by the last run from $db, and their links"
	run_psql -d "$db" -q \
		-c "DELETE FROM clarky.activity_links AS l USING clarky.activities AS a
			WHERE a.workspace_id = l.workspace_id AND a.id = l.activity_id AND a.created_at > '$loaded'" \
		-c "ALTER TABLE clarky.activities DISABLE TRIGGER USER" \
		-c "DELETE FROM clarky.activities WHERE created_at > '$loaded'" \
		-c "ALTER TABLE clarky.activities ENABLE TRIGGER USER" \
		-c "SELECT clarky.rebuild_activity_counts()" >/dev/null
	run_psql -d "$db" -q -c "VACUUM (ANALYZE) clarky.activity_counts"
	run_psql -d "$db" -q -c "VACUUM (ANALYZE) clarky.activity_links"
	run_psql -d "$db" -q -c "VACUUM (ANALYZE) clarky.activities"
}

co_hash() {
	cat "$BENCH/generate.sql" "$BENCH/generate_company.sql" | sha256sum | cut -c1-16
}

# ensure_company_dataset SCALE: the database bench_<scale>_company (see
# CO_BG_ROWS), generated if it is missing or stale; the activities the
# tagged log case logged in an earlier run are deleted
ensure_company_dataset() {
	local scale=$1 db=bench_$1_company want started
	want="$(ext_hash)/$(co_hash)/${CO_BG_ROWS[$scale]}/${CO_CONTACTS[$scale]}x${CO_PER[$scale]}/$CO_SMALL"
	if [ -z "$REGENERATE" ] && db_exists "$db" && [ "$(meta "$db" version)" = "$want" ]; then
		log "data set $db is current (co_big: ${CO_CONTACTS[$scale]} contacts x ${CO_PER[$scale]} activities)"
		reset_dataset "$db"
		return 0
	fi
	phase "generating $db: a background of ${CO_BG_ROWS[$scale]} activities of ${CO_BG_CONTACTS[$scale]} contacts in ${CO_BG_COMPANIES[$scale]} companies, then co_big (${CO_CONTACTS[$scale]} contacts x ${CO_PER[$scale]} activities) and co_small ($CO_SMALL) through the API"
	started=$(date +%s)
	run_psql -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
	run_psql -d "$db" -q <<SQL
SET client_min_messages = warning;
CREATE EXTENSION clarky_activity;
CREATE EXTENSION pg_prewarm;
CREATE TABLE bench_meta (key text PRIMARY KEY, value text);
SQL
	run_psql -d "$db" -q -v rows="${CO_BG_ROWS[$scale]}" -v contacts="${CO_BG_CONTACTS[$scale]}" \
		-v companies="${CO_BG_COMPANIES[$scale]}" -v hot_rows="${CO_BG_HOT[$scale]}" -v deleted=0 \
		-f "$BENCH/generate.sql" >/dev/null
	run_psql -d "$db" -q -v bg_contacts="${CO_BG_CONTACTS[$scale]}" -v bg_companies="${CO_BG_COMPANIES[$scale]}" \
		-v contacts="${CO_CONTACTS[$scale]}" -v per_contact="${CO_PER[$scale]}" -v small="$CO_SMALL" \
		-f "$BENCH/generate_company.sql" >/dev/null
	run_psql -d "$db" -q -c "VACUUM (ANALYZE)" -c "CHECKPOINT"
	run_psql -d "$db" -q <<SQL
INSERT INTO bench_meta VALUES
	('version', '$want'),
	('loaded_at', clock_timestamp()::text),
	('generate_seconds', '$(($(date +%s) - started))'),
	('background_rows', '${CO_BG_ROWS[$scale]}'),
	('background_contacts', '${CO_BG_CONTACTS[$scale]}'),
	('background_companies', '${CO_BG_COMPANIES[$scale]}'),
	('company_contacts', '${CO_CONTACTS[$scale]}'),
	('company_per_contact', '${CO_PER[$scale]}'),
	('small_company_activities', '$CO_SMALL'),
	('rows', (SELECT count(*) FROM clarky.activities)::text),
	('links', (SELECT count(*) FROM clarky.activity_links)::text),
	('memberships', (SELECT count(*) FROM clarky.company_memberships)::text),
	('company_via', (SELECT count(*) FROM clarky.activity_links WHERE owner_kind = 'via_company' AND owner_id = 'co_big')::text);
SQL
	log "generated $db in $(($(date +%s) - started)) s"
}

# prepare_company_db SCALE: the reference, and the check of the company
# cases' baselines against the extension on the company data set
prepare_company_db() {
	local scale=$1 db=bench_$1_company out
	out=$RESULTS/raw/check-${scale}_company.out
	run_psql -d "$db" -q -f "$BENCH/reference.sql"
	log "checking that the company cases' baselines return what the extension returns ($db)"
	run_psql -d "$db" -q -v contacts="${CO_CONTACTS[$scale]}" -v per_contact="${CO_PER[$scale]}" \
		-v small="$CO_SMALL" -f "$BENCH/check_company.sql" >"$out" 2>&1 || {
		cat "$out" >&2
		echo "error: the company baselines no longer match the extension; fix them first" >&2
		return 1
	}
	sed 's/^/  /' "$out" >&2
}

# the number of live activities bench_ids numbers, per database
declare -A IDS=()

# prepare_db SCALE [del]: the reference, its check against the extension,
# warm caches
prepare_db() {
	local scale=$1 variant=${2:-} db
	db=bench_$scale${variant:+_$variant}
	run_psql -d "$db" -q -f "$BENCH/reference.sql"
	run_psql -d "$db" -q -c "GRANT EXECUTE ON FUNCTION pg_read_file(text) TO $ROLE"
	IDS[$db]=$(run_psql -d "$db" -Atc "SELECT count(*) FROM bench_ids")
	log "checking that the reference returns what the extension returns ($db)"
	run_psql -d "$db" -q -v contacts="${CONTACTS[$scale]}" -f "$BENCH/check.sql" >"$RESULTS/raw/check-$scale${variant:+_$variant}.out" 2>&1 || {
		cat "$RESULTS/raw/check-$scale${variant:+_$variant}.out" >&2
		echo "error: bench/reference.sql no longer matches the extension; fix it first" >&2
		return 1
	}
	sed 's/^/  /' "$RESULTS/raw/check-$scale${variant:+_$variant}.out" >&2
	prewarm "$db"
}

# prewarm DB: the tables and indexes the cases read into shared buffers
prewarm() {
	run_psql -d "$1" -Atq <<'SQL' >/dev/null
SELECT pg_prewarm(c.oid)
FROM pg_class AS c
WHERE (c.relnamespace IN ('clarky'::regnamespace, to_regnamespace('bench_lean'))
	   OR c.oid IN (to_regclass('bench_ids'), to_regclass('bench_ids_pkey')))
  AND c.relkind IN ('r', 'i') AND c.relpersistence = 'p';
SQL
}

# script_statements SCRIPT: the SQL statements of a pgbench script, one a
# line: no comments, no meta-commands (its \set lines), lines joined
script_statements() {
	grep -v -e '^[[:space:]]*--' -e '^[[:space:]]*\\' "$BENCH/pgbench/$1" |
		awk '{ buf = buf (buf == "" ? "" : " ") $0 } /;[[:space:]]*$/ { print buf; buf = "" }'
}

# check_by_id SCALE: the by-id cases' two sides do the same thing, checked
# with their pgbench scripts' own statements (the \set lines replaced by
# fixed values), as the application role, for a few activities of the
# data set: get_activity's answer is the plain SELECT's row (rendered by
# the reference, whose rendering check.sql compares with the extension's);
# after each statement of a write case, the row is the same whichever side
# ran it, and not what it was before (each side runs in a savepoint rolled
# back, both in one transaction, so now() is the same).  Fails the run
# otherwise; writes the result to raw/agree-<scale>.out, one line a case.
check_by_id() {
	local scale=$1 db=bench_$1 ids n case side k stmt sql out
	ids=${IDS[$db]}
	sql=$RESULTS/raw/agree-$scale.sql
	out=$RESULTS/raw/agree-$scale.out
	local row="SELECT to_jsonb(a)::text AS state FROM clarky.activities AS a WHERE a.workspace_id = 'default' AND a.id = (SELECT id FROM bench_ids WHERE n = :n)"
	local render="bench_ref.activity_json(b.id, b.contact_id, b.company_id, b.activity_type, b.title, b.description, b.due_date, b.duration_minutes, b.completed_at, b.metadata, b.created_at, b.occurred_at, b.owner_id, b.updated_at, b.version, b.other_contact_ids, b.other_company_ids)::jsonb"
	{
		echo '\set ON_ERROR_STOP 1'
		echo "SET ROLE $ROLE;"
		echo '\o /dev/null'
		for n in 1 2 $((ids / 3)) $((ids / 2 + 1)) "$ids"; do
			echo "\\set n $n"
			echo '\set r 4242'
			echo "SELECT count(*) = 1 AND bool_and((e.j::jsonb -> 'data') = $render) AS same" \
				"FROM ($(script_statements get_ext.sql | sed 's/;[[:space:]]*$//')) AS e(j)," \
				"($(script_statements get_floor.sql | sed 's/;[[:space:]]*$//')) AS b \\gset"
			echo "\\echo get :n 1 :same"
			for case in update complete delete; do
				echo 'BEGIN;'
				echo "$row \\gset before_"
				echo 'SAVEPOINT side;'
				for side in ext floor; do
					k=0
					while IFS= read -r stmt; do
						k=$((k + 1))
						echo "$stmt"
						echo "$row \\gset ${side}${k}_"
					done < <(script_statements "${case}_$side.sql")
					echo 'ROLLBACK TO SAVEPOINT side;'
				done
				echo 'ROLLBACK;'
				for ((i = 1; i <= k; i++)); do
					echo "SELECT :'ext${i}_state'::jsonb = :'floor${i}_state'::jsonb AND :'ext${i}_state'::jsonb <> :'before_state'::jsonb AS same \\gset"
					echo "\\echo $case :n $i :same"
					echo "\\if :same"
					echo '\else'
					echo "\\echo '  before:' :'before_state'"
					echo "\\echo '  ext:   ' :'ext${i}_state'"
					echo "\\echo '  floor: ' :'floor${i}_state'"
					echo '\endif'
				done
			done
		done
	} >"$sql"
	log "checking that the by-id cases' sides do the same ($db)"
	if ! run_psql -d "$db" -f "$sql" >"$out.raw" 2>&1 ||
		! awk '$4 == "t" { ok[$1]++ } $4 == "f" { bad = 1 } END {
			for (c in ok) printf "agree %s: %d checks, the extension and plain SQL %s\n", c, ok[c],
				c == "get" ? "return the same activity" : "leave the same row"
			exit bad || length(ok) != 4 }' "$out.raw" >"$out"; then
		cat "$out.raw" >&2
		echo "error: a by-id case's sides do not do the same thing" >&2
		return 1
	fi
	sed 's/^/  /' "$out" >&2
}

# ---- pgbench ----------------------------------------------------------------

# pgb OUT DB CLIENTS SECS SCRIPT [pgbench args...]: one pgbench run as the
# application role; fails (showing its output) if any transaction failed
pgb() {
	local out=$1 db=$2 clients=$3 secs=$4 script=$5
	shift 5
	if ! "$PGBENCH" -n -M prepared -c "$clients" -j "$clients" -T "$secs" \
		-h "$DIR" -p "$PORT" -U "$ROLE" "$@" -f "$BENCH/pgbench/$script" "$db" >"$out" 2>&1 ||
		grep -q '^number of failed transactions: [1-9]' "$out"; then
		echo "error: pgbench $script failed:" >&2
		tail -n 20 "$out" >&2
		return 1
	fi
}

tps_of() { sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$1"; }
lat_of() { sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p' "$1"; }

# run_case DB SCALE CASE CLIENTS SIDE=SCRIPT...: the sides alternated over
# ROUNDS rounds (A B C, C B A, A B C...) after a warm-up (CASE_ROUNDS
# rounds where set, for a case that needs more samples).  The scripts get
# the data set's typical contacts (CASE_CONTACTS where set, for a data set
# other than the scale's own), the hot contact's last page (maxpage), the
# numbered live activities (ids), the clients, and the company data set's
# middle page (copage).
run_case() {
	local db=$1 scale=$2 name=$3 clients=$4
	shift 4
	local sides=("$@") extra side script round i out order rounds=${CASE_ROUNDS:-$ROUNDS}
	extra=(-D contacts="${CASE_CONTACTS:-${CONTACTS[$scale]}}" -D maxpage=$((HOT[$scale] / 25))
		-D ids="${IDS[$db]:-1}" -D nclients="$clients"
		-D copage=$(((${CO_CONTACTS[$scale]:-1} * ${CO_PER[$scale]:-25} + 49) / 50)))
	if [ "$WARM" -gt 0 ]; then
		for side in "${sides[@]}"; do
			pgb "$RESULTS/raw/warm.out" "$db" "$clients" "$WARM" "${side#*=}" "${extra[@]}"
		done
	fi
	for ((round = 1; round <= rounds; round++)); do
		order=("${sides[@]}")
		if ((round % 2 == 0)); then
			order=()
			for ((i = ${#sides[@]} - 1; i >= 0; i--)); do order+=("${sides[$i]}"); done
		fi
		for side in "${order[@]}"; do
			script=${side#*=} side=${side%%=*}
			out=$RESULTS/raw/$scale-$name-$side-$round.out
			pgb "$out" "$db" "$clients" "$SECS" "$script" "${extra[@]}"
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scale:$name" "$side" - "$round" "$clients" \
				"$(tps_of "$out")" "$(lat_of "$out")" >>"$TSV"
			printf '  %-28s %-7s round %d/%d  %10.1f tps  %8.3f ms\n' "$name" "$side" "$round" "$rounds" \
				"$(tps_of "$out")" "$(lat_of "$out")" >&2
		done
	done
}

# The cases with targets, on one data set.  Reads first; the writes last,
# since they grow the table (reset_dataset removes their rows next time)
# and change its rows (the by-id cases: the set is generated again next
# time).
read_cases() {
	local db=bench_$1 scale=$1
	phase "timeline cases on $db"
	run_case "$db" "$scale" timeline_page1 2 ext=timeline_ext.sql ref=timeline_ref.sql floor=timeline_floor.sql
	run_case "$db" "$scale" hot_page1 2 ext=hot_ext.sql ref=hot_ref.sql
	run_case "$db" "$scale" type_filter 2 ext=type_ext.sql ref=type_ref.sql
	run_case "$db" "$scale" deep_pages 2 ext=deep_ext.sql ref=deep_ref.sql
	phase "one activity by id on $db"
	run_case "$db" "$scale" get 2 ext=get_ext.sql floor=get_floor.sql
}
write_cases() {
	local db=bench_$1 scale=$1 lean=()
	# the lean table's two sides where the data set has it
	if has_lean "$db"; then lean=(lean=log_lean.sql lean_floor=log_lean_floor.sql); fi
	phase "log cases on $db"
	CASE_ROUNDS=$EDGE_ROUNDS run_case "$db" "$scale" log 2 ext=log_ext.sql ref=log_ref.sql floor=log_floor.sql contract=log_contract.sql "${lean[@]}"
	run_case "$db" "$scale" log_contention 2 hot=log_hot_ext.sql random=log_ext.sql
	phase "by-id write cases on $db"
	run_psql -d "$db" -q -c "INSERT INTO bench_meta VALUES ('changed_by_id', '1') ON CONFLICT (key) DO UPDATE SET value = '1'"
	run_case "$db" "$scale" update 2 ext=update_ext.sql floor=update_floor.sql
	run_case "$db" "$scale" complete 2 ext=complete_ext.sql floor=complete_floor.sql
	run_case "$db" "$scale" delete_restore 2 ext=delete_ext.sql floor=delete_floor.sql
}
# The variant with a tenth of the activities deleted: page 1 and the log
deleted_cases() {
	local db=bench_$1_del scale=$1
	phase "cases on $db (a tenth of the activities deleted)"
	run_case "$db" "$scale" timeline_page1_deleted 2 ext=timeline_ext.sql ref=timeline_ref.sql floor=timeline_floor.sql
	CASE_ROUNDS=$EDGE_ROUNDS run_case "$db" "$scale" log_deleted 2 ext=log_ext.sql floor=log_floor.sql
}

# The issue-10 cases on the company data set: the big company's whole
# timeline (page 1 and its middle page) against the union of its contacts'
# timelines, and its total against the small company's; then the log of a
# call tagged with ten contacts against the same call with one, and that
# against the hand-written SQL of the same work (the INSERT with its
# membership lookup, and its link) and against a plain INSERT of the row
# alone, on the background's contacts (each in a company, so that each log
# also reaches a company through its people)
company_read_cases() {
	local db=bench_$1_company scale=$1
	phase "company cases on $db"
	prewarm "$db"
	run_case "$db" "$scale" company_page1 2 ext=company_page1_ext.sql ref=company_page1_ref.sql
	run_case "$db" "$scale" company_deep 2 ext=company_deep_ext.sql ref=company_deep_ref.sql
	run_case "$db" "$scale" company_total 2 big=company_total_big.sql small=company_total_small.sql
}
company_write_cases() {
	local db=bench_$1_company scale=$1
	phase "tagged log cases on $db"
	prewarm "$db"
	CASE_CONTACTS=${CO_BG_CONTACTS[$scale]} CASE_ROUNDS=$EDGE_ROUNDS run_case "$db" "$scale" log_tags 2 \
		one=log_tag1_ext.sql ten=log_tag10_ext.sql attributed_floor=log_tag1_floor.sql floor=log_floor.sql
}

# The upgrade from 1.2.0 to 1.3.0, measured once, on the scale's data set
# (bench/generate.sql, nothing deleted) in a database of its own: the
# extension created at 1.2.0 and loaded, vacuumed and checkpointed, then
# ALTER EXTENSION clarky_activity UPDATE TO '1.3.0' timed by psql (the
# server's time of the one statement); the table was just loaded, so in
# shared buffers as far as they hold it.  After it, the version, the
# links (none: nothing is rewritten) and two totals against count(*) are
# checked.  Written to upgrade.txt; the database is dropped after.
upgrade_case() {
	local scale=$1 db=bench_$1_upgrade started generated before ms out=$RESULTS/raw/upgrade.out
	phase "the upgrade from 1.2.0 to 1.3.0 on ${ROWS[$scale]} activities ($db)"
	run_psql -d postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
	started=$(date +%s)
	run_psql -d "$db" -q -c "SET client_min_messages = warning" -c "CREATE EXTENSION clarky_activity VERSION '1.2.0'"
	run_psql -d "$db" -q -v rows="${ROWS[$scale]}" -v contacts="${CONTACTS[$scale]}" \
		-v companies="${COMPANIES[$scale]}" -v hot_rows="${HOT[$scale]}" -v deleted=0 \
		-f "$BENCH/generate.sql" >/dev/null
	run_psql -d "$db" -q -c "VACUUM (ANALYZE) clarky.activities" -c "VACUUM (ANALYZE) clarky.activity_counts" \
		-c "CHECKPOINT"
	generated=$(($(date +%s) - started))
	before=$(run_psql -d "$db" -Atc "SELECT pg_database_size(current_database())")
	run_psql -d "$db" -c '\timing on' -c "ALTER EXTENSION clarky_activity UPDATE TO '1.3.0'" >"$out" 2>&1 || {
		cat "$out" >&2
		return 1
	}
	ms=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$out" | tail -n 1)
	run_psql -d "$db" -At -F '=' >>"$out" <<'SQL'
SELECT 'version_after', extversion FROM pg_extension WHERE extname = 'clarky_activity';
SELECT 'links_after', count(*) FROM clarky.activity_links;
SELECT 'hot_total_agrees', (clarky.contact_activities('c_hot')::jsonb #>> '{pagination,total}')::bigint = count(*)
FROM clarky.activities WHERE workspace_id = 'default' AND contact_id = 'c_hot' AND deleted_at IS NULL;
SELECT 'company_total_agrees', (clarky.company_activities('co_1')::jsonb #>> '{pagination,total}')::bigint = count(*)
FROM clarky.activities WHERE workspace_id = 'default' AND company_id = 'co_1' AND deleted_at IS NULL;
SELECT 'db_bytes_after', pg_database_size(current_database());
SQL
	{
		echo "rows=${ROWS[$scale]}"
		echo "from=1.2.0"
		echo "to=1.3.0"
		echo "milliseconds=$ms"
		echo "generate_seconds=$generated"
		echo "db_bytes_before=$before"
		grep -E '^(version_after|links_after|hot_total_agrees|company_total_agrees|db_bytes_after)=' "$out"
	} >"$RESULTS/upgrade.txt"
	run_psql -d postgres -q -c "DROP DATABASE $db WITH (FORCE)"
	if ! grep -qx 'version_after=1.3.0' "$RESULTS/upgrade.txt" ||
		grep -qx '.*_agrees=f' "$RESULTS/upgrade.txt"; then
		cat "$RESULTS/upgrade.txt" >&2
		echo "error: the upgraded database is not what 1.3.0 should be" >&2
		return 1
	fi
	awk -F= '$1 == "milliseconds" { printf "  ALTER EXTENSION clarky_activity UPDATE TO '\''1.3.0'\'' on %s activities: %.1f s\n", r, $2 / 1000 } $1 == "rows" { r = $2 }' \
		"$RESULTS/upgrade.txt" >&2
}

# Latency against page depth: the hot contact, one client, each page alone
depth_sweep() {
	local db=bench_$1 scale=$1 page side out pages
	if [ "$scale" = tiny ]; then pages=(1 10 40); else pages=(1 10 100 500 1000 2000 3000 4000); fi
	phase "latency against page depth on $db"
	for page in "${pages[@]}"; do
		for side in ext ref; do
			out=$RESULTS/raw/$scale-depth-$page-$side.out
			pgb "$out" "$db" 1 "$SWEEP_SECS" "depth_$side.sql" -D page="$page"
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scale:depth" "$side" "$page" 1 1 \
				"$(tps_of "$out")" "$(lat_of "$out")" >>"$TSV"
			printf '  page %-6s %-4s %8.3f ms\n' "$page" "$side" "$(lat_of "$out")" >&2
		done
	done
}

# Page-1 latency against table size: one client, the sizes alternated
size_sweep() {
	local scales=("$@") round scale side out
	phase "page-1 latency against table size (${scales[*]})"
	for ((round = 1; round <= ROUNDS; round++)); do
		for scale in "${scales[@]}"; do
			for side in ext ref floor; do
				out=$RESULTS/raw/size-$scale-$side-$round.out
				pgb "$out" "bench_$scale" 1 "$SECS" "timeline_$side.sql" -D contacts="${CONTACTS[$scale]}"
				printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "size" "$side" "${ROWS[$scale]}" "$round" 1 \
					"$(tps_of "$out")" "$(lat_of "$out")" >>"$TSV"
				printf '  %-4s rows %-9s %-5s round %d  %8.3f ms\n' "$scale" "${ROWS[$scale]}" "$side" "$round" "$(lat_of "$out")" >&2
			done
		done
	done
}

# The memory check: MEM_CALLS timeline calls in one backend (pgbench, one
# connection), its memory recorded from inside at the start and every tenth
memory_check() {
	local db=bench_$1 scale=$1 warm step
	warm=$((MEM_CALLS / 100)) step=$((MEM_CALLS / 10))
	phase "memory check: $MEM_CALLS timeline calls in one backend"
	run_psql -d "$db" -q -c "TRUNCATE bench_memory"
	"$PGBENCH" -n -M prepared -c 1 -j 1 -t "$MEM_CALLS" -h "$DIR" -p "$PORT" -U "$ROLE" \
		-D n=0 -D warm="$warm" -D step="$step" -D contacts="${CONTACTS[$scale]}" \
		-f "$BENCH/pgbench/memory.sql" "$db" >"$RESULTS/raw/memory.out" 2>&1 || {
		tail -n 20 "$RESULTS/raw/memory.out" >&2
		return 1
	}
	run_psql -d "$db" -At -F $'\t' -c "SELECT n, pid, context_bytes, rss_anon_kb, pss_kb, at FROM bench_memory ORDER BY n" \
		>"$RESULTS/memory.tsv"
	sed -n 's/^latency average = /  latency average = /p' "$RESULTS/raw/memory.out" >&2
	awk -F'\t' 'NR == 1 { c = $3; r = $4 } END { printf "  after %d calls: contexts %+.2f MB, private RSS %+.2f MB since call %d\n", $1, ($3 - c) / 1048576, ($4 - r) / 1024, '"$warm"' }' \
		"$RESULTS/memory.tsv" >&2
}

# EXPLAIN (ANALYZE, BUFFERS) of every statement each timeline runs, as the
# application role: auto_explain logs the nested statements of the C code and
# of the reference to the client; each call is made 6 times first, so that the
# plans shown are the ones the benchmark reuses.
explain_plans() {
	local db=bench_$1 scale=$1 hot_page codb=bench_$1_company copage
	hot_page=$((HOT[$scale] / 50))
	phase "EXPLAIN (ANALYZE, BUFFERS) of the timelines"
	local calls=() call title fn impl
	for impl in clarky bench_ref; do
		calls+=("typical contact, page 1|$db|$impl.contact_activities('c_42')")
	done
	for impl in clarky bench_ref; do
		calls+=("hot contact, page 1|$db|$impl.contact_activities('c_hot')")
	done
	for impl in clarky bench_ref; do
		calls+=("typical contact, type call, page 1|$db|$impl.contact_activities('c_42', 'call')")
	done
	for impl in clarky bench_ref; do
		calls+=("hot contact, page $hot_page|$db|$impl.contact_activities('c_hot', NULL, $hot_page)")
	done
	# the company cases' calls, where the run has the company data set
	if db_exists "$codb"; then
		copage=$(((CO_CONTACTS[$scale] * CO_PER[$scale] + 49) / 50))
		calls+=("big company (${CO_CONTACTS[$scale]} contacts), page 1|$codb|clarky.company_activities('co_big')"
			"big company (${CO_CONTACTS[$scale]} contacts), page 1|$codb|bench_ref.company_people_activities('co_big')"
			"big company, middle page $copage|$codb|clarky.company_activities('co_big', NULL, $copage)"
			"big company, middle page $copage|$codb|bench_ref.company_people_activities('co_big', NULL, $copage)"
			"big company, the total alone (a page past the end)|$codb|clarky.company_activities('co_big', NULL, 100000, 100)"
			"small company, the total alone (a page past the end)|$codb|clarky.company_activities('co_small', NULL, 100000, 100)")
	fi
	: >"$RESULTS/explain.txt"
	for call in "${calls[@]}"; do
		title=${call%%|*} fn=${call##*|} call=${call#*|} db=${call%%|*}
		{
			printf '### %s: %s\n' "$title" "$fn"
			run_psql -d "$db" -At 2>&1 <<SQL | sed -e 's/^psql:<stdin>:[0-9]*: //' -e '/^{"data"/d' -e '/^$/d'
SET client_min_messages = notice;
LOAD 'auto_explain';
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET auto_explain.log_timing = on;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET auto_explain.log_min_duration = -1;
SET ROLE $ROLE;
SELECT $fn FROM generate_series(1, 6) \g /dev/null
RESET ROLE;
SET auto_explain.log_min_duration = 0;
SET ROLE $ROLE;
SELECT $fn \g /dev/null
SQL
			printf '\n'
		} >>"$RESULTS/explain.txt"
	done
}

# ---- HTTP: wrk against a PostgREST of its own ---------------------------------

http_case() {
	local db=bench_$1 scale=$1
	"$BENCH/http.sh" "$DIR" "$db" "$PORT" "$PGRST_PORT" "${CONTACTS[$scale]}" "$ROUNDS" "$SECS" "$RESULTS" ||
		{ log "HTTP case failed (see $RESULTS/http.txt)"; return 0; }
}

# ---- main -------------------------------------------------------------------

cleanup() {
	stop_cluster "$DIR"
	release_huge_pages
}
trap cleanup EXIT

phase "bench/run.sh --scale $SCALE ($MODE): results in $RESULTS"
packages=()
[ "$DOCS" = 0 ] || packages+=(gnuplot-nox)
[ -z "$HTTP" ] || packages+=(wrk)
install_packages "${packages[@]}"
if [ -n "${CLARKY_BENCH_NO_BUILD:-}" ]; then
	log "using the installed clarky_activity as it is (CLARKY_BENCH_NO_BUILD)"
else
	# the build and install are shared with whoever else builds this tree
	log "building and installing clarky_activity (holding ${CLARKY_BUILD_LOCK:-/tmp/clarky-build.lock})"
	flock "${CLARKY_BUILD_LOCK:-/tmp/clarky-build.lock}" \
		make -C "$REPO_DIR" -s PG_CONFIG="$PG_CONFIG" install >/dev/null
fi
# a cluster left running (say, by an interrupted run) restarts with the pages
stop_cluster "$DIR"
reserve_huge_pages
start_cluster "$DIR" "$PORT"
configure_cluster

{
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "mode=$MODE"
	echo "scale=$SCALE"
	echo "rounds=$ROUNDS"
	echo "secs=$SECS"
	echo "sweep_secs=$SWEEP_SECS"
	echo "memory_calls=$MEM_CALLS"
	echo "nproc=$(nproc)"
	echo "memory=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "kernel=$(uname -r)"
	echo "postgres=$(run_psql -d postgres -Atc 'SELECT version()')"
	echo "commit=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$REPO_DIR" status --porcelain -- src sql 2>/dev/null | grep -q . && echo ' with uncommitted changes to src/ or sql/')"
	echo "settings=$(printf '%s ' "${SETTINGS[@]}")"
	echo "shared_buffers=$(run_psql -d postgres -Atc 'SHOW shared_buffers')"
	echo "huge_pages_in_use=$(huge_pages_in_use)"
	echo "glibc_tunables=${GLIBC_TUNABLES:-}"
	[ -z "${CLARKY_BENCH_NOTE:-}" ] || echo "note=$CLARKY_BENCH_NOTE"
	echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$RESULTS/machine.txt"

case $SCALE in
tiny | 2m)
	ensure_dataset "$SCALE"
	ensure_dataset "$SCALE" del
	ensure_company_dataset "$SCALE"
	run_psql -d "bench_$SCALE" -Atc "SELECT key || '=' || value FROM bench_meta" >"$RESULTS/dataset.txt"
	run_psql -d "bench_${SCALE}_del" -Atc "SELECT key || '=' || value FROM bench_meta" >"$RESULTS/dataset-${SCALE}_del.txt"
	run_psql -d "bench_${SCALE}_company" -Atc "SELECT key || '=' || value FROM bench_meta" >"$RESULTS/dataset-${SCALE}_company.txt"
	prepare_db "$SCALE" del
	prepare_company_db "$SCALE"
	prepare_db "$SCALE"
	check_by_id "$SCALE"
	explain_plans "$SCALE"
	read_cases "$SCALE"
	depth_sweep "$SCALE"
	memory_check "$SCALE"
	[ -z "$HTTP" ] || http_case "$SCALE"
	company_read_cases "$SCALE"
	prewarm "bench_$SCALE"
	write_cases "$SCALE"
	company_write_cases "$SCALE"
	prewarm "bench_${SCALE}_del"
	deleted_cases "$SCALE"
	upgrade_case "$SCALE"
	;;
10m)
	for s in 1m 2m 10m; do
		ensure_dataset "$s"
		prepare_db "$s"
	done
	run_psql -d bench_10m -Atc "SELECT key || '=' || value FROM bench_meta" >"$RESULTS/dataset.txt"
	size_sweep 1m 2m 10m
	check_by_id 10m
	explain_plans 10m
	read_cases 10m
	write_cases 10m
	;;
esac

{
	echo "seconds=$(($(date +%s) - STARTED))"
	# how busy the machine was: the load average, and the share of the last
	# 5 minutes in which some task waited for a core
	echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)"
	[ ! -r /proc/pressure/cpu ] || echo "cpu_pressure_some_avg300_end=$(sed -n 's/^some .*avg300=\([0-9.]*\).*/\1/p' /proc/pressure/cpu)%"
} >>"$RESULTS/machine.txt"
phase "report"
report_args=("$RESULTS")
[ "$DOCS" = 1 ] && report_args+=(--docs)
python3 "$BENCH/report.py" "${report_args[@]}"
phase "done in $(elapsed)"
