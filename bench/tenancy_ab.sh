#!/usr/bin/env bash
# bench/tenancy_ab.sh: what binding and checking the workspace (1.2.0,
# src/workspace.c) costs the hot paths, before against after, in one run.
#
#   [ROUNDS=7] [SECS=8] [AB_SCRIPTS="timeline_ext.sql log_ext.sql"] bench/tenancy_ab.sh [BEFORE_COMMIT]
#                                         (default: the last commit before
#                                          the 1.1.0--1.2.0 script)
#
# Two databases on one private cluster (port CLARKY_BENCH_AB_PORT, 25465),
# the same generated activities in each (bench/generate.sql, 300,000 rows):
#   before  the library built from BEFORE_COMMIT, installed beside the
#           current one as clarky_activity_before.so, under its SQL (1.1.0);
#   after   the current library and SQL.
# pgbench runs page 1 of a contact's timeline and the log as bench/run.sh
# does (2 clients, prepared), the sides alternated over ROUNDS rounds (7) of
# SECS seconds (8), as a role that binds nothing (the default workspace),
# and, on the after side, also as a confined role and as a trusted one whose
# workspace is bound by its role setting: the median TPS of each, and its
# ratio to the before side's (above 0.98: within 2%).  shared_buffers is
# 1 GB in huge pages, as bench/run.sh gives its own.  Not a test: it
# asserts nothing.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../scripts/lib.sh"
set -euo pipefail
require_root "$@"

BEFORE=${1:-$(git -C "$REPO_DIR" log -n 1 --format=%H --diff-filter=A -- sql/clarky_activity--1.1.0--1.2.0.sql)^}
PORT=${CLARKY_BENCH_AB_PORT:-25465}
DIR=/var/tmp/clarky_bench_ab
ROUNDS=${ROUNDS:-7} SECS=${SECS:-8}
WORK=$(mktemp -d /tmp/clarky-ab.XXXXXX)
HUGE_BEFORE=$(cat /proc/sys/vm/nr_hugepages)
trap 'stop_cluster "$DIR"; echo "$HUGE_BEFORE" >/proc/sys/vm/nr_hugepages; rm -rf "$WORK" "$PG_LIBDIR/clarky_activity_before.so"' EXIT
PG_LIBDIR=$("$PG_CONFIG" --pkglibdir)

log "building the library of $BEFORE as clarky_activity_before.so"
git -C "$REPO_DIR" archive "$BEFORE" | tar -x -C "$WORK"
make -C "$WORK" -s PG_CONFIG="$PG_CONFIG" >/dev/null
install -m 755 "$WORK/clarky_activity.so" "$PG_LIBDIR/clarky_activity_before.so"
flock /tmp/clarky-build.lock make -C "$REPO_DIR" -s PG_CONFIG="$PG_CONFIG" install >/dev/null
BEFORE_VERSION=$(control_version "$WORK")

start_cluster "$DIR" "$PORT" >/dev/null
run_psql -d postgres -c "ALTER SYSTEM SET shared_buffers = '1GB'" -c "ALTER SYSTEM SET synchronous_commit = off" \
	-c "ALTER SYSTEM SET autovacuum = off" -c "ALTER SYSTEM SET jit = off" -c "ALTER SYSTEM SET huge_pages = try" >/dev/null
[ "$HUGE_BEFORE" -ge 600 ] || echo 600 >/proc/sys/vm/nr_hugepages
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/data" restart -w -m fast >/dev/null
run_psql -d postgres -q <<'SQL'
SET client_min_messages = warning;
DROP DATABASE IF EXISTS ab_before;
DROP DATABASE IF EXISTS ab_after;
CREATE DATABASE ab_before;
CREATE DATABASE ab_after;
SQL
for db in ab_before ab_after; do
	if [ "$db" = ab_before ]; then
		create_extension_beside "$db" "$BEFORE_VERSION" clarky_activity_before
	else
		create_extension_beside "$db"
	fi
	run_psql -d "$db" -q -v rows=300000 -v contacts=3000 -v companies=300 -v hot_rows=10000 -v deleted=0 \
		-f "$REPO_DIR/bench/generate.sql" >/dev/null
	run_psql -d "$db" -q -c "VACUUM (ANALYZE) clarky.activities" -c "VACUUM (ANALYZE) clarky.activity_counts"
done
run_psql -d postgres -q <<'SQL'
SET client_min_messages = warning;
DO $$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['ab_plain', 'ab_confined', 'ab_trusted'] LOOP
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
			EXECUTE format('CREATE ROLE %I LOGIN', r);
		END IF;
	END LOOP;
END
$$;
GRANT clarky_writer TO ab_plain, ab_confined, ab_trusted;
ALTER ROLE ab_confined SET clarky.allowed_workspaces = 'default';
GRANT SET ON PARAMETER clarky.workspace_id TO ab_trusted;
ALTER ROLE ab_trusted SET clarky.workspace_id = 'default';
SQL

# side DB ROLE SCRIPT: one pgbench run of 2 clients, as bench/run.sh
# measures; prints its TPS
side() {
	"$PG_BIN/pgbench" -n -M prepared -c 2 -j 2 -T "$SECS" -h "$DIR" -p "$PORT" -U "$2" \
		-D contacts=3000 -f "$REPO_DIR/bench/pgbench/$3" "$1" 2>&1 | sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-18s %-9s %12s  %s\n' script side "TPS" "over before (rounds)"
for script in ${AB_SCRIPTS:-timeline_ext.sql log_ext.sql}; do
	declare -A tps=()
	sides=("before ab_before ab_plain" "after ab_after ab_plain" "confined ab_after ab_confined" "trusted ab_after ab_trusted")
	for ((r = 1; r <= ROUNDS; r++)); do
		for s in "${sides[@]}"; do
			read -r name db role <<<"$s"
			tps[$name]+="$(side "$db" "$role" "$script") "
		done
		sides=("${sides[@]:1}" "${sides[0]}")	# rotate the order each round
	done
	before=$(tr ' ' '\n' <<<"${tps[before]}" | grep . | median)
	for name in before after confined trusted; do
		m=$(tr ' ' '\n' <<<"${tps[$name]}" | grep . | median)
		printf '%-18s %-9s %12.2f  %5.3fx   (%s)\n' "$script" "$name" "$m" \
			"$(awk -v a="$m" -v b="$before" 'BEGIN { print a / b }')" "${tps[$name]}"
	done
	unset tps
done
