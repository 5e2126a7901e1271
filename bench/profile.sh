#!/usr/bin/env bash
# bench/profile.sh: where a write's time goes, on a data set bench/run.sh
# made (not part of its run; see bench/notes.md, log_vs_lean).
#
#   bench/profile.sh sides DB SIDE=SCRIPT...     each side alone, 1 client
#   bench/profile.sh states DB SCRIPT STATE...   one script, the table of
#                                                clarky.activities in each
#                                                state in turn
#   bench/profile.sh perf DB SCRIPT OUT          a perf record of the script's
#                                                backend, and its report
#
# sides and states alternate their members over ROUNDS rounds (default 3)
# of SECS seconds (default 8), pgbench -c 1 as bench/run.sh's application
# role, and print for each round: TPS, and the backend's CPU per
# transaction (user + system time from /proc/<pid>/stat over its whole
# life, divided by the transactions pgbench counted), then the medians.
#
# A state is a comma-separated list of what the table lacks, from:
#   counts    the row trigger activities_counts disabled
#   rls       row-level security disabled
#   checks    every CHECK constraint dropped
#   onecheck  every CHECK constraint merged into one
#   index4    the index activities_company_type_timeline dropped
#   pkid      the primary key on (id) alone instead of (workspace_id, id)
# or "full" for the table as the extension makes it.  Every state is set
# from what the table was first (saved in bench_profile_saved), and the
# table is put back as it was at the end, also on error.  After each change
# the table and its indexes are read into shared buffers again.  The changes
# are for a data set that is generated again anyway (bench/run.sh marks it).
#
# Environment as bench/run.sh: CLARKY_BENCH_DIR, CLARKY_BENCH_PORT; the
# cluster must be running (bench/run.sh stops it at its end: start it with
# pg_ctl on the same directory and port).
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../scripts/lib.sh"
set -euo pipefail

BENCH=$REPO_DIR/bench
ROLE=clarky_bench
PGBENCH=$PG_BIN/pgbench
DIR=${CLARKY_BENCH_DIR:-/var/tmp/clarky_bench}
PORT=${CLARKY_BENCH_PORT:-25460}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-8}
export PGHOST=$DIR PGPORT=$PORT PGUSER=postgres
export PGOPTIONS='-c client_min_messages=warning'
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# one DB SCRIPT: one pgbench run of SECS seconds; prints "tps cpu_us_per_tx"
one() {
	local db=$1 script=$2 out pid cpu=0 c contacts ids
	out=$(mktemp)
	contacts=$(run_psql -d "$db" -Atc "SELECT value FROM bench_meta WHERE key = 'contacts'")
	ids=$(run_psql -d "$db" -Atc "SELECT count(*) FROM bench_ids")
	"$PGBENCH" -n -M prepared -c 1 -j 1 -T "$SECS" -h "$DIR" -p "$PORT" -U "$ROLE" \
		-D contacts="$contacts" -D ids="$ids" -D nclients=1 -D maxpage=4000 \
		-f "$BENCH/pgbench/$script" "$db" >"$out" 2>&1 &
	local bench=$!
	for _ in $(seq 50); do
		pid=$(run_psql -d postgres -Atc "SELECT pid FROM pg_stat_activity WHERE datname = '$db' AND usename = '$ROLE' AND application_name = 'pgbench' LIMIT 1")
		[ -z "$pid" ] || break
		sleep 0.1
	done
	# the backend's CPU, read until it exits
	while [ -n "$pid" ] && c=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null); do
		cpu=$c
		sleep 0.05
	done
	wait "$bench" || { cat "$out" >&2; rm -f "$out"; return 1; }
	awk -v cpu="$cpu" -v tick="$TICK_US" '
		/^number of transactions actually processed:/ { n = $NF }
		/^tps = / { tps = $3 }
		END { printf "%.1f %.2f\n", tps, (n ? cpu * tick / n : 0) }' "$out"
	rm -f "$out"
}

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# alternate LABEL=... members over the rounds; run_member LABEL does one.
# One checkpoint first, so that no member's round starts with a fresh one
# (whose full-page images of every page touched again would weigh on it),
# then each member once, unrecorded (plans, count rows, caches).
alternate() {
	local members=("$@") order round i label result
	local tsv
	tsv=$(mktemp)
	run_psql -d "$DB" -q -c "CHECKPOINT"
	for label in "${members[@]}"; do
		SECS=$(((SECS + 1) / 2)) run_member "$label" >/dev/null
	done
	for ((round = 1; round <= ROUNDS; round++)); do
		order=("${members[@]}")
		if ((round % 2 == 0)); then
			order=()
			for ((i = ${#members[@]} - 1; i >= 0; i--)); do order+=("${members[$i]}"); done
		fi
		for label in "${order[@]}"; do
			result=$(run_member "$label")
			printf '%s\t%s\t%s\n' "$label" "$round" "$result" | tee -a "$tsv" >&2
		done
	done
	printf '%-40s %10s %14s\n' member "TPS" "CPU us/tx"
	for label in "${members[@]}"; do
		printf '%-40s %10s %14s\n' "$label" \
			"$(awk -F'\t' -v l="$label" '$1 == l { split($3, a, " "); print a[1] }' "$tsv" | median)" \
			"$(awk -F'\t' -v l="$label" '$1 == l { split($3, a, " "); print a[2] }' "$tsv" | median)"
	done
	rm -f "$tsv"
}

# ---- the table's states ------------------------------------------------------

save_table() {
	run_psql -d "$DB" -q <<'SQL'
CREATE TABLE IF NOT EXISTS bench_profile_saved AS
SELECT 'check' AS kind, conname::text AS name, pg_get_constraintdef(oid) AS def
FROM pg_constraint
WHERE conrelid = 'clarky.activities'::regclass AND contype = 'c'
UNION ALL
SELECT 'index', 'activities_company_type_timeline',
	   pg_get_indexdef('clarky.activities_company_type_timeline'::regclass);
SQL
}

# set_state STATE: the table as the state says, from its saved definition
set_state() {
	local state=",$1," sql=""
	sql+="ALTER TABLE clarky.activities $([[ $state == *,counts,* ]] && echo DISABLE || echo ENABLE) TRIGGER activities_counts;"
	sql+="ALTER TABLE clarky.activities $([[ $state == *,rls,* ]] && echo DISABLE || echo ENABLE) ROW LEVEL SECURITY;"
	run_psql -d "$DB" -q -c "$sql"
	run_psql -d "$DB" -q -v checks="$([[ $state == *,checks,* ]] && echo none ||
		{ [[ $state == *,onecheck,* ]] && echo one || echo all; })" \
		-v index4="$([[ $state == *,index4,* ]] && echo off || echo on)" \
		-v pkid="$([[ $state == *,pkid,* ]] && echo on || echo off)" <<'SQL'
SET client_min_messages = warning;
SELECT format('ALTER TABLE clarky.activities DROP CONSTRAINT %I', conname)
FROM pg_constraint WHERE conrelid = 'clarky.activities'::regclass AND contype = 'c' \gexec
SELECT format('ALTER TABLE clarky.activities ADD CONSTRAINT %I %s NOT VALID', name, def)
FROM bench_profile_saved WHERE kind = 'check' AND :'checks' = 'all' \gexec
SELECT 'ALTER TABLE clarky.activities ADD CONSTRAINT activities_all_checks CHECK ('
	   || string_agg('(' || regexp_replace(def, '^CHECK \((.*)\)$', '\1') || ')', ' AND ') || ') NOT VALID'
FROM bench_profile_saved WHERE kind = 'check' AND :'checks' = 'one' HAVING count(*) > 0 \gexec
SELECT 'DROP INDEX clarky.activities_company_type_timeline'
WHERE :'index4' = 'off' AND to_regclass('clarky.activities_company_type_timeline') IS NOT NULL \gexec
SELECT def FROM bench_profile_saved
WHERE kind = 'index' AND :'index4' = 'on' AND to_regclass('clarky.activities_company_type_timeline') IS NULL \gexec
-- the key on (id): a unique index beside the primary key, which goes
SELECT 'CREATE UNIQUE INDEX bench_profile_id_key ON clarky.activities (id)'
WHERE :'pkid' = 'on' AND to_regclass('clarky.bench_profile_id_key') IS NULL \gexec
SELECT 'ALTER TABLE clarky.activities DROP CONSTRAINT activities_pkey, ADD CONSTRAINT activities_pkey PRIMARY KEY USING INDEX bench_profile_id_key'
WHERE :'pkid' = 'on' AND to_regclass('clarky.bench_profile_id_key') IS NOT NULL \gexec
SELECT 'ALTER TABLE clarky.activities DROP CONSTRAINT activities_pkey, ADD CONSTRAINT activities_pkey PRIMARY KEY (workspace_id, id)'
WHERE :'pkid' = 'off' AND (SELECT count(*) FROM pg_index WHERE indexrelid = 'clarky.activities_pkey'::regclass AND indnatts = 1) = 1 \gexec
SQL
	# a rebuilt index was written around shared buffers: read it back in
	run_psql -d "$DB" -q -c "VACUUM (ANALYZE) clarky.activities"
	run_psql -d "$DB" -Atq -c "SELECT count(pg_prewarm(c.oid)) FROM pg_class AS c WHERE c.relnamespace = 'clarky'::regnamespace AND c.relkind IN ('r', 'i')" >/dev/null
}

MODE=${1:?usage: bench/profile.sh sides|states|perf DB ...}
DB=${2:?the database}
shift 2
case $MODE in
sides)
	run_member() { one "$DB" "${1#*=}"; }
	alternate "$@"
	;;
states)
	SCRIPT=$1
	shift
	save_table
	trap 'set_state full' EXIT
	run_member() { set_state "$1" >&2; one "$DB" "$SCRIPT"; }
	alternate "$@"
	;;
perf)
	SCRIPT=$1 OUT=$2
	command -v perf >/dev/null || install_packages linux-perf
	contacts=$(run_psql -d "$DB" -Atc "SELECT value FROM bench_meta WHERE key = 'contacts'")
	ids=$(run_psql -d "$DB" -Atc "SELECT count(*) FROM bench_ids")
	"$PGBENCH" -n -M prepared -c 1 -j 1 -T "$((SECS + 2))" -h "$DIR" -p "$PORT" -U "$ROLE" \
		-D contacts="$contacts" -D ids="$ids" -D nclients=1 \
		-f "$BENCH/pgbench/$SCRIPT" "$DB" >"$OUT.pgbench" 2>&1 &
	bench=$!
	sleep 1
	pid=$(run_psql -d postgres -Atc "SELECT pid FROM pg_stat_activity WHERE datname = '$DB' AND usename = '$ROLE' AND application_name = 'pgbench' LIMIT 1")
	perf record -q -F 999 --call-graph dwarf,16384 -p "$pid" -o "$OUT.data" -- sleep "$SECS" >/dev/null 2>&1
	wait "$bench"
	perf report -i "$OUT.data" --children --stdio --no-demangle -g none --percent-limit 0.5 \
		--sort symbol 2>/dev/null >"$OUT.children.txt"
	perf report -i "$OUT.data" --no-children --stdio --no-demangle -g none --percent-limit 0.3 \
		--sort dso,symbol 2>/dev/null >"$OUT.self.txt"
	grep -E '^(tps|number of transactions actually)' "$OUT.pgbench"
	echo "wrote $OUT.children.txt and $OUT.self.txt"
	;;
*)
	echo "usage: bench/profile.sh sides|states|perf DB ..." >&2
	exit 2
	;;
esac
