#!/usr/bin/env bash
# bench/release_ab.sh: the released 1.0.0 and the current version, measured
# in one run on the same machine, each against its own baseline.
#
#   [ROUNDS=5] [SECS=5] [ROWS=2000000] bench/release_ab.sh [RELEASE_COMMIT]
#                                   (default: the release's commit, as the
#                                    upgrade test finds it: release_commit)
#
# A benchmark's ratio moves with the machine as well as with the code: on a
# VM whose system calls got dearer, every side pays more for the same
# protocol work, and the cheaper side's ratio falls.  This tells the two
# apart.  Two databases on one private cluster (port CLARKY_BENCH_RELEASE_PORT,
# 25466), each with ROWS generated activities and the benchmark's shape
# (bench/run.sh's 2M set: 20,000 typical contacts, 2,000 companies, a hot
# contact of 100,000):
#   release  the library, generator (bench/generate.sql), reference
#            (bench/reference.sql) and pgbench scripts of RELEASE_COMMIT, the
#            library installed beside the current one as
#            clarky_activity_release.so, under its SQL (1.0.0, frozen);
#   current  this tree's.
# pgbench runs, as bench/run.sh does (prepared, 2 clients, a role that binds
# nothing), page 1 of a contact's timeline against the reference, and the
# log against a plain INSERT into the same table, each version with its own
# scripts, the sides rotated over ROUNDS rounds of SECS seconds: the median
# TPS of each and each version's ratio.  Where the current ratio is at least
# the release's, measured so, the release's ratio held.  shared_buffers
# holds both sets, in huge pages.  Not a test: it asserts nothing.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../scripts/lib.sh"
set -euo pipefail
require_root "$@"

RELEASE=$(release_commit "${1:-}") || { echo "no commit of the released 1.0.0 found" >&2; exit 2; }
PORT=${CLARKY_BENCH_RELEASE_PORT:-25466}
DIR=/var/tmp/clarky_bench_release
ROUNDS=${ROUNDS:-5} SECS=${SECS:-5} ROWS=${ROWS:-2000000}
CONTACTS=$((ROWS / 100)) COMPANIES=$((ROWS / 1000)) HOT=$((ROWS / 20))
ROLE=clarky_bench_ab
WORK=$(mktemp -d /tmp/clarky-release-ab.XXXXXX)
PG_LIBDIR=$("$PG_CONFIG" --pkglibdir)
HUGE_BEFORE=$(cat /proc/sys/vm/nr_hugepages)
trap 'stop_cluster "$DIR"; echo "$HUGE_BEFORE" >/proc/sys/vm/nr_hugepages; rm -rf "$WORK" "$PG_LIBDIR/clarky_activity_release.so"' EXIT
# bench/run.sh's malloc settings, for the same reason (see there)
export GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456:glibc.malloc.top_pad=16777216:glibc.malloc.mmap_threshold=268435456

log "building the release (commit ${RELEASE:0:12}) as clarky_activity_release.so"
mkdir "$WORK/release"
repo_git archive "$RELEASE" | tar -x -C "$WORK/release"
make -C "$WORK/release" -s PG_CONFIG="$PG_CONFIG" >/dev/null
install -m 755 "$WORK/release/clarky_activity.so" "$PG_LIBDIR/clarky_activity_release.so"
flock /tmp/clarky-build.lock make -C "$REPO_DIR" -s PG_CONFIG="$PG_CONFIG" install >/dev/null

# both sets in shared memory: about 1 GB per million rows, with room
SHARED_MB=$((ROWS / 1000000 * 2048 + 1024))
start_cluster "$DIR" "$PORT" >/dev/null
run_psql -d postgres -c "ALTER SYSTEM SET shared_buffers = '${SHARED_MB}MB'" \
	-c "ALTER SYSTEM SET synchronous_commit = off" -c "ALTER SYSTEM SET autovacuum = off" \
	-c "ALTER SYSTEM SET jit = off" -c "ALTER SYSTEM SET huge_pages = try" \
	-c "ALTER SYSTEM SET max_wal_size = '16GB'" >/dev/null
want=$((SHARED_MB / 2 + SHARED_MB / 64 + 128))
[ "$HUGE_BEFORE" -ge "$want" ] || echo "$want" >/proc/sys/vm/nr_hugepages
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/data" restart -w -m fast >/dev/null

run_psql -d postgres -q <<SQL
SET client_min_messages = warning;
DROP DATABASE IF EXISTS ab_release;
DROP DATABASE IF EXISTS ab_current;
CREATE DATABASE ab_release;
CREATE DATABASE ab_current;
DO \$\$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
		CREATE ROLE $ROLE LOGIN;
	END IF;
END
\$\$;
SQL
# load VERSION_DIR DB: the extension, the generated set and the reference
load() {
	local src=$1 db=$2
	if [ "$db" = ab_release ]; then
		create_extension_beside "$db" 1.0.0 clarky_activity_release
	else
		create_extension_beside "$db"
	fi
	log "generating $ROWS activities in $db ($src/bench/generate.sql)"
	run_psql -d "$db" -q -v rows="$ROWS" -v contacts="$CONTACTS" -v companies="$COMPANIES" \
		-v hot_rows="$HOT" -v deleted=0 -f "$src/bench/generate.sql" >/dev/null
	run_psql -d "$db" -q -c "VACUUM (ANALYZE) clarky.activities" -c "VACUUM (ANALYZE) clarky.activity_counts" \
		-f "$src/bench/reference.sql" -c "CHECKPOINT"
}
load "$WORK/release" ab_release
load "$REPO_DIR" ab_current
run_psql -d postgres -q -c "GRANT clarky_writer TO $ROLE"

# side DB SCRIPT: one pgbench run of 2 clients; prints its TPS
side() {
	"$PG_BIN/pgbench" -n -M prepared -c 2 -j 2 -T "$SECS" -h "$DIR" -p "$PORT" -U "$ROLE" \
		-D contacts="$CONTACTS" -f "$2" "$1" 2>&1 | sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# the cases: NAME, the extension's script, the baseline's script, the baseline
CASES=("page_1 timeline_ext.sql timeline_ref.sql reference" "log log_ext.sql log_floor.sql plain_INSERT")
declare -A tps=()
for ((r = 1; r <= ROUNDS; r++)); do
	for c in "${CASES[@]}"; do
		read -r name ext base _ <<<"$c"
		sides=("release ab_release $WORK/release/bench/pgbench/$ext ext"
			"release ab_release $WORK/release/bench/pgbench/$base base"
			"current ab_current $REPO_DIR/bench/pgbench/$ext ext"
			"current ab_current $REPO_DIR/bench/pgbench/$base base")
		for ((k = 0; k < r % 4; k++)); do sides=("${sides[@]:1}" "${sides[0]}"); done	# rotate
		for s in "${sides[@]}"; do
			read -r version db script what <<<"$s"
			tps[$name/$version/$what]+="$(side "$db" "$script") "
		done
	done
done

printf '\n%-7s %-8s %10s %10s  %-13s %s\n' case version TPS baseline "" ratio
for c in "${CASES[@]}"; do
	read -r name _ _ baseline <<<"$c"
	for version in release current; do
		e=$(tr ' ' '\n' <<<"${tps[$name/$version/ext]}" | grep . | median)
		b=$(tr ' ' '\n' <<<"${tps[$name/$version/base]}" | grep . | median)
		printf '%-7s %-8s %10.0f %10.0f  %-13s %5.2fx   (rounds: %s/ %s)\n' "$name" "$version" "$e" "$b" \
			"($baseline)" "$(awk -v a="$e" -v b="$b" 'BEGIN { print a / b }')" \
			"${tps[$name/$version/ext]}" "${tps[$name/$version/base]}"
	done
done
